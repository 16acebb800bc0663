"""Executors that evaluate chunks of grid points: serial, local processes, dask.

Each executor runs the same pure function, ``evaluate_points(network, space, indices)``,
so results do not depend on the executor. Work is submitted lazily (a bounded number of
tasks in flight), so a time budget or an interrupt stops promptly, and results are
yielded as they complete for the caller to commit durably.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError, SpecError

EXECUTORS = ("serial", "processes", "dask")

Task = tuple[str, np.ndarray]  # (part name, grid indices)

_WORKER_STATE: dict[str, Any] = {}


def _init_worker(network: Any, space: Any) -> None:
    _WORKER_STATE["network"] = network
    _WORKER_STATE["space"] = space


def _run_task(task: Task) -> tuple[str, dict[str, Any]]:
    from accelscope.search.table import evaluate_points

    name, indices = task
    return name, evaluate_points(_WORKER_STATE["network"], _WORKER_STATE["space"], indices)


def _run_task_with(network: Any, space: Any, task: Task) -> tuple[str, dict[str, Any]]:
    from accelscope.search.table import evaluate_points

    name, indices = task
    return name, evaluate_points(network, space, indices)


class Executor:
    """Base class: ``run(tasks)`` yields ``(name, columns)`` as tasks complete."""

    name = "serial"

    def __init__(self, network: Any, space: Any, workers: int = 1):
        self.network = network
        self.space = space
        self.workers = max(1, int(workers))

    def run(
        self, tasks: Iterable[Task], should_stop: Callable[[], bool] = lambda: False
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        for i, task in enumerate(tasks):
            if i and should_stop():  # the first task always runs, so a result exists
                return
            yield _run_task_with(self.network, self.space, task)

    def close(self) -> None:
        pass

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class ProcessExecutor(Executor):
    """A local process pool; the network and space are sent once per worker."""

    name = "processes"

    def __init__(self, network: Any, space: Any, workers: int = 2):
        super().__init__(network, space, workers)
        import multiprocessing as mp

        self.pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp.get_context("spawn"),
            initializer=_init_worker,
            initargs=(network, space),
        )

    def run(self, tasks, should_stop=lambda: False):
        it = iter(tasks)
        pending: set = set()
        in_flight = 2 * self.workers
        exhausted = False
        submitted = 0
        while True:
            while not exhausted and len(pending) < in_flight and not (submitted and should_stop()):
                task = next(it, None)
                if task is None:
                    exhausted = True
                    break
                pending.add(self.pool.submit(_run_task, task))
                submitted += 1
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """dask.distributed: a LocalCluster by default, or an existing scheduler address."""

    name = "dask"

    def __init__(self, network: Any, space: Any, workers: int = 2, scheduler: str | None = None):
        super().__init__(network, space, workers)
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise AccelscopeError(
                "the dask executor needs dask.distributed: pip install 'accelscope[dask]'"
            ) from None
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="10s")
            else:
                self.cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=40,
                )
                self.client = Client(self.cluster)
        except OSError as exc:
            raise AccelscopeError(f"cannot reach dask scheduler {scheduler}: {exc}") from None
        self._network = self.client.scatter(network, broadcast=True)
        self._space = self.client.scatter(space, broadcast=True)

    def run(self, tasks, should_stop=lambda: False):
        from distributed import as_completed

        it = iter(tasks)
        in_flight = 2 * max(self.workers, len(self.client.scheduler_info().get("workers", {})))
        ac = as_completed()
        submitted = 0
        exhausted = False

        def submit_more() -> None:
            nonlocal submitted, exhausted
            while (
                not exhausted
                and submitted - ac_done[0] < in_flight
                and not (submitted and should_stop())
            ):
                task = next(it, None)
                if task is None:
                    exhausted = True
                    return
                ac.add(
                    self.client.submit(_run_task_with, self._network, self._space, task, pure=False)
                )
                submitted += 1

        ac_done = [0]
        submit_more()
        while not ac.is_empty():
            fut = next(ac)
            ac_done[0] += 1
            yield fut.result()
            submit_more()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(
    kind: str, network: Any, space: Any, workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """Create an executor by name (``serial``, ``processes``, ``dask``)."""
    if kind not in EXECUTORS:
        raise SpecError(f"unknown executor '{kind}'; expected one of {', '.join(EXECUTORS)}")
    if scheduler and kind != "dask":
        raise SpecError("--scheduler needs --executor dask")
    if kind == "serial":
        return Executor(network, space, 1)
    n = workers or 2
    if kind == "processes":
        return ProcessExecutor(network, space, n)
    return DaskExecutor(network, space, n, scheduler)


class Deadline:
    """A wall-clock budget; ``expired()`` is False forever when no budget is set."""

    def __init__(self, seconds: float | None):
        self.start = time.monotonic()
        self.seconds = seconds

    def expired(self) -> bool:
        return self.seconds is not None and time.monotonic() - self.start >= self.seconds
