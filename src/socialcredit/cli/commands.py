"""Every command module, imported once so each registers its commands on the app."""

from socialcredit.cli import audit, calibrate, compare, dashboard, regimes, report, run, sweep, theory, validate

__all__ = ["audit", "calibrate", "compare", "dashboard", "regimes", "report", "run", "sweep", "theory", "validate"]
