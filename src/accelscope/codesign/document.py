"""JSON-ready result document of a co-design run and its files (``--out DIR``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from accelscope.codesign.plan import Plan
from accelscope.codesign.recommend import curve_analysis, curve_shape, plateaus, recommend
from accelscope.codesign.sweep import Curve, SweepResult


def layer_entry(curve: Curve, result: SweepResult) -> dict[str, Any]:
    """One swept layer or residual group: width, latency share (of the group's members
    together), curve, shape analysis, recommendations."""
    an = curve_analysis(curve)
    w = curve.widths
    own = sum(result.layer_latency_s.get(n, 0.0) for n in curve.knob.owners)
    measured = result.backend == "measured"  # a layer's own share is not measured
    return {
        "name": curve.name,
        "group": curve.knob.group or None,
        "members": list(curve.knob.owners),
        "op": curve.knob.op,
        "field": curve.knob.field,
        "width": curve.knob.width,
        "latency_s": None if measured else own,
        "latency_share": None if measured else own / result.latency_s if result.latency_s else 0.0,
        "changed_layers": list(curve.knob.layers),
        "curve": [[int(a), float(b)] for a, b in zip(w, curve.latency_s, strict=True)],
        "curve_energy_j": [float(e) for e in curve.energy_j],
        "curve_params": [int(p) for p in curve.params],
        "shape": curve_shape(curve, an),
        "plateaus": [[int(w[a]), int(w[b])] for a, b in plateaus(curve, an)],
        "cliffs": [[int(w[i]), int(w[i + 1])] for i in an.cliffs],
        "non_monotonic": [int(x) for x in w[an.non_monotonic]],
        "dominated": bool(an.dominated[curve.current]),
        "recommendations": [r.to_dict() for r in recommend(curve, an)],
    }


def document(
    result: SweepResult,
    plan: Plan | None,
    *,
    arch_name: str,
    lo: float,
    hi: float,
    multiple: int,
) -> dict[str, Any]:
    """The ``accelscope codesign`` result document (without provenance)."""
    net = result.network
    return {
        "kind": "codesign",
        "latency_backend": result.backend,
        "network": net.name,
        "arch": arch_name,
        "batch": net.batch,
        "range": [lo, hi],
        "multiple": multiple,
        "latency_s": result.latency_s,
        "energy_j": result.energy_j,
        "params": result.params,
        "layers": [layer_entry(c, result) for c in result.curves],
        "excluded": [{"name": e.name, "reason": e.reason} for e in result.excluded],
        "plan": plan.to_dict() if plan is not None else None,
    }


def write_outputs(out_dir: Path, doc: dict[str, Any], plan: Plan | None) -> None:
    """``summary.json``, ``curves.csv`` (layer, width, latency_s, energy_j, params) and
    ``plan.yaml`` (the reshaped network, loadable with ``accelscope workload show``)."""
    import io

    import yaml

    from accelscope.store.parts import atomic_write_text

    check_out_dir(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    from accelscope.jsonsafe import dumps

    atomic_write_text(out_dir / "summary.json", dumps(doc, indent=2) + "\n")
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(["layer", "width", "latency_s", "energy_j", "params"])
    for layer in doc["layers"]:
        rows = zip(layer["curve"], layer["curve_energy_j"], layer["curve_params"], strict=True)
        for (width, lat), energy, params in rows:
            writer.writerow([layer["name"], width, repr(lat), repr(energy), params])
    atomic_write_text(out_dir / "curves.csv", buf.getvalue())
    if plan is not None:
        text = yaml.safe_dump(plan.network.to_yaml_dict(), sort_keys=False)
        atomic_write_text(out_dir / "plan.yaml", text)


def check_out_dir(out_dir: Path) -> None:
    """Fail early (before any work) when *out_dir* exists and is not a directory."""
    from accelscope.errors import InputFileError

    if out_dir.exists() and not out_dir.is_dir():
        raise InputFileError(f"{out_dir}: exists and is not a directory")
