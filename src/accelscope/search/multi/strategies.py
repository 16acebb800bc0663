"""Evolutionary search (NSGA-II) for a multi-application run, when a space is too large
to enumerate.

It reuses the single-network machinery of :mod:`accelscope.search.evolutionary` as it is
(integer axis indices, pymoo NSGA-II with rounding repair, one durable part per
generation, a cache so the budget counts distinct designs, the convergence stop): every
generation is evaluated for the whole set with :func:`~accelscope.search.multi.evaluate.multi_task`
and the columns are extended, in the calling process, with a few *search columns* that
the NSGA-II loop optimizes:

* ``feasible`` — every network of the set maps onto the configuration;
* ``search_log_score`` (modes ``geomean`` and ``weighted``) — the set score in **absolute**
  terms, ``sum_n w_n log perf_n(c)`` (``w_n = 1/N`` for ``geomean``). The relative score
  is ``sum_n w_n log perf_n(c) - sum_n w_n log perf_n(opt_n)``: the references are a
  constant per network, so both have the same argmax, and the search needs no reference
  while the optima are still unknown;
* ``search_log_perf_{k}`` (mode ``worst``) — ``log perf_k(c)`` of each network with a
  positive weight, searched as separate objectives. ``min_n perf_n(c) / ref_n`` does
  depend on the references, but for *any* positive references a configuration that
  maximizes it is (or ties with) a Pareto-optimal point of the per-network performances:
  if another configuration were at least as fast for every network, its worst case would
  be at least as high. NSGA-II approximates that front, whose extreme points are the
  per-network optima themselves, and the worst case is scored afterwards with the best
  evaluated performance of each network as its reference;
* ``search_con_{i}`` — constraint *i* aggregated over the set (the maximum over the
  networks for ``<=``/``<`` on a network metric, the minimum for ``>=``/``>``), so that it
  holds for the column exactly when it holds for every network.

With area as a second objective, ``area_mm2`` (minimized) is one more objective, so the
search spreads over the (score, area) front. The search columns are stored in the
generation parts (a resumed run reads them back) and dropped before scoring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from accelscope.errors import SpecError
from accelscope.search.constraints import Constraint, Objective
from accelscope.search.multi.evaluate import column_name
from accelscope.search.space import DesignSpace

STRATEGIES: tuple[str, ...] = ("auto", "exhaustive", "evolutionary")
#: ``auto`` enumerates spaces up to this many points and searches larger ones.
EXHAUSTIVE_LIMIT = 2_000_000
DEFAULT_BUDGET = 2_000
DEFAULT_POPULATION = 100
SEARCH_PREFIX = "search_"


def resolve_strategy(strategy: str, space: DesignSpace, budget: int | None) -> str:
    """``auto`` -> ``exhaustive`` up to :data:`EXHAUSTIVE_LIMIT` points (and when no
    ``budget`` smaller than the space is given), else ``evolutionary``; checks the budget."""
    if strategy not in STRATEGIES:
        raise SpecError(f"unknown strategy '{strategy}'; expected one of {', '.join(STRATEGIES)}")
    if budget is not None and budget <= 0:
        raise SpecError(f"--budget must be positive, got {budget}")
    if strategy == "auto":
        if budget is not None and budget < space.size:
            return "evolutionary"
        return "exhaustive" if space.size <= EXHAUSTIVE_LIMIT else "evolutionary"
    if strategy == "exhaustive" and budget is not None and budget < space.size:
        raise SpecError(
            f"exhaustive search needs {space.size} evaluations but --budget is {budget}; "
            "use --strategy evolutionary"
        )
    return strategy


def search_objectives(
    n_net: int, weights: np.ndarray, mode: str, with_area: bool, cost: str = "area_mm2"
) -> list[Objective]:
    """The objectives NSGA-II optimizes (see the module docstring)."""
    if mode == "worst":
        objs = [
            Objective(f"{SEARCH_PREFIX}log_perf_{k}", "max") for k in range(n_net) if weights[k] > 0
        ]
    else:
        objs = [Objective(f"{SEARCH_PREFIX}log_score", "max")]
    if with_area:
        objs.append(Objective(cost, "min"))
    return objs


def search_constraints(cons: list[Constraint]) -> list[Constraint]:
    """The run's constraints, restated on the aggregated ``search_con_{i}`` columns."""
    return [
        Constraint(name=f"{SEARCH_PREFIX}con_{i}", op=c.op, bound=c.bound, text=c.text)
        for i, c in enumerate(cons)
    ]


