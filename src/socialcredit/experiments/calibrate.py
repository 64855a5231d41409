"""Calibration with Optuna: free parameters set so that named metrics hit target values.

A targets file (TOML) names the scenario, the run size, the free parameters with their
ranges and the targets, each a metric (a summary key, a `totals.<counter>`, or an arithmetic
expression of these, `socialcredit.expression`) with a target value, a tolerance and its source. A trial runs the
scenario with the trial's parameters on the same seeds (common random numbers across
trials, so the objective is a smooth function of the parameters) and scores
sum(((mean over seeds - target) / tolerance) ** 2). The sampler is Optuna's TPE with a fixed
seed (a calibration is reproducible) and the study lives in SQLite (Optuna's own storage),
so a killed calibration resumes where it stopped. The best parameters are written as a
runnable scenario beside the study; a shipped regime is never overwritten.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit import expression
from socialcredit.errors import InputError
from socialcredit.scenario import deep_merge, load_scenario, nest, read_toml, to_toml


@dataclass(frozen=True)
class Target:
    metric: str
    value: float
    tolerance: float
    source: str = ""

    def measure(self, summary: dict[str, Any], totals: dict[str, float]) -> float:
        """The target's quantity in one run (`expression`: NaN where it divides by zero)."""
        return measure(self.metric, summary, totals)


@dataclass(frozen=True)
class Free:
    key: str
    low: float
    high: float
    integer: bool = False


@dataclass(frozen=True)
class Plan:
    scenario: str
    run: dict[str, Any]
    replicates: int
    seed: int
    targets: tuple[Target, ...]
    free: tuple[Free, ...]
    label: str


def _term(term: str, summary: dict[str, Any], totals: dict[str, float]) -> float:
    if term.startswith("totals."):
        return float(totals[term.removeprefix("totals.")])
    value = summary[term]
    return float("nan") if value is None else float(value)


def measure(quantity: str, summary: dict[str, Any], totals: dict[str, float]) -> float:
    """An expression over one run's summary keys and `totals.<counter>` (socialcredit.expression)."""
    return expression.evaluate(quantity, lambda name: _term(name, summary, totals))


def read_plan(path: str | Path, scenario: str | None = None) -> Plan:
    """Read and check a targets file; every problem is one line naming the file and key."""
    path = Path(path)
    data = read_toml(path, "targets")
    unknown = set(data) - {"scenario", "run", "replicates", "seed", "target", "parameter", "description"}
    if unknown:
        raise InputError(
            f"{path}: unknown key {sorted(unknown)[0]!r}; allowed: scenario, description, run, replicates, seed, "
            "[[target]], [[parameter]]"
        )
    chosen = scenario or data.get("scenario")
    if not isinstance(chosen, str):
        raise InputError(f"{path}: key 'scenario' must name a regime or .toml file (or pass --scenario)")
    run = data.get("run", {})
    if not isinstance(run, dict):
        raise InputError(f"{path}: [run] must be a table of run settings (population, days)")
    replicates, seed = data.get("replicates", 3), data.get("seed", 1)
    if not isinstance(replicates, int) or isinstance(replicates, bool) or not 1 <= replicates <= 100:
        raise InputError(f"{path}: key 'replicates' must be an integer in 1..100")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"{path}: key 'seed' must be a non-negative integer")
    base = load_scenario(chosen, {"run": run})  # a bad scenario or run setting fails here
    defaults = base.model_dump()
    targets = tuple(_target(path, i, t) for i, t in enumerate(_tables(path, data, "target")))
    free = tuple(_free(path, i, f, defaults) for i, f in enumerate(_tables(path, data, "parameter")))
    names = [f.key for f in free]
    if len(set(names)) != len(names):
        raise InputError(f"{path}: a [[parameter]] key appears twice")
    try:
        load_scenario(base, nest({f.key: int(f.low) if f.integer else f.low for f in free}))  # real parameters
    except InputError as exc:
        raise InputError(f"{path}: [[parameter]]: {exc}") from None
    return Plan(str(chosen), run, replicates, seed, targets, free, str(path))


