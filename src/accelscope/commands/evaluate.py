"""``accelscope evaluate``: one network on one accelerator, layer by layer."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from accelscope.commands.common import (
    AllowUnsupportedOpt,
    BatchOpt,
    BoardOpt,
    CsvOpt,
    InputShapeOpt,
    JsonOpt,
    PlotlyJsOpt,
    PngOpt,
    ReportOpt,
    SeqOpt,
    TargetOpt,
    emit_json,
    flat_layer_rows,
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


# ---------------------------------------------------------------------------- evaluate
def command(
    model: Annotated[str, typer.Argument(help="Zoo name, or path to a .onnx / .yaml file.")],
    arch: Annotated[
        str | None,
        typer.Option(
            "--arch",
            help="ASIC preset name or arch YAML, or an FPGA design YAML (default: default).",
        ),
    ] = None,
    target: TargetOpt = None,
    board: BoardOpt = None,
    paradigm: Annotated[
        str | None,
        typer.Option("--paradigm", help="FPGA paradigm: pipeline | generic | hybrid."),
    ] = None,
    precision: Annotated[
        str | None, typer.Option("--precision", help="FPGA precision: int8 | int16 | fp32.")
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
    """Latency, energy, area and the bound of every layer of MODEL on one accelerator
    (an ASIC configuration, or an FPGA design with --board)."""
    from accelscope.targets import get_target

    if arch is not None and board is not None and not arch.lower().endswith((".yaml", ".yml")):
        raise SpecError(f"--arch {arch} is an ASIC preset; --board asks for an FPGA design")
    spec = load_design_spec(arch or "default", target, board, paradigm, precision)
    net = load_network(model, batch, seq_len, input_shape, allow_unsupported)
    spec_target = getattr(spec, "target", "asic")
    body = get_target(spec_target).report(net, spec)
    doc = {
        "kind": "evaluate",
        "network": net.name,
        "arch": spec.name,
        "batch": net.batch,
        **body,
        "arch_spec": spec.to_dict() if hasattr(spec, "to_dict") else spec.model_dump(mode="json"),
        "provenance": provenance(),
    }
    sparse = [op.name for op in net.layers if op.sparsity is not None]
    note = None
    if sparse:
        support = getattr(getattr(spec, "execution", None), "weight_sparsity", "none")
        doc["weight_sparsity"] = {"sparse_layers": len(sparse), "hardware": support}
        if support == "none":
            note = (
                f"note: {len(sparse)} layer(s) have sparse weights, but {spec.name} has no "
                "weight-sparsity support (execution.weight_sparsity: none), so they are "
                "stored and computed dense"
            )
            doc["weight_sparsity"]["note"] = note
    write_report_if_asked(doc, report, png, plotly_js)
    write_csv_if_asked(csv, rows=flat_layer_rows(doc))
    if json_out:
        emit_json(doc)
        return
    _PRINTERS[spec_target](net, doc)
    if note:
        out.print(note, soft_wrap=True, markup=False)


def _print_asic(net, doc: dict[str, Any]) -> None:
    """The ASIC evaluation: per-layer table and totals."""
    table = Table(title=f"{net.name} on {doc['arch']} (batch {net.batch})")
    cols = (
        "name",
        "op",
        "cycles",
        "bound",
        "util",
        "DRAM",
        "energy",
        "fusion",
        "on chip",
        "mapping",
    )
    for col in cols:
        left = col in ("name", "op", "bound", "mapping", "fusion", "on chip")
        table.add_column(col, justify="left" if left else "right")
    for layer in doc["layers"]:
        mapping = layer.get("mapping") or {}
        map_txt = ""
        if mapping:
            unit = " (vector unit)" if mapping.get("unit") == "vector" else ""
            unit += " winograd" if mapping.get("winograd") else ""
            map_txt = (
                f"{mapping.get('dataflow', '')} {mapping.get('tile_m', '')}"
                f"x{mapping.get('tile_k', '')}x{mapping.get('tile_n', '')}{unit}"
            )
        table.add_row(
            layer["name"],
            layer.get("op", ""),
            si(layer["cycles"]),
            layer["bound"],
            percent(layer["utilization"]),
            si(layer["dram_bytes"], "B"),
            joules(layer["energy_j"]) if "energy_j" in layer else "",
            _fusion_text(layer),
            _on_chip_text(layer),
            map_txt,
        )
    out.print(table)
    ex = doc.get("execution", {})
    sub = ex.get("sub_batch", net.batch)
    out.print(
        f"latency {seconds(doc['latency_s'])} ({si(doc['latency_cycles'])} cycles), "
        f"throughput {doc['throughput_per_s']:.4g} inferences/s, "
        f"energy {joules(doc['energy_j'])}, "
        f"area {doc['area_mm2']:.4g} mm², power {doc['power_w']:.3g} W on the die "
        f"(+{doc.get('dram_power_w', 0.0):.3g} W in DRAM), "
        f"utilization {percent(doc['utilization'])}"
        + (f"; the batch runs as {net.batch // sub} passes of {sub}" if sub != net.batch else ""),
        soft_wrap=True,
    )
    for title, parts, unit, fmt in (
        ("energy", doc.get("energy_breakdown_j") or {}, "", joules),
        ("area", doc.get("area_breakdown_mm2") or {}, " mm²", lambda v: f"{v:.3g}"),
    ):
        whole = sum(parts.values())
        if whole > 0:
            shares = ", ".join(
                f"{name} {fmt(v)}{unit} ({100 * v / whole:.0f}%)"
                for name, v in sorted(parts.items(), key=lambda x: -x[1])
            )
            out.print(f"{title} by component: {shares}", soft_wrap=True)


def _fusion_text(layer: dict[str, Any]) -> str:
    """What fusion did to a layer, for the evaluate table."""
    fusion = layer.get("fusion", "compute")
    if fusion == "fused":
        return f"in {layer.get('fused_into')}"
    if fusion == "folded":
        return f"folded into {layer.get('fused_into')}"
    if layer.get("fused_ops"):
        return "+" + ", ".join(layer["fused_ops"])
    return ""


def _on_chip_text(layer: dict[str, Any]) -> str:
    """Which of the layer's input and result stayed on chip between layers."""
    parts = [
        name for name, key in (("in", "input_on_chip"), ("out", "output_on_chip")) if layer.get(key)
    ]
    return ", ".join(parts)


