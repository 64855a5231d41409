"""`socialcredit sweep`: grids, Sobol samples or Morris designs with replicates, locally or on Dask."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from socialcredit.cli.app import app
from socialcredit.cli.common import Days, Json, Population, Seed, Sets, err, fmt, print_json, progress
from socialcredit.errors import InputError
from socialcredit.experiments import sweep as sw
from socialcredit.scenario import parse_set


@app.command()
def sweep(
    scenario: Annotated[str, typer.Argument(help="a regime name or a .toml file")],
    grid: Annotated[
        list[str] | None, typer.Option("--grid", help="an axis: section.key=v1,v2,... (repeatable)")
    ] = None,
    range_: Annotated[
        list[str] | None, typer.Option("--range", help="a continuous parameter: section.key=low:high (repeatable)")
    ] = None,
    sobol: Annotated[int | None, typer.Option("--sobol", min=1, help="Sobol sample size over the --range box")] = None,
    morris: Annotated[
        int | None, typer.Option("--morris", min=1, help="Morris trajectories over the --range box")
    ] = None,
    levels: Annotated[int, typer.Option("--levels", min=2, help="Morris grid levels")] = 4,
    metric: Annotated[str, typer.Option("--metric", help="the summary metric the table and Morris effects use")] = (
        "false_blacklist_share"
    ),
    replicates: Annotated[int, typer.Option("--replicates", "-r", min=1, help="seeds per design point")] = 1,
    population: Population = None,
    days: Days = None,
    seed: Seed = None,
    set_: Sets = None,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="local processes (default: all cores)")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="a Dask scheduler address, e.g. tcp://host:8786")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path("runs/sweep"),
    json_: Json = False,
) -> None:
    """Run a design with replicates; write OUT/runs/*.parquet (one row per run) and OUT/sweep.json."""
    modes = [m for m, on in (("grid", bool(grid)), ("sobol", sobol is not None), ("morris", morris is not None)) if on]
    if len(modes) != 1:
        raise InputError("sweep: give exactly one of --grid, --sobol N or --morris N (the last two with --range)")
    ranges = sw.parse_ranges(range_ or [])
    if modes[0] != "grid" and not ranges:
        raise InputError(f"sweep --{modes[0]}: needs at least one --range section.key=low:high")
    base_seed = seed if seed is not None else 1
    if modes[0] == "grid":
        design = sw.grid_design(sw.parse_grid(grid or []))
    elif modes[0] == "sobol":
        design = sw.sobol_design(ranges, sobol or 1, base_seed)
    else:
        design = sw.morris_design(ranges, morris or 1, levels, base_seed)
    run = {k: v for k, v in (("population", population), ("days", days)) if v is not None}
    base = {**parse_set(set_ or []), **({"run": run} if run else {})}
    points = sw.plan(scenario, design, replicates, base_seed, base)
    with progress() as bar:
        task = bar.add_task(f"{scenario}: {len(points)} runs", total=len(points))
        rows = sw.run_points(scenario, points, base, workers, scheduler, lambda done: bar.update(task, completed=done))
    meta = {"scenario": scenario, "mode": modes[0], "design": design, "replicates": replicates, "runs": len(rows)}
    outcomes = np.full((len(design), replicates), np.nan)  # the metric per design point and replicate
    for r in rows:
        if r[metric] is not None:
            outcomes[r["run"] // replicates, r["replicate"]] = r[metric]
    means = outcomes.mean(axis=1)
    if modes[0] == "morris":
        meta["morris"] = {"metric": metric, "effects": sw.morris_effects(design, means, ranges)}
    sw.write(out, rows, meta)
    if json_:
        print_json(meta)
        return
    table = Table(*design[0].keys(), f"mean {metric}", show_header=True, header_style="bold")
    for values, mean in zip(design[:40], means, strict=False):
        table.add_row(*(fmt(v) for v in values.values()), fmt(float(mean)))
    err.print(table)
    if "morris" in meta:
        err.print(meta["morris"])
    err.print(
        f"wrote {out}/runs/*.parquet ({len(rows)} runs); query: duckdb.sql(\"select * from '{out}/runs/*.parquet'\")"
    )
