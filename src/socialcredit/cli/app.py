"""The Typer application that every command module registers on."""

from typing import Annotated

import typer

app = typer.Typer(
    name="socialcredit",
    help="Simulate social credit systems on synthetic populations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from socialcredit import __version__

        typer.echo(f"socialcredit {__version__}")
        raise typer.Exit()


@app.callback()
def options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit", show_default=False
        ),
    ] = False,
) -> None:
    """Simulate social credit systems on synthetic populations."""
