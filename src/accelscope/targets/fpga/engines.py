"""Engine timing: the loop-nest cycle count, the generic engine's tiled DRAM traffic and
the pipeline's parallelism allocator. Arrays are ``[configurations, GEMMs or stages]``.

Cycle count of one GEMM on an engine unrolled ``ci x co x pp`` (Zhang et al., FPGA 2015,
eq. for the computation roof, with pixel unrolling added for the generic engine)::

    count * ceil(groups / packed) * repeats * ceil(C / ci) * ceil(K / co) * kernel_area
          * ceil(pixels / pp)

``C`` and ``K`` are per group. Groups smaller than the engine are packed block-diagonally,
``packed = max(1, min(ci // C, co // K))`` at once: group ``g`` takes input lanes
``g*C ..`` and output lanes ``g*K ..``, with zero weights between different groups, so a
depthwise convolution (``C = K = 1``) runs ``min(ci, co)`` channels per pass instead of
one. The array needs no extra hardware for this (the zeros are weights); a pipeline
stage never packs, since its ``ci`` is at most the next power of two of ``C``.

Generic engine DRAM traffic (loop order of Zhang et al.: output-channel tiles outer,
pixel tiles inner, the whole reduction accumulated on chip):

* an output-channel tile ``Tm`` is the largest multiple of ``co`` whose weights
  (``Tm x C x kernel_area``) fit the weight buffer and whose ``Tm x pp`` outputs fit the
  output buffer; a pixel tile ``Tp`` is the largest multiple of ``pp`` with
  ``Tm x Tp`` outputs in the output buffer;
* weights are read once when a ``Tm`` slice fits, otherwise once per pixel tile;
* the input feature map is read once per output-channel tile, or once when it fits the
  input buffer;
* outputs are written once. With double buffering, transfers overlap compute, so a GEMM
  takes ``max(compute cycles, bytes / DRAM bytes per cycle)``.

Pipeline allocator (after DNNBuilder's resource allocation): every stage starts from a
share of the MAC lanes proportional to its work, rounded down to a power of two; then
the slowest stage is doubled while the budget allows and the stage can use more lanes
(``ci`` up to the next power of two of ``C``, then ``co`` up to that of ``K``).
"""

from __future__ import annotations

import numpy as np

from accelscope.targets.fpga.stages import StageTable


