"""The Mesa reference computes the same core model as socialcredit: same society, outputs within sampling error.

This is what makes the benchmark's speed ratio a like-for-like one. The check has power: a
10-point error in the decision threshold of the Mesa side is caught.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mesa")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `benchmarks` lives beside `src`, outside the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import mesa_reference  # noqa: E402
from benchmarks.mesa_compare import SCENARIO, Z_AGREE, agreement, run_mesa, run_socialcredit  # noqa: E402
from benchmarks.mesa_reference.model import CoreModel  # noqa: E402
from socialcredit.engine import Simulation  # noqa: E402
from socialcredit.mechanisms.lists import SERVICES  # noqa: E402
from socialcredit.record import TRUE_CAUSES, Cause, ListKind  # noqa: E402
from socialcredit.reputation import NORMS, Strategy, norm_table  # noqa: E402
from socialcredit.scenario import load_scenario  # noqa: E402

N, DAYS = 1000, 40
MESA_SEEDS = range(1, 9)
SC_SEEDS = range(1, 17)  # socialcredit is cheap: more replicates sharpen the pooled sd


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def sc_outputs(scenario):
    # One Numba thread: results do not depend on the thread count, and a shared machine runs it faster.
    return [run_socialcredit(scenario, N, DAYS, seed, threads=1)["outputs"] for seed in SC_SEEDS]


def test_codes_and_norms_match_socialcredit():
    m = mesa_reference.model
    assert (m.FREE_RIDING, m.HEALTH, m.INCOME) == (Cause.FREE_RIDING, Cause.HEALTH, Cause.INCOME)
    assert (m.ASSOCIATION, m.MISCONDUCT, m.CLASS_LABEL) == (Cause.ASSOCIATION, Cause.MISCONDUCT, Cause.CLASS_LABEL)
    assert (m.MISJUDGED, m.CRITICISM, m.PREFERENCE) == (Cause.MISJUDGED, Cause.CRITICISM, Cause.PREFERENCE)
    assert set(m.TRUE_CAUSES) == set(TRUE_CAUSES)
    assert (m.LIST_COURT, m.LIST_SCORE) == (ListKind.COURT, ListKind.SCORE)
    assert tuple(Strategy) == (m.DISCRIMINATOR, m.COOPERATOR, m.DEFECTOR)
    assert m.SERVICES == SERVICES
    assert set(m.NORMS) == set(NORMS)
    for norm in NORMS:
        assert np.array_equal(np.array(m.NORMS[norm]), norm_table(norm)), norm


def test_both_start_from_the_same_society(scenario):
    model = CoreModel(scenario, population=500, seed=3)
    sim = Simulation(scenario, population=500, days=1, seed=3)
    people, net = sim.people, sim.network
    assert [c.income for c in model.citizens] == people.income.tolist()
    assert [c.strategy for c in model.citizens] == people.strategy.tolist()
    assert [c.free_rider for c in model.citizens] == people.free_rider.tolist()
    ties = [t.index for c in model.citizens for t in c.ties]
    assert ties == net.indices.tolist()
    # day 0 scores agree up to float32 rounding
    assert np.allclose([c.score for c in model.citizens], people.score, atol=1e-3)


def test_refuses_a_scenario_beyond_the_core(scenario):
    alt = scenario.model_copy(deep=True)
    alt.posts.enabled = True
    with pytest.raises(ValueError, match="posts"):
        CoreModel(alt, population=50, seed=1)


def test_mean_outputs_agree_within_sampling_error(scenario, sc_outputs):
    mesa = [run_mesa(scenario, N, DAYS, seed)["outputs"] for seed in MESA_SEEDS]
    result = agreement(mesa, sc_outputs)
    assert mesa[0]["court_listings_per_1000"] + sum(r["court_listings_per_1000"] for r in sc_outputs) > 0
    bad = {k: round(v["z"], 2) for k, v in result.items() if v["agree"] is False}
    assert not bad, f"|z| >= {Z_AGREE} for {bad}"
    assert all(v["agree"] is not None for v in result.values())


def test_the_check_catches_a_small_mirroring_error(scenario, sc_outputs):
    wrong = scenario.model_copy(deep=True)
    wrong.interactions.tier_cut = scenario.interactions.tier_cut + 10.0
    mesa = [run_mesa(wrong, N, DAYS, seed)["outputs"] for seed in MESA_SEEDS]
    result = agreement(mesa, sc_outputs)
    assert result["cooperation_rate"]["agree"] is False
