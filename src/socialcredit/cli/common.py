"""Pieces shared by the commands: consoles, option types, summary tables.

Result tables go to stdout (`out`), progress bars and messages to stderr (`err`). When stdout
is not a terminal, tables are laid out for $COLUMNS columns (80 if unset): a table wider than
that is split into blocks of columns, each repeating the metric names, so no name, key or
number is ever truncated.
"""

from __future__ import annotations

import difflib
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from socialcredit.errors import InputError
from socialcredit.metrics import KIND
from socialcredit.results import check_out, json_clean


def _width() -> int:
    try:
        return max(40, int(os.environ.get("COLUMNS", "80")))
    except ValueError:
        return 80


def console(stderr: bool = False) -> Console:
    """A console that never truncates to a guessed width when redirected."""
    plain = Console(stderr=stderr)
    return plain if plain.is_terminal else Console(stderr=stderr, width=_width())


out = console()
err = console(stderr=True)

# The rows the README's findings rest on (`make run` prints these).
HEADLINE = (
    "trust_mean",
    "trust_kin",
    "trust_coworkers",
    "trust_friends",
    "trust_strangers",
    "cooperation_rate",
    "withdrawal_strangers",
    "welfare",
    "score_mean",
    "blacklisted_share",
    "blacklist_precision",
    "false_blacklist_share",
    "false_blacklist_health",
    "false_blacklist_income",
    "false_blacklist_misflagged_post",
    "false_blacklist_slander",
    "true_blacklist_misconduct",
    "chilling",
    "ties_cut_share",
    "blacklisted_share_income_q1",
    "blacklisted_share_income_q5",
    "denied_flights",
    "denied_trains",
    "denied_loans",
)
FLOW_MARK = " (run)"
FLOW_LEGEND = "(run) = over the whole run (rate or count); others = on the last day; – = n/a"

Population = Annotated[
    int | None, typer.Option("--population", "-n", help="number of citizens \\[default: 10000, or the scenario's]")
]
Days = Annotated[int | None, typer.Option("--days", "-d", help="simulated days \\[default: 365, or the scenario's]")]
Seed = Annotated[int | None, typer.Option("--seed", "-s", help="master seed \\[default: 1, or the scenario's]")]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", metavar="SECTION.KEY=VALUE", help="override a parameter (repeatable); values are TOML"),
]
Json = Annotated[
    bool,
    typer.Option(
        "--json", help="print the result as one JSON object on stdout, nothing else", show_default=False, metavar=""
    ),
]
ScaleTo = Annotated[
    int | None, typer.Option("--scale-to", help="also report counts scaled to this population, e.g. 1400000000")
]
Overwrite = Annotated[
    bool,
    typer.Option(
        "--overwrite", help="replace an earlier output folder of socialcredit at --out", show_default=False, metavar=""
    ),
]
Force = Annotated[
    bool,
    typer.Option(
        "--force", help="run even if the memory estimate exceeds what the machine has", show_default=False, metavar=""
    ),
]
Metrics = Annotated[
    str | None,
    typer.Option("--metrics", metavar="A,B,...", help="the table's rows, comma-separated metric names"),
]


def parse_metrics(text: str | None) -> tuple[str, ...]:
    """`a,b,c` as metric names, each checked against the known metrics (before any work)."""
    if text is None:
        return HEADLINE
    names = tuple(m.strip() for m in text.split(",") if m.strip())
    if not names:
        raise InputError("--metrics: give at least one metric name")
    for name in names:
        check_metric(name, "--metrics")
    return names


def check_metric(name: str, option: str) -> str:
    if name not in KIND:
        guess = difflib.get_close_matches(name, list(KIND), n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else ""
        raise InputError(f"{option} {name!r}: unknown metric{hint} (the metrics are listed in docs/model.md §8)")
    return name


def check_out_option(path: Path, overwrite: bool) -> Path:
    """`--out` checked before the first simulated day (results.check_out)."""
    return check_out(path, overwrite)


def compile_notice() -> None:
    """A line on stderr when Numba's on-disk cache holds no compiled kernels yet (a first run)."""
    import socialcredit

    places = [Path(socialcredit.__file__).parent]
    if os.environ.get("NUMBA_CACHE_DIR"):  # then Numba caches only there
        places = [Path(os.environ["NUMBA_CACHE_DIR"])]
    for place in places:
        if place.is_dir() and next(place.rglob("*.nbi"), None) is not None:
            return
    err.print("compiling numerical kernels (first run only; this can take half a minute)…", highlight=False)


def progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,  # redirected: no bar, and no stray blank line
    )


