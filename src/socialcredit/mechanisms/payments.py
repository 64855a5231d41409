"""M2 Payments: bills fall due on a cycle; unpaid debt past a grace period is a court default."""

from __future__ import annotations

import numba
import numpy as np
from pydantic import Field

from socialcredit.core import Mechanism, MechanismParams, StateSpec
from socialcredit.record import EVIDENCE, Cause, Channel, Factor, apply_evidence, observed

MISSED = (Cause.FREE_RIDING, Cause.HEALTH, Cause.INCOME)


class PaymentsParams(MechanismParams):
    bill_cycle_days: int = Field(30, ge=1, le=365, description="days between a citizen's bills")
    grace_days: int = Field(90, ge=1, le=3650, description="days a debt may stay unpaid before it is a court default")
    free_rider_pay_prob: float = Field(
        0.0, ge=0, le=1, description="chance a free rider pays a bill anyway (a deterred one always pays)"
    )
    missed_penalty: float = Field(
        0.1, ge=0, le=1, description="credit-history factor lost per missed bill a platform sees"
    )
    paid_reward: float = Field(
        0.01, ge=0, le=1, description="credit-history factor gained per bill paid on time a platform sees"
    )


class Payments(Mechanism):
    """Each day the citizens whose bill falls due pay it, or miss it for a known cause.

    A citizen pays unless in hospital (or in hardship that began there), short of income, or a
    free rider not deterred (M12); whoever can pay settles all arrears at once. The cause of
    the first missed bill is kept as ground truth; the institution sees only that debt is
    unpaid. A won appeal (M11, `repaired_on`) restarts the clock toward a court default.
    """

    name = "payments"
    claim = "Paying bills on time raises the score; a blacklist of debt defaulters is kept."
    Params = PaymentsParams
    states = (
        StateSpec("bill_day", "int16", 0, "day of the billing cycle this citizen's bill falls due"),
        StateSpec("debt", "float32", 0.0, "unpaid bills"),
        StateSpec("debt_since", "int32", -1, "day the oldest unpaid bill was missed (-1: no debt)"),
        StateSpec("debt_cause", "int8", 0, "Cause of the oldest unpaid bill (ground truth)"),
        StateSpec("court_default", "bool", False, "debt unpaid for longer than the grace period"),
    )
    reads = (
        "free_rider",
        "deterred",
        "hospital_until",
        "hardship_until",
        "hardship_from_health",
        "enrolled",
        "repaired_on",
    )
    writes = EVIDENCE
    counts = ("bills_due", "bills_missed", *(f"bills_missed_{c.label}" for c in MISSED))
    params: PaymentsParams

    def init(self) -> None:
        p, people = self.params, self.people
        people.bill_day[:] = self.generator("bill_day", 0).integers(0, p.bill_cycle_days, size=people.n)
        order = np.argsort(people.bill_day, kind="stable").astype(np.int32)
        bounds = np.searchsorted(people.bill_day[order], np.arange(p.bill_cycle_days + 1))
        self.due_groups = [order[bounds[d] : bounds[d + 1]] for d in range(p.bill_cycle_days)]

    def step(self, day: int) -> None:
        p, people = self.params, self.people
        due = self.due_groups[day % p.bill_cycle_days]
        cause = np.full(due.shape[0], Cause.NONE, dtype=np.int8)
        pays_anyway = self.uniform("free_rider_pays", day, due) < p.free_rider_pay_prob
        shirks = people.free_rider[due] & ~people.deterred[due] & ~pays_anyway
        cause[shirks] = Cause.FREE_RIDING
        hardship = people.hardship_until[due] > day
        cause[hardship & ~people.hardship_from_health[due]] = Cause.INCOME
        cause[hardship & people.hardship_from_health[due]] = Cause.HEALTH
        cause[people.hospital_until[due] > day] = Cause.HEALTH
        missed = cause != Cause.NONE

        late, paid = due[missed], due[~missed]
        fresh = late[people.debt[late] == 0]
        people.debt_since[fresh] = day
        people.debt_cause[fresh] = cause[missed][people.debt[late] == 0]
        people.debt[late] += 1.0
        people.debt[paid] = 0.0  # whoever can pay settles all arrears
        people.debt_since[paid] = -1
        people.debt_cause[paid] = Cause.NONE
        _court_default(people.debt_since, people.repaired_on, day - p.grace_days, people.court_default)

        seen_late = observed(people, Channel.PAYMENTS, late)
        apply_evidence(people, Factor.CREDIT_HISTORY, seen_late, -p.missed_penalty, people.debt_cause[seen_late])
        apply_evidence(people, Factor.CREDIT_HISTORY, observed(people, Channel.PAYMENTS, paid), p.paid_reward)

        self.count("bills_due", due.shape[0])
        self.count("bills_missed", late.shape[0])
        for c in MISSED:
            self.count(f"bills_missed_{c.label}", int(np.count_nonzero(cause == c)))


@numba.njit(parallel=True, cache=True)
def _court_default(debt_since: np.ndarray, repaired_on: np.ndarray, cutoff: int, out: np.ndarray) -> None:
    """In default: a debt (debt_since >= 0) whose clock, restarted by a won appeal, began by `cutoff`."""
    for i in numba.prange(out.shape[0]):
        out[i] = debt_since[i] >= 0 and max(debt_since[i], repaired_on[i]) <= cutoff
