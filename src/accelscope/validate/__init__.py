"""Validation as a product feature: the cost model against its own cycle-level simulators
(:mod:`accelscope.validate.simulator`) and against published accelerators
(:mod:`accelscope.validate.published`)."""

from accelscope.validate.published import ChipRow, RowResult, load_chips, validate_published
from accelscope.validate.simulator import SimulatorCheck, check_simulators

__all__ = [
    "ChipRow",
    "RowResult",
    "SimulatorCheck",
    "check_simulators",
    "load_chips",
    "validate_published",
]
