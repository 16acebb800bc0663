"""Closed-form compute timing of one GEMM on a ``rows x cols`` systolic array (vectorized).

GEMM: ``(M x K) @ (K x N)``. Every dataflow maps two GEMM dimensions onto the array
(one along the rows, one along the columns) and streams the third through it:

=========  ===============  ===============  ==========  ========
dataflow   along rows       along cols       streamed    constant
=========  ===============  ===============  ==========  ========
``ws``     K (B preloaded)  N                M           -1
``os``     M                N                K           -2
``is``     K (A preloaded)  M                N           -1
=========  ===============  ===============  ==========  ========

A GEMM dimension larger than the array is folded into tiles; the last tile of a
dimension may be partial (``d - (ceil(d / A) - 1) * A`` wide). One fold with a
``r_t x c_t`` tile and ``S`` streamed elements takes (derived in
``docs/assumptions.md (part 3)`` and checked cycle-for-cycle against
:func:`accelscope.targets.asic.cost.reference_sim.simulate_gemm`)::

    fold_cycles = rows + r_t + c_t + S + constant

i.e. preload (``r_t``, stationary dataflows), skewed fill over ``r_t``/``c_t``, the
stream ``S``, and the drain of partial sums / outputs through all ``rows`` rows to the
bottom edge. Folds run back to back with no overlap (SCALE-Sim's per-fold accounting,
Samajdar et al., ISPASS 2020), so summing over all tiles gives the exact total::

    total = F_r * F_c * (rows + S + constant) + D_r * F_c + D_c * F_r

with ``D_r``/``D_c`` the GEMM dimensions along rows/cols and ``F_r = ceil(D_r / rows)``,
``F_c = ceil(D_c / cols)`` their fold counts. All results are int64 cycles.

Pipelined folds (``pipelined=True``, the default convention of the cost model, proven by
:mod:`targets.asic.cost.reference_sim_pipelined`): the stationary operand is double-buffered
and the next fold's preload overlaps the current fold's stream (``ws``/``is``), or the
finished outputs drain through a second register chain while the next fold computes
(``os``), so fill and drain are paid once per GEMM. With ``r_f``/``c_f`` the rows/columns
of fold ``f`` (folds ordered columns outer, rows inner), ``r_0`` the first fold's rows and
``r_rem``/``c_rem`` the last tile of each mapped dimension::

    ws, is:  total = r_0 + sum_{f >= 1} max(S, r_f) + S + rows + c_rem - 1
    os:      total = sum_{f < F - 1} max(S, 2 * r_f) + S + 2 * r_rem + c_rem - 1

i.e. one fold per ``max(S, preload)`` cycles for the stationary dataflows (the weight port
delivers one tile row per cycle) and one per ``max(K, 2 m_f)`` for ``os`` (results of
consecutive folds must not meet in the drain chain; the controller counts row pairs).
"""

from __future__ import annotations

import numpy as np

from accelscope.errors import UnknownNameError, suggest

DATAFLOWS: tuple[str, ...] = ("ws", "os", "is")
"""Dataflow names; their index is the integer code used in arrays (3 = auto, see mapper)."""

DATAFLOW_CODE: dict[str, int] = {name: code for code, name in enumerate(DATAFLOWS)}
"""Name -> integer code."""

AUTO_CODE = 3
"""Code reserved for "auto"; the mapper must resolve it before timing."""

# Per-dataflow fold constant (see module docstring / docs/assumptions.md (part 3)).
_CONSTANT = np.array([-1, -2, -1], dtype=np.int64)

ArrayLike = np.ndarray | int | str


def dataflow_codes(dataflow: ArrayLike) -> np.ndarray:
    """Integer dataflow codes (int64 array) from names, codes, or arrays of either."""
    arr = np.asarray(dataflow)
    if arr.dtype.kind in "UO":
        names, inverse = np.unique(arr.astype(str), return_inverse=True)
        lookup = []
        for name in names:
            key = str(name).lower()
            if key not in DATAFLOW_CODE:
                raise UnknownNameError(
                    f"unknown dataflow '{name}'; expected one of {', '.join(DATAFLOWS)}"
                    f"{suggest(str(name), list(DATAFLOWS))}"
                )
            lookup.append(DATAFLOW_CODE[key])
        return np.asarray(lookup, dtype=np.int64)[inverse].reshape(arr.shape)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"dataflow must be names or integer codes, got dtype {arr.dtype}")
    codes = arr.astype(np.int64)
    if np.any(codes == AUTO_CODE):
        raise ValueError("dataflow code 3 ('auto') must be resolved by the mapper before timing")
    if np.any((codes < 0) | (codes >= len(DATAFLOWS))):
        raise ValueError(f"dataflow codes must be in 0..{len(DATAFLOWS) - 1}")
    return codes


