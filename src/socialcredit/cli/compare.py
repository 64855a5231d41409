"""`socialcredit compare`: regimes side by side on one population with common random numbers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID

from socialcredit.cli.app import app
from socialcredit.cli.common import (
    Days,
    Json,
    Metrics,
    Overwrite,
    Population,
    Seed,
    Sets,
    check_out_option,
    compile_notice,
    err,
    parse_metrics,
    print_json,
    print_summaries,
    progress,
)
from socialcredit.experiments.compare import compare as run_compare
from socialcredit.experiments.compare import resolve_regimes


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
    metrics: Metrics = None,
    overwrite: Overwrite = False,
    json_: Json = False,
) -> None:
    """Run regimes on the same population and seed; write compare.parquet, summaries and figures."""
    rows = parse_metrics(metrics)
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
    }
    folder = check_out_option(out or default_folder(options), overwrite)
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
            progress=advance,
        )
    comparison.save(folder, overwrite=overwrite)
    if json_:
        print_json(comparison.summaries)
    else:
        print_summaries(comparison.summaries, rows)
        err.print(f"wrote {folder}/ (compare.parquet, summary.json, figures/)", highlight=False)
