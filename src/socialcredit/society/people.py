"""Citizens as struct-of-arrays: one preallocated NumPy array per attribute, indexed by id."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from socialcredit.mechanisms.base import StateSpec


class People:
    """Every per-citizen array of a simulation, as attributes (`people.score`, `people.debt`).

    Arrays are allocated once from their `StateSpec` and never resized: citizens are never
    deleted, states are flags (LASER's rule), so memory is fixed and access sequential.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.specs: dict[str, StateSpec] = {}

    def allocate(self, specs: Iterable[StateSpec]) -> None:
        for spec in specs:
            if spec.name in self.specs:
                raise ValueError(f"state {spec.name!r} is declared twice")
            shape = (spec.rows, self.n) if spec.rows else (self.n,)
            setattr(self, spec.name, np.full(shape, spec.fill, dtype=spec.dtype))
            self.specs[spec.name] = spec

    def __getattr__(self, name: str) -> np.ndarray:  # for type checkers; real states are set
        raise AttributeError(f"People has no state {name!r}")
