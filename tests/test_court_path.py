"""M2/M9, the SPC's path to the court list: suit, judgment after the litigation delay, means test, repayment."""

from __future__ import annotations

import numpy as np

from socialcredit.engine import Simulation
from socialcredit.record import Cause, ListKind

GRACE, LITIGATION = 30, 60


def court_run(
    days: int = 200, n: int = 3000, seed: int = 1, **payments: object
) -> tuple[Simulation, np.ndarray, np.ndarray, np.ndarray]:
    """No random life events or score list: chosen patients (in hospital all run), able free riders
    and poor free riders, everyone else paying."""
    sim = Simulation(
        "financial-credit",
        population=n,
        days=days,
        seed=seed,
        overrides={
            "life_events": {"enabled": False},
            "payments": {"grace_days": GRACE, "litigation_days": LITIGATION, "sue_prob": 1.0, **payments},
            "lists": {"court_blacklist": True, "score_blacklist_below": None},
            "appeals": {"enabled": False},
            "adaptation": {"deterrence": False},
        },
    )
    people = sim.people
    people.free_rider[:] = False
    patients, able, poor = np.arange(0, 100), np.arange(100, 200), np.arange(200, 300)
    people.hospital_until[patients] = 10**6
    people.income[patients] = people.income[able] = 10**6  # ample means: only the hospital stops the patients
    people.free_rider[able] = people.free_rider[poor] = True
    people.income[poor] = 1.0
    return sim, patients, able, poor


def test_only_able_refusers_are_court_listed_after_the_litigation_delay():
    sim, patients, able, poor = court_run()
    people = sim.people
    while sim.day < sim.days:
        sim.step()
        assert not people.blacklisted[patients].any() and not people.court_default[patients].any()
        assert not people.blacklisted[poor].any()
        early = able[(people.debt_since[able] >= 0) & (sim.day - 1 - people.debt_since[able] < GRACE + LITIGATION)]
        assert not people.blacklisted[early].any()  # never before the judgment
    assert people.debt[patients].min() > 0 and people.debt[poor].min() > 0  # in arrears all the same
    assert np.all(people.blacklisted[able]) and np.all(people.list_kind[able] == ListKind.COURT)
    assert np.all(people.listed_day[able] == people.debt_since[able] + GRACE + LITIGATION)
    assert np.all(people.list_cause[able] == Cause.FREE_RIDING)  # a true listing
    assert np.count_nonzero(people.blacklisted) == able.shape[0]
    s = sim.results.summary
    assert s["blacklist_precision"] == 1.0 and s["false_blacklist_health"] == 0.0
    assert s["blacklisted_share_court"] == able.shape[0] / people.n
    assert sim.totals["judgments_unable"] == patients.shape[0] + poor.shape[0]


def test_without_the_means_test_the_patient_is_listed_too():
    sim, patients, able, poor = court_run(means_test=False)
    people = sim.people
    sim.run()
    assert np.all(people.blacklisted[patients]) and np.all(people.list_cause[patients] == Cause.HEALTH)
    assert np.all(people.blacklisted[poor]) and np.all(people.blacklisted[able])


def test_repayment_delists():
    sim, _, able, _ = court_run(days=260)
    people = sim.people
    sim.run(until=150)
    assert np.all(people.blacklisted[able])
    people.free_rider[able[:50]] = False  # they pay at their next bill
    sim.run()
    assert not people.blacklisted[able[:50]].any() and not people.court_default[able[:50]].any()
    assert np.all(people.blacklisted[able[50:]])
    assert sim.totals["judgments_repaid"] == 50 and sim.totals["delistings_paid"] == 50


def test_the_creditor_sues_a_share_of_defaults():
    sim, _, _, _ = court_run(n=6000, sue_prob=0.5)
    people = sim.people
    riders = np.arange(300, 2300)
    people.free_rider[riders] = True
    people.income[riders] = 10**6
    sim.run()
    listed = np.count_nonzero(people.blacklisted[riders])
    assert abs(listed - 1000) < 4 * np.sqrt(2000 * 0.25)
