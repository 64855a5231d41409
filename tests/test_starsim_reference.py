"""The Starsim reference computes the same core model as socialcredit: same society, outputs within sampling error.

This is what makes the Starsim speed ratio a like-for-like one. The check has power: a
10-point error in the decision threshold of the Starsim side is caught.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starsim")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `benchmarks` lives beside `src`, outside the installed package
    sys.path.insert(0, str(ROOT))

from benchmarks import reference_core  # noqa: E402
from benchmarks.compare_common import SCENARIO, Z_AGREE, agreement, run_socialcredit  # noqa: E402
from benchmarks.starsim_compare import run_starsim  # noqa: E402
from benchmarks.starsim_reference.model import CoreModel, geometric  # noqa: E402
from socialcredit.engine import Simulation  # noqa: E402
from socialcredit.mechanisms.lists import SERVICES  # noqa: E402
from socialcredit.record import Cause, ListKind  # noqa: E402
from socialcredit.reputation import NORMS, Strategy, norm_table  # noqa: E402
from socialcredit.scenario import load_scenario  # noqa: E402

N, DAYS = 1000, 40
STARSIM_SEEDS = range(1, 9)
SC_SEEDS = range(1, 17)  # socialcredit is cheap: more replicates sharpen the pooled sd


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def sc_outputs(scenario):
    # One Numba thread: results do not depend on the thread count, and a shared machine runs it faster.
    return [run_socialcredit(scenario, N, DAYS, seed, threads=1)["outputs"] for seed in SC_SEEDS]


def test_shared_codes_and_norms_match_socialcredit():
    m = reference_core
    assert (m.FREE_RIDING, m.HEALTH, m.INCOME) == (Cause.FREE_RIDING, Cause.HEALTH, Cause.INCOME)
    assert (m.ASSOCIATION, m.MISCONDUCT, m.CLASS_LABEL) == (Cause.ASSOCIATION, Cause.MISCONDUCT, Cause.CLASS_LABEL)
    assert (m.LIST_COURT, m.LIST_SCORE) == (ListKind.COURT, ListKind.SCORE)
    assert tuple(Strategy) == (m.DISCRIMINATOR, m.COOPERATOR, m.DEFECTOR)
    assert m.SERVICES == SERVICES
    for norm in NORMS:
        assert np.array_equal(np.array(m.NORMS[norm]), norm_table(norm)), norm


def test_both_start_from_the_same_society(scenario):
    model = CoreModel(scenario, population=500, seed=3, days=2)
    sim = Simulation(scenario, population=500, days=1, seed=3)
    people, net = sim.people, sim.network
    mods = model.sim.custom
    assert np.array_equal(mods.donation_game.strategy.values, people.strategy)
    assert np.array_equal(mods.payments.free_rider.values, people.free_rider)
    assert np.allclose(mods.life_events.health_hazard.values, people.health_hazard, rtol=1e-6)
    # the Starsim network holds each CSR tie once, with its layer; its per-layer index gives the rows back
    ties = model.sim.networks.ties
    assert len(ties) * 2 == net.indices.shape[0]
    rows = np.repeat(np.arange(500), np.diff(net.indptr))
    csr = sorted(zip(rows.tolist(), net.indices.tolist(), net.layer.tolist(), strict=True))
    rebuilt = sorted(
        (i, int(ties.neighbours[ties.start[i, layer] + k]), layer)
        for i in range(500)
        for layer in range(3)
        for k in range(ties.count[i, layer])
    )
    assert rebuilt == csr
    # day-0 scores agree up to float32 rounding
    assert np.allclose(mods.score.score.values, people.score, atol=1e-3)


def test_one_step_a_day(scenario):
    model = CoreModel(scenario, population=300, seed=1, days=7)
    model.run()
    assert model.totals["interactions"] == 300 * 7


def test_geometric_has_the_mean_it_should():
    u = np.random.default_rng(0).random(200_000)
    assert geometric(u, 1 / 9).min() == 1
    assert abs(geometric(u, 1 / 9).mean() - 9.0) < 0.1
    assert np.all(geometric(u, 1.0) == 1)


def test_refuses_a_scenario_beyond_the_core(scenario):
    alt = scenario.model_copy(deep=True)
    alt.posts.enabled = True
    with pytest.raises(ValueError, match=r"Starsim core model.*posts"):
        CoreModel(alt, population=50, seed=1, days=2)


def test_mean_outputs_agree_within_sampling_error(scenario, sc_outputs):
    runs = [run_starsim(scenario, N, DAYS, seed)["outputs"] for seed in STARSIM_SEEDS]
    result = agreement(runs, sc_outputs, "starsim")
    assert runs[0]["court_listings_per_1000"] + sum(r["court_listings_per_1000"] for r in sc_outputs) > 0
    bad = {k: round(v["z"], 2) for k, v in result.items() if v["agree"] is False}
    assert not bad, f"|z| >= {Z_AGREE} for {bad}"
    assert all(v["agree"] is not None for v in result.values())


def test_the_check_catches_a_small_mirroring_error(scenario, sc_outputs):
    wrong = scenario.model_copy(deep=True)
    wrong.interactions.tier_cut = scenario.interactions.tier_cut + 10.0
    runs = [run_starsim(wrong, N, DAYS, seed)["outputs"] for seed in STARSIM_SEEDS]
    result = agreement(runs, sc_outputs, "starsim")
    assert result["cooperation_rate"]["agree"] is False