def _print_fpga(net, doc: dict[str, Any]) -> None:
    """The FPGA evaluation: per-layer engine table, totals and resources."""

    title = (
        f"{net.name} on {doc['board']} ({doc['paradigm']}, {doc['precision']}, batch {net.batch})"
    )
    table = Table(title=title)
    for col in ("name", "engine", "cycles", "bound", "ci x co", "weights"):
        table.add_column(
            col, justify="left" if col in ("name", "engine", "bound", "weights") else "right"
        )
    for layer in doc["layers"]:
        if layer["engine"] == "in line":
            table.add_row(layer["name"], "in line", "", "", "", "")
            continue
        weights = ""
        if "weights_on_chip" in layer:
            weights = "on chip" if layer["weights_on_chip"] else "streamed"
        table.add_row(
            layer["name"],
            layer["engine"],
            si(layer["cycles"]),
            layer["bound"],
            f"{layer['ci']}x{layer['co']}",
            weights,
        )
    out.print(table)
    res = doc["resources"]
    used = ", ".join(
        f"{name.upper()} {r['used']:,}/{r['available']:,}"
        + (" (est.)" if name in ("lut", "ff") else "")
        for name, r in res.items()
        if r["available"] or r["used"]
    )
    out.print(
        f"latency {seconds(doc['latency_s'])}, throughput {doc['throughput_per_s']:.4g} "
        f"inferences/s, {doc['gops']:.4g} GOP/s, DSP efficiency {doc['dsp_efficiency']:.3g} "
        f"GOP/s per DSP per GHz, DRAM {doc['dram_gbps_used']:.3g} GB/s; {used}"
        + (
            f"; {doc['untimed_layers']} element-wise layers run in line (not timed)"
            if doc["untimed_layers"]
            else ""
        ),
        soft_wrap=True,
    )


#: How each target's evaluation is printed (the JSON and the report are target-neutral).
_PRINTERS = {"asic": _print_asic, "fpga": _print_fpga}
