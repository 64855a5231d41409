"""A Mesa 3 implementation of socialcredit's core model, the reference for the speed comparison."""

from benchmarks.mesa_reference.model import CoreModel, check_core, synthesize_society

__all__ = ["CoreModel", "check_core", "synthesize_society"]
