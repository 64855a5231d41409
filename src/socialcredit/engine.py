"""The daily loop: mechanisms in order over declared states, common random numbers per decision,
metrics every k days."""

from __future__ import annotations

import copy
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numba
import numpy as np
from pydantic import BaseModel

from socialcredit import draws, metrics, record
from socialcredit.core import Mechanism, StateSpec, code
from socialcredit.errors import InputError
from socialcredit.mechanisms import MECHANISMS
from socialcredit.results import Results
from socialcredit.scenario import Scenario, load_scenario
from socialcredit.society import network as netmod
from socialcredit.society import population as popmod
from socialcredit.society.people import People

ONE_THREAD_BELOW = 16_384  # citizens: below this a day runs faster on one thread (measured, docs/performance.md)
M = TypeVar("M", bound=Mechanism)


def owners(mechanisms: tuple[type[Mechanism], ...] = MECHANISMS) -> dict[str, tuple[str, StateSpec]]:
    """Every declared state: name -> (owner, spec); the owner is `population`, `record` or a mechanism."""
    out: dict[str, tuple[str, StateSpec]] = {}
    for owner, specs in (
        ("population", popmod.STATES),
        ("record", record.STATES),
        *((m.name, m.states) for m in mechanisms),
    ):
        for spec in specs:
            if spec.name in out:
                raise ValueError(f"state {spec.name!r} is declared by both {out[spec.name][0]} and {owner}")
            out[spec.name] = (owner, spec)
    return out


def check_declarations(mechanisms: tuple[type[Mechanism], ...] = MECHANISMS) -> dict[str, tuple[str, StateSpec]]:
    """Fail on any read or write of an undeclared state, any undeclared signal, any counter
    declared twice or read by the metrics without a declaration; return the state table."""
    table = owners(mechanisms)
    published = {s for m in mechanisms for s in m.publishes}
    counters: dict[str, str] = {}
    for m in mechanisms:
        for name in (*m.reads, *m.writes):
            if name not in table:
                raise ValueError(f"{m.name} declares {name!r}, which no component declares as a state")
            if table[name][0] == m.name:
                raise ValueError(f"{m.name} declares its own state {name!r} in reads or writes")
        for name in m.signals:
            if name not in published:
                raise ValueError(f"{m.name} uses signal {name!r}, which no mechanism publishes")
        for key in m.counts:
            if key in counters:
                raise ValueError(f"counter {key!r} is declared by both {counters[key]} and {m.name}")
            counters[key] = m.name
    missing = sorted(set(metrics.COUNTERS_READ) - set(counters))
    if missing:
        raise ValueError(f"metrics read undeclared counters: {', '.join(missing)}")
    return table


STATE_TABLE = check_declarations()  # at import: a bad declaration fails before any run


