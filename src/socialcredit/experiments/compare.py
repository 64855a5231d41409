"""Regimes side by side on one population, with common random numbers.

Every regime gets the same seed, hence the same citizens, the same network and the same
random stream per mechanism: a difference between two regimes comes from the institution,
not from luck. With a burn-in, the society first lives `burn_in` days with no institution
(regime `none`); every regime then starts from that same state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from socialcredit.engine import Simulation
from socialcredit.results import atomic_dir, json_clean
from socialcredit.scenario import load_scenario, regime_names, to_toml

Progress = Callable[[str, int, int], None]  # (regime, day, total days)


@dataclass
class Comparison:
    """Summaries per regime, the long table (regime, day, metric, value), final score arrays."""

    summaries: dict[str, dict[str, Any]]
    long: pa.Table
    scores: dict[str, np.ndarray]
    scenarios: dict[str, Any] = field(default_factory=dict)

    def metric(self, name: str):  # -> pandas.DataFrame, days down, regimes across
        df = self.long.to_pandas()
        return df[df.metric == name].pivot(index="day", columns="regime", values="value")

    def save(self, out: str | Path) -> Path:
        """compare.parquet, scores.parquet (final scores), summary.json, scenarios/, figures/; atomically."""
        from socialcredit import __version__, report

        with atomic_dir(out) as tmp:
            pq.write_table(self.long, tmp / "compare.parquet")
            pq.write_table(pa.table(self.scores), tmp / "scores.parquet")
            (tmp / "summary.json").write_text(json.dumps(json_clean(self.summaries), indent=2) + "\n")
            (tmp / "scenarios").mkdir()
            for regime, scenario in self.scenarios.items():
                (tmp / "scenarios" / f"{regime}.toml").write_text(to_toml(scenario))
            report.save_compare_figures(self, tmp / "figures")
            manifest = {"socialcredit_version": __version__, "regimes": list(self.summaries)}
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        return Path(out)

    @classmethod
    def load(cls, folder: str | Path) -> Comparison:
        folder = Path(folder)
        scores = pq.read_table(folder / "scores.parquet")
        return cls(
            summaries=json.loads((folder / "summary.json").read_text()),
            long=pq.read_table(folder / "compare.parquet"),
            scores={name: scores[name].to_numpy() for name in scores.column_names},
        )


def _long(regime: str, table: pa.Table) -> pa.Table:
    days = table["day"].to_numpy()
    names = [c for c in table.column_names if c != "day"]
    values = np.concatenate([table[c].to_numpy(zero_copy_only=False).astype(np.float64) for c in names])
    return pa.table(
        {
            "regime": pa.array([regime] * values.shape[0], pa.string()),
            "day": pa.array(np.tile(days, len(names)), pa.int32()),
            "metric": pa.array(np.repeat(names, days.shape[0]), pa.string()),
            "value": pa.array(values, pa.float64()),
        }
    )


def _reporting(progress: Progress, regime: str, total: int) -> Callable[[int], None]:
    return lambda day: progress(regime, day, total)


def compare(
    regimes: Sequence[str] | None = None,
    *,
    population: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    burn_in: int = 0,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    progress: Progress | None = None,
) -> Comparison:
    """Run each regime (all shipped presets by default) on the same population and seed."""
    regimes = list(regimes or regime_names())
    scenarios = {r: load_scenario(r, overrides, population=population, days=days, seed=seed) for r in regimes}
    donor = None
    if burn_in > 0:
        donor = Simulation("none", population=population, days=burn_in, seed=seed, overrides=overrides)
        donor.run(progress=None if progress is None else lambda d: progress("burn-in", d, burn_in))
    summaries, tables, scores = {}, [], {}
    for regime, scenario in scenarios.items():
        run_days = scenario.run.days + burn_in
        sim = Simulation(scenario, days=run_days)
        if donor is not None:
            sim.continue_from(donor)
        results = sim.run(progress=None if progress is None else _reporting(progress, regime, run_days))
        summaries[regime] = results.summary
        tables.append(_long(regime, results.timeseries))
        scores[regime] = sim.people.score.copy()
    return Comparison(summaries, pa.concat_tables(tables), scores, scenarios)
