"""Parameter sweeps: grids, Sobol samples or Morris designs, with replicates.

Every point of the design is validated before anything runs (bad input fails fast). Runs go
to a local process pool by default, or to a Dask cluster given its address. Results land as
a Parquet dataset, one row per run (the design's parameters, the replicate and seed, every
summary metric), that DuckDB queries directly: `select * from 'OUT/runs/*.parquet'`.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from socialcredit.errors import InputError
from socialcredit.results import atomic_dir, json_clean
from socialcredit.scenario import deep_merge, load_scenario, nest, parse_set

ROWS_PER_FILE = 500


@dataclass(frozen=True)
class Point:
    """One run of the design: its parameter values, replicate and seed."""

    index: int
    values: dict[str, Any]
    replicate: int
    seed: int


def parse_grid(items: Iterable[str]) -> dict[str, list[Any]]:
    """`section.key=v1,v2,...` per item: the values of one grid axis (TOML literals)."""
    axes: dict[str, list[Any]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        if not sep or not values:
            raise InputError(f"--grid {item!r}: expected section.key=value1,value2,...")
        axes[key.strip()] = [parse_set([f"v={v}"])["v"] for v in _split(values)]
    return axes


def _split(values: str) -> list[str]:
    """Split on commas outside brackets and quotes (so lists can be values)."""
    out, depth, quote, current = [], 0, "", ""
    for ch in values:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(current.strip())
            current = ""
            continue
        current += ch
    out.append(current.strip())
    return [v for v in out if v]


def parse_ranges(items: Iterable[str]) -> dict[str, tuple[float, float]]:
    """`section.key=low:high` per item: a continuous parameter for Sobol or Morris."""
    ranges = {}
    for item in items:
        key, sep, bounds = item.partition("=")
        low, colon, high = bounds.partition(":")
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            lo = hi = float("nan")
        if not sep or not colon or not lo < hi:
            raise InputError(f"--range {item!r}: expected section.key=low:high with low < high")
        ranges[key.strip()] = (lo, hi)
    return ranges


def grid_design(axes: dict[str, list[Any]]) -> list[dict[str, Any]]:
    keys = list(axes)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes.values())]


def problem(ranges: dict[str, tuple[float, float]]) -> dict[str, Any]:
    """The --range box as SALib's problem definition."""
    return {"num_vars": len(ranges), "names": list(ranges), "bounds": [list(b) for b in ranges.values()]}


def sobol_design(ranges: dict[str, tuple[float, float]], n: int, seed: int) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Saltelli's design for first-order and total Sobol indices (SALib): n (rounded up to a
    power of two) base points, n (D + 2) runs. Returns the points and their matrix."""
    from SALib.sample import sobol

    base = 1 << max(0, int(np.ceil(np.log2(max(n, 1)))))
    matrix = sobol.sample(problem(ranges), base, calc_second_order=False, seed=seed)
    return _rows(matrix, ranges), matrix


def morris_design(
    ranges: dict[str, tuple[float, float]], trajectories: int, levels: int, seed: int
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Morris one-at-a-time trajectories on a `levels` grid (SALib): (D + 1) runs each."""
    from SALib.sample import morris

    matrix = morris.sample(problem(ranges), trajectories, num_levels=levels, seed=seed)
    return _rows(matrix, ranges), matrix


def sensitivity(
    mode: str, ranges: dict[str, tuple[float, float]], matrix: np.ndarray, outputs: np.ndarray, levels: int, seed: int
) -> dict[str, dict[str, float]]:
    """Per parameter: Sobol S1, ST and their 95% bootstrap half-widths (`*_conf`), or Morris
    mu, mu* (in metric units per full range), sigma and mu*'s bootstrap half-width (SALib).

    `outputs` is the metric per design point, the mean over its replicates.
    """
    from SALib.analyze import morris, sobol

    if np.ptp(outputs) == 0:  # a constant metric: no parameter moves it (SALib would divide by zero)
        keys = ("S1", "S1_conf", "ST", "ST_conf") if mode == "sobol" else ("mu", "mu_star", "sigma", "mu_star_conf")
        return {name: dict.fromkeys(keys, 0.0) for name in ranges}
    if mode == "sobol":
        found = sobol.analyze(problem(ranges), outputs, calc_second_order=False, seed=seed)
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        found = morris.analyze(problem(ranges), matrix, outputs, num_levels=levels, seed=seed)
        keys = ("mu", "mu_star", "sigma", "mu_star_conf")
    return {name: {k: float(found[k][i]) for k in keys} for i, name in enumerate(ranges)}


def _rows(matrix: np.ndarray, ranges: dict[str, tuple[float, float]]) -> list[dict[str, Any]]:
    return [dict(zip(ranges, (float(v) for v in row), strict=True)) for row in matrix]


