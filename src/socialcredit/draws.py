"""Counter-based random draws for parallel kernels: a draw is a hash of (key, citizen, slot).

A kernel that runs over citizens in parallel cannot share one sequential generator without
its results depending on how the work is split between threads. Here every draw is a pure
function of a 64-bit key (the component's stream, the day, the purpose), the citizen and a
slot number, so any thread can make any citizen's draws and the results are the same for
any number of threads. The hash is SplitMix64 (Steele, Lea & Flood 2014): the citizen's
draws are a SplitMix64 sequence seeded by a hash of (key, citizen).

Outside kernels the same draws serve decisions made in NumPy (`uniforms`, through
`core.Mechanism.uniform`): a decision's key is a hash of (seed, mechanism, decision, day), so
every per-citizen decision has its own common random numbers.
"""

from __future__ import annotations

import numba
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # the SplitMix64 increment, 2**64 / golden ratio
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 2.0**-53
EVENTS = 1 << 32  # first slot free for per-event draws after a `poisson` count


@numba.njit(inline="always", cache=True)
def mix(z: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a bijective hash of 64 bits with full avalanche."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(inline="always", cache=True)
def citizen(key: np.uint64, i: int) -> np.uint64:
    """The state from which citizen i's draws under `key` are made."""
    return mix(np.uint64(key) + np.uint64(i) * GOLDEN)


@numba.njit(inline="always", cache=True)
def uniform(state: np.uint64, slot: int) -> float:
    """Draw number `slot` (0, 1, ...) of a citizen's state: a float64 uniform on [0, 1) (53 bits)."""
    return float(mix(state + np.uint64(slot + 1) * GOLDEN) >> np.uint64(11)) * _TO_UNIT


@numba.njit(inline="always", cache=True)
def poisson(state: np.uint64, rate: float) -> int:
    """A Poisson(rate) count from the first draws of a citizen's state (slots below `EVENTS`).

    Inverse transform, one uniform per chunk of rate at most 16 (a Poisson count is a sum of
    independent ones), so exp(-rate) never underflows. Each chunk walks its CDF from 0; for
    the small daily rates of the model that is one or two steps, and a uniform below
    1 - rate <= exp(-rate) is a zero without computing the exponential.
    """
    if rate <= 16.0:
        u = uniform(state, 0)
        return 0 if u < 1.0 - rate else _invert(u, rate)
    chunks = int(np.ceil(rate / 16.0))
    count = 0
    for c in range(chunks):
        count += _invert(uniform(state, c), rate / chunks)
    return count


@numba.njit(inline="always", cache=True)
def may_occur(state: np.uint64, rate: float) -> bool:
    """Whether `poisson(state, rate)` can be positive, without the exponential.

    A kernel runs this cheap test over a block of citizens in a loop the compiler
    vectorises, then draws the exact count only for those who pass (for small rates,
    about `rate` of them).
    """
    return rate > 16.0 or uniform(state, 0) >= 1.0 - rate


BLOCK = 4096  # citizens a kernel screens with `may_occur` at a time


@numba.njit(cache=True)
def _invert(u: float, rate: float) -> int:
    """The Poisson(rate) count whose CDF interval holds u."""
    k, p = 0, np.exp(-rate)
    total = p
    while u >= total and p > 0.0:
        k += 1
        p *= rate / k
        total += p
    return k


def key(*parts: int | np.integer) -> np.uint64:
    """A 64-bit key hashed from non-negative integers (a stream's key, a day, a purpose)."""
    z = np.uint64(0)
    with np.errstate(over="ignore"):
        for part in parts:
            z = np.uint64(mix(z + np.uint64(part) * GOLDEN))
    return z


@numba.njit(parallel=True, cache=True)
def uniforms(key: np.uint64, idx: np.ndarray, slots: int) -> np.ndarray:
    """Draws 0 .. slots-1 of each citizen in `idx` under `key`: a (slots, len(idx)) float64 array.

    The whole-array form of `citizen` and `uniform`, for decisions made outside a kernel: the
    values depend on (key, citizen, slot) only, never on which other citizens are drawn.
    """
    out = np.empty((slots, idx.shape[0]))
    for j in numba.prange(idx.shape[0]):
        state = citizen(key, idx[j])
        for s in range(slots):
            out[s, j] = uniform(state, s)
    return out
