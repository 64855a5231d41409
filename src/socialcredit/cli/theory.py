"""`socialcredit theory`: the interaction mechanism alone against mean-field theory (SPEC §7)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from socialcredit.cli.app import app
from socialcredit.cli.common import Json, err, progress
from socialcredit.cli.common import out as stdout
from socialcredit.errors import InputError
from socialcredit.experiments.theory import (
    FIGURE_MONITORING,
    MONITORING,
    TheoryCheck,
    TheoryParams,
    check,
    error_sweep,
    format_mix,
    parse_mix,
    plot_sweep,
)
from socialcredit.reputation import NORMS

FIGURE_ERRORS = tuple(float(e) for e in np.linspace(0.0, 0.1, 6))


def _table(result: TheoryCheck) -> Table:
    p = result.params
    title = (
        f"{p.norm}, {p.monitoring} monitoring"
        + (f" (Q={p.members}, quorum {p.quorum:g})" if p.monitoring == "institution" else "")
        + f", e1={p.execution_error:g}, e2={p.assessment_error:g}, mix {format_mix(p.mix)}"
    )
    table = Table(title=title, header_style="bold")
    for name in ("quantity", "strategy", "measured", "± SE", "analytic", "allowance", "z", "agrees"):
        table.add_column(name, justify="left" if name in ("quantity", "strategy") else "right", no_wrap=True)
    for row in result.rows:
        z = net_z(row)
        shown = f"{z:+.1f}" if math.isfinite(z) else "–"
        agrees = "[green]yes[/green]" if abs(z) <= 4 else "[red]no[/red]"
        table.add_row(
            row.quantity,
            row.group,
            f"{row.measured:.4f}",
            f"{row.se:.4f}",
            f"{row.analytic:.4f}",
            f"{row.allowance:.4f}",
            shown,
            agrees,
        )
    return table


def net_z(row) -> float:
    """The deviation beyond the finite-N allowance, in standard errors (0 within it), signed.

    |z| <= 4 is the same test as the row's `agrees`, so "agrees" never stands beside |z| > 4.
    """
    diff = row.measured - row.analytic
    excess = max(0.0, abs(diff) - row.allowance)
    if excess == 0:
        return 0.0
    return math.copysign(excess / row.se, diff) if row.se > 0 else math.copysign(math.inf, diff)


def check_figure(path: Path) -> Path:
    """`--figure` checked before the sweep: a .png/.pdf/.svg file in a folder that exists and is writable."""
    if path.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise InputError(f"--figure {path}: the name must end in .png, .pdf or .svg")
    if path.is_dir():
        raise InputError(f"--figure {path}: is a folder; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--figure {path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"--figure {path}: cannot write in {parent}")
    probe = parent / f".socialcredit-probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise InputError(f"--figure {path}: cannot write in {parent} ({exc.strerror or exc})") from None
    return path


def _sweep_table(points: list[dict[str, float | str]]) -> Table:
    table = Table(title="fraction good, e1 = e2 = e", header_style="bold")
    for name in ("monitoring", "norm", "e", "measured", "± SE", "analytic"):
        table.add_column(name, justify="left" if name in ("monitoring", "norm") else "right")
    for p in points:
        table.add_row(
            str(p["monitoring"]),
            str(p["norm"]),
            f"{p['error']:.2f}",
            f"{p['measured']:.4f}",
            f"{p['se']:.4f}",
            f"{p['analytic']:.4f}",
        )
    return table


@app.command()
def theory(
    norm: Annotated[str, typer.Option(help=f"assessment norm: {', '.join(NORMS)}")] = "stern-judging",
    mix: Annotated[str, typer.Option(help="strategy fractions: allc=F,alld=F,disc=F summing to 1")] = (
        "allc=0.1,alld=0.1,disc=0.8"
    ),
    execution_error: Annotated[float, typer.Option(help="chance an intended help fails (e1)")] = 0.02,
    assessment_error: Annotated[float, typer.Option(help="chance a verdict is flipped (e2)")] = 0.02,
    monitoring: Annotated[str, typer.Option(help=f"who holds reputations: {', '.join(MONITORING)}")] = "public",
    members: Annotated[int, typer.Option(help="institution members Q (--monitoring institution)")] = 11,
    quorum: Annotated[float, typer.Option(help="broadcast good if more than quorum x Q judged good")] = 0.5,
    population: Annotated[int, typer.Option("--population", "-n", help="number of citizens N")] = 1000,
    generations: Annotated[int, typer.Option("--generations", "-g", help="synchronous generations")] = 1000,
    burn_in: Annotated[int, typer.Option(help="generations discarded before measuring")] = 200,
    seed: Annotated[int, typer.Option("--seed", "-s", help="random seed")] = 0,
    benefit: Annotated[float, typer.Option(help="benefit b of being helped")] = 5.0,
    cost: Annotated[float, typer.Option(help="cost c of helping")] = 1.0,
    figure: Annotated[
        Path | None,
        typer.Option(
            help="instead of one run, sweep e1 = e2 over 0-0.1 for every norm, public and private, and write this PNG"
        ),
    ] = None,
    json_: Json = False,
) -> None:
    """Run the donation game alone and compare reputations, cooperation and payoffs with theory."""
    try:
        params = TheoryParams(
            norm=norm,
            mix=parse_mix(mix),
            execution_error=execution_error,
            assessment_error=assessment_error,
            monitoring=monitoring,
            members=members,
            quorum=quorum,
            population=population,
            generations=generations,
            burn_in=burn_in,
            seed=seed,
            benefit=benefit,
            cost=cost,
        ).validate()
        if figure is not None:
            _figure(params, check_figure(figure), json_)
            return
        with progress() as bar:
            task = bar.add_task(f"theory: {population:,} citizens, {monitoring}", total=generations)
            result = check(params, lambda k: bar.advance(task, k))
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if json_:
        typer.echo(json.dumps(result.as_dict()))
        return
    stdout.print(_table(result))
    stdout.print(
        f"SE from {result.batches} batch means after {burn_in} burn-in generations "
        f"(mean-field relaxation time {result.relaxation:.1f} generations); payoff is per partner. "
        "allowance: the finite-N bias bound 1/(N-1) ((b+c)/(N-1) for payoffs); z: the deviation beyond it "
        "in SE (0 within it); agrees: |z| <= 4",
        highlight=False,
    )
    for note in result.notes:
        stdout.print(f"[yellow]note:[/yellow] {note}")


def _figure(params: TheoryParams, path: Path, json_: bool) -> None:
    """The sweep behind docs/img/theory.png."""
    runs = len(FIGURE_MONITORING) * len(NORMS) * len(FIGURE_ERRORS)
    with progress() as bar:
        task = bar.add_task(f"theory sweep: {runs} runs", total=runs * params.generations)
        points = error_sweep(params, FIGURE_ERRORS, lambda k: bar.advance(task, k))
    plot_sweep(points, params, path)
    if json_:
        typer.echo(json.dumps({"figure": str(path), "points": points}))
        return
    stdout.print(_sweep_table(points))
    err.print(f"wrote {path}", highlight=False)
