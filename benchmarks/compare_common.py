"""What the comparisons with a reference implementation share (`mesa_compare`, `starsim_compare`).

The scenario and the compared outputs, one socialcredit run timed in-process, and the
agreement test: per metric, |mean_reference - mean_socialcredit| < 3 * SE with
SE = sigma * sqrt(1/R_reference + 1/R_sc), sigma the run-to-run sd pooled over both sides.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np

from socialcredit.engine import Simulation
from socialcredit.mechanisms.lists import SERVICES

SCENARIO = Path(__file__).with_name("mesa_core.toml")
# Compared outputs; counts are per 1,000 citizens so that sizes read alike.
METRICS: tuple[str, ...] = (
    "default_rate",
    "cooperation_rate",
    "help_rate_blacklisted",
    "score_mean",
    "score_p10",
    "blacklisted_share",
    "false_blacklist_share",
    "court_listings_per_1000",
    "score_listings_per_1000",
    "hospital_episodes_per_1000",
)
Z_AGREE = 3.0


@dataclass(frozen=True)
class Plan:
    """One size of the comparison: how many days, timed pairs, and socialcredit replicates in all."""

    population: int
    days: int
    pairs: int  # reference runs (Mesa or Starsim), each alternated with socialcredit runs on the same seed
    sc_replicates: int  # socialcredit runs in all (>= pairs); the extra ones sharpen the sd


def outputs(summary: dict[str, Any], totals: dict[str, float], n: int) -> dict[str, float]:
    """The compared metrics from a summary and event totals (either implementation)."""
    per_1000 = 1000.0 / n
    out = {k: float(summary[k]) for k in METRICS if k in summary}
    out["court_listings_per_1000"] = totals.get("listings_court", 0.0) * per_1000
    out["score_listings_per_1000"] = totals.get("listings_score", 0.0) * per_1000
    out["hospital_episodes_per_1000"] = totals.get("hospital_episodes", 0.0) * per_1000
    out["denied_per_1000"] = sum(totals.get(f"denied_{s}", 0.0) for s in SERVICES) * per_1000
    return out


def run_socialcredit(scenario: Any, n: int, days: int, seed: int, threads: int | None = None) -> dict[str, Any]:
    """One socialcredit run (Numba kernels on `threads` threads; None: Numba's default)."""
    default = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(threads or default)
    gc.collect()  # likewise: a reference run's garbage must not be collected on socialcredit's clock
    try:
        started = time.perf_counter()
        sim = Simulation(scenario, population=n, days=days, seed=seed)
        built = time.perf_counter()
        results = sim.run()
        done = time.perf_counter()
    finally:
        numba.set_num_threads(default)
    seconds = {"build": built - started, "steps": done - built, "total": done - started}
    return {"outputs": outputs(results.summary, dict(sim.totals), n), "seconds": seconds}


def agreement(
    mesa_runs: Sequence[dict[str, float]], sc_runs: Sequence[dict[str, float]], reference: str = "mesa"
) -> dict[str, Any]:
    """Per metric: means, pooled sd, SE of the difference, z, and whether |z| < 3.

    `mesa_runs` are the reference's runs (Mesa's or Starsim's); `reference` names its keys."""
    out: dict[str, Any] = {}
    for key in METRICS:
        a = np.array([r[key] for r in mesa_runs if math.isfinite(r.get(key, math.nan))])
        b = np.array([r[key] for r in sc_runs if math.isfinite(r.get(key, math.nan))])
        if a.shape[0] < 1 or b.shape[0] < 1 or a.shape[0] + b.shape[0] < 3:
            out[key] = {reference: math.nan, "socialcredit": math.nan, "agree": None, "note": "too few finite values"}
            continue
        squares = ((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()
        sd = math.sqrt(squares / (a.shape[0] + b.shape[0] - 2))
        se = sd * math.sqrt(1.0 / a.shape[0] + 1.0 / b.shape[0])
        diff = float(a.mean() - b.mean())
        z = diff / se if se > 0 else (0.0 if diff == 0 else math.inf)
        out[key] = {
            reference: float(a.mean()),
            "socialcredit": float(b.mean()),
            "diff": diff,
            "sd": sd,
            "se": se,
            "z": z,
            "agree": bool(abs(z) < Z_AGREE),
            f"n_{reference}": int(a.shape[0]),
            "n_socialcredit": int(b.shape[0]),
        }
    return out


def paired(mesa_runs: Sequence[dict[str, float]], sc_runs: Sequence[dict[str, float]]) -> dict[str, Any]:
    """Mean and SE of the seed-by-seed differences (same society on both sides)."""
    out: dict[str, Any] = {}
    for key in METRICS:
        d = np.array([m[key] - s[key] for m, s in zip(mesa_runs, sc_runs, strict=False)])
        d = d[np.isfinite(d)]
        se = float(d.std(ddof=1) / math.sqrt(d.shape[0])) if d.shape[0] > 1 else math.nan
        out[key] = {"diff": float(d.mean()) if d.shape[0] else math.nan, "se": se}
    return out


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def compare_size(
    scenario: Any,
    plan: Plan,
    seed0: int,
    say: Callable[[str], None],
    run_reference: Callable[[Any, int, int, int], dict[str, Any]],
    reference: str = "mesa",
) -> dict[str, Any]:
    """One size: `plan.pairs` alternating timed runs (reference, socialcredit, socialcredit on one
    thread, next seed...), extra socialcredit replicates, medians, ratios and agreement."""
    n, days = plan.population, plan.days
    mesa_runs, sc_runs, sc1_runs = [], [], []
    for r in range(plan.pairs):  # alternating, timed
        seed = seed0 + r
        mesa_runs.append(run_reference(scenario, n, days, seed))
        sc_runs.append(run_socialcredit(scenario, n, days, seed))
        sc1_runs.append(run_socialcredit(scenario, n, days, seed, threads=1))
        say(
            f"N={n} seed={seed}: {reference} {mesa_runs[-1]['seconds']['total']:.2f} s, "
            f"socialcredit {sc_runs[-1]['seconds']['total']:.3f} s "
            f"(1 thread {sc1_runs[-1]['seconds']['total']:.3f} s)"
        )
    extra = [run_socialcredit(scenario, n, days, seed0 + r) for r in range(plan.pairs, plan.sc_replicates)]
    all_sc = sc_runs + extra
    citizen_days = n * days

    def timing(runs: list[dict[str, Any]]) -> dict[str, float]:
        total = median([x["seconds"]["total"] for x in runs])
        steps = median([x["seconds"]["steps"] for x in runs])
        return {
            "seconds_per_run": total,
            "step_seconds_per_run": steps,
            "build_seconds_per_run": median([x["seconds"]["build"] for x in runs]),
            "citizen_days_per_second": citizen_days / steps,
            "runs": [x["seconds"]["total"] for x in runs],
        }

    t_mesa, t_sc, t_sc1 = timing(mesa_runs), timing(sc_runs), timing(sc1_runs)
    compared = agreement([x["outputs"] for x in mesa_runs], [x["outputs"] for x in all_sc], reference)
    verdicts = [v["agree"] for v in compared.values() if v["agree"] is not None]
    out = {
        "population": n,
        "days": days,
        "pairs": plan.pairs,
        "socialcredit_replicates": len(all_sc),
        f"seeds_{reference}": [seed0 + r for r in range(plan.pairs)],
        reference: t_mesa,
        "socialcredit": t_sc,
        "socialcredit_1_thread": t_sc1,
        "ratio": t_mesa["seconds_per_run"] / t_sc["seconds_per_run"],
        "ratio_steps": t_mesa["step_seconds_per_run"] / t_sc["step_seconds_per_run"],
        "ratio_1_thread": t_mesa["seconds_per_run"] / t_sc1["seconds_per_run"],
        "ratio_steps_1_thread": t_mesa["step_seconds_per_run"] / t_sc1["step_seconds_per_run"],
        "agreement": compared,
        "paired": paired([x["outputs"] for x in mesa_runs], [x["outputs"] for x in sc_runs]),
        "agree": all(verdicts),
        f"outputs_{reference}": [x["outputs"] for x in mesa_runs],
        "outputs_socialcredit": [x["outputs"] for x in all_sc],
    }
    say(
        f"N={n}: {days} days, {reference} {t_mesa['seconds_per_run']:.2f} s/run, socialcredit "
        f"{t_sc['seconds_per_run']:.3f} s/run: ratio {out['ratio']:.1f}x (steps {out['ratio_steps']:.1f}x; "
        f"1 thread {out['ratio_1_thread']:.1f}x); agree: {out['agree']}"
    )
    return out


def format_report(result: dict[str, Any], reference: str = "mesa", label: str = "Mesa") -> str:
    """A plain-text table of a comparison (what `python -m benchmarks.mesa_compare` prints)."""
    lines = []
    for n, size in result["sizes"].items():
        lines.append(
            f"N={int(n):,} x {size['days']} days ({size['pairs']} {label} runs, {size['socialcredit_replicates']} "
            f"socialcredit runs)"
        )
        for side in (reference, "socialcredit", "socialcredit_1_thread"):
            t = size[side]
            lines.append(
                f"  {side:<22} {t['seconds_per_run']:9.3f} s/run  (steps {t['step_seconds_per_run']:8.3f} s, "
                f"{t['citizen_days_per_second']:,.0f} citizen-days/s)"
            )
        lines.append(
            f"  ratio {label}/socialcredit: {size['ratio']:.1f}x per run, {size['ratio_steps']:.1f}x stepping; "
            f"one thread: {size['ratio_1_thread']:.1f}x, {size['ratio_steps_1_thread']:.1f}x"
        )
        lines.append(f"  {'metric':<28}{reference:>12}{'socialcredit':>14}{'diff':>11}{'SE':>10}{'z':>7}  agree")
        for key, a in size["agreement"].items():
            if a["agree"] is None:
                lines.append(f"  {key:<28} {a['note']}")
                continue
            lines.append(
                f"  {key:<28}{a[reference]:12.4f}{a['socialcredit']:14.4f}{a['diff']:11.4f}{a['se']:10.4f}"
                f"{a['z']:7.2f}  {'yes' if a['agree'] else 'NO'}"
            )
    env = result["environment"]
    lines.append(f"all metrics agree within {result['z_agree']:g} SE: {result['agree']}")
    lines.append(
        f"{label} {env[reference]}, Numba {env['numba']} ({env['numba_threads']} threads), {env['cpus']} CPUs, "
        f"load average {env['load_average_at_start']} -> {env['load_average_at_end']}, {result['seconds']:.0f} s in all"
    )
    return "\n".join(lines)


def run_comparison(
    run_reference: Callable[[Any, int, int, int], dict[str, Any]],
    reference: str,
    version: str,
    plans: Sequence[Plan],
    *,
    quick: bool,
    seed: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Time `run_reference` (Mesa or Starsim) against socialcredit on the core model, alternating
    seed by seed in one process; return times, ratios and agreement (`result["agree"]`: every
    metric of every size within Z_AGREE standard errors)."""
    from benchmarks.harness import load_average, machine
    from socialcredit.scenario import load_scenario

    say = progress or (lambda _: None)
    env = machine()  # its load average is the one at the start
    scenario = load_scenario(SCENARIO)
    started = time.perf_counter()
    run_reference(scenario, 300, 3, seed)  # warm-up: imports, Numba's cached kernels, allocator
    run_socialcredit(scenario, 300, 3, seed)
    run_socialcredit(scenario, 300, 3, seed, threads=1)
    sizes = {str(p.population): compare_size(scenario, p, seed, say, run_reference, reference) for p in plans}
    return {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "command": f"python -m benchmarks.{reference}_compare" + (" --quick" if quick else ""),
        "scenario": str(SCENARIO.relative_to(SCENARIO.parent.parent)),
        "quick": quick,
        "metrics": list(METRICS),
        "z_agree": Z_AGREE,
        "sizes": sizes,
        "ratio": {k: v["ratio"] for k, v in sizes.items()},
        "ratio_steps": {k: v["ratio_steps"] for k, v in sizes.items()},
        "agree": all(v["agree"] for v in sizes.values()),
        "environment": {
            reference: version,
            **{k: env[k] for k in ("numba", "numpy", "python", "numba_threads", "cpus")},
            "load_average_at_start": env["load_average_at_start"],
            "load_average_at_end": load_average(),
        },
        "seconds": time.perf_counter() - started,
    }


def main(
    argv: Sequence[str] | None, description: str, compare: Callable[..., dict[str, Any]], reference: str, label: str
) -> int:
    """The command line of a comparison script: the report on stdout, `--json FILE`, exit 1 on disagreement."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="10^3 and 2*10^3 citizens, 40 days")
    parser.add_argument("--json", type=Path, help="also write the full result here")
    args = parser.parse_args(argv)
    result = compare(args.quick, progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(format_report(result, reference, label))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, allow_nan=True) + "\n", encoding="utf-8")
    return 0 if result["agree"] else 1
