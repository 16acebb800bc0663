"""Evaluate a set of grid points and return them as a columnar result table."""

from __future__ import annotations

from typing import Any

import numpy as np

from accelscope.search.space import DesignSpace
from accelscope.targets.asic import DESIGN_KEYS as ASIC_DESIGN_KEYS
from accelscope.targets.asic import METRICS as ASIC_METRICS
from accelscope.workload.network import Network

#: ASIC design keys and metrics (other targets: ``space.target_model``).
DESIGN_KEYS: tuple[str, ...] = ASIC_DESIGN_KEYS
METRICS: tuple[str, ...] = ASIC_METRICS


def evaluate_points(network: Network, space: DesignSpace, indices: np.ndarray) -> dict[str, Any]:
    """Columns (grid index, parameters, metrics) for the grid points *indices*.

    Pure function of its inputs, so any executor (serial, processes, dask) produces the
    same columns for the same indices.
    """
    idx = np.asarray(indices, dtype=np.int64)
    params = space.columns(idx)
    metrics = space.target_model.evaluate_points(network, params)
    cols = {"index": idx, **{name: np.asarray(v) for name, v in params.items()}, **metrics}
    if space.target_model.ignored_parameters(params):
        # Points that only differ in parameters their design ignores: one stands for all.
        cols["redundant"] = space.canonical(idx) != idx
    return cols


def to_arrow(columns: dict[str, Any]):
    from accelscope.store.parts import columns_table

    return columns_table(columns)
