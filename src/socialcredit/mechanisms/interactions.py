"""M6 Interactions: a daily donation game with neighbours and strangers, judged by the regime's norm."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from socialcredit.causes import Cause
from socialcredit.errors import InputError
from socialcredit.kernels import pick_partners, record_experience, settle
from socialcredit.mechanisms.base import Mechanism, MechanismParams, Params, StateSpec, sample_bernoulli
from socialcredit.mechanisms.score import Factor, apply_evidence
from socialcredit.mechanisms.shaming import avoiders
from socialcredit.reputation import NORMS, Strategy, execute, intend_help, judge

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
        for _ in range(self.params.interactions_per_day):
            self._round()

    def _round(self) -> None:
        """Every citizen acts once as donor (donor i is citizen i)."""
        p, people, rng, net = self.params, self.people, self.rng, self.sim.network
        draw = rng.random(people.n, dtype=np.float32)
        context = np.zeros(people.n, dtype=np.int8)
        for bound in self.bounds:
            context += draw >= bound
        donors = np.arange(people.n, dtype=np.int32)
        u = rng.random(people.n)
        partner, entry = pick_partners(net.indptr, net.indices, net.layer, net.active, donors, context, STRANGER, u)
        context[entry < 0] = STRANGER  # including donors without a tie in their context
        intended = intend_help(people.strategy, self._seen_good(partner, entry))
        if self.avoidance > 0:
            avoided = avoiders(people, partner, self.avoidance, rng)
            intended[avoided] = False
            self.sim.count("avoided", avoided.shape[0])
        helped = execute(intended, p.execution_error, rng)
        if self.memory is not None:
            discriminating = people.strategy == Strategy.DISCRIMINATOR  # the only readers of the memory
            record_experience(net.indptr, net.indices, partner, entry, helped, discriminating, self.memory)
        settle(partner, helped, p.benefit, p.cost, people.payoff, people.helped_today, people.refused_today)
        self._count(partner, helped)
        if p.monitoring_share > 0:
            watched = sample_bernoulli(rng, np.flatnonzero(self.watched[context]), p.monitoring_share)
            self._judge(watched, partner[watched], helped[watched])

    def _seen_good(self, partner: np.ndarray, entry: np.ndarray) -> np.ndarray:
        """Whether each donor, were it a discriminator, would see its partner as good."""
        p, people = self.params, self.people
        if p.visibility == "score_tier":
            return people.score[partner] >= p.tier_cut
        if p.visibility == "blacklist":
            return ~(people.blacklisted[partner] & people.publicly_shamed[partner])
        if p.visibility == "reputation":
            return people.reputation[partner]
        # none: help who helped me last; forgive who refused with some chance; else trust.
        chance = people.trust.copy()
        tied = np.flatnonzero(entry >= 0)
        last = self.memory[entry[tied]]
        chance[tied[last > 0]] = 1.0
        chance[tied[last < 0]] = self.forgiveness
        return self.rng.random(people.n, dtype=np.float32) < chance

    def _count(self, partner: np.ndarray, helped: np.ndarray) -> None:
        p = self.params
        helps = int(np.count_nonzero(helped))
        listed = self.people.blacklisted[partner]
        self.sim.count("interactions", partner.shape[0])
        self.sim.count("helps", helps)
        self.sim.count("payoff_total", (p.benefit - p.cost) * helps)
        self.sim.count("interactions_blacklisted", int(np.count_nonzero(listed)))
        self.sim.count("helps_blacklisted", int(np.count_nonzero(listed & helped)))

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
