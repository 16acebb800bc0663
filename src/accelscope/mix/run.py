"""Search a design space for a mix: per configuration the best execution (time
multiplexing or a spatial partition of the tensor units), then the cheapest feasible
configuration under the objective and the (area, headroom) Pareto front.

Evaluation runs in chunks, each committed as a part; the choice is then made part by part
(counts, the best configuration and the front merged as parts are read), so memory does
not grow with the space. A configuration's record is read back from its part.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError, SpecError
from accelscope.mix.execution import MixColumns, spatial, time_multiplexed
from accelscope.mix.spec import MixSpec
from accelscope.search.constraints import Constraint, parse_constraint
from accelscope.search.space import DesignSpace
from accelscope.store.rows import RowSource

OBJECTIVES = ("area", "power", "headroom")
EXECUTIONS = ("time", "spatial")
#: Which execution models a run may use: both (the better per configuration) or one.
EXECUTION_CHOICES = ("best", "time", "spatial")
#: Configuration-level names a mix constraint may use besides the design parameters.
MIX_METRICS = ("area_mm2", "cell_area_mm2", "pe_count", "sram_kib", "power_w", "headroom")
CHUNK = 4096


class NoFeasibleMixError(AccelscopeError):
    """No configuration runs the mix within its targets."""


@dataclass(frozen=True)
class Choice:
    """Configurations of one block (``[c]``, ``[n_app, c]``): the execution each uses
    (the one that meets everything, the larger headroom first) and what it gives."""

    positions: np.ndarray
    index: np.ndarray  # grid index
    area_mm2: np.ndarray
    power_w: np.ndarray
    headroom: np.ndarray
    execution: np.ndarray  # 0 time, 1 spatial
    feasible: np.ndarray  # meets every target and the constraints
    time_ok: np.ndarray
    spatial_ok: np.ndarray
    latency_s: np.ndarray  # [n_app, c]
    response_s: np.ndarray  # [n_app, c]
    share_units: np.ndarray  # [n_app, c]
    units: np.ndarray
    utilization: np.ndarray  # time-multiplexed utilization at the required rates


@dataclass(frozen=True)
class MixRules:
    """How a mix run judges a stored row: constraints and the executions allowed."""

    space: DesignSpace
    n_app: int
    constraints: tuple[Constraint, ...]
    execution: str  # best | time | spatial

    def choose(self, ev: Mapping[str, np.ndarray], positions: np.ndarray) -> Choice:
        """The execution and its figures for the stored rows *ev* at *positions*."""
        n = np.shape(ev["index"])[0]
        cons = self.constraints
        params_ok = np.ones(n, dtype=bool)
        named = any(c.name in self.space.parameters for c in cons)
        params = self.space.columns(np.asarray(ev["index"], dtype=np.int64)) if named else {}
        for c in cons:
            if c.name in params:
                params_ok &= c.holds(np.asarray(params[c.name], dtype=np.float64))
            elif c.name in ev:
                params_ok &= c.holds(np.asarray(ev[c.name], dtype=np.float64))

        def stack(key: str) -> np.ndarray:
            return np.stack([np.asarray(ev[f"{key}_{a}"]) for a in range(self.n_app)])

        def mix_ok(pw: np.ndarray, head: np.ndarray) -> np.ndarray:
            ok = params_ok.copy()
            for c in cons:
                if c.name == "power_w":
                    ok &= c.holds(pw)
                elif c.name == "headroom":
                    ok &= c.holds(head)
            return ok

        th, sh = np.asarray(ev["t_headroom"]), np.asarray(ev["s_headroom"])
        tp, sp = np.asarray(ev["t_power_w"]), np.asarray(ev["s_power_w"])
        time_ok = np.asarray(ev["t_feasible"], dtype=bool) & mix_ok(tp, th)
        time_ok &= self.execution != "spatial"
        spatial_ok = np.asarray(ev["s_feasible"], dtype=bool) & mix_ok(sp, sh)
        spatial_ok &= self.execution != "time"
        use_spatial = spatial_ok & (~time_ok | (sh > th))
        return Choice(
            positions=np.asarray(positions, dtype=np.int64),
            index=np.asarray(ev["index"], dtype=np.int64),
            area_mm2=np.asarray(ev["area_mm2"], dtype=np.float64),
            power_w=np.where(use_spatial, sp, tp),
            headroom=np.where(use_spatial, sh, th),
            execution=use_spatial.astype(np.int64),
            feasible=time_ok | spatial_ok,
            time_ok=time_ok,
            spatial_ok=spatial_ok,
            latency_s=np.where(use_spatial[None, :], stack("s_latency"), stack("t_latency")),
            response_s=np.where(use_spatial[None, :], stack("s_latency"), stack("t_response")),
            share_units=np.where(use_spatial[None, :], stack("s_units"), 0),
            units=np.asarray(ev["units"], dtype=np.int64),
            utilization=np.asarray(ev["utilization"], dtype=np.float64),
        )


@dataclass
class MixResult:
    """The choice over a space (counts, best position, front); every configuration's
    record is read back from its committed part (:meth:`design`)."""

    spec: MixSpec
    space: DesignSpace
    objective: str
    constraints: list[Constraint]
    execution_choice: str
    rules: MixRules
    source: RowSource
    evaluated: int
    feasible_count: int
    feasible_by_execution: dict[str, int]
    best: int | None
    pareto: np.ndarray
    min_utilization: float  # lowest time-multiplexed utilization seen (diagnosis)
    resumed_parts: int = 0
    out_dir: Path | None = None
    _choices: dict[int, Choice] = field(default_factory=dict, repr=False)

    def choice(self, position: int) -> Choice:
        """The execution and figures of the configuration at *position* (one row)."""
        if position not in self._choices:
            self._remember(position, self.source.row(position))
        return self._choices[position]

    def _remember(self, position: int, row: dict[str, Any]) -> None:
        """Score one stored row and cache its choice."""
        ev = {k: np.asarray([v]) for k, v in row.items()}
        self._choices[position] = self.rules.choose(ev, np.array([position]))

    def per_configuration(self) -> dict[str, np.ndarray]:
        """Every configuration's figures as arrays over the space, read part by part
        (for Python callers: these arrays grow with the space, the run itself does not)."""
        names = ("index", "area_mm2", "power_w", "headroom", "execution", "feasible",
                 "units", "utilization")  # fmt: skip
        pieces: dict[str, list[np.ndarray]] = {k: [] for k in names}
        per_app: dict[str, list[np.ndarray]] = {"latency_s": [], "response_s": [],
                                                "share_units": []}  # fmt: skip
        for positions, ev in self.source.blocks():
            ch = self.rules.choose(ev, positions)
            for k in names:
                pieces[k].append(getattr(ch, k))
            for k in per_app:
                per_app[k].append(getattr(ch, k))
        out = {k: np.concatenate(v) for k, v in pieces.items()}
        out.update({k: np.concatenate(v, axis=1) for k, v in per_app.items()})
        return out

    def design(self, position: int) -> dict[str, Any]:
        """One configuration as a JSON-ready record: parameters, area, power, execution,
        headroom, whether it runs the mix, and every application's share, latency and
        rates."""
        from accelscope.jsonsafe import finite

        ch = self.choice(position)
        apps = {}
        time_shared = int(ch.execution[0]) == 0
        for a, app in enumerate(self.spec.applications):
            lat = float(ch.latency_s[a, 0])
            max_rate = (app.rate_per_s or 0.0) * float(ch.headroom[0]) if time_shared else 1.0 / lat
            apps[app.label] = {
                "model": app.model,
                "share": "whole accelerator (time multiplexed)"
                if time_shared
                else f"{int(ch.share_units[a, 0])} of {int(ch.units[0])} tensor units",
                "latency_s": lat,
                "response_s": float(ch.response_s[a, 0]),
                "latency_bound_s": app.latency_bound_s,
                "required_rate_per_s": app.rate_per_s,
                "rate_per_s": max_rate,
            }
        index = int(ch.index[0])
        return finite(
            {
                "index": index,
                "configuration": self.space.design(index),
                "area_mm2": float(ch.area_mm2[0]),
                "power_w": float(ch.power_w[0]),
                "execution": EXECUTIONS[int(ch.execution[0])],
                "runs_mix": bool(ch.feasible[0]),
                "headroom": float(ch.headroom[0]),
                "limited_by": self.limited_by(position),
                "applications": apps,
            }
        )

    def limited_by(self, position: int) -> str:
        """What stops the rates from growing further on this configuration: the
        accelerator's time (time multiplexing at full utilization), an application's
        latency bound, or an application's share of the units (spatial)."""
        ch = self.choice(position)
        apps = self.spec.applications
        head = float(ch.headroom[0])
        if int(ch.execution[0]) == 0:
            util = float(ch.utilization[0])
            if util > 0 and abs(head * util - 1.0) < 1e-6:
                return f"the accelerator's time: utilization {util:.3g} of 1 at the required rates"
            slack = [
                (app.latency_bound_s / float(ch.response_s[a, 0]), app.label)
                for a, app in enumerate(apps)
            ]
            return (
                f"the latency bound of '{min(slack)[1]}' (worst-case response grows with the rates)"
            )
        rates = [(app.rate_per_s or 0.0) * float(ch.latency_s[a, 0]) for a, app in enumerate(apps)]
        a = int(np.argmax(rates))
        units = int(ch.share_units[a, 0])
        name = apps[a].label
        return f"the share of '{name}': {units} tensor unit(s) busy {rates[a]:.3g} of the time"

    def diagnosis(self) -> str:
        """Why no configuration runs the mix (one sentence)."""
        return (
            f"no configuration of '{self.space.name}' runs the mix within its targets "
            f"({self.evaluated:,} evaluated; time multiplexing needs utilization "
            f"<= 1, the lowest is {self.min_utilization:.3g}; spatial partitioning found "
            f"{self.feasible_by_execution['spatial']} feasible splits)"
        )

    def to_dict(self) -> dict[str, Any]:
        shown = [] if self.best is None else [self.best]
        self._prefetch([*shown, *self.pareto.tolist()])
        return {
            "kind": "mix",
            "mix": self.spec.name,
            "applications": [a.model_dump(exclude_none=True) for a in self.spec.applications],
            "space": self.space.name,
            "objective": self.objective,
            "execution": self.execution_choice,
            "constraints": [c.text for c in self.constraints],
            "evaluated": self.evaluated,
            "resumed_parts": self.resumed_parts,
            "out_dir": None if self.out_dir is None else str(self.out_dir),
            "feasible": self.feasible_count,
            "feasible_by_execution": self.feasible_by_execution,
            "best": None if self.best is None else self.design(self.best),
            "pareto": [self.design(int(p)) for p in self.pareto],
        }

    def _prefetch(self, positions: list[int]) -> None:
        """Read the rows at *positions* (each part once) into the choice cache."""
        todo = [p for p in positions if p not in self._choices]
        for position, row in self.source.rows(todo).items():
            self._remember(position, row)


