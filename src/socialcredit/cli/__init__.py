"""The `socialcredit` command: one module per command, all registered on one Typer app."""

from __future__ import annotations

import os
import sys

from socialcredit.errors import InputError


def main() -> None:
    """Entry point: bad input is one line on stderr and exit status 2, never a traceback.

    The commands are imported inside the handlers, so a Ctrl-C while NumPy and Numba load is
    the same one line and exit status 130 as a Ctrl-C mid-run.
    """
    try:
        from socialcredit.cli import commands  # noqa: F401  (each module registers its commands)
        from socialcredit.cli.app import app

        app()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's code for SIGINT, nothing half-written
        interrupted()
        sys.exit(130)
    except SystemExit as exc:
        if exc.code == 130:  # Typer turns a Ctrl-C inside a command into a silent exit 130
            interrupted()
        raise


def interrupted() -> None:
    os.write(2, b"interrupted\n")  # below any stream a live progress display may have wrapped
