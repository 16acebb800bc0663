"""Systolic-array timing: closed form (targets/asic/cost/systolic.py) vs cycle-level simulator."""

from __future__ import annotations

import numpy as np
import pytest

from accelscope.errors import AccelscopeError, UnknownNameError
from accelscope.targets.asic.cost.reference_sim import simulate_gemm
from accelscope.targets.asic.cost.systolic import (
    DATAFLOW_CODE,
    DATAFLOWS,
    fold_count,
    fold_cycles,
    gemm_compute_cycles,
)

# Square, non-square (tall, wide, odd), and larger than any GEMM below. The 1x1 array is
# covered separately with smaller GEMMs (it needs ~M*K*N cycles and would dominate runtime).
ARRAY_SHAPES = [(4, 4), (8, 8), (4, 8), (8, 4), (16, 3), (3, 16), (2, 5), (64, 64), (96, 80)]


def _random_dims(rng: np.random.Generator) -> tuple[int, int, int]:
    """M, K, N in 1..64, log-uniform so small/edge sizes are as frequent as large ones."""
    dims = np.exp(rng.uniform(0.0, np.log(65.0), size=3)).astype(np.int64)
    m, k, n = np.clip(dims, 1, 64)
    return int(m), int(k), int(n)


def _check(a: np.ndarray, b: np.ndarray, rows: int, cols: int, dataflow: str) -> int:
    m, k = a.shape
    n = b.shape[1]
    res = simulate_gemm(a, b, rows, cols, dataflow)
    assert res.output.dtype == np.int64
    np.testing.assert_array_equal(res.output, a.astype(np.int64) @ b.astype(np.int64))
    closed = gemm_compute_cycles(dataflow, m, k, n, rows, cols)
    assert int(closed) == res.cycles, (dataflow, m, k, n, rows, cols)
    assert int(fold_count(dataflow, m, k, n, rows, cols)) == res.folds
    return res.cycles


# ---------------------------------------------------------------- (a) simulator == closed form
def test_random_gemms_simulator_matches_matmul_and_closed_form():
    """300 seeded random GEMMs x 3 dataflows: exact product and exact cycle count."""
    rng = np.random.default_rng(20240611)
    n_cases = 300
    seen_fold = seen_bigger = 0
    for case in range(n_cases):
        m, k, n = _random_dims(rng)
        rows, cols = ARRAY_SHAPES[case % len(ARRAY_SHAPES)]
        a = rng.integers(-128, 128, size=(m, k))
        b = rng.integers(-128, 128, size=(k, n))
        for dataflow in DATAFLOWS:
            _check(a, b, rows, cols, dataflow)
        seen_fold += max(m, k, n) > max(rows, cols)
        seen_bigger += max(m, k, n) < min(rows, cols)
    # The sample really covers folding and arrays larger than the GEMM.
    assert seen_fold > 50 and seen_bigger > 50


def test_single_pe_and_single_row_arrays_match():
    """Degenerate arrays (1x1, 1xC, Rx1) on 40 small random GEMMs x 3 dataflows."""
    rng = np.random.default_rng(11)
    for case in range(40):
        m, k, n = (int(x) for x in rng.integers(1, 11, size=3))
        rows, cols = [(1, 1), (1, 7), (6, 1)][case % 3]
        a = rng.integers(-50, 50, size=(m, k))
        b = rng.integers(-50, 50, size=(k, n))
        for dataflow in DATAFLOWS:
            _check(a, b, rows, cols, dataflow)


@pytest.mark.parametrize("dataflow", DATAFLOWS)
@pytest.mark.parametrize(
    "m,k,n,rows,cols",
    [
        (64, 64, 64, 16, 3),  # largest dims, many folds with partial tiles (64 = 21*3 + 1)
        (8, 8, 8, 8, 8),  # exactly one full fold
        (9, 9, 9, 8, 8),  # one more than the array: 1-wide edge tiles
        (7, 7, 7, 8, 8),  # one less than the array
        (1, 64, 1, 4, 8),  # long reduction, single output
        (64, 1, 64, 8, 4),  # rank-1 update
    ],
)
def test_edge_sizes_match(dataflow, m, k, n, rows, cols):
    rng = np.random.default_rng(m * 10007 + k * 101 + n)
    a = rng.integers(-1000, 1000, size=(m, k), dtype=np.int32)
    b = rng.integers(-1000, 1000, size=(k, n), dtype=np.int32)
    _check(a, b, rows, cols, dataflow)


