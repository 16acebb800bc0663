"""A synthesized unit next to what accelscope's models say about the same hardware: the
ASIC area model (tensor units at the design's node) and the FPGA resource model (DSPs,
LUTs and flip-flops for as many multiply-accumulate lanes)."""

from __future__ import annotations

from typing import Any

import numpy as np

from accelscope.rtl.generate import RtlDesign
from accelscope.rtl.synthesize import SynthesisReport


def _model_tensor_units_um2(arch: Any) -> float:
    """The area model's tensor units (PEs, second banks, per-array control and skew
    registers; layout area) at the design's node, um^2."""
    from accelscope.targets.asic.cost.area import area_breakdown
    from accelscope.targets.asic.cost.configs import ConfigBatch
    from accelscope.targets.asic.cost.energy import tech_columns

    cfg = ConfigBatch.from_archs([arch])
    return float(area_breakdown(cfg, tech_columns(cfg)).arrays_mm2[0]) * 1e6


def _fpga_model(design: RtlDesign) -> dict[str, int]:
    """The FPGA resource model's DSP, LUT and FF for the unit's MAC lanes."""
    from accelscope.targets.fpga.resources import (
        DSP_PER_MAC,
        PRECISIONS,
        dsp_slices,
        logic_estimate,
    )

    lanes = np.array([design.rows * design.cols * design.units])
    lut, ff = logic_estimate(lanes, np.array([PRECISIONS.index(design.precision)]))
    return {
        "dsp": int(dsp_slices(lanes, DSP_PER_MAC[design.precision])[0]),
        "lut": int(lut[0]),
        "ff": int(ff[0]),
    }


def buffers_document(plan: Any, units: int) -> dict[str, Any]:
    """Block RAM of the unit's buffers (all units): per operand, what Yosys's
    ``synth_xilinx`` infers for one bank times the banks, next to the FPGA resource
    model's count for the same banks (:func:`~accelscope.targets.fpga.resources.banked_memory`,
    7-series: no UltraRAM)."""
    from accelscope.rtl.synthesize import bank_bram18
    from accelscope.targets.fpga.resources import banked_memory

    doc: dict[str, Any] = {}
    for buf in (plan.a, plan.b, plan.c):
        words = buf.banks * buf.depth
        bram, _, lut = banked_memory(words, buf.banks, buf.word_bits, False)
        doc[buf.operand] = {
            "spec_buffer": buf.spec_buffer, "banks": buf.banks * units,
            "word_bits": buf.word_bits, "depth": buf.depth,
            "bram18": bank_bram18(buf.word_bits, buf.depth) * buf.banks * units,
            "model_bram18": int(bram) * units, "model_lutram_lut": int(lut) * units,
        }  # fmt: skip
    doc["bram18"] = sum(doc[x]["bram18"] for x in "abc")
    doc["model_bram18"] = sum(doc[x]["model_bram18"] for x in "abc")
    return doc


def synthesis_document(
    arch: Any, design: RtlDesign, report: SynthesisReport, plan: Any = None
) -> dict[str, Any]:
    """The ``synthesis`` part of ``accelscope rtl --json``: Yosys's counts and areas, the
    area scaled to the design's node, both models' figures for the same hardware and,
    given a buffer plan, the buffers' block RAM (:func:`buffers_document`)."""
    from accelscope.targets.asic.arch.technology import logic_area_factor

    doc = report.to_dict()
    node_nm = int(str(arch.technology).removesuffix("nm"))
    scale = logic_area_factor(node_nm) / logic_area_factor(report.library_node_nm or 180)
    doc["node"] = str(arch.technology)
    doc["area_um2_at_node"] = None if report.area_um2 is None else report.area_um2 * scale
    doc["model"] = {
        "tensor_units_area_um2": _model_tensor_units_um2(arch),
        "fpga": _fpga_model(design),
    }
    if plan is not None:
        doc["buffers"] = buffers_document(plan, design.units)
    return doc


def synthesis_lines(doc: dict[str, Any]) -> list[str]:
    """Human-readable lines for the terminal."""
    units = doc["units"]
    per = f" ({units} units: one synthesized, counts x {units})" if units > 1 else ""
    lines = [f"synthesized with {doc['yosys']}{per}:"]
    if doc.get("cells") is not None:
        lines.append(f"  generic cells: {doc['cells']:,}")
    fpga = doc["model"]["fpga"]
    if doc.get("lut") is not None:
        lines.append(
            f"  Xilinx {doc['xilinx_family']}: {doc['lut']:,} LUT, {doc['ff']:,} FF, "
            f"{doc['dsp']:,} DSP, {doc['bram']:,} BRAM18 "
            f"(FPGA model for as many MAC lanes: {fpga['dsp']:,} DSP, est. {fpga['lut']:,} "
            f"LUT, {fpga['ff']:,} FF)"
        )
    if doc.get("area_um2") is not None:
        model = doc["model"]["tensor_units_area_um2"]
        at_node = doc["area_um2_at_node"]
        lines.append(
            f"  {doc['library']} ({doc['library_node_nm']} nm): {doc['area_um2'] / 1e6:.3f} mm2 "
            f"cell area (PE array {doc['array_area_um2'] / 1e6:.3f}, sequencer "
            f"{doc['control_area_um2'] / 1e6:.3f}), {doc['gate_equivalents']:,.0f} NAND2 "
            f"equivalents; scaled to {doc['node']}: {at_node / 1e6:.4f} mm2 against the "
            f"area model's {model / 1e6:.4f} mm2 of tensor units ({at_node / model:.2f}x; a "
            "relative cross-check, see docs/validation.md part 4)"
        )
    buf = doc.get("buffers")
    if buf:
        parts = ", ".join(
            f"{x.upper()} {buf[x]['bram18']:,} (model {buf[x]['model_bram18']:,})" for x in "abc"
        )
        lines.append(
            f"  buffers on Xilinx {doc.get('xilinx_family') or 'xc7'}: {buf['bram18']:,} RAMB18 "
            f"inferred by Yosys against the FPGA model's {buf['model_bram18']:,}: {parts}"
        )
    return lines
