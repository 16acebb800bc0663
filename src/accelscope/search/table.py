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


def labelled(table: Any, target: Any) -> Any:
    """*table* (``pyarrow.Table``) with the target's categorical columns as labelled
    strings: dictionary arrays whose indices are the stored codes and whose dictionary is
    the labels (``dataflow`` shows ``ws``, not ``0``; pandas gets a categorical)."""
    import pyarrow as pa

    for name, labels in target.categorical_parameters.items():
        if name not in table.column_names:
            continue
        column = table.column(name)
        if not pa.types.is_integer(column.type):
            continue
        codes = column.combine_chunks().cast(pa.int32())
        array = pa.DictionaryArray.from_arrays(codes, pa.array(list(labels), pa.string()))
        table = table.set_column(table.column_names.index(name), name, array)
    return table
