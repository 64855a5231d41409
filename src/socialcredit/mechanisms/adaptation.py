"""M12 Adaptation: trust hurt by what happens around one and kept by its lasting part, perceived risk and
self-censorship, pruning, deterrence."""

from __future__ import annotations

from collections.abc import Iterable

import numba
import numpy as np
from pydantic import Field

from socialcredit import draws
from socialcredit.core import Mechanism, MechanismParams, StateSpec
from socialcredit.record import listed_on
from socialcredit.society.csr import LAYERS, Csr, segment
from socialcredit.society.network import LAYER_BY_NAME, Layer, LayerName
from socialcredit.society.population import LASTING_UNIT, RELATIONS, TRUST_UNIT, pool_trust


class AdaptationParams(MechanismParams):
    # (a) trust by relation (learned from experience in M6)
    trust: bool = Field(
        True, description="trust falls when ties are listed or denounced, and is held by its lasting part"
    )
    trust_loss_per_listed_tie: float = Field(
        0.02,
        ge=0,
        le=1,
        description="share of one's trust in a relation lost each time a tie in it is newly blacklisted (assumed)",
    )
    trust_loss_per_report: float = Field(
        0.02,
        ge=0,
        le=1,
        description="share of trust lost per accepted report: by each tie of the denounced, toward the relation "
        "it has with them; by the denounced, toward every relation, strangers too (the accuser is hidden; "
        "Bohnet & Zeckhauser 2004 on betrayal [R]; the value as for a listing, assumed)",
    )
    trust_anchor_rate: float = Field(
        0.0025,
        ge=0,
        le=1,
        description="daily pull of trust toward its lasting part; at the default, with a quarter of one act "
        "received a day in each relation, recent experience and the lasting part weigh about equally "
        "(assumed); 0: trust is recent experience alone, as before the lasting part",
    )
    trust_lasting_days: float = Field(
        7300.0,
        gt=0,
        le=36500,
        description="e-folding time of the lasting part of trust following trust: decades, as the Cultural "
        "Revolution's and the Stasi's effects on trust are measured 30-40 years on (Bai & Wu 2020; IZA DP "
        "15888; Lichter et al. 2021); 20 years is assumed",
    )
    trust_lasting_every: int = Field(
        30, ge=1, le=3650, description="days between updates of the lasting part (it moves slowly)"
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
    self_censorship: bool = Field(
        True, description="critical posts fall as perceived risk rises (M5 reads the share kept, `speech_kept`)"
    )
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
    prune_layers: list[LayerName] = Field(
        default_factory=lambda: list[LayerName](["friendship"]), description="layers whose ties a citizen can cut"
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


class Adaptation(Mechanism):
    """Citizens adapt to the system: trust, perceived risk, ties and compliance, each switchable.

    Runs last, so it sees the day's flags, listings, reports and denials. Its outputs others
    read: trust and perceived risk (M6), `speech_kept` (M5), perceived risk (M7), `deterred` (M2).
    """

    name = "adaptation"
    claim = (
        "The system erodes trust: people learn from what happens to them and to those around them, "
        "stop speaking critically, cut ties that lower their score, and defaulters pay when sanctions bite."
    )
    Params = AdaptationParams
    states = (
        StateSpec("perceived_risk", "float32", 0.0, "perceived risk of speaking, drives self-censorship"),
        StateSpec("speech_kept", "float32", 1.0, "share of its critical posts a citizen still makes (M5 reads it)"),
        StateSpec("deterred", "bool", False, "a free rider whom sanctions turned into a payer"),
        StateSpec("sanctions_weighed", "int32", 0, "denials of service deterrence has already weighed"),
    )
    reads = (
        "listed_day",
        "blacklisted",
        "posts_flagged_recent",
        "reported_recent",
        "denounced_today",
        "sanctions_suffered",
        "free_rider",
    )
    writes = ("trust", "trust_lasting")
    counts = ("ties_cut", "free_riders_deterred")
    publishes = ("exposure",)
    signals = ("exposure", "standing")
    params: AdaptationParams

    def init(self) -> None:
        p, sim = self.params, self.sim
        self.reported = sim.enabled("reports")
        self.pooled = not sim.scenario.population.trust_by_relation
        self.follow = np.float32(-np.expm1(-p.trust_lasting_every / p.trust_lasting_days))
        weighted = self.has_signal("standing", tie_mean=True)  # the relationships factor weighs
        self.prunes = p.pruning and p.prune_review_rate > 0 and (weighted or p.prune_without_relationships_factor)
        self.prunable = np.zeros(LAYERS, dtype=np.bool_)
        self.prunable[[LAYER_BY_NAME[name] for name in p.prune_layers]] = True
        self.censorship = p.censorship_sensitivity if p.self_censorship else -1.0
        if p.risk:
            self.publish("exposure", self._exposure, 0.0)

    def step(self, day: int) -> None:
        p = self.params
        if p.trust:
            self._trust(day)
        if p.risk or p.self_censorship:
            self._risk()
        if self.prunes:
            self._prune(day)
        if p.deterrence:
            self._deter(day)

    def _trust(self, day: int) -> None:
        """Lose a share of trust in a relation for every tie in it newly blacklisted or denounced,
        and, if denounced, in every relation (strangers too); pull trust toward its lasting part, and
        every `trust_lasting_every` days move the lasting part toward trust."""
        p, people = self.params, self.people
        trust = people.trust
        if p.trust_loss_per_listed_tie > 0:
            self._seen(listed_on(people, day), p.trust_loss_per_listed_tie)
        if self.reported and p.trust_loss_per_report > 0:
            targets = np.flatnonzero(people.denounced_today)
            denounced = np.repeat(targets, people.denounced_today[targets])  # one entry per accepted report
            if denounced.shape[0]:
                self._seen(denounced, p.trust_loss_per_report)
                rows = [0] if self.pooled else range(len(RELATIONS))  # the accuser is hidden: anyone might be it
                _lose_trust(trust, rows, denounced, p.trust_loss_per_report)
        if p.trust_anchor_rate > 0:
            _anchor(trust, people.trust_lasting, np.float32(p.trust_anchor_rate))
        if (day + 1) % p.trust_lasting_every == 0:
            _follow(people.trust_lasting, trust, self.follow, self.decision_key("trust_lasting", day))
        if self.pooled:
            pool_trust(trust)
            pool_trust(people.trust_lasting)

    def _seen(self, victims: np.ndarray, loss: float) -> None:
        """The ties of each victim (one entry per event) lose `loss` of their trust in the relation
        they have with it."""
        for layer in Layer:
            seers = self.sim.network.tie_ends(victims, int(layer))
            _lose_trust(self.people.trust, [0 if self.pooled else int(layer)], seers, loss)

    def _exposure(self, out: np.ndarray) -> None:
        """What each citizen's listing, recent flags and recent reports expose its ties to, into
        `out` (their tie mean is linear: one signal for all three)."""
        p, people = self.params, self.people
        weights = np.array([p.risk_per_listed_ties, p.risk_per_tie_flag, p.risk_per_tie_report], dtype=np.float32)
        _weigh(people.blacklisted, people.posts_flagged_recent, people.reported_recent, weights, out)

    def _risk(self) -> None:
        """Close part of the gap to the risk implied by one's own listing, flags and reports and, as
        the previous day left them, one's ties' (if risk is updated); then the speech it leaves."""
        p, people = self.params, self.people
        own = np.array([p.risk_if_listed, p.risk_per_flag, p.risk_per_report], dtype=np.float32)
        _close_gap(
            people.perceived_risk,
            self.tie_mean("exposure") if p.risk else people.perceived_risk,
            p.risk,
            people.blacklisted,
            people.posts_flagged_recent,
            people.reported_recent,
            own,
            p.risk_adjust_rate,
            self.censorship,
            people.speech_kept,
        )

    def _prune(self, day: int) -> None:
        """Some citizens review their ties today and cut the weakest, if it stands low enough."""
        p, people, net = self.params, self.people, self.sim.network
        who = self.sample_rare("prune_review", day, p.prune_review_rate, p.prune_review_rate, people.n)
        if who.shape[0] == 0:
            return
        if self.has_signal("standing"):
            standing = self.signal_now("standing")
        else:
            standing = (~people.blacklisted).astype(np.float32)
        entries = _weakest_ties(net.csr, self.prunable, standing, p.prune_below_standing, who)
        cutting = entries >= 0
        entries, cutters = entries[cutting], who[cutting]
        back = net.reverse(cutters, entries)
        ties, first = np.unique(np.minimum(entries, back), return_index=True)  # two ends cutting one tie cut it once
        owners = np.where(entries <= back, cutters, net.indices[entries])  # whose row holds the lower entry
        net.cut(ties, owners[first])
        self.count("ties_cut", ties.shape[0])

    def _deter(self, day: int) -> None:
        """Each new denial of service may turn a free rider into a payer for good (`deterred`)."""
        q, people = self.params.deterrence_per_sanction, self.people
        changed = np.flatnonzero(people.sanctions_suffered != people.sanctions_weighed)
        new = people.sanctions_suffered[changed] - people.sanctions_weighed[changed]
        people.sanctions_weighed[changed] = people.sanctions_suffered[changed]
        open_ = people.free_rider[changed] & ~people.deterred[changed]
        candidates, new = changed[open_], new[open_]
        turned = candidates[self.uniform("deter", day, candidates) < 1.0 - (1.0 - q) ** new]
        people.deterred[turned] = True
        self.count("free_riders_deterred", turned.shape[0])


def _lose_trust(trust: np.ndarray, rows: Iterable[int], seers: np.ndarray, loss: float) -> None:
    """Each citizen keeps (1 - loss) of its trust in each relation of `rows` per time it appears among `seers`."""
    hit, times = np.unique(seers, return_counts=True)
    keep = (1.0 - loss) ** times
    for row in rows:
        trust[row, hit] = np.rint(trust[row, hit] * keep).astype(np.uint16)


@numba.njit(parallel=True, cache=True)
def _anchor(trust: np.ndarray, lasting: np.ndarray, rate: np.float32) -> None:
    """Pull each trust a day's `rate` of the way toward its lasting part."""
    scale = np.float32(TRUST_UNIT / LASTING_UNIT)
    for i in numba.prange(trust.shape[1]):
        for row in range(trust.shape[0]):
            t = np.float32(trust[row, i])
            trust[row, i] = np.uint16(t + rate * (np.float32(lasting[row, i]) * scale - t) + np.float32(0.5))


@numba.njit(parallel=True, cache=True)
def _follow(lasting: np.ndarray, trust: np.ndarray, share: np.float32, key: np.uint64) -> None:
    """Move each lasting part `share` of the way toward trust, rounded stochastically (unbiased:
    one byte holds what moves by less than a unit a month), draw slot = the relation."""
    scale = np.float32(LASTING_UNIT / TRUST_UNIT)
    for i in numba.prange(lasting.shape[1]):
        state = draws.citizen(key, i)
        for row in range(lasting.shape[0]):
            s = np.float32(lasting[row, i])
            s += share * (np.float32(trust[row, i]) * scale - s)
            lasting[row, i] = np.uint8(min(np.floor(s + draws.uniform(state, row)), LASTING_UNIT))


@numba.njit(parallel=True, cache=True)
def _weigh(listed: np.ndarray, flags: np.ndarray, reports: np.ndarray, weights: np.ndarray, out: np.ndarray) -> None:
    """weights . (listed, recent flags, recent reports), per citizen."""
    for i in numba.prange(out.shape[0]):
        out[i] = weights[0] * listed[i] + weights[1] * flags[i] + weights[2] * reports[i]


@numba.njit(parallel=True, cache=True)
def _close_gap(
    risk: np.ndarray,
    ties: np.ndarray,
    update: bool,
    listed: np.ndarray,
    flags: np.ndarray,
    reports: np.ndarray,
    own: np.ndarray,
    rate: float,
    sensitivity: float,
    kept: np.ndarray,
) -> None:
    """If `update`, move perceived risk by `rate` toward 1 - exp(-exposure): the ties' mean exposure
    plus one's own; then the share of critical posts kept is (1 - risk) ** sensitivity (the
    chilling effect; sensitivity < 0: none)."""
    for i in numba.prange(risk.shape[0]):
        if update:
            exposure = ties[i] + own[0] * listed[i] + own[1] * flags[i] + own[2] * reports[i]
            risk[i] += rate * (-np.expm1(-exposure) - risk[i])
        if sensitivity >= 0:
            kept[i] = 1.0 - risk[i] if sensitivity == 1.0 else (1.0 - risk[i]) ** sensitivity


@numba.njit(parallel=True, cache=True)
def _weakest_ties(csr: Csr, allowed: np.ndarray, standing: np.ndarray, below: float, who: np.ndarray) -> np.ndarray:
    """For each citizen who[j], the entry of its lowest-standing active tie in an allowed layer,
    if that standing is below `below`; -1 otherwise. Ties go to the first such entry.
    """
    indptr, segments, indices, active = csr
    out = np.full(who.shape[0], -1, dtype=np.int64)
    for j in numba.prange(who.shape[0]):
        i = who[j]
        best = below
        for lay in range(LAYERS):
            if allowed[lay]:
                lo, hi = segment(indptr, segments, i, lay)
                for k in range(lo, hi):
                    if active[k] and standing[indices[k]] < best:
                        best = standing[indices[k]]
                        out[j] = k
    return out
