"""The dashboard's logic, without a browser: settings checked by the scenario schema, runs
built and stepped in a background thread, snapshots for the page, the inspector, the export.

Kept apart from the Panel page (`dashboard.app`) so it is tested by plain calls, and so the
page only ever reads finished snapshots: a slow day never blocks it.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

import numba
import numpy as np

from socialcredit import resources
from socialcredit.engine import STATE_TABLE, Simulation
from socialcredit.errors import InputError
from socialcredit.mechanisms import MECHANISMS
from socialcredit.record import Cause, Factor, ListKind
from socialcredit.reputation import Strategy
from socialcredit.results import Results
from socialcredit.scenario import RunParams, Scenario, allowed_values, field_info, load_scenario, parse_set
from socialcredit.society.population import RELATIONS, TRUST_UNIT

MAX_REGIMES = 4
# The parameters the page offers (their kinds, bounds and meanings come from the schema).
FIELDS = (
    "appeals.enabled",
    "posts.false_positive_rate",
    "population.opportunism_mean",
    "reports.report_rate",
    "lists.score_blacklist_below",
    "population.strategy_mix.discriminator",
    "population.strategy_mix.cooperator",
    "population.strategy_mix.defector",
)
# What the inspector shows of a citizen, by state name (each state's own doc says what it is).
TRAITS = (
    "income",
    "income_rank",
    "hukou",
    "conscientiousness",
    "free_rider",
    "health_hazard",
    "posting_rate",
    "critical_share",
    "opportunism",
    "strategy",
    "household",
    "work_unit",
    "class_label",
)
LISTING = (
    "score",
    "blacklisted",
    "list_kind",
    "list_cause",
    "listed_day",
    "publicly_shamed",
    "ever_blacklisted",
    "redlisted",
    "appeal_decision_day",
    "protected_until",
)
EVENTS = (
    "last_penalty_cause",
    "shortfall_cause",
    "debt",
    "debt_since",
    "debt_cause",
    "court_default",
    "hospital_until",
    "hardship_until",
    "hardship_from_health",
    "posts_flagged_recent",
    "reported_recent",
    "sanctions_suffered",
    "perceived_risk",
    "speech_kept",
)
ENUMS: dict[str, type[IntEnum]] = {
    "list_cause": Cause,
    "last_penalty_cause": Cause,
    "debt_cause": Cause,
    "shortfall_cause": Cause,
    "list_kind": ListKind,
    "strategy": Strategy,
}
NEIGHBOURS = 40  # citizens drawn around the inspected one
BINS = 50  # of the score histogram
PUBLISH_EVERY = 0.15  # seconds: about the page's frame period, so each frame has news


@dataclass(frozen=True)
class FieldSpec:
    """One input of the page, described by the schema: its kind, whether unset is allowed, what it accepts."""

    path: str
    kind: str  # "bool", "int" or "float"
    optional: bool
    description: str
    accepts: str

    @classmethod
    def of(cls, path: str) -> FieldSpec:
        info = field_info(path.split("."))
        if info is None:
            raise ValueError(f"{path}: not a scenario key")
        annotation = str(info.annotation)
        kind = next(k for k in ("bool", "int", "float") if k in annotation)
        description = info.description or ""
        section, _, key = path.rpartition(".")
        if not description and key == "enabled":  # a switch: say what the mechanism stands for
            claims = {m.name: m.claim for m in MECHANISMS}
            description = f"{section} on: {claims.get(section, '')}".strip()
        return cls(path, kind, "None" in annotation, description, allowed_values(path.split(".")))


def toml_literal(value: Any) -> str:
    """A value as the TOML literal `--set` takes (so the page's errors are the CLI's, word for word)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