def _ceil_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return -(-a // b)


def pow2_ceil(x: np.ndarray) -> np.ndarray:
    """Smallest power of two >= x (x >= 1)."""
    x = np.maximum(np.asarray(x, dtype=np.int64), 1)
    return (1 << np.ceil(np.log2(x)).astype(np.int64)).astype(np.int64)


def pow2_floor(x: np.ndarray) -> np.ndarray:
    """Largest power of two <= x (1 for x < 1)."""
    x = np.maximum(np.asarray(x, dtype=np.float64), 1.0)
    return (1 << np.floor(np.log2(x) + 1e-12).astype(np.int64)).astype(np.int64)


def loop_cycles(
    st: StageTable, ci: np.ndarray, co: np.ndarray, pp: np.ndarray | int = 1
) -> np.ndarray:
    """Compute cycles of every GEMM occurrence, ``[n_cfg, n_gemm]`` (module docstring;
    small groups are packed block-diagonally).

    ``ci``, ``co`` and ``pp`` broadcast against ``[n_cfg, n_gemm]``.
    """
    ci, co = np.asarray(ci, dtype=np.int64), np.asarray(co, dtype=np.int64)
    packed = np.maximum(np.minimum(ci // st.gemm_channels, co // st.gemm_out_channels), 1)
    fixed = st.gemm_count * st.gemm_repeats * st.gemm_kernel_area
    return (
        fixed
        * _ceil_div(st.gemm_groups, packed)
        * _ceil_div(st.gemm_channels, ci)
        * _ceil_div(st.gemm_out_channels, co)
        * _ceil_div(st.gemm_pixels, pp)
    )


def generic_traffic_bytes(
    st: StageTable,
    ci: np.ndarray,
    co: np.ndarray,
    pp: np.ndarray,
    words_in: np.ndarray,
    words_w: np.ndarray,
    words_out: np.ndarray,
    bytes_per_elem: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(DRAM bytes ``[n_cfg, n_gemm]``, mapping fits ``[n_cfg]``) of the generic engine.

    Per-configuration arguments are ``[n_cfg]`` columns (buffer sizes in words, one copy).
    """

    def col(a: np.ndarray) -> np.ndarray:
        return np.asarray(a, dtype=np.int64)[:, None]

    ci, co, pp, w_in, w_w, w_out = map(col, (ci, co, pp, words_in, words_w, words_out))
    red = np.maximum(st.gemm_channels * st.gemm_kernel_area, 1)  # reduction per output
    kout = st.gemm_out_channels
    tm = np.minimum((w_w // red) // co * co, (w_out // pp) // co * co)
    tm = np.clip(tm, np.minimum(co, kout), kout)
    slice_fits = tm * red <= w_w
    tp = np.maximum((w_out // tm) // pp * pp, pp)
    n_co = _ceil_div(kout, tm)
    n_px = _ceil_div(st.gemm_pixels, tp)
    weight_reads = np.where(
        st.gemm_weight_elems <= w_w,
        1,
        st.gemm_repeats * np.where(slice_fits, 1, n_px),
    )
    input_per_repeat = st.gemm_input_elems // np.maximum(st.gemm_repeats, 1)
    input_reads = np.where(input_per_repeat <= w_in, 1, n_co)
    elems = (
        st.gemm_weight_elems * weight_reads
        + st.gemm_input_elems * input_reads
        + st.gemm_output_elems
    ) * st.gemm_count
    fits = np.all((co * pp <= w_out) & (ci * pp <= w_in) & (ci * co <= w_w), axis=1)
    return elems * np.asarray(bytes_per_elem)[:, None], fits


def split_lanes(st: StageTable, lanes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ci, co) of stages given power-of-two ``lanes`` ``[n_cfg, n_stage]``: input
    channels first, up to the next power of two of the stage's C."""
    ci = np.minimum(lanes, pow2_ceil(st.stage_channels))
    return ci, np.maximum(lanes // ci, 1)


def stage_max_lanes(st: StageTable) -> np.ndarray:
    return pow2_ceil(st.stage_channels) * pow2_ceil(st.stage_out_channels)


def stage_cycles(st: StageTable, lanes: np.ndarray) -> np.ndarray:
    """Compute cycles of each stage ``[n_cfg, n_stage]`` for ``lanes`` per stage."""
    ci, co = split_lanes(st, lanes)
    per_gemm = loop_cycles(st, ci[:, st.gemm_stage], co[:, st.gemm_stage])
    return np.add.reduceat(per_gemm, st.stage_start, axis=1)


def _stage_dsp(lanes: np.ndarray, dsp_per_lane: np.ndarray) -> np.ndarray:
    """DSP slices per stage: lanes that share a slice (int8) share it within a stage."""
    return np.ceil(lanes * dsp_per_lane[:, None] - 1e-9).astype(np.int64)


def allocate_lanes(
    st: StageTable, active: np.ndarray, budget_dsp: np.ndarray, dsp_per_lane: np.ndarray
) -> np.ndarray:
    """MAC lanes per stage ``[n_cfg, n_stage]`` (0 for inactive stages) whose DSP slices
    never exceed ``budget_dsp`` (``[n_cfg]``); a row whose active stages cannot each get
    one lane within its budget gets one lane per stage and is over budget (the caller
    reports it)."""
    budget = np.asarray(budget_dsp, dtype=np.int64)
    dpl = np.asarray(dsp_per_lane, dtype=np.float64)
    cap = stage_max_lanes(st)[None, :]
    work = np.where(active, st.stage_macs()[None, :], 0.0)
    total = work.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, work / total * (budget / dpl)[:, None], 0.0)
    lanes = np.where(active, np.minimum(pow2_floor(share), cap), 0)
    used = _stage_dsp(lanes, dpl).sum(axis=1)
    # Rounding small shares up to one lane can overshoot: halve the widest stage.
    over = used > budget
    while True:
        rows = np.nonzero(over & (lanes.max(axis=1) > 1))[0]
        if rows.size == 0:
            break
        widest = lanes[rows].argmax(axis=1)
        lanes[rows, widest] //= 2
        used[rows] = _stage_dsp(lanes[rows], dpl[rows]).sum(axis=1)
        over[rows] = used[rows] > budget[rows]
    # Greedy: double the slowest stage while it can grow and the budget allows.
    pending = np.nonzero(~over & active.any(axis=1))[0]
    times = np.where(active, stage_cycles(st, np.maximum(lanes, 1)), -1)
    while pending.size:
        slow = times[pending].argmax(axis=1)
        cur = lanes[pending, slow]
        d = dpl[pending]
        extra = np.ceil(2 * cur * d - 1e-9) - np.ceil(cur * d - 1e-9)
        grow = (cur < cap[0, slow]) & (used[pending] + extra <= budget[pending])
        rows, s = pending[grow], slow[grow]
        lanes[rows, s] *= 2
        used[rows] += extra[grow].astype(np.int64)
        if rows.size:
            times[rows, s] = stage_cycles(st, np.maximum(lanes[rows], 1))[np.arange(rows.size), s]
        pending = rows
    return lanes
