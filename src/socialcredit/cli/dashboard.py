"""`socialcredit dashboard`: the browser dashboard (`socialcredit.dashboard`), or with
`--terminal` a live table of one run's headline metrics in the terminal."""

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
from socialcredit.errors import InputError
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
    regimes: Annotated[
        list[str] | None,
        typer.Argument(help="1 to 4 regime names or .toml files, side by side \\[default: scs none; --terminal: scs]"),
    ] = None,
    population: Population = None,
    days: Days = None,
    seed: Seed = None,
    set_: Sets = None,
    host: Annotated[
        str, typer.Option("--host", help="address to serve on; 0.0.0.0 exposes the page to the network")
    ] = "127.0.0.1",
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535, help="port \\[default: a free one]")] = None,
    terminal: Annotated[
        bool,
        typer.Option("--terminal", help="a live table in the terminal instead of the browser page", show_default=False),
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="--terminal: also save the run folder here")] = None,
    overwrite: Overwrite = False,
) -> None:
    """Open the browser dashboard (prints its URL), or watch one run in the terminal with --terminal."""
    if not terminal:
        if out is not None:
            raise InputError("--out: only with --terminal; the browser page exports run folders itself")
        from socialcredit.dashboard.app import serve
        from socialcredit.dashboard.session import Settings

        settings = Settings.from_command_line(regimes, population, seed, days, list(set_ or ()))
        serve(settings, host=host, port=port)
        return
    if regimes is not None and len(regimes) > 1:
        raise InputError(f"--terminal: one regime at a time (got {len(regimes)}: {' '.join(regimes)})")
    scenario = regimes[0] if regimes else "scs"
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
