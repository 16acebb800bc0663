"""Co-design: width propagation, vectorized sweeps, curve analysis, recommendations, plans."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelscope.codesign import (
    CodesignError,
    analyze,
    candidate_widths,
    find_knobs,
    make_plan,
    recommend,
    resize,
    select_knobs,
    sweep,
)
from accelscope.codesign.recommend import curve_analysis
from accelscope.errors import UnknownNameError
from accelscope.targets.asic.arch.presets import arch_from_dict
from accelscope.targets.asic.cost import ConfigBatch, evaluate_batch
from accelscope.workload import (
    LSTM,
    Attention,
    Conv2d,
    Elementwise,
    Linear,
    Network,
    Norm,
    ShapeOp,
    load_model,
    zoo,
)


def small_arch(
    side: int = 16,
    weight_kib: float = 1024,
    input_kib: float = 1024,
    output_kib: float = 1024,
    dram_gbps: float = 1e6,
    dataflow: str = "ws",
    fold_overlap: str = "pipelined",
):
    return arch_from_dict(
        {
            "spec_version": 1,
            "name": f"test-{side}",
            "clock_mhz": 1000,
            "precision": "int8",
            "tensor_units": {"count": 1, "rows": side, "cols": side, "dataflow": dataflow},
            "vector_unit": {"lanes": 16},
            "buffers": {
                "input_kib": input_kib,
                "weight_kib": weight_kib,
                "output_kib": output_kib,
                "double_buffering": True,
            },
            "dram": {"bandwidth_gbps": dram_gbps},
            "technology": "16nm",
            "execution": {"fold_overlap": fold_overlap},
        }
    )


def two_linears(m: int = 8, k: int = 16, n: int = 48, k2: int = 16) -> Network:
    return Network(
        name="mlp",
        layers=[
            Linear(name="fc1", inputs=("x",), rows=m, in_features=k, out_features=n),
            Elementwise(name="act", inputs=("fc1",), function="relu", elements=m * n),
            Linear(name="fc2", inputs=("act",), rows=m, in_features=n, out_features=k2),
        ],
    )


def cnn() -> Network:
    c1 = Conv2d(
        name="c1",
        inputs=("x",),
        in_channels=3,
        out_channels=24,
        in_h=16,
        in_w=16,
        kernel=3,
        padding=1,
    )
    c2 = Conv2d(
        name="c2",
        inputs=("r1",),
        in_channels=24,
        out_channels=40,
        in_h=16,
        in_w=16,
        kernel=3,
        stride=2,
    )
    return Network(
        name="cnn",
        layers=[
            c1,
            Norm(name="b1", inputs=("c1",), norm="batch", elements=24 * 256, channels=24),
            Elementwise(name="r1", inputs=("b1",), function="relu", elements=24 * 256),
            c2,
            Elementwise(name="r2", inputs=("c2",), function="relu", elements=40 * 49),
            ShapeOp(name="flat", inputs=("r2",), function="flatten", elements=40 * 49),
            Linear(name="fc", inputs=("flat",), in_features=40 * 49, out_features=10),
        ],
    )


# ---- propagation ---------------------------------------------------------------------------
def test_propagation_follows_consumers_through_norm_and_flatten():
    knobs, excluded = find_knobs(cnn())
    by = {k.name: k for k in knobs}
    assert set(by) == {"c1", "c2"}
    assert by["c1"].layers == ("c1", "b1", "r1", "c2")
    # fc's input is flatten(c2): 7x7 = 49 features per channel of c2.
    ups = {(u.layer, u.field): u.coef for u in by["c2"].updates}
    assert ups[("fc", "in_features")] == 49
    assert ups[("r2", "elements")] == 49
    assert {e.name: e.reason for e in excluded}["fc"] == "its width is the network's output size"
    net = resize(cnn(), [(by["c1"], 32), (by["c2"], 48)])
    assert net.layer("c1").out_channels == 32
    assert net.layer("b1").channels == 32 and net.layer("b1").elements == 32 * 256
    assert net.layer("c2").in_channels == 32 and net.layer("c2").out_channels == 48
    assert net.layer("fc").in_features == 48 * 49
    assert net.layer("flat").elements == 48 * 49


def test_residual_members_form_groups_and_attention_inputs_are_excluded():
    net = zoo.get("resnet-18")
    knobs, excluded = find_knobs(net)
    why = {e.name: e.reason for e in excluded}
    # Residual-tied layers are swept as groups (tests/test_codesign_groups.py).
    assert "layer1.0.conv2" not in why
    assert "layer1.0.conv2" in {m for k in knobs for m in k.members}
    assert "layer1.0.conv1" in {k.name for k in knobs}
    bert = zoo.get("bert-base", seq_len=32)
    knobs, excluded = find_knobs(bert)
    why = {e.name: e.reason for e in excluded}
    assert "sweep its heads" in why["encoder.layer.0.attention.self.query"]
    names = {k.name: k for k in knobs}
    assert names["encoder.layer.0.intermediate.dense"].layers == (
        "encoder.layer.0.intermediate.dense",
        "encoder.layer.0.intermediate.gelu",
        "encoder.layer.0.output.dense",
    )
    heads = names["encoder.layer.0.attention.self.sdpa"]
    assert heads.is_heads and heads.inner_width == 768
    # Head counts are the divisors of 768 in [6, 18] (the current 12 included).
    assert candidate_widths(heads).tolist() == [6, 8, 12, 16]


def test_select_knobs_errors_name_the_layer():
    net = zoo.get("resnet-18")
    with pytest.raises(UnknownNameError, match=r"did you mean: layer2\.0\.conv1"):
        select_knobs(net, ["layer2.0.conv"])
    with pytest.raises(CodesignError, match="residual"):
        select_knobs(net, ["conv1"])
    with pytest.raises(CodesignError, match="no width to sweep"):
        select_knobs(net, ["layer1.0.relu"])


def test_candidate_widths_respect_range_multiple_and_bounds():
    knob = find_knobs(two_linears(n=50))[0][0]
    assert knob.width == 50
    w = candidate_widths(knob, 0.5, 1.5, 8)
    # Multiples of 8 in [25, 75], plus the current width 50.
    assert w.tolist() == [32, 40, 48, 50, 56, 64, 72]
    assert candidate_widths(knob, bounds=(40, 44)).tolist() == [40, 41, 42, 43, 44, 50]


# ---- sweeps --------------------------------------------------------------------------------
def test_hand_derived_staircase_plateau_edges_at_multiples_of_the_array():
    """Two linear layers (M=8, K=16, width N, K2=16) on a 16x16 ws array, DRAM fast enough
    that memory adds < 0.01 cycles, folds unpipelined (``fold_overlap: none``, every fold
    pays preload, fill and drain). docs/assumptions.md part 3, whole-GEMM closed form
    ``cycles = F_r*F_c*(R + S - 1) + D_r*F_c + D_c*F_r`` (ws: D_r = K, D_c = N, S = M):

    * fc1 (8 x 16 @ 16 x N): F_r = 1, F_c = ceil(N/16):
      ``ceil(N/16)*(16 + 8 - 1) + 16*ceil(N/16) + N = 39*ceil(N/16) + N``
    * fc2 (8 x N @ N x 16): F_r = ceil(N/16), F_c = 1:
      ``ceil(N/16)*23 + N + 16*ceil(N/16) = 39*ceil(N/16) + N``
    * relu on 8N elements, 16 lanes: ``ceil(N/2)`` cycles, fused into fc1 and overlapped
      with it (fusion: standard), so it adds nothing.

    Total ``78*ceil(N/16) + 2N``: plateaus are 16 widths long and end at multiples of 16;
    each step is 78 + 2 cycles, inside a plateau 2 cycles per width.
    """
    net = two_linears(n=48)
    result = sweep(net, small_arch(16, fold_overlap="none"), ["fc1"], lo=0.5, hi=2.0)
    curve = result.curves[0]
    n = curve.widths
    expected = 78 * np.ceil(n / 16) + 2 * n
    cycles = curve.group_latency_s * 1e9  # 1 GHz
    assert np.all(np.abs(cycles - expected) < 0.05)
    an = curve_analysis(curve)
    step_from = n[an.cliffs]
    assert step_from.tolist() == [32, 48, 64, 80]  # widths 24..96: steps after 32, 48, ...
    assert [(int(n[a]), int(n[b])) for a, b in an.plateaus] == [
        (24, 32),
        (33, 48),
        (49, 64),
        (65, 80),
        (81, 96),
    ]
    recs = {r.action: r for r in recommend(curve, an)}
    # 48 ends its plateau: no free growth; shrinking to 32 saves one fold of both layers.
    assert "grow" not in recs
    assert recs["shrink"].width == 32
    saved = 78 + 2 * 16
    assert recs["shrink"].latency_change_pct == pytest.approx(
        -saved / (result.latency_s * 1e9) * 100, rel=1e-3
    )


def test_pipelined_folds_flatten_the_staircase():
    """The same layers with pipelined folds (docs/assumptions.md part 3): the next fold's
    preload hides behind the current fold's stream, so a fold costs max(S, rows) = 16
    cycles (S = M = 8 < 16 rows) instead of 39.

    * fc1: one K-fold (16 rows), F = ceil(N/16) N-folds, last of c = N - 16(F-1) columns:
      ``16 + (F - 1) * 16 + 8 + 16 + c - 1 = 16F + 23 + c``;
    * fc2: F K-folds (16, ..., 16, c), one N-fold of 16 columns:
      ``16 + (F - 2) * 16 + max(8, c) + 8 + 16 + 16 - 1 = 16F + 23 + max(8, c)``.

    Total ``32F + 46 + c + max(8, c)``: the steps at multiples of 16 shrink to 9 cycles.
    """
    net = two_linears(n=48)
    curve = sweep(net, small_arch(16), ["fc1"], lo=0.5, hi=2.0).curves[0]
    n = curve.widths
    f = np.ceil(n / 16)
    c = n - 16 * (f - 1)
    expected = 32 * f + 46 + c + np.maximum(8, c)
    assert np.all(np.abs(curve.group_latency_s * 1e9 - expected) < 0.05)
    step = np.diff(curve.group_latency_s * 1e9)
    assert np.round(step[n[:-1] % 16 == 0]).tolist() == [9.0] * 4


def test_latency_first_mapping_streams_recurrent_weights_when_faster():
    """LSTM (batch 4, 10 steps, input 32) + linear on a 16x16 array with a 16 KiB weight
    buffer: double buffering leaves 8192 B. The recurrent weight H x 4H (int8) fits up to
    H = 45 (8100 B). v1 kept it on chip there because that reads the fewest bytes, and
    its load was not hidden: H = 45 was slower than H = 46. The v2 mapper picks the
    lowest latency: it streams the weights behind the (compute-bound) steps at both widths,
    so the curve is monotone."""
    net = Network(
        name="rnn",
        layers=[
            LSTM(name="lstm", batch=4, seq_len=10, input_size=32, hidden_size=48),
            Linear(name="out", inputs=("lstm",), rows=40, in_features=48, out_features=10),
        ],
    )
    arch = small_arch(16, weight_kib=16, input_kib=16, output_kib=16, dram_gbps=16)
    curve = sweep(net, arch, ["lstm"], lo=0.5, hi=1.5).curves[0]
    assert 4 * 45 * 45 <= 8192 < 4 * 46 * 46
    lat = dict(zip(curve.widths.tolist(), curve.latency_s.tolist(), strict=True))
    assert lat[45] < lat[46]
    assert not curve_analysis(curve).non_monotonic.any()


def test_analyze_flat_and_linear_curves():
    flat = analyze(np.array([5.0, 5.0, 5.0, 9.0, 9.0]))
    assert flat.cliffs.tolist() == [2]
    assert flat.plateaus == [(0, 2), (3, 4)]
    assert flat.dominated.tolist() == [True, True, False, True, False]
    assert not flat.non_monotonic.any()
    linear = analyze(np.arange(10, dtype=float))
    assert linear.cliffs.size == 0 and linear.plateaus == [(0, 9)]
    bump = analyze(np.array([1.0, 3.0, 2.0, 4.0]))
    assert bump.non_monotonic.tolist() == [False, True, False, False]
    to_inf = analyze(np.array([1.0, 1.0, np.inf]))
    assert to_inf.cliffs.tolist() == [1]


# ---- plans ---------------------------------------------------------------------------------
@pytest.mark.parametrize("goal", ["max-params", "min-latency"])
def test_plan_meets_its_constraint_and_multiples(goal):
    net = cnn()
    arch = small_arch(16, weight_kib=8, input_kib=16, output_kib=16, dram_gbps=8)
    result = sweep(net, arch, lo=0.5, hi=1.5, multiple=8)
    plan = make_plan(net, arch, result, goal, min_params_fraction=0.8)
    cfg = ConfigBatch.from_archs([arch])
    exact = evaluate_batch(plan.network, cfg)
    assert plan.latency_s == pytest.approx(float(exact.latency_s[0]), rel=1e-12)
    assert plan.params == plan.network.total_params()
    for name, (old, new) in plan.changes.items():
        assert new % 8 == 0, name
        assert math.ceil(0.5 * old) <= new <= 1.5 * old
    if goal == "max-params":
        assert plan.latency_s <= result.latency_s * (1 + 1e-12)
        assert plan.params >= result.params
    else:
        assert plan.params >= 0.8 * result.params
        assert plan.latency_s <= result.latency_s
        assert plan.latency_s < result.latency_s  # c1=24 -> 16 removes a fold here
    # The planned network equals applying the planned widths to the IR.
    knobs = {k.name: k for k in find_knobs(net)[0]}
    again = resize(net, [(knobs[n], w) for n, w in plan.widths.items()])
    assert [op.model_dump() for op in again.layers] == [
        op.model_dump() for op in plan.network.layers
    ]


def test_plan_grows_to_the_plateau_end_within_a_latency_budget():
    # Staircase of test_hand_derived_staircase (unpipelined): 78*ceil(N/16) + 2N cycles.
    # N = 33 -> 300 cycles; a 15% budget (45 cycles) allows 48 (+30) but not 49 (+110).
    net = two_linears(n=33)
    arch = small_arch(16, fold_overlap="none")
    result = sweep(net, arch, lo=0.5, hi=1.5)
    assert result.latency_s * 1e9 == pytest.approx(300, abs=0.05)
    plan = make_plan(net, arch, result, "max-params", latency_budget=1.15)
    assert plan.widths == {"fc1": 48}
    assert plan.latency_s <= 1.15 * result.latency_s
    assert plan.params - result.params == 15 * 17 + 15 * 16


def test_yaml_chain_without_producers_is_read_in_order():
    net = load_model("examples/networks/tiny-cnn.yaml")
    knobs = {k.name: k for k in find_knobs(net)[0]}
    # conv1 -> bn1 -> relu1 -> depthwise dw2 (passes the width on) -> pw2 absorbs it.
    assert knobs["conv1"].layers == ("conv1", "bn1", "relu1", "dw2", "pw2")
    out = resize(net, [(knobs["conv1"], 40)])
    dw = out.layer("dw2")
    assert (dw.in_channels, dw.out_channels, dw.groups) == (40, 40, 40)
    assert out.layer("pw2").in_channels == 40


def test_plan_rejects_unknown_goal():
    net = two_linears()
    arch = small_arch()
    with pytest.raises(CodesignError, match="unknown goal"):
        make_plan(net, arch, sweep(net, arch), "fastest")


def test_heads_change_keeps_the_model_width():
    net = Network(
        name="attn",
        layers=[
            Linear(name="qkv", inputs=("x",), rows=64, in_features=96, out_features=288),
            Attention(name="sdpa", inputs=("qkv",), heads=6, head_dim=16, seq_q=64, seq_kv=64),
            Linear(name="proj", inputs=("sdpa",), rows=64, in_features=96, out_features=96),
        ],
    )
    knob = {k.name: k for k in find_knobs(net)[0]}["sdpa"]
    assert candidate_widths(knob).tolist() == [3, 4, 6, 8]
    out = resize(net, [(knob, 4)])
    assert out.layer("sdpa").heads == 4 and out.layer("sdpa").head_dim == 24
    assert out.total_params() == net.total_params()
    with pytest.raises(CodesignError, match="do not divide"):
        resize(net, [(knob, 5)])


def test_advice_plateaus_and_plan_agree_on_bert():
    """issue 15: a plateau is never the whole sweep (a curve without steps is smooth or
    flat and has none), advice to grow only sits inside a real plateau, and a max-params
    plan leaves the attention heads alone (their width adds no parameters, so halving
    every head count only frees latency for one wider FFN)."""
    from accelscope.codesign import make_plan, sweep
    from accelscope.codesign.document import layer_entry
    from accelscope.targets.asic.arch import load_arch
    from accelscope.workload import load_model

    net = load_model("bert-base")
    arch = load_arch("edge")
    result = sweep(net, arch)
    for curve in result.curves:
        entry = layer_entry(curve, result)
        lo, hi = int(curve.widths[0]), int(curve.widths[-1])
        assert [lo, hi] not in entry["plateaus"], entry["name"]
        if entry["shape"] != "staircase":
            assert entry["plateaus"] == []
        for rec in entry["recommendations"]:
            if rec["action"] == "grow" and entry["shape"] == "staircase":
                assert any(a <= rec["width"] <= b for a, b in entry["plateaus"])
                assert "end of the current plateau" in rec["text"]
            elif rec["action"] == "grow":  # smooth: within the free cost, no plateau named
                assert "plateau" not in rec["text"].replace("no plateau", "")
                assert rec["latency_change_pct"] <= 0.1 + 1e-9
    plan = make_plan(net, arch, result, "max-params")
    assert not any(name.endswith("sdpa") for name in plan.changes)
    heads = [c for c in result.curves if c.name.endswith("sdpa")]
    for curve in heads:  # no advice to grow the heads while the plan leaves them alone
        entry = layer_entry(curve, result)
        assert entry["shape"] in ("smooth", "flat")
        assert all(r["action"] == "flat" for r in entry["recommendations"])
    assert "width does not change the parameters" in plan.note
    # Any plan left must be worth at least the minimum gain.
    d = plan.to_dict()
    assert d["changes"] == [] or d["params_change_pct"] >= 1.0


def test_min_gain_refuses_small_plans():
    from accelscope.codesign import make_plan, sweep
    from accelscope.targets.asic.arch import load_arch
    from accelscope.workload import load_model

    net = load_model("resnet-18")
    arch = load_arch("edge")
    result = sweep(net, arch, multiple=8)
    loose = make_plan(net, arch, result, "max-params", min_gain_pct=0.0)
    gain = loose.to_dict()["params_change_pct"]
    assert loose.changes and gain > 0
    strict = make_plan(net, arch, result, "max-params", min_gain_pct=gain + 1.0)
    assert strict.changes == {} and "minimum gain" in strict.note
    assert strict.to_dict()["params_change"] == 0
