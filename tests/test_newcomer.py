"""A newcomer's first hour (issue 16): checks before the work, tables where users look,
summaries that say what they are, folders that reproduce themselves."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from socialcredit.cli.common import HEADLINE
from socialcredit.metrics import KIND

ROOT = Path(__file__).resolve().parent.parent
SMALL = ("-n", "300", "-d", "4")


def cli(*args: str, cwd=None, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run(
        [sys.executable, "-m", "socialcredit", *args], capture_output=True, text=True, cwd=cwd, timeout=300, env=env
    )


def one_line(done: subprocess.CompletedProcess, needle: str) -> None:
    assert done.returncode == 2, done.stderr
    assert needle in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr, done.stderr


# --- every check before the work (A1, A2) ---------------------------------------------------


def test_compare_files_with_one_name_in_two_folders_is_refused_up_front(tmp_path):
    for folder, base in (("a", "scs"), ("b", "none")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.toml").write_text(f'base = "{base}"\n')
    started = time.perf_counter()
    done = cli("compare", "a/x.toml", "b/x.toml", "-n", "200000", "-d", "3650", "--out", "c", cwd=tmp_path)
    one_line(done, "are both regime 'x'")
    assert time.perf_counter() - started < 60 and not (tmp_path / "c").exists()


def test_compare_names_columns_and_files_after_each_scenarios_regime(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "scs500.toml").write_text(
        'base = "scs"\nregime = "strict"\n[lists]\nscore_blacklist_below = 500\n'
    )
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "scs600.toml").write_text('base = "scs"\n[lists]\nscore_blacklist_below = 600\n')
    done = cli("compare", "a/scs500.toml", "b/scs600.toml", *SMALL, "--out", "c", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert list(json.loads(done.stdout)) == ["strict", "scs600"]
    assert sorted(p.name for p in (tmp_path / "c" / "scenarios").iterdir()) == ["scs600.toml", "strict.toml"]


def test_sweep_metric_typo_is_one_line_before_any_run(tmp_path):
    started = time.perf_counter()
    args = ["sweep", "scs", "--grid", "appeals.enabled=true,false", "-r", "20", "-n", "100000", "-d", "365"]
    done = cli(*args, "--metric", "flase_blacklist_share", "--out", "s", cwd=tmp_path)
    one_line(done, "did you mean 'false_blacklist_share'")
    assert time.perf_counter() - started < 60 and not (tmp_path / "s").exists()


def test_sweep_unreachable_scheduler_is_one_line_within_seconds(tmp_path):
    pytest.importorskip("dask.distributed")
    started = time.perf_counter()
    args = ["sweep", "scs", "--grid", "appeals.enabled=true,false", *SMALL, "--scheduler", "tcp://127.0.0.1:9"]
    done = cli(*args, "--out", "s", cwd=tmp_path)
    one_line(done, "--scheduler tcp://127.0.0.1:9: cannot connect")
    assert time.perf_counter() - started < 30 and not (tmp_path / "s").exists()


def test_theory_figure_in_a_missing_folder_is_one_line_before_the_sweep():
    started = time.perf_counter()
    done = cli("theory", "--figure", "/proc/nope/x.png", "-n", "300", "-g", "2000", "--burn-in", "5")
    one_line(done, "--figure /proc/nope/x.png")
    assert time.perf_counter() - started < 30


def test_metrics_option_is_checked_and_chooses_the_rows(tmp_path):
    one_line(cli("run", "scs", *SMALL, "--metrics", "trust_mean,chiling", "--out", "r", cwd=tmp_path), "'chilling'")
    assert not (tmp_path / "r").exists()
    done = cli("run", "scs", *SMALL, "--metrics", "trust_mean,reports_total", "--out", "r", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [line.split()[0] for line in done.stdout.splitlines() if line.strip() and line.split()[0] in KIND]
    assert rows == ["trust_mean", "reports_total"]


# --- tables where users look (A3, A4, A6, A14) ----------------------------------------------


def test_the_default_rows_are_the_readme_tables_rows():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- docgen:readme-table -->")[1].split("<!-- /docgen -->")[0]
    rows = re.findall(r"^\| `([a-z0-9_]+)`", table, re.M)
    assert tuple(rows) == HEADLINE


def test_the_seven_regime_table_fits_80_columns_and_truncates_nothing(tmp_path):
    done = cli("compare", *SMALL, "--out", "c", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in done.stdout
    for metric in HEADLINE:
        assert sum(line.split()[0] == metric for line in lines if line.strip()) >= 1, metric
    summary = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert list(summary) == [
        "none",
        "financial-credit",
        "eu-ai-act",
        "scs",
        "scs-appeals",
        "danwei",
        "cultural-revolution",
    ]
    shown = done.stdout
    for regime, s in summary.items():  # every number, in full (4 significant digits)
        value = s["trust_mean"]
        assert f"{value:.4g}" in shown, (regime, value)
    assert "(run)" in shown and "cul-rev = cultural-revolution" in shown


def test_scale_to_figures_are_in_the_table(tmp_path):
    done = cli("run", "scs", "-n", "500", "-d", "30", "--scale-to", "1400000000", "--out", "r", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "×1,400,000,000" in done.stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert f"{summary['denied_trains_scaled']:,.0f}" in done.stdout or summary["denied_trains_scaled"] == 0


def test_audit_keys_are_never_cut():
    done = cli("audit", "eu-ai-act")
    assert done.returncode == 0, done.stderr
    assert "score.weights.fulfillment_capacity = 0.4" in done.stdout and "…" not in done.stdout


def test_regimes_show_a_file_resolved_against_its_base(tmp_path):
    (tmp_path / "mine.toml").write_text('base = "scs"\nregime = "mine"\n[appeals]\nenabled = true\n')
    done = cli("regimes", "show", str(tmp_path / "mine.toml"))
    assert done.returncode == 0, done.stderr
    shown = tomllib.loads(done.stdout)
    assert shown["regime"] == "mine" and shown["appeals"]["enabled"] is True and shown["posts"]["enabled"] is True


def test_version():
    from socialcredit import __version__

    done = cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"socialcredit {__version__}"


# --- summaries say what they are (A7, A8, A16) -----------------------------------------------


def test_every_summary_metric_is_a_stock_or_a_flow_and_model_md_lists_them(small_run):
    summary = small_run.results.summary
    metrics = set(summary) - {"regime", "population", "days", "seed"}
    assert metrics == set(KIND)
    model = (ROOT / "docs" / "model.md").read_text()
    section = model.split("## 8 Observation")[1].split("## 9 ")[0]
    for name, kind in KIND.items():
        assert re.search(rf"`{name}`[^\n]*\| {kind} \|", section), f"docs/model.md §8 does not list {name} as a {kind}"


def test_chilling_is_zero_not_negative_without_fear():
    from socialcredit.engine import Simulation

    results = Simulation("none", population=2000, days=5, seed=1).run()
    assert results.summary["chilling"] == 0.0
    values = [v for v in results.timeseries["chilling"].to_pylist() if not math.isnan(v)]
    assert values and min(values) >= 0.0


def test_theory_never_says_agrees_beside_a_large_z():
    from socialcredit.cli.theory import net_z
    from socialcredit.experiments.theory import Row

    far = Row("good", "all", measured=0.90, se=0.001, analytic=0.85, allowance=0.004)  # raw z = +50
    near = Row("good", "all", measured=0.853, se=0.0001, analytic=0.85, allowance=0.004)  # raw z = +30, inside
    assert net_z(far) == pytest.approx(46.0) and not far.agrees
    assert net_z(near) == 0.0 and near.agrees
    for row in (far, near):
        assert (abs(net_z(row)) <= 4) == row.agrees


def test_dashboard_ends_with_the_runs_summary(tmp_path):
    done = cli("dashboard", "scs", "--terminal", "-n", "500", "-d", "15", "--out", str(tmp_path / "d"))
    assert done.returncode == 0, done.stderr
    assert "last 7 d" in done.stderr
    summary = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert f"{summary['trust_mean']:.4g}" in done.stdout and "denied_trains (run)" in done.stdout


# --- folders that reproduce themselves (A10, A11) ----------------------------------------------


def test_a_compare_folder_reruns_to_the_same_bytes(tmp_path):
    from socialcredit.experiments.compare import compare

    first = compare(["none", "scs"], population=600, days=15, seed=3, burn_in=10, overrides=["appeals.enabled=true"])
    first.save(tmp_path / "one")
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["options"] == {
        "regimes": ["none", "scs"],
        "population": 600,
        "days": 15,
        "seed": 3,
        "burn_in": 10,
        "overrides": ["appeals.enabled=true"],
        "replicates": 1,
        "reference": "none",
        "start": None,
    }
    assert set(manifest["parameters_hash"]) == {"none", "scs"} and manifest["socialcredit_version"]
    again = compare(**manifest["options"])
    again.save(tmp_path / "two")
    assert (tmp_path / "one" / "summary.json").read_bytes() == (tmp_path / "two" / "summary.json").read_bytes()
    summary = json.loads((tmp_path / "one" / "summary.json").read_text())["scs"]
    saved = tomllib.loads((tmp_path / "one" / "scenarios" / "scs.toml").read_text())
    assert summary["days"] == 25 and summary["burn_in"] == 10 and saved["run"]["days"] == 15


def test_edge_lists_resolve_against_their_file_are_hashed_and_refuse_n(tmp_path):
    folder = tmp_path / "a"
    folder.mkdir()
    edges = folder / "edges.csv"
    edges.write_text("source,target\n" + "".join(f"p{i},p{(i + 1) % 60}\n" for i in range(60)))
    (folder / "net.toml").write_text('base = "scs"\nregime = "net"\n[network]\nedge_list = "edges.csv"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = cli("run", str(folder / "net.toml"), "-d", "3", "--out", "r", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    run = elsewhere / "r"
    manifest = json.loads((run / "manifest.json").read_text())
    import hashlib

    assert manifest["edge_list_sha256"] == hashlib.sha256(edges.read_bytes()).hexdigest()
    assert tomllib.loads((run / "scenario.toml").read_text())["network"]["edge_list"] == str(edges)
    done = cli("run", str(run / "scenario.toml"), "-d", "3", "--out", "r2", cwd=tmp_path)  # runs from elsewhere
    assert done.returncode == 0, done.stderr
    one_line(cli("run", str(folder / "net.toml"), "-n", "5000", "-d", "3", "--out", "r3", cwd=elsewhere), "drop -n")
    edges.write_text(edges.read_text() + "p0,p30\n")  # another network, another hash
    done = cli("run", str(folder / "net.toml"), "-d", "3", "--out", "r4", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert (
        json.loads((elsewhere / "r4" / "manifest.json").read_text())["parameters_hash"] != manifest["parameters_hash"]
    )


# --- smaller items (P1-P3) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "-n", "abc"], "'--population' / '-n'"),
        (["run", "--bogus"], "No such option: --bogus"),
        (["compare", "--burn-in", "-5"], "'--burn-in'"),
        (["regimes", "list"], "No such command 'list'"),
    ],
)
def test_usage_errors_are_one_line(args, needle):
    one_line(cli(*args), needle)


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ("appeals.enabled=yes", "appeals.enabled = 'yes' is not allowed"),
        ('lists.score_blacklist_below="600"', "lists.score_blacklist_below = '600' is not allowed"),
        ("run.population=true", "run.population = True is not allowed"),
    ],
)
def test_lax_values_are_errors(override, needle):
    from socialcredit import InputError, load_scenario

    with pytest.raises(InputError, match=re.escape(needle)):
        load_scenario("scs", [override])


def test_one_override_as_a_string_is_one_assignment():
    from socialcredit import Simulation

    sim = Simulation("scs", population=200, days=2, overrides="lists.score_blacklist_below=500")
    assert sim.scenario.lists.score_blacklist_below == 500
