"""GEMM kernel timing: compute cycles on ``units`` arrays and overlap with DRAM traffic.

Work split over ``units`` identical arrays (assumption, docs/assumptions.md (part 2)): independent
GEMMs (``groups``, times ``repeats`` when the repeats are not sequential) are dealt out
first, ``ceil(G / units)`` per array; when there are fewer GEMMs than arrays, each GEMM is
split ``floor(units / G)`` ways along the larger of M and N. Compute cycles come from
:func:`accelscope.cost.systolic.gemm_compute_cycles` on the (split) GEMM; tiling for the
buffers does not change them (tiles are multiples of the array dims, see mapping).
"""

from __future__ import annotations

import numpy as np

from accelscope.cost.systolic import DATAFLOWS, gemm_compute_cycles


def compute_cycles(
    m: np.ndarray,
    k: np.ndarray,
    n: np.ndarray,
    groups: np.ndarray,
    repeats: np.ndarray,
    sequential: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    units: np.ndarray,
) -> np.ndarray:
    """Compute cycles of one *stream* per dataflow, float64 ``[3, ...]`` (ws, os, is).

    A stream is one repeat of a sequential kernel, or the whole kernel otherwise. Integer
    inputs broadcast (``[c, 1]`` configs against ``[1, g]`` kernels).
    """
    g_eff = groups * np.where(sequential, 1, repeats)
    per_unit = -(-g_eff // units)
    split = np.maximum(units // g_eff, 1)
    m_larger = m >= n
    m_s = np.where(m_larger, -(-m // split), m)
    n_s = np.where(m_larger, n, -(-n // split))
    k_s = np.broadcast_to(k, m_s.shape)
    out = np.empty((len(DATAFLOWS), *m_s.shape), dtype=np.float64)
    for code in range(len(DATAFLOWS)):
        out[code] = gemm_compute_cycles(code, m_s, k_s, n_s, rows, cols) * per_unit
    return out


def overlap_latency(
    compute: np.ndarray,
    stream_bytes: np.ndarray,
    exposed_bytes: np.ndarray,
    once_bytes: np.ndarray,
    streams: np.ndarray,
    bytes_per_cycle: np.ndarray,
    double_buffering: np.ndarray,
) -> np.ndarray:
    """Cycles of a kernel made of ``streams`` dependent streams (float64).

    Per stream, with double buffering the first tile load and the last tile store
    (``exposed``) cannot hide and the rest of the traffic overlaps compute:
    ``P + max(C, M - P)``; without double buffering ``C + M``. A resident operand loaded
    once (``once_bytes``) adds its load time once.
    """
    mem = stream_bytes / bytes_per_cycle
    exposed = exposed_bytes / bytes_per_cycle
    overlapped = exposed + np.maximum(compute, mem - exposed)
    per_stream = np.where(double_buffering, overlapped, compute + mem)
    return streams * per_stream + once_bytes / bytes_per_cycle
