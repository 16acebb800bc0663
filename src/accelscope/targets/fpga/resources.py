"""FPGA resource rules: DSP slices per multiply-accumulate, block-RAM packing, LUT/FF.

All functions are vectorized over NumPy arrays. Sources:

* DSPs per MAC lane by precision (:data:`DSP_PER_MAC`): int8 packs two multiply-
  accumulates that share one operand into one DSP48E2 (Xilinx WP486, "Deep Learning with
  INT8 Optimization on Xilinx Devices"; the same packing on the DSP48E1, WP487); int16
  needs one slice (25x18 / 27x18 multiplier with its post-adder, UG479 / UG579); fp32
  needs five at full DSP usage, three for the multiplier and two for the adder (PG060,
  Floating-Point Operator), as in Zhang et al., FPGA 2015 (448 lanes, 2,240 DSPs).
* Block RAM: a RAMB18 is 18 Kb configurable as 16K x 1, 8K x 2, 4K x 4, 2K x 9,
  1K x 18 or 512 x 36 (UG473 for 7 series, UG573 for UltraScale); a bank of ``width``
  bits x ``depth`` words takes the cheapest aspect ratio. An UltraRAM block is 4K x 72
  (UG573); devices with UltraRAM put deep banks (more than 4K words) there.
* Small banks (at most :data:`LUTRAM_MAX_BITS`) go to distributed RAM: a SLICEM LUT6
  is a 64 x 1 RAM (UG474), so a bank costs ``width * ceil(depth / 64)`` LUTs.
* LUT and FF per MAC lane are *estimates* from whole published designs (control, DMA
  and glue included): Zhang et al., FPGA 2015 (fp32: 186,251 LUT and 205,704 FF for 448
  lanes), Qiu et al., FPGA 2016 (int16: 182,616 LUT and 127,653 FF for 780 DSPs) and
  the Xilinx DPU, PG338 (int8, B4096 on ZCU102: 52,161 LUT and 98,249 registers for
  2,048 MAC lanes). Designs differ several-fold here (the DPU sums in DSP cascades, Qiu's
  design in LUT adder trees), so LUT and FF are reported but never rule a design out.
"""

from __future__ import annotations

import numpy as np

from accelscope.errors import SpecError

#: FPGA precisions, their operand width and DSP slices per multiply-accumulate lane.
PRECISIONS: tuple[str, ...] = ("int8", "int16", "fp32")
BITS: dict[str, int] = {"int8": 8, "int16": 16, "fp32": 32}
DSP_PER_MAC: dict[str, float] = {"int8": 0.5, "int16": 1.0, "fp32": 5.0}
LUT_PER_MAC: dict[str, float] = {"int8": 25.5, "int16": 234.0, "fp32": 416.0}
FF_PER_MAC: dict[str, float] = {"int8": 48.0, "int16": 164.0, "fp32": 459.0}

#: RAMB18 aspect ratios (width bits, depth words), UG473 / UG573.
BRAM18_SHAPES: tuple[tuple[int, int], ...] = (
    (1, 16384),
    (2, 8192),
    (4, 4096),
    (9, 2048),
    (18, 1024),
    (36, 512),
)
URAM_WIDTH_BITS, URAM_DEPTH_WORDS = 72, 4096
#: Banks of at most this many bits are built from LUTs (distributed RAM).
LUTRAM_MAX_BITS = 1024
LUTRAM_DEPTH_WORDS = 64


def precision_columns(precision: str) -> tuple[int, float]:
    """(operand bits, DSPs per MAC lane) of an FPGA precision; SpecError otherwise."""
    if precision not in BITS:
        raise SpecError(
            f"precision '{precision}' is not supported on FPGA targets; "
            f"expected one of {', '.join(PRECISIONS)}"
        )
    return BITS[precision], DSP_PER_MAC[precision]


def dsp_slices(mac_lanes: np.ndarray, dsp_per_mac: np.ndarray) -> np.ndarray:
    """DSP slices for ``mac_lanes`` parallel multiply-accumulates (rounded up)."""
    return np.ceil(np.asarray(mac_lanes, dtype=np.float64) * dsp_per_mac).astype(np.int64)


def bram18_blocks(width_bits: np.ndarray, depth_words: np.ndarray) -> np.ndarray:
    """RAMB18 blocks for one bank of ``width_bits`` x ``depth_words`` (cheapest shape)."""
    width = np.asarray(width_bits, dtype=np.int64)
    depth = np.asarray(depth_words, dtype=np.int64)
    best = None
    for shape_width, shape_depth in BRAM18_SHAPES:
        blocks = -(-width // shape_width) * -(-depth // shape_depth)
        best = blocks if best is None else np.minimum(best, blocks)
    return np.where(depth > 0, best, 0)


def uram_blocks(width_bits: np.ndarray, depth_words: np.ndarray) -> np.ndarray:
    """UltraRAM blocks (4K x 72) for one bank."""
    width = np.asarray(width_bits, dtype=np.int64)
    depth = np.asarray(depth_words, dtype=np.int64)
    return np.where(depth > 0, -(-width // URAM_WIDTH_BITS) * -(-depth // URAM_DEPTH_WORDS), 0)


def banked_memory(
    words: np.ndarray, banks: np.ndarray, width_bits: np.ndarray, has_uram: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(BRAM18, URAM, LUT) for ``words`` split evenly over ``banks`` banks.

    Each bank holds ``ceil(words / banks)`` words of ``width_bits``; it is distributed RAM
    when it has at most :data:`LUTRAM_MAX_BITS`, UltraRAM when deeper than one URAM's
    4K words on a device that has UltraRAM, block RAM otherwise.
    """
    words = np.asarray(words, dtype=np.int64)
    banks = np.maximum(np.asarray(banks, dtype=np.int64), 1)
    width = np.asarray(width_bits, dtype=np.int64)
    depth = -(-words // banks)
    bank_bits = depth * width
    small = bank_bits <= LUTRAM_MAX_BITS
    deep = (depth > URAM_DEPTH_WORDS) & np.asarray(has_uram, dtype=bool) & ~small
    block = ~small & ~deep
    bram = np.where(block, bram18_blocks(width, depth) * banks, 0)
    uram = np.where(deep, uram_blocks(width, depth) * banks, 0)
    lut = np.where(small & (words > 0), width * -(-depth // LUTRAM_DEPTH_WORDS) * banks, 0)
    return bram, uram, lut


def logic_estimate(mac_lanes: np.ndarray, precision_code: np.ndarray) -> tuple[np.ndarray, ...]:
    """Estimated (LUT, FF) of engines with ``mac_lanes`` lanes (see module docstring)."""
    lut_per = np.array([LUT_PER_MAC[p] for p in PRECISIONS])[precision_code]
    ff_per = np.array([FF_PER_MAC[p] for p in PRECISIONS])[precision_code]
    lanes = np.asarray(mac_lanes, dtype=np.float64)
    return np.ceil(lanes * lut_per).astype(np.int64), np.ceil(lanes * ff_per).astype(np.int64)
