"""The daily loop: mechanisms in order, one random stream each, metrics every k days."""

from __future__ import annotations

import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numba
import numpy as np
from pydantic import BaseModel

from socialcredit import draws, metrics
from socialcredit.errors import InputError
from socialcredit.mechanisms import MECHANISMS
from socialcredit.mechanisms.base import Mechanism
from socialcredit.results import Results
from socialcredit.scenario import deep_merge, load_scenario, parse_set, validate
from socialcredit.society import network as netmod
from socialcredit.society import population as popmod
from socialcredit.society.people import People

ONE_THREAD_BELOW = 16_384  # citizens: below this a day runs faster on one thread (measured, docs/performance.md)


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
        run = {"population": population, "days": days, "seed": seed}
        if isinstance(scenario, BaseModel):
            extra = parse_set(overrides) if not isinstance(overrides, Mapping) else dict(overrides)
            given = {k: v for k, v in run.items() if v is not None}
            data = deep_merge(scenario.model_dump(), deep_merge(extra, {"run": given}))
            scenario = validate(data, f"scenario {scenario.regime}") if (extra or given) else scenario
        else:
            scenario = load_scenario(scenario, overrides, **run)
        self.scenario: Any = scenario
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
        for mechanism in MECHANISMS:
            self.people.allocate(mechanism.states)
        popmod.synthesize(self.people, scenario.population, self.stream("population"))
        if loaded_ids is None:
            people, district = self.people, scenario.population.district_size
            network = netmod.generate(
                scenario.network, people.household, people.work_unit, self.stream("network"), district
            )
        self.network = network
        self.ties = netmod.TieMeans(network)
        self.node_ids = loaded_ids
        self.timings["build"] = time.perf_counter() - started

        self.mechanisms: dict[str, Mechanism] = {m.name: m(self, getattr(scenario, m.name)) for m in MECHANISMS}
        self.active = [m for m in self.mechanisms.values() if m.params.enabled]
        for m in self.active:
            m.init()

        self.day = 0
        self.totals: dict[str, float] = defaultdict(float)
        self.recorder = metrics.Recorder(self)
        self.recorder.record()

    def continue_from(self, donor: Simulation) -> None:
        """Take over the state a burn-in `donor` (same seed and population) reached.

        Copies the traits, the shared dynamic state and the states of every mechanism both
        ran (a record copied to a mechanism this run does not step would never change again),
        and the cut ties; keeps what this scenario's own mechanisms set up at init.
        Recording restarts at the donor's day, with totals from zero.
        """
        if donor.people.n != self.people.n or donor.seed != self.seed:
            raise ValueError("a burn-in must come from the same population and seed")
        names = [spec.name for spec in popmod.STATES]
        for mechanism in MECHANISMS:
            if donor.enabled(mechanism.name) and self.enabled(mechanism.name):
                names.extend(spec.name for spec in mechanism.states)
        for name in names:
            getattr(self.people, name)[...] = getattr(donor.people, name)
        self.network.active[:] = donor.network.active
        self.network.cliques[:] = donor.network.cliques
        self.day = donor.day
        self.totals.clear()
        self.recorder = metrics.Recorder(self)
        self.recorder.record()

    def stream(self, name: str) -> np.random.Generator:
        """The random stream of one named component, spawned from the seed and the name.

        Independent of which other components exist, so adding a mechanism leaves every
        other's draws unchanged and two regimes share common random numbers.
        """
        key = zlib.crc32(name.encode())
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(key,))))

    def draw_key(self, name: str) -> np.uint64:
        """The counter-based key of one named component (`draws`), from the seed and the name.

        Like `stream`, independent of which other components exist.
        """
        return draws.key(self.seed, zlib.crc32(name.encode()))

    def count(self, key: str, amount: float) -> None:
        """Add to a running total (events per kind), read by the metrics."""
        self.totals[key] += amount

    def enabled(self, name: str) -> bool:
        return name in self.mechanisms and self.mechanisms[name].params.enabled

    def mechanism(self, name: str) -> Any:
        return self.mechanisms[name]

    def step(self) -> None:
        """Advance one day: what citizens see of their ties, every enabled mechanism in order, then
        record if due."""
        if self.day >= self.days:
            raise InputError(f"the run is over: day {self.day} of {self.days}")
        threads = numba.get_num_threads()
        if self.people.n < ONE_THREAD_BELOW:  # waking a second thread costs more than it saves
            numba.set_num_threads(1)  # results do not depend on it (`draws`)
        try:
            started = time.perf_counter()
            self.ties.update()
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
        )