def test_stale_stationary_values_do_not_leak_between_folds():
    # K = 6 on 4 rows: the second K-fold preloads only 2 rows, so rows 2..3 keep weights of
    # the first fold (shifted down). Large distinct values make any leak visible.
    a = np.arange(1, 19).reshape(3, 6) * 1000
    b = np.arange(1, 31).reshape(6, 5) * 7
    for dataflow in ("ws", "is"):
        res = simulate_gemm(a, b, 4, 4, dataflow)
        np.testing.assert_array_equal(res.output, a @ b)


# ---------------------------------------------------------------- (b) hand-derived cases
def test_ws_one_fold_4x4_by_hand():
    # WS, M=K=N=4 on 4x4, one fold. Preload: B enters the top edge one row per cycle
    # (cycles 1..4). Stream cycle s = 0 is cycle 5. A[m, k] enters row k at s = m + k,
    # reaches column c at s = m + k + c; the partial sum of output (m, c) is latched in
    # row 3 at s = m + 3 + c and by the output buffer one cycle later, s = m + 4 + c.
    # Last output (3, 3): s = 10, i.e. cycle 4 + 10 + 1 = 15.
    # Formula: rows + k_t + n_t + M - 1 = 4 + 4 + 4 + 4 - 1 = 15.
    a = np.arange(16).reshape(4, 4)
    b = np.arange(16, 32).reshape(4, 4)
    res = simulate_gemm(a, b, 4, 4, "ws")
    assert (res.cycles, res.folds) == (15, 1)
    assert int(gemm_compute_cycles("ws", 4, 4, 4, 4, 4)) == 15
    assert int(fold_cycles("ws", 4, 4, 4, 4, 4)) == 15


def test_os_one_fold_4x4_by_hand():
    # OS, M=K=N=4 on 4x4. A[i, k] enters row i and B[k, j] column j at stream cycle
    # i + k resp. k + j, so PE (i, j) does MAC k in cycle i + j + k + 1; the last MAC
    # (3, 3, k=3) is in cycle 10. Drain: outputs shift down, row 3 leaves in cycle 11,
    # row 0 after 4 shifts in cycle 14. Formula rows + m_t + n_t + K - 2 = 14, which is
    # also SCALE-Sim's 2R + C + T - 2 = 8 + 4 + 4 - 2 (Samajdar et al., ISPASS 2020).
    a = np.arange(16).reshape(4, 4)
    b = np.arange(16, 32).reshape(4, 4)
    assert simulate_gemm(a, b, 4, 4, "os").cycles == 14
    assert int(gemm_compute_cycles("os", 4, 4, 4, 4, 4)) == 14


def test_single_pe_by_hand():
    # 1x1 array, 1x1x1 GEMM. WS/IS: preload (1), MAC (1), output latched (1) = 3.
    # OS: MAC (1), accumulator shifted out (1) = 2.
    one = np.array([[3]])
    two = np.array([[5]])
    assert [simulate_gemm(one, two, 1, 1, d).cycles for d in ("ws", "os", "is")] == [3, 2, 3]
    assert gemm_compute_cycles(np.array([0, 1, 2]), 1, 1, 1, 1, 1).tolist() == [3, 2, 3]


