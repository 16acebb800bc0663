"""``accelscope compare``: designs side by side on one or more networks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from accelscope.commands.common import (
    AllowUnsupportedOpt,
    BatchOpt,
    CsvOpt,
    InputShapeOpt,
    JsonOpt,
    PlotlyJsOpt,
    PngOpt,
    ReportOpt,
    SeqOpt,
    emit_json,
    load_design_spec,
    load_network,
    out,
    provenance,
    write_csv_if_asked,
    write_report_if_asked,
)
from accelscope.console import Table
from accelscope.errors import SpecError
from accelscope.fmt import joules, percent, seconds, si


def resolve_design(text: str):
    """A design named on the command line: ``RUN_DIR`` or ``RUN_DIR#RANK`` (a design of an
    explore or multi result), ``fpga:BOARD[:PARADIGM[:PRECISION]]``, an ASIC preset, or an
    arch / FPGA design YAML."""
    from accelscope.compare import Design

    base = text.partition("#")[0]
    path = Path(base)
    if path.is_dir() or (path.name == "summary.json" and path.is_file()):
        from accelscope.search.export import design_arch, read_result_document

        doc, rank = read_result_document(text)
        return Design(text, design_arch(doc, rank, name=text))
    if text.startswith("fpga:"):
        fields = text.split(":")[1:]
        if not 1 <= len(fields) <= 3 or not fields[0]:
            raise SpecError(f"'{text}': expected fpga:BOARD[:PARADIGM[:PRECISION]]")
        board, paradigm, precision = (fields + [None, None])[:3]
        return Design(text, load_design_spec(text, "fpga", board, paradigm, precision))
    return Design(text, load_design_spec(text))


def command(
    designs: Annotated[
        list[str],
        typer.Argument(
            help="Designs: ASIC presets, arch or FPGA design YAML files, RUN_DIR[#RANK] of "
            "an explore/multi result, or fpga:BOARD[:PARADIGM[:PRECISION]]. The first is "
            "the baseline."
        ),
    ],
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Network to compare on (repeatable; default resnet-50)."),
    ] = None,
    batch: BatchOpt = None,
    seq_len: SeqOpt = None,
    input_shape: InputShapeOpt = None,
    allow_unsupported: AllowUnsupportedOpt = False,
    report: ReportOpt = None,
    png: PngOpt = None,
    plotly_js: PlotlyJsOpt = "inline",
    csv: CsvOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Compare designs side by side: latency, throughput, energy and area (by component),
    power, utilization, latency by bound and the layers that differ most, relative to the
    first design."""
    from accelscope.compare import compare_designs

    if len(designs) < 2:
        raise SpecError("give at least two designs to compare")
    resolved = [resolve_design(d) for d in designs]
    labels = [d.label for d in resolved]
    if len(set(labels)) != len(labels):
        raise SpecError(f"a design is named twice: {', '.join(labels)}")
    models = model or ["resnet-50"]
    nets = [load_network(m, batch, seq_len, input_shape, allow_unsupported) for m in models]
    doc = compare_designs(nets, resolved)
    doc["provenance"] = provenance()
    write_report_if_asked(doc, report, png, plotly_js)
    write_csv_if_asked(csv, rows=_csv_rows(doc))
    if json_out:
        emit_json(doc)
        return
    for net in doc["networks"]:
        _print_network(net, doc["baseline"])


_ROWS = (
    ("latency", "latency_s", seconds),
    ("throughput", "throughput_per_s", lambda v: f"{v:.4g} /s"),
    ("energy", "energy_j", joules),
    ("power", "power_w", lambda v: f"{v:.3g} W"),
    ("area", "area_mm2", lambda v: f"{v:.4g} mm²"),
    ("utilization", "utilization", percent),
    ("DRAM traffic", "dram_bytes", lambda v: si(v, "B")),
    ("GOP/s", "gops", lambda v: f"{v:.4g}"),
    ("DSP efficiency", "dsp_efficiency", lambda v: f"{v:.3g}"),
)


def _cell(entry: dict[str, Any], key: str, fmt) -> str:
    value = entry.get(key)
    if value is None:
        return "-"
    rel = (entry.get("relative") or {}).get(key)
    return fmt(value) + (f" ({rel:.2f}x)" if rel is not None else "")


def _print_network(net: dict[str, Any], baseline: str) -> None:
    results = net["results"]
    table = Table(title=f"{net['network']} (batch {net['batch']}): relative to {baseline}")
    table.add_column("metric")
    for r in results:
        table.add_column(r["design"], justify="right")
    for label, key, fmt in _ROWS:
        if any(r.get(key) is not None for r in results):
            table.add_row(label, *(_cell(r, key, fmt) for r in results))
    for r in results:
        shares = r.get("latency_by_bound") or {}
        r["_bound"] = ", ".join(f"{b} {100 * s:.0f}%" for b, s in shares.items())
    table.add_row("latency by bound", *(r["_bound"] or "-" for r in results))
    out.print(table)
    for r in results:
        lines = []
        for title, key in (("energy", "energy_breakdown_j"), ("area", "area_breakdown_mm2")):
            parts = r.get(key) or {}
            whole = sum(parts.values())
            if whole > 0:
                top = sorted(parts.items(), key=lambda x: -x[1])[:4]
                lines.append(
                    f"{title}: " + ", ".join(f"{n} {100 * v / whole:.0f}%" for n, v in top)
                )
        if r.get("resources"):
            lines.append(
                "resources: "
                + ", ".join(
                    f"{k.upper()} {v['used']:,}/{v['available']:,}"
                    + (" (est.)" if k in ("lut", "ff") else "")
                    for k, v in r["resources"].items()
                    if v["available"]
                )
            )
        diffs = r.get("largest_layer_differences") or []
        if diffs:
            lines.append(
                "layers that differ most: "
                + ", ".join(f"{d['layer']} {d['difference_s'] * 1e3:+.3g} ms" for d in diffs)
            )
        if lines:
            out.print(f"{r['design']}: " + "; ".join(lines), soft_wrap=True, highlight=False)


def _csv_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One CSV row per (network, design): metrics, their ratio to the baseline, energy
    and area components."""
    rows = []
    for net in doc["networks"]:
        for r in net["results"]:
            row: dict[str, Any] = {"network": net["network"], "design": r["design"],
                                   "target": r["target"]}  # fmt: skip
            row.update({m: r[m] for m in doc["metrics"] if m in r})
            row.update({f"{m}_vs_baseline": v for m, v in (r.get("relative") or {}).items()})
            for part, v in (r.get("energy_breakdown_j") or {}).items():
                row[f"energy_{part}_j"] = v
            for part, v in (r.get("area_breakdown_mm2") or {}).items():
                row[f"area_{part}_mm2"] = v
            rows.append(row)
    return rows