def _networks(spec: MixSpec) -> list[Any]:
    from accelscope.workload import load_model

    nets = []
    for app in spec.applications:
        try:
            nets.append(load_model(app.model, batch=app.batch, seq_len=app.seq_len))
        except AccelscopeError as exc:
            raise type(exc)(f"application '{app.label}': {exc}") from None
    return nets


def evaluate_chunk(
    nets: list[Any], spec: MixSpec, space: DesignSpace, idx: np.ndarray
) -> dict[str, np.ndarray]:
    """Both execution models on the grid points *idx* (one committed part): the
    configuration's area metrics, and per model feasibility, headroom, power and per
    application latency, response time (time) or units (spatial). Independent of the
    objective and constraints, so a run re-scores its parts without re-evaluating."""
    from accelscope.targets.asic.cost import evaluate_batch
    from accelscope.targets.asic.partition import partition_configs

    apps = spec.applications
    rates = np.array([a.rate_per_s or 0.0 for a in apps])
    bounds = np.array([a.latency_bound_s for a in apps])
    prios = np.array([a.priority for a in apps])
    n_app = len(apps)
    params = space.columns(idx)
    cfg = space.configs(idx)
    metrics = space.target_model.evaluate_points(nets[0], params)
    whole = [evaluate_batch(net, cfg) for net in nets]
    lat = np.stack([np.asarray(r.latency_s) for r in whole])
    energy = np.stack([np.asarray(r.energy_j) for r in whole])
    tm = time_multiplexed(lat, energy, rates, bounds, prios)
    units = cfg.units.astype(np.int64)
    u_max = int(units.max())
    lat_u = np.full((n_app, u_max, len(idx)), np.inf)
    en_u = np.full((n_app, u_max, len(idx)), np.inf)
    for u in range(1, u_max + 1):
        rows = np.flatnonzero(units >= u)
        if n_app > 1 and u > u_max - (n_app - 1):
            continue  # every other application needs at least one unit
        part = partition_configs(cfg.take(rows), np.full(rows.size, u))
        for a, net in enumerate(nets):
            res = evaluate_batch(net, part)
            lat_u[a, u - 1, rows] = res.latency_s
            en_u[a, u - 1, rows] = res.energy_j
    sp = spatial(lat_u, en_u, units, rates, bounds) if n_app > 1 else _single(tm)
    cols: dict[str, np.ndarray] = {"index": np.asarray(idx, dtype=np.int64), "units": units}
    cols.update(
        {m: np.asarray(metrics[m]) for m in ("area_mm2", "cell_area_mm2", "pe_count", "sram_kib")}
    )
    cols["utilization"] = (rates[:, None] * lat).sum(axis=0)
    for key, mc in (("t", tm), ("s", sp)):
        cols[f"{key}_feasible"] = mc.feasible
        cols[f"{key}_headroom"] = mc.headroom
        cols[f"{key}_power_w"] = mc.power_w
        for a in range(n_app):
            cols[f"{key}_latency_{a}"] = mc.latency_s[a]
            cols[f"{key}_response_{a}"] = mc.response_s[a]
            cols[f"{key}_units_{a}"] = mc.share_units[a]
    return cols


