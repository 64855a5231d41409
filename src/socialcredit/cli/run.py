"""`socialcredit run`: one regime or scenario file, one run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialcredit.cli.app import app
from socialcredit.cli.common import (
    Days,
    Json,
    Population,
    ScaleTo,
    Seed,
    Sets,
    err,
    headline_table,
    print_json,
    progress,
)
from socialcredit.engine import Simulation


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="a regime name (see `socialcredit regimes`) or a .toml file")] = "scs",
    population: Population = None,
    days: Days = None,
    seed: Seed = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="run folder (default runs/NAME-seedS)")] = None,
    set_: Sets = None,
    scale_to: ScaleTo = None,
    json_: Json = False,
) -> None:
    """Run one regime or scenario and write its folder; print the headline metrics."""
    overrides = list(set_ or [])
    if scale_to is not None:
        overrides.append(f"run.scale_to={scale_to}")
    sim = Simulation(scenario, population=population, days=days, seed=seed, overrides=overrides)
    name = sim.scenario.regime
    folder = out or Path("runs") / f"{name}-seed{sim.seed}"
    with progress() as bar:
        task = bar.add_task(f"{name}: {sim.people.n:,} citizens", total=sim.days)
        results = sim.run(progress=lambda day: bar.update(task, completed=day))
    results.save(folder)
    if json_:
        print_json(results.summary)
    else:
        err.print(headline_table({name: results.summary}))
        err.print(f"wrote {folder}/ ({sim.people.n:,} citizens, {sim.days} days)")