def _integer_keys(scenario: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Round sampled floats for the parameters that are integers in `scenario` (Sobol/Morris sample reals)."""
    out = {}
    for key, value in values.items():
        node: Any = scenario
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        out[key] = round(value) if isinstance(node, int) and not isinstance(node, bool) else value
    return out


def run_point(regime: str, base: dict[str, Any], point: Point) -> dict[str, Any]:
    """One run (in a worker): the summary with the design's values, replicate and seed."""
    from socialcredit.engine import Simulation

    sim = Simulation(regime, seed=point.seed, overrides=deep_merge(base, nest(point.values)))
    summary = sim.run().summary
    row = {"run": point.index, "replicate": point.replicate, "seed": point.seed}
    row.update({f"param.{k}": v for k, v in point.values.items()})
    row.update(summary)
    return row


def plan(
    regime: str,
    designs: list[dict[str, Any]],
    replicates: int,
    seed: int,
    base: dict[str, Any],
) -> list[Point]:
    """Points with seeds seed, seed + 1, ... per replicate; every point validated up front."""
    points: list[Point] = []
    defaults = load_scenario(regime).model_dump()
    for values in designs:
        values = _integer_keys(defaults, values)
        load_scenario(regime, deep_merge(base, nest(values)))  # fails fast on a bad key or value
        points += [Point(len(points) + r, values, r, seed + r) for r in range(replicates)]
    return points


def run_points(
    regime: str,
    points: Sequence[Point],
    base: dict[str, Any],
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    journal: Path | None = None,
) -> list[dict[str, Any]]:
    """Run every point on a local process pool, or on a Dask cluster at `scheduler`.

    With a `journal` folder, each finished point is recorded there as it lands
    (run-NNNNNN.json, written atomically) and points already recorded are not run again: a
    sweep killed and started again goes on where it stopped. A point whose worker dies (a
    killed or out-of-memory process) is retried once on a fresh pool.
    """
    done: dict[int, dict[str, Any]] = {}
    if journal is not None:
        journal.mkdir(parents=True, exist_ok=True)
        for path in journal.glob("run-*.json"):
            row = json.loads(path.read_text())
            done[int(row["run"])] = row
    todo = [p for p in points if p.index not in done]

    def landed(row: dict[str, Any]) -> None:
        done[int(row["run"])] = row
        if journal is not None:
            tmp = journal / f".run-{row['run']:06d}.json.partial"
            tmp.write_text(json.dumps(json_clean(row)))
            os.replace(tmp, journal / f"run-{row['run']:06d}.json")
        if progress:
            progress(len(done))

    if progress and done:
        progress(len(done))
    if scheduler:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            futures = client.map(run_point, [regime] * len(todo), [base] * len(todo), todo, pure=False)
            for future in dask_completed(futures):
                landed(future.result())
    else:
        workers = workers or max(1, (os.cpu_count() or 1))
        for attempt in range(2):  # a point whose worker died is retried once, on a fresh pool
            todo = [p for p in todo if p.index not in done]
            if not todo:
                break
            try:
                _pool(regime, base, todo, workers, landed)
            except BrokenProcessPool:
                if attempt == 1:
                    missing = sorted(p.index for p in todo if p.index not in done)
                    raise InputError(
                        f"sweep: a worker process died twice running points {missing[:10]}; "
                        "allowed: fewer --workers or a smaller population (out of memory?), then --resume"
                    ) from None
    return [done[p.index] for p in sorted(points, key=lambda p: p.index)]


def _die_with_parent() -> None:
    """In a pool worker: be killed when the sweep's process dies, even by SIGKILL (Linux), so
    no orphan keeps computing or holding memory."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the call
            os._exit(1)


class _Worker(multiprocessing.context.SpawnProcess):
    """A pool worker that ignores SIGINT from its first instruction on: Ctrl-C reaches the
    whole process group, and the sweep (the parent) alone decides what an interrupt does."""

    started: ClassVar[weakref.WeakSet[_Worker]] = weakref.WeakSet()

    def start(self) -> None:
        if threading.current_thread() is not threading.main_thread():  # signals are set in the main thread only
            super().start()
        else:
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the spawned interpreter inherits it
            try:
                super().start()
            finally:
                signal.signal(signal.SIGINT, previous)
        _Worker.started.add(self)


class _Spawn(multiprocessing.context.SpawnContext):  # forking after Numba's OpenMP threads is unsafe
    Process = _Worker


def _pool(regime: str, base: dict[str, Any], points: Sequence[Point], workers: int, landed: Callable) -> None:
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_Spawn(), initializer=_die_with_parent)
    try:
        futures = [pool.submit(run_point, regime, base, p) for p in points]
        for future in as_completed(futures):
            landed(future.result())
    except BaseException:  # an interrupt or a failure: stop the workers now, not after their points
        for worker in list(_Worker.started):
            if worker.is_alive():
                worker.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def write(
    out: str | Path,
    rows: list[dict[str, Any]],
    meta: dict[str, Any],
    overwrite: bool = False,
    figures: dict[str, Any] | None = None,
) -> Path:
    """The Parquet dataset (runs/part-*.parquet), sweep.json and figures/, written atomically."""
    with atomic_dir(out, "sweep", overwrite) as tmp:
        if figures:
            import matplotlib.pyplot as plt

            (tmp / "figures").mkdir()
            for name, fig in figures.items():
                fig.savefig(tmp / "figures" / name, dpi=110)
                plt.close(fig)
        (tmp / "runs").mkdir()
        table = pa.Table.from_pylist([json_clean(r) for r in rows])  # one schema for every part
        for part, start in enumerate(range(0, len(rows), ROWS_PER_FILE)):
            pq.write_table(table.slice(start, ROWS_PER_FILE), tmp / "runs" / f"part-{part:05d}.parquet")
        (tmp / "sweep.json").write_text(json.dumps(json_clean(meta), indent=2) + "\n")
    return Path(out)
