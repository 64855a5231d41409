"""M6 Interactions: a daily donation game with neighbours and strangers, judged by the regime's norm."""

from __future__ import annotations

from typing import Literal

import numba
import numpy as np
from pydantic import Field, model_validator

from socialcredit import draws
from socialcredit.causes import Cause
from socialcredit.errors import InputError
from socialcredit.kernels import AHEAD, CACHED, pick_partner, prefetch, record_experience, settle, stranger_of
from socialcredit.mechanisms.base import Mechanism, MechanismParams, Params, StateSpec
from socialcredit.mechanisms.score import Factor, apply_evidence
from socialcredit.reputation import INTENT, NORMS, Strategy, judge

Context = Literal["household", "work_unit", "friendship", "stranger"]
CONTEXTS: tuple[str, ...] = Context.__args__  # type: ignore[attr-defined]
STRANGER = CONTEXTS.index("stranger")  # the tie contexts before it are the network's Layer codes, in order
Norm = Literal[NORMS]  # type: ignore[valid-type]
Visibility = Literal["none", "score_tier", "blacklist", "reputation"]
Standing = Literal["reputation", "blacklist", "score_tier"]


class PartnerShares(Params):
    """Shares of a citizen's interactions by context (normalised to sum to 1).

    Roughly the split of daily contacts between home, work, leisure and elsewhere in contact
    surveys (Mossong et al. 2008, POLYMOD; recalled, unchecked): equal quarters.
    """

    household: float = Field(0.25, ge=0, le=1, description="with a household member")
    work_unit: float = Field(0.25, ge=0, le=1, description="with a work-unit colleague")
    friendship: float = Field(0.25, ge=0, le=1, description="with a friend")
    stranger: float = Field(0.25, ge=0, le=1, description="with a random citizen (also the fallback without ties)")

    @model_validator(mode="after")
    def _some_mass(self) -> PartnerShares:
        if self.household + self.work_unit + self.friendship + self.stranger <= 0:
            raise ValueError("at least one partner share must be positive")
        return self

    def bounds(self) -> np.ndarray:
        """Cumulative shares between contexts: a uniform draw's context is the number of bounds it reaches."""
        s = np.array([getattr(self, c) for c in CONTEXTS], dtype=np.float64)
        return np.cumsum(s / s.sum())[:-1].astype(np.float32)


class InteractionsParams(MechanismParams):
    benefit: float = Field(5.0, ge=0, le=1000, description="payoff b to the recipient of help")
    cost: float = Field(1.0, ge=0, le=1000, description="payoff c the helper pays")
    interactions_per_day: int = Field(1, ge=1, le=50, description="times each citizen acts as donor per day")
    partners: PartnerShares = Field(default_factory=PartnerShares)
    visibility: Visibility = Field(
        "none",
        description="what a discriminator sees of its partner: none (own experience, else generalized trust), "
        "score_tier (score >= tier_cut), blacklist (a listing shown by public shaming), reputation (the "
        "institution's good/bad standing)",
    )
    tier_cut: float = Field(
        600.0,
        description="score at or above which a partner counts as good (Sesame Credit's 'good' band starts at 600)",
    )
    forgiveness: float | None = Field(
        None,
        ge=0,
        le=1,
        description="under visibility none, chance of helping a partner who refused last time; unset: generous "
        "tit-for-tat's 1 - cost/benefit (Nowak & Sigmund 1992)",
    )
    execution_error: float = Field(0.02, ge=0, le=1, description="chance an intended help fails (e1)")
    monitoring_share: float = Field(
        0.0, ge=0, le=1, description="share of interactions the institution observes and judges (0: none)"
    )
    monitored: list[Context] = Field(
        default_factory=lambda: list(CONTEXTS), description="contexts the institution watches"
    )
    norm: Norm = Field("stern-judging", description="how the institution judges an observed donor")
    standing: Standing = Field(
        "reputation",
        description="what the institution counts as a good recipient when judging: its own reputation, "
        "not blacklisted, or score >= tier_cut",
    )
    assessment_error: float = Field(0.02, ge=0, le=1, description="chance the institution's verdict is flipped (e2)")
    verdict_penalty: float = Field(0.05, ge=0, le=1, description="behaviour factor lost per bad verdict")
    verdict_reward: float = Field(0.01, ge=0, le=1, description="behaviour factor gained per good verdict")


