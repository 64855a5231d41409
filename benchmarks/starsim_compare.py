"""socialcredit against its Starsim 3 reference on the shared core model: same outputs, how much faster.

The second side-by-side (after `benchmarks/mesa_compare.py`, whose machinery it shares through
`benchmarks/compare_common.py`): `run_comparison()` runs the Starsim implementation of
`benchmarks/mesa_core.toml` (`benchmarks/starsim_reference/`) and socialcredit at 10^4, 10^5
and 10^6 citizens, alternating in one process (Starsim, socialcredit default threads,
socialcredit one thread, next seed...) on the same synthetic society seed by seed. It reports
seconds per run (medians), citizen-days per second and the speed ratio per size, and checks
that the mean outputs agree within sampling error: |mean_starsim - mean_socialcredit| < 3 * SE,
SE = sigma * sqrt(1/R_starsim + 1/R_sc), sigma pooled over both sides.

At 10^6 the full plan times one run of each (a Starsim run takes a minute or more there) and
adds seven socialcredit replicates for the agreement check (the pooled sd then has 7 degrees of freedom).

Timed runs must not overlap other benchmarks on a shared machine: run it as
`flock /tmp/socialcredit-bench.lock .venv/bin/python -m benchmarks.starsim_compare [--quick] [--json FILE]`.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import starsim as ss

from benchmarks import compare_common as common
from benchmarks.compare_common import (
    Plan,
    outputs,
)
from benchmarks.starsim_reference import CoreModel

FULL = (Plan(10_000, 45, 5, 20), Plan(100_000, 45, 3, 12), Plan(1_000_000, 45, 1, 8))
QUICK = (Plan(1_000, 40, 8, 16), Plan(2_000, 40, 6, 16))


def run_starsim(scenario: Any, n: int, days: int, seed: int) -> dict[str, Any]:
    """One Starsim run: outputs and seconds (society synthesis and sim initialisation, steps, total)."""
    gc.collect()
    started = time.perf_counter()
    model = CoreModel(scenario, population=n, seed=seed, days=days)
    summary = model.run()
    total = time.perf_counter() - started
    timings = {"build": model.timings["society"] + model.timings["agents"], "steps": model.timings["steps"]}
    return {"outputs": outputs(summary, model.totals, n), "seconds": {**timings, "total": total}}


def run_comparison(
    quick: bool = False,
    *,
    plans: Sequence[Plan] | None = None,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Run the Starsim reference and socialcredit on the core model; return times, ratios and agreement.

    Full: 10^4, 10^5 and 10^6 citizens for 45 days (5, 3 and 1 timed pairs; a few minutes);
    quick: 10^3 and 2·10^3 for 40 days. The result has the layout of `mesa_compare`'s, with
    `starsim` in place of `mesa`: `result["sizes"][str(N)]["ratio"]` is Starsim's seconds over
    socialcredit's per run (build included), `ratio_steps` stepping only, and `result["agree"]`
    is True when every metric of every size agrees within 3 SE.
    """
    chosen = tuple(plans) if plans is not None else (QUICK if quick else FULL)
    return common.run_comparison(
        run_starsim, "starsim", ss.__version__, chosen, quick=quick, seed=seed, progress=progress
    )


def main(argv: Sequence[str] | None = None) -> int:
    return common.main(argv, __doc__.splitlines()[0], run_comparison, "starsim", "Starsim")


if __name__ == "__main__":
    sys.exit(main())
