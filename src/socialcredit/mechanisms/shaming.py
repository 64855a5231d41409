"""M10 Public shaming: listed names broadcast to everyone, who may then avoid the shamed."""

from __future__ import annotations

from pydantic import Field

from socialcredit.mechanisms.base import Mechanism, MechanismParams, StateSpec, sample_bernoulli
from socialcredit.mechanisms.lists import listed_on


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

    `lists.delist` takes the name down. The broadcast is the state `publicly_shamed`: it makes the listing visible to every other
    citizen (M6's `blacklist` visibility reads it) and lets them avoid the shamed (M6 draws
    the avoidance).
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
        shown = sample_bernoulli(self.rng, listed_on(self.people, day), self.params.coverage)
        self.people.publicly_shamed[shown] = True
        self.sim.count("broadcasts", shown.shape[0])
