"""Residual groups: layers tied by residual adds are swept together as one knob."""

from __future__ import annotations

import numpy as np
import pytest

from accelscope.codesign import CodesignError, find_knobs, make_plan, resize, select_knobs, sweep
from accelscope.codesign.recommend import curve_analysis
from accelscope.targets.asic.cost import ConfigBatch, evaluate_batch
from accelscope.workload import Conv2d, Elementwise, Linear, Network, Norm, ShapeOp, zoo
from accelscope.workload.ops import Pool2d
from tests.test_codesign import small_arch


def consistent(net: Network) -> None:
    """Every layer reads exactly what its producers write (the element counts of all
    producers of a layer sum to its input elements; an add reads each input in full)."""
    out = {op.name: op for op in net.layers}
    for op in net.layers:
        srcs = [s for s in op.inputs if s in out]
        if srcs and op.input_elements():
            got = sum(out[s].output_elements() for s in srcs)
            assert got == op.input_elements(), op.name


def tiny_resnet(w: int = 8) -> Network:
    """Stem, an identity block and a downsampling block (1x8x8 input, batch 1):

    stem 3->w k3/p1 (8x8) -> bn -> relu -> [b1.conv1 w->4 k1 -> relu -> b1.conv2 4->w k1
    -> bn] + relu_out -> relu -> [b2.conv1 w->6 k3/s2/p1 (4x4) -> relu -> b2.conv2 6->16
    k1 -> bn] + [b2.down w->16 k1/s2 -> bn] -> relu -> global pool -> flatten -> fc 16->10.
    """

    def conv(name, src, cin, cout, k=1, s=1, p=0, hw=8):
        return Conv2d(
            name=name,
            inputs=(src,),
            in_channels=cin,
            out_channels=cout,
            in_h=hw,
            in_w=hw,
            kernel=k,
            stride=s,
            padding=p,
            bias=False,
        )

    def bn(name, src, c, hw):
        return Norm(name=name, inputs=(src,), norm="batch", elements=c * hw * hw, channels=c)

    def relu(name, src, n):
        return Elementwise(name=name, inputs=(src,), function="relu", elements=n)

    def add(name, a, b, n):
        return Elementwise(name=name, inputs=(a, b), function="add", elements=n, num_inputs=2)

    return Network(
        name="tiny-resnet",
        layers=[
            conv("stem", "x", 3, w, k=3, p=1),
            bn("stem_bn", "stem", w, 8),
            relu("stem_relu", "stem_bn", w * 64),
            conv("b1.conv1", "stem_relu", w, 4),
            relu("b1.relu", "b1.conv1", 4 * 64),
            conv("b1.conv2", "b1.relu", 4, w),
            bn("b1.bn", "b1.conv2", w, 8),
            add("b1.add", "b1.bn", "stem_relu", w * 64),
            relu("b1.out", "b1.add", w * 64),
            conv("b2.conv1", "b1.out", w, 6, k=3, s=2, p=1),
            relu("b2.relu", "b2.conv1", 6 * 16),
            conv("b2.conv2", "b2.relu", 6, 16, hw=4),
            bn("b2.bn", "b2.conv2", 16, 4),
            conv("b2.down", "b1.out", w, 16, s=2),
            bn("b2.down_bn", "b2.down", 16, 4),
            add("b2.add", "b2.bn", "b2.down_bn", 16 * 16),
            relu("b2.out", "b2.add", 16 * 16),
            Pool2d(
                name="pool",
                inputs=("b2.out",),
                mode="avg",
                channels=16,
                in_h=4,
                in_w=4,
                global_pool=True,
            ),
            ShapeOp(name="flat", inputs=("pool",), function="flatten", elements=16),
            Linear(name="fc", inputs=("flat",), in_features=16, out_features=10),
        ],
    )


