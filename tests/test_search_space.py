"""Design spaces (grid, ties, lazy enumeration) and the safe constraint/objective parser."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from accelscope.errors import SpecError, UnknownNameError
from accelscope.search import load_space, parse_constraint, parse_objective, space_from_dict

BASE = {"clock_mhz": 1000, "dram_gbps": 32, "unified_kib": 512}


def test_grid_kinds_and_ties():
    space = space_from_dict(
        {
            "parameters": {
                **BASE,
                "rows": {"pow2": [8, 64]},  # 8, 16, 32, 64
                "cols": {"tie": "rows"},
                "lanes": {"range": {"start": 16, "stop": 48, "step": 16}},  # 16, 32, 48
                "dataflow": ["ws", "os"],
            }
        }
    )
    assert space.size == 4 * 3 * 2
    cols = space.columns(space.all_indices())
    assert np.array_equal(cols["rows"], cols["cols"])
    # Every combination appears exactly once (the decode is a bijection on the grid).
    combos = set(
        zip(cols["rows"].tolist(), cols["lanes"].tolist(), cols["dataflow"].tolist(), strict=True)
    )
    assert combos == set(itertools.product([8, 16, 32, 64], [16, 32, 48], [0, 1]))
    # Fixed parameters broadcast to every row.
    assert set(cols["clock_mhz"].tolist()) == {1000}


def test_decode_matches_itertools_product_order():
    space = space_from_dict({"parameters": {**BASE, "rows": [4, 8, 16], "cols": [2, 3]}})
    cols = space.columns(np.arange(space.size))
    expected = list(itertools.product([1000], [32], [512], [4, 8, 16], [2, 3]))
    got = list(
        zip(
            *(cols[k].tolist() for k in ("clock_mhz", "dram_gbps", "unified_kib", "rows", "cols")),
            strict=True,
        )
    )
    assert got == expected
    with pytest.raises(IndexError):
        space.columns(np.array([space.size]))


def test_default_space_and_configs():
    space = load_space()
    assert space.size == 6 * 3 * 3 * 5 * 4 * 3 * 3
    batch = space.configs(np.arange(0, space.size, 97))
    assert len(batch) == len(range(0, space.size, 97))
    assert space.constraints == ["area_mm2 <= 50"]
    with pytest.raises(UnknownNameError, match="did you mean: default"):
        load_space("defualt")


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({**BASE, "rows": 8, "cols": 8, "colour": 3}, "unknown parameter 'colour'"),
        ({**BASE, "rows": 8}, "parameter 'cols' is required"),
        ({**BASE, "rows": 8, "cols": {"tie": "rowz"}}, "tied to unknown parameter 'rowz'"),
        ({**BASE, "rows": {"pow2": [8, 12]}, "cols": 8}, "12 is not a power of two"),
        ({**BASE, "rows": {"range": [10, 5, 1]}, "cols": 8}, "below start"),
        ({**BASE, "rows": {"values": [8], "value": 8}, "cols": 8}, "exactly one of"),
        ({**BASE, "rows": 8, "cols": 8, "input_kib": 64}, "buffers"),
        ({**BASE, "rows": 8, "cols": 8, "dataflow": ["ws", "xs"]}, "unknown value 'xs'"),
    ],
)
def test_bad_spaces(params, fragment):
    with pytest.raises(SpecError) as info:
        space_from_dict({"parameters": params}, "space.yaml")
    assert fragment in str(info.value) and str(info.value).startswith("space.yaml")


def test_constraints_and_objectives():
    known = ["area_mm2", "power_w", "rows"]
    c = parse_constraint(" area_mm2 <= 50 ", known)
    assert (c.name, c.op, c.bound) == ("area_mm2", "<=", 50.0)
    assert c.holds(np.array([10.0, 50.0, 50.1])).tolist() == [True, True, False]
    assert parse_constraint("power_w<1e-1", known).bound == 0.1
    with pytest.raises(SpecError, match="did you mean: area_mm2"):
        parse_constraint("area_mm <= 5", known)
    for bad in ("area_mm2 <= ", "__import__('os') <= 1", "area_mm2 <= 5; rm", "1 <= area_mm2"):
        with pytest.raises(SpecError, match="expected NAME OP NUMBER"):
            parse_constraint(bad, known)
    assert parse_objective("latency").direction == "min"
    assert parse_objective("throughput").direction == "max"
    obj = parse_objective("max:perf_per_area")
    assert obj.metric == "perf_per_mm2"
    assert obj.as_minimized(np.array([2.0])).tolist() == [-2.0]
    with pytest.raises(SpecError, match="unknown objective"):
        parse_objective("speed")


def test_space_files_that_are_not_yaml(tmp_path):
    from accelscope.errors import InputFileError

    with pytest.raises(InputFileError, match="cannot read"):
        load_space(tmp_path)  # a directory
    binary = tmp_path / "space.bin"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(InputFileError, match="not a text file"):
        load_space(binary)
    text = tmp_path / "hostname"
    text.write_text("just-a-name\n")
    with pytest.raises(SpecError, match="expected a mapping with 'parameters'"):
        load_space(text)  # an existing file without .yaml is read as a file, not a name
