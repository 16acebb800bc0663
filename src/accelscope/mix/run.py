"""Search a design space for a mix: per configuration the best execution (time
multiplexing or a spatial partition of the tensor units), then the cheapest feasible
configuration under the objective and the (area, headroom) Pareto front.

Memory holds a few numbers per configuration (like ``multi``); evaluation runs in chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError, SpecError
from accelscope.mix.execution import MixColumns, spatial, time_multiplexed
from accelscope.mix.spec import MixSpec
from accelscope.search.constraints import Constraint, parse_constraint
from accelscope.search.space import DesignSpace
from accelscope.store.parts import columns_table

OBJECTIVES = ("area", "power", "headroom")
EXECUTIONS = ("time", "spatial")
#: Which execution models a run may use: both (the better per configuration) or one.
EXECUTION_CHOICES = ("best", "time", "spatial")
#: Configuration-level names a mix constraint may use besides the design parameters.
MIX_METRICS = ("area_mm2", "cell_area_mm2", "pe_count", "sram_kib", "power_w", "headroom")
CHUNK = 4096


class NoFeasibleMixError(AccelscopeError):
    """No configuration runs the mix within its targets."""


@dataclass
class MixResult:
    """Per configuration (``[n_cfg]``, positions in the space's grid order) and the choice."""

    spec: MixSpec
    space: DesignSpace
    objective: str
    constraints: list[Constraint]
    execution_choice: str
    area_mm2: np.ndarray
    power_w: np.ndarray
    headroom: np.ndarray
    feasible: np.ndarray  # meets every target and the constraints
    execution: np.ndarray  # 0 time, 1 spatial (the better of the two per configuration)
    feasible_by_execution: dict[str, int]
    latency_s: np.ndarray  # [n_app, n_cfg]
    response_s: np.ndarray  # [n_app, n_cfg]
    share_units: np.ndarray  # [n_app, n_cfg]
    best: int | None
    pareto: np.ndarray
    units: np.ndarray  # tensor units of each configuration
    utilization: np.ndarray  # time-multiplexed utilization at the required rates
    min_utilization: float  # lowest time-multiplexed utilization seen (diagnosis)
    resumed_parts: int = 0
    out_dir: Path | None = None

    def design(self, position: int) -> dict[str, Any]:
        """One configuration as a JSON-ready record: parameters, area, power, execution,
        headroom and every application's share, latency and rates."""
        from accelscope.jsonsafe import finite

        apps = {}
        for a, app in enumerate(self.spec.applications):
            lat = float(self.latency_s[a, position])
            time_shared = self.execution[position] == 0
            max_rate = (
                (app.rate_per_s or 0.0) * float(self.headroom[position])
                if time_shared
                else 1.0 / lat
            )
            apps[app.label] = {
                "model": app.model,
                "share": "whole accelerator (time multiplexed)"
                if time_shared
                else f"{int(self.share_units[a, position])} of "
                f"{int(self.units[position])} tensor units",
                "latency_s": lat,
                "response_s": float(self.response_s[a, position]),
                "latency_bound_s": app.latency_bound_s,
                "required_rate_per_s": app.rate_per_s,
                "rate_per_s": max_rate,
            }
        return finite(
            {
                "index": int(position),
                "configuration": self.space.design(int(position)),
                "area_mm2": float(self.area_mm2[position]),
                "power_w": float(self.power_w[position]),
                "execution": EXECUTIONS[int(self.execution[position])],
                "headroom": float(self.headroom[position]),
                "limited_by": self.limited_by(position),
                "applications": apps,
            }
        )

    def limited_by(self, position: int) -> str:
        """What stops the rates from growing further on this configuration: the
        accelerator's time (time multiplexing at full utilization), an application's
        latency bound, or an application's share of the units (spatial)."""
        apps = self.spec.applications
        head = float(self.headroom[position])
        if self.execution[position] == 0:
            util = float(self.utilization[position])
            if util > 0 and abs(head * util - 1.0) < 1e-6:
                return f"the accelerator's time: utilization {util:.3g} of 1 at the required rates"
            slack = [
                (app.latency_bound_s / float(self.response_s[a, position]), app.label)
                for a, app in enumerate(apps)
            ]
            return (
                f"the latency bound of '{min(slack)[1]}' (worst-case response grows with the rates)"
            )
        rates = [
            (app.rate_per_s or 0.0) * float(self.latency_s[a, position])
            for a, app in enumerate(apps)
        ]
        a = int(np.argmax(rates))
        units = int(self.share_units[a, position])
        name = apps[a].label
        return f"the share of '{name}': {units} tensor unit(s) busy {rates[a]:.3g} of the time"

    def diagnosis(self) -> str:
        """Why no configuration runs the mix (one sentence)."""
        return (
            f"no configuration of '{self.space.name}' runs the mix within its targets "
            f"({self.area_mm2.shape[0]:,} evaluated; time multiplexing needs utilization "
            f"<= 1, the lowest is {self.min_utilization:.3g}; spatial partitioning found "
            f"{self.feasible_by_execution['spatial']} feasible splits)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "mix",
            "mix": self.spec.name,
            "applications": [a.model_dump(exclude_none=True) for a in self.spec.applications],
            "space": self.space.name,
            "objective": self.objective,
            "execution": self.execution_choice,
            "constraints": [c.text for c in self.constraints],
            "evaluated": int(self.area_mm2.shape[0]),
            "resumed_parts": self.resumed_parts,
            "out_dir": None if self.out_dir is None else str(self.out_dir),
            "feasible": int(self.feasible.sum()),
            "feasible_by_execution": self.feasible_by_execution,
            "best": None if self.best is None else self.design(self.best),
            "pareto": [self.design(int(p)) for p in self.pareto],
        }


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


def _evaluated(spec, space, nets, out_dir, overwrite) -> tuple[dict[str, np.ndarray], int]:
    """Every grid point's chunk columns, in index order, evaluating only what *out_dir*
    does not hold yet (committed parts are kept when a run is interrupted). Returns
    (columns, parts resumed)."""
    from accelscope.search.chunks import chunk_tasks, grid_chunks
    from accelscope.store.parts import PartStore, ScratchDir

    run_spec = {
        "kind": "mix",
        "mix": spec.model_dump(mode="json"),
        "space": space.model_dump(mode="json", exclude={"constraints"}),
        "chunk": CHUNK,
    }
    tmp = ScratchDir(prefix="accelscope-mix-") if out_dir is None else None
    try:
        store = PartStore(out_dir if tmp is None else tmp.name, run_spec, overwrite=overwrite)
        done = frozenset(grid_chunks(store.names(), space.size, CHUNK))
        for name, rows in chunk_tasks(space.size, CHUNK, done):
            idx = np.arange(rows.start, rows.stop, dtype=np.int64)
            store.write(name, columns_table(evaluate_chunk(nets, spec, space, idx)))
        names = grid_chunks(store.names(), space.size, CHUNK)
        tables = [store.read(n) for n in names]
        cols = {
            c: np.concatenate([t.column(c).to_numpy() for t in tables])
            for c in tables[0].column_names
        }
        order = np.argsort(cols["index"], kind="stable")
        return {k: v[order] for k, v in cols.items()}, len(done)
    finally:
        if tmp is not None:
            tmp.cleanup()


def run_mix(
    spec: MixSpec,
    space: DesignSpace,
    *,
    objective: str = "area",
    constraints: list[str] | None = None,
    execution: str = "best",
    out_dir: str | Path | None = None,
    overwrite: bool = False,
) -> MixResult:
    """Evaluate every configuration of *space* for the mix (module docstring);
    *execution* restricts it to ``time`` multiplexing or ``spatial`` partitioning. With
    *out_dir*, every evaluated chunk is committed there and a rerun resumes."""
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
    n_app = len(apps)
    ev, resumed = _evaluated(spec, space, nets, out_dir, overwrite)
    n = ev["index"].shape[0]
    area = ev["area_mm2"].astype(np.float64)
    all_units = ev["units"].astype(np.int64)
    min_util = float(np.nanmin(ev["utilization"]))
    params_ok = np.ones(n, dtype=bool)
    params = space.columns(ev["index"]) if any(c.name in space.parameters for c in cons) else {}
    for c in cons:
        if c.name in params:
            params_ok &= c.holds(np.asarray(params[c.name], dtype=np.float64))
        elif c.name in ev:
            params_ok &= c.holds(np.asarray(ev[c.name], dtype=np.float64))
    fastest = np.array([
        np.min(np.where(np.isfinite(ev[f"t_latency_{a}"]), ev[f"t_latency_{a}"], np.inf))
        for a in range(n_app)
    ])  # fmt: skip

    def stack(key: str) -> np.ndarray:
        return np.stack([ev[f"{key}_{a}"] for a in range(n_app)])

    cat = {
        "tf": ev["t_feasible"].astype(bool), "th": ev["t_headroom"], "tp": ev["t_power_w"],
        "tl": stack("t_latency"), "tr": stack("t_response"),
        "sf": ev["s_feasible"].astype(bool), "sh": ev["s_headroom"], "sp": ev["s_power_w"],
        "sl": stack("s_latency"), "ss": stack("s_units"),
    }  # fmt: skip
    for a, app in enumerate(apps):
        if fastest[a] > app.latency_bound_s:
            raise NoFeasibleMixError(
                f"application '{app.label}' needs {app.latency_bound_s * 1e3:.4g} ms but the "
                f"fastest configuration takes {fastest[a] * 1e3:.4g} ms "
                f"(+{(fastest[a] / app.latency_bound_s - 1) * 100:.0f}%)"
            )

    def mix_ok(pw: np.ndarray, head: np.ndarray) -> np.ndarray:
        ok = params_ok.copy()
        for c in cons:
            if c.name == "power_w":
                ok &= c.holds(pw)
            elif c.name == "headroom":
                ok &= c.holds(head)
        return ok

    time_ok = cat["tf"] & mix_ok(cat["tp"], cat["th"]) & (execution != "spatial")
    spatial_ok = cat["sf"] & mix_ok(cat["sp"], cat["sh"]) & (execution != "time")
    # Per configuration the execution that meets everything, the larger headroom first.
    use_spatial = spatial_ok & (~time_ok | (cat["sh"] > cat["th"]))
    chosen = use_spatial.astype(np.int64)
    headroom = np.where(use_spatial, cat["sh"], cat["th"])
    power = np.where(use_spatial, cat["sp"], cat["tp"])
    latency = np.where(use_spatial[None, :], cat["sl"], cat["tl"])
    response = np.where(use_spatial[None, :], cat["sl"], cat["tr"])
    share = np.where(use_spatial[None, :], cat["ss"], 0)
    feasible = time_ok | spatial_ok
    best = _choose(objective, feasible, area, power, headroom)
    pareto = np.empty(0, dtype=np.int64)
    if feasible.any():
        from accelscope.search.pareto import pareto_mask

        rows = np.flatnonzero(feasible)
        mask = pareto_mask(np.column_stack([area[rows], -headroom[rows]]))
        pareto = rows[mask][np.argsort(area[rows][mask], kind="stable")]
    return MixResult(
        spec=spec,
        space=space,
        objective=objective,
        constraints=cons,
        execution_choice=execution,
        area_mm2=area,
        power_w=power,
        headroom=headroom,
        feasible=feasible,
        execution=chosen,
        feasible_by_execution={"time": int(time_ok.sum()), "spatial": int(spatial_ok.sum())},
        latency_s=latency,
        response_s=response,
        share_units=share,
        best=best,
        pareto=pareto,
        units=all_units,
        utilization=ev["utilization"],
        min_utilization=min_util,
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


def _choose(objective, feasible, area, power, headroom) -> int | None:
    """The best feasible position: least area or power (ties: more headroom, then the
    lower position), or most headroom (ties: less area)."""
    rows = np.flatnonzero(feasible)
    if rows.size == 0:
        return None
    if objective == "headroom":
        order = np.lexsort((rows, area[rows], -headroom[rows]))
    else:
        first = area if objective == "area" else power
        order = np.lexsort((rows, -headroom[rows], first[rows]))
    return int(rows[order[0]])
