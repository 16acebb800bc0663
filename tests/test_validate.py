"""``accelscope validate``: part 1 (closed form = cycle-level simulators) and part 2
(published-chip table, errors, summary), the command, and the generated docs."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from accelscope.errors import SpecError
from accelscope.targets.asic.arch.dram import SUSTAINED_BANDWIDTH_FRACTION
from accelscope.validate import check_simulators, load_chips, validate_published
from accelscope.validate import simulator as sim_module
from accelscope.validate.published import METRIC_KIND, RowResult, summarize

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------ part 1
def test_simulator_check_is_exact_on_every_dataflow_and_convention():
    check = check_simulators(gemms=24, seed=3)
    assert check.cases == 24 * 3 * 2
    assert check.exact == check.cases and check.mismatches == []


def test_simulator_check_reports_a_wrong_closed_form(monkeypatch):
    # A closed form that is one cycle off must be caught, with the case named.
    real = sim_module.gemm_compute_cycles
    monkeypatch.setattr(sim_module, "gemm_compute_cycles", lambda *a, **kw: real(*a, **kw) + 1)
    check = check_simulators(gemms=2, seed=0)
    assert check.exact == 0 and len(check.mismatches) == check.cases == 12
    case = check.mismatches[0]
    assert case["closed_form"] == case["simulated"] + 1 and case["product_ok"]


# ------------------------------------------------------------------------------ part 2
def test_packaged_table_covers_the_required_chips_and_metrics():
    table = load_chips()
    rows = [row for chip in table.chips for row in chip.rows]
    teams = {chip.team for chip in table.chips}
    assert len(table.chips) >= 6 and len(teams) >= 5
    assert len(rows) >= 12
    kinds = {METRIC_KIND[row.metric][0] for row in rows}
    assert kinds == {"throughput", "dram", "area", "power"}
    for chip in table.chips:
        assert chip.source and all(row.source for row in chip.rows)


def test_every_row_is_predicted_and_the_error_is_relative():
    rows, summary = validate_published()
    assert len(rows) == summary["rows"]
    for r in rows:
        assert math.isfinite(r.predicted) and r.predicted > 0, r
        assert r.error_pct == pytest.approx((r.predicted - r.published) / r.published * 100)
    fitted = [r for r in rows if r.fitted]
    # Two shared constants are fitted, one row each (docs/validation.md).
    assert {(r.chip, r.metric) for r in fitted} == {
        ("TPU v1", "throughput_per_s"),
        ("DianNao", "core_area_mm2"),
    }


def test_tpu_mlp0_is_bounded_by_sustained_weight_bandwidth():
    # MLP0 (five 2000 x 2000 int8 layers, batch 200) streams its 20 MB of weights once per
    # batch: throughput <= 200 x (34 GB/s x sustained fraction) / 20 MB. Activations (200 x
    # 2000 bytes per layer) add a little traffic, so the prediction is within 5 % below.
    rows, _ = validate_published()
    mlp0 = next(r for r in rows if r.chip == "TPU v1" and r.metric == "throughput_per_s")
    bound = 200 * 34e9 * SUSTAINED_BANDWIDTH_FRACTION / (5 * 2000 * 2000)
    assert 0.95 * bound <= mlp0.predicted <= bound


def test_summary_mean_errors_and_chip_counts():
    def row(chip, metric, err, fitted=False):
        return RowResult(chip, "t", metric, "", 1.0, 1.0 + err / 100, err, "s", fitted, "")

    rows = [
        row("A", "throughput_per_s", 10.0),
        row("A", "throughput_per_s", -20.0),  # A: one throughput row beyond 15 %
        row("B", "throughput_per_s", 5.0, fitted=True),
        row("B", "cell_area_mm2", -24.0),
        row("C", "core_area_mm2", 30.0),
        row("C", "power_w", 50.0),
    ]
    s = summarize(rows)
    assert s["mean_abs_error_pct"]["throughput"] == pytest.approx((10 + 20 + 5) / 3)
    assert s["mean_abs_error_pct_not_fitted"]["throughput"] == pytest.approx(15.0)
    assert s["mean_abs_error_pct"]["area"] == pytest.approx(27.0)
    assert s["chips_throughput_within_15pct"] == ["B"]
    assert s["chips_area_within_25pct"] == ["B"]
    assert s["fitted_rows"] == ["B: throughput_per_s"]


def test_table_errors_name_file_and_field(tmp_path):
    bad = tmp_path / "chips.yaml"
    bad.write_text(
        "spec_version: 1\nchips:\n  - chip: x\n    team: y\n    source: z\n"
        "    arch: {preset: tpu-v1}\n    rows:\n      - {metric: speed, published: 1, source: s}\n"
    )
    with pytest.raises(SpecError, match=r"chips\.yaml: chips\[0\]\.rows\[0\]\.metric"):
        load_chips(bad)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(
        "spec_version: 1\nchips:\n  - chip: mychip\n    team: y\n    source: z\n"
        "    arch: {preset: tpu-v1}\n    rows:\n"
        "      - {metric: throughput_per_s, workload: {model: no-such-net},\n"
        "         published: 1, source: s}\n"
    )
    with pytest.raises(SpecError, match="chip 'mychip', throughput_per_s row: .*no-such-net"):
        validate_published(unknown)


# ------------------------------------------------------------------------------ command
def test_validate_json_document(cli):
    res = cli("validate", "--json", "--gemms", "4")
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["simulator"]["cases"] == 4 * 6 == doc["simulator"]["exact"]
    for row in doc["rows"]:
        assert {"chip", "metric", "published", "predicted", "error_pct", "source", "fitted"} <= set(
            row
        )
    summary = doc["summary"]
    assert set(summary["mean_abs_error_pct"]) == {"throughput", "dram", "area", "power"}
    assert summary["chips_within_15pct"] == len(summary["chips_throughput_within_15pct"])
    errs = [abs(r["error_pct"]) for r in doc["rows"] if r["metric"] == "throughput_per_s"]
    assert summary["mean_abs_error_pct"]["throughput"] == pytest.approx(np.mean(errs))
    # Eyeriss layer by layer: AlexNet's 5 and VGG-16's 13 CONV layers
    eyeriss = doc["layers"]["eyeriss"]
    assert sum(len(v) for v in eyeriss.values()) == 18
    assert all(r["model_ms"] > 0 and r["published_ms"] > 0 for v in eyeriss.values() for r in v)
    # part 4: the synthesized PE arrays (make test installs yosys and the OSU cells)
    rtl = doc["rtl"]
    assert rtl["summary"]["skipped"] is None and len(rtl["rows"]) >= 5
    assert all(r["ge_ratio"] > 0 and r["rtl_flops_per_pe"] >= 48 for r in rtl["rows"])
    # the buffers' banks as block RAM: edge's 8,192 x 8 bit input bank is 4 RAMB18
    # (2,048 x 9 each) and its 1,024 x 32 bit output bank 2 (512 x 36), for Yosys and for
    # the FPGA model alike
    banks = {(b["preset"], b["operand"]): b for b in rtl["summary"]["buffer_banks"]}
    edge_a, edge_c = banks["edge", "a"], banks["edge", "c"]
    assert (edge_a["depth"], edge_a["rtl_bram18_per_bank"], edge_a["model_bram18_per_bank"]) == (
        8192, 4, 4)  # fmt: skip
    assert (edge_c["depth"], edge_c["rtl_bram18_per_bank"], edge_c["model_bram18_per_bank"]) == (
        1024, 2, 2)  # fmt: skip
    assert rtl["summary"]["buffer_banks_exact"] >= len(banks) - 1
    table = cli("validate", "--gemms", "0")  # cached synthesis now: quick
    assert table.code == 0 and "RTL area: synthesized PE array" in table.stdout
    assert "synthesized / modeled gate equivalents per PE" in table.stdout
    assert "bank shapes of the presets' buffers synthesize" in table.stdout
    assert "Eyeriss per layer" in table.stdout and "CONV4-3" in table.stdout
    assert "Channels per psum trip* (k) is what" in table.stdout


def test_validate_table_output_and_bad_table(cli, tmp_path):
    res = cli("validate", "--gemms", "2", "--no-rtl")
    assert res.code == 0, res.stderr
    assert "12/12 cases exact" in res.stdout and "mean absolute error" in res.stdout
    missing = cli("validate", "--table", str(tmp_path / "none.yaml"))
    assert (
        missing.code == 2
        and missing.stderr.startswith("error: ")
        and "Traceback" not in missing.stderr
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("chips: [\n")
    res = cli("validate", "--table", str(broken), "--gemms", "0")
    assert res.code == 2 and res.stderr.strip() == f"error: {broken}: not valid YAML at line 2"


MY_CHIP = """
spec_version: 1
chips:
  - chip: My edge chip
    team: us
    source: lab measurement
    arch: {preset: edge}
    rows:
      - {metric: latency_ms, workload: {model: resnet50, batch: 2}, published: 20.0, source: m}
      - {metric: latency_ms, workload: {model: resnet50, batch: 2}, layer: LAYER,
         published: 1.0, source: m}
      - {metric: throughput_per_s, workload: {model: resnet50, batch: 2}, published: 50,
         source: m}
