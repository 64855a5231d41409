"""M6 Interactions through observable effects: cooperation, payoffs, verdicts, the theory check."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import NO_FEAR
from socialcredit.engine import Simulation
from socialcredit.errors import InputError
from socialcredit.experiments import theory as th
from socialcredit.record import Cause, Factor, ListKind, blacklist
from socialcredit.reputation import Strategy

N = 5000
ALL_COOPERATORS = {"strategy_mix": {"discriminator": 0.0, "cooperator": 1.0, "defector": 0.0}}
ALL_DEFECTORS = {"strategy_mix": {"discriminator": 0.0, "cooperator": 0.0, "defector": 1.0}}


def run(days: int = 20, seed: int = 1, **sections) -> Simulation:
    sim = Simulation(None, population=N, days=days, seed=seed, overrides=sections)
    sim.run()
    return sim


def test_all_defectors_never_help_and_all_cooperators_help_but_for_execution_error():
    e = 0.05
    defectors = run(population=ALL_DEFECTORS, interactions={"execution_error": e, "fear": NO_FEAR})
    cooperators = run(population=ALL_COOPERATORS, interactions={"execution_error": e, "fear": NO_FEAR})
    assert defectors.totals["interactions"] == N * 20
    assert defectors.totals["helps"] == 0
    rate = cooperators.results.summary["cooperation_rate"]
    se = math.sqrt(e * (1 - e) / cooperators.totals["interactions"])
    assert abs(rate - (1 - e)) < 4 * se


def test_welfare_is_net_benefit_times_cooperation_per_interaction():
    b, c, k = 4.0, 1.5, 2
    sim = run(interactions={"benefit": b, "cost": c, "interactions_per_day": k})
    summary = sim.results.summary
    assert 0.2 < summary["cooperation_rate"] < 0.95
    assert summary["welfare"] == pytest.approx((b - c) * summary["cooperation_rate"] * k, rel=1e-12)
    assert float(sim.people.payoff.sum(dtype=np.float64)) == pytest.approx(sim.totals["payoff_total"], rel=1e-4)


def _one_day_judged(norm: str) -> Simulation:
    """All cooperators, no errors, every interaction judged against the blacklist; 10% listed."""
    sim = Simulation(
        None,
        population=N,
        days=1,
        seed=3,
        overrides={
            "population": ALL_COOPERATORS,
            "payments": {"enabled": False},
            "interactions": {
                "execution_error": 0.0,
                "assessment_error": 0.0,
                "monitoring_share": 1.0,
                "norm": norm,
                "standing": "blacklist",
            },
        },
    )
    blacklist(sim.people, np.arange(0, N, 10), ListKind.SCORE, Cause.NONE, 0)
    sim.step()
    return sim


def test_under_shunning_helping_the_blacklisted_is_a_bad_verdict_by_association():
    sim = _one_day_judged("shunning")
    bad = ~sim.people.reputation
    assert sim.totals["helps_blacklisted"] == sim.totals["interactions_blacklisted"] > 300
    assert np.count_nonzero(bad) == sim.totals["interactions_blacklisted"]
    assert np.all(sim.people.last_penalty_cause[bad] == Cause.ASSOCIATION)
    behaviour = sim.people.factors[Factor.BEHAVIOUR]
    assert behaviour[bad].mean() < behaviour[~bad].mean() - 0.04


def test_under_image_scoring_helping_anyone_is_good():
    sim = _one_day_judged("image-scoring")
    assert sim.totals["helps_blacklisted"] > 300
    assert sim.people.reputation.all()


def test_textbook_setting_matches_the_theory_check():
    """Strangers only, everyone judged by public reputation: SPEC §7's model, same prediction."""
    norm, e1, e2 = "stern-judging", 0.05, 0.05
    sim = Simulation(
        None,
        population=N,
        days=60,
        seed=4,
        overrides={
            "interactions": {
                "partners": {"household": 0, "work_unit": 0, "friendship": 0, "stranger": 1},
                "visibility": "reputation",
                "monitoring_share": 1.0,
                "norm": norm,
                "standing": "reputation",
                "execution_error": e1,
                "assessment_error": e2,
                "signal_reliability": 1.0,  # the theory's discriminators follow the reputation shown
                "fear": NO_FEAR,
            }
        },
    )
    sim.run(until=20)
    good, helps, interactions = [], sim.totals["helps"], sim.totals["interactions"]
    while sim.day < sim.days:
        sim.step()
        good.append(sim.people.reputation.mean())
    cooperation = (sim.totals["helps"] - helps) / (sim.totals["interactions"] - interactions)
    mix = tuple(float(np.mean(sim.people.strategy == s)) for s in Strategy)
    params = th.TheoryParams(norm=norm, mix=mix, execution_error=e1, assessment_error=e2, population=N)
    predicted = th.predict(params)
    assert np.mean(good) == pytest.approx(predicted.good_all, abs=0.005)
    assert cooperation == pytest.approx(predicted.cooperation_rate, abs=0.005)


def test_private_experience_lets_discriminators_reciprocate_along_ties():
    """Trust 0 (kept there) and no forgiveness: a discriminator helps only a tie that helped it before."""
    common = {
        "adaptation": {"enabled": False},
        "population": {
            "trust": {"kin": 0.0, "coworkers": 0.0, "friends": 0.0, "strangers": 0.0},
            "strategy_mix": {"discriminator": 0.5, "cooperator": 0.5, "defector": 0.0},
        },
    }
    e = 0.02
    interactions = {"execution_error": e, "forgiveness": 0.0, "trust_learning_rate": 0.0}
    ties = run(**common, interactions=interactions | {"partners": {"household": 0, "stranger": 0}})
    strangers = run(
        **common,
        interactions=interactions | {"partners": {"household": 0, "work_unit": 0, "friendship": 0, "stranger": 1}},
    )
    allc = float(np.mean(strangers.people.strategy == Strategy.COOPERATOR))
    rate = strangers.results.summary["cooperation_rate"]
    assert rate == pytest.approx(allc * (1 - e), abs=0.01)  # strangers: only cooperators help
    assert ties.results.summary["cooperation_rate"] > rate + 0.05  # SE ~0.003


def test_same_seed_same_run_and_another_seed_differs():
    a, b, c = (run(days=10, seed=s) for s in (7, 7, 8))
    assert np.array_equal(a.people.payoff, b.people.payoff)
    assert a.totals == b.totals
    assert not np.array_equal(a.people.payoff, c.people.payoff)


def test_score_visibility_needs_the_score():
    with pytest.raises(InputError, match="score_tier"):
        Simulation(
            None, population=100, days=1, overrides=["score.enabled=false", "interactions.visibility=score_tier"]
        )


def test_unknown_norm_names_the_allowed_ones():
    with pytest.raises(InputError, match="shunning"):
        Simulation(None, population=100, days=1, overrides=["interactions.norm=scoring"])
