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
:func:`accelscope.cost.reference_sim.simulate_gemm`)::

    fold_cycles = rows + r_t + c_t + S + constant

i.e. preload (``r_t``, stationary dataflows), skewed fill over ``r_t``/``c_t``, the
stream ``S``, and the drain of partial sums / outputs through all ``rows`` rows to the
bottom edge. Folds run back to back with no overlap (SCALE-Sim's per-fold accounting,
Samajdar et al., ISPASS 2020), so summing over all tiles gives the exact total::

    total = F_r * F_c * (rows + S + constant) + D_r * F_c + D_c * F_r

with ``D_r``/``D_c`` the GEMM dimensions along rows/cols and ``F_r = ceil(D_r / rows)``,
``F_c = ceil(D_c / cols)`` their fold counts. All results are int64 cycles.
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
    dataflow: ArrayLike, m: ArrayLike, k: ArrayLike, n: ArrayLike, rows: ArrayLike, cols: ArrayLike
) -> np.ndarray:
    """Total cycles of one GEMM ``(M x K) @ (K x N)`` on one ``rows x cols`` array, int64.

    Exact sum over all folds (full and partial tiles) of the per-fold cycles, folds back
    to back with no overlap; equals the reference simulator's count cycle for cycle.
    """
    d_row, d_col, d_stream, const, r_, c_ = _mapped(dataflow, m, k, n, rows, cols)
    f_row = _ceil_div(d_row, r_)
    f_col = _ceil_div(d_col, c_)
    return f_row * f_col * (r_ + d_stream + const) + d_row * f_col + d_col * f_row
