"""Ground truth per cause: a listing is false when the listed did not do what its rule punishes."""

from __future__ import annotations

import numpy as np

from conftest import NO_FEAR, simulate
from socialcredit.record import FALSE_CAUSES, TRUE_CAUSES, Cause, ListKind

# Score listings from the behaviour factor only: what the institution's verdicts on observed acts decide.
VERDICTS_ONLY = {
    "score": {
        "enabled": True,
        "weights": {
            "credit_history": 0.0,
            "fulfillment_capacity": 0.0,
            "personal_characteristics": 0.0,
            "behaviour": 1.0,
            "relationships": 0.0,
        },
    },
    "lists": {"court_blacklist": False, "score_blacklist_below": 600.0, "min_listing_days": 0},
    "payments": {"enabled": False},
    "posts": {"enabled": False},
    "purchases": {"enabled": False},
    "reports": {"enabled": False},
}


def _listed_causes(sim) -> np.ndarray:
    people = sim.people
    return people.list_cause[people.blacklisted]


def test_a_defector_listed_for_misconduct_is_a_true_listing():
    sim = simulate(
        None,
        n=2000,
        days=60,
        population={"strategy_mix": {"discriminator": 0.0, "cooperator": 0.0, "defector": 1.0}},
        interactions={"monitoring_share": 0.5, "norm": "image-scoring", "assessment_error": 0.0},
        **VERDICTS_ONLY,
    )
    s = sim.results.summary
    assert s["blacklisted_share"] > 0.1
    assert np.all(_listed_causes(sim) == Cause.MISCONDUCT)
    assert s["true_blacklist_misconduct"] == s["blacklisted_share"]
    assert s["false_blacklist_share"] == 0 and s["blacklist_precision"] == 1.0


def test_a_cooperator_listed_by_a_flipped_verdict_is_a_false_listing():
    sim = simulate(
        None,
        n=2000,
        days=60,
        population={"strategy_mix": {"discriminator": 0.0, "cooperator": 1.0, "defector": 0.0}},
        interactions={
            "monitoring_share": 0.5,
            "norm": "image-scoring",
            "assessment_error": 0.3,
            "execution_error": 0.0,
            "fear": NO_FEAR,  # a withdrawal is a refusal
        },
        **VERDICTS_ONLY,
    )
    s = sim.results.summary
    assert s["blacklisted_share"] > 0.01
    assert np.all(_listed_causes(sim) == Cause.MISJUDGED)  # cooperators always help: only errors condemn them
    assert s["false_blacklist_misjudged"] == s["false_blacklist_share"] == s["blacklisted_share"]
    assert s["true_blacklist_misconduct"] == 0


def test_a_patient_listed_for_arrears_is_false_and_a_free_rider_true():
    sim = simulate(
        "financial-credit",
        n=6000,
        days=365,
        payments={"grace_days": 30, "sue_prob": 1.0, "litigation_days": 0, "means_test": False},
        appeals={"enabled": False},
        lists={"court_blacklist": True},
    )
    people, s = sim.people, sim.results.summary
    court = people.blacklisted & (people.list_kind == ListKind.COURT)
    assert (court & (people.list_cause == Cause.HEALTH)).any() and (court & people.free_rider).any()
    assert s["false_blacklist_health"] == np.mean(people.blacklisted & (people.list_cause == Cause.HEALTH))
    assert s["true_blacklist_free_riding"] == np.mean(people.blacklisted & (people.list_cause == Cause.FREE_RIDING))
    assert s["blacklist_precision"] < 1.0


def test_every_cause_is_true_or_false_once():
    assert set(TRUE_CAUSES) | set(FALSE_CAUSES) == set(Cause)
    assert not set(TRUE_CAUSES) & set(FALSE_CAUSES)
