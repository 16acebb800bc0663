"""Compiled element-wise form of :func:`accelscope.targets.asic.cost.systolic.tiled_compute_cycles`.

The same formulas (documented there and in docs/assumptions.md), evaluated one element at
a time by a numba ufunc instead of as a chain of NumPy array expressions: no temporaries
the size of ``[keys x candidates x GEMMs]``, and broadcasting as NumPy does it. Every
operation is the same IEEE-754 float64 operation in the same order (no fast-math), so the
result equals the NumPy expression bit for bit (tested on random inputs).
"""

from __future__ import annotations

import numpy as np
from numba import guvectorize, vectorize

from accelscope.targets.asic.cost.compile_lock import numba_compile_lock

_SIGNATURE = ["float64(float64, float64, float64, float64, float64, float64, float64, "
              "float64, boolean, boolean)"]  # fmt: skip


@vectorize(_SIGNATURE, cache=True, nopython=True)
def tiled_cycles(
    d_row, d_col, d_stream, t_row, t_col, t_stream, rows, cols, is_os, pipelined
):  # pragma: no cover - compiled
    n_chunks = np.ceil(d_stream / t_stream)
    s_lo = np.floor(d_stream / n_chunks)
    n_hi = d_stream - s_lo * n_chunks
    s_hi = s_lo + 1.0
    # Folds along the rows: size, full folds, remainder, count, last fold.
    r_size = min(t_row, rows)
    r_full = np.floor(d_row / r_size)
    r_rem = d_row - r_full * r_size
    f_row = r_full + (1.0 if r_rem > 0 else 0.0)
    r_last = r_rem if r_rem > 0 else r_size
    c_size = min(t_col, cols)
    c_full = np.floor(d_col / c_size)
    c_rem = d_col - c_full * c_size
    f_col = c_full + (1.0 if c_rem > 0 else 0.0)
    c_last = c_rem if c_rem > 0 else c_size
    if not pipelined:
        const = -2.0 if is_os else -1.0
        return (
            f_row * f_col * n_chunks * (rows + const)
            + (d_row * f_col + d_col * f_row) * n_chunks
            + d_stream * f_row * f_col
        )
    r_cnt_rem = 1.0 if r_rem > 0 else 0.0
    n_lo = n_chunks - n_hi
    if is_os:
        p_hi_size, p_lo_size = max(s_hi, 2.0 * r_size), max(s_lo, 2.0 * r_size)
        p_hi_rem, p_lo_rem = max(s_hi, 2.0 * r_rem), max(s_lo, 2.0 * r_rem)
    else:
        p_hi_size, p_lo_size = max(s_hi, r_size), max(s_lo, r_size)
        p_hi_rem, p_lo_rem = max(s_hi, r_rem), max(s_lo, r_rem)
    group = r_full * (n_hi * p_hi_size + n_lo * p_lo_size) + r_cnt_rem * (
        n_hi * p_hi_rem + n_lo * p_lo_rem
    )
    c_prev = min(cols, d_col)
    if not is_os:
        start = r_size - max(s_lo, r_size) + f_col * group
        tail = max(c_last, c_prev - group) if f_col > 1 else c_last
        return start + s_lo + rows - 1.0 + tail
    last_period = max(s_lo, 2.0 * r_last)
    p_full = max(s_lo, 2.0 * min(rows, d_row))
    tail = 2.0 * r_last + c_last
    if f_row > 1:
        tail = max(tail, 2.0 * rows + c_last - p_full)
    if f_col > 1:
        tail = max(tail, 2.0 * r_last + c_prev - group)
    if f_row > 1 and f_col > 1:
        tail = max(tail, 2.0 * rows + c_prev - group - p_full)
    return f_col * group - last_period + s_lo - 1.0 + tail


_TRAFFIC_SIGNATURE = [
    "void(int64, float64, float64, float64, float64, float64, float64, float64, float64, "
    "boolean, float64, float64, float64, float64, float64, float64, float64, float64, "
    "float64, float64[:], float64[:], float64[:], boolean[:])"
]


with numba_compile_lock():  # numba issue #10128: see compile_lock

    @guvectorize(
        _TRAFFIC_SIGNATURE,
        "(),(),(),(),(),(),(),(),(),(),(),(),(),(),(),(),(),(),()->(),(),(),()",
        cache=True,
        nopython=True,
    )
    def tile_traffic(
        order, tm, tk, tn, m, k, n, bpe, acc,
        is_conv, batch, channels, in_h, in_w, out_w, stride_h, stride_w, span_h, span_w,
        a_bytes, b_bytes, spill_bytes, b_whole,
    ):  # fmt: skip  # pragma: no cover - compiled
        """DRAM bytes of one GEMM group for one tile candidate: the formulas of
        :func:`accelscope.targets.asic.cost.traffic.conv_pass_elements` (operand A of a
        convolution read as feature-map rows, at least the feature map, at most im2col)
        and :func:`targets.asic.cost.traffic.gemm_traffic`, element by element, in the
        same order."""
        im2col = m * k
        a_pass = im2col
        if is_conv:
            n_tiles = m / tm
            out_rows = tm / out_w
            rows_in = min((out_rows - 1.0) * stride_h + span_h, out_rows * span_h)
            wide = rows_in * in_w
            cols_in = min(in_w, (tm - 1.0) * stride_w + span_w)
            narrow = min(in_h, span_h) * cols_in
            per_tile = (wide if tm >= out_w else narrow) * channels
            fmap = batch * channels * in_h * in_w
            a_pass = min(max(n_tiles * per_tile, min(fmap, im2col)), im2col)
        nm = np.ceil(m / tm)
        nk = np.ceil(k / tk)
        nn = np.ceil(n / tn)
        a_whole = nm == 1 and nk == 1
        whole_b = nk == 1 and nn == 1
        a_passes = 1.0 if (a_whole or order == 1 or (order == 2 and nk == 1)) else nn
        b_passes = 1.0 if (whole_b or order == 0) else nm
        spills = (order == 0 and nm > 1) or (order == 1 and nn > 1)
        mn = m * n
        a_bytes[0] = (a_pass * bpe) * a_passes
        b_bytes[0] = (k * n * bpe) * b_passes
        spill_bytes[0] = 2.0 * (nk - 1.0) * (mn * acc) if spills else 0.0
        b_whole[0] = whole_b
