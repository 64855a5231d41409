"""`socialcredit run`: one regime or scenario file, one run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialcredit.cli.app import app
from socialcredit.cli.common import (
    Days,
    Json,
    Metrics,
    Overwrite,
    Population,
    ScaleTo,
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
from socialcredit.engine import Simulation
from socialcredit.scenario import load_scenario, parameters_hash


def default_folder(scenario) -> Path:
    """runs/REGIME-nN-dD-sS-HASH: two runs that differ in anything get different folders."""
    run = scenario.run
    return Path("runs") / f"{scenario.regime}-n{run.population}-d{run.days}-s{run.seed}-{parameters_hash(scenario)[:8]}"


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="a regime name (see `socialcredit regimes`) or a .toml file")] = "scs",
    population: Population = None,
    days: Days = None,
    seed: Seed = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="run folder \\[default: runs/REGIME-nN-dD-sS-HASH]")
    ] = None,
    set_: Sets = None,
    scale_to: ScaleTo = None,
    metrics: Metrics = None,
    overwrite: Overwrite = False,
    json_: Json = False,
) -> None:
    """Run one regime or scenario and write its folder; print the headline metrics."""
    rows = parse_metrics(metrics)
    overrides = list(set_ or [])
    if scale_to is not None:
        overrides.append(f"run.scale_to={scale_to}")
    resolved = load_scenario(scenario, overrides, population=population, days=days, seed=seed)
    folder = check_out_option(out or default_folder(resolved), overwrite)
    compile_notice()
    sim = Simulation(resolved)
    name = sim.scenario.regime
    with progress() as bar:
        task = bar.add_task(f"{name}: {sim.people.n:,} citizens", total=sim.days)
        results = sim.run(progress=lambda day: bar.update(task, completed=day))
    results.save(folder, overwrite=overwrite)
    if json_:
        print_json(results.summary)
    else:
        print_summaries({name: results.summary}, rows)
        err.print(f"wrote {folder}/ ({sim.people.n:,} citizens, {sim.days} days)", highlight=False)