def test_groups_are_found_from_the_graph_with_hand_derived_macs_and_params():
    net = tiny_resnet()
    consistent(net)
    knobs, excluded = find_knobs(net)
    by = {k.name: k for k in knobs}
    # b1.add joins b1.conv2 (via b1.bn) with the stem (via stem_bn, stem_relu): one group.
    # b2.add joins b2.conv2 with the downsample b2.down. Labels: module path of the adds.
    g1 = by["b1 (residual group: stem, b1.conv2)"]
    g2 = by["b2 (residual group: b2.conv2, b2.down)"]
    assert list(by) == [g1.name, "b1.conv1", "b2.conv1", g2.name]  # at the first member
    assert (g1.group, g1.members, g1.width, g1.op, g1.field) == (
        "b1",
        ("stem", "b1.conv2"),
        8,
        "conv2d",
        "out_channels",
    )
    assert g2.members == ("b2.conv2", "b2.down") and g2.width == 16
    assert [e.name for e in excluded] == ["fc"]
    # Everything that reads the tied tensor changes: BN, ReLU, adds, next convs' inputs.
    assert g1.layers == (
        "stem", "stem_bn", "stem_relu", "b1.conv1", "b1.conv2", "b1.bn", "b1.add", "b1.out",
        "b2.conv1", "b2.down",
    )  # fmt: skip
    assert g2.layers[-4:] == ("b2.out", "pool", "flat", "fc")
    # Hand count at group-1 width W (convs without bias, BN = 2 params per channel):
    #   params: stem 3*9*W + stem_bn 2W + b1.conv1 4W + b1.conv2 4W + b1.bn 2W
    #           + b2.conv1 9*6*W + b2.down 16W = 109W; fixed: b2.conv2 96, b2.bn 32,
    #           b2.down_bn 32, fc 16*10+10 = 170 -> 330.
    #   MACs:   stem 64*27W + b1.conv1 64*4W + b1.conv2 64*4W + b2.conv1 16*54W
    #           + b2.down 16*16W = 3360W; fixed: b2.conv2 16*96 + fc 160 = 1696.
    for w in (8, 5, 12):
        out = resize(net, [(g1, w)])
        consistent(out)
        assert out.total_params() == 109 * w + 330
        assert out.total_macs() == 3360 * w + 1696
        assert out.total_macs() == tiny_resnet(w).total_macs()
        assert [op.model_dump() for op in out.layers] == [
            op.model_dump() for op in tiny_resnet(w).layers
        ]
    # Group 2 at width V (W = 8): params b2.conv2 6V + b2.bn 2V + b2.down 8V +
    # b2.down_bn 2V + fc 10V (+ its 10 biases) -> 28 per unit of V; MACs b2.conv2 16*6V +
    # b2.down 16*8V + fc 10V -> 234 per unit. V = 16 -> 24 adds 8 units.
    out = resize(net, [(g2, 24)])
    consistent(out)
    assert out.total_params() - net.total_params() == 28 * 8
    assert out.total_macs() - net.total_macs() == 234 * 8
    assert out.layer("fc").in_features == 24 and out.layer("pool").channels == 24
    # Two groups and a single knob add up (b2.conv1's input and output both move).
    both = resize(net, [(g1, 12), (by["b2.conv1"], 10), (g2, 20)])
    consistent(both)
    c = both.layer("b2.conv1")
    assert (c.in_channels, c.out_channels) == (12, 10)


def residual_mlp(n: int = 32) -> Network:
    """x(8x16) -> fc_in (16->N) -> fc_a (N->16) -> relu -> fc_b (16->N) -> res.add(fc_b,
    fc_in) -> fc_out (N->16)."""
    m = 8
    return Network(
        name="res-mlp",
        layers=[
            Linear(name="fc_in", inputs=("x",), rows=m, in_features=16, out_features=n),
            Linear(name="fc_a", inputs=("fc_in",), rows=m, in_features=n, out_features=16),
            Elementwise(name="act", inputs=("fc_a",), function="relu", elements=m * 16),
            Linear(name="fc_b", inputs=("act",), rows=m, in_features=16, out_features=n),
            Elementwise(
                name="res.add",
                inputs=("fc_b", "fc_in"),
                function="add",
                elements=m * n,
                num_inputs=2,
            ),
            Linear(name="fc_out", inputs=("res.add",), rows=m, in_features=n, out_features=16),
        ],
    )


def test_group_staircase_and_params_are_hand_derived():
    """Group {fc_in, fc_b} of width N on a 16x16 ws array, M = 8 rows, DRAM fast enough
    to add < 0.05 cycles, unpipelined folds. Whole-GEMM closed form (docs/assumptions.md
    part 3, as in test_codesign.test_hand_derived_staircase) ``F_r*F_c*(16 + 8 - 1) +
    K*F_c + N*F_r`` with F_r = ceil(K/16), F_c = ceil(N/16), c = ceil(N/16):

    * fc_in (K=16, out N): 23c + 16c + N = 39c + N; fc_b (K=16, out N): the same;
    * fc_a (K=N, out 16) and fc_out (K=N, out 16): 23c + N + 16c = 39c + N each;
    * res.add: fused into fc_b and overlapped with it (its skip input stays on chip).

    Changed-layer latency ``156c + 4N``: plateaus end at multiples of 16.
    Params: fc_in 17N, fc_a 16N + 16, fc_b 17N, fc_out 16N + 16 = 66N + 32.
    """
    net = residual_mlp(32)
    (group,) = [k for k in find_knobs(net)[0] if k.is_group]
    assert group.name == "res (residual group: fc_in, fc_b)"
    result = sweep(net, small_arch(16, fold_overlap="none"), ["res"], lo=0.5, hi=2.0)
    (curve,) = result.curves
    n = curve.widths
    assert n.tolist() == list(range(16, 65))
    expected = 156 * np.ceil(n / 16) + 4 * n
    assert np.all(np.abs(curve.group_latency_s * 1e9 - expected) < 0.05)
    assert curve.params.tolist() == (66 * n + 32).tolist()
    an = curve_analysis(curve)
    assert n[an.cliffs].tolist() == [16, 32, 48]
    assert [(int(n[a]), int(n[b])) for a, b in an.plateaus] == [
        (16, 16),
        (17, 32),
        (33, 48),
        (49, 64),
    ]


