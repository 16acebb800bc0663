"""Synthesis of the generated RTL with Yosys (docs/rtl.md, docs/validation.md part 4):
parsing, cache, the CLI's synthesis document, errors, and the area cross-check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from accelscope.errors import MissingDependencyError, SpecError
from accelscope.rtl import synthesize as synth
from accelscope.rtl.generate import RtlDesign
from accelscope.targets.asic.arch import load_arch
from tests.conftest import run_cli


def _design(rows: int = 2, cols: int = 2, units: int = 1, **kw) -> RtlDesign:
    base = dict(name="t", rows=rows, cols=cols, units=units, dataflow="ws",
                fold_overlap="pipelined", precision="int8", operand_bits=8,
                accumulator_bits=32)  # fmt: skip
    base.update(kw)
    return RtlDesign(**base)


# ---------------------------------------------------------------------------- parsing
def test_liberty_cell_areas_are_read_from_the_library():
    areas = synth.cell_areas(synth.liberty())
    # osu018_stdcells.lib: "cell (NAND2X1) { ... area : 24;" and "cell (DFFPOSX1) ... 96"
    assert areas["NAND2X1"] == 24.0 and areas["DFFPOSX1"] == 96.0
    assert len(areas) >= 30


def test_hierarchy_is_expanded_by_instance_count():
    # a unit with one array of 3 PEs (two kinds) and a controller; hand-expanded below
    modules = {
        "unit": {"$paramod$a\\arr": 1, "$paramod$c\\ctl": 1, "INVX1": 2},
        "$paramod$a\\arr": {"$paramod$p0\\pe": 1, "$paramod$p1\\pe": 2, "BUFX2": 1},
        "$paramod$p0\\pe": {"DFFPOSX1": 3, "NAND2X1": 4},
        "$paramod$p1\\pe": {"DFFPOSX1": 3, "NOR2X1": 1},
        "$paramod$c\\ctl": {"DFFPOSX1": 10},
    }
    assert synth._flatten(modules, "unit") == {
        "BUFX2": 1, "DFFPOSX1": 3 + 2 * 3 + 10, "INVX1": 2, "NAND2X1": 4, "NOR2X1": 2
    }  # fmt: skip
    assert synth._top(modules, "arr") == "$paramod$a\\arr"


def test_stat_json_with_yosys_hierarchy_text_is_parsed(tmp_path):
    # Yosys 0.23 prints its hierarchy text into `stat -json` output when a top is set
    text = (
        '{\n   "creator": "Yosys",\n   "modules": {\n      "\\\\top": {\n'
        '         "num_cells": 2,\n         "num_cells_by_type": {\n'
        '            "$paramod$x\\\\pe": 2\n         }\n      },\n'
        '      "$paramod$x\\\\pe": {\n         "num_cells_by_type": {"AND2X1": 5}\n'
        "      }\n   },\n"
        "       $paramod$x\\pe      2\n"
        '      "design": {\n         "num_cells": 10\n      }\n}\n'
    )
    path = tmp_path / "stat.json"
    path.write_text(text)
    modules = synth._modules(path)
    assert synth._flatten(modules, synth._top(modules, "top")) == {"AND2X1": 10}


# ---------------------------------------------------------------------- synthesis runs
def test_array_synthesis_registers_match_the_micro_architecture(tmp_path):
    """Flip-flops per PE, derived from the RTL: ws with folds back to back holds
    a (8) + w (8) + p (32) = 48 bits; pipelined adds the second weight (8), two
    destination rows (2 x 8), two valid bits and the operand's bank bit: 75."""
    for overlap, bits in (("none", 48), ("pipelined", 75)):
        report = synth.synthesize(
            _design(2, 3, fold_overlap=overlap), ("generic",), tmp_path, scope="array"
        )
        flops = sum(n for kind, n in report.cells_by_type.items() if "DFF" in kind)
        assert flops == bits * 6, overlap


def test_cache_hit_and_damaged_cache_entry(tmp_path):
    design = _design(2, 2, fold_overlap="none")
    first = synth.synthesize(design, ("asic",), tmp_path, scope="array")
    (entry,) = tmp_path.glob("*.json")
    entry.write_text('{"unit": ')  # damaged: rebuilt, same answer
    again = synth.synthesize(design, ("asic",), tmp_path, scope="array")
    assert again.area_um2 == first.area_um2 > 0
    assert json.loads(entry.read_text())["area_um2"] == first.area_um2
    # more units: the one-unit counts times units
    four = synth.synthesize(
        _design(2, 2, units=4, fold_overlap="none"), ("asic",), tmp_path, scope="array"
    )
    assert four.area_um2 == pytest.approx(4 * first.area_um2)


def test_size_and_flow_errors(tmp_path):
    with pytest.raises(SpecError, match="--synth: a 64x32 unit"):
        synth.synthesize(_design(64, 32), cache_root=tmp_path)
    with pytest.raises(SpecError, match="synthesis flow 'vivado'"):
        synth.synthesize(_design(), ("vivado",), tmp_path)


def test_missing_cell_library_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(synth, "LIBERTY_PATHS", (str(tmp_path / "none.lib"),))
    with pytest.raises(MissingDependencyError, match="'qflow-tech-osu018'"):
        synth.synthesize(_design(), ("asic",), tmp_path)


