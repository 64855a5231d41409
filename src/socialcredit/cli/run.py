"""`socialcredit run`: one regime or scenario file, one run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from socialcredit import resources
from socialcredit.cli.app import app
from socialcredit.cli.common import (
    Days,
    Force,
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


def checkpoint_file(folder: Path) -> Path:
    """Where a run writing `folder` keeps its checkpoint: a sibling file FOLDER.checkpoint.npz."""
    return folder.with_name(folder.name + ".checkpoint.npz")


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
    checkpoint_every: Annotated[
        int | None,
        typer.Option(
            "--checkpoint-every", min=1, help="save the whole state every D days to OUT.checkpoint.npz (atomic)"
        ),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option("--resume", help="continue the killed run whose --out was this folder, from its checkpoint"),
    ] = None,
    force: Force = False,
    json_: Json = False,
) -> None:
    """Run one regime or scenario and write its folder; print the headline metrics."""
    from socialcredit import checkpoint

    rows = parse_metrics(metrics)
    if resume is not None:
        saved = checkpoint_file(resume)
        checkpoint.read_meta(saved)  # a missing, corrupt or foreign checkpoint: one line, before any work
        # The folder is this run's own: a kill after it was moved in, before its checkpoint was
        # removed, leaves both, and resuming replaces it (a folder this tool did not write is still refused).
        overwrite = True
        folder = check_out_option(resume, overwrite)
        compile_notice()
        sim = Simulation.load(saved)
    else:
        overrides = list(set_ or [])
        if scale_to is not None:
            overrides.append(f"run.scale_to={scale_to}")
        resolved = load_scenario(scenario, overrides, population=population, days=days, seed=seed)
        folder = check_out_option(out or default_folder(resolved), overwrite)
        resources.check(resolved, "run", force=force)
        compile_notice()
        sim = Simulation(resolved)
    name = sim.scenario.regime
    with progress() as bar:
        task = bar.add_task(f"{name}: {sim.people.n:,} citizens", total=sim.days, completed=sim.day)
        while sim.day < sim.days:
            stop = (
                sim.days
                if checkpoint_every is None
                else min(sim.days, (sim.day // checkpoint_every + 1) * checkpoint_every)
            )
            results = sim.run(until=stop, progress=lambda day: bar.update(task, completed=day))
            if checkpoint_every is not None and sim.day < sim.days:
                sim.save(checkpoint_file(folder))
        results = sim.results
    results.save(folder, overwrite=overwrite)
    checkpoint_file(folder).unlink(missing_ok=True)  # the run is complete: its checkpoint is spent
    if json_:
        print_json(results.summary)
    else:
        print_summaries({name: results.summary}, rows)
        err.print(f"wrote {folder}/ ({sim.people.n:,} citizens, {sim.days} days)", highlight=False)
