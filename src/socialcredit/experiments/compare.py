"""Regimes side by side on one population, with common random numbers, over replicate seeds.

Within a seed every regime gets the same citizens, the same network and the same draw for
every decision (`core.Mechanism`): a difference between two regimes comes from the
institution, not from luck. With a burn-in, the society first lives `burn_in` days with no
institution (regime `none`); every regime then starts from that same state (or from a saved
checkpoint, `start`). With `replicates` R, all of it runs on seeds seed, seed + 1, ...,
seed + R - 1; each metric gets its mean and 95% confidence interval (Student t over the
seeds), and each regime its difference from a reference regime, paired by seed (common
random numbers make it far narrower) and unpaired (Welch), both with their intervals.
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
from scipy import stats as scipy_stats

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
    replicates: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per regime, one summary per seed
    statistics: dict[str, Any] = field(default_factory=dict)  # `replicate_statistics`: CIs and differences

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
            if self.statistics:
                (tmp / "statistics.json").write_text(json.dumps(json_clean(self.statistics), indent=2) + "\n")
                (tmp / "replicates.json").write_text(json.dumps(json_clean(self.replicates), indent=2) + "\n")
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
            "files": [
                "compare.parquet",
                "scores.parquet",
                "summary.json",
                *(["statistics.json", "replicates.json"] if self.statistics else []),
                "scenarios/",
                "figures/",
                "manifest.json",
            ],
        }

    @classmethod
    def load(cls, folder: str | Path) -> Comparison:
        folder = Path(folder)
        scores = pq.read_table(folder / "scores.parquet")
        extra = {
            key: json.loads((folder / f"{key}.json").read_text())
            for key in ("statistics", "replicates")
            if (folder / f"{key}.json").is_file()
        }
        scenarios = {path.stem: load_scenario(path) for path in sorted((folder / "scenarios").glob("*.toml"))}
        manifest = folder / "manifest.json"
        options = json.loads(manifest.read_text()).get("options", {}) if manifest.is_file() else {}
        return cls(
            summaries=json.loads((folder / "summary.json").read_text()),
            long=pq.read_table(folder / "compare.parquet"),
            scores={name: scores[name].to_numpy() for name in scores.column_names},
            scenarios=scenarios,
            options=options,
            **extra,
        )


def t_quantile(dof: float, level: float = 0.95) -> float:
    """Student's t quantile that makes a two-sided `level` interval's half-width from a standard error."""
    return float(scipy_stats.t.ppf(0.5 + level / 2, dof))


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of independent replicates (NaN-free); (mean, low, high)."""
    values = np.asarray(values, dtype=np.float64)
    mean = float(values.mean()) if values.size else float("nan")
    if values.size < 2:
        return mean, float("nan"), float("nan")
    half = t_quantile(values.size - 1, level) * float(values.std(ddof=1)) / np.sqrt(values.size)
    return mean, mean - half, mean + half


def welch_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean difference a - b of two independent samples and its Welch confidence interval."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    diff = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = float(np.sqrt(va + vb))
    if se == 0:
        return diff, diff, diff
    dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = t_quantile(dof, level) * se
    return diff, diff - half, diff + half


def difference(runs: list[dict[str, Any]], base: list[dict[str, Any]], metric: str) -> dict[str, Any] | None:
    """`metric` of `runs` minus that of `base` (the same seeds, in order): the paired interval
    (seed by seed, common random numbers) and the unpaired one (Welch); None where either is NaN."""
    values = np.array([r.get(metric, np.nan) for r in runs], dtype=np.float64)
    reference = np.array([r.get(metric, np.nan) for r in base], dtype=np.float64)
    if np.isnan(values).any() or np.isnan(reference).any():
        return None
    paired, p_low, p_high = interval(values - reference)
    unpaired, u_low, u_high = welch_interval(values, reference) if values.size > 1 else (paired, np.nan, np.nan)
    return {
        "paired": {"mean": paired, "low": p_low, "high": p_high},
        "unpaired": {"mean": unpaired, "low": u_low, "high": u_high},
    }


def replicate_statistics(replicates: dict[str, list[dict[str, Any]]], reference: str | None) -> dict[str, Any]:
    """Per regime and numeric metric: mean and 95% CI over the seeds; against `reference`, the
    paired difference (seed by seed, common random numbers) and the unpaired one (Welch)."""
    first = next(iter(replicates.values()))[0]
    metrics = [k for k, v in first.items() if isinstance(v, int | float) and not isinstance(v, bool) and k != "seed"]
    out: dict[str, Any] = {"seeds": [r["seed"] for r in next(iter(replicates.values()))], "reference": reference}
    out["metrics"] = {}
    out["difference"] = {}
    for regime, runs in replicates.items():
        table: dict[str, Any] = {}
        diffs: dict[str, Any] = {}
        for metric in metrics:
            values = np.array([r.get(metric, np.nan) for r in runs], dtype=np.float64)
            if np.isnan(values).any():
                continue
            mean, low, high = interval(values)
            table[metric] = {"mean": mean, "low": low, "high": high, "n": int(values.size)}
            if reference and reference in replicates and regime != reference:
                found = difference(runs, replicates[reference], metric)
                if found is not None:
                    diffs[metric] = found
        out["metrics"][regime] = table
        if diffs:
            out["difference"][regime] = diffs
    return out