def mix_task(payload: tuple[Any, Any, Any], indices: Any) -> dict[str, np.ndarray]:
    """Task function for :mod:`accelscope.parallel`: payload = (networks, mix, space);
    *indices* a range of grid points (or an array)."""
    nets, spec, space = payload
    if isinstance(indices, range):
        indices = np.arange(indices.start, indices.stop, dtype=np.int64)
    return evaluate_chunk(nets, spec, space, np.asarray(indices, dtype=np.int64))


def _rows_of(columns: dict[str, np.ndarray]) -> int:
    """A worker's receipt for a committed chunk: its row count."""
    return len(columns["index"])


def _evaluated(
    spec, space, nets, out_dir, overwrite, executor: str = "serial", workers: int | None = None
) -> tuple[RowSource, int]:
    """The committed parts of every grid chunk, evaluating only what *out_dir* does not
    hold yet (committed parts are kept when a run is interrupted), on *executor*'s
    workers (each commits its own parts). Returns (where the rows live, parts resumed); a
    run without *out_dir* keeps its scratch directory alive with the rows."""
    from accelscope.parallel import Deadline, make_executor
    from accelscope.search.chunks import chunk_tasks, grid_chunks
    from accelscope.search.commit import commit_chunks
    from accelscope.store.parts import PartStore, ScratchDir

    run_spec = {
        "kind": "mix",
        "mix": spec.model_dump(mode="json"),
        "space": space.model_dump(mode="json", exclude={"constraints"}),
        "chunk": CHUNK,
    }
    never = Deadline(None).expired  # a mix evaluates its whole space
    tmp = ScratchDir(prefix="accelscope-mix-") if out_dir is None else None
    try:
        store = PartStore(out_dir if tmp is None else tmp.name, run_spec, overwrite=overwrite)
        done = frozenset(grid_chunks(store.names(), space.size, CHUNK))
        tasks = chunk_tasks(space.size, CHUNK, done)
        with make_executor(executor, (nets, spec, space), fn=mix_task, workers=workers) as ex:
            commit_chunks(store, ex, tasks, _rows_of, lambda _: None, should_stop=never)
        source = RowSource.grid(store, grid_chunks(store.names(), space.size, CHUNK))
    except BaseException:
        if tmp is not None:
            tmp.cleanup()
        raise
    source.keepalive = tmp
    return source, len(done)


