"""DRAM traffic of one tiled GEMM, from its tile sizes and loop order (vectorized).

A GEMM ``(M x K) @ (K x N)`` is tiled into ``Tm x Tk`` input tiles (operand A), ``Tk x Tn``
weight tiles (operand B) and ``Tm x Tn`` output tiles; ``nm = ceil(M/Tm)`` etc. The loop order
names the operand that stays resident in the outer loop (docs/assumptions.md, part 2):

* ``weight`` (code 0): B read once; A re-read once per N-tile; partial sums spill when K
  is split and the M x Tn output block is not resident (``nk > 1 and nm > 1``).
* ``input`` (code 1): A read once; B re-read once per M-tile; spill when ``nk > 1 and nn > 1``.
* ``output`` (code 2): outputs resident while K is swept; A re-read per N-tile, B per M-tile,
  never a spill.

An operand whose whole matrix is one tile (A: ``nm == nk == 1``; B: ``nk == nn == 1``) is
read once in every order. Each spill writes and later re-reads a partial sum at
accumulator width: ``2 * (nk - 1) * M * N * acc_bytes``. The final output is written once
at operand precision. All byte counts are per group and per repeat unless stated.

Convolutions (:class:`~accelscope.workload.kernels.ConvGeometry`): one pass over operand A
reads the input *feature map* rows a tile of output pixels touches, halo included, not
the im2col matrix: :func:`conv_pass_elements`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

LOOP_ORDERS: tuple[str, ...] = ("weight", "input", "output")
"""Loop-order names by code: which operand stays resident in the outer loop."""

WEIGHT_REUSE, INPUT_REUSE, OUTPUT_REUSE = 0, 1, 2


class ConvColumns(NamedTuple):
    """Convolution geometry columns (float64, broadcastable; ``is_conv`` False elsewhere)."""

    is_conv: np.ndarray
    batch: np.ndarray
    channels: np.ndarray
    in_h: np.ndarray
    in_w: np.ndarray
    out_h: np.ndarray
    out_w: np.ndarray
    stride_h: np.ndarray
    stride_w: np.ndarray
    span_h: np.ndarray
    span_w: np.ndarray


def conv_columns(geometry: np.ndarray) -> ConvColumns:
    """Columns from ``KernelTable.gemm_conv`` (``[g, 10]`` int64, zero rows = not a conv)."""
    g = np.asarray(geometry, dtype=np.float64)
    is_conv = g[:, 0] > 0
    safe = np.where(is_conv[:, None], g, 1.0)  # avoid zero divisions for non-convs
    return ConvColumns(is_conv, *(safe[:, i] for i in range(safe.shape[1])))


def conv_pass_elements(m: np.ndarray, k: np.ndarray, tm: np.ndarray, cv: ConvColumns) -> np.ndarray:
    """Elements of operand A read by one pass over all ``M`` in tiles of ``tm`` output pixels.

    The ``M / tm`` tiles (balanced; counted fractionally, so the traffic falls smoothly as
    tiles grow) each cover ``tm / out_w`` output rows. A tile of at least one output row
    reads ``(rows - 1) * stride_h + span_h`` input rows of ``in_w`` columns; a tile
    narrower than a row reads ``span_h`` rows of ``(tm - 1) * stride_w + span_w`` columns.
    The total is at least the feature map and at most the im2col matrix ``M * K``.
    Non-convolutions read ``M * K``. All per group; float64.
    """
    im2col = m * k
    n_tiles = m / tm
    out_rows = tm / cv.out_w
    rows_in = np.minimum((out_rows - 1.0) * cv.stride_h + cv.span_h, out_rows * cv.span_h)
    wide = rows_in * cv.in_w
    cols_in = np.minimum(cv.in_w, (tm - 1.0) * cv.stride_w + cv.span_w)
    narrow = np.minimum(cv.in_h, cv.span_h) * cols_in
    per_tile = np.where(tm >= cv.out_w, wide, narrow) * cv.channels
    fmap = cv.batch * cv.channels * cv.in_h * cv.in_w
    conv = np.clip(n_tiles * per_tile, np.minimum(fmap, im2col), im2col)
    return np.where(cv.is_conv, conv, im2col)


class GemmTraffic(NamedTuple):
    """DRAM bytes of one GEMM group/repeat (float64 arrays, broadcast shape)."""

    a_bytes: np.ndarray  # operand A reads (activations)
    b_bytes: np.ndarray  # operand B reads (weights, or activations if not b_is_weight)
    spill_bytes: np.ndarray  # partial-sum writes + re-reads at accumulator width
    out_bytes: np.ndarray  # final output writes
    b_whole: np.ndarray  # bool: all of B is one tile (may stay on chip across repeats)


def ceil_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer-valued ceil(a / b) for positive float or int arrays."""
    return np.ceil(a / b)


def gemm_traffic(
    order: np.ndarray,
    tm: np.ndarray,
    tk: np.ndarray,
    tn: np.ndarray,
    m: np.ndarray,
    k: np.ndarray,
    n: np.ndarray,
    bpe: np.ndarray,
    acc_bytes: np.ndarray,
    a_pass_elements: np.ndarray | None = None,
) -> GemmTraffic:
    """Bytes moved between DRAM and the buffers for one group of GEMM(M, K, N).

    All arguments broadcast; tiles must satisfy ``1 <= T <= dim``. ``bpe`` is bytes per
    operand element, ``acc_bytes`` bytes per partial sum; ``a_pass_elements`` the elements
    of one pass over A (default ``M * K``; convolutions: :func:`conv_pass_elements`).
    """
    nm = ceil_div(m, tm)
    nk = ceil_div(k, tk)
    nn = ceil_div(n, tn)
    a_whole = (nm == 1) & (nk == 1)
    b_whole = (nk == 1) & (nn == 1)
    # output order with one K tile: the A tile (m, 0) stays while the N tiles pass
    a_kept = (order == INPUT_REUSE) | ((order == OUTPUT_REUSE) & (nk == 1))
    a_passes = np.where(a_whole | a_kept, 1.0, nn)
    b_passes = np.where(b_whole | (order == WEIGHT_REUSE), 1.0, nm)
    spills = ((order == WEIGHT_REUSE) & (nm > 1)) | ((order == INPUT_REUSE) & (nn > 1))
    mn = m * n
    a_pass = m * k if a_pass_elements is None else a_pass_elements
    a_bytes = (a_pass * bpe) * a_passes
    b_bytes = (k * n * bpe) * b_passes
    spill_bytes = np.where(spills, 2.0 * (nk - 1.0) * (mn * acc_bytes), 0.0)
    out_bytes = mn * bpe
    return GemmTraffic(a_bytes, b_bytes, spill_bytes, out_bytes, b_whole)