def test_group_curve_equals_evaluating_the_reshaped_networks():
    net = tiny_resnet(8)
    arch = small_arch(8, weight_kib=1, input_kib=2, output_kib=2, dram_gbps=4)
    result = sweep(net, arch, lo=0.5, hi=2.0)
    cfg = ConfigBatch.from_archs([arch])
    groups = [c for c in result.curves if c.knob.is_group]
    assert len(groups) == 2
    for curve in groups:
        for j in range(len(curve.widths)):
            w = int(curve.widths[j])
            reshaped = resize(net, [(curve.knob, w)])
            direct = evaluate_batch(reshaped, cfg)
            assert curve.latency_s[j] == pytest.approx(direct.latency_s[0], rel=1e-12)
            assert curve.energy_j[j] == pytest.approx(direct.energy_j[0], rel=1e-12)
            assert curve.params[j] == reshaped.total_params()
    # The group knob of width 8 reshaped to 12 is the network built with w = 12.
    g1 = result.curve("b1 (residual group: stem, b1.conv2)")
    direct = evaluate_batch(tiny_resnet(12), cfg)
    assert g1.latency_s[g1.at(12)] == pytest.approx(direct.latency_s[0], rel=1e-12)


STAGES = {
    "layer1": ("conv1", "layer1.0.conv2", "layer1.1.conv2"),
    "layer2": ("layer2.0.conv2", "layer2.0.downsample.0", "layer2.1.conv2"),
    "layer3": ("layer3.0.conv2", "layer3.0.downsample.0", "layer3.1.conv2"),
    "layer4": ("layer4.0.conv2", "layer4.0.downsample.0", "layer4.1.conv2"),
}


def test_resnet18_stage_groups_are_swept_and_no_longer_excluded():
    net = zoo.get("resnet-18")
    arch = small_arch(32, weight_kib=64, input_kib=256, output_kib=256, dram_gbps=32)
    result = sweep(net, arch, multiple=16)
    groups = {c.knob.group: c for c in result.curves if c.knob.is_group}
    assert set(groups) == set(STAGES)
    for label, members in STAGES.items():
        knob = groups[label].knob
        # torchvision ResNet-18: layer1 has no downsample, so the stem conv1's output is
        # the identity of layer1.0 and joins the group; layers 2-4 have a 1x1 downsample.
        assert knob.members == members
        assert knob.name == f"{label} (residual group: {', '.join(members)})"
    excluded = {e.name for e in result.excluded}
    assert excluded == {"fc"}
    assert not excluded & {m for ms in STAGES.values() for m in ms}
    # The layer4 group reaches the classifier through avgpool and flatten.
    l4 = groups["layer4"].knob
    assert {"avgpool", "fc", "layer4.1.add"} <= set(l4.layers)
    reshaped = resize(net, [(l4, 384)])
    consistent(reshaped)
    assert reshaped.layer("fc").in_features == 384
    assert reshaped.layer("layer4.0.downsample.1").channels == 384
    # 8 single convs (each block's conv1) + 4 groups.
    assert len(result.curves) == 12
    # A member alone is an error pointing to its group; the short label selects it.
    with pytest.raises(CodesignError, match=r"sweep its residual group 'layer2'"):
        select_knobs(net, ["layer2.0.downsample.0"])
    assert select_knobs(net, ["layer3"])[0][0].members == STAGES["layer3"]


