"""M4 Purchases through observable effects: what the shopping platforms see moves the behaviour factor."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import simulate
from socialcredit.engine import Simulation
from socialcredit.errors import InputError
from socialcredit.record import Channel, Factor

OTHERS_OFF = {"interactions": {"enabled": False}, "adaptation": {"enabled": False}}


def _behaviour(sim: Simulation) -> np.ndarray:
    return sim.people.factors[Factor.BEHAVIOUR]


def test_zero_shopping_coverage_leaves_the_behaviour_factor_unchanged_by_purchases():
    unseen = {"coverage": {"shopping": 0.0}}
    shopping = simulate(None, n=2000, days=40, data_collection=unseen, **OTHERS_OFF)
    no_shops = simulate(None, n=2000, days=40, data_collection=unseen, purchases={"enabled": False}, **OTHERS_OFF)
    assert shopping.totals["purchases_total"] > 10_000
    assert shopping.totals["posts_flagged"] > 0  # posts still move the factor, identically in both runs
    assert np.array_equal(_behaviour(shopping), _behaviour(no_shops))
    seen = simulate(None, n=2000, days=40, **OTHERS_OFF)
    assert not np.array_equal(_behaviour(seen), _behaviour(no_shops))


def test_necessities_raise_and_idle_goods_lower_the_behaviour_factor():
    quiet = {"posts": {"enabled": False}, "data_collection": {"coverage": {"shopping": 1.0}}, **OTHERS_OFF}
    baseline = 0.5
    thrifty = simulate(None, n=2000, days=40, purchases={"idle_share": 0.0, "necessity_reward": 0.01}, **quiet)
    idle = simulate(None, n=2000, days=40, purchases={"necessity_share": 0.0, "idle_share": 0.5}, **quiet)
    assert _behaviour(thrifty).min() >= baseline and _behaviour(thrifty).mean() > baseline + 0.02
    # expected drop: 0.26 x 0.5 E[min(taste, 2)] idle goods a day x 0.005, against a 0.005 daily decay,
    # over 40 days: 0.0203
    assert _behaviour(idle).max() <= baseline and _behaviour(idle).mean() < baseline - 0.015
    # a taste for idle goods is what the score punishes
    rate = idle.people.idle_rate
    keen, averse = rate > np.quantile(rate, 0.75), rate < np.quantile(rate, 0.25)
    assert _behaviour(idle)[keen].mean() < _behaviour(idle)[averse].mean() - 0.02


def test_purchase_counts_follow_the_rates():
    days, n = 30, 2000
    sim = simulate(None, n=n, days=days, posts={"enabled": False}, **OTHERS_OFF)
    t, p = sim.totals, sim.scenario.purchases
    expected = n * days * p.purchases_per_day
    assert abs(t["purchases_total"] - expected) < 4 * math.sqrt(expected)
    expected_necessity = expected * p.necessity_share
    assert abs(t["purchases_necessity"] - expected_necessity) < 4 * math.sqrt(expected_necessity)
    expected_idle = float(sim.people.idle_rate.sum()) * days
    assert abs(t["purchases_idle"] - expected_idle) < 4 * math.sqrt(expected_idle)
    assert sim.people.enrolled[Channel.SHOPPING].mean() == pytest.approx(0.7, abs=0.05)


def test_shares_beyond_one_are_rejected():
    with pytest.raises(InputError, match="necessity_share"):
        Simulation(None, population=100, days=1, overrides={"purchases": {"necessity_share": 0.8, "idle_share": 0.3}})