@dataclass
class _Merge:
    """What a mix run keeps while it reads its parts: counts, the best configuration
    under the objective, and the (area, headroom) front."""

    objective: str
    n_app: int
    feasible: int = 0
    time_ok: int = 0
    spatial_ok: int = 0
    min_utilization: float = np.inf
    fastest: np.ndarray | None = None
    best_key: tuple | None = None
    best: int | None = None
    front: tuple[np.ndarray, np.ndarray, np.ndarray] = (
        np.empty(0, dtype=np.int64), np.empty(0), np.empty(0),
    )  # fmt: skip

    def add(self, ev: Mapping[str, np.ndarray], ch: Choice) -> None:
        from accelscope.search.pareto import pareto_mask

        lat = np.stack([np.asarray(ev[f"t_latency_{a}"], float) for a in range(self.n_app)])
        lat = np.where(np.isfinite(lat), lat, np.inf).min(axis=1, initial=np.inf)
        self.fastest = lat if self.fastest is None else np.minimum(self.fastest, lat)
        util = ch.utilization[~np.isnan(ch.utilization)]
        if util.size:
            self.min_utilization = min(self.min_utilization, float(util.min()))
        self.feasible += int(ch.feasible.sum())
        self.time_ok += int(ch.time_ok.sum())
        self.spatial_ok += int(ch.spatial_ok.sum())
        rows = np.flatnonzero(ch.feasible)
        if rows.size == 0:
            return
        i = _choose(self.objective, ch.feasible, ch.area_mm2, ch.power_w, ch.headroom)
        one = [i]
        ranks = _rank(
            self.objective, ch.area_mm2[one], ch.power_w[one], ch.headroom[one], ch.positions[one]
        )
        key = tuple(float(r[0]) for r in ranks)
        if self.best_key is None or key < self.best_key:
            self.best_key, self.best = key, int(ch.positions[i])
        positions = np.concatenate([self.front[0], ch.positions[rows]])
        area = np.concatenate([self.front[1], ch.area_mm2[rows]])
        head = np.concatenate([self.front[2], ch.headroom[rows]])
        keep = pareto_mask(np.column_stack([area, -head]))
        self.front = (positions[keep], area[keep], head[keep])

    def pareto(self) -> np.ndarray:
        positions, area, _ = self.front
        return positions[np.lexsort((positions, area))]


