"""A hand-built small society for exact assertions about one rule (Starsim's `mock_sim` style).

`make_sim(n=10, enabled=("payments", "lists"))` runs only the named mechanisms on n citizens
with no generated ties unless asked; a test then sets states by hand, steps, and asserts
exactly what the rule says.
"""

from __future__ import annotations

from typing import Any

from socialcredit.engine import Simulation
from socialcredit.mechanisms import MECHANISMS


def make_sim(
    n: int = 10, days: int = 30, enabled: tuple[str, ...] = (), ties: bool = False, seed: int = 1, **sections: Any
) -> Simulation:
    """A Simulation of n citizens with only the `enabled` mechanisms on; `sections` override
    parameters, e.g. appeals={"delay_days": 0}. Without `ties`, nobody is tied to anyone."""
    overrides: dict[str, Any] = {m.name: {"enabled": m.name in enabled} for m in MECHANISMS}
    if not ties:
        overrides["network"] = {"household": False, "work_unit": False, "friendship_degree": 0}
    for section, values in sections.items():
        overrides[section] = {**overrides.get(section, {}), **values}
    return Simulation(None, population=n, days=days, seed=seed, overrides=overrides)
