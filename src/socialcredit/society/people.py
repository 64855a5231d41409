"""Citizens as struct-of-arrays: one preallocated NumPy array per attribute, indexed by id."""

from __future__ import annotations

from socialcredit.core import States


class People(States):
    """Every per-citizen array of a simulation, as attributes (`people.score`, `people.debt`).

    Arrays are allocated once from their `StateSpec` and never resized: citizens are never
    deleted, states are flags (LASER's rule), so memory is fixed and access sequential.
    """
