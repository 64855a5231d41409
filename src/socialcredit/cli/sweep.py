"""`socialcredit sweep`: grids, Sobol samples or Morris designs with replicates, locally or on Dask."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from socialcredit.cli.app import app
from socialcredit.cli.common import (
    Days,
    Json,
    Overwrite,
    Population,
    Seed,
    Sets,
    check_metric,
    check_out_option,
    compile_notice,
    err,
    fmt,
    print_json,
    progress,
)
from socialcredit.cli.common import (
    out as stdout,
)
from socialcredit.errors import InputError
from socialcredit.experiments import sweep as sw
from socialcredit.scenario import load_scenario, parameters_hash, parse_set


def check_scheduler(address: str, timeout: float = 5.0) -> None:
    """Connect to the Dask scheduler once, with a short timeout, before any work."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError("--scheduler: needs dask[distributed] (pip install 'socialcredit[dask]')") from None
    try:
        with Client(address, timeout=timeout):
            pass
    except Exception as exc:  # OSError, TimeoutError, ValueError for a malformed address, ...
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"--scheduler {address}: cannot connect within {timeout:g} s ({reason})") from None


def default_folder(meta: dict) -> Path:
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True, default=str).encode()).hexdigest()[:8]
    name = Path(str(meta["scenario"])).stem
    return Path("runs") / f"sweep-{name}-{meta['mode']}-{digest}"


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
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="output folder \\[default: runs/sweep-NAME-MODE-HASH]")
    ] = None,
    overwrite: Overwrite = False,
    json_: Json = False,
) -> None:
    """Run a design with replicates; write OUT/runs/*.parquet (one row per run) and OUT/sweep.json."""
    modes = [m for m, on in (("grid", bool(grid)), ("sobol", sobol is not None), ("morris", morris is not None)) if on]
    if len(modes) != 1:
        raise InputError("sweep: give exactly one of --grid, --sobol N or --morris N (the last two with --range)")
    ranges = sw.parse_ranges(range_ or [])
    if modes[0] != "grid" and not ranges:
        raise InputError(f"sweep --{modes[0]}: needs at least one --range section.key=low:high")
    check_metric(metric, "--metric")
    if modes[0] == "grid" and ranges:
        raise InputError("sweep --grid: --range is for --sobol and --morris; give the grid's values with --grid")
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
    resolved = load_scenario(scenario, base)
    options = {
        "grid": list(grid or []),
        "range": list(range_ or []),
        "sobol": sobol,
        "morris": morris,
        "levels": levels,
        "metric": metric,
        "replicates": replicates,
        "population": population,
        "days": days,
        "seed": seed,
        "set": list(set_ or []),
    }
    from socialcredit import __version__

    record = {
        "scenario": scenario,
        "mode": modes[0],
        "options": options,
        "socialcredit_version": __version__,
        "parameters_hash": parameters_hash(resolved),
    }
    folder = check_out_option(out or default_folder(record), overwrite)
    if scheduler:
        check_scheduler(scheduler)
    compile_notice()
    with progress() as bar:
        task = bar.add_task(f"{scenario}: {len(points)} runs", total=len(points))
        rows = sw.run_points(scenario, points, base, workers, scheduler, lambda done: bar.update(task, completed=done))
    meta: dict[str, Any] = {**record, "design": design, "replicates": replicates, "runs": len(rows)}
    outcomes = np.full((len(design), replicates), np.nan)  # the metric per design point and replicate
    for r in rows:
        if r[metric] is not None:
            outcomes[r["run"] // replicates, r["replicate"]] = r[metric]
    means = outcomes.mean(axis=1)
    if modes[0] == "morris":
        meta["morris"] = {"metric": metric, "effects": sw.morris_effects(design, means, ranges)}
    sw.write(folder, rows, meta, overwrite=overwrite)
    if json_:
        print_json(meta)
        return
    table = Table(*design[0].keys(), f"mean {metric}", show_header=True, header_style="bold")
    for values, mean in zip(design[:40], means, strict=False):
        table.add_row(*(fmt(v) for v in values.values()), fmt(float(mean)))
    stdout.print(table)
    if "morris" in meta:
        stdout.print(_morris_table(meta["morris"]))
    err.print(f"wrote {folder}/runs/*.parquet ({len(rows)} runs); query it with DuckDB:", highlight=False)
    err.print(f"  duckdb.sql(\"select * from '{folder}/runs/*.parquet'\")", highlight=False, soft_wrap=True)


def _morris_table(morris: dict) -> Table:
    """Parameters ranked by mu* (mean |elementary effect|, in metric units per full range)."""
    table = Table("parameter", "mu*", "sigma", title=f"Morris effects on {morris['metric']}", header_style="bold")
    ranked = sorted(morris["effects"].items(), key=lambda kv: -kv[1]["mu_star"])
    for key, effect in ranked:
        table.add_row(key, f"{effect['mu_star']:.4g}", f"{effect['sigma']:.4g}")
    return table
