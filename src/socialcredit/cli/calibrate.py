"""`socialcredit calibrate`: set free parameters from target values with Optuna (resumable)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from socialcredit.cli.app import app
from socialcredit.cli.common import Json, err, out, print_json, progress
from socialcredit.errors import InputError
from socialcredit.experiments.calibrate import calibrate as run_calibration
from socialcredit.experiments.calibrate import read_plan

SHIPPED = "socialcredit.calibration"


def targets_path(name: str) -> Path:
    """A targets file: a path, or the name of a shipped one (`national`)."""
    if name.endswith(".toml") or Path(name).exists():
        return Path(name)
    shipped = resources.files(SHIPPED).joinpath(f"{name}.toml")
    if not shipped.is_file():
        raise InputError(f"unknown targets {name!r}; allowed: national (shipped) or a path to a .toml file")
    return Path(str(shipped))


@app.command()
def calibrate(
    targets: Annotated[str, typer.Argument(help="a targets .toml file, or `national` (the court list's figures)")],
    scenario: Annotated[str | None, typer.Option("--scenario", help="regime or .toml (default: the file's)")] = None,
    trials: Annotated[int, typer.Option("--trials", "-t", min=1, max=100_000, help="trials in the study, in all")] = 30,
    sampler_seed: Annotated[int, typer.Option("--sampler-seed", min=0, help="seed of the TPE sampler")] = 0,
    out_: Annotated[
        Path, typer.Option("--out", "-o", help="study folder: study.db, best.toml, calibration.json")
    ] = Path("runs/calibration"),
    resume: Annotated[bool, typer.Option("--resume", help="continue the study already in --out")] = False,
    json_: Json = False,
) -> None:
    """Search the free parameters (TPE, seeded) so the targets' metrics hit their values; resumable.

    The best set is written as a runnable scenario (OUT/best.toml, regime NAME-calibrated);
    no shipped regime is ever changed.
    """
    plan = read_plan(targets_path(targets), scenario)
    if out_.exists() and not out_.is_dir():
        raise InputError(f"--out {out_}: is a file; allowed: a new folder, or a study folder with --resume")
    if (out_ / "study.db").exists() and not resume:
        raise InputError(f"--out {out_}: holds a study already; allowed: --resume to continue it, or another folder")
    if out_.exists() and any(out_.iterdir()) and not (out_ / "study.db").exists():
        raise InputError(f"--out {out_}: exists and is not a study folder; allowed: a new folder")
    with progress() as bar:
        task = bar.add_task(f"calibrate {plan.scenario}: {len(plan.free)} parameters", total=trials)
        result = run_calibration(plan, out_, trials, sampler_seed, lambda done, total: bar.update(task, completed=done))
    if json_:
        print_json(result)
        return
    best = result["best"]
    out.print(f"best of {result['trials']} trials: distance {best['distance']:.4g}", highlight=False)
    for key, value in best["params"].items():
        out.print(f"  {key} = {value:.6g}", highlight=False)
    for target in result["targets"]:
        got = best["means"][target["metric"]]
        out.print(
            f"  {target['metric']}: {got:.4g} (target {target['value']:g} ± {target['tolerance']:g})", highlight=False
        )
    err.print(
        f"wrote {out_}/best.toml (run it: socialcredit run {out_}/best.toml) and calibration.json", highlight=False
    )
