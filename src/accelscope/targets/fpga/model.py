"""The FPGA cost model: latency, throughput and resources of designs, vectorized over
configurations (columns) for one network.

Paradigms (DNNExplorer's taxonomy): ``pipeline`` runs every layer on its own engine
(DNNBuilder), ``generic`` runs all layers in turn on one engine (HybridDNN, DPU-like),
``hybrid`` pipelines the first ``pipeline_layers`` layers and runs the rest on a generic
engine; the two halves work on different images at once, the hand-over goes through
DRAM. See :mod:`accelscope.targets.fpga.engines` for the timing rules and
:mod:`accelscope.targets.fpga.resources` for the resource rules; docs/fpga.md states
every assumption.

Timing of a batch of ``B`` images (``T_s``: cycles of pipeline stage ``s`` for the
batch, ``G``: generic-engine cycles, ``D``: DRAM bytes of the batch, ``bpc``: DRAM bytes
per cycle)::

    period  = max(max_s T_s, G, D / bpc)          throughput = B * f_clk / period
    latency = max(sum_{s<k-1} fill_s * T_s + max_s T_s, D_pipe / bpc) + G

``fill_s`` is the share of stage ``s``'s work done before the next stage can start (the
next stage's kernel height over its input rows: DNNBuilder's fine-grained,
column-based pipeline).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelscope.targets.fpga.boards import Board
from accelscope.targets.fpga.engines import (
    allocate_lanes,
    generic_traffic_bytes,
    loop_cycles,
    split_lanes,
)
from accelscope.targets.fpga.resources import (
    BITS,
    DSP_PER_MAC,
    PRECISIONS,
    banked_memory,
    logic_estimate,
)
from accelscope.targets.fpga.stages import StageTable

#: Resources reported; LUT and FF are estimates (resources.py), reported but not checked.
RESOURCES: tuple[str, ...] = ("dsp", "bram18", "uram", "lut", "ff")
#: Resources a design must fit, in the order a tie names them.
CHECKED_RESOURCES: tuple[str, ...] = ("dsp", "bram18", "uram")
#: ``over_budget`` codes: 0 fits, then one per checked resource, then a generic engine
#: whose buffers cannot hold one step of its unrolling.
OVER_BUDGET: tuple[str, ...] = ("", *CHECKED_RESOURCES, "buffers")
#: Block-RAM equivalents of one UltraRAM (288 Kb / 18 Kb), for the weight placement.
URAM_IN_BRAM18 = 16


@dataclass
class FpgaColumns:
    """Per-configuration columns the model reads (categoricals as integer codes)."""

    board: np.ndarray
    paradigm: np.ndarray  # index into PARADIGMS
    precision: np.ndarray  # index into resources.PRECISIONS
    clock_mhz: np.ndarray
    dram_gbps: np.ndarray
    pipeline_layers: np.ndarray  # -1: the default (a third of the stages)
    pixel_par: np.ndarray
    ci_par: np.ndarray
    co_par: np.ndarray
    input_kib: np.ndarray
    weight_kib: np.ndarray
    output_kib: np.ndarray


@dataclass
class FpgaResult:
    """Network totals ``[n_cfg]`` and per-stage detail ``[n_cfg, n_stage]``."""

    latency_cycles: np.ndarray
    period_cycles: np.ndarray
    latency_s: np.ndarray
    throughput_per_s: np.ndarray
    gops: np.ndarray
    dsp_efficiency: np.ndarray
    utilization: np.ndarray
    mac_lanes: np.ndarray
    dram_bytes: np.ndarray
    dram_gbps_used: np.ndarray
    used: dict[str, np.ndarray]  # resource -> used
    available: dict[str, np.ndarray]  # resource -> board total
    over_budget: np.ndarray  # code into OVER_BUDGET
    feasible: np.ndarray
    pipeline_stages: np.ndarray  # k: stages run as a pipeline
    stage_cycles: np.ndarray
    stage_engine: np.ndarray  # 0 pipeline, 1 generic
    stage_bound: np.ndarray  # 0 compute, 1 DRAM
    stage_lanes: np.ndarray
    stage_ci: np.ndarray
    stage_co: np.ndarray
    stage_weights_on_chip: np.ndarray


def board_columns(boards: list[Board], code: np.ndarray) -> dict[str, np.ndarray]:
    """Board properties per configuration from board codes."""

    def pick(attr: str, dtype=np.float64) -> np.ndarray:
        return np.array([getattr(b, attr) for b in boards], dtype=dtype)[code]

    return {
        "dsp": pick("dsp", np.int64),
        "bram18": pick("bram18", np.int64),
        "uram": pick("uram", np.int64),
        "lut": pick("lut", np.int64),
        "ff": pick("ff", np.int64),
        "dram_gbps": pick("dram_gbps"),
        "clock_mhz": pick("clock_mhz"),
    }


def evaluate_columns(st: StageTable, cols: FpgaColumns, boards: list[Board]) -> FpgaResult:
    """Evaluate every configuration of *cols* on the network of *st* (module docstring)."""
    n_cfg = int(np.asarray(cols.board).shape[0])
    n_st = st.n_stages
    board = board_columns(boards, np.asarray(cols.board, dtype=np.int64))
    prec = np.asarray(cols.precision, dtype=np.int64)
    bits = np.array([BITS[p] for p in PRECISIONS], dtype=np.int64)[prec]
    dpl = np.array([DSP_PER_MAC[p] for p in PRECISIONS])[prec]
    bytes_per_elem = bits / 8.0
    clock_mhz = np.where(np.asarray(cols.clock_mhz) > 0, cols.clock_mhz, board["clock_mhz"])
    dram_gbps = np.where(np.asarray(cols.dram_gbps) > 0, cols.dram_gbps, board["dram_gbps"])
    bpc = dram_gbps * 1e3 / clock_mhz  # DRAM bytes per cycle
    has_uram = board["uram"] > 0

    # --- how many stages are pipelined --------------------------------------------
    paradigm = np.asarray(cols.paradigm, dtype=np.int64)
    k_asked = np.asarray(cols.pipeline_layers, dtype=np.int64)
    k_default = max(1, -(-n_st // 3)) if n_st else 0
    k_hybrid = np.clip(np.where(k_asked < 0, k_default, k_asked), 0, n_st)
    k = np.select([paradigm == 0, paradigm == 1], [n_st, 0], k_hybrid)
    generic_on = k < n_st
    stage_idx = np.arange(n_st)
    active = stage_idx[None, :] < k[:, None]

    # --- generic engine -----------------------------------------------------------
    pp = np.asarray(cols.pixel_par, dtype=np.int64)
    gci = np.asarray(cols.ci_par, dtype=np.int64)
    gco = np.asarray(cols.co_par, dtype=np.int64)
    gen_lanes = np.where(generic_on, pp * gci * gco, 0)
    gen_dsp = np.ceil(gen_lanes * dpl - 1e-9).astype(np.int64)

    def words(kib: np.ndarray) -> np.ndarray:
        return np.floor(np.asarray(kib, dtype=np.float64) * 8192 / bits).astype(np.int64)

    w_in, w_w, w_out = words(cols.input_kib), words(cols.weight_kib), words(cols.output_kib)
    gen_compute = loop_cycles(st, gci[:, None], gco[:, None], pp[:, None]).astype(np.float64)
    gen_bytes, gen_fits = generic_traffic_bytes(st, gci, gco, pp, w_in, w_w, w_out, bytes_per_elem)
    on_generic = ~active[:, st.gemm_stage]
    gen_gemm_cycles = np.maximum(gen_compute, gen_bytes / bpc[:, None])
    gen_gemm_cycles = np.where(on_generic, gen_gemm_cycles, 0.0)
    gen_bytes = np.where(on_generic, gen_bytes, 0.0)
    gen_cycles = gen_gemm_cycles.sum(axis=1)
    gen_dram_bytes = gen_bytes.sum(axis=1)
    # Double buffering: two copies of every buffer, each its own memories (the ping-pong
    # arrays of an HLS design), so DMA fills one while the engine reads the other.
    mem = [
        banked_memory(w, b, bits, has_uram)
        for w, b in ((w_in, gci * pp), (w_w, gci * gco), (w_out, gco * pp))
    ]
    gen_bram = np.where(generic_on, 2 * sum(m[0] for m in mem), 0)
    gen_uram = np.where(generic_on, 2 * sum(m[1] for m in mem), 0)
    gen_lutram = np.where(generic_on, 2 * sum(m[2] for m in mem), 0)

    # --- pipeline -----------------------------------------------------------------
    lanes = np.zeros((n_cfg, n_st), dtype=np.int64)
    rows = np.nonzero(k > 0)[0]
    if rows.size:
        lanes[rows] = allocate_lanes(
            st, active[rows], board["dsp"][rows] - gen_dsp[rows], dpl[rows]
        )
    ci, co = split_lanes(st, np.maximum(lanes, 1))
    ci, co = np.where(active, ci, 0), np.where(active, co, 0)
    pipe_dsp = np.ceil(lanes * dpl[:, None] - 1e-9).astype(np.int64).sum(axis=1)
    stage_compute = np.zeros((n_cfg, n_st))
    if n_st:
        per_gemm = loop_cycles(
            st, np.maximum(ci, 1)[:, st.gemm_stage], np.maximum(co, 1)[:, st.gemm_stage]
        )
        stage_compute = np.add.reduceat(per_gemm, st.stage_start, axis=1).astype(np.float64)
    stage_compute = np.where(active, stage_compute, 0.0)

    # Mandatory stage memory: line buffers (ci banks) and run-time B operands.
    def per_stage(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, st.stage_start) if n_st else values[:0]

    line_words = per_stage(st.gemm_line_elems * st.gemm_count)
    act_words = per_stage(np.where(st.gemm_b_is_weight, 0, st.gemm_weight_elems) * st.gemm_count)
    weight_words = per_stage(np.where(st.gemm_b_is_weight, st.gemm_weight_elems, 0) * st.gemm_count)
    lead_area = st.gemm_kernel_area[st.stage_start] if n_st else st.gemm_kernel_area[:0]
    b2 = bits[:, None]
    u2 = has_uram[:, None]
    banks_w = np.maximum(ci * co, 1)
    line = banked_memory(line_words[None, :], np.maximum(ci, 1), b2, u2)
    acts = banked_memory(act_words[None, :], banks_w, b2, u2)
    one_copy = banked_memory(banks_w * lead_area[None, :], banks_w, b2, u2)
    pingpong = tuple(2 * x for x in one_copy)  # streamed weights: two copies, as above
    keep = banked_memory(weight_words[None, :], banks_w, b2, u2)
    streams = weight_words[None, :] > 0
    base_bram = [line[i] + acts[i] + np.where(streams, pingpong[i], 0) for i in range(3)]
    base_bram = [np.where(active, x, 0).sum(axis=1) for x in base_bram]
    # Keep the weights of the cheapest stages on chip while memory remains.
    extra = (keep[0] - pingpong[0]) + URAM_IN_BRAM18 * (keep[1] - pingpong[1])
    extra = np.where(active & streams, extra, np.iinfo(np.int64).max // 4)
    free = (board["bram18"] - gen_bram - base_bram[0]) + URAM_IN_BRAM18 * (
        board["uram"] - gen_uram - base_bram[1]
    )
    order = np.argsort(extra, axis=1, kind="stable")
    fits_sorted = np.cumsum(np.take_along_axis(extra, order, axis=1), axis=1) <= free[:, None]
    on_chip = np.zeros_like(fits_sorted)
    np.put_along_axis(on_chip, order, fits_sorted, axis=1)
    on_chip &= active & streams
    swap = [np.where(on_chip, keep[i] - pingpong[i], 0).sum(axis=1) for i in range(3)]
    pipe_bram, pipe_uram, pipe_lutram = (base_bram[i] + swap[i] for i in range(3))

    streamed_w = np.where(active & streams & ~on_chip, weight_words[None, :], 0).sum(axis=1)
    first_in = st.gemm_input_elems[0] if n_st else 0
    last_stage = np.maximum(k - 1, 0)
    last_out = (
        np.add.reduceat(st.gemm_output_elems * st.gemm_count, st.stage_start)[last_stage]
        if n_st
        else np.zeros(n_cfg)
    )
    pipe_bytes = np.where(k > 0, (first_in + last_out + streamed_w * st.batch), 0) * (
        bytes_per_elem
    )
    pipe_period = stage_compute.max(axis=1) if n_st else np.zeros(n_cfg)
    fill = np.where(stage_idx[None, :] < (k - 1)[:, None], st.stage_fill_fraction[None, :], 0.0)
    pipe_latency = np.where(k > 0, (fill * stage_compute).sum(axis=1) + pipe_period, 0.0)
    pipe_latency = np.maximum(pipe_latency, pipe_bytes / bpc)

    # --- totals -------------------------------------------------------------------
    dram_bytes = pipe_bytes + gen_dram_bytes
    period = np.maximum.reduce([pipe_period, gen_cycles, dram_bytes / bpc])
    latency = pipe_latency + gen_cycles
    clock_hz = clock_mhz * 1e6
    with np.errstate(divide="ignore", invalid="ignore"):
        throughput = st.batch * clock_hz / period
        macs_per_image = st.macs / st.batch
        gops = 2 * macs_per_image * throughput / 1e9
    mac_lanes = lanes.sum(axis=1) + gen_lanes
    lut_logic, ff_logic = logic_estimate(mac_lanes, prec)
    used = {
        "dsp": pipe_dsp + gen_dsp,
        "bram18": pipe_bram + gen_bram,
        "uram": pipe_uram + gen_uram,
        "lut": lut_logic + pipe_lutram + gen_lutram,
        "ff": ff_logic,
    }
    available = {r: board[r] for r in RESOURCES}
    ratio = np.stack(
        [
            np.where(used[r] > available[r], (used[r] + 1) / (available[r] + 1), 0.0)
            for r in CHECKED_RESOURCES
        ],
        axis=1,
    )
    worst = ratio.argmax(axis=1)
    over = np.where(ratio.max(axis=1) > 1.0, worst + 1, 0)
    over = np.where((over == 0) & generic_on & ~gen_fits, len(OVER_BUDGET) - 1, over)
    with np.errstate(divide="ignore", invalid="ignore"):
        util = st.macs / (period * np.maximum(mac_lanes, 1))
        dsp_eff = gops / (used["dsp"] * clock_mhz / 1e3)
    stage_gen = np.zeros((n_cfg, n_st))
    stage_gen_bound = np.zeros((n_cfg, n_st), dtype=np.int64)
    if n_st:
        stage_gen = np.add.reduceat(gen_gemm_cycles, st.stage_start, axis=1)
        mem_bound = (gen_bytes / bpc[:, None]) > gen_compute
        stage_gen_bound = (
            np.add.reduceat(np.where(mem_bound, gen_gemm_cycles, 0.0), st.stage_start, axis=1) * 2
            > stage_gen
        )
    pipe_dram_bound = (pipe_bytes / bpc > pipe_period)[:, None] & (
        stage_compute == pipe_period[:, None]
    )
    return FpgaResult(
        latency_cycles=latency,
        period_cycles=period,
        latency_s=latency / clock_hz,
        throughput_per_s=throughput,
        gops=gops,
        dsp_efficiency=dsp_eff,
        utilization=util,
        mac_lanes=mac_lanes,
        dram_bytes=dram_bytes,
        dram_gbps_used=dram_bytes / st.batch * throughput / 1e9,
        used=used,
        available=available,
        over_budget=over,
        feasible=over == 0,
        pipeline_stages=k,
        stage_cycles=np.where(active, stage_compute, stage_gen),
        stage_engine=np.where(active, 0, 1),
        stage_bound=np.where(active, pipe_dram_bound, stage_gen_bound).astype(np.int64),
        stage_lanes=np.where(active, lanes, gen_lanes[:, None]),
        stage_ci=np.where(active, ci, gci[:, None]),
        stage_co=np.where(active, co, gco[:, None]),
        stage_weights_on_chip=on_chip,
    )
