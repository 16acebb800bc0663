"""Keeping the winner (issue 15): a result's design as an arch YAML that evaluate
reproduces, by --save-best and by `accelscope arch export`."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES

TINY_CNN = str(EXAMPLES / "networks" / "tiny-cnn.yaml")
TINY_LSTM = str(EXAMPLES / "networks" / "tiny-lstm.yaml")
METRICS = ("latency_s", "energy_j", "area_mm2", "power_w", "dram_bytes")


def _same(evaluated: dict, design: dict) -> None:
    # Equal to floating-point rounding (explore sums network totals in one product).
    for key in METRICS:
        assert evaluated[key] == pytest.approx(design[key], rel=1e-12), key


def test_explore_save_best_and_arch_export_reproduce_the_designs(cli, tmp_path):
    run, best = tmp_path / "run", tmp_path / "best.yaml"
    res = cli(
        "explore", TINY_CNN, "--objective", "latency", "--objective", "area",
        "--top", "3", "--out", str(run), "--save-best", str(best), "--json",
    )  # fmt: skip
    assert res.code == 0, res.stderr
    doc = res.json()
    assert f"best design: {best}" in res.stderr
    evaluated = cli("evaluate", TINY_CNN, "--arch", str(best), "--json")
    assert evaluated.code == 0, evaluated.stderr
    _same(evaluated.json(), doc["best"])
    # The second of the listed designs, from the result directory.
    second = tmp_path / "second.yaml"
    exported = cli("arch", "export", f"{run}#2", "-o", str(second))
    assert exported.code == 0, exported.stderr
    again = cli("evaluate", TINY_CNN, "--arch", str(second), "--json")
    _same(again.json(), doc["top"][1])
    assert second.read_text().startswith("# accelscope ")


def test_multi_save_best_is_the_joint_optimum_for_every_network(cli, tmp_path):
    best = tmp_path / "joint.yaml"
    res = cli("multi", TINY_CNN, TINY_LSTM, "--save-best", str(best), "--json")
    assert res.code == 0, res.stderr
    joint = res.json()["joint_optimum"]
    for model, entry in zip((TINY_CNN, TINY_LSTM), joint["networks"].values(), strict=True):
        evaluated = cli("evaluate", model, "--arch", str(best), "--json").json()
        for key in ("latency_s", "energy_j", "power_w"):
            assert evaluated[key] == pytest.approx(entry[key], rel=1e-12), key
        assert evaluated["area_mm2"] == pytest.approx(joint["area_mm2"], rel=1e-12)


@pytest.mark.parametrize(
    ("target", "message"),
    [("{dir}/missing", "no such result"), ("{dir}/run#0", "positive integer"),
     ("{dir}/run#9", "rank 9 asked but the result lists 2 designs"),
     ("{dir}/damaged", "not a result document"), ("{dir}/foreign", "not an explore or multi")],
)  # fmt: skip
def test_arch_export_errors_are_one_line(cli, tmp_path, target, message):
    run = tmp_path / "run"
    assert cli("explore", TINY_CNN, "--top", "2", "--out", str(run)).code == 0
    (tmp_path / "damaged").mkdir()
    (tmp_path / "damaged" / "summary.json").write_bytes(b'{"kind": "expl')  # truncated
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "summary.json").write_text('{"kind": "codesign"}')
    res = cli("arch", "export", target.format(dir=tmp_path), "-o", str(tmp_path / "x.yaml"))
    assert res.code == 2 and res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_save_best_to_an_unwritable_place_is_one_line_naming_it(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    target = blocker / "best.yaml"
    res = cli("explore", TINY_CNN, "--top", "1", "--save-best", str(target))
    assert res.code == 2 and res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith("error: ") and str(target) in res.stderr
