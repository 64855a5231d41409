"""The `socialcredit` command: one module per command, all registered on one Typer app."""

from __future__ import annotations

import sys

from socialcredit.cli import (  # noqa: F401  (each module registers its commands)
    audit,
    calibrate,
    compare,
    dashboard,
    regimes,
    report,
    run,
    sweep,
    theory,
    validate,
)
from socialcredit.cli.app import app
from socialcredit.errors import InputError


def main() -> None:
    """Entry point: bad input is one line on stderr and exit status 2, never a traceback."""
    try:
        app()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:  # Ctrl-C: one line, the shell's code for SIGINT, nothing half-written
        print("interrupted", file=sys.stderr)
        sys.exit(130)
