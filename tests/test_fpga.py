"""FPGA target: resource rules, engine timing and the paradigms on hand-derived cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from accelscope.targets.fpga import FpgaDesign, evaluate_design, get_board, list_boards
from accelscope.targets.fpga.boards import Board
from accelscope.targets.fpga.engines import allocate_lanes, stage_cycles
from accelscope.targets.fpga.evaluate import evaluate_params, fpga_columns
from accelscope.targets.fpga.model import evaluate_columns
from accelscope.targets.fpga.resources import banked_memory, bram18_blocks, dsp_slices, uram_blocks
from accelscope.targets.fpga.stages import stage_table
from accelscope.workload import load_model
from accelscope.workload.yaml_import import network_from_dict


def three_convs(batch: int = 1):
    """Three identical 3x3 convolutions, 16 -> 16 channels on an 8x8 map (stride 1, pad 1):
    each 16*16*9*64 = 147,456 MACs."""
    conv = {"op": "conv2d", "in_channels": 16, "out_channels": 16, "in_h": 8, "in_w": 8}
    conv.update({"kernel": 3, "stride": 1, "padding": 1})
    layers = [{"name": f"conv{i}", **conv} for i in range(3)]
    return network_from_dict({"name": "three-convs", "batch": batch, "layers": layers})


#: A board whose 48 DSPs give each of the three stages exactly 16 int16 lanes.
TINY = Board(
    name="tiny", device="test", family="7series", dsp=48, bram18=200, uram=0, lut=100_000,
    ff=200_000, dram_gbps=10.0, clock_mhz=200.0,
)  # fmt: skip


def run(network, board: Board, **params):
    cols = fpga_columns({k: np.asarray([v]) for k, v in params.items()} | {"board": [0]}, 1)
    return evaluate_columns(stage_table(network), cols, [board])


# ---------------------------------------------------------------- resource rules
def test_bram18_packing_takes_the_cheapest_aspect_ratio():
    # 16-bit words: 1K x 18 holds 1,024 of them in one block; 2,048 need two blocks
    # (1K x 18 twice, or 2K x 9 twice for the two halves of the width).
    assert bram18_blocks(16, 1024) == 1
    assert bram18_blocks(16, 2048) == 2
    assert bram18_blocks(32, 512) == 1  # 512 x 36
    assert bram18_blocks(8, 4096) == 2  # 4K x 4 twice, or 2K x 9 twice
    assert bram18_blocks(1, 16384) == 1
    assert bram18_blocks(72, 512) == 2  # two 512 x 36 side by side
    assert uram_blocks(72, 8192) == 2  # 4K x 72 twice
    assert uram_blocks(144, 4096) == 2


def test_banked_memory_places_small_deep_and_other_banks():
    # 16 words x 16 bits = 256 bits: distributed RAM, 16 LUTs (64 x 1 each, 1 per bit).
    assert [int(x) for x in banked_memory(16, 1, 16, False)] == [0, 0, 16]
    # 4 banks of 1,024 x 16 bits: one RAMB18 each.
    assert [int(x) for x in banked_memory(4096, 4, 16, False)] == [4, 0, 0]
    # 8,192 words x 72 bits in one bank: 2 URAM where the device has it, else 32 RAMB18
    # (512 x 36: 2 wide x 16 deep; 1K x 18: 4 x 8; 2K x 9: 8 x 4 -- all 32).
    assert [int(x) for x in banked_memory(8192, 1, 72, True)] == [0, 2, 0]
    assert [int(x) for x in banked_memory(8192, 1, 72, False)] == [32, 0, 0]


def test_dsp_slices_per_precision():
    assert dsp_slices(2, 0.5) == 1  # two int8 MACs share a DSP48E2 (WP486)
    assert dsp_slices(3, 0.5) == 2
    assert dsp_slices(448, 5.0) == 2240  # Zhang et al. 2015: Tm x Tn = 64 x 7 fp32 lanes


def test_every_bundled_board_loads_with_its_source():
    for name in list_boards():
        board = get_board(name)
        assert board.source and board.dsp > 0 and board.bram18 % 2 == 0
    assert get_board("vu9p").uram == 960 and get_board("ku115").dsp == 5520


# ---------------------------------------------------------------- engines
def test_pipeline_throughput_and_latency_on_three_layers():
    r = run(three_convs(), TINY, paradigm=0, precision=1)
    # 48 DSPs / 3 equal stages = 16 lanes each, all as input channels (ci = 16, co = 1):
    # each stage takes ceil(16/16) * ceil(16/1) * 9 * 64 = 9,216 cycles per image.
    assert r.stage_lanes[0].tolist() == [16, 16, 16]
    assert r.stage_cycles[0].tolist() == [9216, 9216, 9216]
    assert r.used["dsp"][0] == 48
    # Period = the slowest stage; 200 MHz / 9,216 cycles.
    assert r.throughput_per_s[0] == pytest.approx(200e6 / 9216)
    # Latency: each of the first two stages hands on after 3 of its 8 output rows
    # (the next kernel's height): 2 * 3/8 * 9,216 + 9,216 = 16,128 cycles.
    assert r.latency_cycles[0] == pytest.approx(16128)
    # DRAM: the input map and the output map (1,024 int16 each; weights stay on chip).
    assert r.stage_weights_on_chip[0].all()
    assert r.dram_bytes[0] == pytest.approx(2 * 1024 * 2)


def test_generic_engine_cycles_and_traffic_by_hand():
    params = dict(paradigm=1, precision=1, pixel_par=2, ci_par=4, co_par=8)
    params.update(input_kib=64, weight_kib=64, output_kib=64)
    r = run(three_convs(), TINY, **params)
    # Per layer: ceil(16/4) * ceil(16/8) * 9 kernel positions * ceil(64/2) pixels = 2,304.
    assert r.stage_cycles[0].tolist() == [2304, 2304, 2304]
    assert r.latency_cycles[0] == 3 * 2304
    assert r.used["dsp"][0] == 64  # 2 x 4 x 8 int16 lanes
    # Buffers hold everything: weights (2,304), input (1,024) and output (1,024) once
    # per layer, int16.
    assert r.dram_bytes[0] == pytest.approx(3 * (2304 + 1024 + 1024) * 2)


def test_generic_engine_packs_small_groups_block_diagonally():
    # A depthwise 3x3 convolution over 32 channels on an 8x8 map: 32 groups of one input
    # and one output channel. With ci = 4 and co = 8 the engine takes min(4 // 1, 8 // 1)
    # = 4 groups per pass (zero weights between groups): ceil(32 / 4) * 9 kernel positions
    # * ceil(64 / 2) pixels = 2,304 cycles, where one group per pass took 32 * 9 * 32 =
    # 9,216. Groups of 2 -> 2 channels (16 groups): min(4 // 2, 8 // 2) = 2 per pass:
    # ceil(16 / 2) * 9 * 32 = 2,304 again (the same 4 x 8 lanes, half the MACs each).
    def dw(channels_per_group: int):
        layer = {"name": "dw", "op": "conv2d", "in_channels": 32, "out_channels": 32}
        layer.update({"in_h": 8, "in_w": 8, "kernel": 3, "stride": 1, "padding": 1})
        layer["groups"] = 32 // channels_per_group
        return network_from_dict({"name": "dw", "batch": 1, "layers": [layer]})

    params = dict(paradigm=1, precision=1, pixel_par=2, ci_par=4, co_par=8)
    params.update(input_kib=64, weight_kib=64, output_kib=64)
    assert run(dw(1), TINY, **params).stage_cycles[0].tolist() == [2304]
    assert run(dw(2), TINY, **params).stage_cycles[0].tolist() == [2304]
    # Groups wider than the engine are not packed: 2 groups of 16 channels on ci = 4:
    # 2 * ceil(16 / 4) * ceil(16 / 8) * 9 * 32 = 4,608.
    assert run(dw(16), TINY, **params).stage_cycles[0].tolist() == [4608]


def test_generic_engine_rereads_inputs_per_output_channel_tile():
    # A weight buffer of 1 KiB holds 512 int16 weights: Tm = 512 // 144 = 3 -> rounded
    # down to the co multiple 2; 16 / 2 = 8 output-channel tiles, so the input map
    # (1,024 words, larger than the 1 KiB input buffer) is read 8 times per layer; the
    # 2 x 144 weight slice fits, so weights are read once.
    params = dict(paradigm=1, precision=1, pixel_par=1, ci_par=2, co_par=2)
    params.update(input_kib=1, weight_kib=1, output_kib=64)
    r = run(three_convs(), TINY, **params)
    assert r.dram_bytes[0] == pytest.approx(3 * (2304 + 8 * 1024 + 1024) * 2)


def test_hybrid_split_at_the_ends_equals_generic_and_pipeline():
    net = load_model("alexnet")
    n_stages = stage_table(net).n_stages
    engine = dict(pixel_par=4, ci_par=8, co_par=16, input_kib=64, weight_kib=128, output_kib=64)

    def metrics(**p):
        r = evaluate_params(net, {k: np.asarray([v]) for k, v in p.items()})
        return r.latency_cycles[0], r.period_cycles[0], r.used["dsp"][0], r.used["bram18"][0]

    common = dict(board="zc706", precision="int16", **engine)
    assert metrics(paradigm="hybrid", pipeline_layers=0, **common) == metrics(
        paradigm="generic", **common
    )
    assert metrics(paradigm="hybrid", pipeline_layers=n_stages, **common) == metrics(
        paradigm="pipeline", **common
    )


@settings(max_examples=40, deadline=None)
@given(
    model=hst.sampled_from(["alexnet", "vgg-16", "resnet-18", "mobilenet-v2"]),
    budget=hst.integers(min_value=1, max_value=20_000),
    precision=hst.sampled_from([0.5, 1.0, 5.0]),
)
def test_allocator_never_exceeds_the_dsp_budget(model, budget, precision):
    st = stage_table(load_model(model))
    active = np.ones((1, st.n_stages), dtype=bool)
    lanes = allocate_lanes(st, active, np.array([budget]), np.array([precision]))
    dsp = np.ceil(lanes * precision - 1e-9).sum()
    if (lanes >= 1).all() and dsp <= budget:
        # Fits: no stage could have been doubled within the budget if it was the slowest.
        times = stage_cycles(st, lanes)[0]
        slow = int(times.argmax())
        extra = np.ceil(2 * lanes[0, slow] * precision - 1e-9) - np.ceil(
            lanes[0, slow] * precision - 1e-9
        )
        cap = lanes[0, slow] >= (1 << int(np.ceil(np.log2(st.stage_channels[slow])))) * (
            1 << int(np.ceil(np.log2(st.stage_out_channels[slow])))
        )
        assert cap or dsp + extra > budget
    else:
        # Over budget only when the stages outnumber what the budget can give one lane.
        assert np.ceil(precision - 1e-9) * st.n_stages > budget


def test_over_budget_design_names_the_resource():
    design = FpgaDesign(
        name="big",
        board="pynq-z1",
        paradigm="generic",
        generic={"pixel_par": 16, "ci_par": 16, "co_par": 16, "input_kib": 8,
                 "weight_kib": 8, "output_kib": 8},
    )  # fmt: skip
    report = evaluate_design(load_model("alexnet"), design)
    assert not report.to_dict()["fits"]
    # 4,096 int16 lanes need 4,096 DSPs; the XC7Z020 has 220.
    assert report.budget_message() == (
        "design 'big' does not fit pynq-z1: it needs 4,096 DSP of 220 (+1762%)"
    )


def test_pipeline_cycles_follow_the_accdnn_formula():
    """DNNBuilder's reference code (IBM AccDNN, layers/convolution.py ``profile``) gives a
    stage ``MACs / (CPF x KPF)`` cycles. With its VGG16 example parallelism
    (example/vgg16/optim_vgg16.conf), where CPF divides C and KPF divides K, the loop
    nest gives exactly that."""
    from accelscope.targets.fpga.engines import loop_cycles

    st = stage_table(load_model("vgg-16"))
    cpf = [1, 16, 8, 16, 8, 16, 16, 8, 16, 16, 8, 8, 8, 8, 2, 2]
    kpf = [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 2, 2, 1]
    cycles = loop_cycles(st, np.array([cpf])[:, st.gemm_stage], np.array([kpf])[:, st.gemm_stage])
    macs = (
        (st.gemm_channels * st.gemm_kernel_area * st.gemm_out_channels * st.gemm_pixels)
        * st.gemm_count
        * st.gemm_groups
    )
    divides = (st.gemm_channels % np.array(cpf)[st.gemm_stage] == 0) & (
        st.gemm_out_channels % np.array(kpf)[st.gemm_stage] == 0
    )
    expected = macs // (np.array(cpf) * np.array(kpf))[st.gemm_stage]
    assert divides.sum() >= 14  # all but conv1_1 (C = 3) and fc8 (K = 1000, KPF 1 divides)
    assert (cycles[0][divides] == expected[divides]).all()
    # conv1_1 with CPF = 1 over C = 3: ceil(3/1) = 3, so exact as well.
    assert cycles[0][0] == 3 * 9 * 224 * 224 * 64 // 8


def test_points_a_design_ignores_share_one_canonical_point():
    from accelscope.search import explore
    from accelscope.search.space import space_from_dict

    space = space_from_dict(
        {
            "target": "fpga",
            "parameters": {
                "board": "zc706",
                "paradigm": ["pipeline", "generic"],
                "ci_par": [8, 16],
                "co_par": 16,
                "input_kib": 64,
                "weight_kib": 64,
                "output_kib": 64,
            },
        }
    )
    # Grid order: paradigm slowest. (pipeline, 16) only differs from (pipeline, 8) in
    # the generic engine a pipeline does not have.
    assert space.canonical(np.arange(4)).tolist() == [0, 0, 2, 3]
    result = explore(load_model("alexnet"), space, objectives=["throughput"])
    table = result.table
    assert table.column("redundant").to_pylist() == [False, True, False, False]
    assert table.column("meets_constraints").to_pylist()[1] is False  # never chosen
    assert table.column("paradigm").to_pylist() == ["pipeline", "pipeline", "generic", "generic"]
    assert result.evaluated == 4 and result.feasible == 3
    evo = explore(load_model("alexnet"), space, objectives=["throughput", "dsp"],
                  strategy="random", budget=4, seed=1)  # fmt: skip
    assert set(evo.table.column("index").to_pylist()) <= {0, 2, 3}


@pytest.mark.slow
def test_fpga_paradigm_study_document_is_current():
    """docs/experiments/fpga_paradigms.md must be what experiments/fpga_paradigms.py
    renders now (the FPGA model changed otherwise: rerun the script, reread the text)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "experiments" / "fpga_paradigms.py"
    spec = importlib.util.spec_from_file_location("fpga_paradigms", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.best_designs()
    expected = module.render(rows)
    # The machine line differs between machines; compare everything else.
    strip = [line for line in expected.splitlines() if not line.startswith("Generated by")]
    current = module.DOC.read_text(encoding="utf-8").splitlines()
    assert [line for line in current if not line.startswith("Generated by")] == strip
    # The hybrid is never worse than the other two paradigms (k = 0 and k = all).
    by = {(r["network"], r["input"], r["paradigm"]): r["gops"] for r in rows}
    for name, size in module.CASES:
        hybrid = by[(name, size, "hybrid")]
        assert hybrid >= by[(name, size, "pipeline")] - 1e-6
        assert hybrid >= by[(name, size, "generic")] - 1e-6


def test_codesign_on_a_generic_engine_follows_the_loop_nest():
    """Sweeping a linear layer's width on a generic engine (ci 8, co 16, one pixel): the
    layer costs ceil(64/8) * ceil(w/16) * 256 cycles and the next one ceil(w/8) *
    ceil(10/16) * 256, so network latency is a staircase with steps at multiples of 8
    and 16 (buffers hold everything; compute-bound at 64 DRAM bytes per cycle)."""
    from accelscope.codesign import sweep

    net = network_from_dict(
        {
            "name": "two-linears",
            "layers": [
                {"name": "a", "op": "linear", "rows": 256, "in_features": 64, "out_features": 64},
                {"name": "b", "op": "linear", "rows": 256, "in_features": 64, "out_features": 10},
            ],
        }
    )
    design = FpgaDesign(
        board="zc706", paradigm="generic", precision="int16", clock_mhz=200,
        generic={"pixel_par": 1, "ci_par": 8, "co_par": 16, "input_kib": 256,
                 "weight_kib": 256, "output_kib": 256},
    )  # fmt: skip
    result = sweep(net, design, ["a"], lo=0.5, hi=1.5, multiple=4)
    curve = result.curve("a")
    for w, latency in zip(curve.widths, curve.latency_s, strict=True):
        cycles = 8 * -(-int(w) // 16) * 256 + -(-int(w) // 8) * 1 * 256
        assert latency == pytest.approx(cycles / 200e6), w
    assert np.isnan(curve.energy_j).all()  # FPGA energy is not modelled


def test_codesign_refuses_a_pipeline_design():
    from accelscope.codesign import sweep
    from accelscope.codesign.propagate import CodesignError

    with pytest.raises(CodesignError, match="slowest pipeline stage"):
        sweep(three_convs(), FpgaDesign(board="zc706", paradigm="pipeline"))
