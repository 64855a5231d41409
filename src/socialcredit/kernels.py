"""Compiled kernels for loops over the CSR network, where a loop is the natural form."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(parallel=True, cache=True)
def neighbour_mean(
    indptr: np.ndarray, indices: np.ndarray, active: np.ndarray, values: np.ndarray, empty: float
) -> np.ndarray:
    """Mean of `values` over each citizen's active ties (`empty` where there are none).

    The sparse product A @ values / degree, skipping cut ties; rows are independent, so the
    result does not depend on the number of threads.
    """
    n = indptr.shape[0] - 1
    out = np.empty(n, dtype=np.float32)
    for i in numba.prange(n):
        total = 0.0
        count = 0
        for k in range(indptr[i], indptr[i + 1]):
            if active[k]:
                total += values[indices[k]]
                count += 1
        out[i] = total / count if count else empty
    return out


@numba.njit(cache=True)
def build_csr(n: int, src: np.ndarray, dst: np.ndarray, layer: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR of undirected edges, both directions, without self-loops or duplicates.

    A counting sort by row, then a sort within each (short) row, compacted in place; a
    duplicate keeps its lowest layer code. Keys pack neighbour * 8 + layer into int32
    (n < 2**28), so the peak is about 5 bytes per directed entry beyond the input.
    """
    counts = np.zeros(n + 1, dtype=np.int64)
    for e in range(src.shape[0]):
        if src[e] != dst[e]:
            counts[src[e] + 1] += 1
            counts[dst[e] + 1] += 1
    start = np.cumsum(counts)
    fill = start[:-1].copy()
    keys = np.empty(start[n], dtype=np.int32)
    for e in range(src.shape[0]):
        u, v, lay = src[e], dst[e], layer[e]
        if u != v:
            keys[fill[u]] = v * 8 + lay
            fill[u] += 1
            keys[fill[v]] = u * 8 + lay
            fill[v] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    layers = np.empty(start[n], dtype=np.int8)
    out = 0
    for i in range(n):
        keys[start[i] : start[i + 1]].sort()
        previous = -1
        for k in range(start[i], start[i + 1]):
            neighbour = keys[k] // 8
            if neighbour != previous:
                layers[out] = keys[k] % 8
                keys[out] = neighbour  # out <= k: compaction never overwrites an unread key
                out += 1
                previous = neighbour
        indptr[i + 1] = out
    return indptr, keys[:out], layers[:out]


