"""`socialcredit dashboard`: watch a simulation live in the terminal, metric by metric."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.live import Live
from rich.table import Table

from socialcredit.cli.app import app
from socialcredit.cli.common import (
    HEADLINE,
    Days,
    Overwrite,
    Population,
    Seed,
    Sets,
    check_out_option,
    compile_notice,
    err,
    fmt,
    label,
    print_summaries,
)
from socialcredit.engine import Simulation
from socialcredit.scenario import load_scenario

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int = 40) -> str:
    """The last `width` values as a row of block characters, scaled to their own range."""
    finite = [v for v in values[-width:] if not math.isnan(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    return "".join(" " if math.isnan(v) else BLOCKS[int((v - low) / span * (len(BLOCKS) - 1))] for v in values[-width:])


def frame(sim: Simulation) -> Table:
    rows = sim.recorder.rows
    table = Table(
        title=f"{sim.scenario.regime}: day {sim.day} of {sim.days}, {sim.people.n:,} citizens", header_style="bold"
    )
    every = sim.scenario.run.record_every
    table.add_column("metric", no_wrap=True)
    table.add_column(f"last {every} d", justify="right", no_wrap=True)
    table.add_column("history")
    for metric in HEADLINE:
        history = [row.get(metric, math.nan) for row in rows]
        table.add_row(label(metric), fmt(history[-1]), sparkline(history))
    table.caption = f"last {every} d: flows (run) over the last record's days, levels on its last day"
    return table


@app.command()
def dashboard(
    scenario: Annotated[str, typer.Argument(help="a regime name or a .toml file")] = "scs",
    population: Population = None,
    days: Days = None,
    seed: Seed = None,
    set_: Sets = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="also save the run folder here")] = None,
    overwrite: Overwrite = False,
) -> None:
    """Run with a live table of the headline metrics and their history; print the run's summary at the end."""
    resolved = load_scenario(scenario, set_ or (), population=population, days=days, seed=seed)
    if out is not None:
        check_out_option(out, overwrite)
    compile_notice()
    sim = Simulation(resolved)
    with Live(frame(sim), console=err, refresh_per_second=4) as live:
        recorded = len(sim.recorder.rows)
        while sim.day < sim.days:
            sim.step()
            if len(sim.recorder.rows) != recorded:
                recorded = len(sim.recorder.rows)
                live.update(frame(sim))
    results = sim.results
    print_summaries({sim.scenario.regime: results.summary})
    if out is not None:
        results.save(out, overwrite=overwrite)
        err.print(f"wrote {out}/", highlight=False)
