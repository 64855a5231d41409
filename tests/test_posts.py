"""M5 Posts through observable effects: the classifier's confusion rates, causes, self-censorship."""

from __future__ import annotations

import math

import numpy as np

from conftest import simulate
from socialcredit.engine import Simulation
from socialcredit.record import Channel, Factor

QUIET = {"purchases": {"enabled": False}, "interactions": {"enabled": False}, "adaptation": {"enabled": False}}


def _within(measured: float, p: float, n: float, sds: float = 4.0) -> bool:
    return abs(measured - p) < sds * math.sqrt(p * (1 - p) / n)


def test_measured_confusion_rates_match_the_parameters():
    sim = simulate(None, n=3000, days=40, posts={"true_positive_rate": 0.7, "false_positive_rate": 0.1}, **QUIET)
    t, summary = sim.totals, sim.results.summary
    assert t["posts_seen_neutral"] > 20_000 and t["posts_seen_critical"] > 1000
    assert _within(summary["classifier_false_positive_rate"], 0.1, t["posts_seen_neutral"])
    assert _within(summary["classifier_true_positive_rate"], 0.7, t["posts_seen_critical"])
    assert t["posts_flagged"] == t["flagged_critical"] + t["flagged_neutral"]
    assert t["posts_total"] == t["posts_critical"] + t["posts_neutral"] + t["posts_positive"]
    # only what a platform sees is classified: about the social coverage (0.7) of neutral posts
    assert 0.6 < t["posts_seen_neutral"] / t["posts_neutral"] < 0.8
    flagged = sim.people.posts_flagged_recent > 0
    assert flagged.any() and not (flagged & ~sim.people.enrolled[Channel.SOCIAL]).any()


def test_post_volume_follows_the_traits():
    sim = simulate(None, n=3000, days=40, **QUIET)
    people, t = sim.people, sim.totals
    days = 40
    expected = float(np.dot(people.posting_rate, people.critical_share)) * days
    assert abs(t["posts_critical"] - expected) < 4 * math.sqrt(expected)
    assert abs(t["posts_total"] - float(people.posting_rate.sum()) * days) < 4 * math.sqrt(t["posts_total"])


def test_misflagged_and_critical_posts_carry_their_causes_to_the_list():
    score_list = {"court_blacklist": False, "score_blacklist_below": 600.0}
    misflags = {"true_positive_rate": 0.0, "false_positive_rate": 0.3, "flag_penalty": 0.1}
    catches = {"true_positive_rate": 1.0, "false_positive_rate": 0.0, "flag_penalty": 0.1}
    neutral_only = simulate(None, n=3000, days=60, lists=score_list, posts=misflags, **QUIET)
    critical_only = simulate(None, n=3000, days=60, lists=score_list, posts=catches, **QUIET)
    a, b = neutral_only.results.summary, critical_only.results.summary
    assert a["false_blacklist_misflagged_post"] > 0.05 and a["true_blacklist_criticism"] == 0
    # a flagged critical post is what the rule punishes: a true listing (record.TRUE_CAUSES)
    assert b["true_blacklist_criticism"] > 0.02 and b["false_blacklist_misflagged_post"] == 0


def test_positive_posts_raise_and_flags_lower_the_behaviour_factor():
    quiet = {"true_positive_rate": 0.0, "false_positive_rate": 0.0, "positive_reward": 0.02}
    praise = simulate(None, n=2000, days=30, posts=quiet, **QUIET)
    flags = simulate(None, n=2000, days=30, posts={"positive_reward": 0.0, "false_positive_rate": 0.2}, **QUIET)
    seen = praise.people.enrolled[Channel.SOCIAL]
    baseline = praise.scenario.score.initial_behaviour
    assert praise.people.factors[Factor.BEHAVIOUR, seen].mean() > baseline + 0.05
    assert np.allclose(praise.people.factors[Factor.BEHAVIOUR, ~seen], baseline)
    assert flags.people.factors[Factor.BEHAVIOUR, seen].mean() < baseline - 0.05


def _critical_posts(risk: float, self_censorship: bool = True) -> tuple[float, float]:
    sim = Simulation(
        None,
        population=3000,
        days=20,
        seed=1,
        overrides={
            "purchases": {"enabled": False},
            "interactions": {"enabled": False},
            "adaptation": {"risk": False, "pruning": False, "self_censorship": self_censorship},
        },
    )
    sim.people.perceived_risk[:] = risk  # held fixed: risk updates are off
    sim.run()
    return sim.totals["posts_critical"], sim.totals["posts_neutral"]


def test_higher_perceived_risk_gives_fewer_critical_posts():
    calm, calm_neutral = _critical_posts(0.0)
    afraid, afraid_neutral = _critical_posts(0.5)
    assert calm > 1000
    assert abs(afraid / calm - 0.5) < 0.08  # (1 - 0.5) ** sensitivity 1
    assert abs(afraid_neutral / calm_neutral - 1.0) < 0.02  # silence, not substitution
    unmoved, _ = _critical_posts(0.5, self_censorship=False)
    assert abs(unmoved / calm - 1.0) < 0.1


def test_chilling_rises_when_the_classifier_flags_more():
    def chilling(tpr: float, fpr: float) -> float:
        posts = {"true_positive_rate": tpr, "false_positive_rate": fpr}
        sim = simulate(None, n=3000, days=60, posts=posts, interactions={"enabled": False})
        return sim.results.summary["chilling"]

    none, few, many = chilling(0.0, 0.0), chilling(0.2, 0.01), chilling(0.9, 0.2)
    assert abs(none) < 0.05
    assert few > none + 0.02
    assert many > few + 0.1


def test_same_seed_same_posts():
    a = simulate(None, n=1500, days=15)
    b = simulate(None, n=1500, days=15)
    assert a.totals == b.totals
    assert np.array_equal(a.people.posts_flagged_recent, b.people.posts_flagged_recent)
