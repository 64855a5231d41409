"""M11 Appeals and repair: a listed citizen with a legitimate cause may appeal and be delisted."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from socialcredit.causes import CAUSE_BY_LABEL
from socialcredit.mechanisms.base import Mechanism, MechanismParams, StateSpec
from socialcredit.mechanisms.lists import delist, listed_on
from socialcredit.mechanisms.score import Factor

LegitimateCause = Literal["health", "income", "misflagged_post", "slander", "association", "class_label"]


class AppealsParams(MechanismParams):
    enabled: bool = False
    appeal_prob: float = Field(0.5, ge=0, le=1, description="chance a citizen listed for a legitimate cause appeals")
    delay_days: int = Field(30, ge=0, le=3650, description="days from filing to decision")
    success_prob: float = Field(0.8, ge=0, le=1, description="chance an appeal with a legitimate cause succeeds")
    legitimate_causes: list[LegitimateCause] = Field(
        default_factory=lambda: ["health", "misflagged_post", "slander"],
        description="causes an appeal can prove (free riding never is)",
    )
    protection_days: int = Field(
        180, ge=0, le=3650, description="after a won appeal, days before the citizen can be listed again"
    )


class Appeals(Mechanism):
    """Files appeals on the day of listing; decides them after a delay.

    A won appeal delists, restores the penalised factors to their baseline (repair), restarts
    the debt clock, and protects the citizen from relisting for a while.
    """

    name = "appeals"
    claim = (
        "No way to distinguish the free rider from the hospital patient: unless the institution "
        "hears the cause. The essay argues for context-aware appeals; the SCS it describes has none."
    )
    Params = AppealsParams
    states = (StateSpec("appeal_decision_day", "int32", -1, "day a pending appeal is decided"),)
    params: AppealsParams

    def init(self) -> None:
        self.legitimate = np.array([CAUSE_BY_LABEL[c] for c in self.params.legitimate_causes], dtype=np.int8)

    def step(self, day: int) -> None:
        p, people = self.params, self.people
        new = listed_on(people, day)
        new = new[people.appeal_decision_day[new] < 0]
        new = new[np.isin(people.list_cause[new], self.legitimate)]  # the citizen knows its own cause
        filing = new[self.rng.random(new.shape[0]) < p.appeal_prob]
        people.appeal_decision_day[filing] = day + p.delay_days
        self.sim.count("appeals_filed", filing.shape[0])

        decided = np.flatnonzero(people.appeal_decision_day == day)
        people.appeal_decision_day[decided] = -1
        decided = decided[people.blacklisted[decided] & np.isin(people.list_cause[decided], self.legitimate)]
        won = decided[self.rng.random(decided.shape[0]) < p.success_prob]
        delist(people, won)
        people.protected_until[won] = day + p.protection_days
        baseline = self.sim.mechanism("score").baselines(won)
        for f in (Factor.CREDIT_HISTORY, Factor.BEHAVIOUR):
            people.factors[f, won] = np.maximum(people.factors[f, won], baseline[f])
        people.debt_since[won] = np.where(people.debt[won] > 0, day, -1)
        people.court_default[won] = False
        self.sim.count("appeals_decided", decided.shape[0])
        self.sim.count("appeals_granted", won.shape[0])
