"""``accelscope workload``: inspect a network (zoo name, ONNX or YAML file)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from accelscope.commands.common import (
    AllowUnsupportedOpt,
    BatchOpt,
    InputShapeOpt,
    JsonOpt,
    SeqOpt,
    emit_json,
    load_network,
    out,
)
from accelscope.console import Table
from accelscope.fmt import si

app = typer.Typer(help="Inspect workloads (zoo names, ONNX or YAML files).", no_args_is_help=True)


# ---------------------------------------------------------------------------- workload
@app.command("show")
def workload_show(
    model: Annotated[str, typer.Argument(help="Zoo name, or path to a .onnx / .yaml file.")],
    batch: BatchOpt = None,
    seq_len: SeqOpt = None,
    input_shape: InputShapeOpt = None,
    allow_unsupported: AllowUnsupportedOpt = False,
    precision: Annotated[
        str, typer.Option("--precision", help="Operand precision for byte counts.")
    ] = "int8",
    json_out: JsonOpt = False,
) -> None:
    """Per-layer table of a network: op, shapes, MACs, params; totals and kernels."""
    from accelscope.precision import bytes_per_element

    bytes_per_element(precision)
    net = load_network(model, batch, seq_len, input_shape, allow_unsupported)
    summary = net.summary(precision)
    if json_out:
        emit_json(summary)
        return
    table = Table(title=f"{net.name} ({net.family}, batch {net.batch})")
    for col in ("#", "name", "op", "shape", "MACs", "params"):
        table.add_column(col, justify="right" if col in ("#", "MACs", "params") else "left")
    for i, row in enumerate(summary["layers"]):
        table.add_row(
            str(i), row["name"], row["op"], row["shape"], si(row["macs"]), si(row["params"])
        )
    out.print(table)
    n_gemm = sum(1 for k in summary["kernels"] if k["kind"] == "gemm")
    out.print(
        f"total: {si(summary['total_macs'], 'MAC')}, {si(summary['total_params'])} params, "
        f"{si(summary['total_other_ops'], 'op')} vector ops, {len(net.layers)} layers, "
        f"{n_gemm} unique GEMM kernels, {len(summary['kernels']) - n_gemm} unique vector kernels",
        soft_wrap=True,
    )
    if summary["unsupported"]:
        names = ", ".join(f"{u['name']} ({u['op_type']})" for u in summary["unsupported"])
        out.print(Text(f"unsupported (zero-cost placeholders): {names}", style="yellow"))
