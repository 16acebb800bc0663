"""Property-based checks of the cost model (hypothesis; bounded example counts)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelscope.targets.asic.cost import ConfigBatch, evaluate_batch
from accelscope.workload import (
    LSTM,
    Attention,
    Conv2d,
    Elementwise,
    Linear,
    MatMul,
    Network,
    Norm,
)

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
dim = st.integers(1, 300)


@st.composite
def layers(draw, i):
    kind = draw(st.sampled_from(["linear", "conv", "matmul", "lstm", "attn", "relu", "norm"]))
    name = f"l{i}"
    if kind == "linear":
        return Linear(name=name, rows=draw(dim), in_features=draw(dim), out_features=draw(dim))
    if kind == "conv":
        c = draw(st.integers(1, 64))
        g = draw(st.sampled_from([1, c]))
        return Conv2d(
            name=name,
            in_channels=c,
            out_channels=c * draw(st.integers(1, 3)),
            in_h=draw(st.integers(3, 20)),
            in_w=draw(st.integers(3, 20)),
            kernel=draw(st.sampled_from([1, 3])),
            groups=g,
        )
    if kind == "matmul":
        return MatMul(
            name=name, batch=draw(st.integers(1, 4)), m=draw(dim), k=draw(dim), n=draw(dim)
        )
    if kind == "lstm":
        return LSTM(
            name=name,
            seq_len=draw(st.integers(1, 10)),
            input_size=draw(st.integers(1, 128)),
            hidden_size=draw(st.integers(1, 128)),
        )
    if kind == "attn":
        return Attention(
            name=name,
            heads=draw(st.integers(1, 4)),
            head_dim=draw(st.integers(1, 64)),
            seq_q=draw(st.integers(1, 128)),
            seq_kv=draw(st.integers(1, 128)),
        )
    if kind == "relu":
        return Elementwise(name=name, function="relu", elements=draw(st.integers(1, 100000)))
    return Norm(name=name, norm="layer", elements=draw(st.integers(1, 100000)), channels=8)


@st.composite
def networks(draw):
    n = draw(st.integers(1, 4))
    ops = [draw(layers(i)) for i in range(n)]
    ops.append(Linear(name="head", rows=draw(dim), in_features=draw(dim), out_features=draw(dim)))
    return Network(name="h", layers=tuple(ops), batch=draw(st.integers(1, 4)))


@st.composite
def config_columns(draw):
    """Keyword arguments of ConfigBatch.from_columns for one configuration."""
    p2 = st.sampled_from([2, 4, 8, 16, 32, 64])
    cols = {
        "clock_mhz": draw(st.sampled_from([200.0, 700.0, 1000.0])),
        "rows": draw(p2),
        "cols": draw(p2),
        "units": draw(st.integers(1, 4)),
        "dataflow": draw(st.integers(0, 3)),
        "lanes": draw(st.sampled_from([1, 8, 64])),
        "precision": draw(st.sampled_from(["int8", "fp16", "fp32"])),
        "double_buffering": draw(st.booleans()),
        "dram_gbps": draw(st.floats(0.5, 200.0)),
        "technology": draw(st.sampled_from(["65nm", "45nm", "28nm", "7nm"])),
        "fold_overlap": draw(st.sampled_from(["none", "pipelined"])),
        "fusion": draw(st.sampled_from(["none", "standard"])),
        "residency": draw(st.sampled_from(["none", "standard"])),
    }
    kib = st.floats(8.0, 4096.0)
    if draw(st.booleans()):
        cols["unified_kib"] = draw(kib)
    else:
        cols.update(input_kib=draw(kib), weight_kib=draw(kib), output_kib=draw(kib))
    return cols


def one(cols, **over):
    return ConfigBatch.from_columns(**{**cols, **over})


@SETTINGS
@given(networks(), config_columns())
def test_cycles_at_least_macs_over_pes_and_utilization_in_range(net, cols):
    cfg = one(cols)
    res = evaluate_batch(net, cfg, per_layer=True)
    if not res.feasible[0]:
        assert np.isinf(res.latency_cycles[0])
        return
    pes = cols["rows"] * cols["cols"] * cols["units"]
    # Depthwise convolutions may run on the vector lanes: one MAC per lane and cycle.
    assert res.latency_cycles[0] >= net.total_macs() / (pes + cols["lanes"])
    assert 0 <= res.utilization[0] <= 1
    macs = np.array([op.macs() for op in net.layers], dtype=float)
    assert np.all(res.layer_cycles[0] >= macs / (pes + cols["lanes"]))


@SETTINGS
@given(networks(), config_columns(), st.floats(1.1, 10.0))
def test_more_bandwidth_never_increases_latency(net, cols, factor):
    cfg = ConfigBatch.from_columns(
        **{**cols, "dram_gbps": [cols["dram_gbps"], cols["dram_gbps"] * factor]}
    )
    res = evaluate_batch(net, cfg, per_layer=True)
    assert res.latency_cycles[1] <= res.latency_cycles[0]
    assert np.all(res.layer_cycles[1] <= res.layer_cycles[0])


@SETTINGS
@given(networks(), config_columns(), st.floats(1.0, 8.0))
def test_bigger_buffer_never_slower_and_adds_traffic_only_for_time(net, cols, factor):
    """More buffer never costs time; DRAM traffic grows only where the latency drops (the
    mapper minimizes latency first; docs/assumptions.md "Mapping by latency")."""
    keys = [k for k in ("unified_kib", "input_kib", "weight_kib", "output_kib") if k in cols]
    bigger = {k: [cols[k], cols[k] * factor] for k in keys}
    res = evaluate_batch(net, ConfigBatch.from_columns(**{**cols, **bigger}), per_layer=True)
    assert res.feasible[1] or not res.feasible[0]
    if res.feasible[0]:
        assert res.latency_cycles[1] <= res.latency_cycles[0]
        assert np.all(res.layer_cycles[1] <= res.layer_cycles[0])
        more = res.layer_dram_bytes[1] > res.layer_dram_bytes[0]
        assert np.all(res.layer_cycles[1][more] < res.layer_cycles[0][more])


@SETTINGS
@given(networks(), config_columns())
def test_energy_area_positive_and_energy_additive_over_layers(net, cols):
    res = evaluate_batch(net, one(cols), per_layer=True)
    assert res.area_mm2[0] > 0
    if res.feasible[0]:
        assert res.energy_j[0] > 0 and res.power_w[0] > 0
        assert np.isclose(res.energy_j[0], res.layer_energy_j[0].sum(), rtol=1e-12, atol=0)
        assert np.isclose(res.latency_cycles[0], res.layer_cycles[0].sum(), rtol=1e-12, atol=0)
        assert np.isclose(res.dram_bytes[0], res.layer_dram_bytes[0].sum(), rtol=1e-12, atol=0)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(networks(), st.lists(config_columns(), min_size=1, max_size=5))
def test_deterministic_and_independent_of_batch_composition(net, rows):
    """Same inputs -> identical arrays; a row's result does not depend on its neighbours."""
    cfgs = [one(c) for c in rows]
    fields = ConfigBatch.__dataclass_fields__
    batch = ConfigBatch(**{f: np.concatenate([getattr(c, f) for c in cfgs]) for f in fields})
    a = evaluate_batch(net, batch, per_layer=True)
    b = evaluate_batch(net, batch, per_layer=True)
    for name in ("latency_cycles", "energy_j", "dram_bytes", "layer_cycles", "layer_bound"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    for i, c in enumerate(cfgs):
        single = evaluate_batch(net, c, per_layer=True)
        assert np.array_equal(single.layer_cycles[0], a.layer_cycles[i])
        assert single.energy_j[0] == a.energy_j[i] or (
            np.isinf(single.energy_j[0]) and np.isinf(a.energy_j[i])
        )
