"""``accelscope arch``: accelerator presets and specs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from accelscope.commands.common import (
    JsonOpt,
    emit_json,
    out,
)
from accelscope.console import Table

app = typer.Typer(help="Accelerator presets and specs.", no_args_is_help=True)


# ---------------------------------------------------------------------------- arch
@app.command("list")
def arch_list(json_out: JsonOpt = False) -> None:
    """List the accelerator presets."""
    from accelscope.targets.asic.arch import list_presets, load_arch

    archs = [load_arch(name) for name in list_presets()]
    rows = [_arch_row(a) for a in archs]
    if json_out:
        emit_json({"presets": rows})
        return
    table = Table(title="accelerator presets")
    for col in (
        "name",
        "PEs",
        "dataflow",
        "clock",
        "buffers",
        "DRAM",
        "precision",
        "tech",
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["name"],
            f"{r['tensor_units']}x{r['rows']}x{r['cols']}",
            r["dataflow"],
            f"{r['clock_mhz']:g} MHz",
            r["buffers"],
            f"{r['dram_gbps']:g} GB/s",
            r["precision"],
            r["technology"],
        )
    out.print(table)
    out.print("details and sources: accelscope arch show NAME", soft_wrap=True)


def _arch_row(a) -> dict[str, Any]:
    b = a.buffers
    if b.unified_kib is not None:
        buffers = f"{b.unified_kib:g} KiB unified"
    else:
        buffers = f"in {b.input_kib:g} / w {b.weight_kib:g} / out {b.output_kib:g} KiB"
    return {
        "name": a.name,
        "description": a.description,
        "tensor_units": a.tensor_units.count,
        "rows": a.tensor_units.rows,
        "cols": a.tensor_units.cols,
        "dataflow": a.tensor_units.dataflow,
        "clock_mhz": a.clock_mhz,
        "buffers": buffers,
        "dram_gbps": a.dram.bandwidth_gbps,
        "precision": a.precision,
        "technology": a.technology,
    }


@app.command("show")
def arch_show(
    name: Annotated[str, typer.Argument(help="Preset name or path to an arch YAML file.")],
    json_out: JsonOpt = False,
) -> None:
    """Show one accelerator spec in full."""
    import yaml

    from accelscope.targets.asic.arch import load_arch

    arch = load_arch(name)
    doc = arch.model_dump(mode="json")
    if json_out:
        emit_json(doc)
        return
    out.print(yaml.safe_dump(doc, sort_keys=False).rstrip())


@app.command("export")
def arch_export(
    result: Annotated[
        str,
        typer.Argument(
            help="RUN_DIR of explore or multi (its best design), RUN_DIR#RANK (explore's "
            "RANK-th of the listed top designs), or a summary.json path."
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Arch YAML file to write.")],
) -> None:
    """Write a design of an explore or multi result as an arch spec YAML, which
    `accelscope evaluate --arch FILE` reproduces."""
    from accelscope.search.export import design_arch, read_result_document, write_arch_yaml

    doc, rank = read_result_document(result)
    arch = design_arch(doc, rank)
    path = write_arch_yaml(arch, output, note=f"{result}")
    out.print(f"wrote {path}", markup=False, highlight=False)
