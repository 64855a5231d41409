"""M8 Score: five factors in [0, 1] with decay, combined into a score on a configurable range."""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from pydantic import Field, model_validator

from socialcredit.causes import Cause
from socialcredit.kernels import neighbour_mean
from socialcredit.mechanisms.base import Mechanism, MechanismParams, Params, StateSpec
from socialcredit.society.people import People


class Factor(IntEnum):
    CREDIT_HISTORY = 0
    FULFILLMENT_CAPACITY = 1
    PERSONAL_CHARACTERISTICS = 2
    BEHAVIOUR = 3
    RELATIONSHIPS = 4


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


def apply_evidence(
    people: People, factor: Factor, idx: np.ndarray, delta: float | np.ndarray, cause: int | np.ndarray | None = None
) -> None:
    """Move one factor of these citizens by `delta` (repeats add up), kept in [0, 1].

    A penalty records its `cause`, the ground truth that the metrics and appeals use.
    """
    if idx.shape[0] == 0:
        return
    row = people.factors[factor]
    np.add.at(row, idx, delta)
    row[idx] = np.clip(row[idx], 0.0, 1.0)
    if cause is not None:
        people.last_penalty_cause[idx] = cause


class Score(Mechanism):
    """Combines the factors; the relationships factor is the mean standing of one's active ties.

    A tie's standing is its own score without the relationships factor (so scores do not
    echo around cycles of friends), and zero while it is blacklisted.
    """

    name = "score"
    claim = (
        "A score from 350 to 900 built from five factors: credit history, fulfillment capacity, "
        "personal characteristics, behaviour and preferences, and interpersonal relationships; "
        "the scores of friends and acquaintances impact an individual's."
    )
    Params = ScoreParams
    states = (
        StateSpec("factors", "float32", 0.5, "the five factors, each in [0, 1]", rows=len(Factor)),
        StateSpec("factor_baseline", "float32", 0.5, "where each factor decays back to", rows=len(Factor)),
        StateSpec("score", "float32", np.nan, "the score on [low, high]"),
        StateSpec("last_penalty_cause", "int8", Cause.NONE, "Cause of the latest penalty"),
    )
    params: ScoreParams
    DYNAMIC = (Factor.CREDIT_HISTORY, Factor.BEHAVIOUR)  # the others are recomputed or fixed

    def init(self) -> None:
        p, people = self.params, self.people
        base = people.factor_baseline
        base[Factor.CREDIT_HISTORY] = p.initial_credit_history
        base[Factor.FULFILLMENT_CAPACITY] = people.income_rank
        personal = 0.3 + 0.4 * people.conscientiousness - p.class_label_penalty * people.class_label
        base[Factor.PERSONAL_CHARACTERISTICS] = np.clip(personal, 0.0, 1.0)
        base[Factor.BEHAVIOUR] = p.initial_behaviour
        people.factors[:] = base
        self.weights = p.weights.vector()
        self._relationships()
        base[Factor.RELATIONSHIPS] = people.factors[Factor.RELATIONSHIPS]
        self._combine()

    def step(self, day: int) -> None:
        people, keep = self.people, np.float32(1.0 - self.params.decay)
        for f in self.DYNAMIC:
            row, base = people.factors[f], people.factor_baseline[f]
            row -= base
            row *= keep
            row += base
        self._relationships()
        self._combine()

    def standing(self) -> np.ndarray:
        """Each citizen's standing in [0, 1] as its ties see it."""
        w = self.weights[: Factor.RELATIONSHIPS]
        own = np.tensordot(w, self.people.factors[: Factor.RELATIONSHIPS], axes=1)
        own = own / w.sum() if w.sum() > 0 else np.full(self.people.n, 0.5, dtype=np.float32)
        own[self.people.blacklisted] = 0.0
        return own.astype(np.float32)

    def _relationships(self) -> None:
        if self.weights[Factor.RELATIONSHIPS] == 0:
            return
        net = self.sim.network
        self.people.factors[Factor.RELATIONSHIPS] = neighbour_mean(
            net.indptr, net.indices, net.active, self.standing(), self.params.isolated_relationships
        )

    def _combine(self) -> None:
        p = self.params
        weighted = np.tensordot(self.weights, self.people.factors, axes=1)
        self.people.score[:] = p.low + (p.high - p.low) * weighted
