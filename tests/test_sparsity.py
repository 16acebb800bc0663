"""Weight sparsity in the ASIC cost model: hand-derived cases (docs/assumptions.md,
"Weight sparsity"; rules in accelscope.targets.asic.cost.sparsity)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from accelscope.errors import UnknownNameError
from accelscope.targets.asic.arch import load_arch
from accelscope.targets.asic.cost import evaluate
from accelscope.targets.asic.cost.sparsity import LayerSparsity, weight_factors
from accelscope.workload.network import Network
from accelscope.workload.ops import Elementwise, Linear, WeightSparsity

# One 64 x 1024 @ 1024 x 1024 GEMM on `edge` (16 x 16 array, int8). Dense, it reads the
# 1 MiB weight once, the 64 KiB input and writes the 64 KiB output: 1,179,648 DRAM bytes.
W_BYTES = 1024 * 1024
DENSE_DRAM = W_BYTES + 2 * 64 * 1024


def _fc(sparsity=None) -> Network:
    fc = Linear(name="fc", rows=64, in_features=1024, out_features=1024, sparsity=sparsity)
    return Network(name="fc", layers=(fc,))


def _edge(support: str):
    arch = load_arch("edge")
    return arch.model_copy(
        update={"execution": arch.execution.model_copy(update={"weight_sparsity": support})}
    )


def _layer(net: Network, support: str):
    return evaluate(net, _edge(support)).layers[0]


def test_dense_network_is_unchanged_by_the_hardware_support():
    base = _layer(_fc(), "none")
    assert base.dram_bytes == DENSE_DRAM
    for support in ("compressed", "block"):
        other = _layer(_fc(), support)
        assert other.cycles == base.cycles and other.energy_j == base.energy_j


def test_dense_hardware_gains_nothing_from_sparse_weights():
    base = _layer(_fc(), "none")
    sparse = _layer(_fc(WeightSparsity(density=0.25)), "none")
    assert sparse.dram_bytes == base.dram_bytes and sparse.cycles == base.cycles


def test_unstructured_compression_cuts_weight_bytes_not_cycles():
    base = _layer(_fc(), "none")
    s = _layer(_fc(WeightSparsity(density=0.25)), "compressed")
    # bitmap: 0.25 * W values + W/8 index bytes = 0.375 W
    assert s.dram_bytes == DENSE_DRAM - W_BYTES + 0.375 * W_BYTES
    assert s.compute_cycles == base.compute_cycles
    assert s.energy_breakdown_j["mac"] == pytest.approx(base.energy_breakdown_j["mac"])


def test_aligned_blocks_skip_folds_on_block_hardware():
    base = _layer(_fc(), "none")
    s = _layer(_fc(WeightSparsity(density=0.25, block=(16, 16))), "block")
    # one index bit per 16x16 block: 0.25 W + W / (8 * 256)
    assert s.dram_bytes == DENSE_DRAM - W_BYTES + 0.25 * W_BYTES + W_BYTES / 2048
    # a quarter of the folds run: array and buffer-port cycles and MAC energy x 0.25
    assert s.compute_cycles == pytest.approx(0.25 * base.compute_cycles)
    assert s.sram_cycles == pytest.approx(0.25 * base.sram_cycles)
    assert s.energy_breakdown_j["mac"] == pytest.approx(0.25 * base.energy_breakdown_j["mac"])
    assert s.cycles < 0.3 * base.cycles


def test_blocks_smaller_than_the_array_tile_skip_nothing():
    base = _layer(_fc(), "none")
    s = _layer(_fc(WeightSparsity(density=0.25, block=(8, 8))), "block")
    assert s.compute_cycles == base.compute_cycles
    assert s.dram_bytes == DENSE_DRAM - W_BYTES + 0.25 * W_BYTES + W_BYTES / 512


def test_weight_factors_hand_derived():
    sp = LayerSparsity(
        density=np.array([0.25, 0.95, 0.5, 1.0]),
        block_k=np.array([0, 0, 32, 0]),
        block_n=np.array([0, 0, 16, 0]),
    )
    layer = np.arange(4)
    weight = np.array([True, True, True, True])
    # configs: block hardware 16x16 int8, compressed 16x16 int16, block 64x16 int8
    stored, kept = weight_factors(
        sp, layer, weight, np.array([2, 1, 2]), np.array([1, 2, 1]), [16, 16, 64], [16, 16, 16]
    )
    assert stored[0].tolist() == [0.375, 1.0, 0.5 + 1 / (8 * 512), 1.0]  # 0.95+1/8 > 1: dense
    assert stored[1].tolist() == [0.25 + 1 / 16, 1.0, 0.5 + 1 / 16, 1.0]  # bitmap for blocks
    assert kept[0].tolist() == [1.0, 1.0, 0.5, 1.0]  # 32x16 blocks cover 16x16 folds
    assert kept[1].tolist() == [1.0, 1.0, 1.0, 1.0]  # compressed hardware never skips
    assert kept[2].tolist() == [1.0, 1.0, 1.0, 1.0]  # 32 rows of K do not cover 64 rows
    # an activation operand B is never sparse
    stored, kept = weight_factors(sp, layer, ~weight, np.array([2]), np.array([1]), [16], [16])
    assert (stored == 1).all() and (kept == 1).all()


def test_with_sparsity_and_validation():
    net = Network(
        name="n",
        layers=(
            Linear(name="fc", rows=1, in_features=64, out_features=64),
            Elementwise(name="relu", function="relu", elements=64, inputs=("fc",)),
        ),
    )
    sparse = net.with_sparsity({"fc": {"density": 0.5, "block": [8, 8]}})
    assert sparse.layer("fc").sparsity == WeightSparsity(density=0.5, block=(8, 8))
    assert net.layer("fc").sparsity is None  # the original is untouched
    assert sparse.with_sparsity({"fc": None}).layer("fc").sparsity is None
    with pytest.raises(UnknownNameError, match="no layer 'fcc'"):
        net.with_sparsity({"fcc": {"density": 0.5}})
    with pytest.raises(ValueError, match="reads no weights"):
        net.with_sparsity({"relu": {"density": 0.5}})
    for bad in ({"density": 0.0}, {"density": 1.5}, {"density": 0.5, "block": [0, 4]}):
        with pytest.raises(ValidationError):
            WeightSparsity(**bad)
    with pytest.raises(ValidationError, match="reads no weights"):
        Elementwise(name="r", function="relu", elements=4, sparsity={"density": 0.5})


def test_cli_sparse_example_on_block_hardware_and_note_on_dense():
    from tests.conftest import run_cli

    net = "examples/networks/sparse-mlp.yaml"
    dense = run_cli("evaluate", net, "--arch", "edge", "--json")
    block = run_cli("evaluate", net, "--arch", "examples/archs/edge-block-sparse.yaml", "--json")
    assert dense.code == 0 and block.code == 0, dense.stderr + block.stderr
    d, b = dense.json(), block.json()
    assert (
        d["weight_sparsity"]["hardware"] == "none"
        and "computed dense" in (d["weight_sparsity"]["note"])
    )
    assert b["weight_sparsity"] == {"sparse_layers": 2, "hardware": "block"}
    # fc1 (25% in 16x16 blocks) skips 3/4 of its folds; fc2 (10% unstructured) only moves
    # fewer bytes: the whole network must be faster and move fewer DRAM bytes.
    assert b["latency_s"] < 0.7 * d["latency_s"] and b["dram_bytes"] < d["dram_bytes"]
    text = run_cli("evaluate", net, "--arch", "edge")
    assert "have sparse weights, but edge has no weight-sparsity support" in text.stdout


def test_weight_sparsity_is_a_design_space_parameter():
    from accelscope.search import space_from_dict
    from accelscope.targets.asic.cost import evaluate_batch
    from accelscope.workload import load_model

    space = space_from_dict(
        {
            "name": "sparse-support",
            "parameters": {
                "rows": 16,
                "cols": 16,
                "clock_mhz": 1000,
                "dram_gbps": 16,
                "unified_kib": 256,
                "weight_sparsity": {"values": ["none", "compressed", "block"]},
            },
        }
    )
    assert space.size == 3
    net = load_model("examples/networks/sparse-mlp.yaml")
    cfgs = space.configs(np.arange(3))
    assert cfgs.weight_sparsity.tolist() == [0, 1, 2]
    lat = evaluate_batch(net, cfgs).latency_s
    # compression saves DRAM time only where the layer waits for DRAM; skipping saves folds
    assert lat[2] < lat[1] <= lat[0]
    assert space.design(2)["weight_sparsity"] == "block"


def test_sparsity_measured_from_a_torch_module():
    import torch

    from accelscope.workload import from_torch
    from accelscope.workload.torch_sparsity import with_measured_sparsity

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(32, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8))
    with torch.no_grad():
        w = model[0].weight  # 16 x 32
        w[:8, :] = 0.0  # the first 8 outputs: half the weights are zero
        w[8:, 16:] = 0.0  # and half of the rest: 3/4 zero in 8x16 blocks
        w[15, 31] = 1.0  # one non-zero inside a zero block of the lower right
    net = from_torch(model, (torch.zeros(1, 32),))
    sparse = with_measured_sparsity(net, model)
    first = net.layers[0].name
    assert sparse.layer(first).sparsity.density == pytest.approx(129 / 512)
    assert sparse.layer(net.layers[-1].name).sparsity is None  # no zeros: dense
    # blocks of (k=16 inputs, n=8 outputs): 2 x 2 blocks of 128 weights; the upper two
    # are zero, the lower-left one is dense and the lower-right one holds w[15, 31]:
    # 2 blocks of 4 hold a non-zero -> density 256 / 512
    blocked = with_measured_sparsity(net, model, block=(16, 8))
    assert blocked.layer(first).sparsity == WeightSparsity(density=0.5, block=(16, 8))
