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

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import mesa

from benchmarks.compare_common import (
    METRICS,
    SCENARIO,
    Z_AGREE,
    Plan,
    agreement,
    compare_size,
    format_report,
    outputs,
    run_socialcredit,
)
from benchmarks.harness import load_average, machine
from benchmarks.mesa_reference import CoreModel
from socialcredit.scenario import load_scenario

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
    say = progress or (lambda _: None)
    env = machine()  # its load average is the one at the start
    load_at_start = env["load_average_at_start"]
    scenario = load_scenario(SCENARIO)
    plans = tuple(plans) if plans is not None else (QUICK if quick else FULL)
    started = time.perf_counter()
    run_mesa(scenario, 300, 3, seed)  # warm-up: imports, Numba's cached kernels, allocator
    run_socialcredit(scenario, 300, 3, seed)
    run_socialcredit(scenario, 300, 3, seed, threads=1)
    sizes = {str(p.population): compare_size(scenario, p, seed, say, run_mesa) for p in plans}
    return {
        "scenario": str(SCENARIO.relative_to(SCENARIO.parent.parent)),
        "quick": quick,
        "metrics": list(METRICS),
        "z_agree": Z_AGREE,
        "sizes": sizes,
        "ratio": {k: v["ratio"] for k, v in sizes.items()},
        "ratio_steps": {k: v["ratio_steps"] for k, v in sizes.items()},
        "agree": all(v["agree"] for v in sizes.values()),
        "environment": {
            "mesa": mesa.__version__,
            **{k: env[k] for k in ("numba", "numpy", "python", "numba_threads", "cpus")},
            "load_average_at_start": load_at_start,
            "load_average_at_end": load_average(),
        },
        "seconds": time.perf_counter() - started,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^3 and 2*10^3 citizens, 40 days")
    parser.add_argument("--json", type=Path, help="also write the full result here")
    args = parser.parse_args(argv)
    result = run_comparison(args.quick, progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(format_report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, allow_nan=True) + "\n", encoding="utf-8")
    return 0 if result["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
