"""One pass over a design space for a *set* of networks: columns and executors.

:func:`evaluate_multi_points` decodes a chunk of grid points into one
:class:`~accelscope.cost.ConfigBatch` and runs the vectorized cost model
(:func:`~accelscope.cost.evaluate_batch`) once per network on it, so every network sees
exactly the same configurations. The result is one columnar chunk: the grid index, the
design parameters, the configuration-level metrics (area, PE count, SRAM) once, and the
network-dependent metrics once per network, in columns named ``n{k}_{metric}`` (``k`` is
the network's position in the set, so two entries with the same model never collide).

The executors mirror :mod:`accelscope.parallel` (serial, local processes, dask; bounded
work in flight, results yielded as they complete) but run this multi-network function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

import numpy as np

from accelscope.errors import SpecError
from accelscope.parallel import EXECUTORS, DaskExecutor
from accelscope.search.space import DesignSpace
from accelscope.workload.network import Network

#: Metrics that depend only on the configuration (stored once per row).
CONFIG_METRICS: tuple[str, ...] = ("area_mm2", "pe_count", "sram_kib")
#: Metrics that depend on the network (stored once per network per row).
NETWORK_METRICS: tuple[str, ...] = (
    "latency_s",
    "latency_cycles",
    "throughput_per_s",
    "energy_j",
    "edp_js",
    "power_w",
    "perf_per_mm2",
    "perf_per_w",
    "utilization",
    "dram_bytes",
    "feasible",
)

Task = tuple[str, np.ndarray]  # (part name, grid indices)


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
    from accelscope.cost import evaluate_batch

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
        with np.errstate(divide="ignore", invalid="ignore"):
            metrics = {
                "latency_s": latency,
                "latency_cycles": np.asarray(res.latency_cycles, dtype=np.float64),
                "throughput_per_s": throughput,
                "energy_j": energy,
                "edp_js": energy * latency,
                "power_w": power,
                "perf_per_mm2": throughput / area,
                "perf_per_w": throughput / power,
                "utilization": np.asarray(res.utilization, dtype=np.float64),
                "dram_bytes": np.asarray(res.dram_bytes, dtype=np.float64),
                "feasible": np.asarray(res.feasible, dtype=bool),
            }
        for metric, values in metrics.items():
            cols[column_name(k, metric)] = values
    return cols


def _run_with(payload: tuple[Any, Any], task: Task) -> tuple[str, dict[str, np.ndarray]]:
    networks, space = payload
    name, indices = task
    return name, evaluate_multi_points(networks, space, indices)


_WORKER: dict[str, Any] = {}


def _init_worker(networks: Any, space: Any) -> None:
    _WORKER["payload"] = (networks, space)


def _run_in_worker(task: Task) -> tuple[str, dict[str, np.ndarray]]:
    return _run_with(_WORKER["payload"], task)


class MultiExecutor:
    """Serial executor: ``run(tasks)`` yields ``(name, columns)`` in task order."""

    name = "serial"

    def __init__(self, networks: Sequence[Network], space: DesignSpace, workers: int = 1):
        self.payload = (tuple(networks), space)
        self.workers = max(1, int(workers))

    def run(
        self, tasks: Iterable[Task], should_stop: Callable[[], bool] = lambda: False
    ) -> Iterator[tuple[str, dict[str, np.ndarray]]]:
        for task in tasks:
            if should_stop():
                return
            yield _run_with(self.payload, task)

    def close(self) -> None:
        pass

    def __enter__(self) -> MultiExecutor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class MultiProcessExecutor(MultiExecutor):
    """A local process pool (spawn); the networks and the space are sent once per worker."""

    name = "processes"

    def __init__(self, networks: Sequence[Network], space: DesignSpace, workers: int = 2):
        super().__init__(networks, space, workers)
        import multiprocessing as mp

        self.pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp.get_context("spawn"),
            initializer=_init_worker,
            initargs=self.payload,
        )

    def run(self, tasks, should_stop=lambda: False):
        it = iter(tasks)
        pending: set = set()
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * self.workers and not should_stop():
                task = next(it, None)
                if task is None:
                    exhausted = True
                    break
                pending.add(self.pool.submit(_run_in_worker, task))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class MultiDaskExecutor(MultiExecutor):
    """dask.distributed (LocalCluster or an existing scheduler), via
    :class:`accelscope.parallel.DaskExecutor` for the cluster and client."""

    name = "dask"

    def __init__(
        self,
        networks: Sequence[Network],
        space: DesignSpace,
        workers: int = 2,
        scheduler: str | None = None,
    ):
        super().__init__(networks, space, workers)
        self.dask = DaskExecutor(self.payload[0], space, self.workers, scheduler)
        self.client = self.dask.client
        self._payload = self.client.scatter(self.payload, broadcast=True)

    def run(self, tasks, should_stop=lambda: False):
        from distributed import as_completed

        it = iter(tasks)
        n_workers = len(self.client.scheduler_info().get("workers", {}))
        in_flight = 2 * max(self.workers, n_workers)
        ac = as_completed()
        running = 0
        exhausted = False
        while True:
            while not exhausted and running < in_flight and not should_stop():
                task = next(it, None)
                if task is None:
                    exhausted = True
                    break
                ac.add(self.client.submit(_run_with, self._payload, task, pure=False))
                running += 1
            if running == 0:
                return
            fut = next(ac)
            running -= 1
            yield fut.result()

    def close(self) -> None:
        self.dask.close()


def make_multi_executor(
    kind: str,
    networks: Sequence[Network],
    space: DesignSpace,
    workers: int | None = None,
    scheduler: str | None = None,
) -> MultiExecutor:
    """Create an executor by name (``serial``, ``processes``, ``dask``)."""
    if kind not in EXECUTORS:
        raise SpecError(f"unknown executor '{kind}'; expected one of {', '.join(EXECUTORS)}")
    if scheduler and kind != "dask":
        raise SpecError("--scheduler needs --executor dask")
    if workers is not None and workers <= 0:
        raise SpecError(f"--workers must be a positive integer, got {workers}")
    if kind == "serial":
        return MultiExecutor(networks, space)
    n = workers or 2
    if kind == "processes":
        return MultiProcessExecutor(networks, space, n)
    return MultiDaskExecutor(networks, space, n, scheduler)
