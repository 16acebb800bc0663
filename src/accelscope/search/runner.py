"""Design-space exploration: strategies, durable parts, constrained optimum and Pareto front.

``explore(network, space, ...)`` evaluates grid points chunk by chunk (exhaustive),
a seeded random sample (random), or NSGA-II generations (evolutionary); each committed
chunk/generation is one Parquet part in ``out_dir`` (see :mod:`accelscope.store.parts`), so
a killed run restarted with the same arguments resumes where it stopped and ends with the
same table as an uninterrupted run.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError, SpecError
from accelscope.parallel import Deadline, make_executor
from accelscope.search.chunks import chunk_tasks, grid_chunks, rows_in
from accelscope.search.constraints import (
    Constraint,
    Objective,
    parse_constraint,
    parse_objective,
)
from accelscope.search.pareto import pareto_mask
from accelscope.search.space import PARAMETERS, DesignSpace
from accelscope.search.table import METRICS, evaluate_points, to_arrow
from accelscope.store.parts import PartStore
from accelscope.workload.network import Network

STRATEGIES = ("auto", "exhaustive", "evolutionary", "random")
#: ``auto`` enumerates spaces up to this many points and searches larger ones.
EXHAUSTIVE_LIMIT = 2_000_000
DEFAULT_CHUNK = 16_384
DEFAULT_EVOLUTIONARY_BUDGET = 2_000


class NoFeasibleDesignError(AccelscopeError):
    """No evaluated configuration satisfies the constraints."""


@dataclass
class ExploreResult:
    """Outcome of an exploration: the full table plus the Pareto set and the best design."""

    table: Any  # pyarrow.Table, one row per evaluated configuration
    objectives: list[Objective]
    constraints: list[Constraint]
    strategy: str
    evaluated: int
    feasible: int
    pareto_rows: np.ndarray  # row numbers of the Pareto set (sorted by first objective)
    best_row: int | None
    elapsed_s: float
    resumed_parts: int = 0
    out_dir: Path | None = None
    space: DesignSpace | None = None
    network: Network | None = None
    diagnosis: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_pandas(self):
        """The result table as a pandas DataFrame (columns: index, parameters, metrics,
        ``meets_constraints``, ``pareto``)."""
        return self.table.to_pandas()

    def row(self, i: int) -> dict[str, Any]:
        out = {}
        for name in self.table.column_names:
            value = self.table.column(name)[i].as_py()
            out[name] = value
        return _decode_categoricals(out)

    @property
    def best(self) -> dict[str, Any] | None:
        return None if self.best_row is None else self.row(self.best_row)

    @property
    def pareto(self) -> list[dict[str, Any]]:
        return [self.row(int(i)) for i in self.pareto_rows]

    def best_arch(self):
        """The best configuration as an :class:`~accelscope.arch.Arch`."""
        if self.best_row is None or self.space is None:
            return None
        idx = int(self.table.column("index")[self.best_row].as_py())
        return self.space.configs(np.array([idx])).to_arch(0, name="best")


def _decode_categoricals(row: dict[str, Any]) -> dict[str, Any]:
    from accelscope.cost.configs import CATEGORICAL_COLUMNS, category_names

    for key in CATEGORICAL_COLUMNS:
        if key in row and isinstance(row[key], int):
            row[key] = category_names(key)[row[key]]
    return row


def known_names() -> list[str]:
    return [m for m in METRICS if m != "feasible"] + list(PARAMETERS)


def _resolve_strategy(strategy: str, space: DesignSpace, budget: int | None) -> str:
    if strategy not in STRATEGIES:
        raise SpecError(f"unknown strategy '{strategy}'; expected one of {', '.join(STRATEGIES)}")
    if strategy != "auto":
        return strategy
    if budget is not None and budget < space.size:
        return "evolutionary"
    return "exhaustive" if space.size <= EXHAUSTIVE_LIMIT else "evolutionary"


def explore(
    network: Network,
    space: DesignSpace,
    *,
    objectives: Sequence[str | Objective] = ("latency",),
    constraints: Sequence[str | Constraint] | None = None,
    strategy: str = "auto",
    budget: int | None = None,
    time_budget_s: float | None = None,
    seed: int = 0,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    out_dir: str | Path | None = None,
    overwrite: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    population: int = 100,
    progress: bool = False,
) -> ExploreResult:
    """Explore *space* for *network*; see the module docstring.

    ``constraints`` defaults to the space's own. ``budget`` caps evaluations (random and
    evolutionary; exhaustive refuses a budget smaller than the space). ``time_budget_s``
    stops submitting new work after that many seconds (finished work is kept).
    """
    t0 = time.monotonic()
    objs = [o if isinstance(o, Objective) else parse_objective(o) for o in objectives]
    if not objs:
        raise SpecError("at least one objective is needed")
    names = known_names()
    cons_src = list(space.constraints) if constraints is None else list(constraints)
    cons = [c if isinstance(c, Constraint) else parse_constraint(c, names) for c in cons_src]
    strat = _resolve_strategy(strategy, space, budget)
    if budget is not None and budget <= 0:
        raise SpecError(f"--budget must be positive, got {budget}")
    if chunk_size <= 0:
        raise SpecError(f"chunk size must be positive, got {chunk_size}")
    if strat == "exhaustive" and budget is not None and budget < space.size:
        raise SpecError(
            f"exhaustive search needs {space.size} evaluations but --budget is {budget}; "
            "use --strategy evolutionary or random"
        )
    run_spec = {
        "network": network.model_dump(mode="json"),
        "space": space.model_dump(mode="json"),
        "strategy": strat,
        "budget": budget,
        "seed": seed,
        "chunk_size": chunk_size,
        "population": population if strat == "evolutionary" else None,
        "objectives": [o.label for o in objs] if strat == "evolutionary" else None,
        "constraints": [c.text for c in cons] if strat == "evolutionary" else None,
    }
    tmp = None
    if out_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="accelscope-")
        out_dir = tmp.name
    store = PartStore(out_dir, run_spec, overwrite=overwrite)
    resumed = len(store.names())
    deadline = Deadline(time_budget_s)
    try:
        with (
            make_executor(executor, (network, space), workers=workers, scheduler=scheduler) as ex,
            _Progress(progress, objs[0]) as bar,
        ):
            if strat == "exhaustive":
                parts = _run_grid(store, ex, space.size, chunk_size, deadline, bar, cons)
            elif strat == "random":
                n = min(budget or min(space.size, 10_000), space.size)
                rng = np.random.default_rng(seed)
                sample = np.sort(rng.choice(space.size, size=n, replace=False))
                tasks = [
                    (f"sample-{i // chunk_size:06d}", sample[i : i + chunk_size])
                    for i in range(0, n, chunk_size)
                ]
                parts = _run_chunks(store, ex, tasks, deadline, bar, cons)
            else:
                from accelscope.search.evolutionary import run_nsga2

                parts = run_nsga2(
                    store,
                    ex,
                    space,
                    objs,
                    cons,
                    budget or DEFAULT_EVOLUTIONARY_BUDGET,
                    population,
                    seed,
                    deadline,
                    bar,
                )
        committed = [name for name in parts if store.has(name)]
        result = summarize(store, objs, cons, strat, time.monotonic() - t0, names=committed)
    finally:
        if tmp is not None:  # read_table loads parts into memory: the files can go
            tmp.cleanup()
    result.resumed_parts = resumed
    result.out_dir = None if tmp is not None else Path(out_dir)
    result.space = space
    result.network = network
    return result


def _run_grid(store: PartStore, ex, size: int, chunk: int, deadline, bar, cons) -> list[str]:
    """Exhaustive evaluation in lazily generated chunks; returns the committed names."""
    committed = frozenset(grid_chunks(store.names(), size, chunk))
    bar.start(total=size, done=rows_in(committed, size, chunk))
    for name, columns in ex.run(chunk_tasks(size, chunk, committed), should_stop=deadline.expired):
        store.write(name, to_arrow(columns))
        bar.update(columns, cons)
    return grid_chunks(store.names(), size, chunk)


def _run_chunks(store: PartStore, ex, tasks, deadline: Deadline, bar, cons) -> list[str]:
    """Evaluate and commit the tasks not yet in *store*; returns all task part names."""
    tasks = list(tasks)
    todo = [t for t in tasks if not store.has(t[0])]
    done_rows = sum(len(t[1]) for t in tasks) - sum(len(t[1]) for t in todo)
    bar.start(total=sum(len(t[1]) for t in tasks), done=done_rows)
    for name, columns in ex.run(todo, should_stop=deadline.expired):
        store.write(name, to_arrow(columns))
        bar.update(columns, cons)
    return [t[0] for t in tasks]


def meets(table_cols: dict[str, np.ndarray], cons: list[Constraint]) -> np.ndarray:
    ok = np.asarray(table_cols["feasible"], dtype=bool).copy()
    for c in cons:
        ok &= c.holds(np.asarray(table_cols[c.name], dtype=np.float64))
    return ok


def summarize(
    store: PartStore,
    objs: list[Objective],
    cons: list[Constraint],
    strategy: str,
    elapsed: float,
    names: list[str] | None = None,
) -> ExploreResult:
    """Read the committed parts (*names*, default all) and mark the constrained optimum
    and the Pareto set."""
    import pyarrow as pa

    table = store.read_all(names)
    if table is None:
        raise AccelscopeError("no configuration was evaluated (time budget too small?)")
    # One row per configuration: keep the first evaluation of every grid index.
    index = table.column("index").to_numpy()
    _, first = np.unique(index, return_index=True)
    if len(first) != len(index):
        table = table.take(pa.array(np.sort(first)))
    if strategy != "evolutionary":
        table = table.take(pa.array(np.argsort(table.column("index").to_numpy(), kind="stable")))
    cols = {name: table.column(name).to_numpy() for name in table.column_names}
    ok = meets(cols, cons)
    points = np.column_stack([o.as_minimized(cols[o.metric]) for o in objs])
    points[~ok] = np.inf
    on_front = pareto_mask(points)
    table = table.append_column("meets_constraints", pa.array(ok))
    table = table.append_column("pareto", pa.array(on_front))
    front_rows = np.flatnonzero(on_front)
    order = np.lexsort(points[front_rows].T[::-1])
    front_rows = front_rows[order]
    best_row = int(front_rows[0]) if front_rows.size else None
    diagnosis = "" if best_row is not None else diagnose(cols, cons)
    return ExploreResult(
        table=table,
        objectives=objs,
        constraints=cons,
        strategy=strategy,
        evaluated=table.num_rows,
        feasible=int(ok.sum()),
        pareto_rows=front_rows,
        best_row=best_row,
        elapsed_s=elapsed,
        diagnosis=diagnosis,
    )


def diagnose(cols: dict[str, np.ndarray], cons: list[Constraint]) -> str:
    """One sentence naming the constraint that ruled out the most designs."""
    n = len(cols["feasible"])
    unmappable = int((~np.asarray(cols["feasible"], dtype=bool)).sum())
    counts = [
        (int((~c.holds(np.asarray(cols[c.name], dtype=np.float64))).sum()), c.text) for c in cons
    ]
    counts.append((unmappable, "layers must fit the buffers"))
    worst = max(counts)
    if worst[0] == 0:
        return f"no configuration satisfies all constraints together ({n} evaluated)"
    best_values = ""
    for c in cons:
        if c.text == worst[1]:
            values = np.asarray(cols[c.name], dtype=np.float64)
            finite = values[np.isfinite(values)]
            if finite.size:
                lo, hi = finite.min(), finite.max()
                best_values = f"; evaluated {c.name} ranges from {lo:.4g} to {hi:.4g}"
    return (
        f"no configuration satisfies the constraints: '{worst[1]}' ruled out {worst[0]} of {n} "
        f"evaluated designs ({100.0 * worst[0] / n:.0f}%){best_values}"
    )


class _Progress:
    """A rich progress bar on stderr (evaluated, feasible, best so far, ETA)."""

    def __init__(self, enabled: bool, objective: Objective):
        self.enabled = enabled
        self.objective = objective
        self.feasible = 0
        self.best = math.inf
        self.bar = None

    def __enter__(self) -> _Progress:
        return self

    def start(self, total: int, done: int = 0) -> None:
        if not self.enabled:
            return
        from accelscope.progress import progress_bar

        self.bar = progress_bar(
            "exploring", "feasible {task.fields[feasible]}  best {task.fields[best]}"
        )
        self.bar.start()
        self.task = self.bar.add_task("explore", total=total, completed=done, feasible=0, best="-")

    def update(self, columns: dict[str, Any], cons: list[Constraint]) -> None:
        if self.bar is None:
            return
        ok = meets(columns, cons)
        self.feasible += int(ok.sum())
        if ok.any():
            vals = self.objective.as_minimized(columns[self.objective.metric])[ok]
            self.best = min(self.best, float(vals.min()))
        shown = self.best if self.objective.direction == "min" else -self.best
        self.bar.update(
            self.task,
            advance=len(columns["index"]),
            feasible=self.feasible,
            best=f"{shown:.4g} {self.objective.metric}" if math.isfinite(self.best) else "-",
        )

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


__all__ = ["explore", "ExploreResult", "summarize", "evaluate_points", "NoFeasibleDesignError"]
