"""Counter-based draws: the right distributions, and the same results for any number of threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numba
import numpy as np

from socialcredit import draws


@numba.njit
def _counts(key, rates, days):
    out = np.zeros(rates.shape[0], dtype=np.int64)
    for day in range(days):
        for i in range(rates.shape[0]):
            out[i] += draws.poisson(draws.citizen(key + np.uint64(day), i), rates[i])
    return out


@numba.njit
def _uniforms(key, n):
    out = np.empty(n)
    for i in range(n):
        out[i] = draws.uniform(draws.citizen(key, i // 4), i % 4)
    return out


def test_uniforms_are_uniform_and_keys_differ():
    u = _uniforms(draws.key(1, 2), 400_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.002 and abs(u.var() - 1 / 12) < 0.001
    assert np.histogram(u, bins=10, range=(0, 1))[0].min() > 39_000
    assert np.corrcoef(u[:-1], u[1:])[0, 1] < 0.01
    assert not np.array_equal(u[:100], _uniforms(draws.key(1, 3), 100))


def test_poisson_gives_each_citizen_its_rate():
    rates = np.array([0.0, 0.05, 0.5, 2.0, 0.0, 1.0, 40.0], dtype=np.float32)  # 40: split into chunks
    days = 4000
    counts = _counts(draws.key(3), rates, days)
    expected = rates * days
    assert counts[rates == 0].sum() == 0
    assert np.all(np.abs(counts - expected) < 4 * np.sqrt(np.maximum(expected, 1)))


_RUN = """
import json
from socialcredit import engine
from socialcredit.engine import Simulation
engine.ONE_THREAD_BELOW = 0  # a small population would otherwise run on one thread either way
sim = Simulation("scs", population=3000, days=30, seed=5)
summary = sim.run().summary
print(json.dumps({"summary": summary, "payoff": float(sim.people.payoff.sum()), "score": sim.people.score.tolist()}))
"""


def test_results_do_not_depend_on_the_number_of_threads():
    runs = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", _RUN], env=env, capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout))
    assert runs[0] == runs[1]
