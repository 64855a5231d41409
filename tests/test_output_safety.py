"""Output never destroys what it did not write: every writer checks --out before any work."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time

import pytest

from socialcredit.errors import InputError
from socialcredit.results import MARKER, atomic_dir, check_out, clean_stale

SMALL = ("-n", "300", "-d", "4")
COMMANDS = {
    "run": ["run", "scs", *SMALL],
    "compare": ["compare", "none", "scs", *SMALL],
    "sweep": ["sweep", "scs", "--grid", "appeals.enabled=true,false", "--workers", "1", *SMALL],
    "dashboard": ["dashboard", "scs", "--terminal", *SMALL],
}


def cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "socialcredit", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def one_line(done: subprocess.CompletedProcess, needle: str) -> None:
    assert done.returncode == 2, done.stderr
    assert needle in done.stderr, done.stderr
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr, done.stderr


def hidden(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_folder_holding_a_users_file_survives(tmp_path, command):
    victim = tmp_path / "victim"
    (victim / "notes").mkdir(parents=True)
    (victim / "notes" / "thesis.txt").write_text("my thesis data")
    done = cli(*COMMANDS[command], "--out", str(victim))
    one_line(done, "not a folder written by socialcredit")
    assert (victim / "notes" / "thesis.txt").read_text() == "my thesis data"
    assert sorted(p.name for p in victim.iterdir()) == ["notes"]
    assert hidden(tmp_path) == []
    done = cli(*COMMANDS[command], "--out", str(victim), "--overwrite")  # --overwrite is no licence either
    one_line(done, "not a folder written by socialcredit")
    assert (victim / "notes" / "thesis.txt").read_text() == "my thesis data"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_file_stays_a_file(tmp_path, command):
    afile = tmp_path / "afile"
    afile.write_text("important")
    one_line(cli(*COMMANDS[command], "--out", str(afile), "--overwrite"), "is a file, not a folder")
    assert afile.read_text() == "important"
    one_line(cli(*COMMANDS[command], "--out", str(afile / "sub")), "is a file, not a folder")
    assert afile.read_text() == "important"


def test_report_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "summary.json").write_text("{}")
    one_line(cli("report", str(tmp_path / "mine")), "not a run or comparison folder written by socialcredit")
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["summary.json"]


@pytest.mark.parametrize("out", [".", "", ".."])
def test_the_working_folder_is_refused(tmp_path, out):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("keep")
    done = cli("run", "scs", *SMALL, "--out", out, cwd=work)
    one_line(done, "is the working folder")
    assert sorted(p.name for p in work.iterdir()) == ["notes.txt"]
    assert hidden(tmp_path) == []


def test_an_unwritable_place_is_one_line_before_the_work(tmp_path):
    started = time.perf_counter()
    # 10^6 citizens for 10 years would take many minutes: the refusal must come first
    done = cli("run", "scs", "-n", "1000000", "-d", "3650", "--out", "/proc/socialcredit-test/x")
    one_line(done, "cannot write in")
    assert time.perf_counter() - started < 60


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_gives_one_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        one_line(cli("run", "scs", *SMALL, "--out", str(locked / "run")), "cannot write in")
    finally:
        locked.chmod(0o755)
    assert list(locked.iterdir()) == []


def test_overwrite_replaces_an_earlier_run_folder_and_only_with_the_flag(tmp_path):
    out = tmp_path / "r"
    assert cli("run", "scs", *SMALL, "--seed", "1", "--out", str(out)).returncode == 0
    first = (out / "summary.json").read_text()
    assert json.loads((out / MARKER).read_text())["kind"] == "run"
    one_line(cli("run", "scs", *SMALL, "--seed", "2", "--out", str(out)), "pass --overwrite")
    assert (out / "summary.json").read_text() == first
    done = cli("run", "scs", *SMALL, "--seed", "2", "--out", str(out), "--overwrite")
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "summary.json").read_text())["seed"] == 2
    assert hidden(tmp_path) == []


def test_default_folders_differ_when_the_runs_differ(tmp_path):
    for extra in ([], ["--set", "lists.score_blacklist_below=600"]):
        assert cli("run", "scs", *SMALL, *extra, cwd=tmp_path).returncode == 0
    names = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(names) == 2 and all(n.startswith("scs-n300-d4-s1-") for n in names), names


def test_python_save_refuses_and_overwrites(tmp_path, small_run):
    results = small_run.results
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "data.csv").write_text("1,2")
    with pytest.raises(InputError, match="not a folder written by socialcredit"):
        results.save(tmp_path / "mine", figures=False)
    assert (tmp_path / "mine" / "data.csv").read_text() == "1,2"
    results.save(tmp_path / "run", figures=False)
    with pytest.raises(InputError, match="overwrite"):
        results.save(tmp_path / "run", figures=False)
    results.save(tmp_path / "run", figures=False, overwrite=True)
    mode = stat.S_IMODE((tmp_path / "run").stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o777 & ~umask  # not mkdtemp's 0700


def test_the_old_result_is_kept_if_the_new_one_cannot_be_put_in_place(tmp_path, monkeypatch):
    out = tmp_path / "r"
    with atomic_dir(out) as tmp:
        (tmp / "v").write_text("old")
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # the second rename: the new folder into place
            raise OSError("disk gone")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError, match="disk gone"), atomic_dir(out, overwrite=True) as tmp:
        (tmp / "v").write_text("new")
    monkeypatch.setattr(os, "replace", real)
    assert (out / "v").read_text() == "old"
    assert hidden(tmp_path) == []


def test_leftovers_of_killed_runs_are_cleaned_and_a_lost_result_restored(tmp_path):
    out = tmp_path / "r"
    with atomic_dir(out) as tmp:
        (tmp / "v").write_text("old")
    dead = 2**22 + 12345  # beyond pid_max's default: no such process
    partial = tmp_path / f".r.partial-{dead}-abcd"
    partial.mkdir()
    (partial / "summary.json").write_text("{}")
    os.replace(out, tmp_path / f".r.old-{dead}-abcd")  # killed between the two renames
    clean_stale(out)
    assert (out / "v").read_text() == "old" and hidden(tmp_path) == []
    check_out(out, overwrite=True)
