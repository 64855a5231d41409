"""M4 Purchases: goods by category; necessities are scored up, idle goods down."""

from __future__ import annotations

import numba
import numpy as np
from pydantic import Field, model_validator

from socialcredit import draws
from socialcredit.core import Mechanism, MechanismParams, StateSpec
from socialcredit.record import EVIDENCE, Cause, Channel, Factor, evidence


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
    """Each day's purchases by category: the scored kinds per citizen, the rest as a daily total.

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
    reads = ("enrolled",)
    writes = EVIDENCE
    counts = ("purchases_total", "purchases_necessity", "purchases_idle")
    params: PurchasesParams

    def init(self) -> None:
        p, people = self.params, self.people
        shape = p.idle_taste_shape
        taste = self.generator("idle_taste", 0).gamma(shape, 1.0 / shape, size=people.n)
        share = np.minimum(p.idle_share * taste, 1.0 - p.necessity_share)
        people.idle_rate[:] = p.purchases_per_day * share
        idle_total = float(people.idle_rate.sum(dtype=np.float64))
        self.necessity_rate = p.purchases_per_day * p.necessity_share
        self.other_total = max(people.n * p.purchases_per_day * (1.0 - p.necessity_share) - idle_total, 0.0)

    def step(self, day: int) -> None:
        p, people = self.params, self.people
        necessity, idle = _buy(
            self.decision_key("buy", day),
            self.necessity_rate,
            people.idle_rate,
            people.enrolled[Channel.SHOPPING],
            p.necessity_reward,
            p.idle_penalty,
            people.factors[Factor.BEHAVIOUR],
            people.last_penalty_cause,
        )
        other = int(
            self.generator("other_goods", day).poisson(self.other_total)
        )  # neither scored nor kept: counted only
        self.count("purchases_total", necessity + idle + other)
        self.count("purchases_necessity", necessity)
        self.count("purchases_idle", idle)


@numba.njit(parallel=True, cache=True)
def _buy(
    key: np.uint64,
    necessity_rate: float,
    idle_rate: np.ndarray,
    seen: np.ndarray,
    reward: float,
    penalty: float,
    behaviour: np.ndarray,
    cause: np.ndarray,
) -> tuple[int, int]:
    """Each citizen's necessities and idle goods today and what a shopping platform makes of them.

    One Poisson count of both kinds (independent Poisson processes: their sum is one, each
    purchase's kind a draw by rate), from counter-based draws (`draws`): the same for any
    number of threads. Returns (necessities, idle goods).
    """
    n = idle_rate.shape[0]
    blocks = (n + draws.BLOCK - 1) // draws.BLOCK
    tally = np.zeros((blocks, 2), dtype=np.int64)  # per block of citizens: necessities, idle goods
    for b in numba.prange(blocks):
        lo, hi = b * draws.BLOCK, min((b + 1) * draws.BLOCK, n)
        buying = np.empty(hi - lo, dtype=np.bool_)
        for i in range(lo, hi):  # screening, vectorised
            buying[i - lo] = draws.may_occur(draws.citizen(key, i), necessity_rate + idle_rate[i])
        for i in range(lo, hi):
            if not buying[i - lo]:
                continue
            total = necessity_rate + idle_rate[i]
            state = draws.citizen(key, i)
            bought = draws.poisson(state, total)
            n_necessity = 0
            for e in range(bought):
                n_necessity += draws.uniform(state, draws.EVENTS + e) * total < necessity_rate
            tally[b, 0] += n_necessity
            tally[b, 1] += bought - n_necessity
            if not seen[i]:
                continue
            if reward > 0 and n_necessity:
                evidence(behaviour, i, reward * n_necessity)
            if penalty > 0 and bought > n_necessity:
                evidence(behaviour, i, -penalty * (bought - n_necessity))
                cause[i] = Cause.PREFERENCE
    necessity, idle = tally.sum(axis=0)
    return necessity, idle
