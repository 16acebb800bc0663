"""DRAM traffic of one tiled GEMM, from its tile sizes and loop order (vectorized).

A GEMM ``(M x K) @ (K x N)`` is tiled into ``Tm x Tk`` input tiles (operand A), ``Tk x Tn``
weight tiles (operand B) and ``Tm x Tn`` output tiles; ``nm = ceil(M/Tm)`` etc. The loop order
names the operand that stays resident in the outer loop (docs/assumptions.md (part 2)):

* ``weight`` (code 0): B read once; A re-read once per N-tile; partial sums spill when K
  is split and the M x Tn output block is not resident (``nk > 1 and nm > 1``).
* ``input`` (code 1): A read once; B re-read once per M-tile; spill when ``nk > 1 and nn > 1``.
* ``output`` (code 2): outputs resident while K is swept; A re-read per N-tile, B per M-tile,
  never a spill.

An operand whose whole matrix is one tile (A: ``nm == nk == 1``; B: ``nk == nn == 1``) is
read once in every order. Each spill writes and later re-reads a partial sum at
accumulator width: ``2 * (nk - 1) * M * N * acc_bytes``. The final output is written once
at operand precision. All byte counts are per group and per repeat unless stated.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

LOOP_ORDERS: tuple[str, ...] = ("weight", "input", "output")
"""Loop-order names by code: which operand stays resident in the outer loop."""

WEIGHT_REUSE, INPUT_REUSE, OUTPUT_REUSE = 0, 1, 2


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
) -> GemmTraffic:
    """Bytes moved between DRAM and the buffers for one group of GEMM(M, K, N).

    All arguments broadcast; tiles must satisfy ``1 <= T <= dim``. ``bpe`` is bytes per
    operand element, ``acc_bytes`` bytes per partial sum.
    """
    nm = ceil_div(m, tm)
    nk = ceil_div(k, tk)
    nn = ceil_div(n, tn)
    a_whole = (nm == 1) & (nk == 1)
    b_whole = (nk == 1) & (nn == 1)
    a_passes = np.where(a_whole | (order == INPUT_REUSE), 1.0, nn)
    b_passes = np.where(b_whole | (order == WEIGHT_REUSE), 1.0, nm)
    spills = ((order == WEIGHT_REUSE) & (nm > 1)) | ((order == INPUT_REUSE) & (nn > 1))
    mn = m * n
    # out_bytes keeps the (smaller) shape of the dims; it does not depend on the tiling.
    a_bytes = (m * k * bpe) * a_passes
    b_bytes = (k * n * bpe) * b_passes
    spill_bytes = np.where(spills, 2.0 * (nk - 1.0) * (mn * acc_bytes), 0.0)
    out_bytes = mn * bpe
    return GemmTraffic(a_bytes, b_bytes, spill_bytes, out_bytes, b_whole)


def kernel_bytes(
    t: GemmTraffic, groups: np.ndarray, repeats: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(total bytes, per-step bytes, bytes loaded once) of a kernel.

    B stays on chip across the ``repeats`` when it is a single tile and ``groups == 1``
    (then it is loaded once); otherwise every repeat re-reads it. ``per-step`` is the
    traffic of one repeat excluding a resident B; ``once`` is the resident-B load.
    """
    resident = t.b_whole & (groups == 1) & (repeats > 1)
    per_group = t.a_bytes + t.spill_bytes + t.out_bytes
    b_step = np.where(resident, 0.0, t.b_bytes)
    step = groups * (per_group + b_step)
    once = np.where(resident, t.b_bytes, 0.0)
    return step * repeats + once, step, once
