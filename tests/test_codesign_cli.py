"""``accelscope codesign`` end to end: JSON keys, output files, one-line errors."""

from __future__ import annotations

import json

import pytest


def test_codesign_json_document(cli, tmp_path):
    res = cli(
        "codesign",
        "lstm-lm",
        "--arch",
        "edge",
        "--range",
        "0.8:1.2",
        "--multiple",
        "8",
        "--goal",
        "min-latency",
        "--min-params",
        "0.8",
        "--json",
        "--out",
        str(tmp_path),
    )
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["kind"] == "codesign" and "provenance" in doc
    (layer,) = doc["layers"]
    assert layer["name"] == "rnn" and layer["width"] == 650
    assert {"curve", "recommendations", "latency_share", "plateaus", "cliffs"} <= set(layer)
    widths = [w for w, _ in layer["curve"]]
    # Multiples of 8 in [520, 780] and the current width 650.
    assert widths == sorted({*range(520, 781, 8), 650})
    assert {e["name"] for e in doc["excluded"]} == {"decoder"}
    plan = doc["plan"]
    assert {"widths", "changes", "latency_change_pct", "params_change"} <= set(plan)
    assert plan["latency_s"] < plan["latency_s_before"]
    assert plan["params"] >= 0.8 * plan["params_before"]
    assert plan["widths"]["rnn"] % 8 == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["plan"] == plan
    assert (tmp_path / "curves.csv").read_text().count("\n") == len(widths) + 1
    shown = cli("workload", "show", str(tmp_path / "plan.yaml"), "--json")
    assert shown.code == 0, shown.stderr
    lstm = next(x for x in shown.json()["layers"] if x["name"] == "rnn")
    assert f"H{plan['widths']['rnn']}" in lstm["shape"]


def test_codesign_table(cli):
    res = cli(
        "codesign",
        "resnet-18",
        "--arch",
        "nvdla-large",
        "--layers",
        "layer2.0.conv1",
        "--goal",
        "none",
    )
    assert res.code == 0, res.stderr
    assert "layer2.0.conv1" in res.stdout and "shrink to" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--layers", "layer2.0.conv"), "did you mean: layer2.0.conv1"),
        (("--layers", "conv1"), "cannot be swept"),
        (("--range", "1.5:0.5"), "--range '1.5:0.5'"),
        (("--range", "half"), "expected LO:HI"),
        (("--multiple", "0"), "--multiple"),
        (("--goal", "fast"), "--goal 'fast'"),
    ],
)
def test_codesign_bad_input_is_one_line(cli, args, message):
    res = cli("codesign", "resnet-18", "--arch", "edge", *args)
    assert res.code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert res.stdout == ""


def test_codesign_json_shows_residual_group(cli):
    res = cli(
        "codesign", "resnet-18", "--arch", "edge", "--layers", "layer3", "--multiple", "32",
        "--json",
    )  # fmt: skip
    assert res.code == 0, res.stderr
    doc = res.json()
    (layer,) = doc["layers"]
    members = ["layer3.0.conv2", "layer3.0.downsample.0", "layer3.1.conv2"]
    assert layer["name"] == f"layer3 (residual group: {', '.join(members)})"
    assert layer["group"] == "layer3" and layer["members"] == members
    assert (layer["op"], layer["field"], layer["width"]) == ("conv2d", "out_channels", 256)
    assert {"layer3.1.add", "layer4.0.conv1", "layer4.0.downsample.0"} <= set(
        layer["changed_layers"]
    )
    # Multiples of 32 in [128, 384] (256 is one of them).
    assert [w for w, _ in layer["curve"]] == list(range(128, 385, 32))
    assert layer["latency_share"] > 0
    assert doc["excluded"] == []
    assert set(doc["plan"]["widths"]) == {layer["name"]}
    member = cli("codesign", "resnet-18", "--arch", "edge", "--layers", "layer3.0.conv2")
    assert member.code == 2
    assert "sweep its residual group 'layer3'" in member.stderr
