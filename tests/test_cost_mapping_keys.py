"""Searching the mapping once per distinct key gives exactly the per-configuration result."""

from __future__ import annotations

import numpy as np
import pytest

from accelscope.cost import ConfigBatch, evaluate_batch
from accelscope.cost.evaluate import _mapping_by_key
from accelscope.cost.mapping import capacities, select_mapping
from accelscope.workload import zoo


@pytest.mark.parametrize("buffers", ["unified", "split"])
def test_keyed_mapping_equals_per_config_mapping(buffers):
    rng = np.random.default_rng(0)
    n = 400
    if buffers == "unified":
        buf = {"unified_kib": rng.choice([64, 512], n)}
    else:
        buf = {
            "input_kib": rng.choice([32, 128], n),
            "weight_kib": rng.choice([16, 256], n),
            "output_kib": 64.0,
        }
    # Few distinct buffer/array keys, many clocks/bandwidths/dataflows: keys repeat.
    cfg = ConfigBatch.from_columns(
        **buf,
        rows=rng.choice([8, 16, 32], n),
        cols=rng.choice([8, 32], n),
        units=rng.choice([1, 2], n),
        dataflow=rng.choice([0, 1, 2, 3], n),
        double_buffering=rng.random(n) < 0.5,
        precision=rng.choice(["int8", "fp16"], n),
        dram_gbps=rng.uniform(4, 128, n),
        clock_mhz=rng.uniform(200, 1500, n),
        lanes=rng.choice([16, 64], n),
    )
    t = zoo.get("mobilenet-v2").kernel_table
    g = {
        name: getattr(t, f"gemm_{name}")[None, :].astype(np.float64)
        for name in ("m", "k", "n", "groups", "repeats")
    }
    seq = t.gemm_sequential[None, :]
    cap = capacities(cfg)
    keyed = _mapping_by_key(cfg, cap, g["m"], g["k"], g["n"], g["groups"], g["repeats"], seq)

    def col(x):
        return np.asarray(x, dtype=np.float64)[:, None]

    direct = select_mapping(
        g["m"],
        g["k"],
        g["n"],
        g["groups"],
        g["repeats"],
        seq,
        col(np.maximum(cfg.rows, cfg.cols)),
        col(cfg.bytes_per_element),
        col(cfg.accumulator_bytes),
        type(cap)(*(col(x) for x in cap)),
    )
    for name, a, b in zip(direct._fields, keyed, direct, strict=True):
        assert np.array_equal(np.broadcast_to(a, np.shape(b)), b), name
    # And whole-network results do not depend on which configurations share a batch.
    net = zoo.get("resnet-18")
    together = evaluate_batch(net, cfg)
    alone = [evaluate_batch(net, cfg.take([i])).latency_s[0] for i in range(0, n, 37)]
    assert np.array_equal(together.latency_s[::37], np.array(alone))
