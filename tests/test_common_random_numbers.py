"""Common random numbers per decision: switching off a mechanism or a perk changes nothing it
does not feed, and a burn-in hands over everything, per-tie memory included."""

from __future__ import annotations

import json

import numpy as np

from socialcredit import engine
from socialcredit.engine import Simulation
from socialcredit.mechanisms import MECHANISMS
from socialcredit.results import json_clean

N, DAYS = 3000, 90


def _run(regime: str, **sections) -> Simulation:
    sim = Simulation(regime, population=N, days=DAYS, seed=11, overrides=sections)
    sim.run()
    return sim


def _summary(sim: Simulation) -> dict:
    return json.loads(json.dumps(json_clean(sim.results.summary)))


def test_switching_off_perks_leaves_every_other_metric_bit_identical():
    with_perks, without = _run("scs"), _run("scs", lists={"perks": []})
    a, b = _summary(with_perks), _summary(without)
    changed = {k for k in a if a[k] != b[k]}
    assert with_perks.totals["perks_vip_checkin"] > 0 and without.totals["perks_vip_checkin"] == 0
    assert changed == {k for k in a if k.startswith("perks_") and a[k]}  # only the perks themselves
    for name in with_perks.people.specs:
        if name != "perks_received":
            assert np.array_equal(getattr(with_perks.people, name), getattr(without.people, name), equal_nan=True), name


def downstream(of: str) -> set[str]:
    """The mechanisms whose decisions depend, directly or through others, on what `of` writes or
    publishes (from the declarations only)."""
    table = engine.owners()
    writes = {m.name: {s.name for s in m.states} | set(m.writes) for m in MECHANISMS}
    reads = {m.name: set(m.reads) | set(m.signals) for m in MECHANISMS}
    published = {m.name: set(m.publishes) for m in MECHANISMS}
    reached, frontier = {of}, [of]
    while frontier:
        source = frontier.pop()
        out = writes[source] | published[source]
        for m in MECHANISMS:
            if m.name not in reached and reads[m.name] & out:
                reached.add(m.name)
                frontier.append(m.name)
    assert all(name in table for name in writes[of])
    return reached - {of}


def test_switching_off_shaming_changes_only_what_shaming_feeds():
    on, off = _run("scs"), _run("scs", shaming={"enabled": False})
    fed = downstream("shaming")
    untouched = {m.name for m in MECHANISMS} - fed - {"shaming"}
    assert {"life_events", "purchases", "data_collection"} <= untouched and "interactions" in fed
    for m in MECHANISMS:
        if m.name in untouched:
            for key in m.counts:
                assert on.totals[key] == off.totals[key], (m.name, key)
            for spec in m.states:
                if spec.per == "citizen":
                    assert np.array_equal(getattr(on.people, spec.name), getattr(off.people, spec.name)), spec.name
    assert on.totals["broadcasts"] > 0 and off.totals["broadcasts"] == 0
    assert on.totals["avoided"] > 0 and on.totals["helps"] != off.totals["helps"]  # what it feeds does change


def test_a_burn_in_then_the_same_regime_equals_the_days_run_straight_through():
    for regime in ("none", "danwei"):
        straight = Simulation(regime, population=N, days=80, seed=3)
        straight.run()
        donor = Simulation(regime, population=N, days=40, seed=3)
        donor.run()
        branch = Simulation(regime, population=N, days=80, seed=3)
        branch.continue_from(donor)
        memory = branch.network.states.memory
        assert memory.shape[0] > 0 and np.count_nonzero(memory) == np.count_nonzero(donor.network.states.memory) > 0
        branch.run()
        for name in straight.people.specs:
            assert np.array_equal(getattr(straight.people, name), getattr(branch.people, name), equal_nan=True), name
        assert np.array_equal(straight.network.states.memory, branch.network.states.memory)
        assert np.array_equal(straight.network.active, branch.network.active)
        stocks = ("trust_mean", "blacklisted_share", "score_mean", "ties_cut_share")
        a, b = _summary(straight), _summary(branch)
        assert all(a[k] == b[k] for k in stocks)


def test_a_burn_in_hands_over_pending_reports():
    donor = Simulation("cultural-revolution", population=N, days=60, seed=2)
    donor.run()
    branch = Simulation("cultural-revolution", population=N, days=90, seed=2)
    branch.continue_from(donor)
    held, given = branch.mechanisms["reports"].pending, donor.mechanisms["reports"].pending
    assert given[0].shape[0] > 0
    assert all(np.array_equal(a, b) for a, b in zip(held, given, strict=True))
    assert held[0] is not given[0]  # a copy: the branch's log moves on its own
