"""sweep: designs, replicates, the Parquet dataset, DuckDB, and failing fast on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import numpy as np
import pytest

from socialcredit.engine import Simulation
from socialcredit.errors import InputError
from socialcredit.experiments import sweep as sw


def test_grid_runs_every_point_with_replicates_and_matches_a_direct_run(tmp_path):
    design = sw.grid_design(sw.parse_grid(["payments.grace_days=20,200", "payments.litigation_days=0"]))
    assert design == [
        {"payments.grace_days": 20, "payments.litigation_days": 0},
        {"payments.grace_days": 200, "payments.litigation_days": 0},
    ]
    base = {"run": {"population": 1500, "days": 150}}
    points = sw.plan("scs", design, replicates=2, seed=5, base=base)
    assert [(p.replicate, p.seed) for p in points] == [(0, 5), (1, 6), (0, 5), (1, 6)]
    rows = sw.run_points("scs", points, base, workers=2)
    out = sw.write(tmp_path / "sweep", rows, {"runs": len(rows)})
    table = duckdb.sql(
        f"select \"param.payments.grace_days\" as grace, avg(listings_court) as listed from '{out}/runs/*.parquet' "
        "group by grace order by grace"
    ).fetchall()
    assert [g for g, _ in table] == [20, 200]
    assert table[0][1] > table[1][1]  # a longer grace period lists fewer debtors
    direct = Simulation(
        "scs", population=1500, days=150, seed=6, overrides={"payments": {"grace_days": 200, "litigation_days": 0}}
    ).run()
    (row,) = [r for r in rows if r["param.payments.grace_days"] == 200 and r["replicate"] == 1]
    assert row["listings_court"] == direct.summary["listings_court"]


def test_morris_finds_the_inert_parameter():
    ranges = {"payments.grace_days": (20.0, 200.0), "lists.score_blacklist_below": (450.0, 650.0)}
    design, matrix = sw.morris_design(ranges, trajectories=4, levels=4, seed=1)
    assert len(design) == 4 * (len(ranges) + 1) == matrix.shape[0]
    base = {"run": {"population": 1500, "days": 150}}
    rows = sw.run_points("financial-credit", sw.plan("financial-credit", design, 1, 1, base), base, workers=2)
    outputs = np.array([r["blacklisted_share"] for r in rows])
    effects = sw.sensitivity("morris", ranges, matrix, outputs, 4, 1)
    assert effects["payments.grace_days"]["mu_star"] == 0.0  # financial-credit has no court listing
    assert effects["lists.score_blacklist_below"]["mu_star"] > 0.0


def test_sobol_indices_rank_the_parameter_that_matters_and_leave_the_inert_one_at_zero():
    # under `none` appeals are off, so appeal_prob can do nothing; the free-rider share sets missed bills
    ranges = {"appeals.appeal_prob": (0.0, 1.0), "population.free_rider_share": (0.0, 0.1)}
    design, matrix = sw.sobol_design(ranges, 16, seed=1)
    assert len(design) == 16 * (len(ranges) + 2)
    base = {"run": {"population": 400, "days": 40}}
    rows = sw.run_points("none", sw.plan("none", design, 1, 1, base), base, workers=2)
    outputs = np.array([r["default_rate"] for r in rows])
    found = sw.sensitivity("sobol", ranges, matrix, outputs, 4, 1)
    inert, active = found["appeals.appeal_prob"], found["population.free_rider_share"]
    for key in ("S1", "ST"):
        assert abs(inert[key]) <= inert[f"{key}_conf"] + 1e-12  # within its interval of zero
        assert active[key] - active[f"{key}_conf"] > 0  # clearly above zero
    assert active["ST"] > inert["ST"]


def test_sobol_design_is_a_power_of_two_inside_the_box():
    design, _ = sw.sobol_design({"interactions.cost": (0.5, 2.0)}, 5, seed=1)
    assert len(design) == 8 * 3 and all(0.5 <= d["interactions.cost"] <= 2.0 for d in design)


def test_bad_designs_fail_before_any_run():
    with pytest.raises(InputError, match=r"payments\.grace_dayz"):
        sw.plan("scs", [{"payments.grace_dayz": 3}], 1, 1, {})
    with pytest.raises(InputError, match="low < high"):
        sw.parse_ranges(["score.decay=0.5:0.1"])


def test_cli_bad_key_exit_2_and_no_output(tmp_path):
    out = tmp_path / "s"
    done = subprocess.run(
        [sys.executable, "-m", "socialcredit", "sweep", "scs", "--grid", "lists.bogus=1,2", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "lists.bogus" in done.stderr and not out.exists()


def test_cli_json(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "socialcredit",
            "sweep",
            "financial-credit",
            "--grid",
            "payments.grace_days=30,60",
            "-n",
            "300",
            "-d",
            "10",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "s"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["runs"] == 2