def _positive(name: str, value: ArrayLike) -> np.ndarray:
    arr = np.asarray(value, dtype=np.int64)
    if np.any(arr < 1):
        raise ValueError(f"{name} must be >= 1 everywhere")
    return arr


def _mapped(
    dataflow: ArrayLike, m: ArrayLike, k: ArrayLike, n: ArrayLike, rows: ArrayLike, cols: ArrayLike
) -> tuple[np.ndarray, ...]:
    """(dim along rows, dim along cols, streamed dim, constant, rows, cols), broadcastable."""
    code = dataflow_codes(dataflow)
    m_, k_, n_ = _positive("m", m), _positive("k", k), _positive("n", n)
    r_, c_ = _positive("rows", rows), _positive("cols", cols)
    is_os = code == DATAFLOW_CODE["os"]
    is_is = code == DATAFLOW_CODE["is"]
    d_row = np.where(is_os, m_, k_)
    d_col = np.where(is_is, m_, n_)
    d_stream = np.where(is_os, k_, np.where(is_is, n_, m_))
    return d_row, d_col, d_stream, _CONSTANT[code], r_, c_


def _ceil_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return -(-a // b)


def fold_count(
    dataflow: ArrayLike, m: ArrayLike, k: ArrayLike, n: ArrayLike, rows: ArrayLike, cols: ArrayLike
) -> np.ndarray:
    """Number of array folds (tiles) of GEMM(M, K, N) on a ``rows x cols`` array (int64).

    All arguments broadcast against each other (NumPy rules).
    """
    d_row, d_col, _, _, r_, c_ = _mapped(dataflow, m, k, n, rows, cols)
    return _ceil_div(d_row, r_) * _ceil_div(d_col, c_)


def fold_cycles(
    dataflow: ArrayLike, m: ArrayLike, k: ArrayLike, n: ArrayLike, rows: ArrayLike, cols: ArrayLike
) -> np.ndarray:
    """Cycles of one full-size fold (tile ``min(D_r, rows) x min(D_c, cols)``), int64.

    Includes preload (stationary dataflows), pipeline fill (skew) and drain. Edge folds
    with partial tiles are shorter, so ``gemm_compute_cycles <= fold_count * fold_cycles``
    with equality when the mapped dimensions divide the array evenly.
    """
    d_row, d_col, d_stream, const, r_, c_ = _mapped(dataflow, m, k, n, rows, cols)
    return r_ + np.minimum(d_row, r_) + np.minimum(d_col, c_) + d_stream + const


def gemm_compute_cycles(
    dataflow: ArrayLike,
    m: ArrayLike,
    k: ArrayLike,
    n: ArrayLike,
    rows: ArrayLike,
    cols: ArrayLike,
    pipelined: bool = False,
) -> np.ndarray:
    """Total cycles of one GEMM ``(M x K) @ (K x N)`` on one ``rows x cols`` array, int64.

    ``pipelined=False``: exact sum over all folds (full and partial tiles) of the per-fold
    cycles, folds back to back with no overlap. ``pipelined=True``: double-buffered folds
    (module docstring). Both equal their reference simulator's count cycle for cycle.
    """
    d_row, d_col, d_stream, const, r_, c_ = _mapped(dataflow, m, k, n, rows, cols)
    f_row = _ceil_div(d_row, r_)
    f_col = _ceil_div(d_col, c_)
    if not pipelined:
        return f_row * f_col * (r_ + d_stream + const) + d_row * f_col + d_col * f_row
    r_rem = d_row - (f_row - 1) * r_
    c_rem = d_col - (f_col - 1) * c_
    is_os = dataflow_codes(dataflow) == DATAFLOW_CODE["os"]
    return np.where(
        is_os,
        _os_pipelined(d_stream, r_, c_, f_row, f_col, r_rem, c_rem),
        _stationary_pipelined(d_stream, r_, c_, f_row, f_col, r_rem, c_rem),
    )


def _stationary_pipelined(s, r_, c_, f_row, f_col, r_rem, c_rem):
    """ws/is pipelined total (see module docstring); all arguments int64, broadcastable.

    The last result to leave is that of the last fold, or -- when the last column tile is
    narrow and folds are short -- that of the last fold of the previous column tile,
    which started one column group (``group`` cycles) earlier.
    """
    r_first = np.where(f_row > 1, r_, r_rem)
    group = (f_row - 1) * np.maximum(s, r_) + np.maximum(s, r_rem)
    start_last = r_first - np.maximum(s, r_first) + f_col * group
    tail = np.where(f_col > 1, np.maximum(c_rem, c_ - group), c_rem)
    return start_last + s + r_ - 1 + tail


def _os_pipelined(s, r_, c_, f_row, f_col, r_rem, c_rem):
    """os pipelined total (see module docstring); all arguments int64, broadcastable.

    A fold with ``m_f`` rows and ``n_f`` columns finishes ``S + 2 m_f + n_f - 1`` cycles
    after its stream starts; the last result to leave belongs to one of the last two folds
    of the last two column groups.
    """
    p_full = np.maximum(s, 2 * r_)
    p_rem = np.maximum(s, 2 * r_rem)
    group = (f_row - 1) * p_full + p_rem
    start_last = f_col * group - p_rem
    neg = np.iinfo(np.int64).min // 4
    tail = 2 * r_rem + c_rem
    tail = np.maximum(tail, np.where(f_row > 1, 2 * r_ + c_rem - p_full, neg))
    tail = np.maximum(tail, np.where(f_col > 1, 2 * r_rem + c_ - group, neg))
    both = (f_row > 1) & (f_col > 1)
    tail = np.maximum(tail, np.where(both, 2 * r_ + c_ - group - p_full, neg))
    return start_last + s - 1 + tail


# --------------------------------------------------------------------------------------
# Tiled GEMMs (buffer tiles smaller than the GEMM): used by the mapper.
# --------------------------------------------------------------------------------------
def _folds(d: np.ndarray, t: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, ...]:
    """Folds of a dimension ``d`` cut into buffer tiles of ``t`` on an array edge ``a``.

    Assumes (the mapper guarantees it) that a tile is the whole dimension, a multiple of
    ``a``, or smaller than ``a``: folds then have one size ``f = min(t, a)`` except one
    remainder. Returns (fold size, count of full folds, remainder size (0: none), total
    folds, last fold size).
    """
    size = np.minimum(t, a)
    full = np.floor(d / size)
    rem = d - full * size
    count = full + (rem > 0)
    return size, full, rem, count, np.where(rem > 0, rem, size)


def tiled_compute_cycles(
    d_row: np.ndarray,
    d_col: np.ndarray,
    d_stream: np.ndarray,
    t_row: np.ndarray,
    t_col: np.ndarray,
    t_stream: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    is_os: np.ndarray | bool,
    pipelined: np.ndarray | bool,
) -> np.ndarray:
    """Compute cycles of a GEMM whose mapped dimensions are cut into buffer tiles.

    Dimensions are already mapped onto the array (``d_row`` along the rows, ``d_col``
    along the columns, ``d_stream`` streamed; see :func:`gemm_compute_cycles`); ``t_*``
    are the buffer tile sizes (``1 <= t <= d``; along ``d_row``/``d_col`` a tile is the whole
    dimension, a multiple of that array edge, or smaller than it). Every buffer tile is
    folded onto the array separately, and the streamed dimension is cut into
    ``ceil(d / t_stream)`` balanced chunks (sizes differ by at most one), each a separate
    pass of every fold.
    With untiled dimensions (``t == d``) this equals :func:`gemm_compute_cycles` exactly
    (tested); with tiles the unpipelined count is still exact, and the pipelined one pairs
    each fold's stream chunk with its own preload (the exact schedule pairs it with the
    next fold's), which differs only where chunk sizes change. Float64 arrays, broadcast;
    ``is_os`` and ``pipelined`` may be scalars or arrays.

    Evaluated by a compiled ufunc (:mod:`targets.asic.cost.tiled_kernel`), bit-identical to
    the array expression :func:`tiled_compute_cycles_numpy` (tested).
    """
    from accelscope.targets.asic.cost.tiled_kernel import tiled_cycles

    f = np.float64
    return tiled_cycles(
        np.asarray(d_row, f),
        np.asarray(d_col, f),
        np.asarray(d_stream, f),
        np.asarray(t_row, f),
        np.asarray(t_col, f),
        np.asarray(t_stream, f),
        np.asarray(rows, f),
        np.asarray(cols, f),
        np.asarray(is_os, dtype=bool),
        np.asarray(pipelined, dtype=bool),
    )


def tiled_compute_cycles_numpy(
    d_row: np.ndarray,
    d_col: np.ndarray,
    d_stream: np.ndarray,
    t_row: np.ndarray,
    t_col: np.ndarray,
    t_stream: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    is_os: np.ndarray | bool,
    pipelined: np.ndarray | bool,
) -> np.ndarray:
    """:func:`tiled_compute_cycles` as NumPy array expressions (the readable reference)."""
    if np.ndim(is_os) or np.ndim(pipelined):
        out = None
        for os_val in (False, True):
            for pip_val in (False, True):
                sel = (np.asarray(is_os) == os_val) & (np.asarray(pipelined) == pip_val)
                if not np.any(sel):
                    continue
                val = tiled_compute_cycles_numpy(
                    d_row, d_col, d_stream, t_row, t_col, t_stream, rows, cols, os_val, pip_val
                )
                out = val if out is None else np.where(sel, val, out)
        return out
    n_chunks = np.ceil(d_stream / t_stream)
    s_lo = np.floor(d_stream / n_chunks)
    n_hi = d_stream - s_lo * n_chunks  # chunks one element longer
    s_hi = s_lo + 1.0
    r_size, r_full, r_rem, f_row, r_last = _folds(d_row, t_row, rows)
    _, _, _, f_col, c_last = _folds(d_col, t_col, cols)
    if not pipelined:
        # Every fold pays rows + r_f + c_f + s_f + constant (exact sum).
        const = -2.0 if is_os else -1.0
        return (
            f_row * f_col * n_chunks * (rows + const)
            + (d_row * f_col + d_col * f_row) * n_chunks
            + d_stream * f_row * f_col
        )
    r_cnt_rem = (r_rem > 0).astype(np.float64)

    # One fold per max(stream chunk, preload) (ws/is) or max(K, 2 m_f) (os).
    def period(s: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.maximum(s, 2.0 * r) if is_os else np.maximum(s, r)

    n_lo = n_chunks - n_hi
    group = r_full * (n_hi * period(s_hi, r_size) + n_lo * period(s_lo, r_size)) + r_cnt_rem * (
        n_hi * period(s_hi, r_rem) + n_lo * period(s_lo, r_rem)
    )
    c_prev = np.minimum(cols, d_col)
    if not is_os:
        # ws/is: first preload exposed, last fold drains through all rows. (The chunk
        # order is free: the short chunks go first and last.)
        r_first = r_size
        start = r_first - np.maximum(s_lo, r_first) + f_col * group
        tail = np.where(f_col > 1, np.maximum(c_last, c_prev - group), c_last)
        return start + s_lo + rows - 1.0 + tail
    # os: results drain upwards; the last result belongs to one of the last folds.
    last_period = period(s_lo, r_last)
    p_full = period(s_lo, np.minimum(rows, d_row))
    tail = 2.0 * r_last + c_last
    tail = np.maximum(tail, np.where(f_row > 1, 2.0 * rows + c_last - p_full, -np.inf))
    tail = np.maximum(tail, np.where(f_col > 1, 2.0 * r_last + c_prev - group, -np.inf))
    both = (f_row > 1) & (f_col > 1)
    tail = np.maximum(tail, np.where(both, 2.0 * rows + c_prev - group - p_full, -np.inf))
    return f_col * group - last_period + s_lo - 1.0 + tail
