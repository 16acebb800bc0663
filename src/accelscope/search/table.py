"""Evaluate a set of grid points and return them as a columnar result table."""

from __future__ import annotations

from typing import Any

import numpy as np

from accelscope.search.space import DesignSpace
from accelscope.workload.network import Network

#: Accelerator parameters shown for a design (space values and defaults), in display order.
DESIGN_KEYS: tuple[str, ...] = (
    "units",
    "rows",
    "cols",
    "dataflow",
    "clock_mhz",
    "lanes",
    "precision",
    "accumulator_bits",
    "unified_kib",
    "input_kib",
    "weight_kib",
    "output_kib",
    "double_buffering",
    "dram_gbps",
    "dram_pj_per_byte",
    "dram_type",
    "port_bytes",
    "staging_kib",
    "technology",
    "fold_overlap",
    "fusion",
    "residency",
)

#: Metric columns of a result table, with units in the names.
METRICS: tuple[str, ...] = (
    "latency_s",
    "latency_cycles",
    "throughput_per_s",
    "energy_j",
    "edp_js",
    "area_mm2",
    "power_w",
    "dram_power_w",
    "perf_per_mm2",
    "perf_per_w",
    "utilization",
    "dram_bytes",
    "pe_count",
    "sram_kib",
    "cell_area_mm2",
    "feasible",
)


def evaluate_points(network: Network, space: DesignSpace, indices: np.ndarray) -> dict[str, Any]:
    """Columns (grid index, parameters, metrics) for the grid points *indices*.

    Pure function of its inputs, so any executor (serial, processes, dask) produces the
    same columns for the same indices.
    """
    from accelscope.cost import evaluate_batch

    idx = np.asarray(indices, dtype=np.int64)
    params = space.columns(idx)
    configs = space.configs(idx)
    res = evaluate_batch(network, configs)
    latency = np.asarray(res.latency_s, dtype=np.float64)
    energy = np.asarray(res.energy_j, dtype=np.float64)
    area = np.asarray(res.area_mm2, dtype=np.float64)
    power = np.asarray(res.power_w, dtype=np.float64)
    throughput = np.asarray(res.throughput_per_s, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        cols: dict[str, Any] = {
            "index": idx,
            **{name: np.asarray(v) for name, v in params.items()},
            "latency_s": latency,
            "latency_cycles": np.asarray(res.latency_cycles, dtype=np.float64),
            "throughput_per_s": throughput,
            "energy_j": energy,
            "edp_js": energy * latency,
            "area_mm2": area,
            "power_w": power,
            "dram_power_w": np.asarray(res.dram_power_w, dtype=np.float64),
            "perf_per_mm2": throughput / area,
            "perf_per_w": throughput / power,
            "utilization": np.asarray(res.utilization, dtype=np.float64),
            "dram_bytes": np.asarray(res.dram_bytes, dtype=np.float64),
            "pe_count": np.asarray(configs.pe_count, dtype=np.int64),
            "sram_kib": np.asarray(configs.sram_kib, dtype=np.float64),
            "cell_area_mm2": np.asarray(res.cell_area_mm2, dtype=np.float64),
            "feasible": np.asarray(res.feasible, dtype=bool),
        }
    return cols


def to_arrow(columns: dict[str, Any]):
    from accelscope.store.parts import columns_table

    return columns_table(columns)
