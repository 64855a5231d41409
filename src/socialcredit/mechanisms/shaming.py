"""M10 Public shaming: listed names broadcast to everyone, who may then avoid the shamed."""

from __future__ import annotations

from pydantic import Field

from socialcredit.core import Mechanism, MechanismParams
from socialcredit.record import listed_on


class ShamingParams(MechanismParams):
    enabled: bool = False
    coverage: float = Field(
        1.0,
        ge=0,
        le=1,
        description="chance a new listing is broadcast (the court's defaulter list is published online in full)",
    )


class Shaming(Mechanism):
    """Broadcasts each listing on its day with probability `coverage`; a delisting ends it.

    The broadcast is the record's state `publicly_shamed` (`record.delist` takes the name
    down): it makes the listing visible to every other citizen (M6's `blacklist` visibility
    reads it) and lets them avoid the shamed (M6's `avoid_shamed`).
    """

    name = "shaming"
    claim = (
        "The names of the blacklisted are published on websites, shown on bus screens and played "
        "to callers, so everyone knows their status and may avoid them."
    )
    Params = ShamingParams
    reads = ("listed_day",)
    writes = ("publicly_shamed",)
    counts = ("broadcasts",)
    params: ShamingParams

    def step(self, day: int) -> None:
        shown = self.bernoulli("broadcast", day, listed_on(self.people, day), self.params.coverage)
        self.people.publicly_shamed[shown] = True
        self.count("broadcasts", shown.shape[0])
