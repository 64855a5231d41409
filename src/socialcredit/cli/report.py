"""`socialcredit report`: figures and a Markdown report from a finished run or compare folder."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

from socialcredit.cli.app import app
from socialcredit.cli.common import FLOW_LEGEND, HEADLINE, err, fmt, label
from socialcredit.errors import InputError


def _table(summaries: dict[str, dict[str, Any]]) -> list[str]:
    names = list(summaries)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for metric in HEADLINE:
        cells = []
        for name in names:
            value = summaries[name].get(metric)
            cells.append(fmt(float("nan") if value is None else value))
        lines.append(f"| `{metric}`{label(metric)[len(metric) :]} | " + " | ".join(cells) + " |")
    return lines


def _writable(folder: Path) -> None:
    probe = folder / f".socialcredit-probe-{os.getpid()}"
    try:
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise InputError(f"{folder}: cannot write in it ({exc.strerror or exc})") from None


def _figures(folder: Path, save) -> None:
    """Render into a hidden folder, then put it in place of figures/ (the old one kept until then)."""
    tmp = folder / f".figures.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        save(tmp)
        old = folder / f".figures.old-{os.getpid()}"
        target = folder / "figures"
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _days(summaries: dict[str, dict[str, Any]]) -> str:
    days = sorted({int(s.get("days") or 0) for s in summaries.values()})
    burn = sorted({int(s.get("burn_in") or 0) for s in summaries.values()})
    if burn and burn[0]:
        return (
            ", ".join(f"{d - burn[0]:,}" for d in days) + f" days after a {burn[0]:,}-day burn-in with no institution"
        )
    return ", ".join(f"{d:,}" for d in days) + " days"


@app.command()
def report(folder: Annotated[Path, typer.Argument(help="a run folder (run) or a comparison folder (compare)")]) -> None:
    """Rebuild the figures and write FOLDER/report.md: headline table and figures."""
    from socialcredit import report as figures
    from socialcredit.results import is_output_folder

    if not is_output_folder(folder):
        raise InputError(f"{folder}: not a run or comparison folder written by socialcredit")
    _writable(folder)
    try:
        if (folder / "compare.parquet").is_file():
            from socialcredit.experiments.compare import Comparison

            comparison = Comparison.load(folder)
            summaries = comparison.summaries
            save = lambda path: figures.save_compare_figures(comparison, path)  # noqa: E731
            title = f"Comparison of {', '.join(summaries)}"
        elif (folder / "summary.json").is_file():
            from socialcredit.results import Results

            results = Results.load(folder)
            summaries = {str(results.summary.get("regime")): results.summary}
            save = lambda path: figures.save_run_figures(results, path)  # noqa: E731
            title = f"Run of {next(iter(summaries))}"
        else:
            raise InputError(f"{folder}: not a run or comparison folder (no summary.json or compare.parquet)")
    except (OSError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{folder}: cannot read its files ({str(exc).splitlines()[0]})") from None
    _figures(folder, save)
    pngs = sorted(p.name for p in (folder / "figures").glob("*.png"))
    population = sorted({int(s.get("population") or 0) for s in summaries.values()})
    seeds = sorted({s.get("seed") for s in summaries.values()}, key=str)
    lines = [
        f"# {title}",
        "",
        f"{', '.join(f'{p:,}' for p in population)} citizens, {_days(summaries)}, seed {', '.join(map(str, seeds))}.",
        f"Summary at the end of the run; {FLOW_LEGEND}.",
        "",
        *_table(summaries),
        "",
        *(f"![{p}](figures/{p})" for p in pngs),
    ]
    tmp = folder / f".report.md.partial-{os.getpid()}"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, folder / "report.md")
    missing = [m for m in HEADLINE if all(math.isnan(s.get(m) or math.nan) for s in summaries.values())]
    figs = f"{len(pngs)} figure" + ("" if len(pngs) == 1 else "s")
    err.print(
        f"wrote {folder / 'report.md'} and {figs}" + (f" ({len(missing)} metrics n/a)" if missing else ""),
        highlight=False,
    )
