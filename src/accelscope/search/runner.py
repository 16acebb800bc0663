"""Design-space exploration: strategies, durable parts, constrained optimum and Pareto front.

``explore(network, space, ...)`` evaluates grid points chunk by chunk (exhaustive),
a seeded random sample (random), or NSGA-II generations (evolutionary); each committed
chunk/generation is one Parquet part in ``out_dir`` (see :mod:`accelscope.store.parts`), so
a killed run restarted with the same arguments resumes where it stopped and ends with the
same table as an uninterrupted run.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError, SpecError
from accelscope.parallel import Deadline, make_executor
from accelscope.search.chunks import chunk_tasks, grid_chunks, rows_in
from accelscope.search.commit import commit_chunks
from accelscope.search.constraints import (
    Constraint,
    Objective,
    parse_constraint,
    parse_objective,
)
from accelscope.search.space import PARAMETERS, DesignSpace
from accelscope.search.summary import StreamingSummary, flagged_parts, meets
from accelscope.search.table import METRICS, evaluate_points, labelled
from accelscope.store.parts import PartStore, ScratchDir
from accelscope.workload.network import Network

STRATEGIES = ("auto", "exhaustive", "evolutionary", "random")
#: ``auto`` enumerates spaces up to this many points and searches larger ones.
EXHAUSTIVE_LIMIT = 2_000_000
DEFAULT_CHUNK = 16_384
DEFAULT_EVOLUTIONARY_BUDGET = 2_000


class NoFeasibleDesignError(AccelscopeError):
    """No evaluated configuration satisfies the constraints."""


@dataclass(repr=False)
class ExploreResult:
    """Outcome of an exploration: counts, the Pareto set, the best designs, and the full
    table on demand.

    The full table (``table``, ``to_pandas()``, ``iter_table()``) is read back from the
    committed parts when asked for, so a run of any size summarizes in bounded memory;
    ``best``, ``pareto`` and ``row()`` of the kept rows need no table.
    """

    objectives: list[Objective]
    constraints: list[Constraint]
    strategy: str
    evaluated: int
    feasible: int
    pareto_rows: np.ndarray  # row numbers of the Pareto set (sorted by first objective)
    best_row: int | None
    elapsed_s: float
    top_rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    resumed_parts: int = 0
    out_dir: Path | None = None
    space: DesignSpace | None = None
    network: Network | None = None
    diagnosis: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    kept_rows: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)
    source: _PartSource | None = field(default=None, repr=False)
    _table: Any = field(default=None, repr=False)

    @property
    def table(self):
        """The full result table (``pyarrow.Table``): one row per evaluated configuration,
        with ``meets_constraints`` and ``pareto`` flags. Read into memory on first use."""
        if self._table is None:
            import pyarrow as pa

            self._table = pa.concat_tables(list(self.iter_table()))
        return self._table

    def iter_table(self):
        """The full table part by part (``pyarrow.Table`` pieces), in bounded memory."""
        if self._table is not None:
            yield self._table
            return
        if self.source is None:
            raise AccelscopeError("this result has no stored table")
        target = self.space.target_model if self.space is not None else None
        for piece in self.source.parts(self.constraints, self.pareto_rows):
            yield piece if target is None else labelled(piece, target)

    def _summary(self) -> tuple[str, list[tuple[str, str]]]:
        from accelscope.display import summary_rows

        best = self.best or {}
        rows = [
            ("strategy", self.strategy),
            ("evaluated", f"{self.evaluated:,}"),
            ("feasible", f"{self.feasible:,}"),
            *summary_rows([(o.metric, best.get(o.metric)) for o in self.objectives]),
        ]
        if len(self.objectives) > 1:
            rows.append(("pareto", str(len(self.pareto_rows))))
        if self.space is not None:
            rows.insert(0, ("space", f"{self.space.name} ({self.space.target})"))
        if self.network is not None:
            rows.insert(0, ("network", self.network.name))
        return "ExploreResult", rows

    def __repr__(self) -> str:
        from accelscope.display import text_line

        return text_line(*self._summary())

    def _repr_html_(self) -> str:
        from accelscope.display import html_table

        return html_table(*self._summary())

    def to_pandas(self):
        """The result table as a pandas DataFrame (columns: index, parameters, metrics,
        ``meets_constraints``, ``pareto``)."""
        from accelscope.errors import require_pandas

        require_pandas()
        return self.table.to_pandas()

    def row(self, i: int) -> dict[str, Any]:
        if i in self.kept_rows:
            return self._decode(dict(self.kept_rows[i]))
        out = {}
        for name in self.table.column_names:
            value = self.table.column(name)[i].as_py()
            out[name] = value
        return self._decode(out)

    def _decode(self, row: dict[str, Any]) -> dict[str, Any]:
        from accelscope.targets import get_target

        target = self.space.target_model if self.space is not None else get_target("asic")
        return target.decode(row)

    @property
    def best(self) -> dict[str, Any] | None:
        return None if self.best_row is None else self.row(self.best_row)

    @property
    def pareto(self) -> list[dict[str, Any]]:
        return [self.row(int(i)) for i in self.pareto_rows]

    def best_arch(self):
        """The best configuration as its target's spec (an :class:`~targets.asic.arch.Arch`
        for the ASIC target, an FPGA design for the FPGA target)."""
        if self.best_row is None or self.space is None:
            return None
        idx = int(self.row(self.best_row)["index"])
        return self.space.design_spec(idx, "best")


@dataclass
class _PartSource:
    """Where a result's full table lives: committed parts of a store (kept alive with
    the temporary directory that holds them, when the run had no ``out_dir``)."""

    store: PartStore
    names: list[str]
    dedupe: bool
    keepalive: Any = None

    def parts(self, cons: list[Constraint], pareto_rows: np.ndarray):
        return flagged_parts(self.store.read, self.names, cons, pareto_rows, dedupe=self.dedupe)


def known_names(space: DesignSpace | None = None) -> list[str]:
    """Names a constraint may use: the target's metrics and parameters."""
    if space is None:
        return [m for m in METRICS if m != "feasible"] + list(PARAMETERS)
    target = space.target_model
    return [m for m in target.metrics if m != "feasible"] + list(target.parameters)


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
    top: int = 10,
) -> ExploreResult:
    """Explore *space* for *network*; see the module docstring.

    ``constraints`` defaults to the space's own. ``budget`` caps evaluations (random and
    evolutionary; exhaustive refuses a budget smaller than the space). ``time_budget_s``
    stops submitting new work after that many seconds (finished work is kept). ``top``
    best feasible designs are kept for ``top_rows`` (more are found by reading the table).
    """
    t0 = time.monotonic()
    target = space.target_model
    objs = [
        o if isinstance(o, Objective) else parse_objective(o, target.objectives) for o in objectives
    ]
    if not objs:
        raise SpecError("at least one objective is needed")
    names = known_names(space)
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
        tmp = ScratchDir(prefix="accelscope-")
        out_dir = tmp.name
    store = PartStore(out_dir, run_spec, overwrite=overwrite)
    resumed = len(store.names())
    deadline = Deadline(time_budget_s)
    receipt = ChunkReceipt(objs[0], tuple(cons))
    try:
        with (
            make_executor(executor, (network, space), workers=workers, scheduler=scheduler) as ex,
            _Progress(progress, objs[0]) as bar,
        ):
            # Workers commit their parts; a remote cluster cannot see a scratch directory.
            commit = partial(
                commit_chunks,
                store,
                ex,
                reduce=receipt,
                on_receipt=bar.update,
                should_stop=deadline.expired,
                ship_back=bool(scheduler) and tmp is not None,
            )
            if strat == "exhaustive":
                parts = _run_grid(store, space.size, chunk_size, bar, commit)
            elif strat == "random":
                n = min(budget or min(space.size, 10_000), space.size)
                rng = np.random.default_rng(seed)
                sample = np.unique(space.canonical(rng.choice(space.size, size=n, replace=False)))
                n = len(sample)
                tasks = [
                    (f"sample-{i // chunk_size:06d}", sample[i : i + chunk_size])
                    for i in range(0, n, chunk_size)
                ]
                parts = _run_chunks(store, tasks, bar, commit)
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
        result = summarize(
            store,
            objs,
            cons,
            strat,
            time.monotonic() - t0,
            names=committed,
            top=top,
            tie_break=Objective(*target.tie_break),
            infeasible_label=target.infeasible_label,
        )
    except BaseException:
        if tmp is not None:
            tmp.cleanup()
        raise
    if tmp is not None:  # the parts stay readable while the result lives
        result.source.keepalive = tmp
    result.resumed_parts = resumed
    result.out_dir = None if tmp is not None else Path(out_dir)
    result.space = space
    result.network = network
    return result


