"""M11 Appeals and repair: a listed citizen with a legitimate cause may appeal and be delisted."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from socialcredit.core import Mechanism, MechanismParams, StateSpec
from socialcredit.record import CAUSE_BY_LABEL, LISTING, LegitimateCause, delist, listed_on


class AppealsParams(MechanismParams):
    enabled: bool = False
    appeal_prob: float = Field(0.5, ge=0, le=1, description="chance a citizen listed for a legitimate cause appeals")
    delay_days: int = Field(30, ge=0, le=3650, description="days from filing to decision")
    success_prob: float = Field(0.8, ge=0, le=1, description="chance an appeal with a legitimate cause succeeds")
    legitimate_causes: list[LegitimateCause] = Field(
        default_factory=lambda: list[LegitimateCause](["health", "misflagged_post", "slander"]),
        description="causes an appeal can prove (free riding never is)",
    )
    protection_days: int = Field(
        180, ge=0, le=3650, description="after a won appeal, days before the citizen can be listed again"
    )


class Appeals(Mechanism):
    """Files appeals on the day of listing; decides them after a delay.

    A won appeal delists and protects the citizen from relisting for a while; it is recorded
    (`repaired_on`) so that, the next day, M8 restores the penalised factors to their baseline
    (repair) and M2 restarts the debt clock.
    """

    name = "appeals"
    claim = (
        "No way to distinguish the free rider from the hospital patient: unless the institution "
        "hears the cause. The essay argues for context-aware appeals; the SCS it describes has none."
    )
    Params = AppealsParams
    states = (
        StateSpec("appeal_decision_day", "int32", -1, "day a pending appeal is decided"),
        StateSpec("protected_until", "int32", -1, "not listed again before this day (a won appeal)"),
        StateSpec("repaired_on", "int32", -1, "day of the last won appeal (read by M2 and M8 the next day)"),
    )
    reads = LISTING
    writes = LISTING
    counts = ("appeals_filed", "appeals_decided", "appeals_granted")
    params: AppealsParams

    def init(self) -> None:
        self.legitimate = np.array([CAUSE_BY_LABEL[c] for c in self.params.legitimate_causes], dtype=np.int8)

    def step(self, day: int) -> None:
        p, people = self.params, self.people
        new = listed_on(people, day)
        new = new[people.appeal_decision_day[new] < 0]
        new = new[np.isin(people.list_cause[new], self.legitimate)]  # the citizen knows its own cause
        filing = self.bernoulli("file", day, new, p.appeal_prob)
        people.appeal_decision_day[filing] = day + p.delay_days
        self.count("appeals_filed", filing.shape[0])

        decided = np.flatnonzero(people.appeal_decision_day == day)
        people.appeal_decision_day[decided] = -1
        decided = decided[people.blacklisted[decided] & np.isin(people.list_cause[decided], self.legitimate)]
        won = self.bernoulli("succeed", day, decided, p.success_prob)
        delist(people, won)
        people.protected_until[won] = day + p.protection_days
        people.repaired_on[won] = day
        self.count("appeals_decided", decided.shape[0])
        self.count("appeals_granted", won.shape[0])
