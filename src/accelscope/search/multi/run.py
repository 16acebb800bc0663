"""Multi-application optimization: one accelerator configuration for a set of networks.

:func:`multi_explore` makes **one pass** over a design space: every chunk of grid points is
decoded once and each network of the set is evaluated on it with the vectorized cost model
(:mod:`accelscope.search.multi.evaluate`). Each chunk is committed as a durable Parquet part
(:class:`~accelscope.store.parts.PartStore`), so a killed run resumes with the same
command, and the parts do not depend on weights, mode, objective or constraints: rerunning
with other ones into the same ``out_dir`` re-scores without re-evaluating.

Spaces too large to enumerate are searched instead (``strategy="evolutionary"``, the
default above 2,000,000 points): NSGA-II on the set score, one durable part per
generation (:mod:`accelscope.search.multi.strategies`). The scoring below then runs over the
evaluated designs only, so each network's reference is the best evaluated design for it.

The scoring (:mod:`accelscope.search.multi.score`) then yields the optimum of every network
alone, the cross-performance matrix, the per-network optimum with the best (weighted)
geometric-mean relative performance ("selected"), the improvement of its score over each
per-network optimum's, the joint optimum over the whole space, and optionally the Pareto
front of (score, area). It reads the committed parts twice, one at a time (references,
then scores merged part by part), so memory does not grow with the space.

Performance is ``1 / latency_s`` by default (any objective of
:data:`accelscope.search.constraints.OBJECTIVES` except area can be used: a metric to
minimize counts as ``1 / value``, one to maximize as ``value``).

Constraints: configuration-level names (design parameters, ``area_mm2``, ``pe_count``,
``sram_kib``) are checked once per configuration; network-dependent metrics (``latency_s``,
``power_w``, ``energy_j`` ...) must hold for **every** network of the set. A network's own
optimum only needs its own constraints (and to map onto the buffers); the selection and the
joint optimum must be admissible for the whole set (every network maps and meets every
constraint).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError, SpecError
from accelscope.parallel import Deadline
from accelscope.search.chunks import chunk_tasks, grid_chunks, rows_in
from accelscope.search.commit import commit_chunks
from accelscope.search.constraints import (
    Constraint,
    Objective,
    parse_constraint,
    parse_objective,
)
from accelscope.search.multi.criteria import Criteria, check_admissible
from accelscope.search.multi.evaluate import (
    CONFIG_METRICS,
    NETWORK_METRICS,
    column_name,
    make_multi_executor,
    metric_split,
)
from accelscope.search.multi.inputs import unique_names
from accelscope.search.multi.score import (
    MODES,
    TIE_BREAKS,
    MultiAnalysis,
    NoAdmissibleDesignError,
    ReferencePass,
    ScorePass,
    normalize_weights,
)
from accelscope.search.multi.strategies import (
    DEFAULT_BUDGET,
    DEFAULT_POPULATION,
    SEARCH_PREFIX,
    resolve_strategy,
    run_search,
    search_objectives,
)
from accelscope.search.space import PARAMETERS, DesignSpace
from accelscope.search.table import labelled
from accelscope.store.parts import PartStore, ScratchDir
from accelscope.store.rows import RowSource
from accelscope.workload.network import Network

DEFAULT_CHUNK = 16_384
#: Per-network metrics shown in a design (those the target has).
_SHOWN_METRICS = (
    "latency_s", "throughput_per_s", "energy_j", "power_w", "gops", "dsp_efficiency",
    "utilization",
)  # fmt: skip


def known_names(space: DesignSpace | None = None) -> list[str]:
    """Names a constraint may use: configuration and network metrics, and parameters."""
    if space is None:
        return [*CONFIG_METRICS, *(m for m in NETWORK_METRICS if m != "feasible"), *PARAMETERS]
    config, network = metric_split(space)
    params = space.target_model.parameters
    return [*config, *(m for m in network if m != "feasible"), *params]


def _cost_aliases(target) -> set[str]:
    """Objective texts that name the target's cost metric (ASIC: area, FPGA: dsp)."""
    names = {k for k, (m, _) in target.objectives.items() if m == target.cost_metric}
    names.add(target.cost_metric)
    if target.cost_metric == "area_mm2":
        names.add("area")
    return names | {f"min:{n}" for n in names}


