"""M8 Score: five factors in [0, 1] with decay, combined into a score on a configurable range."""

from __future__ import annotations

import numba
import numpy as np
from pydantic import Field, model_validator

from socialcredit.core import Mechanism, MechanismParams, Params, StateSpec
from socialcredit.record import EVIDENCE, Cause, Factor


class FactorWeights(Params):
    """Relative weights (normalised to sum to 1). Sesame's are unpublished; 35/25/15/20/5 is
    the split secondary sources report."""

    credit_history: float = Field(0.35, ge=0, description="payment history")
    fulfillment_capacity: float = Field(0.25, ge=0, description="income and assets")
    personal_characteristics: float = Field(0.15, ge=0, description="identity, traits, labels")
    behaviour: float = Field(0.20, ge=0, description="behaviour and preferences: purchases, posts, conduct")
    relationships: float = Field(0.05, ge=0, description="mean standing of one's ties")

    @model_validator(mode="after")
    def _some_weight(self) -> FactorWeights:
        if self.vector().sum() <= 0:
            raise ValueError("at least one factor weight must be positive")
        return self

    def vector(self) -> np.ndarray:
        w = np.array([getattr(self, f.name.lower()) for f in Factor], dtype=np.float32)
        return w / w.sum() if w.sum() > 0 else w


class ScoreParams(MechanismParams):
    low: float = Field(350.0, description="lowest possible score")
    high: float = Field(900.0, description="highest possible score (Sesame Credit: 950)")
    weights: FactorWeights = Field(default_factory=FactorWeights)
    decay: float = Field(0.005, ge=0, le=1, description="daily pull of each factor back toward its baseline")
    initial_credit_history: float = Field(0.6, ge=0, le=1, description="credit-history factor on day 0")
    initial_behaviour: float = Field(0.5, ge=0, le=1, description="behaviour factor on day 0")
    class_label_penalty: float = Field(
        0.0, ge=0, le=1, description="personal-characteristics factor lost by an inherited bad-class label"
    )
    isolated_relationships: float = Field(0.5, ge=0, le=1, description="relationships factor of a citizen with no ties")

    @model_validator(mode="after")
    def _range(self) -> ScoreParams:
        if not self.low < self.high:
            raise ValueError(f"score.low must be below score.high (got low={self.low}, high={self.high})")
        return self


class Score(Mechanism):
    """Combines the factors; the relationships factor is the mean standing of one's active ties.

    A tie's standing is its own score without the relationships factor (so scores do not
    echo around cycles of friends), and zero while it is blacklisted; Score publishes it as
    the signal `standing`. Each day the two dynamic factors decay toward their baselines (a
    won appeal the day before, `repaired_on`, first restores them to at least the baseline),
    and the cause of each citizen's shortfall is kept for the lists (`shortfall_cause`).
    """

    name = "score"
    claim = (
        "A score from 350 to 900 built from five factors: credit history, fulfillment capacity, "
        "personal characteristics, behaviour and preferences, and interpersonal relationships; "
        "the scores of friends and acquaintances impact an individual's."
    )
    Params = ScoreParams
    states = (
        StateSpec("relationships_baseline", "float32", 0.5, "relationships factor on day 0"),
        StateSpec("score", "float32", np.nan, "the score on [low, high]"),
        StateSpec(
            "shortfall_cause",
            "int8",
            Cause.NONE,
            "Cause of the score's largest weighted shortfall below baseline (ground truth of a score listing)",
        ),
    )
    reads = ("income_rank", "conscientiousness", "class_label", "blacklisted", "repaired_on", *EVIDENCE)
    writes = EVIDENCE
    publishes = ("standing",)
    signals = ("standing",)
    params: ScoreParams

    def init(self) -> None:
        p, people = self.params, self.people
        people.factors[:] = self.baselines(slice(None))  # relationships: computed next
        self.weights = p.weights.vector()
        own = self.weights[: Factor.RELATIONSHIPS]
        self.standing_weights = own / own.sum() if own.sum() > 0 else own  # all zero: everyone stands at 0.5
        related = bool(self.weights[Factor.RELATIONSHIPS] > 0)
        if related:
            empty = p.isolated_relationships
            people.factors[Factor.RELATIONSHIPS] = self.sim.signals.mean_of(self.standing(), empty)
        self.publish("standing", self._stand_into, p.isolated_relationships, tie_mean=related)
        people.relationships_baseline[:] = people.factors[Factor.RELATIONSHIPS]
        self.label_weight = float(self.weights[Factor.PERSONAL_CHARACTERISTICS] * p.class_label_penalty)
        self._combine()

    def baselines(self, idx: np.ndarray | slice) -> np.ndarray:
        """Where each factor of these citizens starts and decays back to, (5, len(idx)) float32.

        Derived rather than stored (16 bytes a citizen): credit history and behaviour start
        equal for all, fulfillment capacity is the income rank, personal characteristics
        follow conscientiousness and any class label; only relationships are kept.
        """
        p, people = self.params, self.people
        rank = people.income_rank[idx]
        out = np.empty((len(Factor), rank.shape[0]), dtype=np.float32)
        out[Factor.CREDIT_HISTORY] = p.initial_credit_history
        out[Factor.FULFILLMENT_CAPACITY] = rank
        personal = 0.3 + 0.4 * people.conscientiousness[idx] - p.class_label_penalty * people.class_label[idx]
        out[Factor.PERSONAL_CHARACTERISTICS] = np.clip(personal, 0.0, 1.0)
        out[Factor.BEHAVIOUR] = p.initial_behaviour
        out[Factor.RELATIONSHIPS] = people.relationships_baseline[idx]
        return out

    def step(self, day: int) -> None:
        p, people = self.params, self.people
        keep = np.float32(1.0 - p.decay)
        ch, b = np.float32(p.initial_credit_history), np.float32(p.initial_behaviour)
        credit, behaviour = people.factors[Factor.CREDIT_HISTORY], people.factors[Factor.BEHAVIOUR]
        _decay(credit, ch, behaviour, b, keep, people.repaired_on, day - 1)
        if self.weights[Factor.RELATIONSHIPS] > 0:  # ties' standing as the previous day left it
            people.factors[Factor.RELATIONSHIPS] = self.tie_mean("standing")
        self._combine()

    def standing(self) -> np.ndarray:
        """Each citizen's standing in [0, 1] as its ties see it."""
        out = np.empty(self.people.n, dtype=np.float32)
        self._stand_into(out)
        return out

    def _stand_into(self, out: np.ndarray) -> None:
        _stand(self.people.factors, self.standing_weights, self.people.blacklisted, out)

    def _combine(self) -> None:
        p, people = self.params, self.people
        bases = np.array([p.initial_credit_history, p.initial_behaviour, self.label_weight], dtype=np.float64)
        _combine(
            people.factors,
            self.weights,
            p.low,
            p.high,
            people.score,
            bases,
            people.relationships_baseline,
            people.class_label,
            people.last_penalty_cause,
            people.shortfall_cause,
        )


