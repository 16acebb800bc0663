"""Cycle-level reference simulator of the *pipelined* fold schedule (``fold_overlap: pipelined``).

Deliberately simple and slow: it proves :func:`targets.asic.cost.systolic.gemm_compute_cycles`
with ``pipelined=True`` cycle for cycle; it is never used on the hot path. Conventions
shared with :mod:`accelscope.targets.asic.cost.reference_sim` (one loop iteration = one clock edge,
registered PE outputs, skewed edge feeders, every value tagged so that wrong timing gives a
wrong product or a failed assertion). What differs is that folds overlap:

Weight-stationary (``ws``; ``is`` is its mirror, as in the unpipelined simulator)
    Every PE holds **two banks** of stationary registers; fold ``f`` uses bank ``f % 2``.
    The next fold's tile is preloaded into the other bank *while the current fold streams*:
    the skewed weight feeder presents column ``c`` of the tile at the top edge one row per
    cycle starting ``c`` cycles after the preload starts, deepest row first, and each value
    falls down its column one row per cycle until it reaches its own row, where it stays.
    A value in flight only passes rows above its destination, so rows below the tile are
    never disturbed. A streamed operand carries its fold number and multiplies the bank of
    that fold; the simulator asserts that the weight it meets belongs to the same fold and
    has settled.

    The controller is *greedy*, driven by two readiness conditions:

    * preload of fold ``f`` starts when the weight feeder is free (fold ``f-1``'s preload
      has entered) and bank ``f % 2`` is free at the top-left PE (fold ``f-2``'s stream has
      entered row 0);
    * the stream of fold ``f`` starts when the left feeder is free (fold ``f-1``'s stream
      has entered) and fold ``f``'s tile has settled at the top-left PE.

    Partial sums flow down as in the unpipelined array; results of every fold leave the
    bottom edge and are accumulated into the output buffer by their tags.

Output-stationary (``os``)
    Every PE has an accumulator and a **drain register**. When PE ``(i, j)`` has done its
    ``K`` MACs of a fold, the result moves into its drain register on the next edge; the
    drain registers of a column form a chain that shifts *up* one row per cycle, and the
    output buffer above row 0 latches whatever leaves the top. Results of one fold are
    spaced two cycles apart in the chain (the compute wavefront moves down while the drain
    moves up), so the chain needs no stalls. The controller issues fold ``f + 1`` ``P_f =
    max(K, 2 * m_f)`` cycles after fold ``f`` (``m_f`` = PE rows used by fold ``f``): the
    left/top feeders are busy ``K`` cycles, and a result of fold ``f + 1`` must not enter
    a drain register that a result of fold ``f`` is passing through, which needs a gap of
    at least ``2 * m_f - 1``; the controller counts in row pairs (one cycle of slack, so
    the period is proportional to the rows and splitting a fold never saves a cycle). The
    simulator asserts that no drain register is overwritten; ``issue_gap`` lets tests
    shorten the gap to show the assertion fires below ``2 * m_f - 1``.

Folds are ordered as in the unpipelined simulator: columns of the array (``N`` tiles for
``ws``, ``M`` tiles for ``is``, ``N`` tiles for ``os``) outer, rows inner.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

INVALID = -1
_FOLD = 1 << 20  # tag = fold * _FOLD + index: fold number and row/column index in one int


def _tiles(size: int, tile: int) -> list[tuple[int, int]]:
    return [(start, min(tile, size - start)) for start in range(0, size, tile)]


def _stationary_pipelined(
    folds: list[tuple[np.ndarray, np.ndarray, int, int]], rows: int, cols: int, out: np.ndarray
) -> int:
    """Run stationary folds back to back with double-buffered stationary registers.

    ``folds``: (stationary tile kt x ct, stream T x kt, out_row0, out_col0). Results of
    fold f (T x ct) are accumulated into ``out[:, out_col0 : out_col0 + ct]`` (rows of the
    stream index ``out`` rows). Returns the cycle count up to the last result leaving.
    """
    n = len(folds)
    bank_val = np.zeros((2, rows, cols), dtype=np.int64)
    bank_tag = np.full((2, rows, cols), INVALID, dtype=np.int64)  # fold of the value
    bank_dest = np.full((2, rows, cols), INVALID, dtype=np.int64)  # row it is falling to
    a_val = np.zeros((rows, cols), dtype=np.int64)
    a_tag = np.full((rows, cols), INVALID, dtype=np.int64)
    p_val = np.zeros((rows, cols), dtype=np.int64)
    p_tag = np.full((rows, cols), INVALID, dtype=np.int64)

    preload_start = [None] * n  # cycle the feeder starts presenting the fold's tile
    stream_start = [None] * n
    expected = sum(f[1].shape[0] * f[0].shape[1] for f in folds)
    captured: set[tuple[int, int, int]] = set()
    row_idx = np.arange(rows)[:, None]
    t = 0
    while len(captured) < expected:
        t += 1
        cyc = t - 1  # the edge at the end of this iteration is cycle index `cyc`
        # ---- output buffer latches the bottom row (values of the previous edge) -------
        tags = p_tag[rows - 1]
        for c in np.flatnonzero(tags != INVALID):
            f, m = divmod(int(tags[c]), _FOLD)
            stat, _, r0, c0 = folds[f]
            if c < stat.shape[1]:
                key = (f, m, c)
                assert key not in captured, "output captured twice"
                captured.add(key)
                out[r0 + m, c0 + c] += p_val[rows - 1, c]
        # ---- controller: start preloads and streams when ready --------------------------
        for f in range(n):
            if preload_start[f] is None:
                feeder_free = f == 0 or (
                    preload_start[f - 1] is not None
                    and cyc >= preload_start[f - 1] + folds[f - 1][0].shape[0]
                )
                bank_free = f < 2 or (
                    stream_start[f - 2] is not None
                    and cyc >= stream_start[f - 2] + folds[f - 2][1].shape[0]
                )
                if feeder_free and bank_free:
                    preload_start[f] = cyc
                break
        for f in range(n):
            if stream_start[f] is None:
                left_free = f == 0 or (
                    stream_start[f - 1] is not None
                    and cyc >= stream_start[f - 1] + folds[f - 1][1].shape[0]
                )
                settled = (
                    preload_start[f] is not None and cyc >= preload_start[f] + folds[f][0].shape[0]
                )
                if left_free and settled:
                    stream_start[f] = cyc
                break
        # ---- weight feeder + falling preload values -------------------------------------
        top_val = np.zeros((2, cols), dtype=np.int64)
        top_tag = np.full((2, cols), INVALID, dtype=np.int64)
        top_dest = np.full((2, cols), INVALID, dtype=np.int64)
        for f in range(n):
            if preload_start[f] is None:
                continue
            stat = folds[f][0]
            kt, ct = stat.shape
            step = cyc - preload_start[f] - np.arange(ct)  # per column: rows presented so far
            live = (step >= 0) & (step < kt)
            if not live.any():
                continue
            b = f % 2
            for c in np.flatnonzero(live):
                dest = kt - 1 - int(step[c])
                assert top_tag[b, c] == INVALID, "weight feeder presents two values at once"
                top_val[b, c], top_tag[b, c], top_dest[b, c] = stat[dest, c], f, dest
        for b in range(2):
            # A register takes the value above it when that value is still falling.
            above_val = np.vstack([top_val[b][None], bank_val[b, :-1]])
            above_tag = np.vstack([top_tag[b][None], bank_tag[b, :-1]])
            above_dest = np.vstack([top_dest[b][None], bank_dest[b, :-1]])
            incoming = (above_tag != INVALID) & (above_dest >= row_idx)
            leaving = (bank_tag[b] != INVALID) & (bank_dest[b] > row_idx)
            keep = ~incoming & ~leaving
            bank_val[b] = np.where(incoming, above_val, np.where(keep, bank_val[b], 0))
            bank_tag[b] = np.where(incoming, above_tag, np.where(keep, bank_tag[b], INVALID))
            bank_dest[b] = np.where(incoming, above_dest, np.where(keep, bank_dest[b], INVALID))
        # ---- left feeder (skewed): element m of the stream enters row r at start + m + r --
        feed_val = np.zeros(rows, dtype=np.int64)
        feed_tag = np.full(rows, INVALID, dtype=np.int64)
        for f in range(n):
            if stream_start[f] is None:
                continue
            stream = folds[f][1]
            steps, kt = stream.shape
            m_idx = cyc - stream_start[f] - np.arange(kt)
            live = (m_idx >= 0) & (m_idx < steps)
            for r in np.flatnonzero(live):
                assert feed_tag[r] == INVALID, "left feeder presents two values at once"
                feed_val[r] = stream[m_idx[r], r]
                feed_tag[r] = f * _FOLD + m_idx[r]
        a_in = np.hstack([feed_val[:, None], a_val[:, :-1]])
        a_in_tag = np.hstack([feed_tag[:, None], a_tag[:, :-1]])
        # Partial sums are born in row 0 with the tag of the operand entering it.
        p_in = np.vstack([np.zeros((1, cols), dtype=np.int64), p_val[:-1]])
        p_in_tag = np.vstack([a_in_tag[:1], p_tag[:-1]])
        meets = a_in_tag != INVALID
        assert ((p_in_tag == a_in_tag) | ~meets).all(), "operands out of step"
        fold_of = np.where(meets, a_in_tag // _FOLD, 0)
        bank = fold_of % 2
        w_val = np.take_along_axis(bank_val, bank[None], 0)[0]
        w_tag = np.take_along_axis(bank_tag, bank[None], 0)[0]
        w_dest = np.take_along_axis(bank_dest, bank[None], 0)[0]
        # Operands inside the fold's tile must meet their own fold's settled weight.
        in_tile = np.zeros((rows, cols), dtype=bool)
        for f in np.unique(fold_of[meets]):
            kt, ct = folds[int(f)][0].shape
            sel = meets & (fold_of == f)
            in_tile |= sel & (row_idx < kt) & (np.arange(cols)[None] < ct)
        assert ((w_tag == fold_of) & (w_dest == row_idx) | ~in_tile).all(), (
            "an operand met a weight of another fold or one still falling"
        )
        p_val = p_in + np.where(meets, a_in * w_val, 0)
        p_tag = p_in_tag
        a_val, a_tag = a_in, a_in_tag
    return t


def simulate_stationary(
    a: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: str
) -> tuple[np.ndarray, int, int]:
    """(product, cycles, folds) of ``a @ b`` under ``ws`` or ``is``, pipelined folds."""
    m, k = a.shape
    n = b.shape[1]
    if dataflow == "is":  # is(A, B) = ws(B^T, A^T)^T
        out_t, cycles, folds = simulate_stationary(b.T, a.T, rows, cols, "ws")
        return out_t.T, cycles, folds
    out = np.zeros((m, n), dtype=np.int64)
    folds = [
        (b[k0 : k0 + kt, n0 : n0 + nt], a[:, k0 : k0 + kt], 0, n0)
        for n0, nt in _tiles(n, cols)
        for k0, kt in _tiles(k, rows)
    ]
    cycles = _stationary_pipelined(folds, rows, cols, out)
    return out, cycles, len(folds)


def os_issue_gap(depth: int, rows_used: int) -> int:
    """Cycles between the stream starts of consecutive ``os`` folds: ``max(K, 2 * m_f)``."""
    return max(depth, 2 * rows_used)


def simulate_output_stationary(
    a: np.ndarray,
    b: np.ndarray,
    rows: int,
    cols: int,
    issue_gap: Callable[[int, int], int] = os_issue_gap,
) -> tuple[np.ndarray, int, int]:
    """(product, cycles, folds) of ``a @ b`` under ``os`` with pipelined folds."""
    m, depth = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=np.int64)
    folds = [(m0, mt, n0, nt) for n0, nt in _tiles(n, cols) for m0, mt in _tiles(m, rows)]
    starts = [0]
    for _, mt, _, _ in folds[:-1]:
        starts.append(starts[-1] + issue_gap(depth, mt))

    a_val = np.zeros((rows, cols), dtype=np.int64)
    a_tag = np.full((rows, cols), INVALID, dtype=np.int64)
    b_val = np.zeros((rows, cols), dtype=np.int64)
    b_tag = np.full((rows, cols), INVALID, dtype=np.int64)
    acc = np.zeros((rows, cols), dtype=np.int64)
    acc_fold = np.full((rows, cols), INVALID, dtype=np.int64)
    acc_count = np.zeros((rows, cols), dtype=np.int64)
    d_val = np.zeros((rows, cols), dtype=np.int64)
    d_tag = np.full((rows, cols), INVALID, dtype=np.int64)  # fold * _FOLD + row index
    expected = m * n
    captured = 0
    t = 0
    while captured < expected:
        t += 1
        cyc = t - 1
        # ---- output buffer above row 0 latches what leaves the top of the drain chain ---
        for j in np.flatnonzero(d_tag[0] != INVALID):
            f, i = divmod(int(d_tag[0, j]), _FOLD)
            m0, mt, n0, nt = folds[f]
            if i < mt and j < nt:
                out[m0 + i, n0 + j] = d_val[0, j]
                captured += 1
        # ---- drain chain shifts up; finished accumulators enter their drain register ----
        d_val = np.vstack([d_val[1:], np.zeros((1, cols), dtype=np.int64)])
        d_tag = np.vstack([d_tag[1:], np.full((1, cols), INVALID, dtype=np.int64)])
        done = (acc_fold != INVALID) & (acc_count == depth)
        assert not (done & (d_tag != INVALID)).any(), "drain register overwritten"
        d_val = np.where(done, acc, d_val)
        d_tag = np.where(done, acc_fold * _FOLD + np.arange(rows)[:, None], d_tag)
        acc_fold = np.where(done, INVALID, acc_fold)
        acc_count = np.where(done, 0, acc_count)
        # ---- skewed feeders: A[m0+i, k] enters row i and B[k, n0+j] column j at s + i/j + k
        fa_val = np.zeros(rows, dtype=np.int64)
        fa_tag = np.full(rows, INVALID, dtype=np.int64)
        fb_val = np.zeros(cols, dtype=np.int64)
        fb_tag = np.full(cols, INVALID, dtype=np.int64)
        for f, (m0, mt, n0, nt) in enumerate(folds):
            kk = cyc - starts[f]
            if kk < 0 or kk >= depth + max(mt, nt):
                continue
            for i in range(mt):
                if 0 <= kk - i < depth:
                    assert fa_tag[i] == INVALID, "left feeder presents two values at once"
                    fa_val[i], fa_tag[i] = a[m0 + i, kk - i], f * _FOLD + kk - i
            for j in range(nt):
                if 0 <= kk - j < depth:
                    assert fb_tag[j] == INVALID, "top feeder presents two values at once"
                    fb_val[j], fb_tag[j] = b[kk - j, n0 + j], f * _FOLD + kk - j
        a_val = np.hstack([fa_val[:, None], a_val[:, :-1]])
        a_tag = np.hstack([fa_tag[:, None], a_tag[:, :-1]])
        b_val = np.vstack([fb_val[None], b_val[:-1]])
        b_tag = np.vstack([fb_tag[None], b_tag[:-1]])
        both = (a_tag != INVALID) & (b_tag != INVALID)
        assert ((a_tag == b_tag) | ~both).all(), "operands out of step"
        fold = np.where(both, a_tag // _FOLD, INVALID)
        assert ((acc_fold == INVALID) | (acc_fold == fold) | ~both).all(), (
            "a new fold reached an accumulator that is still busy"
        )
        acc = np.where(both, np.where(acc_fold == fold, acc, 0) + a_val * b_val, acc)
        acc_fold = np.where(both, fold, acc_fold)
        acc_count = acc_count + both
    return out, t, len(folds)