def parse_objectives(
    objective: str | Sequence[str], space: DesignSpace | None = None
) -> tuple[Objective, bool]:
    """(performance objective, whether the cost is a second objective) from text(s).

    ``"latency"`` -> performance ``1 / latency_s``; ``["latency", "area"]`` also asks for
    the Pareto front of (score, area) -- the cost is the target's (ASIC area, FPGA DSPs).
    The cost alone is not a performance (it does not depend on the network), so it is
    only accepted next to a performance objective (default latency).
    """
    from accelscope.targets import get_target

    target = space.target_model if space is not None else get_target("asic")
    _, network_metrics = metric_split(space) if space is not None else ((), NETWORK_METRICS)
    cost = _cost_aliases(target)
    items = [objective] if isinstance(objective, str) else list(objective)
    with_area = any(str(o).strip().lower() in cost for o in items)
    rest = [o for o in items if str(o).strip().lower() not in cost]
    if len(rest) > 1:
        raise SpecError(
            "multi takes one performance objective (latency, throughput, energy, edp, ...) "
            f"plus optionally {target.cost_metric}; got {', '.join(map(str, items))}"
        )
    obj = parse_objective(rest[0] if rest else "latency", target.objectives)
    if obj.metric not in network_metrics:
        choices = sorted(k for k, (m, _) in target.objectives.items() if m in network_metrics)
        raise SpecError(
            f"objective '{rest[0]}' does not depend on the network; use one of "
            f"{', '.join(choices)} (and '{sorted(cost)[0]}' as a second objective)"
        )
    return obj, with_area


def resolve_mode(mode: str | None, weights_given: bool) -> str:
    """``None`` -> ``weighted`` when weights were given, else ``geomean``."""
    if mode is None:
        return "weighted" if weights_given else "geomean"
    if mode not in MODES:
        raise SpecError(f"unknown mode '{mode}'; expected one of {', '.join(MODES)}")
    return mode