@dataclass(frozen=True)
class Settings:
    """What the page asks for: regimes side by side on one population and seed, parameter values
    (None: each regime's own), and fixed `--set` overrides from the command line."""

    regimes: tuple[str, ...] = ("scs", "none")
    population: int | None = RunParams.model_fields["population"].default  # None: the scenario's
    seed: int | None = RunParams.model_fields["seed"].default
    days: int | None = RunParams.model_fields["days"].default
    values: Mapping[str, Any] = field(default_factory=dict)
    fixed: tuple[str, ...] = ()

    @classmethod
    def from_command_line(
        cls, regimes: list[str] | None, population: int | None, seed: int | None, days: int | None, sets: list[str]
    ) -> Settings:
        """`socialcredit dashboard`'s options: a `--set` of a shown field fills that field, the others stay fixed."""
        start = cls()
        values: dict[str, Any] = {}
        fixed = []
        for item in sets:
            key = item.partition("=")[0].strip()
            if key in FIELDS:
                node: Any = parse_set([item])
                for part in key.split("."):
                    node = node[part]
                values[key] = node
            else:
                fixed.append(item)
        return cls(
            regimes=tuple(regimes or start.regimes),
            population=start.population if population is None else population,
            seed=start.seed if seed is None else seed,
            days=start.days if days is None else days,
            values=values,
            fixed=tuple(fixed),
        )

    def overrides(self) -> list[str]:
        return [*self.fixed, *(f"{k}={toml_literal(v)}" for k, v in self.values.items() if v is not None)]

    def scenarios(self) -> dict[str, Scenario]:
        """Each regime's scenario; bad input raises the CLI's one-line InputError."""
        if not 1 <= len(self.regimes) <= MAX_REGIMES:
            raise InputError(f"regimes: pick 1 to {MAX_REGIMES} (got {len(self.regimes)})")
        if len(set(self.regimes)) != len(self.regimes):
            raise InputError(f"regimes: each at most once (got {', '.join(self.regimes)})")
        run = {"population": self.population, "seed": self.seed, "days": self.days}
        scenarios = {r: load_scenario(r, self.overrides(), **run) for r in self.regimes}
        biggest = max(scenarios.values(), key=resources.estimate_bytes)
        resources.check(biggest, "dashboard", copies=len(scenarios))  # the server must not run out of memory
        return scenarios

    def command(self, regime: str) -> str:
        """The CLI command that runs the same scenario (shown on the page)."""
        run = (("-n", self.population), ("-s", self.seed), ("-d", self.days))
        flags = "".join(f" {flag} {value}" for flag, value in run if value is not None)
        return f"socialcredit run {regime}{flags}" + "".join(f" --set {o}" for o in self.overrides())


