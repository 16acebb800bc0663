"""One pass over a design space for a *set* of networks: columns and executors.

:func:`evaluate_multi_points` decodes a chunk of grid points once and runs the space's
target's vectorized evaluator once per network on it, so every network sees exactly the
same configurations. The result is one columnar chunk: the grid index, the design
parameters, the configuration-level metrics (ASIC: area, PE count, SRAM; FPGA generic
engine: DSP, BRAM18, ...) once, and the
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
from accelscope.targets.asic import ASIC
from accelscope.workload.network import Network

#: ASIC metrics that depend only on the configuration (stored once per row); other
#: targets: :func:`metric_split`.
CONFIG_METRICS: tuple[str, ...] = ASIC.config_metrics
#: ASIC metrics that depend on the network (stored once per network per row).
NETWORK_METRICS: tuple[str, ...] = tuple(m for m in ASIC.metrics if m not in CONFIG_METRICS)


def metric_split(space: DesignSpace) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(configuration-level, network-level) metrics of the space's target."""
    target = space.target_model
    config = target.config_metrics
    return config, tuple(m for m in target.metrics if m not in config)


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
    idx = np.asarray(indices, dtype=np.int64)
    params = space.columns(idx)
    target = space.target_model
    config_metrics, network_metrics = metric_split(space)
    cols: dict[str, np.ndarray] = {"index": idx}
    cols.update({name: np.asarray(v) for name, v in params.items()})
    for k, net in enumerate(networks):
        metrics = target.evaluate_points(net, params)
        if k == 0:
            cols.update({m: np.asarray(metrics[m]) for m in config_metrics})
        for metric in network_metrics:
            cols[column_name(k, metric)] = np.asarray(metrics[metric])
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
