"""`socialcredit compare`: regimes side by side on one population with common random numbers."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import TaskID

from socialcredit import resources
from socialcredit.cli.app import app
from socialcredit.cli.common import (
    Days,
    Force,
    Json,
    Metrics,
    Overwrite,
    Population,
    Seed,
    Sets,
    check_out_option,
    compile_notice,
    err,
    fmt,
    parse_metrics,
    print_json,
    print_summaries,
    progress,
)
from socialcredit.cli.common import (
    out as stdout,
)
from socialcredit.experiments.compare import compare as run_compare
from socialcredit.experiments.compare import resolve_regimes


def _with_intervals(
    table: dict[str, dict[str, Any]], summaries: dict[str, dict[str, Any]], part: str | None = None
) -> dict[str, dict[str, Any]]:
    """Per regime, each metric as 'mean ± half-width' (of `part` of each entry if given)."""
    shown: dict[str, dict[str, Any]] = {}
    for regime, metrics in table.items():
        row: dict[str, Any] = {k: v for k, v in summaries[regime].items() if not isinstance(v, int | float)}
        for metric, entry in metrics.items():
            entry = entry[part] if part else entry
            half = (entry["high"] - entry["low"]) / 2
            row[metric] = fmt(entry["mean"]) + ("" if math.isnan(half) else f" ± {fmt(half)}")
        shown[regime] = row
    return shown


def default_folder(options: dict) -> Path:
    """runs/compare-nN-dD-sS[-bB]-HASH, the hash over every option (regimes and overrides included)."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()[:8]
    burn = f"-b{options['burn_in']}" if options["burn_in"] else ""
    return Path("runs") / f"compare-n{options['population']}-d{options['days']}-s{options['seed']}{burn}-{digest}"


@app.command()
def compare(
    regimes: Annotated[
        list[str] | None, typer.Argument(help="regimes or .toml files to compare (default: all shipped presets)")
    ] = None,
    population: Population = None,
    days: Days = None,
    seed: Seed = None,
    burn_in: Annotated[int, typer.Option("--burn-in", min=0, help="days lived with no institution first")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="output folder \\[default: runs/compare-nN-dD-sS-HASH]")
    ] = None,
    set_: Sets = None,
    replicates: Annotated[
        int | None,
        typer.Option(
            "--replicates", "-r", min=1, help="seeds seed, seed+1, ... (default: the scenarios' run.replicates)"
        ),
    ] = None,
    reference: Annotated[
        str, typer.Option("--reference", help="regime the paired differences are taken against")
    ] = "none",
    start: Annotated[
        Path | None, typer.Option("--from", help="a checkpoint (run --checkpoint-every) every regime branches from")
    ] = None,
    metrics: Metrics = None,
    overwrite: Overwrite = False,
    force: Force = False,
    json_: Json = False,
) -> None:
    """Run regimes on the same population and seed; write compare.parquet, summaries and figures."""
    rows = parse_metrics(metrics)
    if start is not None:
        from socialcredit import checkpoint

        checkpoint.read_meta(start)
    scenarios = resolve_regimes(
        regimes, population=population, days=days, seed=seed, overrides=set_ or (), burn_in=burn_in
    )
    first = next(iter(scenarios.values()))
    options = {
        "regimes": list(regimes or []),
        "population": first.run.population,
        "days": first.run.days,
        "seed": first.run.seed,
        "burn_in": burn_in,
        "overrides": list(set_ or []),
        "replicates": replicates or first.run.replicates,
        "from": str(start) if start else None,
    }
    folder = check_out_option(out or default_folder(options), overwrite)
    for scenario in scenarios.values():  # one regime at a time, beside the burn-in it branches from
        resources.check(scenario, "compare", copies=2 if burn_in or start else 1, force=force)
    compile_notice()
    with progress() as bar:
        tasks: dict[str, TaskID] = {}

        def advance(regime: str, day: int, total: int) -> None:
            if regime not in tasks:
                tasks[regime] = bar.add_task(regime, total=total)
            bar.update(tasks[regime], completed=day)

        comparison = run_compare(
            regimes,
            population=population,
            days=days,
            seed=seed,
            burn_in=burn_in,
            overrides=set_ or (),
            replicates=replicates,
            reference=reference,
            start=start,
            progress=advance,
        )
    comparison.save(folder, overwrite=overwrite)
    if json_:
        print_json(
            {"summaries": comparison.summaries, **comparison.statistics}
            if comparison.statistics
            else comparison.summaries
        )
    elif comparison.statistics:
        stats = comparison.statistics
        n = len(stats["seeds"])
        stdout.print(
            f"mean ± 95% CI half-width over {n} seeds ({', '.join(map(str, stats['seeds']))})", highlight=False
        )
        print_summaries(_with_intervals(stats["metrics"], comparison.summaries), rows)
        if stats["difference"]:
            stdout.print(
                f"paired difference from {stats['reference']} (same seed, common random numbers), ± 95% CI half-width",
                highlight=False,
            )
            print_summaries(_with_intervals(stats["difference"], comparison.summaries, "paired"), rows)
    else:
        print_summaries(comparison.summaries, rows)
        err.print(f"wrote {folder}/ (compare.parquet, summary.json, figures/)", highlight=False)
