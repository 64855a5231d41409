"""The Typer application that every command module registers on."""

import typer

app = typer.Typer(
    name="socialcredit",
    help="Simulate social credit systems on synthetic populations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
