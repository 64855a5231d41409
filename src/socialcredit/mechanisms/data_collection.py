"""M3 Data collection: partner platforms see only the citizens enrolled on them."""

from __future__ import annotations

from pydantic import Field

from socialcredit.core import Mechanism, MechanismParams, Params, StateSpec
from socialcredit.record import Channel


class Coverage(Params):
    payments: float = Field(0.9, ge=0, le=1, description="share of citizens whose payments a platform sees")
    shopping: float = Field(0.7, ge=0, le=1, description="share whose purchases a platform sees")
    social: float = Field(0.7, ge=0, le=1, description="share whose posts a platform sees")


class DataCollectionParams(MechanismParams):
    coverage: Coverage = Field(default_factory=Coverage)


class DataCollection(Mechanism):
    """Enrols each citizen on each channel's platforms once, with the channel's coverage.

    Others see its `enrolled` state through `record.observed`.
    """

    name = "data_collection"
    claim = (
        "The system draws on partner platforms affiliated with WeChat and Alibaba: what you pay, "
        "buy and post. Behaviour no platform sees cannot move the score."
    )
    Params = DataCollectionParams
    states = (StateSpec("enrolled", "bool", False, "seen by each channel's platforms", rows=len(Channel)),)
    params: DataCollectionParams

    def init(self) -> None:
        coverage = self.params.coverage
        for channel in Channel:
            name = channel.name.lower()
            self.people.enrolled[channel] = self.generator(f"enrol_{name}", 0).random(self.people.n) < getattr(
                coverage, name
            )

    def step(self, day: int) -> None:
        """Enrolment is fixed for the run; nothing to do each day."""
