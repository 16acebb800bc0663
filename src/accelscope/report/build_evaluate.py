"""Report of ``accelscope evaluate``: one network on one accelerator."""

from __future__ import annotations

from typing import Any

from accelscope.report.layer_tables import bound_share_text, layer_section
from accelscope.report.layers import Roofs
from accelscope.report.model import Card, ReportModel, Section, provenance_rows, spec_yaml
from accelscope.report.units import format_value


def arch_facts(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """Key facts of an ``arch_spec`` document, with units."""
    tu = spec.get("tensor_units") or {}
    buf = spec.get("buffers") or {}
    if buf.get("unified_kib") is not None:
        buffers = f"{buf['unified_kib']:g} KiB unified"
    else:
        buffers = (
            f"input {buf.get('input_kib') or 0:g} / weight {buf.get('weight_kib') or 0:g} / "
            f"output {buf.get('output_kib') or 0:g} KiB"
        )
    if buf.get("double_buffering"):
        buffers += ", double-buffered"
    roofs = Roofs.from_arch_spec(spec)
    return [
        (
            "tensor units",
            f"{tu.get('count')} x {tu.get('rows')}x{tu.get('cols')} {tu.get('dataflow', '')}",
        ),
        ("clock", f"{float(spec.get('clock_mhz', 0)):g} MHz"),
        ("peak", f"{roofs.peak_macs_per_s / 1e12:.4g} TMAC/s"),
        ("vector lanes", str((spec.get("vector_unit") or {}).get("lanes", "-"))),
        ("buffers", buffers),
        ("DRAM bandwidth", f"{float((spec.get('dram') or {}).get('bandwidth_gbps', 0)):g} GB/s"),
        ("precision", str(spec.get("precision", "-"))),
        ("technology", str(spec.get("technology", "-"))),
    ]


def build(doc: dict[str, Any], source: str | None = None) -> ReportModel:
    spec = doc.get("arch_spec") or {}
    network = str(doc.get("network", "network"))
    arch = str(doc.get("arch", spec.get("name", "arch")))
    layers = doc.get("layers") or []
    model = ReportModel(
        kind="evaluate",
        title=f"{network} on {arch}",
        subtitle=f"Evaluation of one network on one accelerator, batch {doc.get('batch', '-')}",
    )
    model.cards = [
        Card("latency", format_value("latency_s", doc.get("latency_s"))),
        Card(
            "throughput",
            format_value("throughput_per_s", doc.get("throughput_per_s")),
            "inferences per second",
        ),
        Card("energy", format_value("energy_j", doc.get("energy_j")), "per inference"),
        Card("area", format_value("area_mm2", doc.get("area_mm2"))),
        Card("power", format_value("power_w", doc.get("power_w"))),
        Card("utilization", format_value("utilization", doc.get("utilization")), "of PE-cycles"),
        Card("DRAM traffic", format_value("dram_bytes", doc.get("dram_bytes")), "per inference"),
    ]
    model.facts = [
        ("network", network),
        ("batch", str(doc.get("batch", "-"))),
        ("precision", str(doc.get("precision", "-"))),
        ("accelerator", arch),
    ]
    if spec.get("description"):
        model.facts.append(("description", str(spec["description"])))
    if spec:
        model.facts += arch_facts(spec)
        roofs = Roofs.from_arch_spec(spec)
        model.facts.append(
            ("latency by bound", bound_share_text(layers, roofs.clock_mhz) if layers else "-")
        )
        if layers:
            model.sections.append(
                layer_section(
                    layers,
                    roofs,
                    network,
                    key="layers",
                    title="Per-layer analysis",
                    intro=(
                        "Where the time goes and what bounds each layer: compute (the PE "
                        "arrays), memory (DRAM bandwidth) or vector (the vector unit)."
                    ),
                )
            )
    else:
        model.notes.append("The result has no arch_spec: per-layer figures are not drawn.")
    from accelscope.report.breakdown import area_figure, energy_figure

    figures = [
        f
        for f in (energy_figure(doc), area_figure(doc.get("area_breakdown_mm2") or {}))
        if f is not None
    ]
    if figures:
        model.sections.append(
            Section(
                key="breakdown",
                title="Where energy and area go",
                intro="Energy by component per layer, and the die area by component "
                "(docs/assumptions.md states each constant).",
                figures=figures,
            )
        )
    if doc.get("unsupported"):
        model.notes.append(
            "Unsupported operators costed as zero (placeholders): "
            + ", ".join(str(u) for u in doc["unsupported"])
        )
    model.provenance = provenance_rows(doc, source)
    if spec:
        model.specs.append((f"accelerator spec: {arch}", spec_yaml(spec)))
    return model
