"""``accelscope compare``: designs side by side, across targets, from presets, files and
result directories."""

from __future__ import annotations

import pytest


def test_compare_presets_and_an_fpga_design(cli, tmp_path):
    html = tmp_path / "c.html"
    res = cli(
        "compare", "edge", "tpu-v1", "fpga:zc706:generic", "--model", "alexnet",
        "--model", "lstm-lm", "--json", "--report", str(html),
    )  # fmt: skip
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["kind"] == "compare" and doc["baseline"] == "edge"
    assert [d["target"] for d in doc["designs"]] == ["asic", "asic", "fpga"]
    assert [n["network"] for n in doc["networks"]] == ["alexnet", "lstm-lm"]
    for net in doc["networks"]:
        base, tpu, fpga = net["results"]
        assert all(v == pytest.approx(1.0) for v in base["relative"].values())
        assert tpu["relative"]["latency_s"] == pytest.approx(tpu["latency_s"] / base["latency_s"])
        assert sum(tpu["energy_breakdown_j"].values()) == pytest.approx(tpu["energy_j"])
        assert sum(tpu["latency_by_bound"].values()) == pytest.approx(1.0)
        assert "energy_j" not in fpga and fpga["resources"]["dsp"]["available"] == 900
        assert len(tpu["largest_layer_differences"]) <= 5
        diffs = [abs(d["difference_s"]) for d in tpu["largest_layer_differences"]]
        assert diffs == sorted(diffs, reverse=True)
    assert "relative to edge" in html.read_text(encoding="utf-8")
    table = cli("compare", "edge", "tpu-v1", "--model", "alexnet")
    assert table.code == 0 and "relative to edge" in table.stdout and "(1.00x)" in table.stdout


def test_compare_a_run_directory_design_reproduces_it(cli, tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text(
        "parameters:\n  rows: [16, 32]\n  cols: {tie: rows}\n  clock_mhz: 800\n"
        "  dram_gbps: 32\n  unified_kib: 512\n"
    )
    run = tmp_path / "run"
    res = cli("explore", "alexnet", "--space", str(space), "--objective", "latency",
              "--out", str(run), "--json")  # fmt: skip
    assert res.code == 0, res.stderr
    best = res.json()["best"]
    cmp = cli("compare", str(run), f"{run}#2", "edge", "--model", "alexnet", "--json")
    assert cmp.code == 0, cmp.stderr
    results = cmp.json()["networks"][0]["results"]
    assert results[0]["latency_s"] == best["latency_s"]  # the run's best, evaluated again
    assert results[1]["design"].endswith("#2")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["edge"], "at least two designs"),
        (["edge", "edge"], "named twice"),
        (["edge", "fpga:"], "fpga:BOARD"),
        (["edge", "fpga:zz"], "unknown board 'zz'"),
        (["edge", "tpu_v1"], "tpu_v1"),
        (["edge", "fpga:zc706:generic", "--model", "nope"], "nope"),
    ],
)
def test_compare_mistakes_are_one_line(cli, args, fragment):
    res = cli("compare", *args)
    assert res.code == 2, res.stderr
    assert res.stderr.startswith("error: ") and fragment in res.stderr, res.stderr
