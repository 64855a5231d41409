"""compare: common random numbers, burn-in, outputs."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq

from socialcredit.experiments.compare import compare


def test_regimes_share_the_population_and_its_luck(tmp_path):
    result = compare(["none", "financial-credit", "eu-ai-act"], population=2000, days=60, seed=3)
    # life events draw from their own stream: identical under every regime
    episodes = {r: s["hospital_episodes"] for r, s in result.summaries.items()}
    assert len(set(episodes.values())) == 1 and episodes["none"] > 0
    folder = result.save(tmp_path / "cmp")
    long = pq.read_table(folder / "compare.parquet")
    assert long.column_names == ["regime", "seed", "day", "metric", "value"]
    assert set(long["regime"].to_pylist()) == {"none", "financial-credit", "eu-ai-act"}
    figures = sorted(p.name for p in (folder / "figures").iterdir())
    assert figures == [
        "false_blacklist_causes.png",
        "false_blacklist_over_time.png",
        "over_time.png",
        "score_distributions.png",
    ]
    assert set(json.loads((folder / "summary.json").read_text())) == {"none", "financial-credit", "eu-ai-act"}


def test_burn_in_starts_every_regime_from_the_same_state():
    result = compare(["none", "scs"], population=1500, days=20, seed=4, burn_in=30)
    long = result.long.to_pandas()
    first = long[long.day == long.day.min()]
    assert first.day.iloc[0] == 30
    trust = first[first.metric == "trust_mean"].set_index("regime").value
    assert np.isclose(trust["none"], trust["scs"])
    default = first[first.metric == "ties_cut_share"].set_index("regime").value
    assert np.isclose(default["none"], default["scs"])
    # flows restart after the burn-in: no rate over days that were not counted
    assert np.isnan(first[first.metric == "critical_post_rate"].value).all()
    assert abs(result.summaries["none"]["chilling"]) < 0.1