def _run_grid(store: PartStore, size: int, chunk: int, bar, commit) -> list[str]:
    """Exhaustive evaluation in lazily generated chunks; returns the committed names."""
    committed = frozenset(grid_chunks(store.names(), size, chunk))
    bar.start(total=size, done=rows_in(committed, size, chunk))
    commit(chunk_tasks(size, chunk, committed))
    return grid_chunks(store.names(), size, chunk)


def _run_chunks(store: PartStore, tasks, bar, commit) -> list[str]:
    """Evaluate and commit the tasks not yet in *store*; returns all task part names."""
    tasks = list(tasks)
    todo = [t for t in tasks if not store.has(t[0])]
    done_rows = sum(len(t[1]) for t in tasks) - sum(len(t[1]) for t in todo)
    bar.start(total=sum(len(t[1]) for t in tasks), done=done_rows)
    commit(todo)
    return [t[0] for t in tasks]


@dataclass(frozen=True)
class ChunkReceipt:
    """What a worker reports for a committed chunk: rows, feasible rows, best value of
    the first objective (minimized; ``inf`` when none is feasible). Picklable."""

    objective: Objective
    constraints: tuple[Constraint, ...]

    def __call__(self, columns: dict[str, Any]) -> tuple[int, int, float]:
        ok = meets(columns, self.constraints)
        best = math.inf
        if ok.any():
            best = float(self.objective.as_minimized(columns[self.objective.metric])[ok].min())
        return len(columns["index"]), int(ok.sum()), best


