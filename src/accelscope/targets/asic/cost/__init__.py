"""Cost model: timing, memory traffic, energy and area of kernels on accelerator configs.

Public entry points: :func:`evaluate` (one architecture, per-layer report) and
:func:`evaluate_batch` (arrays of configurations, vectorized). The model's assumptions and
formulas are documented in ``docs/assumptions.md (part 2)``.
"""

from accelscope.targets.asic.cost.configs import (
    DATAFLOW_NAMES,
    PRECISIONS,
    ConfigBatch,
    technology_names,
)
from accelscope.targets.asic.cost.evaluate import BOUND_NAMES, BatchResult, evaluate, evaluate_batch
from accelscope.targets.asic.cost.report import LayerReport, NetworkReport
from accelscope.targets.asic.cost.traffic import LOOP_ORDERS

__all__ = [
    "BOUND_NAMES",
    "BatchResult",
    "ConfigBatch",
    "DATAFLOW_NAMES",
    "LOOP_ORDERS",
    "LayerReport",
    "NetworkReport",
    "PRECISIONS",
    "evaluate",
    "evaluate_batch",
    "technology_names",
]
