"""Every regime's fixed-seed summary matches the pinned baseline (regenerate: make baseline)."""

from __future__ import annotations

import json
import math

import pytest

from baseline import FOLDER, summary
from socialcredit.scenario import regime_names


@pytest.mark.parametrize("regime", regime_names())
def test_summary_matches_pinned_baseline(regime):
    path = FOLDER / f"{regime}.json"
    assert path.is_file(), f"no baseline for {regime}: run `make baseline` deliberately"
    pinned = json.loads(path.read_text())
    now = summary(regime)
    assert sorted(now) == sorted(pinned), "metric names changed"
    drift = {
        k: (pinned[k], now[k])
        for k in pinned
        if not (
            pinned[k] == now[k]
            or (
                isinstance(now[k], float)
                and isinstance(pinned[k], float)
                and math.isclose(now[k], pinned[k], rel_tol=1e-9, abs_tol=1e-12)
            )
        )
    }
    assert not drift, f"{regime} drifted from the pinned baseline: {drift}"