def summarize(
    store: PartStore,
    objs: list[Objective],
    cons: list[Constraint],
    strategy: str,
    elapsed: float,
    names: list[str] | None = None,
    *,
    top: int = 10,
    tie_break: Objective | None = None,
    infeasible_label: str = "layers must fit the buffers",
) -> ExploreResult:
    """Merge the committed parts (*names*, default all) one at a time: counts, the
    constrained optimum, the Pareto set and the *top* designs (memory bounded by a part).
    A single objective's ties go to the best *tie_break* (default: smallest area)."""
    names = store.names() if names is None else list(names)
    dedupe = strategy == "evolutionary"
    summary = StreamingSummary(objs, cons, top=top, dedupe=dedupe, tie_break=tie_break)
    for name in names:
        summary.add(store.read(name))
    if summary.evaluated == 0:
        raise AccelscopeError("no configuration was evaluated (time budget too small?)")
    best_row = summary.best_row
    return ExploreResult(
        objectives=objs,
        constraints=cons,
        strategy=strategy,
        evaluated=summary.evaluated,
        feasible=summary.feasible,
        pareto_rows=summary.pareto_rows,
        best_row=best_row,
        elapsed_s=elapsed,
        top_rows=summary.top_rows,
        diagnosis="" if best_row is not None else summary.diagnose(infeasible_label),
        kept_rows=summary.rows(),
        source=_PartSource(store, names, dedupe),
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

    def update(self, counts: tuple[int, int, float]) -> None:
        """Advance by one part's ``(rows, feasible rows, best minimized value)``."""
        if self.bar is None:
            return
        rows, feasible, best = counts
        self.feasible += feasible
        self.best = min(self.best, best)
        shown = self.best if self.objective.direction == "min" else -self.best
        self.bar.update(
            self.task,
            advance=rows,
            feasible=self.feasible,
            best=f"{shown:.4g} {self.objective.metric}" if math.isfinite(self.best) else "-",
        )

    def update_columns(self, columns: dict[str, Any], cons: list[Constraint]) -> None:
        """Advance by one part's columns (strategies that see them)."""
        self.update(ChunkReceipt(self.objective, tuple(cons))(columns))

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


__all__ = ["explore", "ExploreResult", "summarize", "evaluate_points", "NoFeasibleDesignError"]
