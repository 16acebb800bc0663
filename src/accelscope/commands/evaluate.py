"""``accelscope evaluate``: one network on one accelerator, layer by layer."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from accelscope.commands.common import (
    AllowUnsupportedOpt,
    BatchOpt,
    InputShapeOpt,
    JsonOpt,
    PngOpt,
    ReportOpt,
    SeqOpt,
    emit_json,
    load_network,
    out,
    provenance,
    write_report_if_asked,
)
from accelscope.fmt import joules, percent, seconds, si


# ---------------------------------------------------------------------------- evaluate
def command(
    model: Annotated[str, typer.Argument(help="Zoo name, or path to a .onnx / .yaml file.")],
    arch: Annotated[
        str, typer.Option("--arch", help="Accelerator preset name or YAML file.")
    ] = "default",
    batch: BatchOpt = None,
    seq_len: SeqOpt = None,
    input_shape: InputShapeOpt = None,
    allow_unsupported: AllowUnsupportedOpt = False,
    report: ReportOpt = None,
    png: PngOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Latency, energy, area and the bound of every layer of MODEL on one accelerator."""
    from accelscope.arch import load_arch
    from accelscope.cost import evaluate

    spec = load_arch(arch)
    net = load_network(model, batch, seq_len, input_shape, allow_unsupported)
    network_report = evaluate(net, spec)
    doc = network_report.to_dict()
    doc = {
        "kind": "evaluate",
        "network": net.name,
        "arch": spec.name,
        "batch": net.batch,
        **doc,
        "arch_spec": spec.model_dump(mode="json"),
        "provenance": provenance(),
    }
    write_report_if_asked(doc, report, png)
    if json_out:
        emit_json(doc)
        return
    table = Table(title=f"{net.name} on {spec.name} (batch {net.batch})")
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
