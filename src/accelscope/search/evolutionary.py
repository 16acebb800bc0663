"""NSGA-II over a design space (pymoo), one durable Parquet part per generation.

Variables are the indices into each free axis of the space (integers, handled with
pymoo's rounding repair on SBX crossover and polynomial mutation, the library's
recommended set-up for integer problems). Every generation is evaluated in one
vectorized call (split over the executor), committed as part ``gen-NNNNN``, and only
then told to the algorithm. On resume the algorithm is replayed from the seed: a
generation whose part exists is read back instead of recomputed, so the run continues
exactly where it stopped and ends identical to an uninterrupted run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError
from accelscope.search.constraints import Constraint, Objective
from accelscope.search.space import DesignSpace
from accelscope.search.table import to_arrow
from accelscope.store.parts import PartStore

_BIG = 1e300  # stands in for +inf (unmappable designs); pymoo needs finite values


def axis_indices_to_flat(space: DesignSpace, x: np.ndarray) -> np.ndarray:
    """Mixed-radix encode per-axis indices [n, n_axes] into flat grid indices."""
    flat = np.zeros(x.shape[0], dtype=np.int64)
    for j, (_, values) in enumerate(space.axes):
        flat = flat * len(values) + x[:, j]
    return flat


def _objectives_and_constraints(
    cols: dict[str, np.ndarray], objs: list[Objective], cons: list[Constraint]
) -> tuple[np.ndarray, np.ndarray]:
    feasible = np.asarray(cols["feasible"], dtype=bool)
    f = np.column_stack([o.as_minimized(cols[o.metric]) for o in objs])
    f = np.where(np.isfinite(f), f, _BIG)
    g = [np.where(feasible, -1.0, 1.0)]  # <= 0 means satisfied
    for c in cons:
        v = np.asarray(cols[c.name], dtype=np.float64)
        scale = max(abs(c.bound), 1e-12)
        if c.op in ("<=", "<"):
            viol = (v - c.bound) / scale
        elif c.op in (">=", ">"):
            viol = (c.bound - v) / scale
        else:
            viol = np.where(c.holds(v), -1.0, 1.0)
        if c.op in ("<", ">"):
            viol = np.where(c.holds(v), np.minimum(viol, -1e-12), np.maximum(viol, 1e-12))
        g.append(np.where(np.isfinite(viol), viol, _BIG))
    return f, np.column_stack(g)


def run_nsga2(
    store: PartStore,
    ex: Any,
    space: DesignSpace,
    objs: list[Objective],
    cons: list[Constraint],
    budget: int,
    population: int,
    seed: int,
    deadline: Any,
    bar: Any,
) -> list[str]:
    """Run NSGA-II until *budget* distinct designs are evaluated (the last generation may
    overshoot it by less than one population) or the search has converged.

    Returns the part names of the generations of this run, in order.
    """
    try:
        from pymoo.algorithms.moo.nsga2 import NSGA2
        from pymoo.core.problem import Problem
        from pymoo.operators.crossover.sbx import SBX
        from pymoo.operators.mutation.pm import PM
        from pymoo.operators.repair.rounding import RoundingRepair
        from pymoo.operators.sampling.rnd import IntegerRandomSampling
        from pymoo.problems.static import StaticProblem
    except ImportError:
        raise AccelscopeError(
            "the evolutionary strategy needs pymoo: pip install 'accelscope[search]'"
        ) from None

    sizes = np.array([len(v) for _, v in space.axes], dtype=np.int64)
    free = sizes > 1
    if not free.any():
        raise AccelscopeError("the design space has a single point; use --strategy exhaustive")
    pop_size = int(min(population, max(4, space.size)))
    problem = Problem(
        n_var=int(len(sizes)),
        n_obj=len(objs),
        n_ieq_constr=len(cons) + 1,
        xl=np.zeros(len(sizes)),
        xu=(sizes - 1).astype(float),
        vtype=int,
    )
    algorithm = NSGA2(
        pop_size=pop_size,
        sampling=IntegerRandomSampling(),
        crossover=SBX(prob=0.9, eta=15, vtype=float, repair=RoundingRepair()),
        mutation=PM(eta=20, vtype=float, repair=RoundingRepair()),
        eliminate_duplicates=True,
    )
    # The budget counts distinct designs: a design proposed again is answered from the
    # cache, so the search stops after `budget` distinct evaluations; or when converged:
    # STALL_GENERATIONS generations in a row that added under 5% new designs; or after
    # GENERATION_FACTOR times the generations a duplicate-free run would need.
    max_generations = GENERATION_FACTOR * max(1, -(-budget // pop_size))
    algorithm.setup(problem, termination=("n_gen", 10**9), seed=seed, verbose=False)
    bar.start(total=budget, done=0)
    cache = _Cache()
    generation = 0
    stalled = 0
    names: list[str] = []
    while cache.size < budget and stalled < STALL_GENERATIONS and generation < max_generations:
        pop = algorithm.ask()
        x = np.rint(pop.get("X")).astype(np.int64)
        x = np.clip(x, 0, sizes - 1)
        flat = space.canonical(axis_indices_to_flat(space, x))
        new = np.unique(flat[~cache.contains(flat)])  # sorted, distinct, not yet evaluated
        name = f"gen-{generation:05d}"
        stalled = stalled + 1 if new.size < 0.05 * pop_size else 0
        if new.size:
            if store.has(name):
                cols = _read_generation(store, name, generation, new)
            else:
                if generation and deadline.expired():  # the first generation always runs
                    break
                cols = _evaluate_generation(ex, name, new)
                store.write(name, to_arrow(cols))
            cache.add(cols)
            bar.update_columns(cols, cons)
            names.append(name)
        f, g = _objectives_and_constraints(cache.lookup(flat), objs, cons)
        algorithm.evaluator.eval(StaticProblem(problem, F=f, G=g), pop)
        algorithm.tell(infills=pop)
        generation += 1
    return names


def _read_generation(
    store: PartStore, name: str, generation: int, expected: np.ndarray
) -> dict[str, np.ndarray]:
    """A committed generation, checked to hold the designs this run proposes now."""
    table = store.read(name)
    cols = {c: table.column(c).to_numpy() for c in table.column_names}
    if not np.array_equal(cols["index"], expected):
        raise AccelscopeError(
            f"{store.root}: stored generation {generation} does not match this run; "
            "use --overwrite or another --out directory"
        )
    return cols


def _evaluate_generation(ex: Any, name: str, indices: np.ndarray) -> dict[str, np.ndarray]:
    """Evaluate *indices*, split evenly over the executor's workers, in index order."""
    chunk = max(1, -(-len(indices) // max(1, getattr(ex, "workers", 1))))
    tasks = [(f"{name}-{i:03d}", indices[i : i + chunk]) for i in range(0, len(indices), chunk)]
    pieces = dict(ex.run(tasks))
    return {k: np.concatenate([pieces[t[0]][k] for t in tasks]) for k in pieces[tasks[0][0]]}


STALL_GENERATIONS = 10
GENERATION_FACTOR = 5


class _Cache:
    """Evaluated designs by grid index (columns concatenated, looked up by index)."""

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []
        self.index = np.empty(0, dtype=np.int64)  # sorted
        self.order = np.empty(0, dtype=np.int64)  # row in the concatenation
        self.columns: dict[str, np.ndarray] = {}

    @property
    def size(self) -> int:
        return int(self.index.size)

    def contains(self, flat: np.ndarray) -> np.ndarray:
        if self.index.size == 0:
            return np.zeros(flat.shape, dtype=bool)
        pos = np.minimum(np.searchsorted(self.index, flat), self.index.size - 1)
        return self.index[pos] == flat

    def add(self, cols: dict[str, np.ndarray]) -> None:
        self.parts.append(cols)
        self.columns = {k: np.concatenate([p[k] for p in self.parts]) for k in cols}
        rows = self.columns["index"]
        self.order = np.argsort(rows, kind="stable")
        self.index = rows[self.order]

    def lookup(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        rows = self.order[np.searchsorted(self.index, flat)]
        return {k: v[rows] for k, v in self.columns.items()}
