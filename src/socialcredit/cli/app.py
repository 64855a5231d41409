"""The Typer application that every command module registers on."""

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

try:  # Typer >= 0.2x vendors Click and raises its own exception classes
    from typer._click import exceptions as cx
except ImportError:  # pragma: no cover
    from click import exceptions as cx  # type: ignore[no-redef]


class OneLineErrors(TyperGroup):
    """Usage errors (`-n abc`, an unknown option) as one line `error: ...` and exit status 2,
    like every other bad input, instead of a boxed panel; everything else as Typer does it."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[misc]
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[misc]
        except cx.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: show its help as usual
                return super().main(*args, standalone_mode=True, **kwargs)  # type: ignore[misc]
            where = exc.ctx.command_path if exc.ctx is not None else "socialcredit"
            hint = f" (see {where} --help)" if exc.ctx is not None else ""
            typer.echo(f"error: {where}: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except cx.ClickException as exc:
            typer.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
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
