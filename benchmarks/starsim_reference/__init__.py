"""A Starsim 3 implementation of socialcredit's core model, the second reference for the speed comparison."""

from benchmarks.starsim_reference.model import CoreModel

__all__ = ["CoreModel"]
