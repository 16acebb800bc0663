"""Tests for the accelerator spec, the technology tables and the bundled presets."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from accelscope.errors import AccelscopeError, InputFileError, SpecError, UnknownNameError
from accelscope.targets.asic.arch import (
    TECHNOLOGIES,
    Arch,
    arch_from_dict,
    get_technology,
    list_presets,
    load_arch,
    preset_path,
)
from accelscope.targets.asic.arch.technology import PRECISIONS

EXPECTED_PRESETS = {"default", "edge", "nvdla-large", "nvdla-small", "tpu-v1"}


def _minimal() -> dict:
    return {
        "clock_mhz": 1000,
        "tensor_units": {"rows": 16, "cols": 8},
        "buffers": {"unified_kib": 256},
        "dram": {"bandwidth_gbps": 16},
    }


def _write(tmp_path: Path, data: dict, name: str = "edge.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


# ---- presets ---------------------------------------------------------------------------
def test_all_expected_presets_exist() -> None:
    assert set(list_presets()) >= EXPECTED_PRESETS


@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS))
def test_preset_loads_validates_and_is_named(name: str) -> None:
    arch = load_arch(name)
    assert isinstance(arch, Arch)
    assert arch.name == name
    assert arch.spec_version == 1
    assert arch.technology in TECHNOLOGIES
    assert arch.description
    # the preset file is also loadable by path, giving the identical spec
    assert load_arch(preset_path(name)) == arch


def test_tpu_v1_matches_published_figures() -> None:
    arch = load_arch("tpu-v1")
    # Jouppi et al. ISCA 2017: 256 x 256 = 65,536 8-bit MACs at 700 MHz.
    assert arch.pe_count == 65_536
    # Peak = 256 * 256 * 700e6 = 45.8752e12 MAC/s; the paper's "92 TOPS" counts a MAC as
    # two ops: 2 * 45.8752e12 = 91.75e12 op/s, i.e. 92 TOPS after rounding.
    assert arch.peak_macs_per_s == pytest.approx(256 * 256 * 700e6, rel=1e-12)
    assert arch.peak_macs_per_s == pytest.approx(45.8752e12, rel=1e-12)
    assert arch.peak_ops_per_s == pytest.approx(91.7504e12, rel=1e-12)
    assert round(arch.peak_ops_per_s / 1e12) == 92
    # 24 MiB unified buffer, 4 MiB accumulators, 34 GB/s DDR3, 28 nm.
    assert arch.buffers.input_kib == 24 * 1024
    assert arch.buffers.output_kib == 4 * 1024
    assert arch.dram.bandwidth_gbps == 34
    assert arch.technology == "28nm"
    assert arch.bytes_per_element == 1 and arch.accumulator_bytes == 4


def test_nvdla_presets_match_docs() -> None:
    small, large = load_arch("nvdla-small"), load_arch("nvdla-large")
    # nv_small: Atomic-C 8 x Atomic-K 8 = 64 MACs; CBUF 32 banks x 8 B x 512 = 128 KiB.
    assert small.pe_count == 64 and small.buffers.unified_kib == 32 * 8 * 512 / 1024
    # nv_large: 64 x 32 = 2048 int8 MACs; CBUF 16 banks x 64 B x 512 = 512 KiB.
    assert large.pe_count == 2048 and large.buffers.unified_kib == 16 * 64 * 512 / 1024
    # NVDLA Primer table at 1 GHz: 1 GB/s (64 MACs) and 20 GB/s (2048 MACs).
    assert small.dram.bandwidth_gbps == 1 and large.dram.bandwidth_gbps == 20
    assert small.clock_mhz == large.clock_mhz == 1000


def test_edge_and_default_presets() -> None:
    edge = load_arch("edge")
    # Gemmini default: 16x16 mesh, 256 KiB scratchpad + 64 KiB accumulator.
    assert edge.pe_count == 256
    assert edge.buffers.input_kib + edge.buffers.weight_kib == 256
    assert edge.buffers.output_kib == 64 and edge.buffers.total_kib == 320
    default = load_arch("default")
    # 2 x 64 x 64 = 8192 MACs at 1 GHz = 8.192e12 MAC/s.
    assert default.pe_count == 8192
    assert default.peak_macs_per_s == pytest.approx(8.192e12)
    assert default.buffers.unified_kib == 8192 and default.dram.bandwidth_gbps == 64
    # 64 GB/s at 1 GHz = 64 bytes per cycle peak; transfers sustain 0.7 of it (fitted,
    # docs/validation.md): 44.8 bytes per cycle.
    assert default.dram_bytes_per_cycle == pytest.approx(64.0 * 0.7)


# ---- round trip and defaults -------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS))
def test_round_trip_dict_arch_dict(name: str) -> None:
    arch = load_arch(name)
    data = arch.to_dict()
    again = arch_from_dict(data)
    assert again == arch
    assert again.to_dict() == data
    # also survives a YAML dump/load
    assert arch_from_dict(yaml.safe_load(yaml.safe_dump(data))) == arch


def test_defaults_applied() -> None:
    arch = arch_from_dict(_minimal())
    assert arch.precision == "int8" and arch.accumulator_bits == 32
    assert arch.tensor_units.count == 1 and arch.tensor_units.dataflow == "ws"
    assert arch.vector_unit.lanes == 16
    assert arch.technology == "28nm" and arch.dram.energy_pj_per_byte is None
    assert arch.buffers.double_buffering is True and arch.buffers.is_unified
    assert arch.pe_count == 128


def test_derived_properties_follow_precision() -> None:
    data = _minimal() | {"precision": "fp32", "accumulator_bits": 24}
    arch = arch_from_dict(data)
    assert arch.bytes_per_element == 4
    assert arch.accumulator_bytes == 3  # ceil(24 / 8)


def test_updated_revalidates() -> None:
    arch = load_arch("default")
    bigger = arch.updated({"tensor_units.rows": 128, "dram.bandwidth_gbps": 128.0})
    assert bigger.tensor_units.rows == 128 and bigger.pe_count == 2 * 128 * 64
    assert bigger.dram.bandwidth_gbps == 128 and arch.tensor_units.rows == 64
    with pytest.raises(SpecError, match=r"tensor_units\.rows"):
        arch.updated({"tensor_units.rows": 0})


def test_numpy_scalars_accepted_but_strings_rejected() -> None:
    # Design-space code builds specs from NumPy arrays: numpy scalars must validate ...
    data = _minimal()
    data["tensor_units"] = {"rows": np.int64(32), "cols": np.int32(8), "count": np.int64(2)}
    data["clock_mhz"] = np.float64(700.0)
    data["buffers"] = {"unified_kib": np.float32(64.0), "double_buffering": np.bool_(False)}
    arch = arch_from_dict(data)
    assert arch.pe_count == 512 and type(arch.tensor_units.rows) is int
    assert arch.buffers.double_buffering is False and arch.clock_mhz == 700.0
    # ... while YAML strings or floats for integer fields are reported, not converted.
    for bad in ("32", 32.0, True):
        data = _minimal()
        data["tensor_units"]["rows"] = bad
        with pytest.raises(SpecError, match=r"tensor_units\.rows: Input should be a valid integer"):
            arch_from_dict(data)


def test_arch_is_frozen() -> None:
    arch = load_arch("default")
    with pytest.raises(ValidationError, match="frozen"):
        arch.clock_mhz = 5.0  # type: ignore[misc]


# ---- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mutate", "field_path"),
    [
        (lambda d: d["tensor_units"].update(rows=0), "tensor_units.rows"),
        (lambda d: d["tensor_units"].update(cols=-4), "tensor_units.cols"),
        (lambda d: d["tensor_units"].update(count=0), "tensor_units.count"),
        (lambda d: d["tensor_units"].update(dataflow="rs"), "tensor_units.dataflow"),
        (lambda d: d["tensor_units"].update(rows="sixteen"), "tensor_units.rows"),
        (lambda d: d["tensor_units"].update(rows=16.5), "tensor_units.rows"),
        (lambda d: d.update(clock_mhz=0), "clock_mhz"),
        (lambda d: d.update(clock_mhz="fast"), "clock_mhz"),
        (lambda d: d.update(precision="int4"), "precision"),
        (lambda d: d.update(accumulator_bits=128), "accumulator_bits"),
        (lambda d: d["dram"].update(bandwidth_gbps=-1), "dram.bandwidth_gbps"),
        (lambda d: d["dram"].update(energy_pj_per_byte=0), "dram.energy_pj_per_byte"),
        (lambda d: d.update(vector_unit={"lanes": 0}), "vector_unit.lanes"),
        (lambda d: d["buffers"].update(unified_kib=0), "buffers.unified_kib"),
        (lambda d: d["buffers"].update(double_buffering="maybe"), "buffers.double_buffering"),
        (lambda d: d.pop("tensor_units"), "tensor_units"),
        (lambda d: d.pop("dram"), "dram"),
        (lambda d: d.pop("clock_mhz"), "clock_mhz"),
        (lambda d: d.update(frequency_mhz=700), "frequency_mhz"),
        (lambda d: d["tensor_units"].update(colums=8), "tensor_units.colums"),
    ],
)
def test_bad_field_names_file_and_field(tmp_path: Path, mutate, field_path: str) -> None:
    data = _minimal()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(SpecError) as info:
        load_arch(path)
    message = str(info.value)
    assert message.startswith(f"edge.yaml: {field_path}:"), message
    assert "\n" not in message


def test_zero_rows_message_is_exact() -> None:
    data = _minimal()
    data["tensor_units"]["rows"] = 0
    with pytest.raises(SpecError) as info:
        arch_from_dict(data, "edge.yaml")
    assert str(info.value) == "edge.yaml: tensor_units.rows: Input should be greater than 0"


def test_unknown_field_is_rejected_with_name() -> None:
    data = _minimal() | {"frequency_mhz": 700}
    with pytest.raises(SpecError, match=r"frequency_mhz: Extra inputs are not permitted"):
        arch_from_dict(data, "x.yaml")


@pytest.mark.parametrize(
    "buffers",
    [
        {},
        {"input_kib": 64},
        {"input_kib": 64, "weight_kib": 64},
        {"unified_kib": 256, "weight_kib": 64},
        {"unified_kib": 256, "input_kib": 1, "weight_kib": 1, "output_kib": 1},
        {"double_buffering": False},
    ],
)
def test_missing_or_partial_buffers(buffers: dict) -> None:
    data = _minimal() | {"buffers": buffers}
    with pytest.raises(SpecError) as info:
        arch_from_dict(data, "b.yaml")
    assert str(info.value).startswith("b.yaml: buffers: give either unified_kib alone")


def test_partial_buffers_names_the_missing_ones() -> None:
    data = _minimal() | {"buffers": {"input_kib": 64, "output_kib": 8}}
    with pytest.raises(SpecError, match=r"missing: weight_kib"):
        arch_from_dict(data, "b.yaml")


def test_separate_buffers_accepted() -> None:
    data = _minimal() | {"buffers": {"input_kib": 64, "weight_kib": 32, "output_kib": 16.5}}
    arch = arch_from_dict(data)
    assert not arch.buffers.is_unified and arch.buffers.total_kib == pytest.approx(112.5)


def test_missing_buffers_section() -> None:
    data = _minimal()
    del data["buffers"]
    with pytest.raises(SpecError, match=r"^x: buffers: Field required$"):
        arch_from_dict(data, "x")


def test_unknown_technology_suggests() -> None:
    data = _minimal() | {"technology": "28 nm"}
    with pytest.raises(UnknownNameError) as info:
        arch_from_dict(data, "t.yaml")
    message = str(info.value)
    assert message.startswith("t.yaml: technology: unknown technology '28 nm'")
    assert "did you mean: 28nm" in message
    # direct construction in Python is checked too
    with pytest.raises(UnknownNameError, match="did you mean"):
        Arch.model_validate(data)


def test_unknown_preset_suggests() -> None:
    with pytest.raises(UnknownNameError) as info:
        load_arch("tpu_v1")
    assert "did you mean: tpu-v1" in str(info.value)
    assert "available:" in str(info.value)
    assert isinstance(info.value, AccelscopeError)


def test_spec_version_2_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, _minimal() | {"spec_version": 2}, "v2.yaml")
    with pytest.raises(SpecError, match=r"^v2\.yaml: spec_version: unsupported version 2"):
        load_arch(path)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("clock_mhz: 700\ntensor_units: {rows: 4, cols: [\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"broken\.yaml: not valid YAML at line \d+"):
        load_arch(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        load_arch(tmp_path / "nope.yaml")
    with pytest.raises(InputFileError, match="no such file"):
        load_arch(str(tmp_path / "nope.yaml"))


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"^list\.yaml: expected a mapping"):
        load_arch(path)


# ---- technology tables -----------------------------------------------------------------
def test_required_nodes_and_precisions_present() -> None:
    assert {"45nm", "28nm", "16nm", "7nm"} <= set(TECHNOLOGIES)
    for tech in TECHNOLOGIES.values():
        for table in (
            tech.mac_energy_pj,
            tech.pe_area_um2,
            tech.vector_op_energy_pj,
            tech.vector_lane_area_um2,
        ):
            assert set(table) == set(PRECISIONS)
            assert all(v > 0 and math.isfinite(v) for v in table.values())


def test_get_technology_unknown_suggests() -> None:
    assert get_technology("7nm") is TECHNOLOGIES["7nm"]
    with pytest.raises(UnknownNameError, match=r"unknown technology '7n'.*did you mean: 7nm"):
        get_technology("7n")


def test_sram_energy_monotonic_and_vectorized() -> None:
    caps = np.array([0.5, 1, 8, 32, 64, 256, 1024, 8192, 24576], dtype=float)
    for tech in TECHNOLOGIES.values():
        energy = tech.sram_energy_pj_per_byte(caps)
        assert energy.shape == caps.shape and energy.dtype == np.float64
        assert np.all(np.diff(energy) > 0)
        # scalar in, same value as the array entry
        assert float(tech.sram_energy_pj_per_byte(32.0)) == pytest.approx(energy[3])
    grid = TECHNOLOGIES["28nm"].sram_energy_pj_per_byte(np.ones((3, 4)) * 64)
    assert grid.shape == (3, 4)


def test_sram_fit_reproduces_horowitz_points() -> None:
    # Horowitz ISSCC 2014, 45 nm, 64-bit (8-byte) reads: 8 KB 10 pJ, 32 KB 20 pJ, 1 MB 100 pJ.
    tech = TECHNOLOGIES["45nm"]
    got = tech.sram_energy_pj_per_byte(np.array([8.0, 32.0, 1024.0])) * 8
    assert got == pytest.approx([10.0, 20.0, 100.0], rel=0.07)


def test_45nm_int8_mac_derivation() -> None:
    # Horowitz: 8-bit mult 0.2 pJ + 32-bit add 0.1 pJ; registers (8 + 32 bits) at
    # 0.1/32 pJ per bit = 0.125 pJ -> 0.425 pJ per MAC.
    assert TECHNOLOGIES["45nm"].mac_energy_pj["int8"] == pytest.approx(0.425)
    # Area: 282 + 137 um^2 + (2*8 + 32) * 4.522 um^2 registers = 636.06 um^2 of cells,
    # / 0.7 placement utilization = 908.66 um^2.
    assert TECHNOLOGIES["45nm"].pe_area_um2["int8"] == pytest.approx(636.056 / 0.7)


def test_sram_area_from_bitcells() -> None:
    # TSMC N7 HD bit cell 0.027 um^2: 8192 bits / 0.6 array efficiency = 368.64 um^2/KiB.
    assert TECHNOLOGIES["7nm"].sram_area_mm2_per_kib == pytest.approx(368.64e-6)
    # 28 nm HD 0.127 um^2 -> 1734 um^2/KiB.
    assert TECHNOLOGIES["28nm"].sram_area_mm2_per_kib == pytest.approx(8192 * 0.127 / 0.6e6)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_node_ordering(precision: str) -> None:
    nodes = [TECHNOLOGIES[n] for n in ("65nm", "45nm", "28nm", "16nm", "7nm")]
    for attr in ("mac_energy_pj", "pe_area_um2", "vector_op_energy_pj", "vector_lane_area_um2"):
        values = [getattr(t, attr)[precision] for t in nodes]
        assert all(a > b for a, b in zip(values, values[1:], strict=False)), attr
    for attr in ("sram_area_mm2_per_kib", "array_control_area_mm2"):
        values = [getattr(t, attr) for t in nodes]
        assert all(a > b for a, b in zip(values, values[1:], strict=False)), attr
    for cap in (8.0, 1024.0):
        e = [float(t.sram_energy_pj_per_byte(cap)) for t in nodes]
        assert all(a > b for a, b in zip(e, e[1:], strict=False))


def test_precision_ordering() -> None:
    for tech in TECHNOLOGIES.values():
        for table in (tech.mac_energy_pj, tech.pe_area_um2):
            assert table["fp32"] > table["fp16"] > table["int16"] > table["int8"]
            assert table["fp16"] > table["bf16"] > table["int8"]
        assert tech.pe_area_um2["fp32"] > 10 * tech.pe_area_um2["int8"]
        # Vector lanes work at accumulator width: int32 for integer formats, fp32 else.
        for table in (tech.vector_op_energy_pj, tech.vector_lane_area_um2):
            assert table["int8"] == table["int16"] < table["fp16"] == table["bf16"] == table["fp32"]


def test_memory_hierarchy_energy_ratios() -> None:
    # Eyeriss (Chen et al., ISCA 2016), 65 nm, 16-bit words: RF 1x, global buffer 6x,
    # DRAM 200x the energy of one MAC. Compare like with like (one 16-bit word vs one
    # int16 MAC): a 128 KiB buffer word must cost 3-30 MACs and a DRAM word 100-2000 MACs.
    # The DRAM ratio exceeds Eyeriss's 200x at 16/7 nm because logic energy scales down
    # faster than DRAM I/O energy -- the range only pins the order of magnitude.
    for tech in TECHNOLOGIES.values():
        mac = tech.mac_energy_pj["int16"]
        buf_word = 2 * float(tech.sram_energy_pj_per_byte(128.0))
        dram_word = 2 * tech.dram_energy_pj_per_byte
        assert 3 < buf_word / mac < 30, tech.name
        assert 100 < dram_word / mac < 2000, tech.name
        assert dram_word > 5 * buf_word


def test_technology_is_hashable_and_immutable() -> None:
    tech = TECHNOLOGIES["28nm"]
    assert {tech: 1}[tech] == 1
    with pytest.raises(AttributeError):
        tech.name = "x"  # type: ignore[misc]