@dataclass(repr=False)
class MultiResult:
    """Outcome of :func:`multi_explore`; ``to_dict()`` is the ``--json`` document."""

    networks: list[Network]
    names: list[str]
    weights: np.ndarray  # normalized, sum 1
    mode: str
    objective: Objective
    constraints: list[Constraint]
    space: DesignSpace
    criteria: Criteria  # how a stored row is judged (objective, constraints, cost)
    analysis: MultiAnalysis
    with_area: bool
    elapsed_s: float
    resumed_parts: int = 0
    out_dir: Path | None = None
    chunk_size: int = DEFAULT_CHUNK
    strategy: str = "exhaustive"
    search: dict[str, Any] | None = None  # budget, seed, population (evolutionary)
    tie_break: str = "area"  # how equally fast designs pick a network's optimum
    source: RowSource | None = field(default=None, repr=False)
    _table: Any = field(default=None, repr=False)
    _rows: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)

    def _summary(self) -> tuple[str, list[tuple[str, str]]]:
        a = self.analysis
        rows = [
            ("networks", ", ".join(self.names)),
            ("space", f"{self.space.name} ({self.space.target})"),
            ("mode", self.mode),
            ("objective", self.objective.label),
            ("evaluated", f"{self.evaluated:,}"),
            ("admissible", f"{a.feasible:,}"),
        ]
        return "MultiResult", rows

    def __repr__(self) -> str:
        from accelscope.display import text_line

        return text_line(*self._summary())

    def _repr_html_(self) -> str:
        from accelscope.display import html_table

        return html_table(*self._summary())

    # ---- accessors ---------------------------------------------------------------------
    @property
    def table(self):
        """Every configuration (``pyarrow.Table``, sorted by grid index): parameters and
        every network's metrics. Read from the committed parts on first use; the analysis
        itself holds no array over configurations."""
        if self._table is None:
            self._table = labelled(self.source.table(), self.space.target_model)
        return self._table

    @property
    def evaluated(self) -> int:
        return self.source.count

    @property
    def selected_name(self) -> str | None:
        sel = self.analysis.selected
        return None if sel is None else self.names[sel]

    def _row(self, position: int) -> dict[str, Any]:
        """Every stored column at table row *position* (its part read when not cached)."""
        if position not in self._rows:
            return self.source.row(position)
        return self._rows[position]

    def _value(self, name: str, position: int) -> Any:
        return self._row(position)[name]

    def judged(self, position: int) -> tuple[np.ndarray, np.ndarray, float]:
        """``(relative performance [N], admissible alone [N], log S)`` at table row
        *position* (``log S`` is -inf where the row is not admissible for the set)."""
        row = self._row(position)
        columns = {c: np.asarray([row[c]]) for c in self.criteria.needed}
        perf, alone, _ = self.criteria.inputs(columns)
        rel, log_score = self.analysis.block_scores(perf, alone)
        return rel[:, 0], alone[:, 0], float(log_score[0])

    def scores(self, position: int) -> dict[str, float]:
        """Geometric mean, weighted geometric mean and worst case of the relative
        performance at configuration *position* (row of the table)."""
        r = self.judged(position)[0]
        w = self.weights
        with np.errstate(divide="ignore"):
            logs = np.log(r)
        used = w > 0
        return {
            "geomean": float(np.exp(logs.mean())),
            "weighted_geomean": float(np.exp(np.dot(w[used], logs[used]))),
            "worst_case": float(r[used].min()),
        }

    def design(self, position: int) -> dict[str, Any]:
        """Configuration at table row *position*: parameters, area, the metrics of every
        network on it, its relative performances and scores (JSON-ready)."""
        index = int(self._value("index", position))
        full = self.space.design(index)
        config_metrics, network_metrics = metric_split(self.space)
        shown = [m for m in _SHOWN_METRICS if m in network_metrics]
        out: dict[str, Any] = {"index": index}
        out.update({k: _clean(v) for k, v in full.items()})
        for metric in config_metrics:
            out[metric] = _clean(self._value(metric, position))
        rel, alone, log_s = self.judged(position)
        per_net: dict[str, Any] = {}
        for k, name in enumerate(self.names):
            entry = {m: _clean(self._value(column_name(k, m), position)) for m in shown}
            entry["feasible"] = bool(self._value(column_name(k, "feasible"), position))
            ok = bool(alone[k])
            # Relative performance is defined where the design meets this network's
            # constraints (1 = the network's own best); elsewhere it is None.
            entry["meets_constraints"] = ok
            entry["relative_performance"] = _clean(rel[k]) if ok else None
            per_net[name] = entry
        out["networks"] = per_net
        out["admissible"] = bool(np.isfinite(log_s))
        scores = self.scores(position)
        key = {"geomean": "geomean", "weighted": "weighted_geomean", "worst": "worst_case"}
        if out["admissible"]:
            out["score"] = _clean(scores[key[self.mode]])
            out.update({k: _clean(v) for k, v in scores.items()})
        else:  # a score would count performance gained by breaking a constraint
            out["score"] = None
            out.update(dict.fromkeys(scores))
            out["violates_constraints_of"] = [
                n for n, e in per_net.items() if not e["meets_constraints"]
            ]
        return out

    def cross_performance(self) -> dict[str, dict[str, float]]:
        """``{optimum of i: {network j: relative performance of j on it}}``."""
        return {
            row: {col: _clean(self.analysis.cross[i, j]) for j, col in enumerate(self.names)}
            for i, row in enumerate(self.names)
        }

    def cross_performance_frame(self):
        """The cross-performance matrix as a pandas DataFrame (rows: optimum of network i,
        columns: network j)."""
        from accelscope.errors import require_pandas

        pd = require_pandas()

        return pd.DataFrame(
            self.analysis.cross,
            index=pd.Index([f"opt:{n}" for n in self.names], name="optimum of"),
            columns=pd.Index(self.names, name="network"),
        )

    def to_pandas(self):
        """One row per configuration: parameters, metrics (``n{k}_*`` per network),
        ``admissible``, ``score`` and ``rel:<network>`` columns."""
        import pyarrow as pa

        from accelscope.errors import require_pandas

        require_pandas()
        return pa.concat_tables(list(self.iter_table()), promote_options="default").to_pandas()

    def to_dict(self) -> dict[str, Any]:
        """The result document (``kind: multi``); see docs/multi.md for every key."""
        a = self.analysis
        shown = [*a.optima.tolist(), a.joint, *(a.pareto.tolist() if self.with_area else [])]
        self._rows.update(self.source.rows(shown))  # each part read once
        optima = {}
        for i, name in enumerate(self.names):
            d = self.design(int(a.optima[i]))
            d["optimum_of"] = name
            d["shares_config_with"] = [
                self.names[j]
                for j in range(len(self.names))
                if j != i and a.optima[j] == a.optima[i]
            ]
            optima[name] = d
        selected = None
        if a.selected is not None:
            selected = self.design(int(a.optima[a.selected]))
            selected["optimum_of"] = self.names[a.selected]
            selected["shares_config_with"] = optima[self.names[a.selected]]["shares_config_with"]
        improvement = {
            n: _clean(float(v)) for n, v in zip(self.names, a.improvement_pct, strict=True)
        }
        # The range leaves out the networks whose own optimum *is* the selected
        # configuration (0% by construction); an infinite improvement counts as None.
        others = [
            improvement[n]
            for i, n in enumerate(self.names)
            if a.selected is not None and a.optima[i] != a.optima[a.selected]
        ]
        finite = [v for v in others if v is not None]
        joint = self.design(a.joint)
        joint["gain_over_selected_pct"] = _clean(a.joint_gain_pct)
        pareto = [self.design(int(p)) for p in a.pareto] if self.with_area else None
        # A per-network optimum chosen for the set can be beaten on both axes by a design
        # of the printed front; say how many, so the output never contradicts itself.
        cost = self.space.target_model.cost_metric
        dominated = None
        if selected is not None and pareto is not None:
            dominated = sum(
                1
                for p in pareto
                if p["score"] >= selected["score"]
                and p[cost] <= selected[cost]
                and (p["score"] > selected["score"] or p[cost] < selected[cost])
            )
        doc: dict[str, Any] = {
            "kind": "multi",
            "networks": [
                {
                    "name": name,
                    "model": net.name,
                    "family": net.family,
                    "batch": net.batch,
                    "seq_len": net.seq_len,
                    "weight": float(w),
                    "feasible_alone": int(a.feasible_alone[k]),
                }
                for k, (name, net, w) in enumerate(
                    zip(self.names, self.networks, self.weights, strict=True)
                )
            ],
            "weights": {n: float(w) for n, w in zip(self.names, self.weights, strict=True)},
            "mode": self.mode,
            "tie_break": self.tie_break,
            "objective": self.objective.label,
            "performance": (
                self.objective.metric
                if self.objective.direction == "max"
                else f"1/{self.objective.metric}"
            ),
            "objectives": [self.objective.label]
            + ([f"min:{self.space.target_model.cost_metric}"] if self.with_area else []),
            "target": self.space.target,
            "cost_metric": self.space.target_model.cost_metric,
            "constraints": [c.text for c in self.constraints],
            "space": self.space.name,
            "space_size": self.space.size,
            "strategy": self.strategy,
            "evaluated": self.evaluated,
            "search": self.search_document(),
            "feasible": a.feasible,
            "feasible_per_network": {
                n: int(v) for n, v in zip(self.names, a.feasible_alone, strict=True)
            },
            "per_network_optima": optima,
            "cross_performance": self.cross_performance(),
            "selected": selected,
            "improvement_pct": improvement,
            "improvement_range_pct": [min(finite), max(finite)] if finite else None,
            "joint_optimum": joint,
            "pareto": pareto,
            "selected_dominated_by": dominated,
            "elapsed_s": self.elapsed_s,
            "resumed_parts": self.resumed_parts,
            "out_dir": str(self.out_dir) if self.out_dir is not None else None,
            "chunk_size": self.chunk_size,
        }
        return doc

    def search_document(self) -> dict[str, Any] | None:
        """How the evolutionary search ran (None for exhaustive)."""
        if self.search is None:
            return None
        objs = search_objectives(
            len(self.names),
            self.weights,
            self.mode,
            self.with_area,
            self.space.target_model.cost_metric,
        )
        return {
            **self.search,
            "objectives": [o.label for o in objs],
            "reference": "best evaluated performance of each network",
            "scope": "per-network optima, cross-performance, improvements and the joint "
            "optimum are over the evaluated designs",
        }

    def _scored_pieces(self):
        """The full table in pieces, with ``admissible``, ``score`` and ``rel:<network>``
        scored piece by piece from the references."""
        import pyarrow as pa

        for piece in self.source.pieces():
            columns = {c: piece.column(c).to_numpy() for c in self.criteria.needed}
            rel, log_score = self.analysis.block_scores(*self.criteria.inputs(columns)[:2])
            with np.errstate(over="ignore"):
                piece = piece.append_column("admissible", pa.array(np.isfinite(log_score)))
                piece = piece.append_column("score", pa.array(np.exp(log_score)))
            for k, name in enumerate(self.names):
                piece = piece.append_column(f"rel:{name}", pa.array(rel[k]))
            yield piece

    def iter_table(self):
        """The full table part by part (``pyarrow.Table`` pieces), with ``admissible``,
        ``score``, ``rel:<network>`` and labelled categorical parameters."""
        target = self.space.target_model
        for piece in self._scored_pieces():
            yield labelled(piece, target)

    def write_outputs(self, doc: dict[str, Any]) -> None:
        """Write ``summary.json`` (*doc*) and ``results.parquet`` (every configuration with
        ``admissible``, ``score`` and relative performances) into ``out_dir``, atomically."""
        from accelscope.store.parts import write_json, write_parquet_stream

        if self.out_dir is None:
            return
        write_parquet_stream(self.out_dir / "results.parquet", self.iter_table())
        write_json(self.out_dir / "summary.json", doc)


