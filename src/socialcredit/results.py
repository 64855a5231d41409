"""Results of a run: the summary, the time series (Arrow), the scenario; saved as one folder."""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

FILES = ("scenario.toml", "timeseries.parquet", "summary.json", "manifest.json")


@contextlib.contextmanager
def atomic_dir(out: str | Path) -> Iterator[Path]:
    """Write into a hidden temporary folder beside `out`; rename it to `out` only on success.

    A crash mid-run leaves no folder that looks complete; an existing `out` is replaced.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / "x")
            os.replace(tmp, out)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def json_clean(value: Any) -> Any:
    """NaN and infinities as null, so the JSON is valid everywhere."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_clean(v) for v in value]
    return value


@dataclass
class Results:
    summary: dict[str, Any]
    timeseries: pa.Table
    scenario: BaseModel | None = None
    timings: dict[str, float] = field(default_factory=dict)
    finished: bool = True
    manifest: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)  # every declared event counter over the run
    node_ids: Any = None  # a loaded edge list's original id of each citizen (a NumPy array), else None

    def to_pandas(self):  # -> pandas.DataFrame
        return self.timeseries.to_pandas()

    def make_manifest(self) -> dict[str, Any]:
        from socialcredit import __version__
        from socialcredit.scenario import parameters_hash

        return {
            "socialcredit_version": __version__,
            "regime": self.summary.get("regime"),
            "seed": self.summary.get("seed"),
            "population": self.summary.get("population"),
            "days": self.summary.get("days"),
            "parameters_hash": parameters_hash(self.scenario) if self.scenario is not None else None,
            "timings_seconds": {k: round(v, 4) for k, v in self.timings.items()},
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "files": list(FILES),
        }

    def save(self, out: str | Path, figures: bool = True) -> Path:
        """Write the run folder: scenario.toml, timeseries.parquet, summary.json, manifest.json, figures/."""
        from socialcredit.scenario import to_toml

        if not self.finished:
            raise ValueError("the run has not finished; finish it before saving")
        out = Path(out)
        with atomic_dir(out) as tmp:
            if self.scenario is not None:
                (tmp / "scenario.toml").write_text(to_toml(self.scenario), encoding="utf-8")
            pq.write_table(self.timeseries, tmp / "timeseries.parquet")
            (tmp / "summary.json").write_text(json.dumps(json_clean(self.summary), indent=2) + "\n")
            if self.node_ids is not None:  # a loaded edge list: citizen i is the network's node_ids[i]
                pq.write_table(
                    pa.table({"citizen": range(len(self.node_ids)), "id": self.node_ids}), tmp / "citizens.parquet"
                )
            if figures:
                from socialcredit.report import save_run_figures

                save_run_figures(self, tmp / "figures")
            self.manifest = self.make_manifest()
            (tmp / "manifest.json").write_text(json.dumps(self.manifest, indent=2) + "\n")
        return out

    @classmethod
    def load(cls, folder: str | Path) -> Results:
        from socialcredit.errors import InputError
        from socialcredit.scenario import load_scenario

        folder = Path(folder)
        missing = [f for f in FILES if not (folder / f).is_file()]
        if missing:
            raise InputError(f"{folder}: not a finished run folder (missing {', '.join(missing)})")
        return cls(
            summary=json.loads((folder / "summary.json").read_text()),
            timeseries=pq.read_table(folder / "timeseries.parquet"),
            scenario=load_scenario(folder / "scenario.toml"),
            manifest=json.loads((folder / "manifest.json").read_text()),
        )

    def plot(self, metrics: tuple[str, ...] | None = None):  # -> matplotlib.figure.Figure
        """A small-multiples figure of the headline metrics over time."""
        from socialcredit.report import plot_timeseries

        return plot_timeseries(self.timeseries, metrics, title=str(self.summary.get("regime", "")))
