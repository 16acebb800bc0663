"""The area model against synthesized RTL: the PE array of the generated Verilog,
synthesized by Yosys with the OSU 0.18 um standard cells, against the model's PE area.

Compared per PE, in two ways that need no node scaling, and one that does:

* **registers**: flip-flops per PE in the netlist against the register bits the model
  charges (input operand, stationary operand, partial sum; plus the second stationary
  bank with pipelined folds);
* **gate equivalents** (cell area / NAND2 area of each library): the synthesized PE with
  OSU's NAND2X1, the model's cell area (its PE area times the placement utilization) with
  NanGate 45 nm's NAND2_X1;
* **area at 45 nm**: the synthesized area scaled from 180 nm with
  :func:`~accelscope.targets.asic.arch.technology.logic_area_factor`.

The buffers' banks are checked on the FPGA side: block RAM inferred by Yosys against the
FPGA resource model (:func:`buffer_bank_rows`); the OSU kit has no SRAM compiler, so the
ASIC SRAM area is not synthesized.

Relative cross-checks of the model's constants, not sign-off figures: Yosys and ABC map
adders to simple gates (no full-adder cells, no Booth recoding), and OSU's cells are
larger than a commercial 180 nm library's (docs/rtl.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from accelscope.errors import MissingDependencyError
from accelscope.rtl.generate import OPERAND_BITS, RtlDesign

#: (dataflow, fold convention, precision, rows, cols): five array sizes of the model's
#: default unit (ws, pipelined folds, int8) -- square, wide and tall -- and one each of
#: int16, folds back to back, and output-stationary under both fold conventions.
CASES: tuple[tuple[str, str, str, int, int], ...] = (
    ("ws", "pipelined", "int8", 4, 4),
    ("ws", "pipelined", "int8", 8, 8),
    ("ws", "pipelined", "int8", 16, 16),
    ("ws", "pipelined", "int8", 8, 32),
    ("ws", "pipelined", "int8", 32, 8),
    ("ws", "pipelined", "int16", 8, 8),
    ("ws", "none", "int8", 8, 8),
    ("os", "none", "int8", 8, 8),
    ("os", "pipelined", "int8", 8, 8),
)
ACCUMULATOR_BITS = 32
MODEL_NODE = "45nm"
MODEL_NODE_NM = int(MODEL_NODE.removesuffix("nm"))


@dataclass(frozen=True)
class RtlAreaRow:
    """One array size: synthesized and modeled PE area (per PE)."""

    dataflow: str
    fold_overlap: str
    precision: str
    rows: int
    cols: int
    rtl_flops_per_pe: float
    model_register_bits_per_pe: int
    rtl_ge_per_pe: float
    model_ge_per_pe: float
    rtl_um2_per_pe_180nm: float
    rtl_um2_per_pe_45nm: float
    model_um2_per_pe_45nm: float

    @property
    def ge_ratio(self) -> float:
        return self.rtl_ge_per_pe / self.model_ge_per_pe

    @property
    def area_ratio_45nm(self) -> float:
        return self.rtl_um2_per_pe_45nm / self.model_um2_per_pe_45nm

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ge_ratio"] = round(self.ge_ratio, 3)
        out["area_ratio_45nm"] = round(self.area_ratio_45nm, 3)
        return out


def _model_pe(dataflow: str, precision: str, pipelined: bool) -> tuple[float, int]:
    """(cell area um^2 at 45 nm, register bits) of one PE in the area model: operands and
    partial sum, plus with pipelined folds a second stationary operand (ws, is) or an
    accumulator-wide drain register (os) -- ``area._pipelined_pe_area_um2``."""
    from accelscope.targets.asic.arch.technology import LOGIC_UTILIZATION, get_technology

    tech = get_technology(MODEL_NODE)
    bits = OPERAND_BITS[precision]
    extra_bits = (ACCUMULATOR_BITS if dataflow == "os" else bits) if pipelined else 0
    layout = tech.pe_area_um2[precision] + extra_bits * tech.reg_bit_area_um2
    return layout * LOGIC_UTILIZATION, 2 * bits + ACCUMULATOR_BITS + extra_bits


def rtl_area_rows(cache_root: Path | None = None) -> list[RtlAreaRow]:
    """Synthesize the PE array of every case (cached) and compare it with the model.
    Raises MissingDependencyError when Yosys or the cell library is missing."""
    from accelscope.rtl.synthesize import synthesize
    from accelscope.targets.asic.arch.technology import NAND2_UM2_45, logic_area_factor

    rows = []
    for dataflow, overlap, precision, r, c in CASES:
        design = RtlDesign(
            name=f"validate-{dataflow}-{overlap}-{precision}-{r}x{c}",
            rows=r,
            cols=c,
            units=1,
            dataflow=dataflow,
            fold_overlap=overlap,
            precision=precision,
            operand_bits=OPERAND_BITS[precision],
            accumulator_bits=ACCUMULATOR_BITS,
        )
        report = synthesize(design, ("generic", "asic"), cache_root=cache_root, scope="array")
        pes = r * c
        assert report.area_um2 is not None and report.nand2_um2 and report.library_node_nm
        flops = sum(n for kind, n in report.cells_by_type.items() if "DFF" in kind.upper())
        um2_180 = report.area_um2 / pes
        scale = logic_area_factor(MODEL_NODE_NM) / logic_area_factor(report.library_node_nm)
        model_um2, model_bits = _model_pe(dataflow, precision, overlap == "pipelined")
        rows.append(
            RtlAreaRow(
                dataflow=dataflow,
                fold_overlap=overlap,
                precision=precision,
                rows=r,
                cols=c,
                rtl_flops_per_pe=flops / pes,
                model_register_bits_per_pe=model_bits,
                rtl_ge_per_pe=um2_180 / report.nand2_um2,
                model_ge_per_pe=model_um2 / NAND2_UM2_45,
                rtl_um2_per_pe_180nm=um2_180,
                rtl_um2_per_pe_45nm=um2_180 * scale,
                model_um2_per_pe_45nm=model_um2,
            )
        )
    return rows


def validate_rtl(cache_root: Path | None = None) -> tuple[list[RtlAreaRow], dict[str, Any]]:
    """``(rows, summary)``; without the tools, no rows and the summary says what to
    install (``skipped``)."""
    try:
        rows = rtl_area_rows(cache_root)
    except MissingDependencyError as exc:
        return [], {"skipped": str(exc)}
    from accelscope.rtl.synthesize import yosys_version

    ratios = [r.ge_ratio for r in rows]
    banks = buffer_bank_rows()
    return rows, {
        "skipped": None,
        "yosys": yosys_version(),
        "sizes": len(rows),
        "ge_ratio_min": round(min(ratios), 3),
        "ge_ratio_max": round(max(ratios), 3),
        "buffer_banks": [b.to_dict() for b in banks],
        "buffer_banks_exact": sum(
            b.rtl_bram18_per_bank == b.model_bram18_per_bank for b in banks
        ),  # fmt: skip
    }


@dataclass(frozen=True)
class BufferBankRow:
    """One buffer bank the generator builds for a preset: block RAM inferred by Yosys's
    ``synth_xilinx`` against the FPGA resource model's count for the same bank."""

    preset: str
    operand: str
    word_bits: int
    depth: int
    banks: int
    rtl_bram18_per_bank: int
    model_bram18_per_bank: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def buffer_bank_rows() -> list[BufferBankRow]:
    """The distinct banks of every preset's generated buffers (its own array and
    dataflow), synthesized one bank at a time (cached). Raises MissingDependencyError without
    Yosys."""
    from accelscope.rtl.buffers import buffer_plan
    from accelscope.rtl.generate import rtl_design
    from accelscope.rtl.synthesize import bank_bram18
    from accelscope.targets.asic.arch import list_presets, load_arch
    from accelscope.targets.fpga.resources import bram18_blocks

    rows, seen = [], set()
    for preset in list_presets():
        arch = load_arch(preset)
        plan = buffer_plan(arch, rtl_design(arch))
        for buf in (plan.a, plan.b, plan.c):
            if (buf.word_bits, buf.depth) in seen:
                continue
            seen.add((buf.word_bits, buf.depth))
            rows.append(
                BufferBankRow(
                    preset=preset,
                    operand=buf.operand,
                    word_bits=buf.word_bits,
                    depth=buf.depth,
                    banks=buf.banks,
                    rtl_bram18_per_bank=bank_bram18(buf.word_bits, buf.depth),
                    model_bram18_per_bank=int(bram18_blocks(buf.word_bits, buf.depth)),
                )
            )
    return rows
