"""``accelscope rtl``: Verilog for a design's tensor units and their buffers, optionally
simulated with Verilator against NumPy and the cost model's cycles and DRAM bytes."""

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
    """Synthesizable Verilog for DESIGN's tensor units (the PE array, its fold and tile
    sequencers, and its on-chip buffers sized from the spec); with --simulate, products,
    cycle counts and DRAM bytes are checked against NumPy and the cost model."""
    from accelscope.commands.compare import resolve_design
    from accelscope.rtl import rtl_design, write_rtl
    from accelscope.rtl.buffers import buffer_plan

    spec = resolve_design(design).spec
    if getattr(spec, "target", "asic") != "asic":
        raise SpecError(f"'{design}': rtl builds ASIC designs (systolic tensor units)")
    params = rtl_design(spec, dataflow, fold_overlap)
    plan = buffer_plan(spec, params)
    if simulate:
        from accelscope.rtl.simulate import check_sim_size

        check_sim_size(params)  # before anything is written
    if synth:
        from accelscope.rtl.synthesize import check_size, liberty, yosys

        check_size(params)  # before anything is written or simulated
        yosys()
        liberty()
    files = write_rtl(params, out_dir, plan)
    notes = _notes(spec, params)
    doc = {
        "kind": "rtl",
        "design": design,
        "parameters": params.to_dict(),
        "buffers": plan.to_dict(),
        "notes": notes,
        "files": [str(f) for f in files],
        "provenance": provenance(),
    }
    if simulate:
        from accelscope.rtl.simulate import check, random_gemms

        gemms = random_gemms(simulate, params.rows, params.cols, params.operand_bits, seed)
        report = check(params, gemms, out_dir / "sim_build")
        doc["simulation"] = report.to_dict()
        doc["simulation"]["buffered"] = _simulate_buffered(spec, params, plan, gemms, seed,
                                                           out_dir / "sim_build")  # fmt: skip
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
        doc["synthesis"] = synthesis_document(spec, params, synthesize(params), plan)
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
    for note in notes:
        out.print(f"note: {note}", soft_wrap=True, markup=False)
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
    if sim:
        buf = sim["buffered"]
        verdict = "all match" if not buf["mismatches"] else f"{buf['mismatches']} MISMATCH"
        out.print(
            f"the same GEMMs in random buffer tiles through the on-chip buffers, DRAM at "
            f"{buf['dram_bytes_per_cycle']:.3g} B/cycle: products, compute cycles and DRAM "
            f"bytes vs the model: {verdict} (total cycles: RTL {buf['total_cycles_rtl']:,}, "
            f"model without double buffering {buf['total_cycles_model']:,.0f})",
            soft_wrap=True,
            markup=False,
        )
    if sim and (sim["mismatches"] or sim["buffered"]["mismatches"]):
        raise typer.Exit(1)


def _notes(spec, params) -> list[str]:
    """What the generated hardware does differently from the spec (one sentence each)."""
    notes = []
    port = spec.buffers.port_bytes_per_cycle
    if port is not None:
        edge = params.rows * params.operand_bits // 8
        notes.append(
            f"buffers.port_bytes_per_cycle = {port:g}: the generated banks read one word per "
            f"array lane per cycle ({edge} bytes/cycle for A); narrower ports are not "
            "generated (docs/rtl.md)"
        )
    if spec.buffers.is_unified:
        notes.append("buffers.unified_kib is built as three equal A, B and C buffers (docs/rtl.md)")
    return notes


def _simulate_buffered(spec, params, plan, gemms, seed: int, build_dir: Path) -> dict:
    """The GEMMs through the unit with its buffers and the testbench's DRAM, in random
    buffer tiles that fit and the three loop orders in turn."""
    from accelscope.rtl.buffered_sim import check_buffered, dram_bytes_per_cycle, random_tiles

    tiles = random_tiles(params, plan, gemms, seed)
    orders = [("nkm", "mkn", "mnk")[i % 3] for i in range(len(gemms))]
    bpc = dram_bytes_per_cycle(spec)
    report = check_buffered(params, plan, gemms, tiles, orders, bpc, build_dir)
    return {**report.to_dict(), "dram_bytes_per_cycle": bpc}
