"""Winograd F(2x2, 3x3) convolution on the systolic template (``execution.winograd``).

A 3x3, stride-1, undilated convolution computes each 2x2 output tile from a 4x4 input
tile with 16 element-wise products per (input channel, output channel) instead of 36
(Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016): the 16
transform-domain positions are 16 GEMMs of ``tiles x C`` by ``C x K``. On hardware that
supports it (NVDLA's convolution pipeline, many FPGA engines) the array runs those GEMMs;
the transforms are adder networks at the array's edges (docs/assumptions.md, "Winograd"):

* multiplies, array cycles, buffer-port cycles and operand feeds scale by
  ``16 * ceil(out_h / 2) * ceil(out_w / 2) / (9 * out_h * out_w)`` -- 4/9 when the
  output is even, more when a tile row or column is partly padding;
* weights are stored transformed, ``16 / 9`` of the dense bytes, in DRAM and buffers
  (transformed offline, as NVDLA's compiler does);
* input transform: 32 additions per 4x4 tile and input channel at operand width + 2
  bits; output transform: 24 additions per tile and output channel at accumulator width
  (Lavin & Gray's ``B^T d B`` and ``A^T m A``); energy per added bit = one register bit.

Stated approximation: the mapping (tile sizes, loop order, dataflow) is chosen for the
direct convolution and then rescaled -- NVIDIA's own NVDLA performance estimator makes
the same two scalings (``perf/NVDLA_OpenSource_Performance.xlsx`` in nvdla/hw: MAC cycles
/ 2.25 and weight bytes x 16/9 for every 3x3 layer).
"""

from __future__ import annotations

import numpy as np

from accelscope.targets.asic.cost.traffic import conv_columns

#: Codes of ``execution.winograd`` (configs.WINOGRAD_NAMES).
NONE, F2X2_3X3 = 0, 1

#: Additions per 4x4 input tile and input channel (``B^T d B``), per 2x2 output tile and
#: output channel (``A^T m A``), for F(2x2, 3x3): Lavin & Gray 2016.
INPUT_TRANSFORM_ADDS = 32
OUTPUT_TRANSFORM_ADDS = 24
#: Transformed weights over dense weights: a 4x4 tile per 3x3 filter.
WEIGHT_FACTOR = 16.0 / 9.0


def eligible(gemm_conv: np.ndarray, gemm_k: np.ndarray) -> np.ndarray:
    """Which GEMM kernels are 3x3, stride-1, undilated convolutions with more than one
    input channel per group (``[g]`` bool; ``gemm_conv`` is ``KernelTable.gemm_conv``)."""
    cv = conv_columns(gemm_conv)
    taps = np.asarray(gemm_k) / cv.channels  # a span of 3 with 9 taps: 3x3, undilated
    return (
        cv.is_conv
        & (cv.channels > 1)
        & (taps == 9)
        & (cv.span_h == 3)
        & (cv.span_w == 3)
        & (cv.stride_h == 1)
        & (cv.stride_w == 1)
    )


def tiles(gemm_conv: np.ndarray) -> np.ndarray:
    """2x2 output tiles per group of each kernel (batch included), float64 ``[g]``."""
    cv = conv_columns(gemm_conv)
    return cv.batch * np.ceil(cv.out_h / 2.0) * np.ceil(cv.out_w / 2.0)


def compute_factor(gemm_conv: np.ndarray) -> np.ndarray:
    """Multiplies with Winograd over direct multiplies, ``[g]`` (1 where not a conv)."""
    cv = conv_columns(gemm_conv)
    factor = 16.0 * tiles(gemm_conv) / (9.0 * cv.batch * cv.out_h * cv.out_w)
    return np.where(cv.is_conv, factor, 1.0)


def factors(
    support: np.ndarray, gemm_conv: np.ndarray, gemm_k: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(used, compute, weight)`` arrays ``[c, g]`` for configurations with winograd codes
    *support* ``[c]`` and GEMM occurrences with geometry *gemm_conv* ``[g, 10]``: where the
    Winograd form is used, and the factors on compute (multiplies, cycles, feeds) and on
    weight bytes (1 where it is not used)."""
    used = (np.asarray(support)[:, None] == F2X2_3X3) & eligible(gemm_conv, gemm_k)[None, :]
    comp = np.where(used, compute_factor(gemm_conv)[None, :], 1.0)
    weight = np.where(used, WEIGHT_FACTOR, 1.0)
    return used, comp, weight


def transform_bit_adds(
    gemm_conv: np.ndarray,
    gemm_groups: np.ndarray,
    gemm_n: np.ndarray,
    repeats: np.ndarray,
    operand_bits: np.ndarray,
    accumulator_bits: np.ndarray,
) -> np.ndarray:
    """Added bits of the input and output transforms of one occurrence, ``[c, g]``: the
    input transform at operand width + 2 bits (its sums grow by two bits), the output
    transform at accumulator width."""
    channels = conv_columns(gemm_conv).channels
    t = (tiles(gemm_conv) * gemm_groups * repeats)[None, :]
    col = lambda x: np.asarray(x, dtype=np.float64)[:, None]  # noqa: E731
    inp = INPUT_TRANSFORM_ADDS * t * channels[None, :] * (col(operand_bits) + 2.0)
    out = OUTPUT_TRANSFORM_ADDS * t * np.asarray(gemm_n)[None, :] * col(accumulator_bits)
    return inp + out


def transform_area_bits(
    rows: np.ndarray | float,
    cols: np.ndarray | float,
    operand_bits: np.ndarray | float,
    accumulator_bits: np.ndarray | float,
) -> np.ndarray:
    """Register and adder bits of one array's transform units, ``[c]``: per array row an
    input transform that delivers one transformed value per cycle (2 adders of operand
    width + 2 bits per value, and a 16-value tile register), per column an output
    transform (1.5 adders of accumulator width per value, and a 16-value tile register).
    Area per bit = one register bit (an adder bit is about a flip-flop, docs)."""
    r = np.asarray(rows, dtype=np.float64)
    c = np.asarray(cols, dtype=np.float64)
    return r * (2.0 + 16.0) * (np.asarray(operand_bits) + 2.0) + c * (1.5 + 16.0) * np.asarray(
        accumulator_bits
    )
