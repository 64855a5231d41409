"""M6 Interactions: a daily donation game with neighbours and strangers, judged by the regime's norm."""

from __future__ import annotations

from typing import Literal, NamedTuple, get_args

import numba
import numpy as np
from pydantic import Field, model_validator

from socialcredit import draws
from socialcredit.core import Mechanism, MechanismParams, Params, StateSpec
from socialcredit.errors import InputError
from socialcredit.record import EVIDENCE, Cause, Factor, apply_evidence
from socialcredit.reputation import INTENT, NORMS, Strategy, judge
from socialcredit.society.csr import AHEAD, CACHED, Csr, pick_partner, prefetch, reverse, stranger_of
from socialcredit.society.network import LAYER_BY_NAME
from socialcredit.society.population import RELATIONS, TRUST_UNIT, pool_trust

Context = Literal["household", "work_unit", "friendship", "stranger"]
CONTEXTS: tuple[Context, ...] = get_args(Context)
assert CONTEXTS[:-1] == tuple(LAYER_BY_NAME), "the tie contexts are the network's layers, in order"
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


class FearWeights(Params):
    """How strongly perceived risk keeps a citizen away from each relation: it withdraws from a
    partner in that relation with chance 1 - (1 - perceived risk) ** weight.

    Kin least, then friends, co-workers and strangers most: the retreat into the family and
    close friends under surveillance (the GDR's "niche society", Gaus 1983 [R]; guanxi, Yang
    1994 [R]; Kuran 1995 on preference falsification). The values are assumptions.
    """

    kin: float = Field(0.0, ge=0, le=20, description="household members")
    coworkers: float = Field(
        1.0, ge=0, le=20, description="work-unit members (Walder 1986: activists divide co-workers [R])"
    )
    friends: float = Field(0.5, ge=0, le=20, description="friends")
    strangers: float = Field(1.0, ge=0, le=20, description="strangers")

    def weights(self) -> np.ndarray:
        """In the order of RELATIONS (that of CONTEXTS)."""
        return np.array([getattr(self, relation) for relation in RELATIONS], dtype=np.float32)


