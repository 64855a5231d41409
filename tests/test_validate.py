"""`socialcredit validate`: patterns as data, replicates and intervals, verdicts, calibration kept apart."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest

from socialcredit import expression
from socialcredit.errors import InputError
from socialcredit.experiments import validate as v
from socialcredit.experiments.calibrate import Target

SHIPPED = Path(v.__file__).parents[1] / "validation" / "patterns.toml"
TOPICS = {  # the list: every topic has at least one pattern whose id starts so
    "surveillance-dose-response": "Lichter, Löffler & Siegloch",
    "cr-trust-by-relation": "IZA DP 15888",
    "court-inflow": "People's Daily",
    "court-stock": "China Daily",
    "court-compliance": "3.22 M",
    "refusals-flights-per-train": "17.5 M",
    "cr-persecution-rate": "Walder & Su",
    "cr-peak-timing": "1968-71",
    "chilling-penney": "Penney",
    "falsification-list-gap": "Robinson & Tannenberg",
}


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "socialcredit", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def _suite_file(tmp_path: Path, patterns: str, extra: str = "") -> Path:
    path = tmp_path / "patterns.toml"
    path.write_text(
        "[run]\npopulation = 300\ndays = 30\nreplicates = 2\nseed = 3\n"
        "[quick]\npopulation = 300\ndays = 30\nreplicates = 2\nseed = 3\n" + extra + patterns,
        encoding="utf-8",
    )
    return path


PLAIN = """
[[pattern]]
id = "defaults"
name = "missed payments per bill"
source = "a test"
role = "held_out"
quantity = "default_rate"
experiment = { kind = "run", regime = "none" }
target = 0.02
tolerance = 0.01
justification = "a test"
"""


def test_the_shipped_suite_covers_the_evidence_with_both_roles():
    suite = v.read_suite(SHIPPED)
    by_id = {p.id: p for p in suite.patterns}
    assert len(suite.patterns) >= 12
    for pid, cited in TOPICS.items():
        assert cited in by_id[pid].source, pid
    assert {p.role for p in suite.patterns} == set(v.ROLES)
    assert {p.experiment.kind for p in suite.patterns} == set(v.EXPERIMENTS)
    lacking = [p for p in suite.patterns if p.missing()]
    assert lacking and all(p.lacks for p in lacking)
    assert "reciprocity_slope" in by_id["surveillance-reciprocity-before-trust"].missing()  # never faked
    assert not by_id["cr-trust-by-relation"].missing()  # trust by relation exists now


def test_quick_validate_writes_the_report_with_intervals_and_verdicts(tmp_path):
    started = time.perf_counter()
    done = cli("validate", "--quick", "--out", "out", "--json", "--scale-to", "1400000000", cwd=tmp_path)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert elapsed < 60
    report = json.loads(done.stdout)
    out = tmp_path / "out"
    for name in ("validation.md", "validation.json", "figures/validation.png", "manifest.json", ".socialcredit"):
        assert (out / name).is_file(), name
    assert json.loads((out / "validation.json").read_text()) == report
    rows = report["patterns"]
    assert len(rows) >= 12 and report["options"]["replicates"] == 2
    assert {r["verdict"] for r in rows} <= {v.PASS, v.FAIL, v.NOT_MEASURABLE}
    for row in rows:
        if row["verdict"] == v.NOT_MEASURABLE:
            assert row["note"].startswith(("the model lacks", "the quantity is undefined"))
        else:
            assert len(row["values"]) == 2 and row["low"] <= row["mean"] <= row["high"]
    generations = next(r for r in rows if r["id"] == "cr-intergenerational")
    assert generations["verdict"] == v.NOT_MEASURABLE and "generations" in generations["note"]
    relation = next(r for r in rows if r["id"] == "cr-trust-by-relation")
    assert relation["verdict"] in (v.PASS, v.FAIL) and relation["low"] <= relation["mean"] <= relation["high"]
    text = (out / "validation.md").read_text()
    assert "| cr-intergenerational | held-out |" in text and "not measurable: the model lacks generations" in text
    assert "socialcredit validate --quick" in text
    national = {n["name"]: n for n in report["national"]}
    stock = national["people on the court list after five years"]
    assert math.isclose(stock["ratio"], stock["scaled"] / stock["reported"])
    assert "national figures scaled to 1,400,000,000" not in done.stdout  # --json: nothing else on stdout


def test_verdicts_follow_the_tolerance_and_the_interval():
    suite = v.read_suite(SHIPPED)
    target = next(p for p in suite.patterns if p.id == "court-stock")  # 0.009 ± 0.002
    assert v.judge(target, [0.010, 0.011]).verdict == v.PASS
    assert v.judge(target, [0.013, 0.014]).verdict == v.FAIL
    assert v.judge(target, [math.nan, 0.01]).verdict == v.NOT_MEASURABLE
    direction = next(p for p in suite.patterns if p.id == "cr-trust-persistence")  # negative
    assert v.judge(direction, [-0.02, -0.021, -0.019]).verdict == v.PASS
    wide = v.judge(direction, [-0.02, 0.01])  # negative mean, the interval includes 0
    assert wide.verdict == v.FAIL and "includes 0" in wide.note
    assert v.judge(direction, [0.02, 0.021]).verdict == v.FAIL


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('role = "held_out"', None),
        ('role = ["calibration", "held_out"]', "key 'role' must be one of calibration, held_out, not both"),
        ('role = "validation"', "key 'role' must be one of calibration, held_out (got 'validation')"),
        ('quantity = "trust_househld"', "unknown metric 'trust_househld'"),
        ('quantity = "__import__(1)"', "key 'quantity'"),
        ('experiment = { kind = "replay", regime = "none" }', "key 'kind' must be one of run, contrast, switch, sweep"),
        ('experiment = { kind = "run", regime = "nope" }', "nope"),
        ("tolerance = 0", "key 'tolerance' must be > 0"),
    ],
)
def test_a_bad_pattern_file_is_one_line_naming_file_key_and_allowed_values(tmp_path, change, message):
    key = change.split(" =")[0]
    lines = [change if line.startswith(key + " =") else line for line in PLAIN.splitlines()]
    path = _suite_file(tmp_path, "\n".join(lines) + "\n")
    if message is None:
        assert v.read_suite(path).patterns[0].role == "held_out"
        return
    with pytest.raises(InputError, match=None) as caught:
        v.read_suite(path)
    assert str(path) in str(caught.value) and message in str(caught.value), str(caught.value)
    done = cli("validate", str(path), "--out", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr and message in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_pattern_listed_twice_is_refused(tmp_path):
    path = _suite_file(tmp_path, PLAIN + PLAIN.replace('role = "held_out"', 'role = "calibration"'))
    with pytest.raises(InputError, match="key 'id' appears twice; a pattern is listed once, with one role"):
        v.read_suite(path)


def test_a_killed_validate_leaves_no_complete_looking_folder(tmp_path, monkeypatch):
    from socialcredit import report

    result = v.validate(v.read_suite(_suite_file(tmp_path, PLAIN)))

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "save_validation_figure", killed)
    with pytest.raises(KeyboardInterrupt):
        result.save(tmp_path / "out")
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.partial-*"))
    monkeypatch.undo()
    result.save(tmp_path / "out")
    with pytest.raises(InputError, match="--overwrite"):
        result.save(tmp_path / "out")


def test_a_switch_to_the_same_regime_is_the_run_straight_through(tmp_path):
    """The days after the first regime draw what a straight run draws: a switch none -> none
    against none throughout differs by exactly zero (common random numbers)."""
    pattern = PLAIN.replace('experiment = { kind = "run", regime = "none" }', "").replace(
        "target = 0.02\ntolerance = 0.01", 'direction = "negative"'
    )
    pattern = pattern.replace(
        'quantity = "default_rate"',
        'quantity = "trust_mean"\n'
        'experiment = { kind = "switch", before = "none", before_days = 10, regime = "none", reference = "none" }',
    )
    result = v.validate(v.read_suite(_suite_file(tmp_path, pattern)))
    (outcome,) = result.outcomes
    assert outcome.values == [0.0, 0.0] and outcome.verdict == v.FAIL


CALIBRATION = """
[calibration]
scenario = "none"
trials = 4
replicates = 2

