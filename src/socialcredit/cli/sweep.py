"""`socialcredit sweep`: grids, Sobol samples or Morris designs with replicates, locally or on Dask."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from socialcredit import resources
from socialcredit.cli.app import app
from socialcredit.cli.common import (
    Days,
    Force,
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
    sobol: Annotated[
        int | None,
        typer.Option("--sobol", min=1, help="Saltelli base sample N over the --range box (N(D+2) runs; Sobol S1, ST)"),
    ] = None,
    morris: Annotated[
        int | None, typer.Option("--morris", min=1, help="Morris trajectories over the --range box")
    ] = None,
    levels: Annotated[int, typer.Option("--levels", min=2, help="Morris grid levels")] = 4,
    metric: Annotated[
        str, typer.Option("--metric", help="the summary metric(s), comma-separated, the table and indices use")
    ] = "false_blacklist_share",
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
    resume: Annotated[
        bool, typer.Option("--resume", help="go on with a killed sweep of the same command: skip its finished points")
    ] = False,
    force: Force = False,
    json_: Json = False,
) -> None:
    """Run a design with replicates; write OUT/runs/*.parquet (one row per run) and OUT/sweep.json."""
    modes = [m for m, on in (("grid", bool(grid)), ("sobol", sobol is not None), ("morris", morris is not None)) if on]
    if len(modes) != 1:
        raise InputError("sweep: give exactly one of --grid, --sobol N or --morris N (the last two with --range)")
    ranges = sw.parse_ranges(range_ or [])
    if modes[0] != "grid" and not ranges:
        raise InputError(f"sweep --{modes[0]}: needs at least one --range section.key=low:high")
    metric_names = [m.strip() for m in metric.split(",") if m.strip()]
    for name in metric_names:
        check_metric(name, "--metric")
    if modes[0] == "grid" and ranges:
        raise InputError("sweep --grid: --range is for --sobol and --morris; give the grid's values with --grid")
    base_seed = seed if seed is not None else 1
    matrix = np.empty((0, 0))
    if modes[0] == "grid":
        design = sw.grid_design(sw.parse_grid(grid or []))
    elif modes[0] == "sobol":
        design, matrix = sw.sobol_design(ranges, sobol or 1, base_seed)
        if sobol and sobol & (sobol - 1):
            err.print(
                f"--sobol {sobol}: Saltelli's design needs a power of two; using {len(design) // (len(ranges) + 2)}"
            )
    else:
        design, matrix = sw.morris_design(ranges, morris or 1, levels, base_seed)
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
    at_once = 1 if scheduler else min(workers or (os.cpu_count() or 1), len(points))
    resources.check(resolved, "sweep", copies=at_once, force=force)
    if scheduler:
        check_scheduler(scheduler)
    journal = folder.with_name(folder.name + ".progress")  # finished points, as they land
    plan_text = json.dumps({"record": record, "points": [p.__dict__ for p in points]}, sort_keys=True, default=str)
    if journal.exists():
        recorded = (journal / "plan.json").read_text() if (journal / "plan.json").is_file() else ""
        if recorded != plan_text:
            raise InputError(
                f"{journal}: holds the progress of a different sweep; allowed: the same command, or remove it"
            )
        if not resume:
            raise InputError(f"{journal}: a sweep of this command was interrupted; allowed: --resume to go on")
    else:
        journal.mkdir(parents=True)
        (journal / "plan.json").write_text(plan_text)
    compile_notice()
    with progress() as bar:
        task = bar.add_task(f"{scenario}: {len(points)} runs", total=len(points))
        rows = sw.run_points(
            scenario, points, base, workers, scheduler, lambda done: bar.update(task, completed=done), journal
        )
    meta: dict[str, Any] = {**record, "design": design, "replicates": replicates, "runs": len(rows)}
    means: dict[str, np.ndarray] = {}
    for name in metric_names:
        outcomes = np.full((len(design), replicates), np.nan)  # the metric per design point and replicate
        for r in rows:
            if r.get(name) is not None:
                outcomes[r["run"] // replicates, r["replicate"]] = r[name]
        means[name] = outcomes.mean(axis=1)  # replicates averaged per point before any analysis
        if modes[0] != "grid":
            noise = float(np.nanmean(outcomes.std(axis=1, ddof=1))) if replicates > 1 else None
            indices = sw.sensitivity(modes[0], ranges, matrix, np.nan_to_num(means[name]), levels, base_seed)
            meta.setdefault("sensitivity", {})[name] = {"indices": indices, "replicate_sd": noise}
    sw.write(folder, rows, meta, overwrite=overwrite, figures=sensitivity_figures(modes[0], meta))
    shutil.rmtree(journal)  # complete: the progress record is spent
    if json_:
        print_json(meta)
        return

    table = Table(*design[0].keys(), *(f"mean {m}" for m in metric_names), show_header=True, header_style="bold")
    for i, values in enumerate(design[:40]):
        table.add_row(*(fmt(v) for v in values.values()), *(fmt(float(means[m][i])) for m in metric_names))
    if len(design) > 40:
        table.caption = f"the first 40 of {len(design)} design points (all in runs/*.parquet)"
    if modes[0] == "grid" or len(design) <= 40:
        stdout.print(table)
    for name, found in meta.get("sensitivity", {}).items():
        stdout.print(_sensitivity_table(modes[0], name, found))

    err.print(f"wrote {folder}/runs/*.parquet ({len(rows)} runs); query it with DuckDB:", highlight=False)
    err.print(f"  duckdb.sql(\"select * from '{folder}/runs/*.parquet'\")", highlight=False, soft_wrap=True)


def _sensitivity_table(mode: str, metric: str, found: dict[str, Any]) -> Table:
    """Parameters ranked by total Sobol index or by Morris mu*, each with its 95% bootstrap half-width."""
    indices = found["indices"]
    noise = found.get("replicate_sd")
    note = f"; SD over replicates at a point: {noise:.3g}" if noise is not None else ""
    if mode == "sobol":
        table = Table("parameter", "S1", "± 95%", "ST", "± 95%", title=f"Sobol indices of {metric}{note}")
        ranked = sorted(indices.items(), key=lambda kv: -kv[1]["ST"])
        for key, v in ranked:
            table.add_row(key, f"{v['S1']:.3f}", f"{v['S1_conf']:.3f}", f"{v['ST']:.3f}", f"{v['ST_conf']:.3f}")
    else:
        table = Table("parameter", "mu*", "± 95%", "mu", "sigma", title=f"Morris effects on {metric}{note}")
        ranked = sorted(indices.items(), key=lambda kv: -kv[1]["mu_star"])
        for key, v in ranked:
            table.add_row(key, f"{v['mu_star']:.4g}", f"{v['mu_star_conf']:.3g}", f"{v['mu']:.4g}", f"{v['sigma']:.4g}")
    table.header_style = "bold"
    return table


def sensitivity_figures(mode: str, meta: dict[str, Any]) -> dict[str, Any]:
    """One bar chart per metric of the indices with their 95% intervals: {file name: figure}."""
    if mode == "grid":
        return {}
    import matplotlib.pyplot as plt

    figures = {}
    for metric, found in meta["sensitivity"].items():
        indices = found["indices"]
        names = list(indices)
        fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(names) + 1))
        y = np.arange(len(names))
        if mode == "sobol":
            for offset, key, label in ((-0.18, "S1", "first order S1"), (0.18, "ST", "total ST")):
                values = [indices[n][key] for n in names]
                conf = [indices[n][f"{key}_conf"] for n in names]
                ax.barh(y + offset, values, height=0.36, xerr=conf, label=label, capsize=3)
            ax.set_xlabel("Sobol index (share of variance), ± 95% bootstrap")
        else:
            values = [indices[n]["mu_star"] for n in names]
            conf = [indices[n]["mu_star_conf"] for n in names]
            ax.barh(y, values, xerr=conf, capsize=3, label="mu*")
            ax.set_xlabel(f"Morris mu* ({metric} per full range), ± 95% bootstrap")
        ax.set_yticks(y, names)
        ax.set_title(f"Sensitivity of {metric}")
        ax.legend(fontsize=8)
        fig.tight_layout()
        figures[f"sensitivity_{metric}.png"] = fig
    return figures
