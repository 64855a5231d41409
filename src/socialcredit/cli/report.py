"""`socialcredit report`: figures and a Markdown report from a finished run or compare folder."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from socialcredit.cli.app import app
from socialcredit.cli.common import HEADLINE, err, fmt
from socialcredit.errors import InputError


def _table(summaries: dict[str, dict[str, Any]]) -> list[str]:
    names = list(summaries)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for metric in HEADLINE:
        cells = []
        for name in names:
            value = summaries[name].get(metric)
            cells.append(fmt(float("nan") if value is None else value))
        lines.append(f"| `{metric}` | " + " | ".join(cells) + " |")
    return lines


@app.command()
def report(folder: Annotated[Path, typer.Argument(help="a run folder (run) or a comparison folder (compare)")]) -> None:
    """Rebuild the figures and write FOLDER/report.md: headline table and figures."""
    from socialcredit import report as figures
    from socialcredit.results import Results

    if (folder / "compare.parquet").is_file():
        from socialcredit.experiments.compare import Comparison

        comparison = Comparison.load(folder)
        summaries = comparison.summaries
        figures.save_compare_figures(comparison, folder / "figures")
        title = f"Comparison of {', '.join(summaries)}"
    elif (folder / "summary.json").is_file():
        results = Results.load(folder)
        summaries = {str(results.summary.get("regime")): results.summary}
        figures.save_run_figures(results, folder / "figures")
        title = f"Run of {next(iter(summaries))}"
    else:
        raise InputError(f"{folder}: not a run or comparison folder (no summary.json or compare.parquet)")
    pngs = sorted(p.name for p in (folder / "figures").glob("*.png"))
    days = {s.get("days") for s in summaries.values()}
    population = {s.get("population") for s in summaries.values()}
    lines = [
        f"# {title}",
        "",
        f"{', '.join(map(str, population))} citizens, {', '.join(map(str, days))} days. Summary at the end of the run"
        " (flows over the whole run); – where a metric does not apply.",
        "",
        *_table(summaries),
        "",
        *(f"![{p}](figures/{p})" for p in pngs),
        "",
    ]
    (folder / "report.md").write_text("\n".join(lines))
    missing = [m for m in HEADLINE if all(math.isnan(s.get(m) or math.nan) for s in summaries.values())]
    err.print(
        f"wrote {folder / 'report.md'} and {len(pngs)} figures" + (f" ({len(missing)} metrics n/a)" if missing else "")
    )
