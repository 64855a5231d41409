"""M10 Public shaming: listed names broadcast to everyone, who may then avoid the shamed."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from socialcredit.mechanisms.base import Mechanism, MechanismParams, StateSpec, sample_bernoulli
from socialcredit.society.people import People


class ShamingParams(MechanismParams):
    enabled: bool = False
    coverage: float = Field(
        1.0,
        ge=0,
        le=1,
        description="chance a new listing is broadcast (the court's defaulter list is published online in full)",
    )
    avoidance: float = Field(
        0.5,
        ge=0,
        le=1,
        description="chance a citizen about to interact with a shamed one declines (no source: the midpoint)",
    )


class Shaming(Mechanism):
    """Broadcasts each listing on its day with probability `coverage`; a delisting ends it.

    The broadcast is the state `publicly_shamed`: it makes the listing visible to every other
    citizen (M6's `blacklist` visibility reads it) and lets them avoid the shamed
    (`shamed`, read by M6, which draws the avoidance).
    """

    name = "shaming"
    claim = (
        "The names of the blacklisted are published on websites, shown on bus screens and played "
        "to callers, so everyone knows their status and may avoid them."
    )
    Params = ShamingParams
    states = (StateSpec("publicly_shamed", "bool", False, "listing broadcast and still in force"),)
    params: ShamingParams

    def step(self, day: int) -> None:
        people = self.people
        people.publicly_shamed &= people.blacklisted  # a delisting takes the name down
        new = np.flatnonzero(people.blacklisted & (people.listed_day == day))
        shown = sample_bernoulli(self.rng, new, self.params.coverage)
        people.publicly_shamed[shown] = True
        self.sim.count("broadcasts", shown.shape[0])


def shamed(people: People) -> np.ndarray:
    """Whether each citizen is shamed now: a donor about to interact with it may avoid it (M6).

    A listing lifted since the last broadcast step (e.g. by an appeal) no longer counts.
    """
    return people.publicly_shamed & people.blacklisted
