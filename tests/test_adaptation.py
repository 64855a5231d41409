"""M12 Adaptation through observable effects: trust, perceived risk, pruning, deterrence."""

from __future__ import annotations

import numpy as np

from conftest import simulate
from socialcredit.engine import Simulation
from socialcredit.society.network import Layer
from socialcredit.society.population import trust_levels

# Free riders listed within weeks: a court default after 10 days of debt on weekly bills (the
# essay's automatic rule: always sued, judged at once, no means test).
AUTOMATIC = {"sue_prob": 1.0, "litigation_days": 0, "means_test": False}
LISTING = {"population": {"free_rider_share": 0.1}, "payments": {"grace_days": 10, "bill_cycle_days": 7, **AUTOMATIC}}
FAST = {"interactions": {"enabled": False}, "purchases": {"enabled": False}}


def _listed_end_share(sim: Simulation, entries: np.ndarray) -> float:
    net, listed = sim.network, sim.people.blacklisted
    return float(np.mean(listed[net.indices[entries]] | listed[net.sources()[entries]]))


def test_pruning_cuts_ties_toward_the_listed():
    on = simulate(None, n=3000, days=60, adaptation={"prune_review_rate": 0.2}, **LISTING, **FAST)
    off = simulate(None, n=3000, days=60, adaptation={"pruning": False}, **LISTING, **FAST)
    assert off.totals["ties_cut"] == 0 and off.network.active.all()
    cut = np.flatnonzero(~on.network.active)
    assert on.totals["ties_cut"] > 200 and cut.shape[0] == 2 * on.totals["ties_cut"]
    friendship = np.flatnonzero(on.network.layer == Layer.FRIENDSHIP)
    assert np.all(on.network.layer[cut] == Layer.FRIENDSHIP)  # the default prunable layer
    assert _listed_end_share(on, cut) > 0.8 > 2 * _listed_end_share(on, friendship)
    # the listed lose friends they keep when nobody prunes
    listed = on.people.blacklisted & off.people.blacklisted
    assert on.network.active_degree()[listed].mean() < off.network.active_degree()[listed].mean() - 1


def test_pruning_waits_for_a_relationships_factor_unless_told():
    no_weight = {"weights": {"relationships": 0.0}}
    idle = simulate(None, n=2000, days=40, score=no_weight, adaptation={"prune_review_rate": 0.2}, **LISTING, **FAST)
    stigma = {"prune_review_rate": 0.2, "prune_without_relationships_factor": True}
    cutting = simulate(None, n=2000, days=40, score=no_weight, adaptation=stigma, **LISTING, **FAST)
    assert idle.totals["ties_cut"] == 0
    assert cutting.totals["ties_cut"] > 50


def test_deterrence_lowers_free_riders_defaults_over_time():
    biting = {"lists": {"service_rates": {"trains": 36.5}}}  # sanctions bite about every ten days

    def misses(deterrence: bool) -> tuple[float, float]:
        adaptation = {"deterrence": deterrence}
        sim = Simulation(
            None, population=3000, days=120, seed=1, overrides={**LISTING, **FAST, **biting, "adaptation": adaptation}
        )
        sim.run(until=60)
        early = sim.totals["bills_missed_free_riding"]
        sim.run()
        return early, sim.totals["bills_missed_free_riding"] - early

    early_on, late_on = misses(True)
    early_off, late_off = misses(False)
    assert late_off > 1000
    assert late_on < 0.75 * late_off
    assert late_on / early_on < late_off / early_off  # the gap widens as sanctions accumulate


def test_trust_learns_from_help_received():
    def trust_after(strategy: str) -> float:
        mix = {"discriminator": 0.0, "cooperator": 0.0, "defector": 0.0, strategy: 1.0}
        over = {"population": {"strategy_mix": mix}, "adaptation": {"trust_anchor_rate": 0.0}}  # experience alone
        return simulate(None, n=1500, days=100, **over).results.summary["trust_mean"]

    start = float(trust_levels(Simulation(None, population=1500, days=1).people).mean())
    assert trust_after("cooperator") > start + 0.05  # a quarter of the acts in each relation: slower than pooled
    assert trust_after("defector") < start - 0.1


