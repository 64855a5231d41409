"""Sweeps survive loss: finished points are recorded as they land, a resumed sweep skips
them, and a point whose worker is killed is retried once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq

from socialcredit.experiments import sweep as sw

CLI = [sys.executable, "-c", "from socialcredit.cli import main; main()"]
ARGS = ["sweep", "financial-credit", "--grid", "payments.grace_days=20,60,120,200", "-r", "3", "-n", "6000", "-d", "60"]


def _rows(folder):
    table = pq.read_table(folder / "runs").to_pandas().sort_values("run")
    return table.drop(columns=[c for c in table.columns if "seconds" in c]).reset_index(drop=True)


def test_a_killed_sweep_resumes_and_gives_the_same_rows(tmp_path):
    subprocess.run([*CLI, *ARGS, "--workers", "2", "--out", str(tmp_path / "whole")], check=True, capture_output=True)
    folder = tmp_path / "killed"
    journal = tmp_path / "killed.progress"
    child = subprocess.Popen(
        [*CLI, *ARGS, "--workers", "1", "--out", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 180
    while len(list(journal.glob("run-*.json"))) < 3 and child.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    time.sleep(0.5)
    orphans = subprocess.run(["pgrep", "-f", "spawn_main.*"], capture_output=True, text=True).stdout.split()
    assert not [p for p in orphans if int(p) != os.getpid()], "the killed sweep left workers behind"
    kept = len(list(journal.glob("run-*.json")))
    assert 3 <= kept < 12 and not folder.exists()
    again = subprocess.run([*CLI, *ARGS, "--workers", "2", "--out", str(folder)], capture_output=True, text=True)
    assert again.returncode == 2 and "--resume" in again.stderr and again.stderr.count("\n") == 1
    done = subprocess.run(
        [*CLI, *ARGS, "--workers", "2", "--out", str(folder), "--resume"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert _rows(folder).equals(_rows(tmp_path / "whole"))
    assert not journal.exists()


def test_a_killed_worker_fails_its_point_which_is_retried(tmp_path, monkeypatch):
    points = sw.plan("none", [{"payments.grace_days": g} for g in (30, 60, 90)], 2, 1, {})
    base = {"run": {"population": 20000, "days": 40}}
    killed = []

    def progress(done: int) -> None:
        if not killed:  # the first result is in: kill a live worker, as an OOM kill would
            out = subprocess.run(["pgrep", "-f", "spawn_main", "-P", str(os.getpid())], capture_output=True, text=True)
            pids = [int(p) for p in out.stdout.split()]
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

    rows = sw.run_points("none", points, base, workers=2, progress=progress, journal=tmp_path / "journal")
    assert killed and [r["run"] for r in rows] == [p.index for p in points]
    straight = sw.run_points("none", points, base, workers=2)
    assert [r["default_rate"] for r in rows] == [r["default_rate"] for r in straight]