class InteractionsParams(MechanismParams):
    benefit: float = Field(5.0, ge=0, le=1000, description="payoff b to the recipient of help")
    cost: float = Field(1.0, ge=0, le=1000, description="payoff c the helper pays")
    interactions_per_day: int = Field(1, ge=1, le=50, description="times each citizen acts as donor per day")
    partners: PartnerShares = Field(default_factory=PartnerShares)
    visibility: Visibility = Field(
        "none",
        description="what a discriminator sees of its partner: none (own experience, else its trust in the "
        "relation), "
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
    avoid_shamed: float = Field(
        0.5,
        ge=0,
        le=1,
        description="chance a donor declines a partner whose listing is publicly shown (M10; no source: the midpoint)",
    )
    signal_reliability: float = Field(
        0.8,
        ge=0.5,
        le=1,
        description="how far a discriminator believes what the regime displays (visibility other than none): "
        "P(signal good | partner deserves help) = P(bad | does not); combined by Bayes' rule with its trust in "
        "the relation; 1: the signal alone decides, as before trust acted in every regime (assumed)",
    )
    trust_learning_rate: float = Field(
        0.01,
        ge=0,
        le=1,
        description="pull of each act received on the recipient's trust in that relation (helped: 1, not: 0); "
        "0: trust is not learned from experience",
    )
    fear: FearWeights = Field(default_factory=FearWeights, description="withdrawal under perceived risk (M12)")
    verdict_penalty: float = Field(0.05, ge=0, le=1, description="behaviour factor lost per bad verdict")
    verdict_reward: float = Field(0.01, ge=0, le=1, description="behaviour factor gained per good verdict")


class Interactions(Mechanism):
    """Each citizen acts as donor toward a partner from its ties or a stranger, every round.

    Discriminators help with the chance that the partner deserves it, from their trust in the
    relation combined with what the regime displays (`posterior`; under visibility none their
    own memory of the tie, else that trust); cooperators always, defectors never mean to help;
    a donor afraid of being reported keeps away from the relations it fears (M12's perceived
    risk, `fear`), which its partner feels as help not given; help fails with the execution
    error; a partner whose listing is broadcast (M10) may be avoided. Each recipient learns
    its trust in the relation from the act. The institution judges a share of donors by its norm (`reputation.judge`, the
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
        StateSpec("payoff", "float32", 0.0, "accumulated payoff of the donation game"),
        StateSpec(
            "memory",
            "int8",
            0,
            "private experience (visibility none): what the partner at this tie entry did to this citizen last, "
            "+1 helped, -1 refused",
            per="tie",
        ),
    )
    reads = ("strategy", "score", "blacklisted", "publicly_shamed", "perceived_risk")
    writes = (*EVIDENCE, "trust")
    counts = (
        "interactions",
        "helps",
        "payoff_total",
        "interactions_blacklisted",
        "helps_blacklisted",
        "avoided",
        *(f"acts_{r}" for r in RELATIONS),
        *(f"withdrawn_{r}" for r in RELATIONS),
    )
    params: InteractionsParams

    def needed(self, spec: StateSpec) -> bool:
        return spec.name != "memory" or self.params.visibility == "none"  # 1 byte a tie entry, only if read

    def init(self) -> None:
        p = self.params
        judged = p.standing if p.monitoring_share > 0 else None
        if "score_tier" in (p.visibility, judged) and not self.sim.enabled("score"):
            raise InputError("interactions: visibility or standing 'score_tier' needs [score] enabled = true")
        self.bounds = p.partners.bounds()
        self.watched = np.isin(np.arange(len(CONTEXTS)), [CONTEXTS.index(c) for c in p.monitored])
        gtft = max(0.0, 1.0 - p.cost / p.benefit) if p.benefit > 0 else 0.0
        self.rates = Rates(
            p.forgiveness if p.forgiveness is not None else gtft,
            p.avoid_shamed,
            p.execution_error,
            p.monitoring_share,
            p.signal_reliability,
        )
        self.pooled = not self.sim.scenario.population.trust_by_relation
        self.fear = p.fear.weights()

    def step(self, day: int) -> None:
        if self.people.n < 2:
            return
        for round_ in range(self.params.interactions_per_day):
            self._round(day, round_)
        if self.pooled:
            pool_trust(self.people.trust)

    def _round(self, day: int, round_: int) -> None:
        """Every citizen acts once as donor (donor i is citizen i), in one parallel pass (`_meet`)."""
        p, people, net = self.params, self.people, self.sim.network
        n = people.n
        remembers = self.params.visibility == "none"
        memory = self.ties.memory
        out = Round(
            np.empty(n, dtype=np.int32),
            np.empty(n if remembers else 0, dtype=np.int64),
            np.empty(n, dtype=np.bool_),
            np.empty(n, dtype=np.bool_),
            np.empty(n, dtype=np.int8),
            np.empty(n, dtype=np.bool_),
        )
        seen = Seen(
            self.bounds,
            self._view(),
            people.strategy,
            INTENT,
            people.trust,
            self.pooled,
            memory,
            self.watched,
            people.perceived_risk,
            self.fear,
        )
        counts = MeetCounts(*_meet(net.csr, self.decision_key(f"meet{round_}", day), seen, self.rates, *out))
        if remembers:
            discriminating = people.strategy == Strategy.DISCRIMINATOR  # the only readers of the memory
            _remember(net.csr, out.partner, out.entry, out.helped, discriminating, memory)
        _settle(
            out.partner,
            out.helped,
            out.context,
            p.benefit,
            p.cost,
            people.payoff,
            people.trust,
            np.float32(p.trust_learning_rate),
            self.pooled,
            numba.get_num_threads(),
        )
        acts = np.bincount(out.context, minlength=len(CONTEXTS))
        withdrawn = np.bincount(out.context[out.withdrew], minlength=len(CONTEXTS))
        for relation, made, kept_away in zip(RELATIONS, acts, withdrawn, strict=True):
            self.count(f"acts_{relation}", int(made))
            self.count(f"withdrawn_{relation}", int(kept_away))
        self.count("interactions", n)
        self.count("helps", counts.helps)
        self.count("payoff_total", (p.benefit - p.cost) * counts.helps)
        self.count("interactions_blacklisted", counts.with_listed)
        self.count("helps_blacklisted", counts.helps_to_listed)
        self.count("avoided", counts.avoided)
        if p.monitoring_share > 0:
            watched = np.flatnonzero(out.judged)
            flips = self.uniform(f"assessment{round_}", day, watched)
            self._judge(watched, out.partner[watched], out.helped[watched], flips)

    def _view(self) -> np.ndarray:
        """What a donor meeting each citizen today sees of it: bits SEEN_GOOD, SHAMED, LISTED (read before
        any verdict)."""
        p, people = self.params, self.people
        view = people.blacklisted.view(np.uint8) * np.uint8(LISTED)
        if p.avoid_shamed > 0:
            view |= people.publicly_shamed.view(np.uint8) * np.uint8(SHAMED)
        if p.visibility == "score_tier":
            view |= (people.score >= p.tier_cut).view(np.uint8) * np.uint8(SEEN_GOOD)
        elif p.visibility == "blacklist":
            view |= (~people.publicly_shamed).view(np.uint8) * np.uint8(SEEN_GOOD)
        elif p.visibility == "reputation":
            view |= people.reputation.view(np.uint8) * np.uint8(SEEN_GOOD)
        return view

    def _judge(self, donor: np.ndarray, recipient: np.ndarray, helped: np.ndarray, flips: np.ndarray) -> None:
        """The institution's verdict on observed donors: their reputation and behaviour factor.

        A bad verdict flipped by assessment error is a misjudgment; else a bad verdict for
        helping a recipient the institution holds bad is guilt by association; any other bad
        verdict (refusing a recipient it holds good) is misconduct.
        """
        p, people = self.params, self.people
        if p.standing == "reputation":
            good = people.reputation[recipient]
        elif p.standing == "blacklist":
            good = ~people.blacklisted[recipient]
        else:
            good = people.score[recipient] >= p.tier_cut
        verdict = judge(helped, good, p.norm, p.assessment_error, uniforms=flips)
        people.reputation[donor] = verdict
        bad = ~verdict
        flipped = flips[bad] < p.assessment_error  # the norm itself would have judged the act good
        cause = np.where(helped[bad] & ~good[bad], Cause.ASSOCIATION, Cause.MISCONDUCT).astype(np.int8)
        cause[flipped] = Cause.MISJUDGED
        apply_evidence(people, Factor.BEHAVIOUR, donor[bad], -p.verdict_penalty, cause)
        apply_evidence(people, Factor.BEHAVIOUR, donor[verdict], p.verdict_reward)


# Bits of a citizen's view (Interactions._view): what a donor meeting it can see today.
SEEN_GOOD = 1  # a discriminator sees it as good (visibility score_tier, blacklist or reputation)
SHAMED = 2  # its listing is broadcast and in force: a donor may avoid it (M10)
LISTED = 4  # blacklisted (counted)

# Donor i's draws in a round (counter-based under the round's key, `draws`): one slot per decision.
SLOT_CONTEXT = 0  # which context: a uniform's count of the partner shares' bounds reached
SLOT_PARTNER = 1  # which tie within it (`pick_partner`) ...
SLOT_PARTNER_AGAIN = 6  # ... and again among the active ones if that tie was cut
SLOT_PRIVATE_VIEW = 2  # visibility none: help who helped me last, forgive who refused, else trust; else the posterior
SLOT_AVOID = 3  # declining a shamed partner
SLOT_EXECUTION = 4  # an intended help failing (`reputation.carry_out`'s rule)
SLOT_WATCHED = 5  # the institution observing this act
SLOT_WITHDRAW = 7  # withdrawing from the partner under perceived risk


class Seen(NamedTuple):
    """What donors decide on: the contexts' bounds, every citizen's view bits, their strategies
    and the intent table, their trust by relation (row 0 for all if pooled), the private memory
    per tie entry (empty unless read), which contexts the institution watches, and perceived
    risk with the fear weights by context."""

    bounds: np.ndarray
    view: np.ndarray
    strategy: np.ndarray
    intent: np.ndarray
    trust: np.ndarray
    pooled: bool
    memory: np.ndarray
    watched: np.ndarray
    risk: np.ndarray
    fear: np.ndarray


class Rates(NamedTuple):
    forgiveness: float  # chance of helping a partner who refused last time (visibility none)
    avoidance: float  # chance of declining a shamed partner
    execution_error: float
    monitoring_share: float
    reliability: float  # of the displayed signal, as the donor believes it


class Round(NamedTuple):
    """One round's outcome per donor (donor i is citizen i)."""

    partner: np.ndarray  # int32
    entry: np.ndarray  # int64 tie entry of the partner, -1 for a stranger (only if remembering)
    helped: np.ndarray  # bool
    judged: np.ndarray  # bool: the institution observed it
    context: np.ndarray  # int8: the act's context, CONTEXTS (the recipient's relation to the donor)
    withdrew: np.ndarray  # bool: the donor kept away from the partner under perceived risk


class MeetCounts(NamedTuple):
    helps: int
    with_listed: int  # interactions with a blacklisted partner
    helps_to_listed: int
    avoided: int


@numba.njit(parallel=True, cache=True)
def _meet(
    csr: Csr,
    key: np.uint64,
    seen: Seen,
    rates: Rates,
    partner: np.ndarray,
    entry: np.ndarray,
    helped: np.ndarray,
    judged: np.ndarray,
    acted_in: np.ndarray,
    withdrew: np.ndarray,
) -> tuple[int, int, int, int]:
    """One round of the donation game for every donor i in parallel; returns `MeetCounts`' fields.

    Donor i's draws are counter-based under `key`, one slot per decision (the SLOT_*
    constants), so the round is the same for any number of threads and switching one
    decision off leaves the others' draws alone. Intentions index `reputation.INTENT`. The
    memory is read here and written after the round (`_remember`). The outputs are `Round`'s
    fields, passed one by one: a parallel kernel's writes into arrays held in a tuple argument
    are lost (Numba 0.68). When the views outgrow the
    cache, the stranger a donor AHEAD will meet is recomputed from its draws and its view
    prefetched (2x faster at 10^7 citizens, slower at 10^6).
    """
    indptr, segments, indices, active = csr
    bounds, view, strategy, intent, trust, pooled, memory, watched, risk, fear = seen
    forgiveness, avoidance, execution_error, monitoring_share, reliability = rates
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
            if draws.uniform(later, SLOT_CONTEXT) >= bounds[stranger - 1]:
                prefetch(view, stranger_of(n, i + AHEAD, draws.uniform(later, SLOT_PARTNER)))  # type: ignore[call-arg]  # intrinsic
        state = draws.citizen(key, i)
        u = draws.uniform(state, SLOT_CONTEXT)
        context = 0
        for bound in bounds:
            context += u >= bound
        pick, pick_again = draws.uniform(state, SLOT_PARTNER), draws.uniform(state, SLOT_PARTNER_AGAIN)
        r, k = pick_partner(indptr, segments, indices, active, i, context, stranger, pick, pick_again)
        if k < 0:
            context = stranger  # including donors without a tie in their context
        seen_bits = view[r]
        prior = trust[0 if pooled else context, i] * np.float32(1.0 / TRUST_UNIT)
        if remembers:
            entry[i] = k
            last = memory[k] if k >= 0 else 0
            chance = 1.0 if last > 0 else (forgiveness if last < 0 else prior)
            good = draws.uniform(state, SLOT_PRIVATE_VIEW) < chance
        elif reliability >= 1.0:
            good = (seen_bits & SEEN_GOOD) != 0
        else:
            chance = posterior(prior, (seen_bits & SEEN_GOOD) != 0, reliability)
            good = draws.uniform(state, SLOT_PRIVATE_VIEW) < chance
        intended = intent[strategy[i], 1 if good else 0]
        kept_away = (
            fear[context] > 0
            and risk[i] > 0
            and draws.uniform(state, SLOT_WITHDRAW) >= ((1.0 - risk[i]) ** fear[context])
        )
        if kept_away:
            intended = False
        elif seen_bits & SHAMED and draws.uniform(state, SLOT_AVOID) < avoidance:
            intended = False
            avoided += 1
        acted_in[i] = context
        withdrew[i] = kept_away
        h = intended and not draws.uniform(state, SLOT_EXECUTION) < execution_error
        partner[i] = r
        helped[i] = h
        judged[i] = watched[context] and draws.uniform(state, SLOT_WATCHED) < monitoring_share
        helps += h
        if seen_bits & LISTED:
            listed += 1
            helps_listed += h
    return helps, listed, helps_listed, avoided


@numba.njit(inline="always", cache=True)
def posterior(prior: float, signal_good: bool, reliability: float) -> float:
    """P(the partner deserves help | the displayed signal), by Bayes' rule from one's trust in the
    relation (`prior`) and the signal's believed reliability (P(good shown | deserves) =
    P(bad shown | does not)). Reliability 1/2: the prior alone; 1: the signal alone."""
    right, wrong = prior * reliability, (1.0 - prior) * (1.0 - reliability)
    if not signal_good:
        right, wrong = prior * (1.0 - reliability), (1.0 - prior) * reliability
    return right / (right + wrong) if right + wrong > 0 else 0.0


@numba.njit(parallel=True, cache=True)
def _remember(
    csr: Csr, partner: np.ndarray, entry: np.ndarray, helped: np.ndarray, remembers: np.ndarray, memory: np.ndarray
) -> None:
    """Each recipient of a tie interaction who `remembers` notes, at its own entry for the donor,
    what the donor did: +1 helped, -1 refused. Donor i is citizen i; strangers (entry -1) leave
    no trace. Recipients who never read a memory (non-discriminators) are skipped: no lookup.

    Every (recipient, donor) entry is written at most once a round, so the parallel writes
    never collide.
    """
    indptr, segments, indices, _ = csr
    for i in numba.prange(partner.shape[0]):
        if entry[i] >= 0 and remembers[partner[i]]:
            memory[reverse(indptr, segments, indices, i, entry[i])] = 1 if helped[i] else -1


@numba.njit(parallel=True, cache=True)
def _settle(
    partner: np.ndarray,
    helped: np.ndarray,
    context: np.ndarray,
    benefit: float,
    cost: float,
    payoff: np.ndarray,
    trust: np.ndarray,
    rate: np.float32,
    pooled: bool,
    blocks: int,
) -> None:
    """Pay one round of the donation game, donor i being citizen i; each recipient learns from
    the act its trust in the relation it has with the donor (toward 1 if helped, 0 if not).

    Recipients repeat, so each block of citizens is settled by one thread that walks every
    donor in order and applies only what lands in its block: every payoff and trust sees its
    changes in donor order, the same for any number of `blocks` (one per thread).
    """
    n = partner.shape[0]
    learns = rate > 0
    unit = np.float32(TRUST_UNIT)
    for b in numba.prange(blocks):
        lo, hi = n * b // blocks, n * (b + 1) // blocks
        for i in range(n):
            if i + AHEAD < n and lo <= partner[i + AHEAD] < hi:
                later = partner[i + AHEAD]
                prefetch(payoff, later)  # type: ignore[call-arg]  # intrinsic
                if learns:
                    prefetch(trust[0 if pooled else context[i + AHEAD]], later)
            r = partner[i]
            if helped[i]:
                if lo <= i < hi:
                    payoff[i] -= cost
                if lo <= r < hi:
                    payoff[r] += benefit
            if learns and lo <= r < hi:
                row = 0 if pooled else context[i]
                t = np.float32(trust[row, r]) / unit
                t += rate * ((np.float32(1.0) if helped[i] else np.float32(0.0)) - t)
                trust[row, r] = np.uint16(min(max(t * unit + np.float32(0.5), np.float32(0.0)), unit))
