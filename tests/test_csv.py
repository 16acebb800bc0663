"""``--csv FILE`` next to ``--json``: the same table as CSV, categoricals as names."""

from __future__ import annotations

import csv

import pytest


def _read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_evaluate_csv_has_one_row_per_layer_and_the_energy_parts(cli, tmp_path):
    path = tmp_path / "layers.csv"
    res = cli("evaluate", "alexnet", "--arch", "edge", "--csv", str(path), "--json")
    assert res.code == 0, res.stderr
    doc = res.json()
    rows = _read(path)
    assert [r["name"] for r in rows] == [la["name"] for la in doc["layers"]]
    for row, layer in zip(rows, doc["layers"], strict=True):
        parts = sum(float(v) for k, v in row.items() if k.startswith("energy_") and k != "energy_j")
        assert parts == pytest.approx(layer["energy_j"], rel=1e-9, abs=1e-15)


def test_explore_and_multi_csv_hold_every_evaluated_design(cli, tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text(
        "parameters:\n  rows: [16, 32]\n  cols: {tie: rows}\n  clock_mhz: 800\n"
        "  dram_gbps: [16, 32]\n  unified_kib: 512\n  dataflow: [ws, os]\n"
    )
    explore_csv, multi_csv = tmp_path / "e.csv", tmp_path / "m.csv"
    res = cli("explore", "alexnet", "--space", str(space), "--csv", str(explore_csv), "--json")
    assert res.code == 0, res.stderr
    rows = _read(explore_csv)
    assert len(rows) == res.json()["evaluated"] == 8
    assert {r["dataflow"] for r in rows} == {"ws", "os"}  # names, not codes
    assert sum(r["pareto"] == "true" for r in rows) == len(res.json()["pareto"])
    res = cli("multi", "alexnet", "lstm-lm", "--space", str(space), "--csv", str(multi_csv))
    assert res.code == 0, res.stderr
    rows = _read(multi_csv)
    assert len(rows) == 8 and {"score", "rel:alexnet", "rel:lstm-lm"} <= set(rows[0])


def test_compare_csv_has_a_row_per_network_and_design(cli, tmp_path):
    path = tmp_path / "c.csv"
    res = cli("compare", "edge", "tpu-v1", "--model", "alexnet", "--model", "lstm-lm",
              "--csv", str(path))  # fmt: skip
    assert res.code == 0, res.stderr
    rows = _read(path)
    assert [(r["network"], r["design"]) for r in rows] == [
        ("alexnet", "edge"), ("alexnet", "tpu-v1"), ("lstm-lm", "edge"), ("lstm-lm", "tpu-v1"),
    ]  # fmt: skip
    assert float(rows[0]["latency_s_vs_baseline"]) == 1.0