@pytest.mark.slow
def test_cli_synth_json_two_units(tmp_path):
    arch = load_arch("edge")
    tu = arch.tensor_units.model_copy(update={"rows": 2, "cols": 2, "count": 2})
    small = arch.model_copy(update={"tensor_units": tu, "name": "tiny"})
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(small.model_dump(mode="json"), sort_keys=False))
    r = run_cli("rtl", str(path), "--out", "rtl", "--synth", "--json", cwd=tmp_path, timeout=600)
    assert r.code == 0, r.stderr
    syn = r.json()["synthesis"]
    assert {"cells", "lut", "ff", "dsp", "bram", "area_um2"} <= set(syn)
    # one DSP48E1 per 8x8 multiply (Yosys does not pack two int8 MACs per slice, which
    # the FPGA model's WP486 rule assumes): 2 units x 4 PEs
    assert syn["dsp"] == 8 and syn["model"]["fpga"]["dsp"] == 4
    assert syn["bram"] == 0  # the unit has no buffers of its own
    assert syn["ff"] >= 2 * 4 * 75  # at least the PEs' registers
    assert syn["area_um2"] == pytest.approx(syn["array_area_um2"] + syn["control_area_um2"])
    assert syn["gate_equivalents"] == pytest.approx(syn["area_um2"] / 24.0, abs=0.1)
    assert syn["units"] == 2 and syn["node"] == arch.technology
    assert 0 < syn["area_um2_at_node"] < syn["area_um2"]
    assert syn["model"]["tensor_units_area_um2"] > 0
    # the buffers as Xilinx block RAM: each unit has half of edge's 128/128/64 KiB. A and
    # B: 64 KiB over 2 banks = 32,768 x 8 bit per bank = 16 RAMB18 (2 KiB each), x 2 banks
    # x 2 units = 64; C: 32 KiB over 2 banks = 4,096 x 32 bit = 8 RAMB18 (512 x 36), x 4
    # = 32. Yosys infers exactly what the FPGA resource model counts.
    buf = syn["buffers"]
    assert [buf[x]["bram18"] for x in "abc"] == [64, 64, 32]
    assert [buf[x]["model_bram18"] for x in "abc"] == [64, 64, 32]
    assert buf["bram18"] == buf["model_bram18"] == 160


def test_cli_synth_too_large_is_one_line_and_writes_nothing(tmp_path):
    r = run_cli("rtl", "tpu-v1", "--out", str(tmp_path / "o"), "--synth")
    assert r.code == 2 and "--synth: a 256x256 unit (65,536 PEs)" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "o").exists()


def test_cli_synth_without_yosys_names_the_package(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    env = dict(os.environ, PATH=str(empty), NO_COLOR="1")
    proc = subprocess.run(
        [sys.executable, "-m", "accelscope", "rtl", "edge", "--out", str(tmp_path / "o"),
         "--synth"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "install the Debian package 'yosys'" in proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------ area cross-check
@pytest.mark.slow
def test_validation_rows_compare_registers_and_area():
    from accelscope.validate.rtl import CASES, validate_rtl

    rows, summary = validate_rtl()  # the session cache, shared with `validate` tests
    assert summary["skipped"] is None and len(rows) == len(CASES) >= 5
    by = {(r.dataflow, r.fold_overlap, r.precision, r.rows, r.cols): r for r in rows}
    # registers: the model charges 2P + 32 bits (+P for the second bank); the RTL has
    # exactly that with folds back to back and 19 bits more when pipelined (see above)
    assert by[("ws", "none", "int8", 8, 8)].rtl_flops_per_pe == 48 == 2 * 8 + 32
    assert by[("os", "none", "int8", 8, 8)].rtl_flops_per_pe == 48
    assert by[("ws", "pipelined", "int8", 8, 8)].rtl_flops_per_pe == 56 + 19
    assert by[("ws", "pipelined", "int16", 8, 8)].rtl_flops_per_pe == 80 + 19
    # os pipelined: a 8 + b 8 + acc 32 + drain 32 + 5 flags (a valid/first/last, b valid,
    # finished) = 85, against the model's 80 (the drain register, no flags)
    osp = by[("os", "pipelined", "int8", 8, 8)]
    assert osp.rtl_flops_per_pe == 85 and osp.model_register_bits_per_pe == 80
    # per-PE area does not depend on the array size (five int8 pipelined sizes)
    ratios = [
        r.ge_ratio
        for r in rows
        if (r.dataflow, r.fold_overlap, r.precision) == ("ws", "pipelined", "int8")
    ]
    assert len(ratios) == 5 and max(ratios) / min(ratios) < 1.05
    assert summary["ge_ratio_min"] == pytest.approx(min(r.ge_ratio for r in rows), abs=1e-3)


def test_logic_area_factor_extends_the_node_table_classically():
    from accelscope.targets.asic.arch.technology import logic_area_factor

    assert logic_area_factor(45) == 1.0 and logic_area_factor(65) == 1.5
    # 180 nm: 65 nm's factor times (180 / 65)^2
    assert logic_area_factor(180) == pytest.approx(1.5 * (180 / 65) ** 2)
    assert logic_area_factor(28) == pytest.approx((2 * 0.46 + 0.21) / 3)


def test_packaged_sources_exist():
    from accelscope.rtl.generate import HDL_FILES

    for name in HDL_FILES:
        assert (Path(synth.__file__).parent / "hdl" / name).is_file()
