"""M1 Life events: hospital episodes and income shocks, the innocent causes of missed bills."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from socialcredit.core import Mechanism, MechanismParams, StateSpec


class LifeEventsParams(MechanismParams):
    hospital_days_mean: float = Field(9.0, ge=1, le=365, description="mean length of a hospital stay, days")
    hardship_after_hospital: float = Field(
        0.3, ge=0, le=1, description="chance a hospital episode also brings financial hardship"
    )
    income_shock_rate: float = Field(
        0.1, ge=0, le=50, description="income shocks per citizen-year at the median income"
    )
    poverty_elasticity: float = Field(
        0.5, ge=0, le=3, description="shock rate scales as (median income / income) ** this"
    )
    hardship_days_mean: float = Field(90.0, ge=1, le=3650, description="mean length of a hardship spell, days")


def geometric(u: np.ndarray, mean: float) -> np.ndarray:
    """Geometric lengths (>= 1, mean `mean`) by inverse transform of the uniforms u."""
    if mean <= 1.0:
        return np.ones(u.shape[0], dtype=np.int64)
    return np.ceil(np.log1p(-u) / np.log1p(-1.0 / mean)).astype(np.int64).clip(min=1)


class LifeEvents(Mechanism):
    """Starts hospital stays at each citizen's health hazard and hardship spells after shocks."""

    name = "life_events"
    claim = (
        "There is no way to distinguish someone who missed a bill because they are a free-rider "
        "versus someone who did so because they were in the hospital."
    )
    Params = LifeEventsParams
    states = (
        StateSpec("hospital_until", "int32", -1, "in hospital while day < this"),
        StateSpec("hardship_until", "int32", -1, "short of income while day < this"),
        StateSpec("hardship_from_health", "bool", False, "the current hardship came from a hospital stay"),
        StateSpec("shock_hazard", "float32", 0.0, "daily chance of an income shock"),
    )
    reads = ("income", "health_hazard")
    counts = ("hospital_episodes", "income_shocks")
    params: LifeEventsParams

    def init(self) -> None:
        p, people = self.params, self.people
        relative = np.median(people.income) / np.maximum(people.income, 1.0)
        hazard = p.income_shock_rate / 365.0 * relative**p.poverty_elasticity
        people.shock_hazard[:] = np.minimum(hazard, 10 * p.income_shock_rate / 365.0)
        self.shock_max = float(people.shock_hazard.max()) if people.n else 0.0
        self.health_max = float(people.health_hazard.max()) if people.n else 0.0

    def step(self, day: int) -> None:
        p, people = self.params, self.people
        sick = self.sample_rare("hospital", day, people.health_hazard, self.health_max, people.n)
        sick = sick[people.hospital_until[sick] <= day]
        stay = geometric(self.uniform("hospital_stay", day, sick), p.hospital_days_mean)
        people.hospital_until[sick] = day + stay
        poor = self.uniform("hardship_after_hospital", day, sick) < p.hardship_after_hospital
        self._hardship(sick[poor], day + stay[poor], day, from_health=True)

        shocked = self.sample_rare("income_shock", day, people.shock_hazard, self.shock_max, people.n)
        shocked = shocked[people.hardship_until[shocked] <= day]
        self._hardship(shocked, np.full(shocked.shape[0], day, dtype=np.int64), day, from_health=False)
        self.count("hospital_episodes", sick.shape[0])
        self.count("income_shocks", shocked.shape[0])

    def _hardship(self, idx: np.ndarray, start: np.ndarray, day: int, from_health: bool) -> None:
        decision = "hardship_after_hospital_length" if from_health else "hardship_length"
        end = start + geometric(self.uniform(decision, day, idx), self.params.hardship_days_mean)
        longer = end > self.people.hardship_until[idx]  # the spell that ends last names the cause
        self.people.hardship_until[idx[longer]] = end[longer]
        self.people.hardship_from_health[idx[longer]] = from_health
