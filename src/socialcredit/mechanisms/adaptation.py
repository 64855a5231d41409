"""M12 Adaptation: trust learned from experience, perceived risk and self-censorship, pruning, deterrence."""

from __future__ import annotations

from typing import Literal

import numba
import numpy as np
from pydantic import Field

from socialcredit.kernels import reverse_entries, tie_ends, weakest_ties
from socialcredit.mechanisms.base import Mechanism, MechanismParams, StateSpec, sample_rare
from socialcredit.mechanisms.lists import listed_on
from socialcredit.mechanisms.score import Factor
from socialcredit.society.network import LAYER_BY_NAME, Layer

PrunableLayer = Literal["household", "work_unit", "friendship"]


class AdaptationParams(MechanismParams):
    # (a) generalized trust
    trust: bool = Field(True, description="update generalized trust from experience and from ties being listed")
    trust_learning_rate: float = Field(
        0.01, ge=0, le=1, description="pull of each interaction received (helped: 1, refused: 0) on trust"
    )
    trust_loss_per_listed_tie: float = Field(
        0.02, ge=0, le=1, description="share of one's trust lost each time a tie is newly blacklisted (lasting)"
    )
    trust_loss_per_report: float = Field(
        0.02,
        ge=0,
        le=1,
        description="share of trust lost, for each accepted report against oneself or a tie, by oneself and each tie "
        "(lasting; as for a listing, assumed)",
    )
    # (b) perceived risk and self-censorship
    risk: bool = Field(True, description="update perceived risk from flags and sanctions around oneself")
    risk_per_flag: float = Field(
        0.1, ge=0, le=10, description="risk exposure per recent flagged post of one's own (posts_flagged_recent)"
    )
    risk_per_tie_flag: float = Field(
        0.05, ge=0, le=10, description="risk exposure per recent flagged post of the average tie"
    )
    risk_if_listed: float = Field(1.0, ge=0, le=10, description="risk exposure of being blacklisted oneself")
    risk_per_listed_ties: float = Field(
        1.0, ge=0, le=10, description="risk exposure when every tie is blacklisted (scaled by the share that is)"
    )
    risk_per_report: float = Field(
        0.2, ge=0, le=10, description="risk exposure per recent accepted report against oneself (reported_recent)"
    )
    risk_per_tie_report: float = Field(
        0.1, ge=0, le=10, description="risk exposure per recent accepted report against the average tie"
    )
    risk_adjust_rate: float = Field(
        0.1, ge=0, le=1, description="daily share of the gap to the risk the exposure implies that is closed"
    )
    self_censorship: bool = Field(True, description="critical posts fall as perceived risk rises (M5 reads this)")
    censorship_sensitivity: float = Field(
        1.0,
        ge=0,
        le=20,
        description="critical share kept is (1 - perceived risk) ** this; 1: a mean risk of 0.2 gives "
        "Penney's 20% drop",
    )
    # (c) pruning
    pruning: bool = Field(True, description="cut ties to listed or low-standing neighbours")
    prune_review_rate: float = Field(
        1.0 / 30.0, ge=0, le=1, description="daily chance a citizen reviews its ties (at most one cut per review)"
    )
    prune_below_standing: float = Field(
        0.3, ge=0, le=1, description="cut the weakest tie if its standing is below this (the blacklisted stand at 0)"
    )
    prune_layers: list[PrunableLayer] = Field(
        default_factory=lambda: ["friendship"], description="layers whose ties a citizen can cut"
    )
    prune_without_relationships_factor: bool = Field(
        False, description="prune even when the relationships factor has no weight (stigma, not score)"
    )
    # (d) deterrence
    deterrence: bool = Field(True, description="free riders start paying as sanctions bite")
    deterrence_per_sanction: float = Field(
        0.1,
        ge=0,
        le=1,
        description="chance each denial of service turns a free rider into a payer; with the default service "
        "rates a year on the list turns about 26% (cf. 27% of listed defaulters complied by 2018)",
    )