"""


def test_own_table_with_network_and_layer_latency_rows(cli, tmp_path):
    from accelscope.targets.asic.arch import load_arch
    from accelscope.targets.asic.cost import evaluate
    from accelscope.workload import zoo

    table = tmp_path / "mine.yaml"
    table.write_text(MY_CHIP.replace("LAYER", "layer1.0.conv2"))
    rows, summary = validate_published(table)
    arch = load_arch("edge")
    rep = evaluate(zoo.get("resnet50", batch=2), arch)
    layer = next(lay for lay in rep.layers if lay.name == "layer1.0.conv2")
    whole, one, thr = rows
    # one run of the batch, and one layer's cycles at the chip's clock (MHz -> cycles per ms)
    assert whole.predicted == pytest.approx(rep.latency_s * 1e3, rel=1e-12)
    assert one.predicted == pytest.approx(layer.cycles / (arch.clock_mhz * 1e3), rel=1e-9)
    assert one.layer == "layer1.0.conv2" and one.workload.endswith(", layer layer1.0.conv2")
    assert thr.predicted == pytest.approx(2 / (whole.predicted * 1e-3), rel=1e-9)
    assert whole.error_pct == pytest.approx((whole.predicted - 20.0) / 20.0 * 100.0)
    assert set(summary["mean_abs_error_pct"]) == {"latency", "throughput"}
    assert summary["mean_abs_error_pct"]["latency"] == pytest.approx(
        (abs(whole.error_pct) + abs(one.error_pct)) / 2
    )
    res = cli("validate", "--table", str(table), "--gemms", "0", "--no-rtl", "--json")
    doc = json.loads(res.stdout)
    assert [r["layer"] for r in doc["rows"]] == ["", "layer1.0.conv2", ""]
    assert "chips_latency_within_15pct" in doc["summary"]
    text = cli("validate", "--table", str(table), "--gemms", "0", "--no-rtl")
    assert "latency within 15 %" in text.stdout


def test_documented_own_table_example_runs(tmp_path):
    doc = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    section = doc.split("### Checking your own chip", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    table = tmp_path / "example.yaml"
    table.write_text(example)
    rows, summary = validate_published(table)
    assert [r.metric for r in rows] == ["latency_ms", "latency_ms", "onchip_power_w"]
    assert rows[1].layer == "layer1.0.conv2" and 0 < rows[1].predicted < rows[0].predicted
    assert set(summary["mean_abs_error_pct"]) == {"latency", "power"}


def test_own_table_layer_errors_name_the_row(cli, tmp_path):
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(MY_CHIP.replace("LAYER", "conv99"))
    res = cli("validate", "--table", str(unknown), "--gemms", "0", "--no-rtl")
    assert res.code == 2 and "Traceback" not in res.stderr
    assert res.stderr.startswith(
        "error: chip 'My edge chip', latency_ms row: layer: no layer 'conv99' in network"
    )
    misplaced = tmp_path / "misplaced.yaml"
    misplaced.write_text(
        MY_CHIP.replace("LAYER", "conv1").replace("published: 50,", "layer: conv1, published: 50,")
    )
    res = cli("validate", "--table", str(misplaced), "--gemms", "0", "--no-rtl")
    assert res.code == 2
    assert res.stderr.strip() == (
        f"error: {misplaced}: chips[0].rows[2]: 'layer' needs metric latency_ms and a workload"
    )


# ------------------------------------------------------------------------------ docs
@pytest.mark.slow
def test_docs_validation_md_is_regenerated():
    """docs/validation.md must match what experiments/validation.py renders now (a model
    change regenerates it in the same change)."""
    spec = importlib.util.spec_from_file_location(
        "validation_doc", ROOT / "experiments" / "validation.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows, summary = validate_published()
    check = check_simulators(gemms=module.SIMULATED_GEMMS).to_dict()
    expected = module.render(rows, summary, check)
    current = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    assert current == expected, "docs/validation.md is stale: run python experiments/validation.py"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert module.readme_block(rows, summary, check) in readme, "README validation summary is stale"


def test_channels_per_psum_trip_inverts_the_psum_traffic():
    from accelscope.validate.eyeriss_layers import channels_per_psum_trip

    # C = 64 input channels, O = 1,000 outputs, psums leaving the array after k = 4
    # channels: written 64 / 4 = 16 times and read back 15 times, 2 bytes each, so the
    # buffer moves 2 x 1,000 x 31 = 62,000 bytes
    assert channels_per_psum_trip(64, 1000, 62_000.0) == pytest.approx(4.0)
    # one channel per trip: 2 x 1,000 x (2 x 64 - 1) bytes
    assert channels_per_psum_trip(64, 1000, 2.0 * 1000 * 127) == pytest.approx(1.0)
    # VGG-16 CONV1-2 (C = 64, O = 3 x 64 x 224 x 224): the published 2,402.8 MB of
    # global-buffer accesses are 1.02 channels' worth of psum trips
    assert channels_per_psum_trip(64, 3 * 64 * 224 * 224, 2402.8e6) == pytest.approx(
        1.02, abs=0.005
    )


def test_eyeriss_layer_table_runs_the_workloads_the_paper_measured():
    from accelscope.validate import eyeriss_layers

    tables = eyeriss_layers.layer_rows()
    rows = [r for net in tables.values() for r in net]
    assert len(rows) == 18  # AlexNet's 5 and VGG-16's 13 CONV layers
    for r in rows:
        # the workloads' per-layer MACs equal the paper's (tables V and VI, two decimals)
        assert round(r["gmacs"], 2) == r["published_gmacs"], r["paper"]
    # the corrected CONV2-2 latency is what the table's VGG-16 total implies (3,755.2 ms)
    vgg = next(v for k, v in tables.items() if k.startswith("vgg"))
    assert sum(r["published_ms"] for r in vgg) == pytest.approx(3755.2, abs=0.1)
    assert "Eyeriss layer by layer" in eyeriss_layers.render()[0]
    # the implied psum trips of VGG-16's 3 x 3 layers grow as the maps shrink (1, 2, 4 channels)
    trips = {r["out_size"]: r["channels_per_psum_trip"] for r in vgg if r["paper"] != "CONV1-1"}
    assert [round(trips[e]) for e in (224, 112, 56, 28)] == [1, 1, 2, 4]
    assert "k = 2.01-2.02" in eyeriss_layers.psum_sentence(tables)
