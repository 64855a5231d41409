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
    avoid_shamed: float = Field(
        0.5,
        ge=0,
        le=1,
        description="chance a donor declines a partner whose listing is publicly shown (M10; no source: the midpoint)",
    )
    verdict_penalty: float = Field(0.05, ge=0, le=1, description="behaviour factor lost per bad verdict")
    verdict_reward: float = Field(0.01, ge=0, le=1, description="behaviour factor gained per good verdict")


class Interactions(Mechanism):
    """Each citizen acts as donor toward a partner from its ties or a stranger, every round.

    Discriminators act on what the regime lets them see; cooperators always, defectors never
    mean to help; help fails with the execution error; a partner whose listing is broadcast
    (M10) may be avoided. The institution judges a share of donors by its norm (`reputation.judge`, the
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
    reads = ("strategy", "trust", "score", "blacklisted", "publicly_shamed")
    writes = EVIDENCE
    counts = ("interactions", "helps", "payoff_total", "interactions_blacklisted", "helps_blacklisted", "avoided")
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
            p.forgiveness if p.forgiveness is not None else gtft, p.avoid_shamed, p.execution_error, p.monitoring_share
        )

    def step(self, day: int) -> None:
        self.people.helped_today[:] = 0
        self.people.refused_today[:] = 0
        if self.people.n < 2:
            return
        for round_ in range(self.params.interactions_per_day):
            self._round(day, round_)

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
        )
        seen = Seen(self.bounds, self._view(), people.strategy, INTENT, people.trust, memory, self.watched)
        counts = MeetCounts(*_meet(net.csr, self.decision_key(f"meet{round_}", day), seen, self.rates, *out))
        if remembers:
            discriminating = people.strategy == Strategy.DISCRIMINATOR  # the only readers of the memory
            _remember(net.csr, out.partner, out.entry, out.helped, discriminating, memory)
        _settle(
            out.partner,
            out.helped,
            p.benefit,
            p.cost,
            people.payoff,
            people.helped_today,
            people.refused_today,
            numba.get_num_threads(),
        )
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
SLOT_PRIVATE_VIEW = 2  # visibility none: help who helped me last, forgive who refused, else trust
SLOT_AVOID = 3  # declining a shamed partner
SLOT_EXECUTION = 4  # an intended help failing (`reputation.carry_out`'s rule)
SLOT_WATCHED = 5  # the institution observing this act


class Seen(NamedTuple):
    """What donors decide on: the contexts' bounds, every citizen's view bits, their strategies
    and the intent table, their trust, the private memory per tie entry (empty unless read), and
    which contexts the institution watches."""

    bounds: np.ndarray
    view: np.ndarray
    strategy: np.ndarray
    intent: np.ndarray
    trust: np.ndarray
    memory: np.ndarray
    watched: np.ndarray


class Rates(NamedTuple):
    forgiveness: float  # chance of helping a partner who refused last time (visibility none)
    avoidance: float  # chance of declining a shamed partner
    execution_error: float
    monitoring_share: float


class Round(NamedTuple):
    """One round's outcome per donor (donor i is citizen i)."""

    partner: np.ndarray  # int32
    entry: np.ndarray  # int64 tie entry of the partner, -1 for a stranger (only if remembering)
    helped: np.ndarray  # bool
    judged: np.ndarray  # bool: the institution observed it


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
    bounds, view, strategy, intent, trust, memory, watched = seen
    forgiveness, avoidance, execution_error, monitoring_share = rates
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
        if remembers:
            entry[i] = k
            last = memory[k] if k >= 0 else 0
            chance = 1.0 if last > 0 else (forgiveness if last < 0 else trust[i])
            good = draws.uniform(state, SLOT_PRIVATE_VIEW) < chance
        else:
            good = (seen_bits & SEEN_GOOD) != 0
        intended = intent[strategy[i], 1 if good else 0]
        if seen_bits & SHAMED and draws.uniform(state, SLOT_AVOID) < avoidance:
            intended = False
            avoided += 1
        h = intended and not draws.uniform(state, SLOT_EXECUTION) < execution_error
        partner[i] = r
        helped[i] = h
        judged[i] = watched[context] and draws.uniform(state, SLOT_WATCHED) < monitoring_share
        helps += h
        if seen_bits & LISTED:
            listed += 1
            helps_listed += h
    return helps, listed, helps_listed, avoided


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
    benefit: float,
    cost: float,
    payoff: np.ndarray,
    received: np.ndarray,
    refused: np.ndarray,
    blocks: int,
) -> None:
    """Pay one round of the donation game, donor i being citizen i; tally help received and refused.

    Recipients repeat, so each block of citizens is settled by one thread that walks every
    donor in order and applies only what lands in its block: every payoff sees its additions
    in donor order, the same float32 sums for any number of `blocks` (one per thread). The
    int8 tallies saturate at 127.
    """
    n = partner.shape[0]
    for b in numba.prange(blocks):
        lo, hi = n * b // blocks, n * (b + 1) // blocks
        for i in range(n):
            if i + AHEAD < n and lo <= partner[i + AHEAD] < hi:
                later = partner[i + AHEAD]
                prefetch(payoff, later)  # type: ignore[call-arg]  # intrinsic
                prefetch(received if helped[i + AHEAD] else refused, later)
            r = partner[i]
            if helped[i]:
                if lo <= i < hi:
                    payoff[i] -= cost
                if lo <= r < hi:
                    payoff[r] += benefit
                    if received[r] < 127:
                        received[r] += 1
            elif lo <= r < hi and refused[r] < 127:
                refused[r] += 1
