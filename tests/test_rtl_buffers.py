"""The generated unit with its on-chip buffers (banked synchronous memories sized from the
spec) and the testbench's DRAM: products, compute cycles and DRAM bytes against NumPy and
the cost model (docs/rtl.md, "On-chip buffers and DRAM")."""

from __future__ import annotations

import numpy as np
import pytest

from accelscope.errors import AccelscopeError, SpecError
from accelscope.rtl import rtl_design
from accelscope.rtl.buffered_sim import check_buffered, dram_bytes_per_cycle, random_tiles
from accelscope.rtl.buffers import buffer_plan
from accelscope.rtl.simulate import random_gemms
from accelscope.targets.asic.arch import load_arch
from accelscope.workload import load_model

EDGE_ARCH = load_arch("edge")
ORDERS = ("nkm", "mkn", "mnk")  # weight, input and output resident (the mapper's orders)


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("rtl_buffers")


def _small(rows: int, cols: int, dataflow: str, overlap: str):
    """edge with a rows x cols array (buffers as the spec: 128/128/64 KiB)."""
    arch = EDGE_ARCH.model_copy(update={
        "tensor_units": EDGE_ARCH.tensor_units.model_copy(update={"rows": rows, "cols": cols}),
    })  # fmt: skip
    return arch, rtl_design(arch, dataflow, overlap)


def test_buffer_plan_follows_the_spec():
    """edge (Gemmini-like, 16 x 16, int8): input 128 KiB over 16 banks of 1 byte = 8,192
    words; weight the same; output 64 KiB over 16 banks of 4 bytes = 1,024 words. An
    input-stationary unit streams the weights, so its A buffer is the weight buffer."""
    ws = buffer_plan(EDGE_ARCH, rtl_design(EDGE_ARCH))
    assert (ws.a.spec_buffer, ws.a.banks, ws.a.depth) == ("input_kib", 16, 8192)
    assert (ws.b.spec_buffer, ws.b.banks, ws.b.depth) == ("weight_kib", 16, 8192)
    assert (ws.c.spec_buffer, ws.c.word_bits, ws.c.depth) == ("output_kib", 32, 1024)
    assert ws.a.address_bits == 13 and ws.c.address_bits == 10
    is_ = buffer_plan(EDGE_ARCH, rtl_design(EDGE_ARCH, "is"))
    assert (is_.a.spec_buffer, is_.b.spec_buffer) == ("weight_kib", "input_kib")
    # a tile fits when its words per bank do: 16 x 16 x 16 in C is 16 rows x 1 word
    assert ws.fits(rtl_design(EDGE_ARCH), 16, 16, 16) is None
    assert "buffer c (output_kib)" in ws.fits(rtl_design(EDGE_ARCH), 1025, 16, 16)
    tiny = EDGE_ARCH.model_copy(update={
        "buffers": EDGE_ARCH.buffers.model_copy(update={"output_kib": 0.01})})  # fmt: skip
    with pytest.raises(SpecError, match="buffers.output_kib"):
        buffer_plan(tiny, rtl_design(tiny))


def test_a_tile_larger_than_the_buffers_is_refused(build_dir):
    arch, design = _small(4, 4, "ws", "none")
    plan = buffer_plan(arch, design, scale=1 / 1024)  # 128 bytes of input: 32 words a bank
    a = np.ones((40, 4), np.int64)
    with pytest.raises(AccelscopeError, match="cannot hold the mapping's tiles"):
        check_buffered(design, plan, [(a, a.T)], [(40, 4, 40)], ["mkn"], 4.0, build_dir)


@pytest.mark.slow
@pytest.mark.parametrize("overlap", ["none", "pipelined"])
@pytest.mark.parametrize("dataflow", ["ws", "is", "os"])
@pytest.mark.parametrize(("rows", "cols"), [(6, 3), (3, 5)])  # tall, wide
def test_buffered_unit_products_cycles_and_dram_bytes_exact(build_dir, dataflow, overlap,
                                                            rows, cols):  # fmt: skip
    """20 random GEMMs (edge cases first) in random mapper-legal tiles that fit buffers of
    1/16 of edge's, in the three loop orders, with a 3 B/cycle DRAM: every product exact;
    the unit's busy cycles equal to the model's (folds back to back: its tiled count;
    pipelined: its count per tile, the sequencer restarting the unit); and the bytes the
    testbench moved equal to the model's DRAM traffic for those tiles and that order,
    category by category."""
    arch, design = _small(rows, cols, dataflow, overlap)
    plan = buffer_plan(arch, design, scale=1 / 16)
    gemms = random_gemms(20, rows, cols, 8, seed=rows * 7 + cols)
    tiles = random_tiles(design, plan, gemms, seed=rows + cols)
    orders = [ORDERS[i % 3] for i in range(20)]
    report = check_buffered(design, plan, gemms, tiles, orders, 3.0, build_dir)
    doc = report.to_dict()
    assert doc["gemms"] == 20 and report.mismatches == 0, doc["failures"]
    assert doc["dram_bytes_rtl"] == doc["dram_bytes_model"] > 0
    whole = [(a.shape[0], a.shape[1], b.shape[1]) for a, b in gemms]
    assert any(t != w for t, w in zip(tiles, whole, strict=True))  # really tiled
    assert sum(r.bytes_rtl["spill_bytes"] for r in report.runs) > 0  # partial sums moved
    # the DRAM cannot be faster than its bandwidth: the total covers compute and transfers
    for r in report.runs:
        assert r.total_cycles >= r.busy_cycles + sum(r.bytes_rtl.values()) / 3.0