def _mean_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One summary from replicate summaries: numbers averaged over the seeds, the rest from the first."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool) and key not in ("seed", "population", "days"):
            out[key] = float(np.mean([r[key] for r in runs]))
    out["seeds"] = [r["seed"] for r in runs]
    return out


def _long(regime: str, table: pa.Table, seed: int) -> pa.Table:
    days = table["day"].to_numpy()
    names = [c for c in table.column_names if c != "day"]
    values = np.concatenate([table[c].to_numpy(zero_copy_only=False).astype(np.float64) for c in names])
    return pa.table(
        {
            "regime": pa.array([regime] * values.shape[0], pa.string()),
            "seed": pa.array(np.full(values.shape[0], seed, dtype=np.int64), pa.int64()),
            "day": pa.array(np.tile(days, len(names)), pa.int32()),
            "metric": pa.array(np.repeat(names, days.shape[0]), pa.string()),
            "value": pa.array(values, pa.float64()),
        }
    )


def _reporting(progress: Progress, regime: str, total: int) -> Callable[[int], None]:
    return lambda day: progress(regime, day, total)


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
                'give each file its own `regime = "..."` (columns and files are named after it)'
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
    replicates: int | None = None,
    reference: str | None = "none",
    start: str | Path | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """Run each regime (all shipped presets by default) on the same population, per seed.

    `regimes` are preset names or .toml files; results are keyed by each scenario's `regime`.
    `replicates` seeds (default: the scenarios' `run.replicates`); `reference` the regime
    differences are taken against (skipped if absent); `start` a checkpoint every regime
    branches from (its seed, population and day; one replicate).
    """
    from socialcredit import checkpoint

    if start is not None:
        meta = checkpoint.read_meta(start)  # fails early on a bad file
        saved = load_scenario(None, checkpoint_scenario(meta))
        population, seed, burn_in = saved.run.population, saved.run.seed, int(meta["day"])
        if replicates not in (None, 1):
            raise InputError(f"compare --from {start}: a checkpoint is one seed; allowed: --replicates 1")
    scenarios = resolve_regimes(
        regimes, population=population, days=days, seed=seed, overrides=overrides, burn_in=burn_in
    )
    first = next(iter(scenarios.values()))
    count = replicates or first.run.replicates
    options = {  # as given (None: from each scenario); the manifest adds what they resolved to
        "regimes": [_source(r) for r in regimes] if regimes else None,
        "population": population,
        "days": days,
        "seed": seed,
        "burn_in": burn_in,
        "overrides": dict(overrides) if isinstance(overrides, Mapping) else list(overrides),
        "replicates": count,
        "reference": reference,
        "start": str(Path(start).resolve()) if start is not None else None,
    }
    runs: dict[str, list[dict[str, Any]]] = {regime: [] for regime in scenarios}
    tables, scores = [], {}
    for r in range(count):
        this_seed = first.run.seed + r
        donor = None
        if start is not None:
            donor = checkpoint.load(start)
        elif burn_in > 0:
            donor = Simulation("none", population=population, days=burn_in, seed=this_seed, overrides=overrides)
            label = "burn-in" if count == 1 else f"burn-in, seed {this_seed}"
            donor.run(progress=None if progress is None else _reporting(progress, label, burn_in))
        for regime, scenario in scenarios.items():
            run_days = scenario.run.days + burn_in
            sim = Simulation(scenario, days=run_days, seed=this_seed)
            if donor is not None:
                sim.continue_from(donor)
            label = regime if count == 1 else f"{regime}, seed {this_seed}"
            results = sim.run(progress=None if progress is None else _reporting(progress, label, run_days))
            summary = results.summary
            if burn_in:
                summary["burn_in"] = burn_in  # days = burn_in + the days after it
            runs[regime].append(summary)
            tables.append(_long(regime, results.timeseries, this_seed))
            if r == 0:
                scores[regime] = sim.people.score.copy()
    if count == 1:
        return Comparison({k: v[0] for k, v in runs.items()}, pa.concat_tables(tables), scores, scenarios, options)
    statistics = replicate_statistics(runs, reference if reference in runs else None)
    summaries = {regime: _mean_summary(v) for regime, v in runs.items()}
    return Comparison(summaries, pa.concat_tables(tables), scores, scenarios, options, runs, statistics)


def checkpoint_scenario(meta: dict[str, Any]) -> dict[str, Any]:
    """The scenario a checkpoint's metadata holds, as a dict."""
    from socialcredit.scenario import _parse_toml

    return _parse_toml(meta["scenario"], "checkpoint")