class Interactions(Mechanism):
    """Each citizen acts as donor toward a partner from its ties or a stranger, every round.

    Discriminators act on what the regime lets them see; cooperators always, defectors never
    mean to help; help fails with the execution error; shamed recipients may be avoided
    (M10). The institution judges a share of donors by its norm (`reputation.judge`, the
    code the theory check tests), keeps their reputation and moves their behaviour factor.
    """

    name = "interactions"
    claim = (
        "Under the system, the scores of friends and acquaintances impact an individual's: helping "
        "the blacklisted becomes misconduct, and citizens judge each other by what the system shows."
    )
    Params = InteractionsParams
    states = (
        StateSpec("reputation", "bool", True, "the institution's standing of the citizen: good"),
        StateSpec("helped_today", "int8", 0, "times the citizen received help today (saturates at 127)"),
        StateSpec("refused_today", "int8", 0, "times a partner refused the citizen today (saturates at 127)"),
    )
    params: InteractionsParams

    def init(self) -> None:
        p = self.params
        judged = p.standing if p.monitoring_share > 0 else None
        if "score_tier" in (p.visibility, judged) and not self.sim.enabled("score"):
            raise InputError("interactions: visibility or standing 'score_tier' needs [score] enabled = true")
        self.bounds = p.partners.bounds()
        self.watched = np.isin(np.arange(len(CONTEXTS)), [CONTEXTS.index(c) for c in p.monitored])
        gtft = max(0.0, 1.0 - p.cost / p.benefit) if p.benefit > 0 else 0.0
        self.forgiveness = p.forgiveness if p.forgiveness is not None else gtft
        # Private experience: what the partner at each tie entry did to this citizen last (+1 helped, -1 refused).
        self.memory = np.zeros(self.sim.network.indices.shape[0], dtype=np.int8) if p.visibility == "none" else None
        self.avoidance = self.sim.mechanism("shaming").params.avoidance if self.sim.enabled("shaming") else 0.0

    def step(self, day: int) -> None:
        self.people.helped_today[:] = 0
        self.people.refused_today[:] = 0
        if self.people.n < 2:
            return
        for round_ in range(self.params.interactions_per_day):
            self._round(draws.key(self.key, day, round_))

    def _round(self, key: np.uint64) -> None:
        """Every citizen acts once as donor (donor i is citizen i), in one parallel pass (`_meet`)."""
        p, people, net = self.params, self.people, self.sim.network
        n = people.n
        partner = np.empty(n, dtype=np.int32)
        helped = np.empty(n, dtype=np.bool_)
        judged = np.empty(n, dtype=np.bool_)
        remembers = self.memory is not None
        entry = np.empty(n if remembers else 0, dtype=np.int64)
        counts = _meet(
            net.indptr,
            net.segments,
            net.indices,
            net.active,
            key,
            self.bounds,
            self._view(),
            people.strategy,
            INTENT,
            people.trust,
            self.memory if remembers else np.empty(0, np.int8),
            self.forgiveness,
            self.avoidance,
            p.execution_error,
            self.watched,
            p.monitoring_share,
            partner,
            entry,
            helped,
            judged,
        )
        if remembers:
            discriminating = people.strategy == Strategy.DISCRIMINATOR  # the only readers of the memory
            record_experience(
                net.indptr, net.segments, net.indices, partner, entry, helped, discriminating, self.memory
            )
        settle(
            partner,
            helped,
            p.benefit,
            p.cost,
            people.payoff,
            people.helped_today,
            people.refused_today,
            numba.get_num_threads(),
        )
        helps, listed, helps_listed, avoided = counts
        self.sim.count("interactions", n)
        self.sim.count("helps", helps)
        self.sim.count("payoff_total", (p.benefit - p.cost) * helps)
        self.sim.count("interactions_blacklisted", listed)
        self.sim.count("helps_blacklisted", helps_listed)
        if self.avoidance > 0:
            self.sim.count("avoided", avoided)
        if p.monitoring_share > 0:
            watched = np.flatnonzero(judged)
            self._judge(watched, partner[watched], helped[watched])

    def _view(self) -> np.ndarray:
        """What a donor meeting each citizen today sees of it: bits SEEN_GOOD, SHAMED, LISTED (read before
        any verdict)."""
        p, people = self.params, self.people
        view = people.blacklisted.view(np.uint8) * np.uint8(LISTED)
        if self.avoidance > 0:
            view |= people.publicly_shamed.view(np.uint8) * np.uint8(SHAMED)
        if p.visibility == "score_tier":
            view |= (people.score >= p.tier_cut).view(np.uint8) * np.uint8(SEEN_GOOD)
        elif p.visibility == "blacklist":
            view |= (~people.publicly_shamed).view(np.uint8) * np.uint8(SEEN_GOOD)
        elif p.visibility == "reputation":
            view |= people.reputation.view(np.uint8) * np.uint8(SEEN_GOOD)
        return view

    def _judge(self, donor: np.ndarray, recipient: np.ndarray, helped: np.ndarray) -> None:
        """The institution's verdict on observed donors: their reputation and behaviour factor.

        A bad verdict for helping a recipient the institution holds bad is guilt by
        association; any other bad verdict is misconduct.
        """
        p, people = self.params, self.people
        if p.standing == "reputation":
            good = people.reputation[recipient]
        elif p.standing == "blacklist":
            good = ~people.blacklisted[recipient]
        else:
            good = people.score[recipient] >= p.tier_cut
        verdict = judge(helped, good, p.norm, p.assessment_error, self.rng)
        people.reputation[donor] = verdict
        bad = ~verdict
        cause = np.where(helped[bad] & ~good[bad], Cause.ASSOCIATION, Cause.MISCONDUCT).astype(np.int8)
        apply_evidence(people, Factor.BEHAVIOUR, donor[bad], -p.verdict_penalty, cause)
        apply_evidence(people, Factor.BEHAVIOUR, donor[verdict], p.verdict_reward)