@numba.njit(cache=True)
def active_degree(indptr: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Number of uncut ties of each citizen."""
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.int32)
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            out[i] += active[k]
    return out


@numba.njit(cache=True)
def largest_component(indptr: np.ndarray, indices: np.ndarray, active: np.ndarray) -> int:
    """Size of the largest connected component over uncut ties (union-find, O(n) memory)."""
    n = indptr.shape[0] - 1
    parent = np.arange(n, dtype=np.int32)
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            if active[k]:
                a, b = i, indices[k]
                while parent[a] != a:
                    parent[a] = parent[parent[a]]
                    a = parent[a]
                while parent[b] != b:
                    parent[b] = parent[parent[b]]
                    b = parent[b]
                if a != b:
                    parent[max(a, b)] = min(a, b)
    size = np.zeros(n, dtype=np.int32)
    best = 0
    for i in range(n):
        root = i
        while parent[root] != root:
            root = parent[root]
        size[root] += 1
        best = max(best, size[root])
    return best


@numba.njit(parallel=True, cache=True)
def pick_partners(
    indptr: np.ndarray,
    indices: np.ndarray,
    layer: np.ndarray,
    active: np.ndarray,
    donors: np.ndarray,
    context: np.ndarray,
    stranger: int,
    u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Partner of each donor: a uniform active tie in its context's layer, else a stranger.

    context[j] is a Layer code, -1 for any layer, or >= `stranger` for a stranger; a donor
    without such a tie also meets a stranger (any citizen but itself). u[j] in [0, 1) makes
    the one choice, so results depend on the caller's stream only. Returns (partner, tie
    entry), the entry -1 for a stranger.
    """
    n = indptr.shape[0] - 1
    partner = np.empty(donors.shape[0], dtype=np.int32)
    entry = np.full(donors.shape[0], -1, dtype=np.int64)
    for j in numba.prange(donors.shape[0]):
        i, w = donors[j], context[j]
        lo, hi = indptr[i], indptr[i + 1]
        count = 0
        if w < 0:
            for k in range(lo, hi):
                count += active[k]
        elif w < stranger:
            for k in range(lo, hi):
                count += active[k] & (layer[k] == w)
        if count == 0:
            other = min(int(u[j] * (n - 1)), n - 2)
            partner[j] = other + 1 if other >= i else other
            continue
        pick = min(int(u[j] * count), count - 1)
        seen = 0
        for k in range(lo, hi):
            seen += active[k] & ((w < 0) | (layer[k] == w))
            if seen > pick:
                entry[j] = k
                partner[j] = indices[k]
                break
    return partner, entry


@numba.njit(parallel=True, cache=True)
def reverse_entries(indptr: np.ndarray, indices: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Entry of src[j] in dst[j]'s row: the other direction of the tie src[j] -> dst[j].

    Rows are sorted, so a binary search per tie; no tie-sized twin array is kept.
    """
    out = np.empty(src.shape[0], dtype=np.int64)
    for j in numba.prange(src.shape[0]):
        out[j] = _find(indptr, indices, dst[j], src[j])
    return out


@numba.njit(inline="always", cache=True)
def _find(indptr: np.ndarray, indices: np.ndarray, row: int, value: int) -> int:
    """Entry of `value` in the sorted row `row` (binary search)."""
    lo, hi = indptr[row], indptr[row + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        if indices[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def settle(
    partner: np.ndarray,
    helped: np.ndarray,
    benefit: float,
    cost: float,
    payoff: np.ndarray,
    received: np.ndarray,
    refused: np.ndarray,
) -> None:
    """Pay one round of the donation game, donor i being citizen i; tally help received and refused.

    A serial scatter (recipients repeat); the int8 tallies saturate at 127.
    """
    for i in range(partner.shape[0]):
        r = partner[i]
        if helped[i]:
            payoff[i] -= cost
            payoff[r] += benefit
            if received[r] < 127:
                received[r] += 1
        elif refused[r] < 127:
            refused[r] += 1


@numba.njit(cache=True)
def tie_counts(indptr: np.ndarray, indices: np.ndarray, active: np.ndarray, who: np.ndarray) -> np.ndarray:
    """Number of active ties each citizen has to the (distinct) citizens `who`.

    Walks only the rows of `who`, so it costs O(len(who) * degree): events such as today's
    listings reach their ties without a pass over the whole network.
    """
    out = np.zeros(indptr.shape[0] - 1, dtype=np.int32)
    for i in who:
        for k in range(indptr[i], indptr[i + 1]):
            if active[k]:
                out[indices[k]] += 1
    return out


@numba.njit(parallel=True, cache=True)
def weakest_ties(
    indptr: np.ndarray,
    indices: np.ndarray,
    active: np.ndarray,
    layer: np.ndarray,
    allowed: np.ndarray,
    standing: np.ndarray,
    below: float,
    who: np.ndarray,
) -> np.ndarray:
    """For each citizen who[j], the entry of its lowest-standing active tie in an allowed layer,
    if that standing is below `below`; -1 otherwise. Ties go to the first such entry.
    """
    out = np.full(who.shape[0], -1, dtype=np.int64)
    for j in numba.prange(who.shape[0]):
        i = who[j]
        best = below
        for k in range(indptr[i], indptr[i + 1]):
            if active[k] and allowed[layer[k]] and standing[indices[k]] < best:
                best = standing[indices[k]]
                out[j] = k
    return out


@numba.njit(parallel=True, cache=True)
def record_experience(
    indptr: np.ndarray,
    indices: np.ndarray,
    partner: np.ndarray,
    entry: np.ndarray,
    helped: np.ndarray,
    remembers: np.ndarray,
    memory: np.ndarray,
) -> None:
    """Each recipient of a tie interaction who `remembers` notes, at its own entry for the donor,
    what the donor did: +1 helped, -1 refused. Donor i is citizen i; strangers (entry -1) leave
    no trace. Recipients who never read a memory (non-discriminators) are skipped: no lookup.

    Every (recipient, donor) entry is written at most once a round, so the parallel writes
    never collide. Kept apart from `pick_partners`: fused, the row scans and these random
    lookups ran 3x slower.
    """
    for i in numba.prange(partner.shape[0]):
        if entry[i] >= 0 and remembers[partner[i]]:
            memory[_find(indptr, indices, partner[i], i)] = 1 if helped[i] else -1
