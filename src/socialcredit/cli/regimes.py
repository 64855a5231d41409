"""`socialcredit regimes`: list the shipped presets, or show one resolved."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from socialcredit.cli.app import app
from socialcredit.cli.common import out
from socialcredit.scenario import load_regime, load_scenario, regime_names, to_toml

regimes_app = typer.Typer(help="List the shipped regime presets, or show one fully resolved.", no_args_is_help=False)
app.add_typer(regimes_app, name="regimes")


@regimes_app.callback(invoke_without_command=True)
def list_regimes(ctx: typer.Context) -> None:
    """List the presets with one line each."""
    if ctx.invoked_subcommand is not None:
        return
    table = Table("regime", "description", show_header=True, header_style="bold")
    for name in regime_names():
        table.add_row(name, load_regime(name).description)
    out.print(table)


@regimes_app.command("show")
def show(name: Annotated[str, typer.Argument(help="a regime name or a .toml file")]) -> None:
    """Print the regime's or file's fully resolved scenario as TOML (its bases and the defaults included)."""
    typer.echo(to_toml(load_scenario(name)), nl=False)
