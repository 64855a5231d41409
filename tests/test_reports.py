"""M7 Reports through observable effects: verification, the unverified rule, mobs, listings."""

from __future__ import annotations

import numpy as np

from socialcredit.engine import Simulation
from socialcredit.record import Cause, Factor, ListKind

N = 5000
# ~50 reporting occasions a day at N = 5000 (mean opportunism 0.1): enough to count in 60 days.
BUSY = {"enabled": True, "report_rate": 36.5}


def run(days: int = 60, **reports) -> Simulation:
    sim = Simulation(None, population=N, days=days, seed=6, overrides={"reports": BUSY | reports})
    sim.run()
    return sim


def test_full_verification_lets_no_slander_through():
    sim = run(verification=1.0, unverified="accept")
    t = sim.totals
    assert t["reports_false"] > 100
    assert t["reports_accepted"] == t["reports_total"] - t["reports_false"] > 100
    assert t["slander_accepted"] == 0
    assert not np.any(sim.people.last_penalty_cause == Cause.SLANDER)


def test_unchecked_reports_follow_the_rule():
    accept, reject = run(verification=0.0, unverified="accept"), run(verification=0.0, unverified="reject")
    assert accept.totals["reports_accepted"] == accept.totals["reports_total"]
    assert accept.totals["slander_accepted"] == accept.totals["reports_false"] > 100
    assert np.any(accept.people.last_penalty_cause == Cause.SLANDER)
    assert reject.totals["reports_accepted"] == 0


def test_a_smaller_mob_accepts_more_slander():
    small = run(verification=0.0, unverified="mob", mob_size=1)
    large = run(verification=0.0, unverified="mob", mob_size=5)
    assert small.totals["slander_accepted"] == small.totals["reports_false"]  # k = 1 is plain acceptance
    assert large.totals["slander_accepted"] < 0.2 * small.totals["slander_accepted"]


def test_accepted_reports_list_the_target_and_spread_to_the_household():
    alone = run(days=30, verification=0.0, unverified="accept", list_on_accept=True)
    kin = run(days=30, verification=0.0, unverified="accept", list_on_accept=True, household_spread=1.0)
    by_report = kin.people.list_kind == ListKind.REPORT
    spread = by_report & (kin.people.list_cause == Cause.ASSOCIATION)
    assert alone.totals["listings_report"] == np.count_nonzero(alone.people.list_kind == ListKind.REPORT) > 100
    assert not np.any(alone.people.list_cause[alone.people.list_kind == ListKind.REPORT] == Cause.ASSOCIATION)
    assert np.count_nonzero(spread) > 0.5 * np.count_nonzero(by_report & ~spread)
    assert kin.totals["listings_report"] == np.count_nonzero(by_report)


def test_rewarded_reporters_gain_standing():
    paid = run(days=30, verification=0.0, unverified="accept", reporter_reward=0.05, report_penalty=0.0)
    unpaid = run(days=30, verification=0.0, unverified="accept", reporter_reward=0.0, report_penalty=0.0)
    assert paid.people.factors[Factor.BEHAVIOUR].mean() > unpaid.people.factors[Factor.BEHAVIOUR].mean()


def test_piling_on_lets_a_mob_form_against_the_innocent():
    alone = run(verification=0.0, unverified="mob", mob_size=3)
    piling = run(verification=0.0, unverified="mob", mob_size=3, pile_on=0.5)
    assert piling.totals["slander_accepted"] > 10 * max(alone.totals["slander_accepted"], 1)
