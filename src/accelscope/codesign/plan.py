"""Whole-network width plans under a goal, checked exactly on the cost model.

Goals:

* ``max-params`` — maximize parameters with latency <= the original latency
  (times ``latency_budget``, default 1.0);
* ``min-latency`` — minimize latency with parameters >= ``min_params_fraction`` of the
  original (default 0.9).

Every layer is either left unchanged or moved to one of its swept candidate widths (which
carry the per-layer bounds and multiples). Method (a heuristic; the result is always
verified exactly):

1. **Lagrangian candidates.** Treating the per-layer curves as independent, for a price
   ``lam`` (parameters per second of latency) every layer picks the width maximizing
   ``dparams - lam * dlatency``; ``lam`` runs over 0, the quantiles of the curves' own
   ``|dparams / dlatency|`` ratios, and infinity. Each distinct assignment is applied to
   the IR and evaluated exactly; the best one meeting the goal's constraint is kept (the
   unchanged network always meets it).
2. **Exact polishing.** Curves are interdependent when two knobs resize the same layer (a
   convolution whose input and output widths both move), so the plan is refined by
   exact single-layer moves: all knobs are re-swept on the current plan (one vectorized
   pass) and the best move that keeps the constraint is applied, until none improves or
   ``polish_rounds`` is reached.

The constraint is therefore guaranteed on the exact model, while optimality is not.

Two rules keep the plan from buying tiny gains with large structural changes:

* layers whose width does not change the parameter count (attention heads at a fixed
  model width) are left as they are under ``max-params``: they cannot add parameters,
  so moving them would only free latency for other layers -- a structural change of
  every such layer for a small gain elsewhere (under ``min-latency`` they are levers
  unless their curve is flat: latency within ``FLAT_PCT`` over the whole sweep);
* the plan must improve its goal by at least ``min_gain_pct`` percent (parameters for
  ``max-params``, latency for ``min-latency``; default 1 %), otherwise it keeps the
  original widths and says so (``Plan.note``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from accelscope.codesign.curves import REL_TOL
from accelscope.codesign.propagate import CodesignError
from accelscope.codesign.resize_ir import resize
from accelscope.codesign.sweep import SweepResult, sweep_knobs, target_of_spec
from accelscope.workload.network import Network

if TYPE_CHECKING:  # pragma: no cover
    from accelscope.targets.asic.arch import Arch

GOALS = ("max-params", "min-latency")


@dataclass(frozen=True)
class Plan:
    """A planned set of widths, the reshaped network and its exact figures."""

    goal: str
    widths: dict[str, int]
    original: dict[str, int]
    network: Network
    latency_s: float
    latency_s_before: float
    energy_j: float
    energy_j_before: float
    params: int
    params_before: int
    constraint: str
    note: str = ""

    @property
    def changes(self) -> dict[str, tuple[int, int]]:
        """``{layer: (old width, new width)}`` for the layers that change."""
        return {n: (self.original[n], w) for n, w in self.widths.items() if w != self.original[n]}

    def to_dict(self) -> dict[str, Any]:
        lat_pct = (self.latency_s / self.latency_s_before - 1) * 100
        return {
            "goal": self.goal,
            "constraint": self.constraint,
            "widths": dict(self.widths),
            "changes": [{"name": n, "from": a, "to": b} for n, (a, b) in self.changes.items()],
            "latency_s_before": self.latency_s_before,
            "latency_s": self.latency_s,
            "latency_change_pct": lat_pct,
            "energy_j_before": self.energy_j_before,
            "energy_j": self.energy_j,
            "params_before": self.params_before,
            "params": self.params,
            "params_change": self.params - self.params_before,
            "params_change_pct": (self.params / self.params_before - 1) * 100
            if self.params_before
            else 0.0,
            "note": self.note or None,
        }


def _exact(network: Network, spec: Any) -> tuple[float, float]:
    """Whole-network latency (s) and energy (J) of *network* on *spec* (any target)."""
    return target_of_spec(spec).totals(network, spec)


def _lagrangian_assignments(result: SweepResult) -> list[tuple[int, ...]]:
    """Distinct per-knob index choices for a range of latency prices."""
    dls, dps = [], []
    for c in result.curves:
        dl = c.latency_s - result.latency_s
        dp = (c.params - result.params).astype(np.float64)
        dls.append(np.where(np.isfinite(dl), dl, np.inf))
        dps.append(dp)
    ratios = np.concatenate(
        [
            np.abs(dp[(dl != 0) & np.isfinite(dl)] / dl[(dl != 0) & np.isfinite(dl)])
            for dl, dp in zip(dls, dps, strict=True)
        ]
        or [np.zeros(0)]
    )
    ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
    lams = [0.0]
    if ratios.size:
        lams += list(np.quantile(ratios, np.linspace(0, 1, 41)))
    lams.append(np.inf)
    seen: dict[tuple[int, ...], None] = {}
    for lam in lams:
        choice = []
        for c, dl, dp in zip(result.curves, dls, dps, strict=True):
            feas = np.isfinite(dl)
            if np.isinf(lam):
                score = np.where(feas, -dl, -np.inf)
                best = np.flatnonzero(score >= score.max() - REL_TOL * result.latency_s)
                choice.append(int(best[np.argmax(dp[best])]))
                continue
            with np.errstate(invalid="ignore"):
                score = np.where(feas, dp - lam * np.where(feas, dl, 0.0), -np.inf)
            top = np.flatnonzero(score == score.max())
            choice.append(int(top[np.argmin(dl[top])]) if top.size else c.current)
        seen[tuple(choice)] = None
    return list(seen)


def _better(goal: str, cand: tuple[float, int], best: tuple[float, int]) -> bool:
    lat, params = cand
    blat, bparams = best
    if goal == "max-params":
        return params > bparams or (params == bparams and lat < blat * (1 - REL_TOL))
    return lat < blat * (1 - REL_TOL) or (lat <= blat * (1 + REL_TOL) and params > bparams)


def _moves(res: SweepResult, goal: str, ok: Any, best: tuple[float, int]) -> list[tuple]:
    """Single-layer moves from the current plan that keep the constraint and improve the
    goal, best first: ``(sort key, layer, width, dlatency, dparams)``."""
    out = []
    for c in res.curves:
        for j in range(len(c.widths)):
            fig = (float(c.latency_s[j]), int(c.params[j]))
            if ok(*fig) and _better(goal, fig, best):
                dl, dp = fig[0] - best[0], fig[1] - best[1]
                key = (-dp, dl) if goal == "max-params" else (dl, -dp)
                out.append((key, c.name, int(c.widths[j]), dl, dp))
    out.sort(key=lambda m: m[0])
    return out


def _disjoint(
    moves: list[tuple], res: SweepResult, goal: str, ok: Any, best: tuple[float, int]
) -> list[tuple[str, int]]:
    """Greedy set of moves on knobs that change disjoint layers (their effects add up
    exactly: latency, energy and parameters are sums over layers) that together still
    meet the constraint."""
    touched: set[str] = set()
    layers = {c.name: set(c.knob.layers) for c in res.curves}
    taken: dict[str, int] = {}
    lat, params = best
    for _, name, width, dl, dp in moves:
        if name in taken or layers[name] & touched:
            continue
        fig = (lat + dl, params + dp)
        if not ok(*fig):
            continue
        taken[name] = width
        touched |= layers[name]
        lat, params = fig
    return list(taken.items())


def make_plan(
    network: Network,
    arch: Arch,
    result: SweepResult,
    goal: str = "max-params",
    *,
    min_params_fraction: float = 0.9,
    latency_budget: float = 1.0,
    polish_rounds: int = 8,
    min_gain_pct: float = 1.0,
    latency_of: Callable[[dict[str, int]], float] | None = None,
) -> Plan:
    """Plan new widths for the swept layers of *result* under *goal* (see module doc).

    *latency_of* replaces the cost model as the exact check (``{knob: width}`` of the
    changed knobs -> latency, s; e.g. a measurement): the Lagrangian candidates are each
    checked with it, there is no polishing (it needs per-layer costs), and the plan's
    energy is NaN."""
    if goal not in GOALS:
        raise CodesignError(f"unknown goal '{goal}'; expected one of: {', '.join(GOALS)}")
    if not min_params_fraction > 0:
        raise CodesignError(f"min_params_fraction must be > 0, got {min_params_fraction}")
    if not latency_budget > 0:
        raise CodesignError(f"latency_budget must be > 0, got {latency_budget}")
    cfg = arch
    levers = [c for c in result.curves if not _not_a_lever(c, goal)]
    left_alone = [c.name for c in result.curves if _not_a_lever(c, goal)]
    result = dataclasses.replace(result, curves=levers)
    curves = result.curves
    knobs = [c.knob for c in curves]
    cands = [c.widths for c in curves]
    lat0, en0, p0 = result.latency_s, result.energy_j, result.params
    max_lat = lat0 * latency_budget * (1 + REL_TOL)
    min_params = min_params_fraction * p0
    constraint = (
        f"latency <= {latency_budget:g} x original"
        if goal == "max-params"
        else f"params >= {min_params_fraction:g} x original"
    )

    def ok(lat: float, params: int) -> bool:
        return lat <= max_lat if goal == "max-params" else params >= min_params and np.isfinite(lat)

    original = {k.name: k.width for k in knobs}

    def exact(widths: dict[str, int], net: Network) -> tuple[float, float]:
        if latency_of is None:
            return _exact(net, cfg)
        changed = {n: w for n, w in widths.items() if w != original[n]}
        if not changed:  # the swept network itself: its figure, not a new measurement
            return lat0, en0
        return latency_of(changed), float("nan")

    if latency_of is not None:
        polish_rounds = 0
    best_w = dict(original)
    best_net, best_fig = network, (lat0, p0)
    for choice in _lagrangian_assignments(result):
        widths = {k.name: int(c.widths[i]) for k, c, i in zip(knobs, curves, choice, strict=True)}
        if widths == best_w:
            continue
        net = resize(network, [(k, widths[k.name]) for k in knobs])
        lat, _ = exact(widths, net)
        fig = (lat, net.total_params())
        if ok(*fig) and _better(goal, fig, best_fig):
            best_w, best_net, best_fig = widths, net, fig

    for _ in range(polish_rounds if knobs else 0):
        current = [dataclasses.replace(k, width=best_w[k.name]) for k in knobs]
        res = sweep_knobs(best_net, arch, current, cands)
        moves = _moves(res, goal, ok, best_fig)
        if not moves:
            break
        trial_w = dict(best_w)
        for name, width in _disjoint(moves, res, goal, ok, best_fig):
            trial_w[name] = width
        net = resize(network, [(k, trial_w[k.name]) for k in knobs])
        fig = (_exact(net, cfg)[0], net.total_params())
        if not (ok(*fig) and _better(goal, fig, best_fig)):  # cannot happen for disjoint moves
            _, name, width, *_ = moves[0]
            trial_w = {**best_w, name: width}
            net = resize(network, [(k, trial_w[k.name]) for k in knobs])
            fig = (_exact(net, cfg)[0], net.total_params())
        best_w, best_net, best_fig = trial_w, net, fig

    notes = []
    if left_alone:
        why = (
            "their width does not change the parameters"
            if goal == "max-params"
            else "their latency is flat and their width does not change the parameters"
        )
        notes.append(f"{len(left_alone)} layer(s) left as they are: {why}")
    gain = (best_fig[1] / p0 - 1) * 100 if goal == "max-params" else (1 - best_fig[0] / lat0) * 100
    if best_w != original and gain < min_gain_pct:
        what = "parameters" if goal == "max-params" else "latency"
        notes.append(
            f"no change kept: the best plan improves {what} by {gain:.2f}%, less than the "
            f"{min_gain_pct:g}% minimum gain (--min-gain)"
        )
        best_w = dict(original)
    best_net = resize(network, [(k, best_w[k.name]) for k in knobs], name=f"{network.name}-plan")
    lat, energy = exact(best_w, best_net)
    return Plan(
        goal=goal,
        widths=best_w,
        original=original,
        network=best_net,
        latency_s=lat,
        latency_s_before=lat0,
        energy_j=energy,
        energy_j_before=en0,
        params=best_net.total_params(),
        params_before=p0,
        constraint=constraint,
        note="; ".join(notes),
    )


def _not_a_lever(curve: Any, goal: str) -> bool:
    """Whether the plan leaves this layer alone (module docstring): its width never
    changes the parameter count, and the goal is parameters or its curve is flat."""
    from accelscope.codesign.recommend import FLAT_PCT

    if int(curve.params.max()) != int(curve.params.min()):
        return False
    if goal == "max-params":
        return True
    lat = curve.latency_s[np.isfinite(curve.latency_s)]
    lat0 = float(curve.latency_s[curve.current])
    return bool(lat.size) and lat0 > 0 and (lat.max() - lat.min()) / lat0 * 100.0 <= FLAT_PCT
