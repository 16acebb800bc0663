"""End-to-end CLI tests: run `python -m accelscope` as a user would."""

from __future__ import annotations

import json

import onnx
import pytest
from onnx import TensorProto, helper

from tests.conftest import EXAMPLES, cli_imports


def _onnx_conv_model(path, *, batch_dim: int | str = 1, extra_op: str | None = None):
    """Conv(8 -> 16, 3x3, pad 1) on an 8x8 input, optionally followed by *extra_op*."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch_dim, 8, 8, 8])
    w = helper.make_tensor_value_info("w", TensorProto.FLOAT, [16, 8, 3, 3])
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv0", pads=[1, 1, 1, 1])]
    out_name, out_shape = "y", [batch_dim, 16, 8, 8]
    if extra_op == "Det":
        nodes.append(helper.make_node("Reshape", ["y", "shp"], ["y3"], name="to_square"))
        nodes.append(helper.make_node("Det", ["y3"], ["z"], name="det0"))
        out_name, out_shape = "z", [128]
    out = helper.make_tensor_value_info(out_name, TensorProto.FLOAT, out_shape)
    inits = []
    if extra_op == "Det":
        inits.append(helper.make_tensor("shp", TensorProto.INT64, [3], [128, 8, 8]))
    graph = helper.make_graph(nodes, "g", [x, w], [out], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, path)
    return path


def test_zoo_list_json(cli):
    res = cli("zoo", "list", "--json")
    assert res.code == 0, res.stderr
    doc = res.json()
    names = {m["name"] for m in doc["models"]}
    assert {"resnet-50", "bert-base", "alexnet", "lstm-lm"} <= names
    for m in doc["models"]:
        assert m["family"] in {"cnn", "rnn", "transformer", "detector"}
        assert m["macs"] > 0 and m["params"] > 0


def test_workload_show_bert_json(cli):
    res = cli("workload", "show", "bert-base", "--json")
    assert res.code == 0, res.stderr
    doc = res.json()  # stdout is exactly one JSON document
    assert {"name", "total_macs", "total_params", "layers", "kernels"} <= set(doc)
    assert doc["name"] == "bert-base"
    assert all({"name", "op", "macs"} <= set(layer) for layer in doc["layers"])
    assert sum(layer["macs"] for layer in doc["layers"]) == doc["total_macs"]
    kernel_macs = sum(
        k["groups"] * k["m"] * k["k"] * k["n"] * k["repeats"] * k["count"]
        for k in doc["kernels"]
        if k["kind"] == "gemm"
    )
    assert kernel_macs == doc["total_macs"]
    # seq-len rescales the transformer
    short = cli("workload", "show", "bert-base", "--seq-len", "64", "--json").json()
    assert short["total_macs"] < doc["total_macs"]


def test_workload_show_table_and_yaml(cli, examples_dir):
    res = cli("workload", "show", str(examples_dir / "networks" / "tiny-cnn.yaml"))
    assert res.code == 0, res.stderr
    assert "dw2" in res.stdout and "total:" in res.stdout
    res = cli(
        "workload",
        "show",
        str(examples_dir / "networks" / "tiny-cnn.yaml"),
        "--json",
        "--batch",
        "3",
    )
    assert res.json()["batch"] == 3


def test_workload_show_onnx_json(cli, tmp_path):
    path = _onnx_conv_model(tmp_path / "conv.onnx")
    res = cli("workload", "show", str(path), "--json")
    assert res.code == 0, res.stderr
    # 8x8 outputs * 16 channels * (8*3*3) = 64 * 16 * 72 = 73,728 MACs
    assert res.json()["total_macs"] == 73_728


def _assert_one_line_error(res, *fragments):
    assert res.code == 2, (res.code, res.stdout, res.stderr)
    lines = [ln for ln in res.stderr.strip().splitlines() if not ln.startswith("warning:")]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in res.stderr
    for frag in fragments:
        assert frag in lines[0], lines[0]
    assert res.stdout == ""


def test_bad_input_missing_file(cli, tmp_path):
    _assert_one_line_error(cli("workload", "show", str(tmp_path / "none.onnx")), "none.onnx")


def test_bad_input_wrong_file_type(cli, tmp_path):
    p = tmp_path / "model.pb"
    p.write_text("hello")
    _assert_one_line_error(cli("workload", "show", str(p)), "model.pb", "unrecognized")


def test_bad_input_corrupt_protobuf(cli, tmp_path):
    p = tmp_path / "broken.onnx"
    p.write_bytes(b"\x08\x07garbage\xff\xff\xff not a protobuf")
    _assert_one_line_error(cli("workload", "show", str(p)), "broken.onnx")


def test_bad_input_yaml_negative_size(cli, tmp_path):
    p = tmp_path / "neg.yaml"
    p.write_text(
        "name: neg\nlayers:\n  - {name: fc, op: linear, in_features: -4, out_features: 2}\n"
    )
    _assert_one_line_error(cli("workload", "show", str(p)), "neg.yaml", "fc", "in_features")


def test_bad_input_unknown_zoo_name_suggests(cli):
    _assert_one_line_error(cli("workload", "show", "resnet5"), "resnet5", "resnet-50")


def test_bad_input_unsupported_operator_and_allow(cli, tmp_path):
    path = _onnx_conv_model(tmp_path / "det.onnx", extra_op="Det")
    _assert_one_line_error(cli("workload", "show", str(path)), "Det", "det0")
    res = cli("workload", "show", str(path), "--allow-unsupported", "--json")
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["unsupported"] and doc["unsupported"][0]["name"] == "det0"
    assert "warning:" in res.stderr and "det0" in res.stderr


def test_bad_input_dynamic_shape_needs_input_shape(cli, tmp_path):
    path = _onnx_conv_model(tmp_path / "dyn.onnx", batch_dim="N")
    _assert_one_line_error(cli("workload", "show", str(path)), "x", "--input-shape")
    res = cli("workload", "show", str(path), "--input-shape", "x=2,8,8,8", "--json")
    assert res.code == 0, res.stderr
    assert res.json()["total_macs"] == 2 * 73_728
    _assert_one_line_error(
        cli("workload", "show", str(path), "--input-shape", "x=2,a"), "--input-shape"
    )


def test_bad_cli_values(cli):
    _assert_one_line_error(cli("workload", "show", "alexnet", "--batch", "0"), "--batch")


@pytest.mark.parametrize("args", [("arch", "list", "--json"), ("arch", "show", "tpu-v1", "--json")])
def test_arch_commands_json(cli, args):
    res = cli(*args)
    assert res.code == 0, res.stderr
    json.loads(res.stdout)


def test_arch_show_unknown_suggests(cli):
    _assert_one_line_error(cli("arch", "show", "tpu-v2"), "tpu-v2", "tpu-v1")


def test_evaluate_json_keys(cli):
    res = cli("evaluate", "resnet18", "--arch", "edge", "--json")
    assert res.code == 0, res.stderr
    doc = res.json()
    for key in (
        "latency_cycles",
        "latency_s",
        "throughput_per_s",
        "energy_j",
        "area_mm2",
        "utilization",
        "layers",
    ):
        assert key in doc
    assert doc["latency_s"] > 0 and 0 < doc["utilization"] <= 1
    for layer in doc["layers"]:
        assert {"name", "cycles", "compute_cycles", "bound", "utilization", "dram_bytes"} <= set(
            layer
        )
    assert sum(layer["cycles"] for layer in doc["layers"]) == pytest.approx(doc["latency_cycles"])


def test_evaluate_table(cli, examples_dir):
    res = cli("evaluate", str(examples_dir / "networks" / "tiny-lstm.yaml"), "--arch", "default")
    assert res.code == 0, res.stderr
    assert "lstm" in res.stdout and "latency" in res.stdout


def test_evaluate_bad_arch_file(cli, tmp_path):
    p = tmp_path / "arch.yaml"
    p.write_text(
        "clock_mhz: 1000\ntensor_units: {rows: 0, cols: 8}\nbuffers: {unified_kib: 64}\n"
        "dram: {bandwidth_gbps: 10}\n"
    )
    _assert_one_line_error(cli("evaluate", "alexnet", "--arch", str(p)), "arch.yaml", "rows")


def test_evaluate_buffer_too_small_names_layer_and_field(cli, tmp_path):
    p = tmp_path / "tiny.yaml"
    # Tiles may be smaller than the array, down to 1x1x1; an output buffer of 0.002 KiB
    # (2 bytes, 1 usable under double buffering) cannot hold one 4-byte partial sum.
    p.write_text(
        "spec_version: 1\nname: tiny-buffers\nclock_mhz: 500\n"
        "tensor_units: {rows: 64, cols: 64}\n"
        "buffers: {input_kib: 1, weight_kib: 1, output_kib: 0.002}\n"
        "dram: {bandwidth_gbps: 8}\n"
    )
    _assert_one_line_error(
        cli("evaluate", "alexnet", "--arch", str(p)),
        "features.0",
        "buffers.output_kib",
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--budgt", "3"], "No such option: --budgt"),
        (["explore", "resnet50", "--budget", "abc"], "Invalid value for '--budget'"),
        (["evalute", "resnet50"], "No such command 'evalute'"),
        (["evaluate"], "Missing argument 'model'"),
        (["evaluate", "resnet50", "extra"], "unexpected extra argument"),
        (["zoo", "list", "--jsn"], "No such option: --jsn"),
        (["validate", "--gemms", "-1"], "Invalid value for '--gemms'"),
        (["multi", "alexnet", "--tie-break"], "Option '--tie-break' requires an argument"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(cli, args, expected):
    # typer raises its bundled click's exceptions (typer._click); whichever copy raises,
    # the user sees one line naming the problem and where to get help, never a traceback.
    res = cli(*args)
    assert res.code == 2, (args, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert expected in lines[0] and "--help" in lines[0]
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_version_flag_and_bare_command(cli):
    from accelscope import __version__

    res = cli("--version")
    assert res.code == 0 and res.stdout.strip() == __version__
    bare = cli()
    # No command: the help, and exit 2 (a usage error) without an extra error line.
    assert bare.code == 2 and "Usage:" in bare.stdout and "error" not in bare.stderr


def test_help_starts_without_numpy_or_the_workload_package():
    # Start-up cost: `accelscope --help` must not import NumPy, pydantic or the model code
    # (issue 11: it took 0.5 CPU-s because `import accelscope` loaded the workload package).
    proc, imported = cli_imports(["--help"], ("numpy", "pydantic", "accelscope.workload"))
    assert proc.returncode == 0, proc.stderr
    assert imported == []


def test_an_option_given_twice_is_an_error_not_last_one_wins(cli):
    # Issue 15: `--arch tpu-v1 --arch edge` silently evaluated only `edge`.
    tiny = str(EXAMPLES / "networks" / "tiny-cnn.yaml")
    for args, flag, command in [
        (("evaluate", tiny, "--arch", "tpu-v1", "--arch", "edge"), "--arch", "evaluate"),
        (("explore", tiny, "--top", "3", "--top=4"), "--top", "explore"),
    ]:
        res = cli(*args)
        assert res.code == 2 and res.stderr.count("\n") == 1, res.stderr
        assert f"error: {flag} given 2 times; it takes one value" in res.stderr
        assert f"'accelscope {command} --help'" in res.stderr
    # Options meant to repeat still do.
    res = cli("explore", tiny, "--objective", "latency", "--objective", "area", "--top", "1")
    assert res.code == 0, res.stderr


def test_cli_constraints_add_to_the_space_file_and_onnx_options_reach_explore(cli, tmp_path):
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    space = tmp_path / "space.yaml"
    space.write_text(
        "name: s\nparameters:\n  rows: [8, 16, 32]\n  cols: [8, 16, 32]\n"
        "  unified_kib: 256\n  dram_gbps: 16\n  clock_mhz: 1000\n"
        "constraints: ['area_mm2 <= 50']\n"
    )
    tiny = str(EXAMPLES / "networks" / "tiny-cnn.yaml")
    res = cli(
        "explore", tiny, "--space", str(space), "--constraint", "pe_count <= 256",
        "--constraint", "area_mm2<=50", "--json",
    )  # fmt: skip
    assert res.code == 0, res.stderr
    doc = res.json()
    # Added to the space's own, and a constraint the space already has is kept once.
    assert doc["constraints"] == ["area_mm2 <= 50", "pe_count <= 256"]
    assert all(d["pe_count"] <= 256 for d in doc["top"])
    # An ONNX file with a dynamic batch and an operator accelscope does not map (Det).
    w = numpy_helper.from_array(np.ones((4, 4), dtype=np.float32), "W")
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["h"], name="mm"),
            helper.make_node("Det", ["h"], ["y"], name="det"),
        ],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch"])],
        [w],
    )
    model = tmp_path / "det.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), model)
    base = ("explore", str(model), "--space", str(space), "--input-shape", "x=2,4,4")
    res = cli(*base)
    assert res.code == 2 and "operator 'Det'" in res.stderr and "--allow-unsupported" in res.stderr
    res = cli(*base, "--allow-unsupported", "--json")
    assert res.code == 0, res.stderr
    assert "imported as a zero-cost placeholder" in res.stderr


def test_to_pandas_without_pandas_says_how_to_install_it(monkeypatch):
    import sys

    from accelscope.errors import MissingDependencyError
    from accelscope.targets.asic.arch import load_arch
    from accelscope.targets.asic.cost import evaluate
    from accelscope.workload import load_model

    report = evaluate(load_model(str(EXAMPLES / "networks" / "tiny-cnn.yaml")), load_arch("edge"))
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match="pip install pandas"):
        report.to_pandas()


def test_help_shows_no_placeholder_on_flags(cli):
    """Flags (--json, --overwrite, --allow-unsupported, --version) take no value, so the
    help shows no ``<bool>`` after them (issue 15), --help included."""
    for args in (["explore", "--help"], ["evaluate", "--help"], ["codesign", "--help"],
                 ["report", "--help"], ["board", "list", "--help"], ["--help"]):  # fmt: skip
        res = cli(*args)
        assert res.code == 0, res.stderr
        bad = [
            line for line in res.stdout.splitlines() if "<bool>" in line and "--help" not in line
        ]
        assert bad == [], (args, bad)
