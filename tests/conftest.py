"""Shared helpers for the tests: small, fast simulations."""

from __future__ import annotations

from typing import Any

import pytest

from socialcredit.engine import Simulation

# Interactions' fear weights with nobody withdrawing under perceived risk (M6).
NO_FEAR = {"kin": 0.0, "coworkers": 0.0, "friends": 0.0, "strangers": 0.0}


def simulate(regime: str | None = "financial-credit", n: int = 4000, days: int = 120, seed: int = 1, **sections: Any):
    """A finished small run; keyword sections are scenario overrides, e.g. payments={"grace_days": 30}."""
    sim = Simulation(regime, population=n, days=days, seed=seed, overrides=sections)
    sim.run()
    return sim


@pytest.fixture(scope="session")
def small_run():
    return simulate()


# Hypothesis: a fixed, derandomized profile for CI (make test) and a longer one on demand
# (SOCIALCREDIT_HYPOTHESIS=long make test), for the property tests of every input surface.
try:
    import os

    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ci", max_examples=60, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
    )
    settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
    settings.load_profile(os.environ.get("SOCIALCREDIT_HYPOTHESIS", "ci"))
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    pass