[calibration.run]
population = 300
days = 30

[[calibration.parameter]]
key = "population.free_rider_share"
low = 0.0
high = 0.2

[[pattern]]
id = "fitted"
name = "missed payments per bill"
source = "a test"
role = "calibration"
quantity = "default_rate"
experiment = { kind = "run", regime = "none" }
target = 0.05
tolerance = 0.01
justification = "a test"

[[pattern]]
id = "held"
name = "missed payments per bill, held out"
source = "a test"
role = "held_out"
quantity = "default_rate * 1"
experiment = { kind = "run", regime = "none" }
target = 0.05
tolerance = 0.01
justification = "a test"
"""


def test_calibrate_fits_the_calibration_patterns_only_and_measures_the_held_out_on_the_result(tmp_path):
    path = _suite_file(tmp_path, CALIBRATION)
    done = cli("validate", str(path), "--calibrate", "--out", "out", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rows = {r["id"]: r for r in report["patterns"]}
    assert rows["fitted"]["verdict"] == v.CALIBRATION_TARGET  # never scored as validation of itself
    assert rows["fitted"]["note"] == "calibration target, not validation"
    assert rows["held"]["verdict"] in (v.PASS, v.FAIL) and rows["held"]["scenario"] == "none (calibrated)"
    calibration = report["calibration"]
    assert calibration["used_patterns"] == ["fitted"]
    assert [t["metric"] for t in calibration["targets"]] == ["default_rate"]  # the held-out one was never a target
    out = tmp_path / "out"
    assert "population.free_rider_share" in (out / "calibrated.toml").read_text()
    assert (out / "calibration" / "study.db").is_file()
    assert "calibration target, not validation" in (out / "validation.md").read_text()
    assert report["counts"]["held_out"].get(v.CALIBRATION_TARGET) is None
    assert not list(tmp_path.glob(".out.calibration-*"))
    # the calibrated free-rider share moved the held-out pattern off the shipped value
    plain = v.validate(v.read_suite(path))
    assert {o.pattern.id: o.mean for o in plain.outcomes}["held"] != rows["held"]["mean"]


def test_expressions_are_arithmetic_over_metric_names_only():
    assert expression.names("a / (b + totals.c) * 2") == ["a", "b", "totals.c"]
    assert expression.evaluate("a / b", {"a": 1.0, "b": 0.0}.__getitem__) != expression.evaluate(
        "a / b", {"a": 1.0, "b": 0.0}.__getitem__
    )  # NaN: undefined, not an exception
    assert expression.evaluate("-a * 3 + 1", {"a": 2.0}.__getitem__) == -5.0
    for bad in ("f(x)", "a ** 2", "a.b", "'text'", "True", "a if b else c"):
        with pytest.raises(ValueError):
            expression.parse(bad)
    target = Target("totals.delistings_paid / listings_court * 100", 1.0, 1.0)
    assert target.measure({"listings_court": 4.0}, {"delistings_paid": 1.0}) == 25.0


NATIONAL = """
[[national]]
name = "missed bills per year"
regime = "none"
quantity = "totals.bills_missed / population * 365 / days"
reported = 1000
unit = "per year"
source = "a test"
"""


def test_scale_to_prints_each_national_figure_beside_the_reported_one(tmp_path):
    path = _suite_file(tmp_path, PLAIN + NATIONAL)
    done = cli("validate", str(path), "--scale-to", "1000000", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "validation.json").read_text())
    (item,) = report["national"]
    line = next(line for line in done.stdout.splitlines() if "missed bills per year" in line)
    assert "against reported 1,000 per year" in line and f"ratio {item['ratio']:.3g}" in line
    assert item["scaled"] == pytest.approx(item["ratio"] * 1000)
    assert "## National figures, scaled to 1,000,000" in (tmp_path / "out" / "validation.md").read_text()
    without = cli("validate", str(path), "--out", "plain", cwd=tmp_path)
    assert "against reported" not in without.stdout
