"""`socialcredit validate`: the model's quantities beside the evidence (pattern-oriented validation)."""

from __future__ import annotations

import os
import secrets
import shutil
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from socialcredit.cli.app import app
from socialcredit.cli.common import Json, Overwrite, Seed, check_out_option, compile_notice, err, out, print_json
from socialcredit.errors import InputError
from socialcredit.experiments import validate as validation

SHIPPED = "socialcredit.validation"


def patterns_path(name: str) -> Path:
    """A patterns file: a path, or the name of a shipped one (`patterns`)."""
    if name.endswith(".toml") or Path(name).exists():
        return Path(name)
    shipped = resources.files(SHIPPED).joinpath(f"{name}.toml")
    if not shipped.is_file():
        raise InputError(f"unknown patterns {name!r}; allowed: patterns (shipped) or a path to a .toml file")
    return Path(str(shipped))


@app.command()
def validate(
    patterns: Annotated[
        str, typer.Argument(help="a patterns .toml file, or `patterns` (the shipped suite)")
    ] = "patterns",
    quick: Annotated[
        bool, typer.Option("--quick", help="the file's [quick] size: small population, few days, 2 seeds")
    ] = False,
    population: Annotated[
        int | None, typer.Option("--population", "-n", min=10, help="citizens \\[default: the file's]")
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", "-d", min=1, help="days of a run \\[default: the file's]")
    ] = None,
    replicates: Annotated[
        int | None, typer.Option("--replicates", "-r", min=1, max=100, help="seeds per pattern \\[default: 5]")
    ] = None,
    seed: Seed = None,
    calibrate: Annotated[
        bool,
        typer.Option("--calibrate", help="fit [calibration] to the calibration patterns first, then measure the rest"),
    ] = False,
    trials: Annotated[
        int | None,
        typer.Option("--trials", "-t", min=1, max=100_000, help="calibration trials \\[default: the file's]"),
    ] = None,
    scale_to: Annotated[
        float | None,
        typer.Option("--scale-to", min=1, help="also print the [[national]] figures scaled to this population"),
    ] = None,
    out_: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path("runs/validate"),
    overwrite: Overwrite = False,
    json_: Json = False,
) -> None:
    """Measure each pattern on replicate seeds; write validation.md, validation.json and a figure.

    Exit 0 whatever passes (it is a report); exit 2 on a bad patterns file.
    """
    suite = validation.read_suite(patterns_path(patterns))
    if calibrate and suite.calibration is None:
        raise InputError(f"{suite.path}: --calibrate needs a [calibration] table (scenario, [[calibration.parameter]])")
    folder = check_out_option(out_, overwrite)
    compile_notice()
    study = None
    if calibrate:  # a hidden sibling, moved into the output folder only when everything is done
        study = folder.resolve().parent / f".{folder.name[:120]}.calibration-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        result = validation.validate(
            suite,
            quick=quick,
            population=population,
            days=days,
            replicates=replicates,
            seed=seed,
            calibrate=calibrate,
            trials=trials,
            calibration_folder=study,
            scale_to=scale_to,
            progress=(lambda what: err.print(f"  {what}", highlight=False)) if err.is_terminal else None,
        )
        result.save(folder, overwrite=overwrite)
    finally:
        if study is not None and study.exists():
            shutil.rmtree(study, ignore_errors=True)
    if json_:
        print_json(result.as_dict())
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header in ("pattern", "role", "expected", "measured (95% CI)", "verdict"):
        table.add_column(header, no_wrap=header != "verdict", overflow="fold")
    for o in result.outcomes:
        verdict = o.verdict if o.verdict != validation.CALIBRATION_TARGET else "calibration target, not validation"
        table.add_row(
            o.pattern.id, o.pattern.role.replace("_", "-"), o.pattern.expected(), validation.measured_text(o), verdict
        )
    out.print(table)
    err.print(f"details (experiments, quantities, sources, what the model lacks): {folder}/validation.md")
    held = result.counts().get("held_out", {})
    out.print(
        f"held out: {held.get(validation.PASS, 0)} pass, {held.get(validation.FAIL, 0)} fail, "
        f"{held.get(validation.NOT_MEASURABLE, 0)} not measurable (95% CI over {result.options['replicates']} seeds)",
        highlight=False,
    )
    if result.national:
        out.print(f"national figures scaled to {scale_to:,.0f}:", highlight=False)
        for item in result.national:
            out.print(
                f"  {item['name']} ({item['scenario']}): model {validation.fmt(item['scaled'])} "
                f"[{validation.fmt(item['low'])}, {validation.fmt(item['high'])}] against reported "
                f"{validation.fmt(item['reported'])} {item['unit']} ({item['source']}); ratio {item['ratio']:.3g}",
                highlight=False,
                soft_wrap=True,
            )
    err.print(f"wrote {folder}/ (validation.md, validation.json, figures/validation.png)", highlight=False)
