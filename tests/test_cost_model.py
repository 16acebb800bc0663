"""Hand-derived checks of the analytical cost model (accelscope.targets.asic.cost)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelscope.errors import MappingError, SpecError
from accelscope.targets.asic.arch import arch_from_dict, get_technology, load_arch
from accelscope.targets.asic.arch.dram import SUSTAINED_BANDWIDTH_FRACTION
from accelscope.targets.asic.cost import ConfigBatch, evaluate, evaluate_batch
from accelscope.workload import (
    LSTM,
    Attention,
    Conv2d,
    Elementwise,
    Embedding,
    Linear,
    Network,
    Unsupported,
)


def sustained(gbps: float) -> float:
    """The configured bandwidth whose sustained share (targets/asic/arch/dram.py, 0.7 of peak) is
    *gbps*, so that hand derivations can use round bytes per cycle."""
    return gbps / SUSTAINED_BANDWIDTH_FRACTION


def make_arch(**over):
    """A tiny 4x4 int8 weight-stationary accelerator at 1 GHz (override any field)."""
    data = {
        "name": "tiny",
        "clock_mhz": 1000,
        "precision": "int8",
        "accumulator_bits": 32,
        "tensor_units": {"count": 1, "rows": 4, "cols": 4, "dataflow": "ws"},
        "vector_unit": {"lanes": 16},
        "buffers": {"unified_kib": 64, "double_buffering": False},
        "dram": {"bandwidth_gbps": sustained(1000)},
        "technology": "28nm",
    }
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
            if key == "buffers" and "unified_kib" not in value:
                data[key].pop("unified_kib", None)
        else:
            data[key] = value
    return arch_from_dict(data)


def net_of(*layers, name="t", batch=1):
    return Network(name=name, layers=layers, batch=batch)


def fc(name="fc", rows=8, k=8, n=8):
    return Linear(name=name, rows=rows, in_features=k, out_features=n)


# ---- single GEMM, hand-derived --------------------------------------------------------


def test_single_gemm_fits_each_operand_once():
    # GEMM 8x8x8 on a 4x4 ws array, pipelined folds (docs/assumptions.md part 3): 2 K-folds
    # x 2 N-folds of 4x4, stream S = M = 8. Total = r_0 + sum_{f>=1} max(S, r_f) + S + R +
    # c_last - 1 = 4 + 3*8 + 8 + 4 + 4 - 1 = 43 cycles.
    # Everything fits the 64 KiB buffer: DRAM = A + B + C = 64 + 64 + 64 bytes (int8).
    # No double buffering: latency = compute + bytes / (1000 GB/s sustained / 1 GHz =
    # 1000 B/cycle).
    rep = evaluate(net_of(fc()), make_arch())
    layer = rep.layers[0]
    assert layer.compute_cycles == 43
    assert layer.dram_bytes == 192
    assert layer.cycles == pytest.approx(43 + 192 / 1000, rel=1e-12)
    # Every whole-operand mapping ties; the first candidate (weight order, family 0) wins.
    mp = layer.mapping
    assert (mp["tile_m"], mp["tile_k"], mp["tile_n"], mp["loop_order"]) == (8, 8, 8, "weight")
    assert layer.bound == "compute"
    assert rep.utilization == pytest.approx(512 / (16 * layer.cycles), rel=1e-12)
    # The unpipelined convention pays preload, fill and drain per fold: 4 folds of
    # R + k + n + S - 1 = 4 + 4 + 4 + 8 - 1 = 19 cycles = 76 (SCALE-Sim's accounting).
    old = evaluate(net_of(fc()), make_arch(execution={"fold_overlap": "none"})).layers[0]
    assert old.compute_cycles == 76


def test_memory_bound_latency_is_bytes_over_bandwidth_plus_compute():
    # 0.1 GB/s sustained at 1 GHz = 0.1 B/cycle: the 192 bytes take 1920 cycles.
    # No double buffering: nothing overlaps, latency = 1920 + 43 = 1963 cycles.
    arch = make_arch(dram={"bandwidth_gbps": sustained(0.1)})
    layer = evaluate(net_of(fc()), arch).layers[0]
    assert layer.cycles == pytest.approx(1963, rel=1e-12)
    assert layer.memory_cycles == pytest.approx(1920, rel=1e-12)
    assert layer.bound == "memory"
    # Double buffering: only the first fold's operands (4x4 of A, 4x4 of B) and the last
    # fold's 4x4 results cannot overlap: 48 B = 480 cycles; the rest overlaps compute:
    # 480 + max(43, 1920 - 480) = 1920 cycles.
    arch = make_arch(
        dram={"bandwidth_gbps": sustained(0.1)},
        buffers={"unified_kib": 64, "double_buffering": True},
    )
    layer = evaluate(net_of(fc()), arch).layers[0]
    assert layer.cycles == pytest.approx(1920, rel=1e-12)
    assert layer.bound == "memory"


def test_double_buffering_overlaps_all_but_first_fold():
    # GEMM 64x64x64, ws on 4x4, pipelined: 16 K-folds x 16 N-folds, S = 64:
    # 4 + (256 - 1) * 64 + 64 + 4 + 4 - 1 = 16395 compute cycles.
    # Usable (half under double buffering): input 4096 B, weight 1024 B, output 16384 B.
    # B (4096 B) does not fit, but input order with all of A resident (64x64) and B in
    # 64x16 tiles reads every operand once: 3 * 4096 = 12288 bytes; 16-wide tiles are
    # multiples of the array edge, so compute is unchanged.
    # 0.5 B/cycle sustained: memory 24576 cycles, exposed 48 B = 96 -> 96 + max(16395, 24480).
    arch = make_arch(
        dram={"bandwidth_gbps": sustained(0.5)},
        buffers={"input_kib": 8, "weight_kib": 2, "output_kib": 32, "double_buffering": True},
    )
    layer = evaluate(net_of(fc(rows=64, k=64, n=64)), arch).layers[0]
    assert layer.compute_cycles == 16395
    assert layer.dram_bytes == 12288
    assert layer.cycles == pytest.approx(24576, rel=1e-12)
    # Without double buffering (full capacities) nothing overlaps: 16395 + 24576.
    arch_nodb = make_arch(
        dram={"bandwidth_gbps": sustained(0.5)},
        buffers={"input_kib": 4, "weight_kib": 1, "output_kib": 16, "double_buffering": False},
    )
    layer = evaluate(net_of(fc(rows=64, k=64, n=64)), arch_nodb).layers[0]
    assert layer.cycles == pytest.approx(16395 + 24576, rel=1e-12)


def test_small_weight_buffer_rereads_inputs_or_spills():
    # K split with an output block that does not stay resident costs extra traffic: a
    # 64x4096x64 GEMM with 1 KiB usable per buffer cannot read every operand only once.
    arch = make_arch(buffers={"input_kib": 1, "weight_kib": 1, "output_kib": 1})
    layer = evaluate(net_of(fc(rows=64, k=4096, n=64)), arch).layers[0]
    once = 64 * 4096 + 4096 * 64 + 64 * 64
    assert layer.dram_bytes > once
    big = make_arch(buffers={"unified_kib": 2048})
    assert evaluate(net_of(fc(rows=64, k=4096, n=64)), big).layers[0].dram_bytes == once


# ---- recurrent kernels -------------------------------------------------------------------


def lstm_net():
    # Recurrent GEMM per step: M=1 (batch), K=64 (hidden), N=256 (4 gates); B = 16 KiB int8.
    return net_of(LSTM(name="lstm", batch=1, seq_len=16, input_size=64, hidden_size=64))


def lstm_arch(weight_kib):
    return make_arch(
        tensor_units={"rows": 16, "cols": 16},
        dram={"bandwidth_gbps": 2},
        buffers={
            "input_kib": 64,
            "weight_kib": weight_kib,
            "output_kib": 64,
            "double_buffering": True,
        },
    )


def test_lstm_recurrent_weights_reread_every_step_on_small_buffer():
    # Per step the recurrent GEMM (hidden state on chip, gates on chip) needs only B.
    # Pipelined ws on 16x16, M = 1: 4 K-folds x 16 N-folds of 16x16, every fold limited by
    # its 16-row preload: 16 + 63 * 16 + 1 + 16 + 16 - 1 = 1040 cycles per step.
    # Input projection (M = 16, K = 64, N = 256): A 1024 B (graph input) + B 16384 B +
    # gate pre-activations 4096 B (internal, not kept: the 64 KiB activation buffer is all
    # staging below 256 KiB); the 16 gate steps then read those 4096 B once and write the
    # 16 x 64 output sequence (1024 B, a network output).
    # weight buffer 8 KiB -> 4 KiB usable < 16 KiB: every step re-reads B:
    small = evaluate(lstm_net(), lstm_arch(8))
    proj_and_gates = 1024 + 16384 + 4096 + 4096 + 1024
    assert small.layers[0].dram_bytes == proj_and_gates + 16 * 16384
    assert small.layers[0].bound == "memory"
    # weight buffer 64 KiB -> 32 KiB usable: B stays on chip across steps, read once.
    large = evaluate(lstm_net(), lstm_arch(64))
    assert large.layers[0].dram_bytes == proj_and_gates + 16384
    assert large.latency_cycles < 0.5 * small.latency_cycles
    rec = next(k for k in large.layers[0].mapping["kernels"] if k["kernel"]["sequential"])
    assert rec["a_on_chip"] and rec["out_on_chip"]


# ---- errors, placeholders, infeasible configs -------------------------------------------


def test_buffer_too_small_raises_mapping_error_naming_layer_and_buffer():
    # 0.001 KiB (1 byte, half of it usable under double buffering) holds no tile at all.
    arch = make_arch(buffers={"unified_kib": 0.001, "double_buffering": True})
    net = net_of(Elementwise(name="act", function="relu", elements=10), fc("big_fc", 256, 256, 256))
    with pytest.raises(MappingError, match=r"big_fc.*buffers\.unified_kib"):
        evaluate(net, arch)
    split = make_arch(buffers={"input_kib": 1024, "weight_kib": 0.0005, "output_kib": 1024})
    with pytest.raises(MappingError, match=r"big_fc.*buffers\.weight_kib"):
        evaluate(net, split)


def test_infeasible_config_in_batch_gets_inf_not_an_exception():
    net = net_of(fc("big_fc", 256, 256, 256))
    cfg = ConfigBatch.from_columns(
        clock_mhz=[1000, 1000, 3000],
        rows=128,
        cols=128,
        dram_gbps=10,
        unified_kib=[0.001, 4096.0, 4096.0],
    )
    res = evaluate_batch(net, cfg, per_layer=True)
    assert res.feasible.tolist() == [False, True, False]
    # reasons: no tile fits; 3 GHz is above what 28 nm reaches (docs: V-f model)
    assert res.infeasible_code.tolist() == [2, 0, 1]
    assert math.isinf(res.latency_cycles[0]) and math.isinf(res.energy_j[0])
    assert res.throughput_per_s[0] == 0 and np.isfinite(res.latency_cycles[1])
    assert math.isinf(res.layer_cycles[0, 0])


def test_unsupported_layers_cost_nothing_and_are_listed():
    net = net_of(fc(), Unsupported(name="weird", op_type="NonMaxSuppression"))
    rep = evaluate(net, make_arch())
    weird = rep.layer("weird")
    assert weird.cycles == 0 and weird.dram_bytes == 0 and weird.bound == "none"
    assert rep.unsupported == ["weird"]
    assert rep.latency_cycles == pytest.approx(rep.layer("fc").cycles, rel=1e-15)


# ---- vector unit, fusion, residency --------------------------------------------------------


def test_vector_kernel_cycles_and_traffic():
    # relu on 1000 elements, 16 lanes, 1 op/element: ceil(1000/16) = 63 cycles. Its input is
    # the network input and its output the network output: both through DRAM, 2000 B.
    net = net_of(Elementwise(name="relu", function="relu", elements=1000))
    layer = evaluate(net, make_arch()).layers[0]
    assert layer.vector_cycles == 63 and layer.dram_bytes == 2000 and layer.bound == "vector"
    # An embedding gather reads the looked-up rows from the table: 10 tokens x 32 bytes,
    # and writes its 320-byte output.
    emb = net_of(Embedding(name="emb", tokens=10, num_embeddings=1000, embedding_dim=32))
    assert evaluate(emb, make_arch()).layers[0].dram_bytes == 640


# ---- dataflow, units, batch consistency ---------------------------------------------------


def mixed_net():
    return net_of(
        Conv2d(name="conv", in_channels=16, out_channels=32, in_h=14, in_w=14, kernel=3, padding=1),
        Elementwise(name="relu", function="relu", elements=32 * 14 * 14),
        Conv2d(name="dw", in_channels=32, out_channels=32, in_h=14, in_w=14, kernel=3, groups=32),
        fc("proj", rows=128, k=256, n=64),
        Attention(name="attn", heads=4, head_dim=16, seq_q=128, seq_kv=128),
        LSTM(name="rnn", seq_len=8, input_size=64, hidden_size=32),
        name="mixed",
    )


def grid_configs(n_extra=0):
    rng = np.random.default_rng(1)
    n = 12 + n_extra
    return ConfigBatch.from_columns(
        clock_mhz=rng.choice([500.0, 1000.0], n),
        rows=2 ** rng.integers(2, 6, n),
        cols=2 ** rng.integers(2, 6, n),
        units=rng.choice([1, 2], n),
        dataflow=rng.integers(0, 4, n),
        unified_kib=2.0 ** rng.integers(5, 10, n),
        dram_gbps=rng.choice([1.0, 8.0, 64.0], n),
        double_buffering=rng.random(n) < 0.5,
    )


def test_auto_dataflow_never_worse_than_best_fixed():
    base = dict(clock_mhz=1000, rows=[8, 16, 32], cols=[32, 16, 8], dram_gbps=[2.0, 16.0, 64.0])
    res = {
        df: evaluate_batch(
            mixed_net(),
            ConfigBatch.from_columns(**base, unified_kib=256, dataflow=df),
            per_layer=True,
        )
        for df in ("ws", "os", "is", "auto")
    }
    best_fixed = np.minimum.reduce([res[d].layer_cycles for d in ("ws", "os", "is")])
    assert np.all(res["auto"].layer_cycles <= best_fixed * (1 + 1e-12))
    assert np.all(
        res["auto"].latency_cycles
        <= np.minimum.reduce([res[d].latency_cycles for d in ("ws", "os", "is")]) * (1 + 1e-12)
    )
    # and auto really chooses: it beats ws somewhere on this mix
    assert np.any(res["auto"].latency_cycles < res["ws"].latency_cycles)


def test_two_units_about_halve_compute_of_a_large_gemm():
    # Assumption (docs/assumptions.md (part 2)): with one GEMM and two arrays, the larger of M
    # and N (here M = 4096) is split in two. ws on 32x32 with K = N = 1024 (32 x 32 folds).
    # Unpipelined: per array 32*32*(32 + M - 1) + 1024*32 + 1024*32 cycles.
    net = net_of(fc(rows=4096, k=1024, n=1024))
    cfg = ConfigBatch.from_columns(
        clock_mhz=1000,
        rows=32,
        cols=32,
        units=[1, 2],
        dram_gbps=1e6,
        unified_kib=1e6,
        fold_overlap="none",
    )
    res = evaluate_batch(net, cfg, per_layer=True)
    c1, c2 = res.layer_compute_cycles[:, 0]
    assert c1 == 1024 * (32 + 4096 - 1) + 2 * 1024 * 32
    assert c2 == 1024 * (32 + 2048 - 1) + 2 * 1024 * 32
    assert 0.5 < c2 / c1 < 0.52
    # Pipelined: 32 + (1024 - 1) * M + M + 32 + 32 - 1 (every fold streams M rows).
    piped = evaluate_batch(
        net,
        cfg.take([0, 1]).__class__.from_columns(
            clock_mhz=1000,
            rows=32,
            cols=32,
            units=[1, 2],
            dram_gbps=1e6,
            unified_kib=1e6,
        ),
        per_layer=True,
    )
    p1, p2 = piped.layer_compute_cycles[:, 0]
    assert p1 == 32 + 1023 * 4096 + 4096 + 63
    assert p2 == 32 + 1023 * 2048 + 2048 + 63
    assert 0.5 < p2 / p1 < 0.5001


def test_evaluate_equals_evaluate_batch_exactly():
    net = mixed_net()
    cfg = grid_configs()
    batch = evaluate_batch(net, cfg, per_layer=True)
    for i in (0, 5, 11):
        arch = cfg.to_arch(i)
        rep = evaluate(net, arch)
        assert rep.latency_cycles == batch.latency_cycles[i]
        assert rep.energy_j == batch.energy_j[i]
        assert rep.dram_bytes == batch.dram_bytes[i]
        assert rep.area_mm2 == batch.area_mm2[i]
        assert rep.power_w == batch.power_w[i]
        assert rep.utilization == batch.utilization[i]
        assert [layer.cycles for layer in rep.layers] == batch.layer_cycles[i].tolist()
        assert [layer.energy_j for layer in rep.layers] == batch.layer_energy_j[i].tolist()
        assert [layer.bound for layer in rep.layers] == batch.layer_bound_names()[i].tolist()


def test_chunking_gives_identical_results():
    net = mixed_net()
    cfg = grid_configs(n_extra=21)
    ref = evaluate_batch(net, cfg, per_layer=True)
    for chunk in (1, 7, 1000):
        res = evaluate_batch(net, cfg, per_layer=True, chunk_size=chunk)
        for name in (
            "latency_cycles",
            "energy_j",
            "dram_bytes",
            "power_w",
            "layer_cycles",
            "layer_bound",
        ):
            assert np.array_equal(getattr(res, name), getattr(ref, name)), name


# ---- energy and area ----------------------------------------------------------------------


def test_dram_energy_is_bytes_times_pj_per_byte():
    net = mixed_net()
    cfg = ConfigBatch.from_columns(
        clock_mhz=1000,
        rows=16,
        cols=16,
        dram_gbps=16,
        unified_kib=128,
        dram_pj_per_byte=[10.0, 30.0],
    )
    res = evaluate_batch(net, cfg)
    assert res.dram_bytes[0] == res.dram_bytes[1]
    delta = (res.energy_j[1] - res.energy_j[0]) * 1e12
    assert delta == pytest.approx(res.dram_bytes[0] * 20.0, rel=1e-9)
    # The DRAM devices' power is reported apart from the die's.
    assert res.dram_power_w[1] - res.dram_power_w[0] == pytest.approx(
        delta * 1e-12 / res.latency_s[0], rel=1e-9
    )


def test_area_is_the_sum_of_its_blocks():
    arch = load_arch("tpu-v1")
    tech = get_technology(arch.technology)
    cfg = ConfigBatch.from_archs([arch])
    res = evaluate_batch(net_of(fc()), cfg)
    rep = evaluate(net_of(fc()), arch)
    br = rep.area_breakdown_mm2
    # PEs (+ the second stationary bank of pipelined folds) and per-array overhead.
    skew_bits = 256 * 255 / 2 * 8 + 256 * 255 / 2 * 32 + 256 * 255 / 2 * 8
    arrays = (
        256 * 256 * (tech.pe_area_um2["int8"] + tech.pe_bank_area_um2["int8"]) * 1e-6
        + tech.array_control_area_mm2
        + skew_bits * tech.reg_bit_area_um2 * 1e-6
    )
    assert br["arrays"] == pytest.approx(arrays, rel=1e-12)
    # SRAM capacity plus port periphery: default ports feed the array at full rate:
    # input and weight 256 B/cycle, output 2 x 256 x 4 B/cycle (read + write of sums).
    ports = (256 + 256 + 2048) * 8
    sram = (
        24576 + 256 + 4096
    ) * tech.sram_area_mm2_per_kib + ports * tech.sram_port_area_um2_per_bit * 1e-6
    assert br["sram"] == pytest.approx(sram, rel=1e-12)
    assert br["vector"] == pytest.approx(256 * tech.vector_lane_area_um2["int8"] * 1e-6)
    # top-level control: 2 % of the datapath (TPU v1 floor plan)
    datapath = br["arrays"] + br["sram"] + br["vector"]
    assert br["control"] == pytest.approx(0.02 * datapath, rel=1e-12)
    cell = datapath + br["control"]
    assert rep.cell_area_mm2 == pytest.approx(cell, rel=1e-12)
    # die = cell area x layout overhead + the DDR3 PHY (34 GB/s at 3 GB/s per mm of edge)
    from accelscope.targets.asic.cost.area import LAYOUT_OVERHEAD

    assert br["dram_phy"] == pytest.approx(34 / 3.0 * 1.0, rel=1e-12)
    assert res.area_mm2[0] == pytest.approx(cell * LAYOUT_OVERHEAD + br["dram_phy"], rel=1e-12)
    edge = ConfigBatch.from_archs([load_arch("edge")])  # no explicit DRAM energy
    assert edge.dram_pj_per_byte[0] == get_technology("16nm").dram_energy_pj_per_byte


def test_mac_energy_lower_bound_and_power_split():
    # Energy is at least MACs x mac_energy_pj; energy = (power + DRAM power) x latency.
    arch = make_arch()
    rep = evaluate(net_of(fc(rows=64, k=64, n=64)), arch)
    mac_pj = get_technology("28nm").mac_energy_pj["int8"]
    assert rep.energy_j > 64**3 * mac_pj * 1e-12
    assert rep.energy_j == pytest.approx((rep.power_w + rep.dram_power_w) * rep.latency_s)
    assert rep.onchip_power_w < rep.power_w  # the die's power includes the DRAM PHY
    assert rep.throughput_per_s == pytest.approx(1 / rep.latency_s, rel=1e-12)


# ---- config batches ------------------------------------------------------------------------


def test_config_batch_roundtrip_and_take():
    archs = [load_arch(p) for p in ("edge", "tpu-v1", "default")]
    cfg = ConfigBatch.from_archs(archs)
    assert len(cfg) == 3
    back = ConfigBatch.from_archs([cfg.to_arch(i) for i in range(3)])
    for name in (
        "rows",
        "cols",
        "units",
        "dataflow",
        "unified_kib",
        "input_kib",
        "dram_pj_per_byte",
    ):
        assert np.array_equal(getattr(back, name), getattr(cfg, name), equal_nan=True), name
    sub = cfg.take([2, 0])
    assert sub.rows.tolist() == [64, 16]
    assert cfg.to_arch(1).tensor_units.rows == 256


def test_from_columns_broadcasts_and_names_bad_column():
    cfg = ConfigBatch.from_columns(
        clock_mhz=1000, rows=[8, 16], cols=8, dram_gbps=10, unified_kib=64
    )
    assert cfg.cols.tolist() == [8, 8] and cfg.unified.tolist() == [True, True]
    with pytest.raises(SpecError, match="rows"):
        ConfigBatch.from_columns(clock_mhz=1000, rows=[8, 0], cols=8, dram_gbps=10, unified_kib=64)
    with pytest.raises(SpecError, match="buffers"):
        ConfigBatch.from_columns(clock_mhz=1000, rows=8, cols=8, dram_gbps=10, input_kib=64)
    with pytest.raises(SpecError, match="dataflow"):
        ConfigBatch.from_columns(
            clock_mhz=1000, rows=8, cols=8, dram_gbps=10, unified_kib=64, dataflow="xs"
        )


def test_report_exports():
    rep = evaluate(mixed_net(), make_arch(buffers={"unified_kib": 256}))
    d = rep.to_dict()
    assert d["layers"][0]["mapping"]["loop_order"] in ("weight", "input", "output")
    assert len(d["layers"]) == 6
    df = rep.to_pandas()
    assert list(df["name"]) == ["conv", "relu", "dw", "proj", "attn", "rnn"]
    assert df["energy_j"].sum() == pytest.approx(rep.energy_j, rel=1e-12)