def test_plan_moves_groups_in_multiples():
    net = zoo.get("resnet-18")
    arch = small_arch(32, weight_kib=64, input_kib=256, output_kib=256, dram_gbps=32)
    result = sweep(net, arch, list(STAGES), multiple=16)
    plan = make_plan(net, arch, result, "min-latency", min_params_fraction=0.8)
    assert plan.changes
    assert all(new % 16 == 0 for _, new in plan.changes.values())
    assert plan.params >= 0.8 * result.params and plan.latency_s < result.latency_s
    exact = evaluate_batch(plan.network, ConfigBatch.from_archs([arch]))
    assert plan.latency_s == pytest.approx(float(exact.latency_s[0]), rel=1e-12)
    consistent(plan.network)
    for knob in (c.knob for c in result.curves):
        w = plan.widths[knob.name]
        assert all(plan.network.layer(m).out_channels == w for m in knob.members)


def test_groups_that_cannot_be_swept_keep_their_members_excluded():
    # The Transformer d_model stream starts at the embeddings (a lookup, not resizable).
    bert = zoo.get("bert-base", seq_len=32)
    knobs, excluded = find_knobs(bert)
    assert not any(k.is_group for k in knobs)
    why = {e.name: e.reason for e in excluded}
    reason = why["encoder.layer.0.output.dense"]
    assert "residual" in reason and "embeddings" in reason and "cannot be swept" in reason
    # A residual add with the network input: nothing produces the other tensor.
    net = Network(
        name="skip-input",
        layers=[
            Linear(name="fc", inputs=("x",), rows=4, in_features=16, out_features=16),
            Elementwise(name="add", inputs=("fc", "x"), function="add", elements=64, num_inputs=2),
            Linear(name="head", inputs=("add",), rows=4, in_features=16, out_features=3),
        ],
    )
    why = {e.name: e.reason for e in find_knobs(net)[1]}
    assert "network input 'x'" in why["fc"]


def test_mobilenet_v2_groups_have_unique_labels():
    knobs, _ = find_knobs(zoo.get("mobilenet-v2"))
    groups = {k.group: k.members for k in knobs if k.is_group}
    # Blocks with equal output channels and stride 1 add their input: 24 (blocks 2-3),
    # 32 (4-6), 64 (7-10), 96 (11-13), 160 (14-16). Labels name the adds' blocks.
    assert groups == {
        "features.3": ("features.2.conv.2", "features.3.conv.2"),
        "features.5-6": tuple(f"features.{i}.conv.2" for i in (4, 5, 6)),
        "features.8-10": tuple(f"features.{i}.conv.2" for i in (7, 8, 9, 10)),
        "features.12-13": tuple(f"features.{i}.conv.2" for i in (11, 12, 13)),
        "features.15-16": tuple(f"features.{i}.conv.2" for i in (14, 15, 16)),
    }


def test_squeeze_excitation_multiply_ties_with_broadcast():
    """x = conv c (C channels, 8x8); s = sigmoid(e2(relu(e1(avgpool(x))))) has C x 1 x 1
    elements; se.mul(x, s) broadcasts s. Both c and e2 set C: one group, and the multiply
    grows by 64 elements (8x8) per channel, e2's sigmoid by 1."""

    def conv(name, src, cin, cout, hw):
        return Conv2d(
            name=name,
            inputs=(src,),
            in_channels=cin,
            out_channels=cout,
            in_h=hw,
            in_w=hw,
            kernel=1,
        )

    net = Network(
        name="se",
        layers=[
            conv("c", "x", 3, 16, 8),
            Pool2d(name="sq", inputs=("c",), mode="avg", channels=16, in_h=8, in_w=8,
                   global_pool=True),
            conv("e1", "sq", 16, 4, 1),
            Elementwise(name="r", inputs=("e1",), function="relu", elements=4),
            conv("e2", "r", 4, 16, 1),
            Elementwise(name="s", inputs=("e2",), function="sigmoid", elements=16),
            Elementwise(
                name="se.mul", inputs=("c", "s"), function="mul", elements=16 * 64, num_inputs=2
            ),
            conv("out", "se.mul", 16, 8, 8),
            ShapeOp(name="flat", inputs=("out",), function="flatten", elements=8 * 64),
            Linear(name="fc", inputs=("flat",), in_features=8 * 64, out_features=3),
        ],
    )  # fmt: skip
    group = next(k for k in find_knobs(net)[0] if k.is_group)
    assert group.name == "se (residual group: c, e2)"
    out = resize(net, [(group, 24)])
    assert out.layer("e1").in_channels == out.layer("out").in_channels == 24
    assert out.layer("s").elements == 24 and out.layer("se.mul").elements == 24 * 64
    # Params move by c 3+1, e2 4+1, e1 4, out 8 per channel (convs with bias): 21 x 8.
    assert out.total_params() - net.total_params() == 21 * 8
