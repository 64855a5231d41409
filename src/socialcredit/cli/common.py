"""Pieces shared by the commands: consoles, option types, headline tables."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from socialcredit.results import json_clean

err = Console(stderr=True)
if not err.is_terminal:  # redirected: a wide side-by-side table should not be truncated
    err = Console(stderr=True, width=200)

HEADLINE = (
    "score_mean",
    "score_gini",
    "blacklisted_share",
    "blacklist_precision",
    "blacklist_recall",
    "false_blacklist_share",
    "false_blacklist_health",
    "false_blacklist_income",
    "default_rate",
    "trust_mean",
    "cooperation_rate",
    "chilling",
    "denied_flights",
    "denied_trains",
    "denied_loans",
)

Population = Annotated[int | None, typer.Option("--population", "-n", help="number of citizens")]
Days = Annotated[int | None, typer.Option("--days", "-d", help="simulated days")]
Seed = Annotated[int | None, typer.Option("--seed", "-s", help="master seed")]
Sets = Annotated[list[str] | None, typer.Option("--set", help="override a parameter: section.key=value (repeatable)")]
Json = Annotated[bool, typer.Option("--json", help="print the result as one JSON object on stdout, nothing else")]
ScaleTo = Annotated[
    int | None, typer.Option("--scale-to", help="also report counts scaled to this population, e.g. 1400000000")
]


def progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def fmt(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


def headline_table(summaries: dict[str, dict[str, Any]], metrics: tuple[str, ...] = HEADLINE) -> Table:
    """Metrics down, runs across."""
    table = Table(show_header=True, header_style="bold")
    table.add_column("metric")
    for name in summaries:
        table.add_column(name, justify="right")
    for metric in metrics:
        table.add_row(metric, *(fmt(s.get(metric, float("nan"))) for s in summaries.values()))
    return table


def print_json(obj: Any) -> None:
    typer.echo(json.dumps(json_clean(obj)))
