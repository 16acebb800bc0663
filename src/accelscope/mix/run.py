"""Search a design space for a mix: per configuration the best execution (time
multiplexing or a spatial partition of the tensor units), then the cheapest feasible
configuration under the objective and the (area, headroom) Pareto front.

Memory holds a few numbers per configuration (like ``multi``); evaluation runs in chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError, SpecError
from accelscope.mix.execution import MixColumns, spatial, time_multiplexed
from accelscope.mix.spec import MixSpec
from accelscope.search.constraints import Constraint, parse_constraint
from accelscope.search.space import DesignSpace

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
    min_utilization: float  # lowest time-multiplexed utilization seen (diagnosis)

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
                **self.space.design(int(position)),
                "area_mm2": float(self.area_mm2[position]),
                "power_w": float(self.power_w[position]),
                "execution": EXECUTIONS[int(self.execution[position])],
                "headroom": float(self.headroom[position]),
                "applications": apps,
            }
        )

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


def run_mix(
    spec: MixSpec,
    space: DesignSpace,
    *,
    objective: str = "area",
    constraints: list[str] | None = None,
    execution: str = "best",
) -> MixResult:
    """Evaluate every configuration of *space* for the mix (module docstring);
    *execution* restricts it to ``time`` multiplexing or ``spatial`` partitioning."""
    from accelscope.targets.asic.cost import evaluate_batch
    from accelscope.targets.asic.partition import partition_configs

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
    rates = np.array([a.rate_per_s or 0.0 for a in apps])
    bounds = np.array([a.latency_bound_s for a in apps])
    prios = np.array([a.priority for a in apps])
    n_app, n = len(apps), space.size
    area = np.empty(n)
    all_units = np.empty(n, dtype=np.int64)
    min_util = np.inf
    params_ok = np.ones(n, dtype=bool)
    cols: dict[str, list] = {
        k: [] for k in ("tf", "th", "tp", "tl", "tr", "sf", "sh", "sp", "sl", "ss")
    }
    fastest = np.full(n_app, np.inf)
    for start in range(0, n, CHUNK):
        idx = np.arange(start, min(start + CHUNK, n))
        params = space.columns(idx)
        cfg = space.configs(idx)
        metrics = space.target_model.evaluate_points(nets[0], params)
        area[idx] = metrics["area_mm2"]
        for c in cons:
            if c.name in params:
                params_ok[idx] &= c.holds(np.asarray(params[c.name], dtype=np.float64))
            elif c.name in metrics and c.name not in ("power_w",):
                params_ok[idx] &= c.holds(np.asarray(metrics[c.name], dtype=np.float64))
        whole = [evaluate_batch(net, cfg) for net in nets]
        lat = np.stack([np.asarray(r.latency_s) for r in whole])
        energy = np.stack([np.asarray(r.energy_j) for r in whole])
        fastest = np.minimum(fastest, np.where(np.isfinite(lat), lat, np.inf).min(axis=1))
        tm = time_multiplexed(lat, energy, rates, bounds, prios)
        min_util = min(min_util, float(np.nanmin((rates[:, None] * lat).sum(axis=0))))
        units = cfg.units.astype(np.int64)
        all_units[idx] = units
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
        for key, mc in (("t", tm), ("s", sp)):
            cols[key + "f"].append(mc.feasible)
            cols[key + "h"].append(mc.headroom)
            cols[key + "p"].append(mc.power_w)
            cols[key + "l"].append(mc.latency_s)
            cols[key + "r" if key == "t" else key + "s"].append(
                mc.response_s if key == "t" else mc.share_units
            )
    cat = {k: np.concatenate(v, axis=-1) for k, v in cols.items()}
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
    execution = use_spatial.astype(np.int64)
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
        execution=execution,
        feasible_by_execution={"time": int(time_ok.sum()), "spatial": int(spatial_ok.sum())},
        latency_s=latency,
        response_s=response,
        share_units=share,
        best=best,
        pareto=pareto,
        units=all_units,
        min_utilization=min_util,
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
