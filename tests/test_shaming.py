"""M10 Public shaming through observable effects: broadcasts, avoidance, visibility of the list."""

from __future__ import annotations

import numpy as np

from conftest import NO_FEAR
from socialcredit.engine import Simulation
from socialcredit.record import Cause, ListKind, blacklist, delist

N = 5000


def listed_run(shaming: dict, interactions: dict | None = None, days: int = 20) -> Simulation:
    """A tenth of the population listed on day 0 (a score listing nobody recovers from here);
    discriminators believe what is shown, and nobody withdraws under fear."""
    plain = {"signal_reliability": 1.0, "fear": NO_FEAR}
    sim = Simulation(
        None,
        population=N,
        days=days,
        seed=5,
        overrides={"shaming": shaming, "interactions": plain | (interactions or {}), "adaptation": {"pruning": False}},
    )
    blacklist(sim.people, np.arange(0, N, 10), ListKind.SCORE, Cause.NONE, 0)
    sim.run()
    return sim


def test_shaming_with_avoidance_lowers_the_help_the_listed_receive():
    quiet = listed_run({"enabled": False})
    shamed = listed_run({"enabled": True, "coverage": 1.0}, {"avoid_shamed": 0.8})
    before = quiet.results.summary["help_rate_blacklisted"]
    after = shamed.results.summary["help_rate_blacklisted"]
    assert quiet.totals["interactions_blacklisted"] > 5000
    assert after < 0.5 * before
    assert shamed.totals["avoided"] > 0.7 * shamed.totals["interactions_blacklisted"]
    # the rest of society is helped as before
    others = [(s.totals["helps"] - s.totals["helps_blacklisted"]) for s in (quiet, shamed)]
    assert abs(others[1] / others[0] - 1) < 0.05


def test_broadcasts_follow_coverage_and_end_with_the_listing():
    sim = listed_run({"enabled": True, "coverage": 0.5}, days=1)
    listed = N // 10
    assert sim.totals["broadcasts"] == np.count_nonzero(sim.people.publicly_shamed)
    assert abs(sim.totals["broadcasts"] - listed / 2) < 4 * np.sqrt(listed / 4)
    assert not np.any(sim.people.publicly_shamed & ~sim.people.blacklisted)
    delist(sim.people, np.arange(0, N, 10))
    sim.days = 2
    sim.step()
    assert not sim.people.publicly_shamed.any()


def test_a_broadcast_makes_the_listing_visible_to_discriminators():
    seen = {"visibility": "blacklist", "execution_error": 0.0, "avoid_shamed": 0.0}
    hidden = listed_run({"enabled": False}, seen)
    public = listed_run({"enabled": True, "coverage": 1.0}, seen)
    assert public.totals["avoided"] == 0
    assert public.results.summary["help_rate_blacklisted"] < hidden.results.summary["help_rate_blacklisted"] - 0.3