def neighbourhood(sim: Simulation, focus: int, limit: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up to `limit` citizens around `focus` (its ties, then theirs) and the ties among them.

    Returns (citizens, entries, ends): entries index the network's arrays, so a regime's cut
    ties (`active`) can be read for the same drawing; ends (k, 2) are each tie's two citizens
    as positions in `citizens`. The same seed gives every regime this layout.
    """
    net = sim.network
    chosen = [focus]
    position = {focus: 0}
    for citizen in chosen:
        for other in net.indices[net.indptr[citizen] : net.indptr[citizen + 1]]:
            if len(chosen) >= limit:
                break
            if int(other) not in position:
                position[int(other)] = len(chosen)
                chosen.append(int(other))
        if len(chosen) >= limit:
            break
    entries, ends = [], []
    for i in chosen:
        for e in range(net.indptr[i], net.indptr[i + 1]):
            j = int(net.indices[e])
            if j in position and i < j:
                entries.append(e)
                ends.append((position[i], position[j]))
    return (
        np.array(chosen, dtype=np.int64),
        np.array(entries, dtype=np.int64),
        np.array(ends, dtype=np.int64).reshape(-1, 2),
    )


def layout(count: int) -> tuple[np.ndarray, np.ndarray]:
    """The inspected citizen in the middle, the others on a spiral around it."""
    k = np.arange(count, dtype=np.float64)
    radius = np.sqrt(k)
    angle = k * 2.399963  # the golden angle: evenly spread, no overlap
    return radius * np.cos(angle), radius * np.sin(angle)


_NO_HOOD = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros((0, 2), dtype=np.int64))


@dataclass(frozen=True)
class Snapshot:
    """What the page draws, copied from the runs by the worker between days."""

    version: int  # a new build starts a new version: the page resets its charts
    day: int
    days: int
    rows: dict[str, list[dict[str, float]]]
    summaries: dict[str, dict[str, Any]]  # so far: what `Simulation.run(until=day).summary` gives
    histograms: dict[str, np.ndarray]
    edges: np.ndarray  # the histograms' bin edges
    totals: dict[str, dict[str, float]]
    listed: dict[str, np.ndarray]  # per regime: the neighbourhood's citizens blacklisted now
    shamed: dict[str, np.ndarray]
    active: dict[str, np.ndarray]  # per regime: the neighbourhood's ties still uncut
    focus: int
    inspected: dict[str, list[tuple[str, str, str, str]]]  # the inspector's rows of `focus`, per regime
    citizens: np.ndarray
    entries: np.ndarray
    ends: np.ndarray  # (k, 2) positions in `citizens` of each drawn tie's two ends


def describe(name: str, value: Any) -> str:
    if name in ENUMS:
        return ENUMS[name](int(value)).name.lower()
    if name == "hukou":
        return "rural" if value else "urban"
    if isinstance(value, np.bool_ | bool):
        return "yes" if value else "no"
    if isinstance(value, np.floating | float):
        return "–" if math.isnan(value) else f"{float(value):.4g}"
    return str(value)


class Session:
    """The runs of one page, built and stepped one task at a time on a background thread.

    `apply`, `step`, `play`, `pause`, `reset` return at once; `snapshot` is the latest picture;
    `wait()` blocks until queued work is done (for tests and the export).
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.sims: dict[str, Simulation] = {}
        self.lock = threading.Lock()  # held for one day of one run, or one read of a run
        self.worker = ThreadPoolExecutor(1, thread_name_prefix="socialcredit-dashboard", initializer=_spare_a_core)
        self.playing = False
        self.focus = 0
        self.version = 0
        self.error = ""  # a failure in the background, as one line
        self.snapshot: Snapshot | None = None
        self._hood: tuple[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = ((-1, -1), _NO_HOOD)
        self.stepped = 0.0  # citizen-days stepped, and the seconds it took (the step rate)
        self.stepping_seconds = 0.0
        self.days_stepped = 0

    # --- commands from the page -------------------------------------------------------

    def check(self, settings: Settings) -> str:
        """The one-line error these settings give (as `socialcredit` prints it), or ""."""
        try:
            settings.scenarios()
        except InputError as exc:
            return f"error: {exc}"
        return ""

    def apply(self, settings: Settings) -> str:
        """Rebuild the runs under new settings in the background; return the error instead if they are bad."""
        message = self.check(settings)
        if not message:
            self.playing = False
            self.settings = settings
            self._submit(self._build)
        return message

    def reset(self) -> str:
        return self.apply(self.settings)

    def step(self) -> None:
        """One recording interval (run.record_every days) of every run."""
        self._submit(self._advance)

    def play(self) -> None:
        if not self.playing:
            self.playing = True
            self._submit(self._play)

    def pause(self) -> None:
        self.playing = False

    def inspect(self, citizen: int) -> None:
        """Focus the inspector and the network view on a citizen (shown with the next snapshot)."""
        self.check_citizen(citizen)
        self.focus = citizen
        if not self.playing:  # else the next days bring it
            self._submit(self._publish)

    def wait(self) -> None:
        self._submit(lambda: None).result()

    def close(self) -> None:
        self.playing = False
        self.worker.shutdown(wait=False, cancel_futures=True)

    # --- reads ------------------------------------------------------------------------

    @property
    def day(self) -> int:
        return min((s.day for s in self.sims.values()), default=0)

    @property
    def done(self) -> bool:
        return bool(self.sims) and all(s.day >= s.days for s in self.sims.values())

    def step_rate(self) -> tuple[float, float]:
        """(simulated days a second of every run together, citizen-days a second) since the build."""
        if not self.stepping_seconds:
            return 0.0, 0.0
        return self.days_stepped / self.stepping_seconds, self.stepped / self.stepping_seconds

    def _rows(self, citizen: int) -> dict[str, list[tuple[str, str, str, str]]]:
        """Per regime, the rows (section, state, value, meaning) the inspector shows of one citizen."""
        out: dict[str, list[tuple[str, str, str, str]]] = {}
        for regime, sim in self.sims.items():
            self.check_citizen(citizen)
            people = sim.people
            rows = []
            for section, names in (("trait", TRAITS), ("listing", LISTING), ("record", EVENTS)):
                for name in names:
                    rows.append((section, name, describe(name, getattr(people, name)[citizen]), _doc(name)))
            for relation, level in zip(RELATIONS, people.trust[:, citizen] / np.float32(TRUST_UNIT), strict=True):
                rows.append(("trust", relation, describe("trust", level), "trust in the relation, in [0, 1]"))
            for factor in Factor:
                value = describe("factor", people.factors[factor, citizen])
                rows.append(("score factor", factor.name.lower(), value, "in [0, 1]; 1 is best"))
            net = sim.network
            ties = net.active[net.indptr[citizen] : net.indptr[citizen + 1]]
            rows.append(("network", "ties", f"{int(ties.sum())} of {ties.shape[0]}", "active of all (others cut)"))
            out[regime] = rows
        return out

    def check_citizen(self, citizen: int) -> None:
        n = min((s.people.n for s in self.sims.values()), default=0)
        if not 0 <= citizen < n:
            raise InputError(f"citizen {citizen} does not exist; allowed: 0 to {n - 1}")

    def export(self, base: str | Path) -> Future:
        """Pause, then write each run as it stands as a run folder under `base` (the format
        `socialcredit run` writes, via Results.save; the scenario says the days run, so it reruns
        to the same summary). The future gives the folders, or the one-line InputError."""
        from socialcredit.cli.run import default_folder

        def write() -> list[Path]:
            with self.lock:
                done = [results_so_far(sim) for sim in self.sims.values()]
            return [r.save(Path(base) / default_folder(r.scenario).name, overwrite=True) for r in done]

        self.pause()
        return self.worker.submit(write)

    # --- the background work ----------------------------------------------------------

    def _submit(self, task: Any) -> Future:
        def guarded() -> None:
            try:
                task()
            except Exception as exc:  # the page shows it; the server lives on
                self.playing = False
                self.error = f"error: {exc}".splitlines()[0]

        return self.worker.submit(guarded)

    def _build(self) -> None:
        self.error = ""
        with self.lock:
            self.sims = {}  # the old runs go before the new are built: never both in memory
        scenarios = self.settings.scenarios()
        sims = {regime: Simulation(scenario) for regime, scenario in scenarios.items()}
        with self.lock:
            self.sims = sims
            self.version += 1
            self.stepped = self.stepping_seconds = 0.0
            self.days_stepped = 0
            first = next(iter(sims.values()))
            self.focus = min(self.focus, first.people.n - 1)
        self._publish()

    def _advance(self) -> None:
        """One recording interval of every run, day by day; the page gets a snapshot at least every
        PUBLISH_EVERY seconds (and at once after a new citizen is picked), not only per interval."""
        sims = list(self.sims.values())
        started = published = time.perf_counter()
        every = sims[0].scenario.run.record_every if sims else 1
        for _ in range(every):
            for sim in sims:
                if sim.day < sim.days:
                    with self.lock:
                        sim.step()
                    self.stepped += sim.people.n
                if self.snapshot is not None and self.snapshot.focus != self.focus:
                    self._publish()  # a citizen was picked: show it now, not after the other runs' day
            self.days_stepped += 1
            now = time.perf_counter()
            if now - published >= PUBLISH_EVERY:
                self._publish()
                published = now
        self._publish()
        self.stepping_seconds += time.perf_counter() - started

    def _play(self) -> None:
        while self.playing and not self.done:
            self._advance()
        self.playing = False

    def _publish(self) -> None:
        if not self.sims:
            return
        with self.lock:
            first = next(iter(self.sims.values()))
            if self._hood[0] != (self.version, self.focus):  # a hub's ties are many: walk them once
                self._hood = ((self.version, self.focus), neighbourhood(first, self.focus))
            citizens, entries, ends = self._hood[1]
            scores = {r: s.people.score[~np.isnan(s.people.score)] for r, s in self.sims.items()}
            low = min((float(s.scenario.score.low) for s in self.sims.values()), default=0.0)
            high = max((float(s.scenario.score.high) for s in self.sims.values()), default=1.0)
            edges = np.linspace(low, high, BINS + 1)
            self.snapshot = Snapshot(
                version=self.version,
                day=self.day,
                days=first.days,
                rows={r: list(s.recorder.rows) for r, s in self.sims.items()},
                summaries={r: s.recorder.summary() for r, s in self.sims.items()},
                histograms={r: np.histogram(v, bins=edges)[0] / max(v.shape[0], 1) for r, v in scores.items()},
                edges=edges,
                totals={r: dict(s.totals) for r, s in self.sims.items()},
                listed={r: s.people.blacklisted[citizens].copy() for r, s in self.sims.items()},
                shamed={r: s.people.publicly_shamed[citizens].copy() for r, s in self.sims.items()},
                active={r: s.network.active[entries].copy() for r, s in self.sims.items()},
                focus=self.focus,
                inspected=self._rows(self.focus),
                citizens=citizens,
                entries=entries,
                ends=ends,
            )


def _spare_a_core() -> None:
    """The runs' kernels leave one core to the server and the browser (results do not depend
    on the thread count, `draws`): with every core stepping, the page waited seconds for a frame."""
    numba.set_num_threads(max(1, numba.get_num_threads() - 1))


def _doc(name: str) -> str:
    return STATE_TABLE[name][1].doc


def results_so_far(sim: Simulation) -> Results:
    """The results of a run up to today, as a finished run of that many days (what its
    scenario, with run.days set to today, gives when run again)."""
    if sim.day == 0:
        raise InputError("export: step at least one day first")
    scenario = sim.scenario.model_copy(update={"run": sim.scenario.run.model_copy(update={"days": sim.day})})
    return dataclasses.replace(sim.results, scenario=scenario, finished=True)
