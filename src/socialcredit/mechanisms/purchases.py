"""M4 Purchases: goods by category; necessities are scored up, idle goods down."""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from socialcredit.causes import Cause
from socialcredit.mechanisms.base import Mechanism, MechanismParams, StateSpec, poisson_events
from socialcredit.mechanisms.data_collection import Channel, observed
from socialcredit.mechanisms.score import Factor, apply_evidence


class PurchasesParams(MechanismParams):
    purchases_per_day: float = Field(
        0.26,
        ge=0,
        le=50,
        description="purchases per citizen per day (2023: 132 billion parcels for 1.41 billion people)",
    )
    necessity_share: float = Field(
        0.3, ge=0, le=1, description="share of purchases that are necessities, scored up ('diapers')"
    )
    idle_share: float = Field(
        0.05, ge=0, le=1, description="mean share of purchases that are idle goods, scored down ('video games')"
    )
    idle_taste_shape: float = Field(
        1.0,
        gt=0,
        le=100,
        description="gamma shape of each citizen's taste for idle goods, mean 1 (lower: more unequal)",
    )
    necessity_reward: float = Field(
        0.001, ge=0, le=1, description="behaviour factor gained per necessity a platform sees"
    )
    idle_penalty: float = Field(0.005, ge=0, le=1, description="behaviour factor lost per idle good a platform sees")

    @model_validator(mode="after")
    def _shares(self) -> PurchasesParams:
        if self.necessity_share + self.idle_share > 1:
            raise ValueError(
                f"purchases.necessity_share + purchases.idle_share must be at most 1 "
                f"(got {self.necessity_share} + {self.idle_share})"
            )
        return self


class Purchases(Mechanism):
    """Each day's purchases by category, drawn as daily totals and assigned to their buyers.

    Necessities are bought at the same rate by everyone; idle goods at a rate scaled by each
    citizen's taste; other goods are counted but not scored. Only purchases a shopping platform
    sees move the behaviour factor.
    """

    name = "purchases"
    claim = (
        "Shopping habits are scored: someone who buys diapers is thought responsible, someone who "
        "plays video games for hours idle."
    )
    Params = PurchasesParams
    states = (StateSpec("idle_rate", "float32", 0.0, "idle goods this citizen buys per day, on average"),)
    params: PurchasesParams

    def init(self) -> None:
        p, people = self.params, self.people
        shape = p.idle_taste_shape
        taste = self.rng.gamma(shape, 1.0 / shape, size=people.n)
        share = np.minimum(p.idle_share * taste, 1.0 - p.necessity_share)
        people.idle_rate[:] = p.purchases_per_day * share
        idle_total = float(people.idle_rate.sum(dtype=np.float64))
        self.necessity_total = people.n * p.purchases_per_day * p.necessity_share
        self.other_total = max(people.n * p.purchases_per_day * (1.0 - p.necessity_share) - idle_total, 0.0)

    def step(self, day: int) -> None:
        p, people, rng = self.params, self.people, self.rng
        necessity = rng.integers(0, people.n, size=rng.poisson(self.necessity_total))
        idle = poisson_events(rng, people.idle_rate)
        other = int(rng.poisson(self.other_total))

        if p.necessity_reward > 0:
            apply_evidence(people, Factor.BEHAVIOUR, observed(people, Channel.SHOPPING, necessity), p.necessity_reward)
        if p.idle_penalty > 0:
            # A lawful preference scored down: a listing it causes is false, cause "preference".
            apply_evidence(
                people, Factor.BEHAVIOUR, observed(people, Channel.SHOPPING, idle), -p.idle_penalty, Cause.PREFERENCE
            )

        self.sim.count("purchases_total", necessity.shape[0] + idle.shape[0] + other)
        self.sim.count("purchases_necessity", necessity.shape[0])
        self.sim.count("purchases_idle", idle.shape[0])