# Bits of a citizen's view (Interactions._view): what a donor meeting it can see today.
SEEN_GOOD = 1  # a discriminator sees it as good (visibility score_tier, blacklist or reputation)
SHAMED = 2  # its listing is broadcast and in force: a donor may avoid it (M10)
LISTED = 4  # blacklisted (counted)


@numba.njit(parallel=True, cache=True)
def _meet(
    indptr,
    segments,
    indices,
    active,
    key,
    bounds,
    view,
    strategy,
    intent,
    trust,
    memory,
    forgiveness,
    avoidance,
    execution_error,
    watched,
    monitoring_share,
    partner,
    entry,
    helped,
    judged,
) -> tuple[int, int, int, int]:
    """One round of the donation game for every donor i in parallel; returns (helps,
    interactions with the blacklisted, helps to them, avoidances).

    Donor i's draws are counter-based under `key` (`draws`), so the round is the same for
    any number of threads: slot 0 picks the context (a uniform's count of `bounds` reached)
    and slots 1 and 6 the partner within it (`pick_partner`); slot 2 the private view (visibility
    none: help who helped me last, forgive who refused with `forgiveness`, else trust); slot 3
    the avoidance of a shamed partner; slot 4 the execution error (`reputation.execute`);
    slot 5 whether the institution watches (in a watched context, with `monitoring_share`).
    Intentions index `reputation.INTENT`. Writes partner, tie entry (if remembering: the
    memory is read here and written after the round, in `record_experience`), helped, judged.
    When the views outgrow the cache, the stranger a donor AHEAD will meet is recomputed
    from its draws and its view prefetched (2x faster at 10^7 citizens, slower at 10^6).
    """
    remembers = memory.shape[0] > 0
    stranger = bounds.shape[0]
    helps = 0
    listed = 0
    helps_listed = 0
    avoided = 0
    n = partner.shape[0]
    far = view.shape[0] > CACHED  # strangers' views come from main memory: worth fetching early
    for i in numba.prange(n):
        if far and i + AHEAD < n:  # a donor AHEAD who will meet a stranger: start loading its view
            later = draws.citizen(key, i + AHEAD)
            if draws.uniform(later, 0) >= bounds[stranger - 1]:
                prefetch(view, stranger_of(n, i + AHEAD, draws.uniform(later, 1)))
        state = draws.citizen(key, i)
        u = draws.uniform(state, 0)
        context = 0
        for bound in bounds:
            context += u >= bound
        pick, pick_again = draws.uniform(state, 1), draws.uniform(state, 6)
        r, k = pick_partner(indptr, segments, indices, active, i, context, stranger, pick, pick_again)
        if k < 0:
            context = stranger  # including donors without a tie in their context
        seen = view[r]
        if remembers:
            entry[i] = k
            last = memory[k] if k >= 0 else 0
            chance = 1.0 if last > 0 else (forgiveness if last < 0 else trust[i])
            good = draws.uniform(state, 2) < chance
        else:
            good = (seen & SEEN_GOOD) != 0
        intended = intent[strategy[i], 1 if good else 0]
        if seen & SHAMED and draws.uniform(state, 3) < avoidance:
            intended = False
            avoided += 1
        h = intended and not draws.uniform(state, 4) < execution_error
        partner[i] = r
        helped[i] = h
        judged[i] = watched[context] and draws.uniform(state, 5) < monitoring_share
        helps += h
        if seen & LISTED:
            listed += 1
            helps_listed += h
    return helps, listed, helps_listed, avoided
