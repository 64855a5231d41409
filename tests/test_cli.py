"""The `socialcredit` command: run, regimes, JSON output, and bad input (exit 2, one line)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest


def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "socialcredit", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_run_json_prints_one_flat_object_and_writes_the_folder(tmp_path):
    out = tmp_path / "run"
    done = cli("run", "financial-credit", "-n", "1500", "-d", "40", "--seed", "2", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert all(not isinstance(v, (dict, list)) for v in summary.values())
    assert summary["population"] == 1500 and "blacklist_precision" in summary
    assert json.loads((out / "summary.json").read_text()) == summary
    resolved = tomllib.loads((out / "scenario.toml").read_text())
    assert resolved["run"]["days"] == 40 and resolved["lists"]["sanctions"] == ["loans"]


def test_run_prints_the_table_on_stdout_and_messages_on_stderr(tmp_path):
    done = cli(
        "run",
        "financial-credit",
        "-n",
        "800",
        "-d",
        "10",
        "--out",
        str(tmp_path / "r"),
        "--set",
        "payments.grace_days=20",
    )
    assert done.returncode == 0, done.stderr
    assert "blacklist_precision" in done.stdout and "blacklist_precision" not in done.stderr
    assert "wrote" in done.stderr and "wrote" not in done.stdout


def test_regimes_lists_and_shows():
    listed = cli("regimes")
    assert listed.returncode == 0 and "financial-credit" in listed.stdout and "none" in listed.stdout
    shown = cli("regimes", "show", "financial-credit")
    assert tomllib.loads(shown.stdout)["lists"]["sanctions"] == ["loans"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "utopia"], "unknown regime 'utopia'; allowed:"),
        (["run", "financial-credit", "--set", "payments.grace_day=3"], "did you mean 'payments.grace_days'"),
        (["run", "financial-credit", "--set", "data_collection.coverage.payments=2"], "<= 1"),
        (["run", "financial-credit", "--population", "0"], "run.population"),
        (["run", "financial-credit", "--days", "0"], "run.days"),
        (["run", "financial-credit", "--set", "score.low=950"], "score.low must be below score.high"),
        (["run", "missing.toml"], "missing.toml: scenario file not found"),
        (["regimes", "show", "utopia"], "unknown regime"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_output(tmp_path, args, needle):
    out = tmp_path / "out"
    done = cli(*args, "--out", str(out)) if args[0] == "run" else cli(*args)
    assert done.returncode == 2
    assert needle in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".out*"))


def test_malformed_scenario_and_edge_list_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\npopulation = \n")
    done = cli("run", str(bad), "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and str(bad) in done.stderr and "malformed TOML" in done.stderr
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target\n1,2\n3,\n")
    scenario = tmp_path / "net.toml"
    scenario.write_text(f'base = "financial-credit"\n[network]\nedge_list = "{edges}"\n')
    done = cli("run", str(scenario), "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "line 3" in done.stderr and not (tmp_path / "o").exists()


def test_crash_mid_run_leaves_no_complete_looking_folder(tmp_path, monkeypatch):
    from socialcredit.engine import Simulation
    from socialcredit.mechanisms.payments import Payments

    def boom(self, day):
        if day == 5:
            raise RuntimeError("power cut")

    monkeypatch.setattr(Payments, "step", boom)
    sim = Simulation("financial-credit", population=300, days=20)
    with pytest.raises(RuntimeError):
        sim.run()
    with pytest.raises(ValueError, match="not finished"):
        sim.results.save(tmp_path / "half")
    assert not (tmp_path / "half").exists()


def test_compare_then_report(tmp_path):
    out = tmp_path / "cmp"
    done = cli("compare", "none", "financial-credit", "-n", "800", "-d", "20", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == {"none", "financial-credit"}
    (out / "figures" / "over_time.png").unlink()
    done = cli("report", str(out))
    assert done.returncode == 0, done.stderr
    text = (out / "report.md").read_text()
    assert "| `blacklist_precision` |" in text and "figures/over_time.png" in text
    assert (out / "figures" / "over_time.png").is_file() and (out / "figures" / "score_distributions.png").is_file()


def test_dashboard_runs_to_the_end_and_saves(tmp_path):
    done = cli("dashboard", "scs", "--terminal", "-n", "500", "-d", "15", "--out", str(tmp_path / "d"))
    assert done.returncode == 0, done.stderr
    assert "day 15 of 15" in done.stderr
    assert json.loads((tmp_path / "d" / "summary.json").read_text())["days"] == 15