def test_ws_folding_by_hand():
    # WS, M=5, K=10, N=6 on 4x4: K tiles (4, 4, 2), N tiles (4, 2) -> 6 folds, each
    # rows + k_t + n_t + M - 1 = 8 + k_t + n_t cycles:
    # (4,4)=16 twice, (2,4)=14, (4,2)=14 twice, (2,2)=12 -> 86.
    # Closed form: 6 * (4 + 5 - 1) + K * 2 + N * 3 = 48 + 20 + 18 = 86.
    rng = np.random.default_rng(0)
    a = rng.integers(-9, 9, (5, 10))
    b = rng.integers(-9, 9, (10, 6))
    res = simulate_gemm(a, b, 4, 4, "ws")
    assert (res.cycles, res.folds) == (86, 6)
    assert int(gemm_compute_cycles("ws", 5, 10, 6, 4, 4)) == 86
    # The first (full) fold is the longest: 16 cycles; 6 * 16 >= 86.
    assert int(fold_cycles("ws", 5, 10, 6, 4, 4)) == 16


def test_is_mirrors_ws():
    # IS maps (K rows, M cols, N streamed): IS(M, K, N) == WS(N, K, M) by construction.
    # Hand value: IS, M=3, K=2, N=7 on 4x4: one fold, rows + k_t + m_t + N - 1 = 4+2+3+7-1 = 15.
    assert int(gemm_compute_cycles("is", 3, 2, 7, 4, 4)) == 15
    assert int(gemm_compute_cycles("ws", 7, 2, 3, 4, 4)) == 15
    a = np.ones((3, 2), dtype=np.int64)
    b = np.ones((2, 7), dtype=np.int64)
    assert simulate_gemm(a, b, 4, 4, "is").cycles == 15


def test_array_larger_than_gemm_by_hand():
    # OS, M=2, K=3, N=2 on 8x8: last MAC at PE (1,1), k=2, in cycle 1+1+2+1 = 5; the
    # drain goes through all 8 rows to the bottom edge: row 0 leaves in cycle 5 + 8 = 13.
    a = np.array([[1, 2, 3], [4, 5, 6]])
    b = np.array([[1, 0], [0, 1], [1, 1]])
    res = simulate_gemm(a, b, 8, 8, "os")
    assert res.cycles == 13
    np.testing.assert_array_equal(res.output, a @ b)
    assert int(gemm_compute_cycles("os", 2, 3, 2, 8, 8)) == 13


