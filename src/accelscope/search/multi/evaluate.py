"""One pass over a design space for a *set* of networks: columns and executors.

:func:`evaluate_multi_points` decodes a chunk of grid points into one
:class:`~accelscope.targets.asic.cost.ConfigBatch` and runs the vectorized cost model
(:func:`~accelscope.targets.asic.cost.evaluate_batch`) once per network on it, so every network sees
exactly the same configurations. The result is one columnar chunk: the grid index, the
design parameters, the configuration-level metrics (area, PE count, SRAM) once, and the
network-dependent metrics once per network, in columns named ``n{k}_{metric}`` (``k`` is
the network's position in the set, so two entries with the same model never collide).

:func:`multi_task` is the task function run by the executors of :mod:`accelscope.parallel`
(serial, local processes, dask).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from accelscope.parallel import Executor, make_executor
from accelscope.search.space import DesignSpace
from accelscope.workload.network import Network

#: Metrics that depend only on the configuration (stored once per row).
CONFIG_METRICS: tuple[str, ...] = ("area_mm2", "cell_area_mm2", "pe_count", "sram_kib")
#: Metrics that depend on the network (stored once per network per row).
NETWORK_METRICS: tuple[str, ...] = (
    "latency_s",
    "latency_cycles",
    "throughput_per_s",
    "energy_j",
    "edp_js",
    "power_w",
    "dram_power_w",
    "perf_per_mm2",
    "perf_per_w",
    "utilization",
    "dram_bytes",
    "feasible",
)


def column_name(k: int, metric: str) -> str:
    """Column of *metric* for the network at position *k* of the set."""
    return f"n{k}_{metric}"


def evaluate_multi_points(
    networks: Sequence[Network], space: DesignSpace, indices: np.ndarray
) -> dict[str, np.ndarray]:
    """Columns for the grid points *indices*, every network evaluated on the same configs.

    Pure function of its inputs (any executor gives identical columns). Unmappable
    configurations carry ``feasible = False`` and infinite latency/energy for that network.
    """
    from accelscope.targets.asic.cost import evaluate_batch

    idx = np.asarray(indices, dtype=np.int64)
    configs = space.configs(idx)
    cols: dict[str, np.ndarray] = {"index": idx}
    cols.update({name: np.asarray(v) for name, v in space.columns(idx).items()})
    cols["pe_count"] = np.asarray(configs.pe_count, dtype=np.int64)
    cols["sram_kib"] = np.asarray(configs.sram_kib, dtype=np.float64)
    for k, net in enumerate(networks):
        res = evaluate_batch(net, configs)
        latency = np.asarray(res.latency_s, dtype=np.float64)
        energy = np.asarray(res.energy_j, dtype=np.float64)
        area = np.asarray(res.area_mm2, dtype=np.float64)
        power = np.asarray(res.power_w, dtype=np.float64)
        throughput = np.asarray(res.throughput_per_s, dtype=np.float64)
        if k == 0:
            cols["area_mm2"] = area
            cols["cell_area_mm2"] = np.asarray(res.cell_area_mm2, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            metrics = {
                "latency_s": latency,
                "latency_cycles": np.asarray(res.latency_cycles, dtype=np.float64),
                "throughput_per_s": throughput,
                "energy_j": energy,
                "edp_js": energy * latency,
                "power_w": power,
                "dram_power_w": np.asarray(res.dram_power_w, dtype=np.float64),
                "perf_per_mm2": throughput / area,
                "perf_per_w": throughput / power,
                "utilization": np.asarray(res.utilization, dtype=np.float64),
                "dram_bytes": np.asarray(res.dram_bytes, dtype=np.float64),
                "feasible": np.asarray(res.feasible, dtype=bool),
            }
        for metric, values in metrics.items():
            cols[column_name(k, metric)] = values
    return cols


def multi_task(payload: tuple[Any, Any], indices: np.ndarray) -> dict[str, np.ndarray]:
    """Task function for :mod:`accelscope.parallel`: payload = (networks, space)."""
    networks, space = payload
    return evaluate_multi_points(networks, space, indices)


def make_multi_executor(
    kind: str,
    networks: Sequence[Network],
    space: DesignSpace,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Executor:
    """Create an executor by name (``serial``, ``processes``, ``dask``) for the set."""
    return make_executor(
        kind, (tuple(networks), space), fn=multi_task, workers=workers, scheduler=scheduler
    )
