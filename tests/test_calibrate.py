"""Calibration with Optuna: finds a known parameter, reproducible, resumable, bad files rejected."""

from __future__ import annotations

import json

import pytest

from socialcredit.engine import Simulation
from socialcredit.errors import InputError
from socialcredit.experiments.calibrate import calibrate, evaluate, read_plan

TRUE_SHARE = 0.05
RUN = {"population": 600, "days": 60}


def _targets(tmp_path, value: float) -> str:
    path = tmp_path / "targets.toml"
    path.write_text(
        f"""scenario = "none"
replicates = 2
seed = 4
[run]
population = {RUN["population"]}
days = {RUN["days"]}
[[target]]
metric = "default_rate"
value = {value}
tolerance = 0.002
source = "a run with free_rider_share = {TRUE_SHARE}"
[[parameter]]
key = "population.free_rider_share"
low = 0.0
high = 0.15
"""
    )
    return str(path)


def _truth() -> float:
    rates = [
        Simulation("none", seed=4 + r, overrides={"run": RUN, "population": {"free_rider_share": TRUE_SHARE}})
        .run()
        .summary["default_rate"]
        for r in range(2)
    ]
    return sum(rates) / 2


def test_calibration_recovers_a_known_parameter_and_resumes(tmp_path):
    plan = read_plan(_targets(tmp_path, _truth()))
    assert evaluate(plan, {"population.free_rider_share": TRUE_SHARE})[0] == 0.0  # the same seeds: exact
    first = calibrate(plan, tmp_path / "study", trials=8, sampler_seed=3)
    assert first["trials"] == 8
    resumed = calibrate(plan, tmp_path / "study", trials=20, sampler_seed=3)
    assert resumed["trials"] == 20  # 12 more, the first 8 kept in study.db
    best = resumed["best"]["params"]["population.free_rider_share"]
    assert abs(best - TRUE_SHARE) < 0.02
    written = Simulation(tmp_path / "study" / "best.toml")
    assert written.scenario.regime == "none-calibrated"
    assert abs(written.scenario.population.free_rider_share - best) < 1e-9
    saved = json.loads((tmp_path / "study" / "calibration.json").read_text())
    assert saved["best"]["params"] == resumed["best"]["params"]


def test_the_same_sampler_seed_proposes_the_same_trials(tmp_path):
    plan = read_plan(_targets(tmp_path, 0.03))
    a = calibrate(plan, tmp_path / "a", trials=5, sampler_seed=7)
    b = calibrate(plan, tmp_path / "b", trials=5, sampler_seed=7)
    assert a["best"] == b["best"]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("scenario = 'none'\n[[parameter]]\nkey='population.free_rider_share'\nlow=0\nhigh=1\n", r"\[\[target\]\]"),
        ("scenario = 'none'\n[[target]]\nmetric='default_rate'\nvalue=1\ntolerance=0\n", "tolerance"),
        (
            "scenario='none'\n[[target]]\nmetric='x'\nvalue=1\ntolerance=1\n[[parameter]]\nkey='population.nope'\nlow=0\nhigh=1\n",
            "nope",
        ),
        (
            "scenario='none'\n[[target]]\nmetric='x'\nvalue=1\ntolerance=1\n[[parameter]]\nkey='score.low'\nlow=2\nhigh=1\n",
            "low < high",
        ),
        ("scenario = 'none'\nbogus = 1\n", "bogus"),
    ],
)
def test_bad_targets_files_fail_with_one_line(tmp_path, text, needle):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=needle) as caught:
        read_plan(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_the_shipped_national_targets_file_is_valid():
    from socialcredit.cli.calibrate import targets_path

    plan = read_plan(targets_path("national"))
    assert plan.scenario == "scs" and len(plan.targets) >= 4 and all(t.source for t in plan.targets)
