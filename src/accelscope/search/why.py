"""Why the best design of an exploration is best: what bounds it, which parameter moves
the objective most around it, and what the runner-up trades.

* **Bounds**: the share of the best design's latency spent in layers of each bound
  (compute, memory, vector; on an FPGA compute or DRAM).
* **Sensitivity** (one at a time): for every parameter that varies in the space, the
  evaluated designs that equal the best in every *other* varying parameter and meet the
  constraints; the objective of each of its values, and the spread (worst / best, ``x``).
  Computed by streaming the committed table, so memory stays bounded.
* **Runner-up**: the second of the top list, the parameters where it differs and its
  metrics as multiples of the best's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Metrics compared between the best design and the runner-up.
TRADE_METRICS = (
    "latency_s", "throughput_per_s", "energy_j", "area_mm2", "power_w", "gops", "dsp", "bram18",
)  # fmt: skip


def varying_parameters(result: Any) -> list[str]:
    """Free parameters of the space with more than one value."""
    return [name for name, values in result.space.axes if len(values) > 1]


def sensitivity(result: Any, best: dict[str, Any]) -> list[dict[str, Any]]:
    """One-at-a-time sensitivity of the first objective around *best* (module docstring),
    largest spread first."""
    obj = result.objectives[0]
    # Parameters the best design has (an FPGA pipeline has no generic engine).
    params = [p for p in varying_parameters(result) if best.get(p) is not None]
    found: dict[str, dict[Any, float]] = {p: {} for p in params}
    for piece in result.iter_table():
        ok = piece.column("meets_constraints").to_numpy(zero_copy_only=False).astype(bool)
        if not ok.any():
            continue
        cols = {p: piece.column(p).to_numpy(zero_copy_only=False) for p in params}
        value = obj.as_minimized(piece.column(obj.metric).to_numpy(zero_copy_only=False))
        same = {p: cols[p] == best[p] for p in params}
        for p in params:
            mask = ok.copy()
            for q in params:
                if q != p:
                    mask &= same[q]
            for v, m in zip(cols[p][mask].tolist(), value[mask].tolist(), strict=True):
                if v not in found[p] or m < found[p][v]:
                    found[p][v] = m
    out = []
    sign = -1.0 if obj.direction == "max" else 1.0
    for p in params:
        values = found[p]
        if len(values) < 2:
            continue
        oriented = np.array(list(values.values()))
        lo, hi = float(oriented.min()), float(oriented.max())
        spread = hi / lo if obj.direction == "min" and lo > 0 else (lo / hi if hi < 0 else None)
        out.append(
            {
                "parameter": p,
                "best_value": best[p],
                "objective": obj.metric,
                "values": [
                    {"value": v, obj.metric: sign * m}
                    for v, m in sorted(values.items(), key=lambda x: str(x[0]))
                ],
                "spread": spread,
            }
        )
    out.sort(key=lambda s: -(s["spread"] or 0.0))
    return out


def runner_up(best: dict[str, Any], second: dict[str, Any] | None, keys: tuple[str, ...]):
    """What the second design changes (parameters) and gives or gains (metric ratios)."""
    if second is None:
        return None
    differs = {
        k: {"best": best.get(k), "runner_up": second.get(k)}
        for k in keys
        if k in best and best.get(k) != second.get(k)
    }
    ratios = {
        m: second[m] / best[m]
        for m in TRADE_METRICS
        if isinstance(best.get(m), int | float) and best.get(m) and second.get(m) is not None
    }
    return {"index": second.get("index"), "differs": differs, "relative": ratios}


def explain(result: Any, doc: dict[str, Any]) -> dict[str, Any] | None:
    """The ``why`` section of an explore document (None without a best design)."""
    from accelscope.compare import bound_shares

    best = doc.get("best")
    if best is None or result.space is None:
        return None
    top = doc.get("top") or []
    second = next((d for d in top if d.get("index") != best.get("index")), None)
    return {
        "latency_by_bound": bound_shares(doc.get("best_layers") or []),
        "sensitivity": sensitivity(result, best),
        "runner_up": runner_up(best, second, result.space.target_model.design_keys),
    }


def sentences(why: dict[str, Any]) -> list[str]:
    """The ``why`` section in words (for the terminal and the report)."""
    lines = []
    bounds = why.get("latency_by_bound") or {}
    if bounds:
        lines.append(
            "the best design spends its latency in "
            + ", ".join(f"{b}-bound layers {100 * s:.0f}%" for b, s in bounds.items())
        )
    sens = [s for s in why.get("sensitivity") or [] if s["spread"]]
    if sens:
        top = sens[0]
        lines.append(
            f"around it the objective moves most with {top['parameter']} "
            f"(x{top['spread']:.3g} between its best and worst value among designs that "
            "differ only there"
            + (f"; next: {', '.join(s['parameter'] for s in sens[1:3])}" if len(sens) > 1 else "")
            + ")"
        )
    ru = why.get("runner_up")
    if ru:
        changes = ", ".join(
            f"{k} {_text(v['best'])}->{_text(v['runner_up'])}"
            for k, v in list(ru["differs"].items())[:4]
        )
        trades = ", ".join(
            f"{m} x{r:.3g}" for m, r in ru["relative"].items() if abs(r - 1.0) > 1e-9
        )
        lines.append(
            f"the runner-up ({changes or 'same parameters'}) has " + (trades or "the same metrics")
        )
    return lines


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
