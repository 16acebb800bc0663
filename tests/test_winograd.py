"""Winograd F(2x2, 3x3) on the systolic template: hand-derived cases (docs/assumptions.md,
"Winograd"; rules in accelscope.targets.asic.cost.winograd)."""

from __future__ import annotations

import numpy as np
import pytest

from accelscope.errors import SpecError
from accelscope.targets.asic.arch import arch_from_dict, load_arch
from accelscope.targets.asic.cost import ConfigBatch, evaluate, evaluate_batch
from accelscope.targets.asic.cost import winograd as wg
from accelscope.workload.network import Network
from accelscope.workload.ops import Conv2d, Linear


def _conv(h: int = 56, c: int = 64, k: int = 64, kernel: int = 3, **kw) -> Network:
    pad = kernel // 2
    layer = Conv2d(
        name="conv",
        in_channels=c,
        out_channels=k,
        in_h=h,
        in_w=h,
        kernel=kernel,
        padding=pad,
        bias=False,
        **kw,
    )
    return Network(name="one-conv", layers=(layer,))


def _arch(winograd: str, preset: str = "edge", **execution):
    arch = load_arch(preset)
    update = {"winograd": winograd, **execution}
    return arch.model_copy(update={"execution": arch.execution.model_copy(update=update)})


def _geometry(net: Network) -> tuple[np.ndarray, np.ndarray]:
    t = net.kernel_table
    return t.gemm_conv, t.gemm_k


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, True),  # 3x3, stride 1
        ({"stride": 2}, False),
        ({"kernel": 1}, False),
        ({"kernel": 5}, False),
        ({"dilation": 2}, False),
        ({"groups": 64}, False),  # depthwise: one channel per group
        ({"groups": 2}, True),  # grouped with 32 channels per group
    ],
)
def test_only_3x3_stride_1_undilated_convolutions_are_eligible(kwargs, expected):
    conv, k = _geometry(_conv(**kwargs))
    assert bool(wg.eligible(conv, k)[0]) is expected


def test_a_linear_layer_is_not_eligible():
    net = Network(name="fc", layers=(Linear(name="fc", in_features=9, out_features=9),))
    conv, k = _geometry(net)
    assert not wg.eligible(conv, k).any()


def test_compute_factor_counts_whole_output_tiles():
    # 56 x 56 outputs: 28 x 28 tiles x 16 products vs 56 x 56 x 9 -> exactly 4/9.
    assert wg.compute_factor(_geometry(_conv(h=56))[0])[0] == pytest.approx(4.0 / 9.0)
    # 7 x 7 outputs: ceil(7/2)^2 = 16 tiles x 16 products vs 49 x 9.
    assert wg.compute_factor(_geometry(_conv(h=7))[0])[0] == pytest.approx(256.0 / 441.0)


def test_multiplies_and_array_cycles_scale_by_the_tile_factor():
    net = _conv(h=56)
    direct = evaluate(net, _arch("none")).layers[0]
    wino = evaluate(net, _arch("f2x2_3x3")).layers[0]
    assert wino.mapping["winograd"] and not direct.mapping["winograd"]
    assert wino.compute_cycles == pytest.approx(direct.compute_cycles * 4.0 / 9.0)
    assert wino.energy_breakdown_j["mac"] == pytest.approx(
        direct.energy_breakdown_j["mac"] * 4.0 / 9.0
    )
    # The transform adders are charged with the edge registers: 28 x 28 tiles; input
    # transform 32 adds x 64 channels at 8 + 2 bits, output 24 adds x 64 outputs at 32 bits.
    from accelscope.targets.asic.arch import get_technology

    bit_adds = 784 * (32 * 64 * 10 + 24 * 64 * 32)
    transform_j = bit_adds * get_technology(load_arch("edge").technology).reg_bit_energy_pj
    transform_j *= 1e-12
    assert wino.energy_breakdown_j["registers"] > transform_j


def test_transformed_weights_are_16_9_of_the_dram_weight_bytes():
    # 512 -> 512 channels on a 7 x 7 map (int8): 2,359,296 weight bytes, read once (the
    # 25 KB input stays in the buffer), so Winograd adds 7/9 of them to the DRAM bytes.
    net = _conv(h=7, c=512, k=512)
    arch = "tpu-v1"
    direct = evaluate(net, _arch("none", arch, residency="none")).layers[0]
    wino = evaluate(net, _arch("f2x2_3x3", arch, residency="none")).layers[0]
    weights = 512 * 512 * 9
    assert wino.dram_bytes - direct.dram_bytes == pytest.approx(weights * 7.0 / 9.0)