def _clean(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def multi_explore(
    networks: Sequence[Network],
    space: DesignSpace,
    *,
    names: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
    constraints: Sequence[str | Constraint] | None = None,
    objective: str | Sequence[str] = "latency",
    mode: str | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    out_dir: str | Path | None = None,
    overwrite: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    progress: bool = False,
    strategy: str = "auto",
    budget: int | None = None,
    seed: int = 0,
    population: int = DEFAULT_POPULATION,
    time_budget_s: float | None = None,
    tie_break: str = "area",
) -> MultiResult:
    """Find the accelerator configuration that serves *networks* best (module docstring).

    ``weights`` are relative (normalized to sum 1; default equal); ``mode`` is
    ``geomean`` (default without weights), ``weighted`` (default with weights) or
    ``worst``. ``constraints`` default to the space's own. ``objective`` is a performance
    objective (default ``latency``) optionally with ``area`` for the Pareto front.

    ``strategy``: ``exhaustive`` evaluates every configuration; ``evolutionary`` runs
    NSGA-II on the set score (:mod:`accelscope.search.multi.strategies`) until ``budget``
    distinct designs (default 2,000) are evaluated or it converges, from ``seed``;
    ``auto`` enumerates spaces up to 2,000,000 points (unless a smaller ``budget`` is
    given) and searches larger ones. With a search, per-network optima, references,
    cross-performance and improvements are computed over the evaluated designs.
    ``time_budget_s`` stops submitting new work after that many seconds (committed work
    is kept; the same call resumes it). ``tie_break`` picks a network's optimum among
    equally fast designs: ``area`` (smallest) or ``score`` (the one that serves the set
    best; :mod:`accelscope.search.multi.score`).
    """
    t0 = time.monotonic()
    nets = list(networks)
    if not nets:
        raise SpecError("give at least one network")
    unsupported = space.target_model.multi_unsupported(space.parameters)
    if unsupported:
        raise SpecError(f"design space '{space.name}': {unsupported}")
    shown = unique_names(list(names) if names is not None else [n.name for n in nets])
    if len(shown) != len(nets):
        raise SpecError(f"{len(shown)} names given for {len(nets)} networks")
    w = normalize_weights(weights, len(nets))
    run_mode = resolve_mode(mode, weights is not None)
    obj, with_area = parse_objectives(objective, space)
    known = known_names(space)
    cons_src = list(space.constraints) if constraints is None else list(constraints)
    cons = [c if isinstance(c, Constraint) else parse_constraint(c, known) for c in cons_src]
    if chunk_size <= 0:
        raise SpecError(f"chunk size must be positive, got {chunk_size}")
    if tie_break not in TIE_BREAKS:
        raise SpecError(f"tie break '{tie_break}': expected one of {', '.join(TIE_BREAKS)}")
    strat = resolve_strategy(strategy, space, budget)
    if population < 4:
        raise SpecError(f"population must be at least 4, got {population}")
    run_spec: dict[str, Any] = {
        "kind": "multi",
        "networks": [n.model_dump(mode="json") for n in nets],
        # Evaluations do not depend on constraints: leave them out, so a rerun with
        # another budget into the same out_dir re-scores the committed parts.
        "space": space.model_dump(mode="json", exclude={"constraints"}),
        "chunk_size": chunk_size,
    }
    search_budget = budget or DEFAULT_BUDGET
    if strat == "evolutionary":
        # The designs a search visits depend on everything that steers it.
        run_spec.update(
            strategy=strat,
            budget=search_budget,
            seed=seed,
            population=population,
            weights=w.tolist(),
            mode=run_mode,
            objectives=[
                o.label
                for o in search_objectives(
                    len(nets), w, run_mode, with_area, space.target_model.cost_metric
                )
            ],
            performance=obj.label,
            constraints=[c.text for c in cons],
        )
    tmp = None
    if out_dir is None:
        tmp = ScratchDir(prefix="accelscope-multi-")
        out_dir = tmp.name
    deadline = Deadline(time_budget_s)
    try:
        store = PartStore(out_dir, run_spec, overwrite=overwrite)
        resumed = len(store.names())
        with (
            make_multi_executor(executor, nets, space, workers, scheduler) as ex,
            _Progress(progress, space.size, 0) as bar,
        ):
            if strat == "exhaustive":
                committed = frozenset(grid_chunks(store.names(), space.size, chunk_size))
                bar.reset(space.size, rows_in(committed, space.size, chunk_size))
                todo = chunk_tasks(space.size, chunk_size, committed)
                commit_chunks(
                    store,
                    ex,
                    todo,
                    count_rows,
                    bar.advance,
                    should_stop=deadline.expired,
                    ship_back=bool(scheduler) and tmp is not None,
                )
                part_names = grid_chunks(store.names(), space.size, chunk_size)
            else:
                part_names = run_search(
                    store,
                    ex,
                    space,
                    n_net=len(nets),
                    weights=w,
                    mode=run_mode,
                    obj=obj,
                    cons=cons,
                    with_area=with_area,
                    budget=search_budget,
                    population=population,
                    seed=seed,
                    deadline=deadline,
                    bar=bar,
                )
        names = [n for n in part_names if store.has(n)]
        exhaustive = strat == "exhaustive"
        source = RowSource.grid if exhaustive else RowSource.mapped
        rows = source(store, names, hidden=_bookkeeping)
        if rows.count == 0:
            raise AccelscopeError("no configuration was evaluated (time budget too small?)")
        criteria = Criteria(
            n_net=len(nets),
            objective=obj,
            constraints=tuple(cons),
            network_metrics=metric_split(space)[1],
            cost_metric=space.target_model.cost_metric,
        )
        analysis = _score(rows, criteria, shown, w, run_mode, with_area, tie_break)
    except BaseException:
        if tmp is not None:
            tmp.cleanup()
        raise
    rows.keepalive = tmp  # the parts stay readable while the result lives
    return MultiResult(
        networks=nets,
        names=shown,
        weights=w,
        mode=run_mode,
        objective=obj,
        constraints=cons,
        space=space,
        criteria=criteria,
        analysis=analysis,
        with_area=with_area,
        tie_break=tie_break,
        elapsed_s=time.monotonic() - t0,
        resumed_parts=resumed,
        out_dir=None if tmp is not None else Path(out_dir),
        chunk_size=chunk_size,
        strategy=strat,
        search=(
            {"budget": search_budget, "seed": seed, "population": population}
            if strat == "evolutionary"
            else None
        ),
        source=rows,
    )


def _bookkeeping(column: str) -> bool:
    """Stored columns that are not part of the result's table (the search's objectives,
    and a plain ``feasible`` column)."""
    return column == "feasible" or column.startswith(SEARCH_PREFIX)


def count_rows(columns: dict[str, np.ndarray]) -> int:
    """A worker's receipt for a committed chunk: its row count."""
    return len(columns["index"])


def _score(
    rows: RowSource,
    criteria: Criteria,
    names: list[str],
    weights: np.ndarray,
    mode: str,
    with_area: bool,
    tie_break: str,
) -> MultiAnalysis:
    """Two passes over the stored rows, part by part: the references (each network's best
    admissible performance), then the scores, optima, joint optimum and Pareto front
    (:mod:`accelscope.search.multi.score`). Memory does not grow with the space."""
    reference = ReferencePass(criteria.n_net)
    for _, columns in rows.blocks(criteria.needed):
        reference.add(*criteria.inputs(columns)[:2])
    if reference.feasible == 0:  # a third pass only to name the most restrictive rule
        ruled_out = sum(criteria.ruled_out(columns) for _, columns in rows.blocks(criteria.needed))
        check_admissible(reference, ruled_out, names, criteria.constraints, rows.count)
    scoring = ScorePass(
        reference, weights=weights, mode=mode, pareto=with_area, tie_break=tie_break
    )
    for positions, columns in rows.blocks(criteria.needed):
        scoring.add(positions, *criteria.inputs(columns))
    return scoring.finish()


class _Progress:
    """A rich progress bar on stderr while chunks are evaluated (when enabled)."""

    def __init__(self, enabled: bool, total: int, done: int):
        self.bar = None
        if enabled:
            from accelscope.progress import progress_bar

            self.bar = progress_bar("evaluating")
            self.task = self.bar.add_task("multi", total=total, completed=done)

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def reset(self, total: int, done: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, total=total, completed=done)

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, advance=n)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


__all__ = ["multi_explore", "MultiResult", "NoAdmissibleDesignError", "MODES", "known_names"]
