"""socialcredit against its Mesa 3 reference on the shared core model: same outputs, how much faster.

`run_comparison()` runs both implementations of `benchmarks/mesa_core.toml` at 10^4 and 10^5
citizens, alternating (Mesa, socialcredit default threads, socialcredit one thread, Mesa, ...)
in one process so that machine load hits both sides alike, seed by seed on the same synthetic
society. It reports seconds per run, citizen-days per second and the speed ratio per size, and
checks that the mean outputs agree within sampling error.

The agreement test is a two-sample one, per metric: |mean_mesa - mean_socialcredit| < 3 * SE,
SE = sigma * sqrt(1/R_mesa + 1/R_sc). Under the hypothesis being tested (one model, two codes)
both sides have the same run-to-run sd sigma, so sigma is pooled over both; extra socialcredit
replicates (cheap) make it a sharp estimate where Mesa can afford only a few (10^5 citizens).
Paired differences on the seeds both ran are reported too.

Timed runs must not overlap other benchmarks on a shared machine: run it as
`flock /tmp/socialcredit-bench.lock .venv/bin/python -m benchmarks.mesa_compare [--quick] [--json FILE]`.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import mesa

from benchmarks import compare_common as common
from benchmarks.compare_common import (
    METRICS,
    SCENARIO,
    Z_AGREE,
    Plan,
    agreement,
    format_report,
    outputs,
    run_socialcredit,
)
from benchmarks.mesa_reference import CoreModel

__all__ = [
    "METRICS",
    "SCENARIO",
    "Z_AGREE",
    "Plan",
    "agreement",
    "format_report",
    "run_comparison",
    "run_mesa",
    "run_socialcredit",
]

FULL = (Plan(10_000, 45, 5, 20), Plan(100_000, 45, 3, 20))
QUICK = (Plan(1_000, 40, 8, 16), Plan(2_000, 40, 6, 16))


def run_mesa(scenario: Any, n: int, days: int, seed: int) -> dict[str, Any]:
    """One Mesa run: outputs and seconds (society synthesis, agent creation, steps, total)."""
    gc.collect()  # the previous run's garbage (100k agents in cycles) must not be collected on this run's clock
    started = time.perf_counter()
    model = CoreModel(scenario, population=n, seed=seed)
    summary = model.run(days)
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
    """Run the Mesa reference and socialcredit on the core model; return times, ratios and agreement.

    Full: 10^4 and 10^5 citizens for 45 days (about 7 minutes on one free core); quick: 10^3 and
    2·10^3 for 40 days (seconds). `result["sizes"][str(N)]` holds each size's timings
    (`seconds_per_run`, `citizen_days_per_second`), `ratio` (Mesa seconds / socialcredit seconds
    per run, build included), `ratio_steps` (stepping only) and `agreement` per metric;
    `result["agree"]` is True when every metric of every size agrees within 3 SE.
    """
    chosen = tuple(plans) if plans is not None else (QUICK if quick else FULL)
    return common.run_comparison(run_mesa, "mesa", mesa.__version__, chosen, quick=quick, seed=seed, progress=progress)


def main(argv: Sequence[str] | None = None) -> int:
    return common.main(argv, __doc__.splitlines()[0], run_comparison, "mesa", "Mesa")


if __name__ == "__main__":
    sys.exit(main())