def test_full_folds_relate_to_scale_sim():
    # SCALE-Sim scale-up runtime (Samajdar et al., ISPASS 2020):
    #   (2R + C + T - 2) * ceil(S_R / R) * ceil(S_C / C).
    # With dims that are multiples of the array every fold is full; OS equals it exactly,
    # WS/IS count one more cycle per fold (output-buffer latch after the preload-shifted
    # pipeline, see docs/assumptions.md (part 3)).
    rows, cols = 8, 4
    m, k, n = 24, 16, 12

    def scale_sim(t: int, s_r: int, s_c: int) -> int:
        return (2 * rows + cols + t - 2) * (s_r // rows) * (s_c // cols)

    # OS: 3 x 3 folds; WS: K/8 * N/4 = 6 folds; IS: K/8 * M/4 = 12 folds.
    assert int(gemm_compute_cycles("os", m, k, n, rows, cols)) == scale_sim(k, m, n)
    assert int(gemm_compute_cycles("ws", m, k, n, rows, cols)) == scale_sim(m, k, n) + 6
    assert int(gemm_compute_cycles("is", m, k, n, rows, cols)) == scale_sim(n, k, m) + 12


# ---------------------------------------------------------------- (c) vectorization
def test_broadcasting_shapes_and_dtype():
    rng = np.random.default_rng(7)
    codes = np.array([[0], [1], [2]])  # (n_cfg, 1)
    rows = np.array([[4], [16], [32]])
    cols = np.array([[8], [16], [3]])
    m = rng.integers(1, 500, size=(1, 6))  # (1, n_k)
    k = rng.integers(1, 500, size=(1, 6))
    n = rng.integers(1, 500, size=(1, 6))
    for fn in (fold_count, fold_cycles, gemm_compute_cycles):
        out = fn(codes, m, k, n, rows, cols)
        assert out.shape == (3, 6)
        assert out.dtype == np.int64
        for i in range(3):
            for j in range(6):
                one = fn(DATAFLOWS[i], m[0, j], k[0, j], n[0, j], rows[i, 0], cols[i, 0])
                assert int(one) == out[i, j]
    # Names work as arrays too, and scalars give 0-d int64 arrays.
    names = np.array([["ws"], ["os"], ["is"]])
    np.testing.assert_array_equal(
        gemm_compute_cycles(names, m, k, n, rows, cols),
        gemm_compute_cycles(codes, m, k, n, rows, cols),
    )
    scalar = gemm_compute_cycles("os", 3, 4, 5, 2, 2)
    assert scalar.shape == () and scalar.dtype == np.int64
    assert DATAFLOW_CODE == {"ws": 0, "os": 1, "is": 2}


def test_large_dims_do_not_overflow():
    # A 4096 x 4096 x 4096 GEMM on a 128 x 128 WS array: 32 * 32 folds of
    # 128 + 128 + 128 + 4096 - 1 = 4479 cycles -> 4,586,496 cycles.
    assert int(gemm_compute_cycles("ws", 4096, 4096, 4096, 128, 128)) == 1024 * 4479


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(UnknownNameError, match="did you mean: ws"):
        gemm_compute_cycles("wss", 1, 1, 1, 4, 4)
    with pytest.raises(AccelscopeError):
        fold_count(np.array(["ws", "xx"]), 1, 1, 1, 4, 4)
    with pytest.raises(ValueError, match="auto"):
        gemm_compute_cycles(3, 1, 1, 1, 4, 4)
    with pytest.raises(ValueError, match="m must be >= 1"):
        gemm_compute_cycles("ws", np.array([1, 0]), 1, 1, 4, 4)
    with pytest.raises(ValueError, match="rows"):
        fold_cycles("os", 1, 1, 1, 0, 4)
    with pytest.raises(UnknownNameError):
        simulate_gemm(np.ones((2, 2), int), np.ones((2, 2), int), 2, 2, "rs")
    with pytest.raises(TypeError):
        simulate_gemm(np.ones((2, 2)), np.ones((2, 2)), 2, 2, "ws")
    with pytest.raises(ValueError):
        simulate_gemm(np.ones((2, 3), int), np.ones((2, 2), int), 2, 2, "ws")


# ---------------------------------------------------------------- (d) bounds and monotonicity
def _random_batch(seed: int, size: int = 20000):
    rng = np.random.default_rng(seed)
    code = rng.integers(0, 3, size)
    m, k, n = (rng.integers(1, 3000, size) for _ in range(3))
    rows, cols = rng.integers(1, 257, size), rng.integers(1, 257, size)
    return code, m, k, n, rows, cols


def test_lower_bound_and_fold_bound():
    code, m, k, n, rows, cols = _random_batch(1)
    total = gemm_compute_cycles(code, m, k, n, rows, cols)
    # No array can do more than rows*cols MACs per cycle.
    assert np.all(total >= -(-(m * k * n) // (rows * cols)))
    # Folds stream the third dimension at least once each.
    stream = np.choose(code, [m, k, n])
    assert np.all(total >= fold_count(code, m, k, n, rows, cols) * stream)
    # Edge folds are never longer than the full first fold.
    assert np.all(
        total <= fold_count(code, m, k, n, rows, cols) * fold_cycles(code, m, k, n, rows, cols)
    )


def test_equal_to_fold_product_when_dims_divide():
    rng = np.random.default_rng(3)
    rows, cols = rng.integers(1, 33, 500), rng.integers(1, 33, 500)
    m, k, n = (rng.integers(1, 5, 500) * rows * cols for _ in range(3))
    for d in DATAFLOWS:
        np.testing.assert_array_equal(
            gemm_compute_cycles(d, m, k, n, rows, cols),
            fold_count(d, m, k, n, rows, cols) * fold_cycles(d, m, k, n, rows, cols),
        )


def test_monotone_in_every_gemm_dimension():
    code, m, k, n, rows, cols = _random_batch(2)
    base = gemm_compute_cycles(code, m, k, n, rows, cols)
    assert np.all(gemm_compute_cycles(code, m + 1, k, n, rows, cols) > base)
    assert np.all(gemm_compute_cycles(code, m, k + 1, n, rows, cols) > base)
    assert np.all(gemm_compute_cycles(code, m, k, n + 1, rows, cols) > base)


# ---------------------------------------------------------------- pipelined folds (v2)
from accelscope.targets.asic.cost.reference_sim_pipelined import (  # noqa: E402
    os_issue_gap,
    simulate_output_stationary,
    simulate_stationary,
)
from accelscope.targets.asic.cost.systolic import _mapped, tiled_compute_cycles  # noqa: E402

PIPELINED_SHAPES = [*ARRAY_SHAPES, (1, 6), (5, 1), (12, 14)]


def _simulate_pipelined(a, b, rows, cols, dataflow):
    if dataflow == "os":
        return simulate_output_stationary(a, b, rows, cols)
    return simulate_stationary(a, b, rows, cols, dataflow)


@pytest.mark.slow
def test_pipelined_random_gemms_simulator_matches_matmul_and_closed_form():
    """300 seeded random GEMMs x 3 dataflows over 12 array shapes: exact product, exact
    cycles of the double-buffered schedule (the simulator's greedy controller for ws/is,
    the drain-safe issue gap for os)."""
    rng = np.random.default_rng(20261130)
    seen_fold = 0
    for case in range(300):
        m, k, n = _random_dims(rng)
        rows, cols = PIPELINED_SHAPES[case % len(PIPELINED_SHAPES)]
        a = rng.integers(-128, 128, size=(m, k))
        b = rng.integers(-128, 128, size=(k, n))
        for dataflow in DATAFLOWS:
            out, cycles, folds = _simulate_pipelined(a, b, rows, cols, dataflow)
            np.testing.assert_array_equal(out, a.astype(np.int64) @ b.astype(np.int64))
            closed = gemm_compute_cycles(dataflow, m, k, n, rows, cols, pipelined=True)
            assert int(closed) == cycles, (dataflow, m, k, n, rows, cols)
            assert int(fold_count(dataflow, m, k, n, rows, cols)) == folds
        seen_fold += max(m, k, n) > max(rows, cols)
    assert seen_fold > 50


def test_pipelined_ws_by_hand():
    # ws, M = 5, K = 10, N = 6 on 4x4 (the unpipelined worked example takes 86 cycles).
    # Folds: N tiles (4, 2) outer, K tiles (4, 4, 2) inner; stream S = 5. The next fold's
    # preload (its rows) overlaps the current stream: r_0 + sum_{f>=1} max(S, r_f) + S +
    # R + c_last - 1 = 4 + 5*5 + 5 + 4 + 2 - 1 = 39.
    a = np.arange(50).reshape(5, 10) % 7
    b = np.arange(60).reshape(10, 6) % 5
    out, cycles, folds = simulate_stationary(a, b, 4, 4, "ws")
    np.testing.assert_array_equal(out, a @ b)
    assert (cycles, folds) == (39, 6)
    assert int(gemm_compute_cycles("ws", 5, 10, 6, 4, 4, pipelined=True)) == 39
    # One row of A (batch-1 FC): every fold waits for its 4-row preload: preload-bound.
    assert int(gemm_compute_cycles("ws", 1, 10, 6, 4, 4, pipelined=True)) == 4 + 16 + 1 + 4 + 2 - 1


def test_pipelined_single_fold_equals_unpipelined():
    for dataflow in ("ws", "is"):
        for dims in ((4, 4, 4), (3, 2, 4), (1, 1, 1)):  # one fold for ws and is
            assert int(gemm_compute_cycles(dataflow, *dims, 4, 4, pipelined=True)) == int(
                gemm_compute_cycles(dataflow, *dims, 4, 4)
            )


def test_os_issue_gap_is_safe_and_one_cycle_from_tight():
    # K = 3 < 2 m - 1: the gap is set by the drain chain. max(K, 2m) is safe; 2m - 2 makes
    # a result of the next fold enter a drain register a result is still passing through.
    rng = np.random.default_rng(3)
    a = rng.integers(-5, 5, size=(8, 3))
    b = rng.integers(-5, 5, size=(3, 4))
    out, _, _ = simulate_output_stationary(a, b, 4, 4)
    np.testing.assert_array_equal(out, a @ b)
    assert os_issue_gap(3, 4) == 8
    out, _, _ = simulate_output_stationary(a, b, 4, 4, issue_gap=lambda d, m: max(d, 2 * m - 1))
    np.testing.assert_array_equal(out, a @ b)
    with pytest.raises(AssertionError, match="drain register overwritten"):
        simulate_output_stationary(a, b, 4, 4, issue_gap=lambda d, m: max(d, 2 * m - 2))


@pytest.mark.parametrize("pipelined", [False, True])
def test_tiled_compute_with_whole_tiles_equals_the_closed_form(pipelined):
    rng = np.random.default_rng(11)
    n = 20000
    m, k, nn = (rng.integers(1, 300, n) for _ in range(3))
    rows, cols = rng.integers(1, 200, n), rng.integers(1, 200, n)
    df = rng.integers(0, 3, n)
    ref = gemm_compute_cycles(df, m, k, nn, rows, cols, pipelined=pipelined)
    d_row, d_col, d_stream, _, r_, c_ = _mapped(df, m, k, nn, rows, cols)
    f = lambda x: x.astype(np.float64)  # noqa: E731
    got = tiled_compute_cycles(
        f(d_row),
        f(d_col),
        f(d_stream),
        f(d_row),
        f(d_col),
        f(d_stream),
        f(r_),
        f(c_),
        df == 1,
        np.full(n, pipelined),
    )
    np.testing.assert_array_equal(got, ref)


def test_tiled_compute_never_grows_with_the_stream_tile():
    # Balanced stream chunks: a larger chunk never costs cycles (both conventions, ws/os).
    t = np.arange(1.0, 301.0)
    for is_os in (False, True):
        for pipelined in (False, True):
            cyc = tiled_compute_cycles(
                37.0, 50.0, 300.0, 37.0, 50.0, t, 16.0, 8.0, is_os, pipelined
            )
            assert np.all(np.diff(cyc) <= 0)


def test_compiled_tiled_cycles_equal_the_numpy_expressions_bit_for_bit():
    from accelscope.targets.asic.cost.systolic import tiled_compute_cycles_numpy

    rng = np.random.default_rng(11)
    n = 20_000
    rows = 2.0 ** rng.integers(1, 9, n)
    cols = 2.0 ** rng.integers(1, 9, n)
    d_row = rng.integers(1, 5000, n).astype(float)
    d_col = rng.integers(1, 5000, n).astype(float)
    d_stream = rng.integers(1, 100_000, n).astype(float)

    # Tiles as the mapper makes them: the whole dimension, a multiple of the edge, or less.
    def tile(d, edge):
        kind = rng.integers(0, 3, n)
        multiple = np.minimum(d, edge * rng.integers(1, 8, n))
        below = np.minimum(d, np.maximum(1.0, np.floor(edge * rng.random(n))))
        return np.where(kind == 0, d, np.where(kind == 1, multiple, below))

    t_row, t_col = tile(d_row, rows), tile(d_col, cols)
    t_stream = np.maximum(1.0, np.floor(d_stream * rng.random(n)))
    is_os = rng.random(n) < 0.4
    pipelined = rng.random(n) < 0.6
    args = (d_row, d_col, d_stream, t_row, t_col, t_stream, rows, cols)
    got = tiled_compute_cycles(*args, is_os, pipelined)
    want = tiled_compute_cycles_numpy(*args, is_os, pipelined)
    assert np.array_equal(got, want)
    for os_val in (False, True):
        for pip_val in (False, True):
            assert np.array_equal(
                tiled_compute_cycles(*args, os_val, pip_val),
                tiled_compute_cycles_numpy(*args, os_val, pip_val),
            )


def test_compiled_tile_traffic_equals_the_numpy_expressions_bit_for_bit():
    from accelscope.targets.asic.cost.tiled_kernel import tile_traffic
    from accelscope.targets.asic.cost.traffic import conv_columns, conv_pass_elements, gemm_traffic

    rng = np.random.default_rng(5)
    n = 20_000
    m = rng.integers(1, 50_000, n).astype(float)
    k = rng.integers(1, 5_000, n).astype(float)
    nn = rng.integers(1, 5_000, n).astype(float)
    tm = np.maximum(1.0, np.floor(m * rng.random(n)))
    tk = np.maximum(1.0, np.floor(k * rng.random(n)))
    tn = np.maximum(1.0, np.floor(nn * rng.random(n)))
    order = rng.integers(0, 3, n)
    bpe = rng.choice([1.0, 2.0], n)
    acc = rng.choice([2.0, 4.0], n)
    # Geometry rows: (batch, channels, in_h, in_w, out_h, out_w, stride_h, stride_w,
    # span_h, span_w); a zero row is not a convolution.
    geometry = np.zeros((n, 10), dtype=np.int64)
    conv = rng.random(n) < 0.7
    side = rng.integers(7, 225, n)
    stride = rng.integers(1, 3, n)
    span = rng.integers(1, 8, n)
    out = np.maximum(1, (side - span) // stride + 1)
    geometry[conv] = np.column_stack(
        [rng.integers(1, 5, n), rng.integers(1, 513, n), side, side, out, out, stride, stride,
         span, span]
    )[conv]  # fmt: skip
    cv = conv_columns(geometry)
    want = gemm_traffic(order, tm, tk, tn, m, k, nn, bpe, acc, conv_pass_elements(m, k, tm, cv))
    got = tile_traffic(
        order, tm, tk, tn, m, k, nn, bpe, acc, cv.is_conv, cv.batch, cv.channels, cv.in_h,
        cv.in_w, cv.out_w, cv.stride_h, cv.stride_w, cv.span_h, cv.span_w,
    )  # fmt: skip
    for a, b in zip(got, (want.a_bytes, want.b_bytes, want.spill_bytes, want.b_whole), strict=True):
        assert np.array_equal(a, b)


def test_output_order_with_one_k_tile_reads_a_once():
    """Output order (M, N, K loops, K inner) with K in one tile: the A tile (m, 0) stays
    while the N tiles pass, so A is read once -- found by the RTL's DMA model, which
    moves exactly these bytes (tests/test_rtl_buffers.py). M = 32, K = 64, N = 64 in
    8 x 64 x 16 tiles, int8: A 32*64 = 2,048 bytes (not x nn = 4), B 64*64 per M tile
    x nm = 4 -> 16,384; with K in two tiles A is read nn = 4 times (8,192)."""
    from accelscope.targets.asic.cost.tiled_kernel import tile_traffic
    from accelscope.targets.asic.cost.traffic import OUTPUT_REUSE, gemm_traffic

    one = gemm_traffic(np.float64(OUTPUT_REUSE), 8.0, 64.0, 16.0, 32.0, 64.0, 64.0, 1.0, 4.0)
    assert (one.a_bytes, one.b_bytes, one.spill_bytes) == (2048.0, 16384.0, 0.0)
    two = gemm_traffic(np.float64(OUTPUT_REUSE), 8.0, 32.0, 16.0, 32.0, 64.0, 64.0, 1.0, 4.0)
    assert (two.a_bytes, two.b_bytes) == (8192.0, 16384.0)
    compiled = tile_traffic(OUTPUT_REUSE, 8.0, 64.0, 16.0, 32.0, 64.0, 64.0, 1.0, 4.0,
                            False, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)  # fmt: skip
    assert compiled[0] == 2048.0
