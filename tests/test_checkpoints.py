"""Checkpoints: save and load the whole state; continue bit-identically; resume a killed run;
branch a comparison from one saved burn-in; bad files get one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from socialcredit.engine import Simulation
from socialcredit.errors import InputError
from socialcredit.results import json_clean
from socialcredit.scenario import regime_names

CLI = [sys.executable, "-c", "from socialcredit.cli import main; main()"]


def _same(a: dict, b: dict) -> bool:
    return json.dumps(json_clean(a), sort_keys=True) == json.dumps(json_clean(b), sort_keys=True)


@pytest.mark.parametrize("regime", regime_names())
def test_load_and_continue_equals_an_uninterrupted_run(regime, tmp_path):
    whole = Simulation(regime, population=1500, days=45, seed=9)
    whole.run()
    for stop in (1, 17, 30):
        sim = Simulation(regime, population=1500, days=45, seed=9)
        sim.run(until=stop)
        back = Simulation.load(sim.save(tmp_path / f"{regime}-{stop}"))
        assert back.day == stop
        resumed = back.run()
        assert _same(resumed.summary, whole.results.summary), (regime, stop)
        assert resumed.timeseries.to_pandas().equals(whole.results.timeseries.to_pandas())  # NaN-safe
        for name in whole.people.specs:
            assert np.array_equal(getattr(whole.people, name), getattr(back.people, name), equal_nan=True), name
        assert np.array_equal(whole.network.active, back.network.active)


def test_a_corrupt_or_foreign_file_gets_one_line(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(InputError, match="not a socialcredit checkpoint"):
        Simulation.load(bad)
    good = Simulation("none", population=300, days=10, seed=1)
    good.run(until=3)
    path = good.save(tmp_path / "good")
    with zipfile.ZipFile(path) as z:
        meta = json.loads(np.load(path)["meta"].tobytes())
        arrays = {n: z.read(n) for n in z.namelist() if n != "meta.npy"}
    meta["socialcredit_version"] = "0.0.1"
    old = tmp_path / "old.npz"
    np.savez(old, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    with pytest.raises(InputError, match="checkpoint format") as caught:
        Simulation.load(old)
    assert "\n" not in str(caught.value) and arrays


def test_a_killed_run_resumes_from_its_last_checkpoint_to_the_same_result(tmp_path):
    args = ["run", "scs", "-n", "20000", "-d", "40", "--seed", "5", "--checkpoint-every", "10"]
    subprocess.run([*CLI, *args, "--out", str(tmp_path / "whole")], check=True, capture_output=True)
    folder = tmp_path / "killed"
    child = subprocess.Popen([*CLI, *args, "--out", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    saved = tmp_path / "killed.checkpoint.npz"
    deadline = time.time() + 120
    while not saved.exists() and child.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert saved.exists() and not folder.exists()  # killed between its checkpoint and the end
    done = subprocess.run([*CLI, "run", "--resume", str(folder)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (folder / "summary.json").read_bytes() == (tmp_path / "whole" / "summary.json").read_bytes()
    assert (folder / "timeseries.parquet").read_bytes() == (tmp_path / "whole" / "timeseries.parquet").read_bytes()
    assert not saved.exists()  # spent
    missing = subprocess.run([*CLI, "run", "--resume", str(tmp_path / "nothing")], capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "checkpoint not found" in missing.stderr


def test_a_kill_after_the_folder_landed_but_before_its_checkpoint_went_resumes_cleanly(tmp_path):
    """The kill tests found it: the finished folder and its last checkpoint both left; --resume
    finishes again into the same folder (its own), equal to the uninterrupted run."""
    args = ["run", "scs", "-n", "1500", "-d", "30", "--seed", "2"]
    folder = tmp_path / "out"
    subprocess.run([*CLI, *args, "--out", str(folder)], check=True, capture_output=True)
    whole = (folder / "summary.json").read_bytes()
    sim = Simulation("scs", population=1500, days=30, seed=2)
    sim.run(until=20)
    sim.save(tmp_path / "out.checkpoint.npz")  # as a checkpoint written at day 20 would be
    done = subprocess.run([*CLI, "run", "--resume", str(folder)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (folder / "summary.json").read_bytes() == whole
    assert not (tmp_path / "out.checkpoint.npz").exists()


def test_a_kill_while_writing_leaves_the_previous_checkpoint_valid(tmp_path, monkeypatch):
    sim = Simulation("scs", population=800, days=30, seed=2)
    sim.run(until=10)
    path = sim.save(tmp_path / "ck")
    sim.run(until=20)

    def dies(*args, **kwargs):
        raise KeyboardInterrupt  # the process stops in the middle of writing the archive

    monkeypatch.setattr(np, "savez", dies)
    with pytest.raises(KeyboardInterrupt):
        sim.save(tmp_path / "ck")
    monkeypatch.undo()
    assert Simulation.load(path).day == 10
    assert [p.name for p in tmp_path.iterdir()] == ["ck.npz"]  # no partial file left


def test_compare_branches_every_regime_from_one_saved_burn_in(tmp_path):
    from socialcredit.experiments.compare import compare

    donor = Simulation("none", population=1200, days=30, seed=3)
    donor.run()
    path = donor.save(tmp_path / "burn-in")
    branched = compare(["none", "scs"], days=20, start=path)
    straight = compare(["none", "scs"], population=1200, days=20, seed=3, burn_in=30)
    assert _same(branched.summaries, straight.summaries)
    assert branched.options["start"] == str(path.resolve())
    assert os.path.exists(path)