@pytest.mark.slow
def test_int16_operands_through_the_buffers(build_dir):
    """int16 operands and 48-bit partial sums (lanes straddle the harness's 32-bit words),
    partial sums spilled to DRAM and read back at accumulator width."""
    arch = EDGE_ARCH.model_copy(update={
        "precision": "int16", "accumulator_bits": 48,
        "tensor_units": EDGE_ARCH.tensor_units.model_copy(update={"rows": 4, "cols": 3}),
    })  # fmt: skip
    design = rtl_design(arch, "ws", "none")
    plan = buffer_plan(arch, design, scale=1 / 16)
    rng = np.random.default_rng(5)
    hi = 1 << 15
    gemms = [(rng.integers(-hi, hi, (9, 11)), rng.integers(-hi, hi, (11, 7))) for _ in range(3)]
    # K in three tiles with the weights resident: partial sums leave and come back
    report = check_buffered(design, plan, gemms, [(3, 4, 3)] * 3, ["nkm"] * 3, 5.0, build_dir)
    assert report.mismatches == 0, report.to_dict()["failures"]
    assert all(r.bytes_rtl["spill_bytes"] > 0 for r in report.runs)
    assert any(abs(int(x)) >= 1 << 31 for a, b in gemms for x in (a @ b).ravel())


@pytest.mark.slow
@pytest.mark.parametrize("dataflow", ["ws", "is", "os"])
def test_a_real_layer_through_the_buffers_with_the_mappers_tiles(build_dir, dataflow):
    """BERT-base's query projection (128 x 768 x 768) on edge (16 x 16, separate 128/128/64
    KiB buffers, folds back to back, no double buffering, no fusion or residency), run in
    the tiles and loop order the mapper chose for it, with the DRAM at the model's sustained
    11.2 B/cycle (16 GB/s x 0.7 at 1 GHz): product exact, busy cycles equal to the
    layer's compute cycles, DRAM bytes equal to the layer's, and the total within 0.5% above
    the layer's modeled cycles (measured: ws 473,660 / 473,417, os 383,036 / 382,793, is
    473,450 / 473,417; the RTL adds per-tile handshakes and partly filled transfer
    segments, and cannot be below compute plus transfers)."""
    arch = EDGE_ARCH.model_copy(update={
        "execution": EDGE_ARCH.execution.model_copy(
            update={"fold_overlap": "none", "fusion": "none", "residency": "none"}),
        "tensor_units": EDGE_ARCH.tensor_units.model_copy(update={"dataflow": dataflow}),
        "buffers": EDGE_ARCH.buffers.model_copy(update={"double_buffering": False}),
    })  # fmt: skip
    from accelscope.targets.asic.cost import evaluate

    layer = evaluate(load_model("bert-base"), arch).layer("encoder.layer.0.attention.self.query")
    mp = layer.mapping
    assert (mp["kernel"]["m"], mp["kernel"]["k"], mp["kernel"]["n"]) == (128, 768, 768)
    nest = {"weight": "nkm", "input": "mkn", "output": "mnk"}[mp["loop_order"]]
    tiles = (mp["tile_m"], mp["tile_k"], mp["tile_n"])
    if dataflow == "is":  # the unit's frame: m and n trade places
        tiles, nest = (tiles[2], tiles[1], tiles[0]), nest.translate(str.maketrans("mn", "nm"))
    design = rtl_design(arch)
    rng = np.random.default_rng(3)
    gemm = (rng.integers(-128, 128, (128, 768)), rng.integers(-128, 128, (768, 768)))
    bpc = dram_bytes_per_cycle(arch)
    assert bpc == pytest.approx(16e3 / 1000 * 0.7)
    report = check_buffered(design, buffer_plan(arch, design), [gemm], [tiles], [nest], bpc,
                            build_dir)  # fmt: skip
    run = report.runs[0]
    assert run.exact, run.to_dict()
    assert run.busy_cycles == int(layer.compute_cycles)
    assert sum(run.bytes_rtl.values()) == layer.dram_bytes
    assert layer.cycles <= run.total_cycles <= 1.005 * layer.cycles


def test_cli_lists_the_buffers_and_says_what_it_does_not_build(tmp_path):
    """`accelscope rtl --json` writes the buffered unit and lists its banks; a spec port
    narrower than the array edge, and a unified buffer, are stated as notes."""
    import yaml

    from tests.conftest import run_cli

    narrow = EDGE_ARCH.model_copy(update={
        "name": "narrow",
        "buffers": EDGE_ARCH.buffers.model_copy(update={"port_bytes_per_cycle": 4.0}),
    })  # fmt: skip
    path = tmp_path / "narrow.yaml"
    path.write_text(yaml.safe_dump(narrow.model_dump(mode="json"), sort_keys=False))
    r = run_cli("rtl", str(path), "--out", str(tmp_path / "o"), "--json")
    assert r.code == 0, r.stderr
    doc = r.json()
    assert (tmp_path / "o" / "buffered_unit.v").is_file()
    assert doc["buffers"]["c"] == {
        "operand": "c", "spec_buffer": "output_kib", "capacity_bytes": 65536, "banks": 16,
        "word_bits": 32, "depth": 1024, "address_bits": 10,
    }  # fmt: skip
    assert len(doc["notes"]) == 1 and "port_bytes_per_cycle = 4" in doc["notes"][0]
    text = run_cli("rtl", "nvdla-small", "--out", str(tmp_path / "n"))
    assert text.code == 0 and "note: buffers.unified_kib is built as three" in text.stdout