def _tables(path: Path, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    tables = data.get(name)
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise InputError(f"{path}: needs at least one [[{name}]] table")
    return tables


def _target(path: Path, i: int, t: dict[str, Any]) -> Target:
    where = f"{path}: [[target]] {i + 1}"
    extra = set(t) - {"metric", "value", "tolerance", "source"}
    if extra:
        raise InputError(f"{where}: unknown key {sorted(extra)[0]!r}; allowed: metric, value, tolerance, source")
    metric, value, tolerance = t.get("metric"), t.get("value"), t.get("tolerance")
    if not isinstance(metric, str) or not metric.strip():
        raise InputError(f"{where}: key 'metric' must be a metric name, totals.<counter>, or an expression of them")
    try:
        expression.parse(metric)
    except ValueError as exc:
        raise InputError(f"{where}: key 'metric': {exc}") from None
    for key, number in (("value", value), ("tolerance", tolerance)):
        if not isinstance(number, int | float) or isinstance(number, bool) or not math.isfinite(number):
            raise InputError(f"{where}: key {key!r} must be a finite number")
    if tolerance <= 0:  # type: ignore[operator]
        raise InputError(f"{where}: key 'tolerance' must be > 0")
    return Target(metric.strip(), float(value), float(tolerance), str(t.get("source", "")))  # type: ignore[arg-type]


def _free(path: Path, i: int, f: dict[str, Any], defaults: dict[str, Any]) -> Free:
    where = f"{path}: [[parameter]] {i + 1}"
    extra = set(f) - {"key", "low", "high"}
    if extra:
        raise InputError(f"{where}: unknown key {sorted(extra)[0]!r}; allowed: key, low, high")
    key, low, high = f.get("key"), f.get("low"), f.get("high")
    if not isinstance(key, str):
        raise InputError(f"{where}: key 'key' must be a parameter such as population.free_rider_share")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (low, high)):
        raise InputError(f"{where}: keys 'low' and 'high' must be finite numbers")
    if not low < high:  # type: ignore[operator]
        raise InputError(f"{where}: needs low < high (got {low}, {high})")
    node: Any = defaults
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if (node is not None and not isinstance(node, int | float)) or isinstance(node, bool):
        raise InputError(f"{where}: {key!r} is not a numeric parameter")
    return Free(key, float(low), float(high), isinstance(node, int))  # type: ignore[arg-type]


def evaluate(plan: Plan, values: dict[str, Any]) -> tuple[float, dict[str, float]]:
    """The objective of one parameter set and the mean of each target's quantity over the seeds."""
    from socialcredit.engine import Simulation

    overrides = deep_merge({"run": plan.run}, nest(values))
    measured: dict[str, list[float]] = {t.metric: [] for t in plan.targets}
    for r in range(plan.replicates):
        sim = Simulation(plan.scenario, seed=plan.seed + r, overrides=overrides)
        results = sim.run()
        for t in plan.targets:
            measured[t.metric].append(t.measure(results.summary, results.totals))
    means = {k: float(np.mean(v)) for k, v in measured.items()}
    distance = sum(((means[t.metric] - t.value) / t.tolerance) ** 2 for t in plan.targets)
    return (float("inf") if math.isnan(distance) else float(distance)), means


def calibrate(
    plan: Plan,
    folder: Path,
    trials: int,
    sampler_seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run (or resume) the study in folder/study.db up to `trials` trials; write the best
    scenario (folder/best.toml) and folder/calibration.json; return the latter's content."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    folder.mkdir(parents=True, exist_ok=True)
    study = optuna.create_study(
        study_name="socialcredit",
        storage=f"sqlite:///{folder / 'study.db'}",
        load_if_exists=True,
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=sampler_seed),
    )
    done = len([t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE])

    def objective(trial: optuna.Trial) -> float:
        values: dict[str, Any] = {
            f.key: trial.suggest_int(f.key, int(f.low), int(f.high))
            if f.integer
            else trial.suggest_float(f.key, f.low, f.high)
            for f in plan.free
        }
        distance, means = evaluate(plan, values)
        trial.set_user_attr("means", means)
        return distance

    def report(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if progress is not None:
            progress(len(study.trials), trials)

    if trials > done:
        study.optimize(objective, n_trials=trials - done, callbacks=[report])
    best = study.best_trial
    scenario = load_scenario(plan.scenario, deep_merge({"run": plan.run}, nest(best.params)))
    scenario = scenario.model_copy(update={"regime": f"{scenario.regime}-calibrated"})
    header = (
        f"# Calibrated by socialcredit calibrate {plan.label}: trial {best.number} of {len(study.trials)},\n"
        f"# distance {best.value:.4g}. Parameters set: {', '.join(f'{k} = {v:.6g}' for k, v in best.params.items())}.\n"
    )
    (folder / "best.toml").write_text(header + to_toml(scenario), encoding="utf-8")
    result = {
        "targets": [t.__dict__ for t in plan.targets],
        "parameters": [f.__dict__ for f in plan.free],
        "replicates": plan.replicates,
        "seed": plan.seed,
        "sampler_seed": sampler_seed,
        "trials": len(study.trials),
        "best": {
            "number": best.number,
            "distance": best.value,
            "params": best.params,
            "means": best.user_attrs["means"],
        },
    }
    (folder / "calibration.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