def test_trust_falls_when_ties_are_listed():
    def trust(loss: float) -> Simulation:
        return simulate(None, n=3000, days=60, adaptation={"trust_loss_per_listed_tie": loss}, **LISTING, **FAST)

    hurt, spared = trust(0.1), trust(0.0)
    assert np.array_equal(hurt.people.blacklisted, spared.people.blacklisted)
    net = hurt.network
    near = np.zeros(hurt.people.n, dtype=bool)
    near[net.indices[hurt.people.ever_blacklisted[net.sources()]]] = True
    hurt_trust, spared_trust = trust_levels(hurt.people), trust_levels(spared.people)
    assert np.all(hurt_trust <= spared_trust)
    assert hurt_trust[:, near].mean() < spared_trust[:, near].mean() - 0.02
    assert np.array_equal(hurt_trust[:, ~near], spared_trust[:, ~near])


# Every report accepted unchecked, at 36 times the default rate: many citizens denounced in weeks.
DENOUNCING = {"reports": {"enabled": True, "verification": 0.0, "unverified": "accept", "report_rate": 50.0}}


def test_trust_falls_around_the_denounced():
    def trust(loss: float) -> Simulation:
        return simulate(None, n=3000, days=60, adaptation={"trust_loss_per_report": loss}, **DENOUNCING, **FAST)

    hurt, spared = trust(0.1), trust(0.0)
    reported = hurt.people.reported_recent > 0
    assert np.array_equal(reported, spared.people.reported_recent > 0)  # the same reports either way
    assert reported.mean() > 0.05
    net = hurt.network
    near = reported.copy()
    near[net.indices[reported[net.sources()]]] = True  # the denounced and their ties (cut later or not)
    hurt_trust, spared_trust = trust_levels(hurt.people), trust_levels(spared.people)
    assert np.all(hurt_trust <= spared_trust)
    assert hurt_trust[:, near].mean() < spared_trust[:, near].mean() - 0.02
    assert hurt_trust[:, reported].mean() < spared_trust[:, reported].mean() - 0.05
    assert (
        hurt_trust[3, reported].mean() < 0.95 * spared_trust[3, reported].mean()
    )  # strangers too: the accuser is hidden
    assert np.array_equal(hurt_trust[:, ~near], spared_trust[:, ~near])


def test_reports_raise_perceived_risk_of_the_denounced_and_their_ties():
    def risk(own: float, ties: float) -> np.ndarray:
        adaptation = {"risk_per_report": own, "risk_per_tie_report": ties}
        return simulate(None, n=3000, days=60, adaptation=adaptation, **DENOUNCING, **FAST)

    blind, wary = risk(0.0, 0.0), risk(0.5, 0.5)
    reported = wary.people.reported_recent > 0.5
    net = wary.network
    near = np.zeros(wary.people.n, dtype=bool)
    near[net.indices[reported[net.sources()]]] = True
    near &= ~reported
    gain = wary.people.perceived_risk - blind.people.perceived_risk  # risk also moves posting: compare means
    assert gain[reported].mean() > 0.1
    assert 0.01 < gain[near].mean() < gain[reported].mean()  # their ties feel it too, less
    assert abs(gain[~near & ~reported].mean()) < 0.01


def test_perceived_risk_rises_with_flags_and_decays_without():
    sim = Simulation(
        None,
        population=2000,
        days=90,
        seed=1,
        overrides={"posts": {"false_positive_rate": 0.2, "flag_memory_days": 10.0}, **FAST},
    )
    sim.run(until=30)
    raised = float(sim.people.perceived_risk.mean())
    sim.mechanisms["posts"].params.false_positive_rate = 0.0
    sim.mechanisms["posts"].params.true_positive_rate = 0.0
    sim.run()
    assert raised > 0.1
    assert float(sim.people.perceived_risk.mean()) < 0.1 * raised  # flags fade (10-day memory), risk follows


def test_same_seed_same_adaptation():
    a = simulate(None, n=1500, days=30, **LISTING)
    b = simulate(None, n=1500, days=30, **LISTING)
    assert a.totals == b.totals
    for state in ("trust", "perceived_risk", "deterred"):
        assert np.array_equal(getattr(a.people, state), getattr(b.people, state))
    assert np.array_equal(a.network.active, b.network.active)
