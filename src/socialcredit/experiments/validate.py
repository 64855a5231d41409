"""Pattern-oriented validation (Grimm et al. 2005): the model's quantities beside the evidence.

A patterns file (TOML; the shipped one is `socialcredit/validation/patterns.toml`) lists
patterns, each with its source, the model quantity it maps to (an expression over metrics,
`socialcredit.expression`), the experiment that measures it, the size or direction expected
with a tolerance justified by the source's uncertainty, and its role: `calibration` (a
figure the free parameters may be fitted to) or `held_out` (a figure the fitted model must
reproduce without having seen it). A pattern has exactly one role.

Experiments, each run on replicate seeds seed, seed + 1, ... (common random numbers: the
same seed gives the same citizens and draws under every variant):

- `run`: the regime as it is; the quantity in each run.
- `contrast`: the regime against a reference (another regime, or the same with other
  parameters); the paired difference, seed by seed.
- `switch`: a first regime lived for `before_days`, then the regime for `days`
  (`Simulation.continue_from`, as compare's burn-in); against `reference` run straight for
  the same total days if given, as a paired difference.
- `sweep`: the regime over values of one parameter; the least-squares slope of the quantity
  on the parameter, per seed.

Each measured pattern gets the mean and the 95% Student-t interval over the seeds
(`compare.interval`) and a verdict: `pass`, `fail`, or `not measurable` when the quantity
names something the model does not compute (the file says what the model lacks) or is
undefined in the runs (NaN). A target passes when the mean lies within target ± tolerance;
a direction passes when the whole interval lies on the expected side of zero.
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit import expression
from socialcredit.errors import InputError
from socialcredit.experiments.calibrate import Free, Plan, Target, _free, measure
from socialcredit.experiments.compare import interval
from socialcredit.metrics import KIND
from socialcredit.scenario import load_scenario, nest, read_toml

ROLES = ("calibration", "held_out")
EXPERIMENTS = ("run", "contrast", "switch", "sweep")
DIRECTIONS = ("negative", "positive")
RUN_KEYS = ("population", "days")  # summary keys an expression may read besides the metrics
PASS, FAIL, NOT_MEASURABLE, CALIBRATION_TARGET = "pass", "fail", "not measurable", "calibration target"

Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass(frozen=True)
class Experiment:
    kind: str
    regime: str
    overrides: dict[str, Any] = field(default_factory=dict)
    reference: str | None = None  # contrast, switch: the regime compared with
    reference_overrides: dict[str, Any] = field(default_factory=dict)
    before: str | None = None  # switch: the regime lived first
    before_days: int = 0
    parameter: str | None = None  # sweep
    values: tuple[float, ...] = ()
    days: int | None = None  # this experiment's run length (the suite's if unset)

    def describe(self) -> str:
        return self._describe() + (f", {self.days} d" if self.days is not None and self.kind != "switch" else "")

    def _describe(self) -> str:
        if self.kind == "run":
            return f"run {self.regime}"
        if self.kind == "contrast":
            changed = ", ".join(f"{k} = {v}" for k, v in self.reference_overrides.items())
            reference = f"{self.reference} with {changed}" if changed else str(self.reference)
            return f"{self.regime} − {reference} (paired)"
        if self.kind == "switch":
            ref = f" − {self.reference} throughout (paired)" if self.reference else ""
            after = f" {self.days} d" if self.days is not None else ""
            return f"{self.before} {self.before_days} d, then {self.regime}{after}{ref}"
        return f"sweep {self.parameter} over {', '.join(f'{v:g}' for v in self.values)} in {self.regime}: slope"


@dataclass(frozen=True)
class Pattern:
    id: str
    name: str
    source: str
    role: str
    quantity: str
    experiment: Experiment
    justification: str
    target: float | None = None
    tolerance: float | None = None
    direction: str | None = None
    lacks: str = ""

    def expected(self) -> str:
        if self.direction is not None:
            return f"{self.direction} (< 0)" if self.direction == "negative" else f"{self.direction} (> 0)"
        return f"{self.target:.4g} ± {self.tolerance:.4g}"

    def missing(self) -> list[str]:
        """The names the quantity reads that the model does not compute."""
        return [n for n in expression.names(self.quantity) if not known(n)]


@dataclass(frozen=True)
class National:
    """A reported national figure beside the model's, scaled: value × scale_to, where the
    quantity is per citizen (a share, or a count / population)."""

    name: str
    regime: str
    quantity: str
    reported: float
    unit: str
    source: str
    days: int | None = None  # the run's length (the suite's if unset)


@dataclass(frozen=True)
class CalibrationSpec:
    scenario: str
    free: tuple[Free, ...]
    run: dict[str, Any]
    replicates: int
    trials: int


@dataclass(frozen=True)
class Suite:
    path: str
    description: str
    run: dict[str, Any]  # population, days, replicates, seed
    quick: dict[str, Any]
    patterns: tuple[Pattern, ...]
    national: tuple[National, ...]
    calibration: CalibrationSpec | None


def known(name: str) -> bool:
    """A name the model computes: a metric, population or days, or a declared event counter."""
    if name.startswith("totals."):
        from socialcredit.engine import MECHANISMS

        return any(name.removeprefix("totals.") in m.counts for m in MECHANISMS)
    return name in KIND or name in RUN_KEYS


# ---------------------------------------------------------------- reading the file


def _fail(where: str, message: str) -> InputError:
    return InputError(f"{where}: {message}")


def _number(where: str, key: str, value: Any, *, positive: bool = False) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise _fail(where, f"key {key!r} must be a finite number")
    if positive and value <= 0:
        raise _fail(where, f"key {key!r} must be > 0")
    return float(value)


def _integer(where: str, key: str, value: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _fail(where, f"key {key!r} must be an integer in {low}..{high}")
    return value


def _text(where: str, key: str, value: Any, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"key {key!r} must be a non-empty string")
    return value.strip()


def _keys(where: str, table: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    extra = sorted(set(table) - set(allowed))
    if extra:
        raise _fail(where, f"unknown key {extra[0]!r}; allowed: {', '.join(allowed)}")


def _scenario_check(where: str, regime: Any, overrides: Any, key: str = "regime") -> tuple[str, dict[str, Any]]:
    regime = _text(where, key, regime)
    if not isinstance(overrides, dict):
        raise _fail(where, "key 'set' must be a table of parameters, e.g. set = { \"payments.grace_days\" = 30 }")
    try:
        load_scenario(regime, nest(overrides), population=10, days=1)
    except InputError as exc:
        raise _fail(where, str(exc)) from None
    return regime, dict(overrides)


def _experiment(where: str, table: Any) -> Experiment:
    if not isinstance(table, dict):
        raise _fail(where, "key 'experiment' must be a table with kind and regime")
    where = f"{where}: experiment"
    _keys(
        where,
        table,
        ("kind", "regime", "set", "reference", "reference_set", "before", "before_days", "parameter", "values", "days"),
    )
    kind = table.get("kind")
    if kind not in EXPERIMENTS:
        raise _fail(where, f"key 'kind' must be one of {', '.join(EXPERIMENTS)} (got {kind!r})")
    regime, overrides = _scenario_check(where, table.get("regime"), table.get("set", {}))
    days = _integer(where, "days", table["days"], 1, 36_500) if "days" in table else None
    reference: str | None = None
    reference_overrides: dict[str, Any] = {}
    if kind in ("contrast", "switch") and ("reference" in table or kind == "contrast"):
        reference, reference_overrides = _scenario_check(
            where, table.get("reference", regime), table.get("reference_set", {}), "reference"
        )
        if kind == "contrast" and reference == regime and reference_overrides == overrides:
            raise _fail(where, "a contrast needs a reference that differs (key 'reference' or 'reference_set')")
    before, before_days = None, 0
    if kind == "switch":
        before, _ = _scenario_check(where, table.get("before"), {}, "before")
        before_days = _integer(where, "before_days", table.get("before_days"), 1, 36_500)
    parameter: str | None = None
    values: tuple[float, ...] = ()
    if kind == "sweep":
        parameter = _text(where, "parameter", table.get("parameter"))
        raw = table.get("values")
        if not isinstance(raw, list) or len(raw) < 2:
            raise _fail(where, "key 'values' must be a list of at least two numbers")
        values = tuple(_number(where, "values", v) for v in raw)
        if len(set(values)) < 2:
            raise _fail(where, "key 'values' needs at least two different numbers")
        for value in values:
            _scenario_check(where, regime, {**overrides, parameter: value})
    for key in ("before", "before_days") if kind != "switch" else ():
        if key in table:
            raise _fail(where, f'key {key!r} belongs to kind = "switch" only')
    for key in ("parameter", "values") if kind != "sweep" else ():
        if key in table:
            raise _fail(where, f'key {key!r} belongs to kind = "sweep" only')
    return Experiment(
        str(kind), regime, overrides, reference, reference_overrides, before, before_days, parameter, values, days
    )


PATTERN_KEYS = (
    "id",
    "name",
    "source",
    "role",
    "quantity",
    "experiment",
    "target",
    "tolerance",
    "direction",
    "justification",
    "lacks",
)


def _pattern(path: Path, i: int, table: Any) -> Pattern:
    where = f"{path}: [[pattern]] {i + 1}"
    if not isinstance(table, dict):
        raise _fail(where, "must be a table")
    if isinstance(table.get("id"), str):
        where = f"{path}: [[pattern]] {table['id']!r}"
    _keys(where, table, PATTERN_KEYS)
    pid = _text(where, "id", table.get("id"))
    role = table.get("role")
    if isinstance(role, list):
        raise _fail(
            where,
            f"key 'role' must be one of {', '.join(ROLES)}, not both: a figure used to calibrate the model "
            "cannot also validate it",
        )
    if role not in ROLES:
        raise _fail(where, f"key 'role' must be one of {', '.join(ROLES)} (got {role!r})")
    quantity = _text(where, "quantity", table.get("quantity"))
    try:
        expression.parse(quantity)
    except ValueError as exc:
        raise _fail(where, f"key 'quantity': {exc}") from None
    experiment = _experiment(where, table.get("experiment"))
    direction = table.get("direction")
    has_target = "target" in table or "tolerance" in table
    if (direction is None) == (not has_target):
        raise _fail(where, "give either target and tolerance, or direction (negative or positive)")
    target = tolerance = None
    if direction is not None:
        if direction not in DIRECTIONS:
            raise _fail(where, f"key 'direction' must be one of {', '.join(DIRECTIONS)} (got {direction!r})")
    else:
        target = _number(where, "target", table.get("target"))
        tolerance = _number(where, "tolerance", table.get("tolerance"), positive=True)
    if experiment.kind == "sweep" and direction is None:
        raise _fail(where, "a sweep measures a slope: give direction (negative or positive)")
    pattern = Pattern(
        pid,
        _text(where, "name", table.get("name")),
        _text(where, "source", table.get("source")),
        str(role),
        quantity,
        experiment,
        _text(where, "justification", table.get("justification")),
        target,
        tolerance,
        direction,
        _text(where, "lacks", table.get("lacks"), required=False),
    )
    missing = pattern.missing()
    if missing and not pattern.lacks:
        raise _fail(
            where,
            f"key 'quantity': unknown metric {missing[0]!r}; allowed: the metrics of docs/model.md §8, population, "
            "days, totals.<counter>, or say what the model lacks in key 'lacks'",
        )
    return pattern


def _national(path: Path, i: int, table: Any) -> National:
    where = f"{path}: [[national]] {i + 1}"
    if not isinstance(table, dict):
        raise _fail(where, "must be a table")
    _keys(where, table, ("name", "regime", "quantity", "reported", "unit", "source", "days"))
    regime, _ = _scenario_check(where, table.get("regime"), {})
    quantity = _text(where, "quantity", table.get("quantity"))
    try:
        unknown = [n for n in expression.names(quantity) if not known(n)]
    except ValueError as exc:
        raise _fail(where, f"key 'quantity': {exc}") from None
    if unknown:
        raise _fail(where, f"key 'quantity': unknown metric {unknown[0]!r}; allowed: the metrics of docs/model.md §8")
    return National(
        _text(where, "name", table.get("name")),
        regime,
        quantity,
        _number(where, "reported", table.get("reported"), positive=True),
        _text(where, "unit", table.get("unit")),
        _text(where, "source", table.get("source")),
        _integer(where, "days", table["days"], 1, 36_500) if "days" in table else None,
    )


def _run_table(path: Path, data: dict[str, Any], key: str, defaults: dict[str, Any]) -> dict[str, Any]:
    table = data.get(key, {})
    where = f"{path}: [{key}]"
    if not isinstance(table, dict):
        raise _fail(where, "must be a table of population, days, replicates, seed")
    _keys(where, table, ("population", "days", "replicates", "seed"))
    out = dict(defaults)
    for name, (low, high) in {
        "population": (10, 10**8),
        "days": (1, 36_500),
        "replicates": (1, 100),
        "seed": (0, 2**63 - 1),
    }.items():
        if name in table:
            out[name] = _integer(where, name, table[name], low, high)
    return out


def _calibration(path: Path, data: dict[str, Any]) -> CalibrationSpec | None:
    table = data.get("calibration")
    if table is None:
        return None
    where = f"{path}: [calibration]"
    if not isinstance(table, dict):
        raise _fail(where, "must be a table with scenario, trials, [calibration.run] and [[calibration.parameter]]")
    _keys(where, table, ("scenario", "trials", "replicates", "run", "parameter"))
    scenario, _ = _scenario_check(where, table.get("scenario"), {}, "scenario")
    run = _run_table(path, {"calibration.run": table.get("run", {})}, "calibration.run", {})
    trials = _integer(where, "trials", table.get("trials", 20), 1, 100_000)
    replicates = _integer(where, "replicates", table.get("replicates", 2), 1, 100)
    params = table.get("parameter")
    if not isinstance(params, list) or not params or not all(isinstance(p, dict) for p in params):
        raise _fail(where, "needs at least one [[calibration.parameter]] table (key, low, high)")
    defaults = load_scenario(scenario).model_dump()
    free = tuple(_free(path, i, p, defaults) for i, p in enumerate(params))
    return CalibrationSpec(scenario, free, {k: v for k, v in run.items() if k in RUN_KEYS}, replicates, trials)


def read_suite(path: str | Path) -> Suite:
    """Read and check a patterns file; every problem is one line naming the file, the key and
    the allowed values (InputError)."""
    path = Path(path)
    data = read_toml(path, "patterns")
    _keys(str(path), data, ("description", "run", "quick", "calibration", "pattern", "national"))
    run = _run_table(path, data, "run", {"population": 20_000, "days": 365, "replicates": 5, "seed": 1})
    quick = _run_table(path, data, "quick", {"population": 1_500, "days": 60, "replicates": 2, "seed": 1})
    tables = data.get("pattern")
    if not isinstance(tables, list) or not tables:
        raise _fail(str(path), "needs at least one [[pattern]] table")
    patterns = tuple(_pattern(path, i, t) for i, t in enumerate(tables))
    ids = [p.id for p in patterns]
    for pid in ids:
        if ids.count(pid) > 1:
            raise _fail(
                f"{path}: [[pattern]] {pid!r}",
                "key 'id' appears twice; a pattern is listed once, with one role",
            )
    national_tables = data.get("national", [])
    if not isinstance(national_tables, list):
        raise _fail(str(path), "[[national]] must be an array of tables")
    national = tuple(_national(path, i, t) for i, t in enumerate(national_tables))
    description = data.get("description", "")
    return Suite(str(path), str(description), run, quick, patterns, national, _calibration(path, data))


# ---------------------------------------------------------------- running


@dataclass
class Outcome:
    pattern: Pattern
    verdict: str
    note: str = ""
    mean: float = math.nan
    low: float = math.nan
    high: float = math.nan
    values: list[float] = field(default_factory=list)
    scenario: str = ""  # what the regime was (the calibrated scenario if one replaced it)

    def as_dict(self) -> dict[str, Any]:
        p = self.pattern
        return {
            "id": p.id,
            "name": p.name,
            "role": p.role,
            "source": p.source,
            "quantity": p.quantity,
            "experiment": {k: v for k, v in asdict(p.experiment).items() if v not in (None, {}, (), 0)},
            "experiment_text": p.experiment.describe(),
            "expected": p.expected(),
            "target": p.target,
            "tolerance": p.tolerance,
            "direction": p.direction,
            "justification": p.justification,
            "lacks": p.lacks,
            "verdict": self.verdict,
            "note": self.note,
            "mean": self.mean,
            "low": self.low,
            "high": self.high,
            "values": self.values,
            "scenario": self.scenario,
        }


class Runner:
    """Runs each distinct simulation once per seed (patterns share runs) and returns
    (summary, totals)."""

    def __init__(self, population: int, days: int, progress: Callable[[str], None] | None = None) -> None:
        self.population, self.days = population, days
        self.cache: dict[str, tuple[dict[str, Any], dict[str, float]]] = {}
        self.progress = progress
        self.scenarios: dict[str, Any] = {}  # regime name -> a scenario object that replaces it (calibrated)

    def _source(self, regime: str) -> Any:
        return self.scenarios.get(regime, regime)

    def run(
        self, regime: str, overrides: Mapping[str, Any], days: int, seed: int, before: tuple[str, int] | None = None
    ) -> tuple[dict[str, Any], dict[str, float]]:
        from socialcredit.engine import Simulation

        key = json.dumps([regime, dict(overrides), days, seed, before], sort_keys=True, default=str)
        if key not in self.cache:
            if self.progress is not None:
                self.progress(f"{regime}{' after ' + before[0] if before else ''}, seed {seed}")
            nested = nest(dict(overrides))
            if before is None:
                sim = Simulation(
                    self._source(regime), population=self.population, days=days, seed=seed, overrides=nested
                )
            else:
                donor = Simulation(self._source(before[0]), population=self.population, days=before[1], seed=seed)
                donor.run()
                sim = Simulation(
                    self._source(regime), population=self.population, days=before[1] + days, seed=seed, overrides=nested
                )
                sim.continue_from(donor)
            results = sim.run()
            self.cache[key] = (results.summary, dict(results.totals))
        return self.cache[key]

    def quantity(self, pattern: Pattern, seed: int) -> float:
        e, q = pattern.experiment, pattern.quantity
        days = e.days or self.days
        if e.kind == "run":
            return measure(q, *self.run(e.regime, e.overrides, days, seed))
        if e.kind == "contrast":
            assert e.reference is not None
            a = measure(q, *self.run(e.regime, e.overrides, days, seed))
            return a - measure(q, *self.run(e.reference, e.reference_overrides, days, seed))
        if e.kind == "switch":
            assert e.before is not None
            value = measure(q, *self.run(e.regime, e.overrides, days, seed, (e.before, e.before_days)))
            if e.reference is None:
                return value
            return value - measure(q, *self.run(e.reference, e.reference_overrides, e.before_days + days, seed))
        assert e.parameter is not None
        ys = [measure(q, *self.run(e.regime, {**e.overrides, e.parameter: v}, days, seed)) for v in e.values]
        if any(math.isnan(y) for y in ys):
            return math.nan
        return float(np.polyfit(np.array(e.values), np.array(ys), 1)[0])


def quick_pattern(pattern: Pattern, days: int) -> Pattern:
    """The pattern at the quick size: every run length the quick days (a switch: half before, half after)."""
    e = pattern.experiment
    if e.kind == "switch":
        half = max(days // 2, 1)
        e = Experiment(**{**asdict(e), "days": half, "before_days": half, "values": e.values})
    elif e.days is not None:
        e = Experiment(**{**asdict(e), "days": None, "values": e.values})
    return Pattern(**{**asdict(pattern), "experiment": e})


def judge(pattern: Pattern, values: list[float]) -> Outcome:
    """The verdict on one measured pattern."""
    arr = np.array(values, dtype=np.float64)
    if np.isnan(arr).any():
        return Outcome(
            pattern,
            NOT_MEASURABLE,
            "the quantity is undefined (NaN) in some run, e.g. a ratio of zero counts",
            values=values,
        )
    mean, low, high = interval(arr)
    out = Outcome(pattern, FAIL, "", mean, low, high, values)
    if pattern.direction is not None:
        side = (high < 0) if pattern.direction == "negative" else (low > 0)
        right_sign = (mean < 0) if pattern.direction == "negative" else (mean > 0)
        out.verdict = PASS if side else FAIL
        if not side:
            out.note = (
                "the 95% CI includes 0" if right_sign else f"measured {'positive' if mean > 0 else 'non-negative'}"
            )
            if pattern.direction == "positive" and not right_sign:
                out.note = "measured negative or zero"
        return out
    assert pattern.target is not None and pattern.tolerance is not None
    inside = abs(mean - pattern.target) <= pattern.tolerance
    out.verdict = PASS if inside else FAIL
    if not inside and pattern.target:
        out.note = f"measured/target = {mean / pattern.target:.3g}"
    return out


@dataclass
class Validation:
    suite: Suite
    outcomes: list[Outcome]
    options: dict[str, Any]
    national: list[dict[str, Any]] = field(default_factory=list)
    calibration: dict[str, Any] | None = None
    calibrated_toml: str | None = None
    calibration_folder: Path | None = None  # the study, moved into the output folder by save()

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for o in self.outcomes:
            row = out.setdefault(o.pattern.role, {})
            row[o.verdict] = row.get(o.verdict, 0) + 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "patterns_file": self.suite.path,
            "options": self.options,
            "counts": self.counts(),
            "patterns": [o.as_dict() for o in self.outcomes],
            "national": self.national,
            "calibration": self.calibration,
        }

    def save(self, out: str | Path, overwrite: bool = False) -> Path:
        """validation.md, validation.json, figures/validation.png, manifest.json (and with
        --calibrate calibrated.toml, calibration/), atomically: a killed validate leaves
        nothing at `out`."""
        from socialcredit import __version__
        from socialcredit.report import save_validation_figure
        from socialcredit.results import atomic_dir, json_clean

        with atomic_dir(out, "validate", overwrite) as tmp:
            if self.calibration is not None:
                if self.calibration_folder is not None and self.calibration_folder.is_dir():
                    self.calibration_folder.rename(tmp / "calibration")
                (tmp / "calibrated.toml").write_text(self.calibrated_toml or "", encoding="utf-8")
            (tmp / "validation.json").write_text(json.dumps(json_clean(self.as_dict()), indent=2) + "\n")
            (tmp / "validation.md").write_text(markdown(self), encoding="utf-8")
            save_validation_figure(self, tmp / "figures" / "validation.png")
            manifest = {
                "socialcredit_version": __version__,
                "kind": "validate",
                "options": self.options,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "files": [
                    "validation.md",
                    "validation.json",
                    "figures/validation.png",
                    *(["calibrated.toml", "calibration/"] if self.calibration is not None else []),
                    "manifest.json",
                ],
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        return Path(out)


def _calibrate(
    suite: Suite, folder: Path, trials: int | None, seed: int, quick: bool, progress: Callable[[int, int], None] | None
) -> tuple[dict[str, Any], Any, str, set[str]]:
    """Fit the free parameters to the calibration patterns that are runs of the calibration
    scenario (experiments.calibrate); the held-out patterns are never seen. Returns the
    calibration result, the calibrated scenario, its TOML, and the ids used."""
    from socialcredit.experiments.calibrate import calibrate

    spec = suite.calibration
    if spec is None:
        raise InputError(f"{suite.path}: --calibrate needs a [calibration] table (scenario, [[calibration.parameter]])")
    used = [
        p
        for p in suite.patterns
        if p.role == "calibration"
        and p.experiment.kind == "run"
        and p.experiment.regime == spec.scenario
        and not p.experiment.overrides
        and p.target is not None
        and not p.missing()
    ]
    size = suite.quick if quick else {**suite.run, **spec.run}
    run = {"population": size["population"], "days": size["days"]}
    if not quick:  # a target is fitted on the run length it is measured on
        used = [p for p in used if (p.experiment.days or suite.run["days"]) == run["days"]]
    if not used:
        raise InputError(
            f"{suite.path}: --calibrate: no calibration pattern is a plain run of {spec.scenario!r} over "
            f"[calibration.run] days = {run['days']}; allowed: such a pattern, or another [calibration] scenario"
        )
    plan = Plan(
        spec.scenario,
        run,
        suite.quick["replicates"] if quick else spec.replicates,
        seed,
        tuple(Target(p.quantity, float(p.target), float(p.tolerance), p.source) for p in used),  # type: ignore[arg-type]
        spec.free,
        f"{suite.path} (validate --calibrate)",
    )
    result = calibrate(plan, folder, trials or (3 if quick else spec.trials), progress=progress)
    text = (folder / "best.toml").read_text(encoding="utf-8")
    scenario = load_scenario(spec.scenario, nest(result["best"]["params"]))
    return result, scenario, text, {p.id for p in used}


def validate(
    suite: Suite,
    *,
    quick: bool = False,
    population: int | None = None,
    days: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    calibrate: bool = False,
    trials: int | None = None,
    calibration_folder: Path | None = None,
    scale_to: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> Validation:
    """Measure every pattern of the suite (calibrating first with `calibrate`); see the module text."""
    size = dict(suite.quick if quick else suite.run)
    for key, value in (("population", population), ("days", days), ("replicates", replicates), ("seed", seed)):
        if value is not None:
            size[key] = value
    seeds = [size["seed"] + r for r in range(size["replicates"])]
    options = {
        "patterns": suite.path,
        "quick": quick,
        **size,
        "calibrate": calibrate,
        "trials": trials,
        "scale_to": scale_to,
    }
    runner = Runner(size["population"], size["days"], progress)
    calibration: dict[str, Any] | None = None
    calibrated_toml: str | None = None
    used: set[str] = set()
    if calibrate:
        assert calibration_folder is not None
        calibration, scenario, calibrated_toml, used = _calibrate(
            suite, calibration_folder, trials, size["seed"], quick, None
        )
        assert suite.calibration is not None
        runner.scenarios[suite.calibration.scenario] = scenario
        calibration["used_patterns"] = sorted(used)
    outcomes = []
    for pattern in suite.patterns:
        measured = quick_pattern(pattern, size["days"]) if quick else pattern
        regime = pattern.experiment.regime
        shown = f"{regime} (calibrated)" if regime in runner.scenarios else regime
        missing = pattern.missing()
        if missing:
            outcomes.append(Outcome(pattern, NOT_MEASURABLE, f"the model lacks {pattern.lacks}", scenario=shown))
            continue
        outcome = judge(pattern, [runner.quantity(measured, s) for s in seeds])
        outcome.scenario = shown
        if pattern.id in used:
            outcome.verdict, outcome.note = CALIBRATION_TARGET, "calibration target, not validation"
        elif calibrate and pattern.role == "calibration":
            fitted = "not fitted by --calibrate (another regime, experiment or run length)"
            outcome.note = f"{outcome.note}; {fitted}" if outcome.note else fitted
        outcomes.append(outcome)
    national = []
    if scale_to:
        for item in suite.national:
            item_days = size["days"] if quick else (item.days or size["days"])
            values = [measure(item.quantity, *runner.run(item.regime, {}, item_days, s)) for s in seeds]
            mean, low, high = interval(np.array(values))
            national.append(
                {
                    **asdict(item),
                    "scenario": f"{item.regime} (calibrated)" if item.regime in runner.scenarios else item.regime,
                    "scaled": mean * scale_to,
                    "low": low * scale_to,
                    "high": high * scale_to,
                    "ratio": mean * scale_to / item.reported,
                }
            )
    return Validation(suite, outcomes, options, national, calibration, calibrated_toml, calibration_folder)


# ---------------------------------------------------------------- the report


def fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g} M"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def measured_text(o: Outcome) -> str:
    if math.isnan(o.mean):
        return "–"
    if math.isnan(o.low):
        return fmt(o.mean)
    return f"{fmt(o.mean)} [{fmt(o.low)}, {fmt(o.high)}]"


def verdict_text(o: Outcome) -> str:
    if o.verdict == NOT_MEASURABLE:
        return f"not measurable: {o.note}"
    if o.verdict == CALIBRATION_TARGET:
        return "calibration target, not validation"
    return o.verdict + (f" ({o.note})" if o.note else "")


def table_rows(v: Validation) -> list[list[str]]:
    return [
        [
            o.pattern.id,
            o.pattern.role.replace("_", "-"),
            o.pattern.experiment.describe() + (" (calibrated)" if o.scenario.endswith("(calibrated)") else ""),
            f"`{o.pattern.quantity}`",
            o.pattern.expected(),
            measured_text(o),
            verdict_text(o),
        ]
        for o in v.outcomes
    ]


HEADER = ["pattern", "role", "experiment", "quantity", "expected", "measured (95% CI)", "verdict"]


def markdown_table(v: Validation) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(v)]
    return "\n".join(lines) + "\n"


def command(options: dict[str, Any]) -> str:
    parts = ["socialcredit validate"]
    if options.get("quick"):
        parts.append("--quick")
    for key in ("population", "days", "replicates", "seed"):
        parts.append(f"--{key} {options[key]}")
    if options.get("calibrate"):
        parts.append("--calibrate" + (f" --trials {options['trials']}" if options.get("trials") else ""))
    if options.get("scale_to"):
        parts.append(f"--scale-to {options['scale_to']:.0f}")
    return " ".join(parts)


def markdown(v: Validation) -> str:
    opts = v.options
    n = opts["replicates"]
    held = v.counts().get("held_out", {})
    lines = [
        "# Validation against the evidence",
        "",
        f"Patterns: `{v.suite.path}`. Command: `{command(opts)}`.",
        f"{opts['population']:,} citizens, {opts['days']} days (unless the experiment says otherwise), "
        f"{n} seed{'s' if n != 1 else ''} from {opts['seed']}; the measured value is the mean over the seeds with its "
        "95% Student-t interval. A target passes when the mean lies within target ± tolerance; a direction when "
        "the whole interval lies on its side of zero.",
        "",
        f"Held out: {held.get(PASS, 0)} pass, {held.get(FAIL, 0)} fail, {held.get(NOT_MEASURABLE, 0)} not measurable. "
        "Calibration patterns are figures the free parameters may be fitted to: "
        + (
            "with --calibrate they are reported as calibration targets, not validation."
            if opts.get("calibrate")
            else "here the regimes are as shipped, not fitted to them."
        ),
        "",
        markdown_table(v),
        "## Patterns, sources and tolerances",
        "",
    ]
    for o in v.outcomes:
        p = o.pattern
        lines.append(f"- **{p.id}** ({p.name}; {p.role.replace('_', '-')}). Source: {p.source}. {p.justification}")
    if v.national:
        scale = opts["scale_to"]
        lines += [
            "",
            f"## National figures, scaled to {scale:,.0f}",
            "",
            "Per-citizen quantities × the population; the time bases differ where the unit says so.",
            "",
            "| figure | model scaled (95% CI) | reported | unit | model/reported | source |",
            "|---|---|---|---|---|---|",
        ]
        for item in v.national:
            lines.append(
                f"| {item['name']} ({item['scenario']}) | {fmt(item['scaled'])} [{fmt(item['low'])}, {fmt(item['high'])}]"
                f" | {fmt(item['reported'])} | {item['unit']} | {item['ratio']:.3g} | {item['source']} |"
            )
    if v.calibration is not None:
        best = v.calibration["best"]
        lines += [
            "",
            "## Calibration",
            "",
            f"Fitted on {', '.join(v.calibration['used_patterns'])} only ({v.calibration['trials']} trials, distance "
            f"{best['distance']:.4g}); the calibrated scenario is `calibrated.toml`.",
            "",
        ]
        lines += [f"- `{k}` = {val:.6g}" for k, val in best["params"].items()]
    lines += ["", "Figure: `figures/validation.png` (one panel per pattern: target band against measurement).", ""]
    return "\n".join(lines)
