"""M2 Payments: bills fall due on a cycle; an unpaid debt may be sued, judged, and listed if the debtor could pay."""

from __future__ import annotations

import numba
import numpy as np
from pydantic import Field

from socialcredit.core import Mechanism, MechanismParams, StateSpec
from socialcredit.record import EVIDENCE, Cause, Channel, Factor, apply_evidence, observed

MISSED = (Cause.FREE_RIDING, Cause.HEALTH, Cause.INCOME)


class PaymentsParams(MechanismParams):
    bill_cycle_days: int = Field(30, ge=1, le=365, description="days between a citizen's bills")
    grace_days: int = Field(90, ge=1, le=3650, description="days a debt stays unpaid before the creditor may sue")
    sue_prob: float = Field(
        0.5, ge=0, le=1, description="chance the creditor sues a debt unpaid after the grace period (assumed)"
    )
    litigation_days: int = Field(
        180,
        ge=0,
        le=3650,
        description=(
            "days from the suit to an enforceable judgment: 6 months, the Civil Procedure Law's time limit for an "
            "ordinary first-instance case (recalled, unchecked); assumed"
        ),
    )
    means_test: bool = Field(
        True,
        description=(
            "a judgment lists only a debtor able to pay who refuses (SPC Provisions on the list of dishonest "
            "judgment debtors, 2013, revised 2017, Art. 1); off: every debt unpaid at judgment lists"
        ),
    )
    income_per_bill: float = Field(
        2000.0,
        ge=0,
        description="yearly income, yuan, the court counts as means to pay one unpaid bill (assumed)",
    )
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
    """Each day the citizens whose bill falls due pay it, or miss it for a known cause; old debts go to court.

    A citizen pays unless in hospital (or in hardship that began there), short of income, or a
    free rider not deterred (M12); whoever can pay settles all arrears at once. The cause of
    the first missed bill is kept as ground truth. The SPC's path to the list: a debt unpaid
    for `grace_days` is sued with `sue_prob`, and `litigation_days` later the judgment is
    enforced. Under the means test the court finds a debtor able to pay when out of hospital
    and hardship with income to cover the debt; an able debtor who is no free rider pays on
    the enforcement notice, an able free rider refuses and is in court default (a true
    listing, cause free riding), and one unable to pay is not listed for that debt. Paying
    ends the default. A won appeal (M11, `repaired_on`) restarts the clock. The suit's draw
    is keyed by the judgment day, so no state records it.
    """

    name = "payments"
    claim = "Paying bills on time raises the score; a blacklist of debt defaulters is kept."
    Params = PaymentsParams
    states = (
        StateSpec("bill_day", "int16", 0, "day of the billing cycle this citizen's bill falls due"),
        StateSpec("debt", "float32", 0.0, "unpaid bills"),
        StateSpec("debt_since", "int32", -1, "day the oldest unpaid bill was missed (-1: no debt)"),
        StateSpec(
            "debt_cause",
            "int8",
            0,
            "Cause of the oldest unpaid bill, or free riding once a court finds the debtor able and refusing (ground truth)",
        ),
        StateSpec("court_default", "bool", False, "an enforceable judgment for the debt, unpaid: listable"),
    )
    reads = (
        "free_rider",
        "deterred",
        "hospital_until",
        "hardship_until",
        "hardship_from_health",
        "income",
        "enrolled",
        "repaired_on",
    )
    writes = EVIDENCE
    counts = (
        "bills_due",
        "bills_missed",
        *(f"bills_missed_{c.label}" for c in MISSED),
        "lawsuits",
        "judgments_listable",
        "judgments_paid",
        "judgments_unable",
        "judgments_repaid",
    )
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
        self.count("judgments_repaid", int(np.count_nonzero(people.court_default[paid])))
        self._settle(paid)  # whoever can pay settles all arrears
        delay = p.grace_days + p.litigation_days
        _in_force(people.debt_since, people.repaired_on, day - delay, people.court_default)
        self._judge(day, delay)

        seen_late = observed(people, Channel.PAYMENTS, late)
        apply_evidence(people, Factor.CREDIT_HISTORY, seen_late, -p.missed_penalty, people.debt_cause[seen_late])
        apply_evidence(people, Factor.CREDIT_HISTORY, observed(people, Channel.PAYMENTS, paid), p.paid_reward)

        self.count("bills_due", due.shape[0])
        self.count("bills_missed", late.shape[0])
        for c in MISSED:
            self.count(f"bills_missed_{c.label}", int(np.count_nonzero(cause == c)))

    def _settle(self, idx: np.ndarray) -> None:
        people = self.people
        people.debt[idx] = 0.0
        people.debt_since[idx] = -1
        people.debt_cause[idx] = Cause.NONE

    def _judge(self, day: int, delay: int) -> None:
        """Today's judgments: the debts whose clock (restarted by a won appeal) began `delay` days ago, if sued."""
        p, people = self.params, self.people
        judged = _started_on(people.debt_since, people.repaired_on, day - delay)
        judged = self.bernoulli("sue", day, judged, p.sue_prob)
        self.count("lawsuits", judged.shape[0])
        if p.means_test:
            able = (
                (people.hospital_until[judged] <= day)
                & (people.hardship_until[judged] <= day)
                & (people.income[judged] >= p.income_per_bill * people.debt[judged])
            )
            refuses = people.free_rider[judged] & ~people.deterred[judged]
            pays = judged[able & ~refuses]  # the enforcement notice: an able debtor who is willing pays
            self._settle(pays)
            self.count("judgments_paid", pays.shape[0])
            self.count("judgments_unable", int(np.count_nonzero(~able)))
            judged = judged[able & refuses]
            people.debt_cause[judged] = Cause.FREE_RIDING
        people.court_default[judged] = True
        self.count("judgments_listable", judged.shape[0])


@numba.njit(parallel=True, cache=True)
def _in_force(debt_since: np.ndarray, repaired_on: np.ndarray, cutoff: int, out: np.ndarray) -> None:
    """A court default stays while its debt is unpaid and its clock, restarted by a won appeal, began by `cutoff`."""
    for i in numba.prange(out.shape[0]):
        out[i] = out[i] and debt_since[i] >= 0 and max(debt_since[i], repaired_on[i]) <= cutoff


@numba.njit(cache=True)
def _started_on(debt_since: np.ndarray, repaired_on: np.ndarray, start: int) -> np.ndarray:
    """The debtors whose clock, restarted by a won appeal, began on day `start` (none if start < 0)."""
    count = 0
    for i in range(debt_since.shape[0]):
        count += start >= 0 and debt_since[i] >= 0 and max(debt_since[i], repaired_on[i]) == start
    out = np.empty(count, dtype=np.int64)
    k = 0
    for i in range(debt_since.shape[0]):
        if k < count and debt_since[i] >= 0 and max(debt_since[i], repaired_on[i]) == start:
            out[k] = i
            k += 1
    return out