def search_columns(
    cols: dict[str, np.ndarray],
    n_net: int,
    weights: np.ndarray,
    mode: str,
    obj: Objective,
    cons: list[Constraint],
) -> dict[str, np.ndarray]:
    """*cols* (one generation of :func:`multi_task` columns) plus the search columns."""
    out = dict(cols)
    feasible = np.ones(len(cols["index"]), dtype=bool)
    log_perf = []
    for k in range(n_net):
        mapped = np.asarray(cols[column_name(k, "feasible")], dtype=bool)
        feasible &= mapped
        values = np.asarray(cols[column_name(k, obj.metric)], dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            perf = values if obj.direction == "max" else 1.0 / values
            lp = np.log(np.where(mapped & np.isfinite(perf) & (perf > 0), perf, 0.0))
        log_perf.append(lp)
    out["feasible"] = feasible
    if mode == "worst":
        for k in range(n_net):
            if weights[k] > 0:
                out[f"{SEARCH_PREFIX}log_perf_{k}"] = log_perf[k]
    else:
        w = np.full(n_net, 1.0 / n_net) if mode == "geomean" else np.asarray(weights)
        score = np.zeros(feasible.size)
        for k in range(n_net):
            if w[k] > 0:  # a zero weight never turns 0 * log(0) into NaN
                score = score + w[k] * log_perf[k]
        out[f"{SEARCH_PREFIX}log_score"] = score
    for i, c in enumerate(cons):
        out[f"{SEARCH_PREFIX}con_{i}"] = _aggregate(cols, n_net, c)
    return out


def _aggregate(cols: dict[str, np.ndarray], n_net: int, c: Constraint) -> np.ndarray:
    """One column for constraint *c* that satisfies it iff every network does."""
    if column_name(0, c.name) not in cols:  # a configuration-level name
        return np.asarray(cols[c.name], dtype=np.float64)
    values = np.stack(
        [np.asarray(cols[column_name(k, c.name)], dtype=np.float64) for k in range(n_net)]
    )
    if c.op in ("<=", "<"):
        return values.max(axis=0)
    if c.op in (">=", ">"):
        return values.min(axis=0)
    holds = c.holds(values).all(axis=0)
    # == : the bound itself where all hold, NaN (never equal) otherwise;
    # != : NaN (always unequal) where all hold, the bound (a violation) otherwise.
    if c.op == "==":
        return np.where(holds, c.bound, np.nan)
    return np.where(holds, np.nan, c.bound)


class SearchExecutor:
    """Wraps a multi executor: adds the search columns to every evaluated chunk."""

    def __init__(self, inner: Any, derive: Callable[[dict[str, np.ndarray]], dict]):
        self.inner = inner
        self.derive = derive
        self.workers = getattr(inner, "workers", 1)

    def run(
        self, tasks: Iterable[tuple[str, np.ndarray]], should_stop=lambda: False
    ) -> Iterator[tuple[str, dict[str, np.ndarray]]]:
        for name, cols in self.inner.run(tasks, should_stop):
            yield name, self.derive(cols)


class SearchProgress:
    """The progress interface :func:`run_nsga2` expects, over the multi progress bar."""

    def __init__(self, bar: Any):
        self.bar = bar

    def start(self, total: int, done: int = 0) -> None:
        self.bar.reset(total, done)

    def update_columns(self, columns: dict[str, Any], cons: list[Constraint]) -> None:
        self.bar.advance(len(columns["index"]))


def run_search(
    store: Any,
    ex: Any,
    space: DesignSpace,
    *,
    n_net: int,
    weights: np.ndarray,
    mode: str,
    obj: Objective,
    cons: list[Constraint],
    with_area: bool,
    budget: int,
    population: int,
    seed: int,
    deadline: Any,
    bar: Any,
) -> list[str]:
    """Run NSGA-II on the set score; returns the generation part names of this run."""
    from accelscope.search.evolutionary import run_nsga2

    def derive(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return search_columns(cols, n_net, weights, mode, obj, cons)

    return run_nsga2(
        store,
        SearchExecutor(ex, derive),
        space,
        search_objectives(n_net, weights, mode, with_area, space.target_model.cost_metric),
        search_constraints(cons),
        budget,
        population,
        seed,
        deadline,
        SearchProgress(bar),
    )
