"""`socialcredit dashboard`: watch a simulation live in the terminal, metric by metric."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.live import Live
from rich.table import Table

from socialcredit.cli.app import app
from socialcredit.cli.common import HEADLINE, Days, Population, Seed, Sets, err, fmt
from socialcredit.engine import Simulation

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
    table.add_column("metric")
    table.add_column("now", justify="right")
    table.add_column("history")
    for metric in HEADLINE:
        history = [row.get(metric, math.nan) for row in rows]
        table.add_row(metric, fmt(history[-1]), sparkline(history))
    return table


@app.command()
def dashboard(
    scenario: Annotated[str, typer.Argument(help="a regime name or a .toml file")] = "scs",
    population: Population = None,
    days: Days = None,
    seed: Seed = None,
    set_: Sets = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="also save the run folder here")] = None,
) -> None:
    """Run with a live table of the headline metrics and their history (refreshed at every record)."""
    sim = Simulation(scenario, population=population, days=days, seed=seed, overrides=set_ or ())
    with Live(frame(sim), console=err, refresh_per_second=4) as live:
        recorded = len(sim.recorder.rows)
        while sim.day < sim.days:
            sim.step()
            if len(sim.recorder.rows) != recorded:
                recorded = len(sim.recorder.rows)
                live.update(frame(sim))
    if out is not None:
        sim.results.save(out)
        err.print(f"wrote {out}/")