class Simulation:
    """One society under one scenario, stepped a day at a time.

    `Simulation("scs", population=10_000, days=365, seed=1).run()` returns Results; `step()`
    and `run(until=day)` let a caller pause, inspect `sim.people` and go on.
    """

    def __init__(
        self,
        scenario: BaseModel | str | Path | None = None,
        *,
        population: int | None = None,
        days: int | None = None,
        seed: int | None = None,
        overrides: Iterable[str] | Mapping[str, Any] = (),
    ) -> None:
        self.scenario: Scenario = load_scenario(scenario, overrides, population=population, days=days, seed=seed)
        scenario = self.scenario
        self.seed = scenario.run.seed
        self.days = scenario.run.days
        self.timings: dict[str, float] = defaultdict(float)
        started = time.perf_counter()

        loaded_ids = None
        if scenario.network.edge_list:
            network, loaded_ids = netmod.load_edge_list(scenario.network.edge_list)
            n = network.n
        else:
            n = scenario.run.population
        self.people = People(n)
        self.people.allocate(popmod.STATES)
        self.people.allocate(record.STATES)
        for mechanism in MECHANISMS:
            self.people.allocate(s for s in mechanism.states if s.per == "citizen")
        popmod.synthesize(self.people, scenario.population, lambda trait: self.stream("population", trait))
        if loaded_ids is None:
            people, district = self.people, scenario.population.district_size
            network = netmod.generate(
                scenario.network, people.household, people.work_unit, self.stream("network"), district
            )
        self.network = network
        self.signals = netmod.Signals(network)
        self.node_ids = loaded_ids  # a loaded edge list's original id of each citizen
        self.timings["build"] = time.perf_counter() - started

        self.mechanisms: dict[str, Mechanism] = {m.name: m(self, getattr(scenario, m.name)) for m in MECHANISMS}
        for m in self.mechanisms.values():
            on = m.params.enabled
            ties = [s for s in m.states if s.per == "tie"]
            self.network.states.allocate((s for s in ties if on and m.needed(s)), None)
            self.network.states.allocate((s for s in ties if not (on and m.needed(s))), 0)
            self._bind(m)
        self.active = [m for m in self.mechanisms.values() if m.params.enabled]
        for m in self.active:
            m.init()

        self.day = 0
        self.totals: dict[str, float] = {key: 0.0 for m in MECHANISMS for key in m.counts}
        self.recorder = metrics.Recorder(self)
        self.recorder.record()

    def _bind(self, m: Mechanism) -> None:
        """Give a mechanism its views: its own states and its declared writes writable, its reads read-only."""
        per = {name: STATE_TABLE[name][1].per for name in (*(s.name for s in m.states), *m.reads, *m.writes)}
        own = [s.name for s in m.states]
        for kind, states, attr in (("citizen", self.people, "people"), ("tie", self.network.states, "ties")):
            writable = [name for name in (*own, *m.writes) if per[name] == kind]
            readable = [name for name in m.reads if per[name] == kind and name not in m.writes]
            setattr(m, attr, states.view(writable, readable))

    def continue_from(self, donor: Simulation) -> None:
        """Take over the state a burn-in `donor` (same seed and population) reached.

        Copies the traits and trust, each shared record state whose keeper both ran, the
        per-citizen and per-tie states and the logs of every mechanism both ran (a record
        copied to a mechanism this run does not step would never change again), and the cut
        ties; keeps what this scenario's own mechanisms set up at init. Every draw is keyed by
        the day, so the days after a burn-in draw what a run straight through draws. Recording
        restarts at the donor's day, with totals from zero.
        """
        if donor.people.n != self.people.n or donor.seed != self.seed:
            raise ValueError("a burn-in must come from the same population and seed")
        both = {name for name in self.mechanisms if donor.enabled(name) and self.enabled(name)}
        for name, (owner, spec) in STATE_TABLE.items():
            if owner == "population" or record.KEEPERS.get(name) in both or owner in both:
                source, target = (
                    (donor.people, self.people)
                    if spec.per == "citizen"
                    else (
                        donor.network.states,
                        self.network.states,
                    )
                )
                if getattr(source, name).shape == getattr(target, name).shape:
                    getattr(target, name)[...] = getattr(source, name)
        for name in both:
            for log in self.mechanisms[name].logs:
                setattr(self.mechanisms[name], log, copy.deepcopy(getattr(donor.mechanisms[name], log)))
        self.network.active[:] = donor.network.active
        self.network.cliques[:] = donor.network.cliques
        self.day = donor.day
        self.totals = dict.fromkeys(self.totals, 0.0)
        self.recorder = metrics.Recorder(self)
        self.recorder.record()

    def save(self, path: str | Path) -> Path:
        """Write the whole state to one checkpoint file (`checkpoint`: versioned .npz, atomic)."""
        from socialcredit import checkpoint

        return checkpoint.save(self, path)

    @staticmethod
    def load(path: str | Path) -> Simulation:
        """The simulation a checkpoint holds; stepping it on gives what the uninterrupted run gives."""
        from socialcredit import checkpoint

        return checkpoint.load(path)

    def stream(self, *names: str) -> np.random.Generator:
        """The random stream of one named component (and purpose), from the seed and the names only."""
        return np.random.Generator(np.random.Philox(key=int(draws.key(self.seed, *(code(n) for n in names)))))

    def draw_key(self, name: str) -> np.uint64:
        """The counter-based key of one named component (`draws`), from the seed and the name."""
        return draws.key(self.seed, code(name))

    def enabled(self, name: str) -> bool:
        return name in self.mechanisms and self.mechanisms[name].params.enabled

    def mechanism(self, kind: type[M]) -> M:
        """The running instance of a mechanism class, e.g. `sim.mechanism(Score)` (for inspection)."""
        found = self.mechanisms[kind.name]
        assert isinstance(found, kind)
        return found

    def step(self) -> None:
        """Advance one day: the signals' tie means, every enabled mechanism in order, then record if due."""
        if self.day >= self.days:
            raise InputError(f"the run is over: day {self.day} of {self.days}")
        threads = numba.get_num_threads()
        if self.people.n < ONE_THREAD_BELOW:  # waking a second thread costs more than it saves
            numba.set_num_threads(1)  # results do not depend on it (`draws`)
        try:
            started = time.perf_counter()
            self.signals.update()
            self.timings["ties"] += time.perf_counter() - started
            for m in self.active:
                started = time.perf_counter()
                m.step(self.day)
                self.timings[m.name] += time.perf_counter() - started
        finally:
            numba.set_num_threads(threads)
        self.day += 1
        if self.day % self.scenario.run.record_every == 0 or self.day == self.days:
            started = time.perf_counter()
            self.recorder.record()
            self.timings["metrics"] += time.perf_counter() - started

    def run(self, until: int | None = None, progress: Callable[[int], None] | None = None) -> Results:
        """Step to day `until` (default: the end); return the results so far."""
        stop = self.days if until is None else min(until, self.days)
        while self.day < stop:
            self.step()
            if progress is not None:
                progress(self.day)
        return self.results

    @property
    def results(self) -> Results:
        return Results(
            summary=self.recorder.summary(),
            timeseries=self.recorder.table(),
            scenario=self.scenario,
            timings=dict(self.timings),
            finished=self.day >= self.days,
            totals=dict(self.totals),
            node_ids=self.node_ids,
        )
