"""What a run needs in memory, estimated before any work, against what the machine has.

The estimate adds the exact bytes of every declared per-citizen state, the network (8 bytes
of row pointer and 4 of layer bounds a citizen; 4 of neighbour and 1 of cut flag per
directed tie entry, plus the per-tie states the regime allocates), the working buffers of a
day (`TRANSIENT_BYTES`, fitted so that the estimate meets the peak measured by `make bench`:
385 bytes a citizen for `scs` at 10^7, 3.59 GiB) and the interpreter with its libraries
(`IDLE_BYTES`, an idle run's peak). Mean degree follows from the network parameters: a
group of 1 + Poisson(m - 1) members gives a random member (m'^2 + 2m') / (1 + m') ties, m' =
m - 1, plus the friendship degree; an edge list gives two entries per row.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit.errors import InputError

IDLE_BYTES = 280 * 2**20  # an idle run's peak (benchmarks/results.json: 1,000 citizens, one day)
TRANSIENT_BYTES = 80  # a day's temporary arrays per citizen, fitted to the measured 10^7 peak
GB = 1e9


def _group_degree(mean_size: float) -> float:
    m = max(mean_size - 1.0, 0.0)
    return (m * m + 2 * m) / (1 + m)


def mean_entries(scenario: Any) -> float:
    """Expected directed tie entries per citizen."""
    net = scenario.network
    if net.edge_list:
        path = Path(net.edge_list)
        rows = sum(1 for _ in path.open("rb")) if path.suffix.lower() == ".csv" and path.is_file() else 0
        return 2.0 * rows / max(scenario.run.population, 1) if rows else 20.0
    degree = 0.0
    if net.household:
        degree += _group_degree(scenario.population.household_size_mean)
    if net.work_unit:
        degree += _group_degree(scenario.population.work_unit_size_mean)
    return degree + (net.friendship_degree // 2) * 2


def estimate_bytes(scenario: Any) -> int:
    """Peak resident bytes of one simulation of this scenario."""
    from socialcredit.engine import STATE_TABLE

    n = scenario.run.population
    citizen = sum(np.dtype(s.dtype).itemsize * (s.rows or 1) for _, s in STATE_TABLE.values() if s.per == "citizen")
    per_tie = 5 + (1 if scenario.interactions.enabled and scenario.interactions.visibility == "none" else 0)
    return int(IDLE_BYTES + n * (citizen + 12 + TRANSIENT_BYTES) + n * mean_entries(scenario) * per_tie)


def available_bytes() -> int:
    """Memory the machine can give a new process now (MemAvailable), or all of it where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check(scenario: Any, what: str, copies: int = 1, force: bool = False) -> int:
    """Refuse, in one line, work that cannot fit (`copies` simulations alive at once); return the estimate."""
    need = estimate_bytes(scenario) * copies
    have = available_bytes()
    if need > have and not force:
        alive = f" ({copies} at once)" if copies > 1 else ""
        raise InputError(
            f"{what}: needs about {need / GB:.1f} GB for {scenario.run.population:,} citizens{alive}; "
            f"this machine has {have / GB:.1f} GB available; allowed: a smaller population, fewer workers, "
            "or --force to try anyway"
        )
    return need