def run_mix(
    spec: MixSpec,
    space: DesignSpace,
    *,
    objective: str = "area",
    constraints: list[str] | None = None,
    execution: str = "best",
    out_dir: str | Path | None = None,
    overwrite: bool = False,
    executor: str = "serial",
    workers: int | None = None,
) -> MixResult:
    """Evaluate every configuration of *space* for the mix (module docstring);
    *execution* restricts it to ``time`` multiplexing or ``spatial`` partitioning. With
    *out_dir*, every evaluated chunk is committed there and a rerun resumes. *executor*
    (``serial``, ``processes`` or ``dask``) evaluates the chunks, on *workers* workers
    (default 2); the result does not depend on it."""
    if objective not in OBJECTIVES:
        raise SpecError(f"unknown objective '{objective}'; expected one of {', '.join(OBJECTIVES)}")
    if execution not in EXECUTION_CHOICES:
        raise SpecError(
            f"unknown execution '{execution}'; expected one of {', '.join(EXECUTION_CHOICES)}"
        )
    if space.target != "asic":
        raise SpecError(
            f"mix runs on the asic target (its tensor units are what spatial partitioning "
            f"splits); the design space '{space.name}' is for {space.target}"
        )
    known = [*MIX_METRICS, *space.target_model.parameters]
    cons_text = list(space.constraints) if constraints is None else constraints
    cons = [parse_constraint(c, known) for c in cons_text]
    nets = _networks(spec)
    apps = spec.applications
    rules = MixRules(space=space, n_app=len(apps), constraints=tuple(cons), execution=execution)
    source, resumed = _evaluated(spec, space, nets, out_dir, overwrite, executor, workers)
    merged = _Merge(objective=objective, n_app=len(apps))
    for positions, ev in source.blocks():
        merged.add(ev, rules.choose(ev, positions))
    for a, app in enumerate(apps):
        fastest = float(merged.fastest[a])
        if fastest > app.latency_bound_s:
            raise NoFeasibleMixError(
                f"application '{app.label}' needs {app.latency_bound_s * 1e3:.4g} ms but the "
                f"fastest configuration takes {fastest * 1e3:.4g} ms "
                f"(+{(fastest / app.latency_bound_s - 1) * 100:.0f}%)"
            )
    return MixResult(
        spec=spec,
        space=space,
        objective=objective,
        constraints=cons,
        execution_choice=execution,
        rules=rules,
        source=source,
        evaluated=source.count,
        feasible_count=merged.feasible,
        feasible_by_execution={"time": merged.time_ok, "spatial": merged.spatial_ok},
        best=merged.best,
        pareto=merged.pareto(),
        min_utilization=merged.min_utilization,
        resumed_parts=resumed,
        out_dir=None if out_dir is None else Path(out_dir),
    )


def _single(tm: MixColumns) -> MixColumns:
    """One application: nothing to partition (spatial equals time multiplexing, never
    chosen over it)."""
    return MixColumns(
        feasible=np.zeros_like(tm.feasible),
        headroom=np.zeros_like(tm.headroom),
        power_w=tm.power_w,
        latency_s=tm.latency_s,
        response_s=tm.response_s,
        share_units=tm.share_units,
    )


def _rank(objective, area, power, headroom, positions) -> tuple[np.ndarray, ...]:
    """Sort keys of configurations, most significant first (smaller is better): least
    area or power (ties: more headroom, then the lower position), or most headroom
    (ties: less area, then the lower position)."""
    if objective == "headroom":
        return -headroom, area, positions
    return (area if objective == "area" else power), -headroom, positions


def _choose(objective, feasible, area, power, headroom) -> int | None:
    """The best feasible position under :func:`_rank`."""
    rows = np.flatnonzero(feasible)
    if rows.size == 0:
        return None
    keys = _rank(objective, area[rows], power[rows], headroom[rows], rows)
    return int(rows[np.lexsort(keys[::-1])[0]])
