"""``accelscope rtl``: Verilog for a design's tensor units, optionally simulated with
Verilator against NumPy and the cost model's cycle counts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accelscope.commands.common import JsonOpt, emit_json, out, provenance
from accelscope.errors import SpecError


def command(
    design: Annotated[
        str,
        typer.Argument(
            help="ASIC preset, arch YAML, or RUN_DIR[#RANK] of an explore/multi result."
        ),
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Write the Verilog here.")],
    dataflow: Annotated[
        str | None,
        typer.Option("--dataflow", help="ws | is | os (default: the design's; auto -> ws)."),
    ] = None,
    fold_overlap: Annotated[
        str | None,
        typer.Option(
            "--fold-overlap", help="none | pipelined (default: the design's execution spec)."
        ),
    ] = None,
    simulate: Annotated[
        int,
        typer.Option(
            "--simulate",
            min=0,
            max=100_000,
            help="Simulate this many random GEMMs with Verilator (0: none).",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0, max=2**31 - 1, help="GEMM seed.")] = 0,
    synth: Annotated[
        bool,
        typer.Option(
            "--synth",
            help="Synthesize one unit with Yosys: generic cells, Xilinx 7-series "
            "LUT/FF/DSP/BRAM and OSU 0.18 um cell area (up to 1,024 PEs per unit; cached).",
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Synthesizable Verilog for DESIGN's tensor units (the PE array and its fold
    sequencer); with --simulate, products and cycle counts are checked against NumPy
    and the cost model."""
    from accelscope.commands.compare import resolve_design
    from accelscope.rtl import rtl_design, write_rtl

    spec = resolve_design(design).spec
    if getattr(spec, "target", "asic") != "asic":
        raise SpecError(f"'{design}': rtl builds ASIC designs (systolic tensor units)")
    params = rtl_design(spec, dataflow, fold_overlap)
    if synth:
        from accelscope.rtl.synthesize import check_size, liberty, yosys

        check_size(params)  # before anything is written or simulated
        yosys()
        liberty()
    files = write_rtl(params, out_dir)
    doc = {
        "kind": "rtl",
        "design": design,
        "parameters": params.to_dict(),
        "files": [str(f) for f in files],
        "provenance": provenance(),
    }
    if simulate:
        from accelscope.rtl.simulate import check, random_gemms

        gemms = random_gemms(simulate, params.rows, params.cols, params.operand_bits, seed)
        report = check(params, gemms, out_dir / "sim_build")
        doc["simulation"] = report.to_dict()
    if synth:
        from accelscope.commands.common import err
        from accelscope.rtl.cross_check import synthesis_document
        from accelscope.rtl.synthesize import synthesize

        if not json_out:
            err.print(
                f"synthesizing one {params.rows}x{params.cols} unit with Yosys (generic, "
                "Xilinx 7-series, OSU 0.18 um): from 20 s (2x2) to about 2 min (8x8) the first "
                "time, then cached ...",
                markup=False,
            )
        doc["synthesis"] = synthesis_document(spec, params, synthesize(params))
    if json_out:
        emit_json(doc)
        return
    p = params
    out.print(
        f"{p.units} x {p.rows}x{p.cols} {p.dataflow} array(s), {p.precision} operands, "
        f"{p.accumulator_bits}-bit accumulators, "
        + ("pipelined folds: " if p.fold_overlap == "pipelined" else "folds back to back: ")
        + ", ".join(f.name for f in files)
        + f" in {out_dir}",
        soft_wrap=True,
        markup=False,
    )
    sim = doc.get("simulation")
    if sim:
        verdict = "all match" if not sim["mismatches"] else f"{sim['mismatches']} MISMATCH"
        out.print(
            f"simulated {sim['gemms']} random GEMMs with Verilator: products vs NumPy and "
            f"cycles vs the cost model: {verdict} (cycles: RTL {sim['cycles_rtl']:,}, "
            f"model {sim['cycles_model']:,})",
            soft_wrap=True,
            markup=False,
        )
    syn = doc.get("synthesis")
    if syn:
        from accelscope.rtl.cross_check import synthesis_lines

        for line in synthesis_lines(syn):
            out.print(line, soft_wrap=True, markup=False)
    if sim and sim["mismatches"]:
        raise typer.Exit(1)