def fmt(value: Any, digits: int = 4) -> str:
    """A number as tables show it: `digits` significant digits, thousands whole and grouped, – for n/a."""
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}g}"
    return str(value)


def _scaled_key(metric: str) -> str | None:
    if metric == "blacklisted_share":
        return "blacklisted_count_scaled"
    return f"{metric}_scaled"


def label(metric: str) -> str:
    return metric + (FLOW_MARK if KIND.get(metric) == "flow" else "")


def summary_columns(
    summaries: dict[str, dict[str, Any]], metrics: Iterable[str]
) -> tuple[list[str], dict[str, list[str]]]:
    """The row labels and, per column header, its cells (scaled columns after their run's)."""
    metrics = list(metrics)
    columns: dict[str, list[str]] = {}
    for name, s in summaries.items():
        columns[name] = [fmt(s.get(m, math.nan)) for m in metrics]
        if s.get("scale_to"):
            cells = []
            for m in metrics:
                key = _scaled_key(m)
                cells.append(fmt(float(s[key])) if key in s and s[key] is not None else "")
            columns[f"{name} ×{s['scale_to']:,}"] = cells
    return [label(m) for m in metrics], columns


def abbreviate(name: str) -> str:
    """cultural-revolution -> cul-rev: the first three letters of each part (names of 9 or fewer kept)."""
    return name if len(name) <= 9 else "-".join(part[:3] for part in name.split("-"))


def _blocks(first: int, sizes: dict[str, int], width: int) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    used = first + 4
    for header, size in sizes.items():
        if blocks[-1] and used + size + 3 > width:
            blocks.append([])
            used = first + 4
        blocks[-1].append(header)
        used += size + 3
    return blocks


def summary_layout(
    summaries: dict[str, dict[str, Any]], metrics: Iterable[str] = HEADLINE, width: int | None = None
) -> tuple[list[Table], dict[str, str]]:
    """Metrics down, runs across; split into blocks of columns that fit in `width`, with the
    run names abbreviated (and the abbreviations returned) when that saves a block."""
    rows, columns = summary_columns(summaries, metrics)
    width = width or out.width
    first = max(len("metric"), *(len(r) for r in rows))

    def sizes_for(headers: dict[str, str]) -> dict[str, int]:
        return {h: max(len(headers[h]), *(len(c) for c in cells)) for h, cells in columns.items()}

    headers = {h: h for h in columns}
    blocks = _blocks(first, sizes_for(headers), width)
    legend: dict[str, str] = {}
    if len(blocks) > 1:
        short = {h: abbreviate(h) if h in summaries else h for h in columns}
        if len(set(short.values())) == len(short):
            fewer = _blocks(first, sizes_for(short), width)
            if len(fewer) < len(blocks):
                headers, blocks = short, fewer
                legend = {short[h]: h for h in columns if short[h] != h}
    sizes = sizes_for(headers)
    tables = []
    for block in blocks:
        table = Table(show_header=True, header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
        table.add_column("metric", no_wrap=True, min_width=first)
        for header in block:
            table.add_column(headers[header], justify="right", no_wrap=True, min_width=sizes[header])
        for i, row in enumerate(rows):
            table.add_row(row, *(columns[h][i] for h in block))
        tables.append(table)
    return tables, legend


def summary_tables(
    summaries: dict[str, dict[str, Any]], metrics: Iterable[str] = HEADLINE, width: int | None = None
) -> list[Table]:
    return summary_layout(summaries, metrics, width)[0]


def print_summaries(summaries: dict[str, dict[str, Any]], metrics: Iterable[str] = HEADLINE) -> None:
    """The summary table(s) on stdout, with the legend of flows."""
    metrics = tuple(metrics)
    tables, legend = summary_layout(summaries, metrics)
    for table in tables:
        out.print(table)
    if legend:
        out.print("; ".join(f"{k} = {v}" for k, v in legend.items()), highlight=False, soft_wrap=True)
    if any(KIND.get(m) == "flow" for m in metrics):
        out.print(FLOW_LEGEND, highlight=False, soft_wrap=True)
    scaled = {s.get("scale_to") for s in summaries.values() if s.get("scale_to")}
    for scale in scaled:
        out.print(f"×{scale:,}: counts scaled to a population of {scale:,}", highlight=False, soft_wrap=True)


def headline_table(summaries: dict[str, dict[str, Any]], metrics: tuple[str, ...] = HEADLINE) -> Table:
    """One table, metrics down, runs across (no splitting), e.g. for a live display."""
    return summary_tables(summaries, metrics, width=10**6)[0]


def print_json(obj: Any) -> None:
    typer.echo(json.dumps(json_clean(obj)))
