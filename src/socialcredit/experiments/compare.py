"""Regimes side by side on one population, with common random numbers.

Every regime gets the same seed, hence the same citizens, the same network and the same
random stream per mechanism: a difference between two regimes comes from the institution,
not from luck. With a burn-in, the society first lives `burn_in` days with no institution
(regime `none`); every regime then starts from that same state.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from socialcredit.engine import Simulation
from socialcredit.errors import InputError
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
    options: dict[str, Any] = field(default_factory=dict)  # every option of `compare`: rerun with compare(**options)

    def metric(self, name: str):  # -> pandas.DataFrame, days down, regimes across
        df = self.long.to_pandas()
        return df[df.metric == name].pivot(index="day", columns="regime", values="value")

    def save(self, out: str | Path, overwrite: bool = False) -> Path:
        """compare.parquet, scores.parquet (final scores), summary.json, scenarios/, figures/; atomically.

        An existing `out` is replaced only if it is an earlier output folder of this tool and
        `overwrite` is true.
        """
        from socialcredit import report

        with atomic_dir(out, "compare", overwrite) as tmp:
            pq.write_table(self.long, tmp / "compare.parquet")
            pq.write_table(pa.table(self.scores), tmp / "scores.parquet")
            (tmp / "summary.json").write_text(json.dumps(json_clean(self.summaries), indent=2) + "\n")
            (tmp / "scenarios").mkdir()
            burn_in = int(self.options.get("burn_in") or 0)
            for regime, scenario in self.scenarios.items():
                note = (
                    f"# Compared after a {burn_in}-day burn-in with no institution (regime none): run.days below is\n"
                    f"# the days after it; the summary's days = {burn_in} + {scenario.run.days}. Rerun the whole\n"
                    "# comparison with the options in ../manifest.json.\n"
                    if burn_in
                    else ""
                )
                (tmp / "scenarios" / f"{regime}.toml").write_text(note + to_toml(scenario))
            report.save_compare_figures(self, tmp / "figures")
            (tmp / "manifest.json").write_text(json.dumps(self.make_manifest(), indent=2) + "\n")
        return Path(out)

    def make_manifest(self) -> dict[str, Any]:
        """Every option (rerun: `compare(**manifest["options"])`), the version, a hash per regime."""
        from socialcredit import __version__
        from socialcredit.scenario import edge_list_hash, parameters_hash

        burn_in = int(self.options.get("burn_in") or 0)
        return {
            "socialcredit_version": __version__,
            "kind": "compare",
            "regimes": list(self.summaries),
            "options": self.options,
            "resolved": {
                r: {"population": s.run.population, "days": s.run.days, "seed": s.run.seed, "burn_in": burn_in}
                for r, s in self.scenarios.items()
            },
            "parameters_hash": {r: parameters_hash(s) for r, s in self.scenarios.items()},
            "edge_list_sha256": {r: edge_list_hash(s) for r, s in self.scenarios.items() if s.network.edge_list},
            "days_total": {r: s.get("days") for r, s in self.summaries.items()},
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "files": ["compare.parquet", "scores.parquet", "summary.json", "scenarios/", "figures/", "manifest.json"],
        }

    @classmethod
    def load(cls, folder: str | Path) -> Comparison:
        folder = Path(folder)
        scores = pq.read_table(folder / "scores.parquet")
        scenarios = {path.stem: load_scenario(path) for path in sorted((folder / "scenarios").glob("*.toml"))}
        manifest = folder / "manifest.json"
        options = json.loads(manifest.read_text()).get("options", {}) if manifest.is_file() else {}
        return cls(
            summaries=json.loads((folder / "summary.json").read_text()),
            long=pq.read_table(folder / "compare.parquet"),
            scores={name: scores[name].to_numpy() for name in scores.column_names},
            scenarios=scenarios,
            options=options,
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


# The shipped presets from no institution to the most intrusive, as the README's table has them.
ORDER = ("none", "financial-credit", "eu-ai-act", "scs", "scs-appeals", "danwei", "cultural-revolution")


def default_regimes() -> list[str]:
    """Every shipped preset, in ORDER (presets not in it after, by name)."""
    names = regime_names()
    return [r for r in ORDER if r in names] + [r for r in names if r not in ORDER]


def resolve_regimes(
    regimes: Sequence[str] | None = None,
    *,
    population: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    burn_in: int = 0,
) -> dict[str, Any]:
    """The scenarios to compare, keyed by each one's `regime` (a file's name if it sets none),
    every check done before any work: bad files, colliding names, burn-in plus days too long."""
    sources = list(regimes or default_regimes())
    scenarios: dict[str, Any] = {}
    given: dict[str, str] = {}
    for source in sources:
        scenario = load_scenario(source, overrides, population=population, days=days, seed=seed)
        name = scenario.regime
        if name in scenarios:
            raise InputError(
                f"compare: {given[name]} and {source} are both regime {name!r}; "
                "give each file its own `regime = \"...\"` (columns and files are named after it)"
            )
        scenarios[name], given[name] = scenario, source
        limit = 36_500
        if burn_in + scenario.run.days > limit:
            raise InputError(
                f"compare --burn-in {burn_in}: with run.days = {scenario.run.days} the run is "
                f"{burn_in + scenario.run.days} days; allowed: at most {limit} in all"
            )
    if burn_in > 0:
        load_scenario("none", overrides, population=population, days=burn_in, seed=seed)
    return scenarios


def _source(source: str) -> str:
    """A preset name as it is, a file as an absolute path (so the options rerun from anywhere)."""
    path = Path(source)
    return str(path.resolve()) if path.suffix == ".toml" or path.is_file() else source


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
    """Run each regime (all shipped presets by default) on the same population and seed.

    `regimes` are preset names or .toml files; results are keyed by each scenario's `regime`.
    """
    scenarios = resolve_regimes(
        regimes, population=population, days=days, seed=seed, overrides=overrides, burn_in=burn_in
    )
    options = {  # as given (None: from each scenario); the manifest adds what they resolved to
        "regimes": [_source(r) for r in regimes] if regimes else None,
        "population": population,
        "days": days,
        "seed": seed,
        "burn_in": burn_in,
        "overrides": dict(overrides) if isinstance(overrides, Mapping) else list(overrides),
    }
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
        results = sim.run(progress=None if progress is None else lambda d, r=regime, n=run_days: progress(r, d, n))
        summaries[regime] = results.summary
        if burn_in:
            summaries[regime]["burn_in"] = burn_in  # days = burn_in + the days after it
        tables.append(_long(regime, results.timeseries))
        scores[regime] = sim.people.score.copy()
    return Comparison(summaries, pa.concat_tables(tables), scores, scenarios, options)
