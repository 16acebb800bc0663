"""Cycle-level reference simulator of a ``rows x cols`` systolic array running one GEMM.

Deliberately simple and slow: it exists to *prove* the closed form in
:mod:`accelscope.targets.asic.cost.systolic`, not to be used on the hot path.

Micro-architecture (one clock cycle = one loop iteration; all registers latch at once):

* Every PE has registered outputs. In a cycle it reads the values on its input ports
  (its left/upper neighbour's registers, or the edge feeders on the array boundary),
  multiplies-accumulates, and latches the results at the end of the cycle.
* Operands enter at the left edge (rows) and the top edge (columns) with the classic
  skew: element ``t`` of the stream for row ``r`` enters in stream cycle ``t + r``.
* Results leave at the bottom edge: an output has *left the array* in the cycle in which
  the output buffer below row ``rows - 1`` latches it.
* Every value carries a tag (its row/column index in the GEMM). Outputs are written
  where their tag says, so wrong timing shows up as a wrong product, and the simulator
  asserts that operands meeting in a PE belong together.
* Folds (tiles of a GEMM larger than the array) run back to back; the next fold's first
  operand enters in the cycle after the previous fold's last output left. In-flight
  registers are invalidated between folds; partial sums of different K-folds are added
  in the output buffer.

Dataflows (see ``docs/assumptions.md (part 3)``):

* ``ws`` weight-stationary: B (K x N) tile preloaded from the top edge, one row per
  cycle; rows of A stream in from the left; partial sums flow down.
* ``is`` input-stationary: A tile preloaded transposed (K along rows, M along cols);
  columns of B stream in from the left; partial sums flow down.
* ``os`` output-stationary: A enters from the left, B from the top, each PE accumulates
  one output; after the last MAC the outputs shift down out of the bottom edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelscope.errors import UnknownNameError, suggest
from accelscope.targets.asic.cost.systolic import DATAFLOWS

INVALID = -1
"""Tag of a register that holds no useful value."""


@dataclass(frozen=True)
class SimResult:
    """Result of :func:`simulate_gemm`: the product, total cycles and number of folds."""

    output: np.ndarray
    cycles: int
    folds: int


def _tiles(size: int, tile: int) -> list[tuple[int, int]]:
    """(start, length) of the tiles covering ``range(size)`` with tiles of ``tile``."""
    return [(start, min(tile, size - start)) for start in range(0, size, tile)]


def _shift_right(reg: np.ndarray, feed: np.ndarray | int) -> np.ndarray:
    """Values on the input ports of a row-wise chain: edge feed, then left neighbours."""
    out = np.empty_like(reg)
    out[:, 0] = feed
    out[:, 1:] = reg[:, :-1]
    return out


def _shift_down(reg: np.ndarray, feed: np.ndarray | int) -> np.ndarray:
    """Values on the input ports of a column-wise chain: edge feed, then upper neighbours."""
    out = np.empty_like(reg)
    out[0, :] = feed
    out[1:, :] = reg[:-1, :]
    return out


def _skewed(stream: np.ndarray, lanes: int) -> tuple[np.ndarray, np.ndarray]:
    """Skew buffer: what the edge feeders present, cycle by cycle.

    ``stream`` is T x w (element ``t`` of lane ``r`` is ``stream[t, r]``). Returns values
    and tags of shape (T + w - 1, lanes): in stream cycle ``c`` lane ``r`` presents
    ``stream[c - r, r]`` tagged ``c - r``, or 0 tagged INVALID when there is none.
    """
    steps, width = stream.shape
    values = np.zeros((steps + width - 1, lanes), dtype=np.int64)
    tags = np.full((steps + width - 1, lanes), INVALID, dtype=np.int64)
    for r in range(width):
        values[r : r + steps, r] = stream[:, r]
        tags[r : r + steps, r] = np.arange(steps)
    return values, tags


def _at(buffer: np.ndarray, cycle: int, fill: int) -> np.ndarray:
    """Row ``cycle`` of a skew buffer, or ``fill`` everywhere once the buffer is empty."""
    if cycle < buffer.shape[0]:
        return buffer[cycle]
    return np.full(buffer.shape[1], fill, dtype=np.int64)


def _stationary_fold(
    stationary: np.ndarray, stream: np.ndarray, rows: int, cols: int, weights: np.ndarray
) -> tuple[np.ndarray, int]:
    """One fold of a stationary dataflow (WS or IS) on the array.

    ``stationary`` (kt x ct) is preloaded into PE rows ``0..kt-1``, cols ``0..ct-1``;
    ``stream`` (T x kt) enters from the left, one vector per cycle with skew; partial sums
    flow down and leave at the bottom. ``weights`` is the array's stationary register
    plane (rows x cols), updated in place (stale values outside the tile stay, as in
    hardware; they only ever meet zero operands). Returns (T x ct result, cycles).
    """
    kt, ct = stationary.shape
    steps = stream.shape[0]
    cycles = 0

    # Preload: the tile enters at the top edge one row per cycle, last row first, and
    # the column shift chain moves everything down one row per cycle.
    for s in range(kt):
        feed = np.zeros(cols, dtype=np.int64)
        feed[:ct] = stationary[kt - 1 - s]
        weights[:] = _shift_down(weights, feed)
        cycles += 1

    a_val = np.zeros((rows, cols), dtype=np.int64)
    a_tag = np.full((rows, cols), INVALID, dtype=np.int64)
    p_val = np.zeros((rows, cols), dtype=np.int64)
    p_tag = np.full((rows, cols), INVALID, dtype=np.int64)
    feed_val, feed_tag = _skewed(stream, rows)
    result = np.zeros((steps, ct), dtype=np.int64)
    captured = np.zeros((steps, ct), dtype=bool)
    remaining = steps * ct
    t = 0  # stream cycle index
    while remaining:
        cycles += 1
        # Output buffer latches the bottom row's partial sums (values of the previous cycle).
        tags = p_tag[rows - 1, :ct]
        cols_out = (tags != INVALID).nonzero()[0]
        assert not captured[tags[cols_out], cols_out].any(), "output captured twice"
        result[tags[cols_out], cols_out] = p_val[rows - 1, cols_out]
        captured[tags[cols_out], cols_out] = True
        remaining -= cols_out.size
        # Left-edge feeders (skew buffer), then one systolic step.
        a_in = _shift_right(a_val, _at(feed_val, t, 0))
        a_in_tag = _shift_right(a_tag, _at(feed_tag, t, INVALID))
        # A partial sum is born in row 0 with the tag of the stream element entering it.
        p_in = _shift_down(p_val, 0)
        p_in_tag = _shift_down(p_tag, a_in_tag[0])
        meets = a_in_tag != INVALID
        assert ((p_in_tag == a_in_tag) | ~meets).all(), "operands out of step"
        p_val = p_in + a_in * weights
        p_tag = p_in_tag
        a_val, a_tag = a_in, a_in_tag
        t += 1
    return result, cycles


def _output_stationary_fold(
    a_tile: np.ndarray, b_tile: np.ndarray, rows: int, cols: int
) -> tuple[np.ndarray, int]:
    """One OS fold: ``a_tile`` (mt x K) from the left, ``b_tile`` (K x nt) from the top.

    PE (i, j) accumulates output (i, j); when every valid PE has done its K MACs, the
    accumulators shift down one row per cycle out of the bottom edge.
    Returns (mt x nt result, cycles).
    """
    mt, depth = a_tile.shape
    nt = b_tile.shape[1]
    cycles = 0
    a_val = np.zeros((rows, cols), dtype=np.int64)
    a_tag = np.full((rows, cols), INVALID, dtype=np.int64)
    b_val = np.zeros((rows, cols), dtype=np.int64)
    b_tag = np.full((rows, cols), INVALID, dtype=np.int64)
    acc = np.zeros((rows, cols), dtype=np.int64)
    macs_done = np.zeros((rows, cols), dtype=np.int64)
    a_val_feed, a_tag_feed = _skewed(a_tile.T, rows)  # A[i, k] enters row i at cycle i + k
    b_val_feed, b_tag_feed = _skewed(b_tile, cols)  # B[k, j] enters col j at cycle k + j
    t = 0
    # Compute phase: run until every PE of the tile has accumulated all K products.
    while (macs_done[:mt, :nt] < depth).any():
        cycles += 1
        a_val = _shift_right(a_val, _at(a_val_feed, t, 0))
        a_tag = _shift_right(a_tag, _at(a_tag_feed, t, INVALID))
        b_val = _shift_down(b_val, _at(b_val_feed, t, 0))
        b_tag = _shift_down(b_tag, _at(b_tag_feed, t, INVALID))
        both = (a_tag != INVALID) & (b_tag != INVALID)
        assert ((a_tag == b_tag) | ~both).all(), "operands out of step"
        acc = acc + a_val * b_val
        macs_done = macs_done + both
        t += 1
    # Drain phase: the accumulator plane shifts down; the output buffer latches row R-1.
    out_tag = np.where(np.arange(rows)[:, None] < mt, np.arange(rows)[:, None], INVALID)
    out_tag = np.broadcast_to(out_tag, (rows, cols)).copy()
    result = np.zeros((mt, nt), dtype=np.int64)
    remaining = mt * nt
    while remaining:
        cycles += 1
        tags = out_tag[rows - 1, :nt]
        cols_out = (tags != INVALID).nonzero()[0]
        result[tags[cols_out], cols_out] = acc[rows - 1, cols_out]
        remaining -= cols_out.size
        acc = _shift_down(acc, 0)
        out_tag = _shift_down(out_tag, INVALID)
    return result, cycles


def simulate_gemm(a: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: str) -> SimResult:
    """Simulate ``a @ b`` on a ``rows x cols`` array, cycle by cycle, with integer data.

    Counts cycles from the first operand entering the array to the last output leaving
    it, over all folds. ``a`` is M x K, ``b`` is K x N, both integer arrays.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"cannot multiply shapes {a.shape} and {b.shape}")
    if a.dtype.kind not in "iu" or b.dtype.kind not in "iu":
        raise TypeError("simulate_gemm works on integer matrices only")
    if min(a.shape + b.shape) < 1 or rows < 1 or cols < 1:
        raise ValueError("matrix dimensions and array size must be >= 1")
    if dataflow not in DATAFLOWS:
        raise UnknownNameError(
            f"unknown dataflow '{dataflow}'; expected one of {', '.join(DATAFLOWS)}"
            f"{suggest(dataflow, list(DATAFLOWS))}"
        )
    a = a.astype(np.int64)
    b = b.astype(np.int64)
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=np.int64)
    cycles = 0
    folds = 0
    weights = np.zeros((rows, cols), dtype=np.int64)  # stationary registers persist

    if dataflow == "ws":
        for n0, nt in _tiles(n, cols):
            for k0, kt in _tiles(k, rows):
                part, fold = _stationary_fold(
                    b[k0 : k0 + kt, n0 : n0 + nt], a[:, k0 : k0 + kt], rows, cols, weights
                )
                out[:, n0 : n0 + nt] += part
                cycles += fold
                folds += 1
    elif dataflow == "is":
        for m0, mt in _tiles(m, cols):
            for k0, kt in _tiles(k, rows):
                part, fold = _stationary_fold(
                    a[m0 : m0 + mt, k0 : k0 + kt].T, b[k0 : k0 + kt, :].T, rows, cols, weights
                )
                out[m0 : m0 + mt, :] += part.T
                cycles += fold
                folds += 1
    else:
        for m0, mt in _tiles(m, rows):
            for n0, nt in _tiles(n, cols):
                part, fold = _output_stationary_fold(
                    a[m0 : m0 + mt, :], b[:, n0 : n0 + nt], rows, cols
                )
                out[m0 : m0 + mt, n0 : n0 + nt] = part
                cycles += fold
                folds += 1
    return SimResult(output=out, cycles=cycles, folds=folds)