@numba.njit(parallel=True, cache=True)
def _decay(
    credit: np.ndarray,
    credit_base: np.floating,
    behaviour: np.ndarray,
    behaviour_base: np.floating,
    keep: np.floating,
    repaired_on: np.ndarray,
    yesterday: int,
) -> None:
    """Pull the two dynamic factors a day's decay back toward their (uniform) baselines, after
    restoring them to at least the baselines for whoever won an appeal yesterday (repair)."""
    for i in numba.prange(credit.shape[0]):
        if yesterday >= 0 and repaired_on[i] == yesterday:
            credit[i] = max(credit[i], credit_base)
            behaviour[i] = max(behaviour[i], behaviour_base)
        credit[i] = credit_base + (credit[i] - credit_base) * keep
        behaviour[i] = behaviour_base + (behaviour[i] - behaviour_base) * keep


@numba.njit(parallel=True, cache=True)
def _stand(factors: np.ndarray, weights: np.ndarray, blacklisted: np.ndarray, out: np.ndarray) -> None:
    """Standing: the weighted mean of the four own factors (0.5 if none weighs), 0 while blacklisted."""
    rows = weights.shape[0]
    weighed = weights.sum() > 0
    for i in numba.prange(out.shape[0]):
        if blacklisted[i]:
            out[i] = 0.0
        elif weighed:
            total = 0.0
            for f in range(rows):
                total += weights[f] * factors[f, i]
            out[i] = total
        else:
            out[i] = 0.5


ASSOCIATION = int(Cause.ASSOCIATION)
CLASS_LABEL = int(Cause.CLASS_LABEL)
CREDIT, BEHAVIOUR, PERSONAL, RELATIONSHIPS = (
    int(f) for f in (Factor.CREDIT_HISTORY, Factor.BEHAVIOUR, Factor.PERSONAL_CHARACTERISTICS, Factor.RELATIONSHIPS)
)


@numba.njit(parallel=True, cache=True)
def _combine(
    factors: np.ndarray,
    weights: np.ndarray,
    low: float,
    high: float,
    score: np.ndarray,
    bases: np.ndarray,
    relationships_base: np.ndarray,
    class_label: np.ndarray,
    last_cause: np.ndarray,
    shortfall: np.ndarray,
) -> None:
    """The score, low + (high - low) x the weighted sum of the five factors, and the cause of its
    largest weighted shortfall: the relationships factor's is association, an inherited label's
    (bases[2] = its weighted penalty) the class label, the dynamic factors' the latest penalty's
    cause. bases: credit-history and behaviour baselines, label weight."""
    for i in numba.prange(score.shape[0]):
        total = 0.0
        for f in range(weights.shape[0]):
            total += weights[f] * factors[f, i]
        score[i] = low + (high - low) * total
        own = weights[CREDIT] * (bases[0] - factors[CREDIT, i]) + weights[BEHAVIOUR] * (
            bases[1] - factors[BEHAVIOUR, i]
        )
        relation = weights[RELATIONSHIPS] * (relationships_base[i] - factors[RELATIONSHIPS, i])
        label = bases[2] * class_label[i]
        cause = last_cause[i]
        if relation > 0 and relation > own and relation >= label:
            cause = ASSOCIATION
        if label > 0 and label > own and label > relation:
            cause = CLASS_LABEL
        shortfall[i] = cause
