"""Shared helpers for the tests: small, fast simulations."""

from __future__ import annotations

from typing import Any

import pytest

from socialcredit.engine import Simulation


def simulate(regime: str | None = "financial-credit", n: int = 4000, days: int = 120, seed: int = 1, **sections: Any):
    """A finished small run; keyword sections are scenario overrides, e.g. payments={"grace_days": 30}."""
    sim = Simulation(regime, population=n, days=days, seed=seed, overrides=sections)
    sim.run()
    return sim


@pytest.fixture(scope="session")
def small_run():
    return simulate()