@numba.njit(inline="always", cache=True)
def speech_kept(risk: float, sensitivity: float) -> float:
    """Share of critical posts a citizen still makes at this perceived risk (the chilling effect)."""
    return 1.0 - risk if sensitivity == 1.0 else (1.0 - risk) ** sensitivity


class Adaptation(Mechanism):
    """Citizens adapt to the system: trust, perceived risk, ties and compliance, each switchable.

    Runs last, so it sees the day's interactions, flags, listings and denials.
    """

    name = "adaptation"
    claim = (
        "The system erodes trust: people learn from what happens to them and to those around them, "
        "stop speaking critically, cut ties that lower their score, and defaulters pay when sanctions bite."
    )
    Params = AdaptationParams
    states = (StateSpec("sanctions_weighed", "int32", 0, "denials of service deterrence has already weighed"),)
    params: AdaptationParams

    def init(self) -> None:
        p, sim = self.params, self.sim
        self.experience = sim.enabled("interactions")  # help received and refused today
        # m sequential updates toward the share helped weigh 1 - (1 - rate)^m, in expectation
        self.learning = (1.0 - (1.0 - p.trust_learning_rate) ** np.arange(255, dtype=np.float64)).astype(np.float32)
        weighted = sim.enabled("score") and sim.scenario.score.weights.vector()[Factor.RELATIONSHIPS] > 0
        self.prunes = p.pruning and p.prune_review_rate > 0 and (weighted or p.prune_without_relationships_factor)
        self.prunable = np.zeros(len(Layer), dtype=np.bool_)
        self.prunable[[LAYER_BY_NAME[name] for name in p.prune_layers]] = True
        if p.risk:
            sim.ties.watch("exposure", self._exposure, 0.0)

    def step(self, day: int) -> None:
        p = self.params
        if p.trust:
            self._trust(day)
        if p.risk:
            self._risk()
        if self.prunes:
            self._prune()
        if p.deterrence:
            self._deter()

    def _trust(self, day: int) -> None:
        """Learn from help received; lose a share of trust for every tie newly blacklisted, and for
        every accepted report against oneself or a tie."""
        p, people, net = self.params, self.people, self.sim.network
        trust = people.trust
        if self.experience:
            _learn(trust, people.helped_today, people.refused_today, self.learning)
        if p.trust_loss_per_listed_tie > 0:
            listed_today = listed_on(people, day)
            _lose_trust(
                trust,
                tie_ends(net.indptr, net.segments, net.indices, net.active, listed_today, -1),
                p.trust_loss_per_listed_tie,
            )
        denounced = self.sim.mechanism("reports").denounced_today if self.sim.enabled("reports") else ()
        if len(denounced) and p.trust_loss_per_report > 0:
            seen = np.concatenate(
                [denounced, tie_ends(net.indptr, net.segments, net.indices, net.active, denounced, -1)]
            )
            _lose_trust(trust, seen, p.trust_loss_per_report)  # the denounced and their ties

    def _exposure(self, out: np.ndarray) -> None:
        """What each citizen's listing, recent flags and recent reports expose its ties to, into
        `out` (their tie mean is linear: one signal for all three)."""
        p, people = self.params, self.people
        weights = np.float32([p.risk_per_listed_ties, p.risk_per_tie_flag, p.risk_per_tie_report])
        _weigh(people.blacklisted, people.posts_flagged_recent, people.reported_recent, weights, out)

    def _risk(self) -> None:
        """Close part of the gap to the risk implied by one's own listing, flags and reports and, as
        the previous day left them, one's ties'."""
        p, people = self.params, self.people
        own = np.float32([p.risk_if_listed, p.risk_per_flag, p.risk_per_report])
        ties = self.sim.ties["exposure"]
        _close_gap(
            people.perceived_risk,
            ties,
            people.blacklisted,
            people.posts_flagged_recent,
            people.reported_recent,
            own,
            p.risk_adjust_rate,
        )

    def _prune(self) -> None:
        """Some citizens review their ties today and cut the weakest, if it stands low enough."""
        p, people, net = self.params, self.people, self.sim.network
        who = sample_rare(self.rng, np.broadcast_to(np.float32(p.prune_review_rate), (people.n,)), p.prune_review_rate)
        if who.shape[0] == 0:
            return
        if self.sim.enabled("score"):
            standing = self.sim.mechanism("score").standing()
        else:
            standing = (~people.blacklisted).astype(np.float32)
        entries = weakest_ties(
            net.indptr, net.segments, net.indices, net.active, self.prunable, standing, p.prune_below_standing, who
        )
        cutting = entries >= 0
        entries, cutters = entries[cutting], who[cutting]
        back = reverse_entries(net.indptr, net.segments, net.indices, cutters, entries)
        ties, first = np.unique(np.minimum(entries, back), return_index=True)  # two ends cutting one tie cut it once
        owners = np.where(entries <= back, cutters, net.indices[entries])  # whose row holds the lower entry
        net.cut(ties, owners[first])
        self.sim.count("ties_cut", ties.shape[0])

    def _deter(self) -> None:
        """Each new denial of service may turn a free rider into a payer (compliance 1)."""
        q, people = self.params.deterrence_per_sanction, self.people
        changed = np.flatnonzero(people.sanctions_suffered != people.sanctions_weighed)
        new = people.sanctions_suffered[changed] - people.sanctions_weighed[changed]
        people.sanctions_weighed[changed] = people.sanctions_suffered[changed]
        open_ = people.free_rider[changed] & (people.compliance[changed] < 1.0)
        candidates, new = changed[open_], new[open_]
        turned = candidates[self.rng.random(candidates.shape[0]) < 1.0 - (1.0 - q) ** new]
        people.compliance[turned] = 1.0
        self.sim.count("free_riders_deterred", turned.shape[0])


