"""`socialcredit compare`: regimes side by side on one population with common random numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID

from socialcredit.cli.app import app
from socialcredit.cli.common import Days, Json, Population, Seed, Sets, err, headline_table, print_json, progress
from socialcredit.experiments.compare import compare as run_compare


@app.command()
def compare(
    regimes: Annotated[
        list[str] | None, typer.Argument(help="regimes to compare (default: all shipped presets)")
    ] = None,
    population: Population = None,
    days: Days = None,
    seed: Seed = None,
    burn_in: Annotated[int, typer.Option("--burn-in", min=0, help="days lived with no institution first")] = 0,
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path("runs/compare"),
    set_: Sets = None,
    json_: Json = False,
) -> None:
    """Run regimes on the same population and seed; write compare.parquet, summaries and figures."""
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
    comparison.save(out)
    if json_:
        print_json(comparison.summaries)
    else:
        err.print(headline_table(comparison.summaries))
        err.print(f"wrote {out}/ (compare.parquet, summary.json, figures/)")
