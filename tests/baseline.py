"""The pinned baseline: the summary of a small fixed-seed run of every shipped regime.

`make baseline` (python tests/baseline.py --write) regenerates it. Do that only for a change
meant to alter results, and say so in the commit; test_baseline.py fails on any other drift.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from socialcredit.engine import Simulation
from socialcredit.results import json_clean
from socialcredit.scenario import regime_names

FOLDER = Path(__file__).parent / "baseline"
SETTINGS = {"population": 3000, "days": 180, "seed": 7}


def summary(regime: str) -> dict:
    sim = Simulation(regime, **SETTINGS)
    return json_clean(sim.run().summary)


def write() -> None:
    FOLDER.mkdir(exist_ok=True)
    for old in FOLDER.glob("*.json"):
        old.unlink()
    for regime in regime_names():
        (FOLDER / f"{regime}.json").write_text(json.dumps(summary(regime), indent=1, sort_keys=True) + "\n")
        print(f"wrote {FOLDER / regime}.json")


if __name__ == "__main__":
    if "--write" not in sys.argv:
        sys.exit("usage: python tests/baseline.py --write   (regenerates the pinned baseline)")
    write()