@numba.njit(parallel=True, cache=True)
def _learn(trust: np.ndarray, helped: np.ndarray, refused: np.ndarray, weight: np.ndarray) -> None:
    """Pull each citizen's trust toward the share of today's partners who helped it, by weight[met]."""
    for i in numba.prange(trust.shape[0]):
        met = helped[i] + refused[i]
        if met > 0:
            t = trust[i] + weight[met] * (np.float32(helped[i]) / np.float32(met) - trust[i])
            trust[i] = min(max(t, 0.0), 1.0)


def _lose_trust(trust: np.ndarray, seers: np.ndarray, loss: float) -> None:
    """Each citizen keeps (1 - loss) of its trust per time it appears among `seers` of an event."""
    hit, times = np.unique(seers, return_counts=True)
    trust[hit] *= (1.0 - loss) ** times


@numba.njit(parallel=True, cache=True)
def _weigh(listed: np.ndarray, flags: np.ndarray, reports: np.ndarray, weights: np.ndarray, out: np.ndarray) -> None:
    """weights . (listed, recent flags, recent reports), per citizen."""
    for i in numba.prange(out.shape[0]):
        out[i] = weights[0] * listed[i] + weights[1] * flags[i] + weights[2] * reports[i]


@numba.njit(parallel=True, cache=True)
def _close_gap(
    risk: np.ndarray,
    ties: np.ndarray,
    listed: np.ndarray,
    flags: np.ndarray,
    reports: np.ndarray,
    own: np.ndarray,
    rate: float,
) -> None:
    """Move perceived risk by `rate` toward 1 - exp(-exposure): the ties' mean exposure plus one's own."""
    for i in numba.prange(risk.shape[0]):
        exposure = ties[i] + own[0] * listed[i] + own[1] * flags[i] + own[2] * reports[i]
        risk[i] += rate * (-np.expm1(-exposure) - risk[i])
