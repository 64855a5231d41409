"""Every shipped regime runs end to end; regime-level effects go the documented way."""

from __future__ import annotations

import math

import pytest

from conftest import simulate
from socialcredit.scenario import regime_names, regime_text

SEVEN = ["cultural-revolution", "danwei", "eu-ai-act", "financial-credit", "none", "scs", "scs-appeals"]


def test_all_seven_regimes_ship_and_open_with_their_sources():
    assert regime_names() == SEVEN
    for name in SEVEN:
        head = regime_text(name).lstrip()
        assert head.startswith(f"# Regime `{name}`"), name
        assert "Encodes" in head[:2000], name


@pytest.mark.parametrize("regime", SEVEN)
def test_each_regime_runs_end_to_end(regime):
    s = simulate(regime, n=2000, days=60).results.summary
    assert s["regime"] == regime and s["days"] == 60
    assert 0.0 <= s["blacklisted_share"] <= 1.0 and 0.0 <= s["trust_mean"] <= 1.0
    scored = regime != "none"
    assert math.isnan(s["score_mean"]) != scored


def test_appeals_lower_false_blacklisting():
    judged = {"monitoring_share": 0.1}  # the institution judges some help, so misconduct verdicts list too
    without = simulate("scs", n=8000, days=365, seed=2, interactions=judged).results.summary
    appeals = {"enabled": True, "appeal_prob": 1.0}
    with_ = simulate("scs", n=8000, days=365, seed=2, interactions=judged, appeals=appeals).results.summary
    assert with_["false_blacklist_share"] < without["false_blacklist_share"]
    assert with_["false_blacklist_health"] < without["false_blacklist_health"]
    appealable = ("false_blacklist_health", "false_blacklist_misflagged_post", "false_blacklist_slander")
    assert sum(with_[k] for k in appealable) < 0.6 * sum(without[k] for k in appealable)
    # misconduct verdicts are no legitimate cause by default: appeals leave them listed
    assert with_["true_blacklist_misconduct"] > 0.5 * without["true_blacklist_misconduct"]


def test_joint_punishment_denies_unrelated_services_only_under_the_scs():
    scs = simulate("scs", n=8000, days=365).results.summary  # the listed are poor and seldom fly
    eu = simulate("eu-ai-act", n=5000, days=200).results.summary
    assert scs["denied_flights"] > 0 and scs["denied_trains"] > 0
    assert eu["denied_flights"] == 0 and eu["denied_trains"] == 0 and eu["denied_loans"] > 0