def test_layers_that_are_not_eligible_are_unchanged():
    net = _conv(kernel=1)
    direct = evaluate(net, _arch("none"))
    wino = evaluate(net, _arch("f2x2_3x3"))
    assert wino.latency_cycles == direct.latency_cycles
    assert wino.dram_bytes == direct.dram_bytes
    assert not wino.layers[0].mapping["winograd"]


def test_transform_units_cost_area_per_array():
    direct, wino = (evaluate(_conv(), _arch(w)) for w in ("none", "f2x2_3x3"))
    arch = load_arch("edge")
    tu = arch.tensor_units
    bits = tu.count * float(wg.transform_area_bits(tu.rows, tu.cols, 8, arch.accumulator_bits))
    from accelscope.targets.asic.arch import get_technology

    per_bit_mm2 = get_technology(arch.technology).reg_bit_area_um2 * 1e-6
    extra = wino.area_breakdown_mm2["arrays"] - direct.area_breakdown_mm2["arrays"]
    assert extra == pytest.approx(bits * per_bit_mm2)
    assert wino.area_mm2 > direct.area_mm2


def test_a_compute_bound_3x3_network_runs_faster_and_cheaper():
    net = _conv(h=56, c=256, k=256)
    fast_dram = {"bandwidth_gbps": 400.0}

    def arch(setting: str):
        a = _arch(setting)
        return a.model_copy(update={"dram": a.dram.model_copy(update=fast_dram)})

    direct, wino = evaluate(net, arch("none")), evaluate(net, arch("f2x2_3x3"))
    assert direct.layers[0].bound == "compute"
    assert wino.latency_cycles < 0.5 * direct.latency_cycles
    assert wino.energy_j < direct.energy_j


def test_a_batch_mixing_both_settings_equals_one_arch_at_a_time():
    net = _conv(h=28, c=128, k=128)
    archs = [_arch("none"), _arch("f2x2_3x3"), _arch("f2x2_3x3", fold_overlap="none")]
    batch = evaluate_batch(net, ConfigBatch.from_archs(archs))
    for i, arch in enumerate(archs):
        one = evaluate(net, arch)
        assert batch.latency_cycles[i] == pytest.approx(one.latency_cycles)
        assert batch.energy_j[i] == pytest.approx(one.energy_j)
        assert batch.area_mm2[i] == pytest.approx(one.area_mm2)


def test_the_setting_round_trips_through_a_config_row():
    cfg = ConfigBatch.from_archs([_arch("f2x2_3x3")])
    assert cfg.row(0)["winograd"] == "f2x2_3x3"
    assert cfg.to_arch(0).execution.winograd == "f2x2_3x3"


def test_an_unknown_setting_is_a_spec_error_naming_the_field():
    data = load_arch("edge").model_dump()
    data["execution"]["winograd"] = "f4x4_3x3"
    with pytest.raises(SpecError, match="winograd"):
        arch_from_dict(data, source="arch.yaml")


def test_the_example_arch_runs_resnet50s_stride_1_3x3_layers_as_winograd():
    from accelscope.workload import zoo
    from tests.conftest import REPO

    arch = load_arch(str(REPO / "examples/archs/nvdla-2048-winograd.yaml"))
    report = evaluate(zoo.get("resnet50"), arch)
    wino = [layer.name for layer in report.layers if (layer.mapping or {}).get("winograd")]
    # ResNet-50 (torchvision, v1.5) has 16 3x3 convolutions, one per bottleneck; the first
    # block of layer2, layer3 and layer4 strides its 3x3 by 2, which leaves 13.
    assert len(wino) == 13
    assert all(name.endswith("conv2") for name in wino)
    assert "layer2.0.conv2" not in wino and "layer1.0.conv2" in wino


def test_weight_sparsity_saves_nothing_on_a_layer_run_as_winograd():
    from accelscope.workload.ops import WeightSparsity

    dense = _conv(h=28, c=128, k=128)
    layer = dense.layers[0].model_copy(
        update={"sparsity": WeightSparsity(density=0.25, block=(16, 16))}
    )
    sparse = Network(name="sparse-conv", layers=(layer,))
    both = _arch("f2x2_3x3", weight_sparsity="block")
    # the transformed weights are dense: same as the dense layer with Winograd alone
    a, b = evaluate(sparse, both), evaluate(dense, _arch("f2x2_3x3"))
    assert a.latency_cycles == b.latency_cycles and a.dram_bytes == b.dram_bytes
    # without Winograd the same sparse layer does save (the rule is not switched off)
    c, d = evaluate(sparse, _arch("none", weight_sparsity="block")), evaluate(dense, _arch("none"))
    assert c.dram_bytes < d.dram_bytes
