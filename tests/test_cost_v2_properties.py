"""Issue properties of cost model v2, on explicit grids (items 3 and 5).

* a bigger buffer never makes a network slower, and adds DRAM traffic only where it buys
  time (the mapper minimizes latency first; with latency tied it minimizes traffic);
* more DRAM bandwidth never makes a network slower;
* throughput per inference never decreases when the batch grows from 1 to 8 on tpu-v1,
  nvdla-large and default for resnet50, bert-base and mobilenet-v2;
* a 128x128 array maps every layer of the zoo with at least 64 KiB per buffer;
* the set of tensors kept on chip only grows with the buffer.
"""

from __future__ import annotations

import numpy as np
import pytest

from accelscope.targets.asic.arch import load_arch
from accelscope.targets.asic.cost import ConfigBatch, evaluate, evaluate_batch
from accelscope.workload import zoo


def random_columns(n: int, seed: int) -> dict:
    """A broad random grid: every knob of the template varies."""
    rng = np.random.default_rng(seed)
    p2 = lambda lo, hi: 2 ** rng.integers(lo, hi + 1, n)  # noqa: E731
    uni = rng.random(n) < 0.5
    nan = np.full(n, np.nan)
    return dict(
        clock_mhz=rng.choice([500.0, 700.0, 1000.0], n),
        rows=p2(2, 7),
        cols=p2(2, 7),
        units=rng.choice([1, 2, 4], n),
        dataflow=rng.integers(0, 4, n),
        lanes=p2(2, 8),
        precision=rng.choice([0, 2], n),
        unified_kib=np.where(uni, p2(5, 13), nan),
        input_kib=np.where(uni, nan, p2(4, 12)),
        weight_kib=np.where(uni, nan, p2(4, 12)),
        output_kib=np.where(uni, nan, p2(4, 12)),
        double_buffering=rng.random(n) < 0.7,
        dram_gbps=rng.choice([4.0, 16.0, 34.0, 64.0], n),
        technology=rng.integers(0, 5, n),
        fold_overlap=rng.integers(0, 2, n),
        fusion=rng.integers(0, 2, n),
        residency=rng.integers(0, 2, n),
    )


NETS = ["resnet18", "mobilenet-v2", "bert-base", "lstm-lm", "alexnet"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("buffer", ["unified_kib", "input_kib", "weight_kib", "output_kib"])
def test_bigger_buffer_never_slower_and_adds_traffic_only_for_time(name, buffer):
    net = zoo.get(name)
    cols = random_columns(200, seed=hash((name, buffer)) % 1000)
    base = evaluate_batch(net, ConfigBatch.from_columns(**cols), per_layer=True)
    bigger = evaluate_batch(
        net, ConfigBatch.from_columns(**{**cols, buffer: cols[buffer] * 2}), per_layer=True
    )
    ok = base.feasible & ~np.isnan(cols[buffer])
    assert ok.sum() > 50
    assert np.all(bigger.feasible[ok])
    assert np.all(bigger.latency_cycles[ok] <= base.latency_cycles[ok])
    assert np.all(bigger.layer_cycles[ok] <= base.layer_cycles[ok])
    more = bigger.layer_dram_bytes[ok] > base.layer_dram_bytes[ok]
    assert np.all(bigger.layer_cycles[ok][more] < base.layer_cycles[ok][more])
    grew = bigger.dram_bytes[ok] > base.dram_bytes[ok]
    assert np.all(bigger.latency_cycles[ok][grew] < base.latency_cycles[ok][grew])


@pytest.mark.parametrize("name", NETS)
def test_more_bandwidth_never_slower(name):
    net = zoo.get(name)
    cols = random_columns(200, seed=7)
    base = evaluate_batch(net, ConfigBatch.from_columns(**cols), per_layer=True)
    faster = evaluate_batch(
        net,
        ConfigBatch.from_columns(**{**cols, "dram_gbps": cols["dram_gbps"] * 3}),
        per_layer=True,
    )
    ok = base.feasible
    assert np.all(faster.latency_cycles[ok] <= base.latency_cycles[ok])
    assert np.all(faster.layer_cycles[ok] <= base.layer_cycles[ok])


@pytest.mark.parametrize("arch", ["tpu-v1", "nvdla-large", "default"])
@pytest.mark.parametrize("name", ["resnet50", "bert-base", "mobilenet-v2"])
def test_batch_never_lowers_throughput_per_inference(arch, name):
    a = load_arch(arch)
    throughput = [evaluate(zoo.get(name, batch=b), a).throughput_per_s for b in (1, 2, 4, 8)]
    assert all(later >= earlier for earlier, later in zip(throughput, throughput[1:], strict=False))


def test_batch_amortizes_weights_on_tpu_v1():
    # The example: ResNet-50 on tpu-v1 must gain from batching (v1 lost 23%).
    r1 = evaluate(zoo.get("resnet50", batch=1), load_arch("tpu-v1"))
    r8 = evaluate(zoo.get("resnet50", batch=8), load_arch("tpu-v1"))
    assert r8.throughput_per_s > 2 * r1.throughput_per_s
    assert r8.dram_bytes / 8 < r1.dram_bytes


@pytest.mark.slow
def test_128x128_array_maps_every_zoo_layer_with_64_kib_per_buffer():
    names = [e.name for e in zoo.list_models()]
    for name in names:
        net = zoo.get(name)
        for buffers in (
            {"input_kib": 64, "weight_kib": 64, "output_kib": 64},
            {"unified_kib": 192},
        ):
            cfg = ConfigBatch.from_columns(
                clock_mhz=700,
                rows=128,
                cols=128,
                dram_gbps=16,
                precision=["int8", "int8", "fp16", "fp32"] * 3,
                double_buffering=[True, False, True, True] * 3,
                dataflow=["ws"] * 4 + ["os"] * 4 + ["is"] * 4,
                **buffers,
            )
            res = evaluate_batch(net, cfg)
            assert res.feasible.all(), (name, buffers)


def test_tensors_on_chip_only_grow_with_the_buffer():
    net = zoo.get("resnet50")
    base = load_arch("default")
    on_chip = []
    for kib in (512, 1024, 2048, 4096, 8192, 16384):
        rep = evaluate(net, base.updated({"buffers.unified_kib": kib}))
        on_chip.append({layer.name for layer in rep.layers if layer.output_on_chip})
    for small, large in zip(on_chip, on_chip[1:], strict=False):
        assert small <= large
    assert len(on_chip[0]) < len(on_chip[-1]) and len(on_chip[-1]) > 100
