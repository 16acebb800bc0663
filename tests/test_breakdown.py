"""Energy and area by component (issue 15): the parts add up to the totals, per layer and
for the network, on every preset and a spread of networks; they reach JSON and reports."""

from __future__ import annotations

import pytest

from accelscope.targets.asic.arch import list_presets, load_arch
from accelscope.targets.asic.cost import evaluate
from accelscope.targets.asic.cost.evaluate import ENERGY_PARTS
from accelscope.workload import load_model


@pytest.mark.parametrize("model", ["resnet-50", "bert-base", "lstm-lm", "mobilenet-v2"])
@pytest.mark.parametrize("preset", list_presets())
def test_energy_parts_add_up_per_layer_and_in_total(model, preset):
    report = evaluate(load_model(model), load_arch(preset))
    assert list(report.energy_breakdown_j) == list(ENERGY_PARTS)
    assert all(v >= 0 for v in report.energy_breakdown_j.values())
    assert sum(report.energy_breakdown_j.values()) == pytest.approx(report.energy_j, rel=1e-12)
    for layer in report.layers:
        assert sum(layer.energy_breakdown_j.values()) == pytest.approx(
            layer.energy_j, rel=1e-12, abs=1e-18
        ), layer.name
    area = report.area_breakdown_mm2
    assert sum(area.values()) == pytest.approx(report.area_mm2, rel=1e-12)


def test_mac_energy_is_macs_times_the_technology_constant():
    """The MAC share is exactly MACs on the arrays x pJ/MAC (no voltage scaling at the
    node's nominal clock): tpu-v1 is int8 at 28 nm (technology table, docs/assumptions.md)."""
    from accelscope.targets.asic.arch import TECHNOLOGIES

    arch = load_arch("tpu-v1")
    net = load_model("resnet-50")
    report = evaluate(net, arch)
    array_macs = sum(
        layer.macs for layer in report.layers if (layer.mapping or {}).get("unit") != "vector"
    )
    pj = TECHNOLOGIES[arch.technology].mac_energy_pj[arch.precision]
    assert report.energy_breakdown_j["mac"] == pytest.approx(array_macs * pj * 1e-12, rel=1e-9)


def test_breakdowns_in_json_and_report(cli, tmp_path):
    html = tmp_path / "r.html"
    res = cli("evaluate", "alexnet", "--arch", "edge", "--json", "--report", str(html))
    assert res.code == 0, res.stderr
    doc = res.json()
    assert set(doc["energy_breakdown_j"]) == set(ENERGY_PARTS)
    assert "dram_phy" in doc["area_breakdown_mm2"]
    assert all("energy_breakdown_j" in layer for layer in doc["layers"])
    text = html.read_text(encoding="utf-8")
    assert "Energy by component" in text and "Area by component" in text
    table = cli("evaluate", "alexnet", "--arch", "edge")
    assert "energy by component: " in table.stdout and "area by component: " in table.stdout


@pytest.mark.parametrize("overlap", ["none", "pipelined"])
def test_pipelined_os_pe_carries_an_accumulator_wide_drain_register(overlap):
    """Pipelined folds add per PE a second stationary operand (ws, is: 8 bits at int8) or a
    drain register of accumulator width (os: 32 bits), auto the larger (docs/rtl.md: the
    generated os PE has exactly that register). Hand-derived difference os - ws:
    PEs x (32 - 8) register bits x the node's register-bit area."""
    from accelscope.targets.asic.cost.area import area_breakdown
    from accelscope.targets.asic.cost.configs import ConfigBatch
    from accelscope.targets.asic.cost.energy import tech_columns

    base = load_arch("edge")
    archs = []
    for flow in ("ws", "is", "os", "auto"):
        tu = base.tensor_units.model_copy(update={"dataflow": flow})
        ex = base.execution.model_copy(update={"fold_overlap": overlap})
        archs.append(base.model_copy(update={"tensor_units": tu, "execution": ex}))
    cfg = ConfigBatch.from_archs(archs)
    tc = tech_columns(cfg)
    ws, is_, os_, auto = area_breakdown(cfg, tc).arrays_mm2
    assert is_ == ws and auto == os_
    pes = base.tensor_units.rows * base.tensor_units.cols * base.tensor_units.count
    expected = pes * (base.accumulator_bits - 8) * float(tc.reg_bit_area_um2[0]) * 1e-6
    assert os_ - ws == pytest.approx(expected if overlap == "pipelined" else 0.0, abs=1e-15)
