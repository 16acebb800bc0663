"""Designs side by side: every design on every network, with each metric relative to the
first design (the baseline), energy and area by component, latency by bound, and the
layers whose latency differs most (``accelscope compare``).

Designs may belong to different targets (an ASIC configuration next to an FPGA design);
each is evaluated by its own target, and metrics a target does not model are left out of
its column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Metrics compared, in display order (those a design's target reports).
METRICS: tuple[str, ...] = (
    "latency_s",
    "throughput_per_s",
    "energy_j",
    "power_w",
    "area_mm2",
    "utilization",
    "dram_bytes",
    "gops",
    "dsp_efficiency",
)
#: Layers listed per network and design where latency differs most from the baseline.
TOP_LAYER_DIFFERENCES = 5


@dataclass(frozen=True)
class Design:
    """A design to compare: its label (as the user named it) and its target's spec."""

    label: str
    spec: Any

    @property
    def target(self) -> str:
        return getattr(self.spec, "target", "asic")


def bound_shares(layers: list[dict[str, Any]]) -> dict[str, float]:
    """Share of the network's layer time in layers of each bound (sums to 1)."""
    total = sum(float(la.get("cycles") or 0.0) for la in layers)
    shares: dict[str, float] = {}
    for la in layers:
        cycles = float(la.get("cycles") or 0.0)
        if cycles > 0 and la.get("bound"):
            shares[la["bound"]] = shares.get(la["bound"], 0.0) + cycles / total
    return dict(sorted(shares.items(), key=lambda x: -x[1]))


def _layer_seconds(doc: dict[str, Any]) -> dict[str, float]:
    clock_hz = doc["latency_cycles"] / doc["latency_s"] if doc.get("latency_s") else 0.0
    if not clock_hz:
        return {}
    return {la["name"]: float(la.get("cycles") or 0.0) / clock_hz for la in doc["layers"]}


def _relative(value: Any, base: Any) -> float | None:
    if value is None or base is None or not base:
        return None
    return float(value) / float(base)


def compare_designs(networks: list[Any], designs: list[Design]) -> dict[str, Any]:
    """The comparison document (the ``--json`` of ``accelscope compare``)."""
    from accelscope.targets import get_target

    out_networks = []
    for net in networks:
        docs = [get_target(d.target).report(net, d.spec) for d in designs]
        base = docs[0]
        base_layers = _layer_seconds(base)
        results = []
        for design, doc in zip(designs, docs, strict=True):
            entry: dict[str, Any] = {"design": design.label, "target": design.target}
            entry.update({m: doc[m] for m in METRICS if m in doc})
            entry["relative"] = {
                m: _relative(doc.get(m), base.get(m)) for m in METRICS if m in doc and m in base
            }
            for key in ("energy_breakdown_j", "area_breakdown_mm2", "resources"):
                if key in doc:
                    entry[key] = doc[key]
            entry["latency_by_bound"] = bound_shares(doc["layers"])
            if design is not designs[0]:
                mine = _layer_seconds(doc)
                diffs = [
                    {"layer": name, "baseline_s": base_layers[name], "latency_s": t,
                     "difference_s": t - base_layers[name]}
                    for name, t in mine.items()
                    if name in base_layers
                ]  # fmt: skip
                diffs.sort(key=lambda d: -abs(d["difference_s"]))
                entry["largest_layer_differences"] = [
                    d for d in diffs[:TOP_LAYER_DIFFERENCES] if d["difference_s"] != 0
                ]
            results.append(entry)
        out_networks.append({"network": net.name, "batch": net.batch, "results": results})
    return {
        "kind": "compare",
        "baseline": designs[0].label,
        "designs": [
            {"label": d.label, "target": d.target, "spec": d.spec.model_dump(mode="json")}
            for d in designs
        ],
        "metrics": list(METRICS),
        "networks": out_networks,
    }
