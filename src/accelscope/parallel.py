"""Executors that evaluate chunks of grid points: serial, local processes, dask.

An executor runs one *task function* ``fn(payload, indices) -> columns`` over tasks
``(part name, grid indices)``. ``fn`` must be a module-level function (picklable) and
pure, so results do not depend on the executor; ``payload`` (e.g. the network and the
design space) is sent to each worker once. Work is submitted lazily (a bounded number of
tasks in flight), so a time budget or an interrupt stops promptly — though the first task
always runs, so a stopped run still has a result.

Two ways to get results: ``run`` yields every task's columns to the caller (the search
strategies need them); ``commit`` has the worker itself write its part through a
:class:`~accelscope.store.parts.PartWriter` and send back only a compact *receipt*
(``reduce(columns)``: a row count, a feasible count, a best value), so no result table
crosses a process or network boundary and the client only merges.
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
TaskFn = Callable[[Any, np.ndarray], dict[str, Any]]
Reduce = Callable[[dict[str, Any]], Any]  # columns -> a small picklable receipt

_WORKER_STATE: dict[str, Any] = {}


def explore_task(payload: tuple[Any, Any], indices: np.ndarray) -> dict[str, Any]:
    """Task function of single-network exploration: payload = (network, space)."""
    from accelscope.search.table import evaluate_points

    network, space = payload
    return evaluate_points(network, space, indices)


#: Environment variables that cap the BLAS/OpenMP threads of NumPy in worker processes.
_BLAS_THREAD_VARS: tuple[str, ...] = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _init_worker(fn: TaskFn, payload: Any) -> None:
    _WORKER_STATE["fn"] = fn
    _WORKER_STATE["payload"] = payload


def _run_in_worker(task: Task) -> tuple[str, dict[str, Any]]:
    name, indices = task
    return name, _WORKER_STATE["fn"](_WORKER_STATE["payload"], indices)


def _run_with(fn: TaskFn, payload: Any, task: Task) -> tuple[str, dict[str, Any]]:
    name, indices = task
    return name, fn(payload, indices)


def _commit_with(fn: TaskFn, payload: Any, writer: Any, reduce: Reduce, task: Task):
    """Evaluate *task*, commit its part with *writer*, return ``(name, reduce(columns))``."""
    name, columns = _run_with(fn, payload, task)
    writer.write_columns(name, columns)
    return name, reduce(columns)


def _commit_in_worker(writer: Any, reduce: Reduce, task: Task):
    return _commit_with(_WORKER_STATE["fn"], _WORKER_STATE["payload"], writer, reduce, task)


class Executor:
    """Serial executor: ``run(tasks)`` yields ``(name, columns)`` in task order."""

    name = "serial"

    def __init__(self, fn: TaskFn, payload: Any, workers: int = 1):
        self.fn = fn
        self.payload = payload
        self.workers = max(1, int(workers))

    def run(
        self, tasks: Iterable[Task], should_stop: Callable[[], bool] = lambda: False
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        for i, task in enumerate(tasks):
            if i and should_stop():  # the first task always runs, so a result exists
                return
            yield _run_with(self.fn, self.payload, task)

    def commit(
        self,
        tasks: Iterable[Task],
        writer: Any,
        reduce: Reduce,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> Iterator[tuple[str, Any]]:
        """Evaluate and commit every task on the workers; yield ``(name, receipt)``."""
        for i, task in enumerate(tasks):
            if i and should_stop():
                return
            yield _commit_with(self.fn, self.payload, writer, reduce, task)

    def close(self) -> None:
        pass

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _bounded(
    tasks: Iterable[Task],
    submit: Callable[[Task], Any],
    next_done: Callable[[], Any],
    in_flight: int,
    should_stop: Callable[[], bool],
) -> Iterator[Any]:
    """Keep at most *in_flight* tasks submitted; yield finished futures as they complete."""
    it = iter(tasks)
    running = submitted = 0
    exhausted = False
    while True:
        while not exhausted and running < in_flight and not (submitted and should_stop()):
            task = next(it, None)
            if task is None:
                exhausted = True
                break
            submit(task)
            running += 1
            submitted += 1
        if running == 0:
            return
        for fut in next_done():
            running -= 1
            yield fut


class ProcessExecutor(Executor):
    """A local process pool (spawn); the task function and payload go once per worker."""

    name = "processes"

    def __init__(self, fn: TaskFn, payload: Any, workers: int = 2):
        super().__init__(fn, payload, workers)
        import multiprocessing as mp
        import os

        # Each worker is one core's worth of work: BLAS threads in every worker would
        # oversubscribe the cores (measured: 4x slower on 2 cores). Spawned workers read
        # these when they import NumPy; a value the user set is kept.
        for var in _BLAS_THREAD_VARS:
            os.environ.setdefault(var, "1")
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp.get_context("spawn"),
            initializer=_init_worker,
            initargs=(fn, payload),
        )

    def run(self, tasks, should_stop=lambda: False):
        yield from self._stream(tasks, should_stop, _run_in_worker)

    def commit(self, tasks, writer, reduce, should_stop=lambda: False):
        yield from self._stream(tasks, should_stop, _commit_in_worker, writer, reduce)

    def _stream(self, tasks, should_stop, call, *head):
        """Results of ``call(*head, task)`` in the pool, as they complete."""
        pending: set = set()

        def submit(task: Task) -> None:
            pending.add(self.pool.submit(call, *head, task))

        def next_done():
            done, rest = wait(pending, return_when=FIRST_COMPLETED)
            pending.clear()
            pending.update(rest)
            return done

        for fut in _bounded(tasks, submit, next_done, 2 * self.workers, should_stop):
            yield fut.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


#: Settings of the LocalCluster dask starts on this machine. Its workers share the cores
#: with the client and scheduler: the statistical profiler (a stack sample of the running
#: task every 10 ms), work stealing and housekeeping ticks every 20 ms only take time from
#: the evaluation here, so the profiler and stealing are off and the ticks, system and
#: memory monitors run every second or five. dask's default worker environment also sets
#: ``MALLOC_TRIM_THRESHOLD_``, which fixes glibc's allocation thresholds so every large
#: NumPy temporary is a fresh ``mmap`` (page faults on every chunk); the workers keep
#: glibc's adaptive default instead, with NumPy's BLAS single-threaded as in the process
#: pool. Each nanny forks its worker instead of spawning a second interpreter that imports
#: ``distributed`` again (cluster start-up 0.68 s -> 0.38 s; docs/exploration.md).
LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
    "distributed.nanny.pre-spawn-environ": {var: 1 for var in _BLAS_THREAD_VARS},
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.worker.multiprocessing-method": "fork",
}


class DaskExecutor(Executor):
    """dask.distributed: a LocalCluster by default, or an existing scheduler address."""

    name = "dask"

    def __init__(self, fn: TaskFn, payload: Any, workers: int = 2, scheduler: str | None = None):
        super().__init__(fn, payload, workers)
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
                import dask

                with dask.config.set(LOCAL_CLUSTER_CONFIG):
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
        self._payload = self.client.scatter(payload, broadcast=True)

    def run(self, tasks, should_stop=lambda: False):
        yield from self._stream(tasks, should_stop, _run_with, self.fn, self._payload)

    def commit(self, tasks, writer, reduce, should_stop=lambda: False):
        head = (self.fn, self._payload, writer, reduce)
        yield from self._stream(tasks, should_stop, _commit_with, *head)

    def _stream(self, tasks, should_stop, call, *head):
        """Results of ``call(*head, task)`` on the cluster, as they complete."""
        from distributed import as_completed

        ac = as_completed()
        n_workers = len(self.client.scheduler_info().get("workers", {}))

        def submit(task: Task) -> None:
            ac.add(self.client.submit(call, *head, task, pure=False))

        def next_done():
            return [next(ac)]

        in_flight = 2 * max(self.workers, n_workers)
        for fut in _bounded(tasks, submit, next_done, in_flight, should_stop):
            yield fut.result()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(
    kind: str,
    payload: Any,
    *,
    fn: TaskFn = explore_task,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Executor:
    """Create an executor by name (``serial``, ``processes``, ``dask``) for task *fn*."""
    if kind not in EXECUTORS:
        raise SpecError(f"unknown executor '{kind}'; expected one of {', '.join(EXECUTORS)}")
    if scheduler and kind != "dask":
        raise SpecError("--scheduler needs --executor dask")
    if workers is not None and workers <= 0:
        raise SpecError(f"--workers must be a positive integer, got {workers}")
    if kind == "serial":
        return Executor(fn, payload, 1)
    n = workers or 2
    if kind == "processes":
        return ProcessExecutor(fn, payload, n)
    return DaskExecutor(fn, payload, n, scheduler)


class Deadline:
    """A wall-clock budget; ``expired()`` is False forever when no budget is set."""

    def __init__(self, seconds: float | None):
        self.start = time.monotonic()
        self.seconds = seconds

    def expired(self) -> bool:
        return self.seconds is not None and time.monotonic() - self.start >= self.seconds
