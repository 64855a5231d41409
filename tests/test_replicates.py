"""Replicated comparisons: means with confidence intervals, paired differences under common random numbers."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq

from socialcredit.experiments.compare import compare, interval, welch_interval


def test_interval_covers_the_mean_at_its_nominal_rate():
    rng = np.random.default_rng(0)
    covered = [lo <= 1.0 <= hi for _, lo, hi in (interval(rng.normal(1.0, 2.0, 5)) for _ in range(4000))]
    assert abs(np.mean(covered) - 0.95) < 0.015  # Student t with 4 degrees of freedom


def test_paired_differences_are_far_narrower_than_unpaired_under_common_random_numbers(tmp_path):
    # financial-credit changes nothing that feeds missed bills within 90 days: with the same
    # seed both regimes miss the same bills, so the paired difference is exactly 0 with a
    # zero-width interval, while the seeds' spread makes the unpaired interval wide.
    c = compare(["none", "financial-credit", "scs"], population=1500, days=90, seed=3, replicates=4)
    diff = c.statistics["difference"]["financial-credit"]["default_rate"]
    assert diff["paired"]["high"] - diff["paired"]["low"] == 0.0
    assert diff["unpaired"]["high"] - diff["unpaired"]["low"] > 0.005
    trust = c.statistics["difference"]["scs"]["trust_mean"]
    width = {k: trust[k]["high"] - trust[k]["low"] for k in ("paired", "unpaired")}
    assert width["paired"] < 0.5 * width["unpaired"]
    listed = c.statistics["metrics"]["scs"]["blacklisted_share"]
    seeds = [r["blacklisted_share"] for r in c.replicates["scs"]]
    assert len(seeds) == 4 and np.isclose(listed["mean"], np.mean(seeds))
    assert listed["low"] < listed["mean"] < listed["high"]
    assert np.isclose(c.summaries["scs"]["blacklisted_share"], np.mean(seeds))

    folder = c.save(tmp_path / "cmp")
    table = pq.read_table(folder / "compare.parquet").to_pandas()
    assert sorted(table.seed.unique()) == [3, 4, 5, 6] and set(table.regime) == {"none", "financial-credit", "scs"}
    saved = json.loads((folder / "statistics.json").read_text())
    assert saved["seeds"] == [3, 4, 5, 6] and saved["reference"] == "none"
    assert json.loads((folder / "manifest.json").read_text())["options"]["replicates"] == 4


def test_welch_interval_matches_scipy():
    from scipy import stats

    a, b = np.array([1.0, 2.0, 4.0, 3.5]), np.array([0.5, 0.7, 2.0])
    diff, lo, hi = welch_interval(a, b)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert np.isclose(diff, a.mean() - b.mean()) and np.isclose(lo, ci.low) and np.isclose(hi, ci.high)


def test_one_replicate_is_the_plain_comparison():
    one = compare(["none", "scs"], population=800, days=20, seed=2)
    again = compare(["none", "scs"], population=800, days=20, seed=2, replicates=1)
    assert one.statistics == {}
    assert json.dumps(one.summaries, sort_keys=True) == json.dumps(again.summaries, sort_keys=True)  # NaN-safe
