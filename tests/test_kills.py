"""Kill tests: `run`, `compare` and `sweep` killed (SIGKILL) or interrupted (SIGINT, as Ctrl-C
sends it to the whole process group) at random moments.

Each command first runs once uninterrupted (the reference, and its duration). Then it is
started again into one output folder and stopped at moments drawn from a seeded generator
over that duration, twice per signal, each attempt in the place the previous one left (as a
user retries). After every stop: a folder at `--out` is complete and equal to the reference
(the stop came after the final rename), or there is none; SIGINT gives exit status 130 and
the one line `interrupted`, never a traceback; a checkpoint left by `run` loads. Finally the
command runs to the end in the same place (`run --resume` from a checkpoint if there is one,
`sweep --resume` from its journal): the result equals the reference and no hidden partial or
old folder, journal or checkpoint is left beside it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from socialcredit import checkpoint
from socialcredit.cli.run import checkpoint_file
from socialcredit.results import MARKER

CLI = [sys.executable, "-c", "from socialcredit.cli import main; main()"]
COMMANDS = {
    "run": (["run", "scs", "-n", "6000", "-d", "150", "--checkpoint-every", "20"], "summary.json"),
    "compare": (["compare", "none", "scs", "-n", "3000", "-d", "90", "-r", "2"], "statistics.json"),
    "sweep": (
        ["sweep", "scs", "--grid", "appeals.enabled=true,false", "-n", "1500", "-d", "60", "--workers", "2"],
        "runs",
    ),
}
SIGNALS = (signal.SIGKILL, signal.SIGINT)
TRIES = 2  # moments per signal and command


def _default_sigint() -> None:
    """A child of a background job inherits SIGINT ignored; a terminal's Ctrl-C reaches a shell's foreground job."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def launch(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a foreground job
        preexec_fn=_default_sigint,
    )


def result(folder: Path, made: str) -> object:
    """What a finished folder holds that must not depend on how the run got there."""
    if made == "runs":  # a sweep: its rows, in order of the design
        import pyarrow.parquet as pq

        rows = pq.read_table(folder / "runs").to_pylist()
        return sorted(json.dumps(r, sort_keys=True) for r in rows)
    return json.loads((folder / made).read_text())


def leftovers(out: Path) -> list[str]:
    """Hidden partial/old folders, journals and checkpoints beside `out`."""
    return sorted(
        p.name
        for p in out.parent.iterdir()
        if p.name.startswith(f".{out.name}.") or p.name in (f"{out.name}.progress", f"{out.name}.checkpoint.npz")
    )


def again(command: str, args: list[str], out: Path) -> list[str]:
    """The command line that goes on in the place a stopped attempt left."""
    extra = ["--out", str(out)]
    if out.exists():
        extra.append("--overwrite")
    if command == "sweep" and (out.parent / f"{out.name}.progress").exists():
        extra.append("--resume")
    if command == "run" and checkpoint_file(out).exists():
        return ["run", "--resume", str(out)]
    return args + extra


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_command_stopped_at_random_moments_leaves_nothing_that_looks_complete(command, tmp_path):
    args, made = COMMANDS[command]
    started = time.monotonic()
    reference = subprocess.run([*CLI, *args, "--out", str(tmp_path / "reference")], capture_output=True, text=True)
    duration = time.monotonic() - started
    assert reference.returncode == 0, reference.stderr
    expected = result(tmp_path / "reference", made)

    rng = random.Random(f"kills-{command}")
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    stops = []
    for sig in SIGNALS:
        for _ in range(TRIES):
            moment = rng.uniform(0.15, 0.95) * duration
            line = again(command, args, out)
            if command == "run" and "--resume" in line:
                line = [*args, "--out", str(out), "--overwrite"]  # a fresh attempt; the resume comes last
                checkpoint_file(out).unlink()
            proc = launch(line, tmp_path)
            try:
                proc.wait(timeout=moment)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, sig)
            _, stderr = proc.communicate(timeout=120)
            stops.append((sig.name, round(moment, 2), proc.returncode))
            if proc.returncode == 0:
                assert result(out, made) == expected
                continue
            if sig == signal.SIGINT:
                assert proc.returncode == 130, stderr
                assert "Traceback" not in stderr, stderr
                assert stderr.strip().splitlines()[-1] == "interrupted", stderr
            else:
                assert proc.returncode == -signal.SIGKILL
            if out.exists():  # only a folder that was moved in complete
                assert (out / MARKER).is_file()
                assert result(out, made) == expected
            if command == "run" and checkpoint_file(out).exists():
                checkpoint.read_meta(checkpoint_file(out))  # the last checkpoint written is whole

    line = again(command, args, out)
    done = subprocess.run([*CLI, *line], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, (line, done.stderr)
    assert result(out, made) == expected, stops
    assert leftovers(out) == [], stops
