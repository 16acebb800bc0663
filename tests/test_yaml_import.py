"""YAML networks: schema, batch/sequence expressions, and one-line errors naming the field."""

from __future__ import annotations

import pytest

from accelscope.errors import InputFileError, SpecError
from accelscope.workload import from_yaml, load_model
from accelscope.workload.yaml_import import eval_size_expression, network_from_dict


def test_examples_load(examples_dir):
    cnn = from_yaml(examples_dir / "networks" / "tiny-cnn.yaml")
    # conv1: 32*32 outputs * 32 ch * 27 = 884,736; dw2: 32*1024*9 = 294,912;
    # pw2: 1024*64*32 = 2,097,152; fc: 64*10 = 640.
    assert cnn.total_macs() == 884_736 + 294_912 + 2_097_152 + 640
    assert cnn.layer("dw2").is_depthwise
    lstm = load_model(examples_dir / "networks" / "tiny-lstm.yaml")
    assert (lstm.batch, lstm.seq_len) == (4, 20)
    assert lstm.layer("embed").tokens == 80


def test_batch_and_seq_len_rescale_expressions(examples_dir):
    base = from_yaml(examples_dir / "networks" / "tiny-cnn.yaml")
    double = from_yaml(examples_dir / "networks" / "tiny-cnn.yaml", batch=2)
    assert double.total_macs() == 2 * base.total_macs()
    assert double.layer("conv1").batch == 2 and double.layer("fc").rows == 2
    lstm = from_yaml(examples_dir / "networks" / "tiny-lstm.yaml", batch=8, seq_len=10)
    assert lstm.layer("embed").tokens == 80 and lstm.layer("lstm").seq_len == 10
    assert lstm.layer("lstm").batch == 8


def test_size_expressions_are_safe():
    names = {"batch": 2, "seq_len": 3}
    assert eval_size_expression("batch * seq_len * 4", names) == 24
    assert eval_size_expression("(batch + 1) // 2", names) == 1
    assert eval_size_expression("relu", names) is None
    assert eval_size_expression("__import__('os').system('x') + batch", names) is None
    assert eval_size_expression("batch ** 100", names) is None


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (
            {
                "name": "c",
                "op": "conv2d",
                "in_channels": -3,
                "out_channels": 2,
                "in_h": 4,
                "in_w": 4,
                "kernel": 1,
            },
            "layers[0](c).in_channels: Input should be greater than 0",
        ),
        (
            {"name": "c", "op": "linear", "in_features": "abc", "out_features": 3},
            "layers[0](c).in_features: Input should be a valid integer",
        ),
        (
            {"name": "c", "op": "linear", "out_features": 3},
            "layers[0](c).in_features: Field required",
        ),
        (
            {"name": "c", "op": "linear", "in_features": 3, "out_features": 3, "colour": 1},
            "layers[0](c).colour: Extra inputs are not permitted",
        ),
        ({"name": "c", "op": "frobnicate"}, "layers[0](c): Input tag 'frobnicate'"),
        (
            {"name": "c", "op": "norm", "norm": "weird", "elements": 3, "channels": 3},
            "layers[0](c).norm: Input should be 'batch'",
        ),
        (
            {
                "name": "c",
                "op": "conv2d",
                "in_channels": 3,
                "out_channels": 2,
                "in_h": 2,
                "in_w": 2,
                "kernel": 5,
            },
            "layers[0](c): kernel (5, 5)",
        ),
    ],
)
def test_bad_layers_name_the_field(layer, expected):
    with pytest.raises(SpecError) as info:
        network_from_dict({"name": "n", "layers": [layer]}, "net.yaml")
    msg = str(info.value)
    assert msg.startswith("net.yaml: ") and expected in msg
    assert "\n" not in msg and "more problem" not in msg


def test_bad_files(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        from_yaml(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [x\n")
    with pytest.raises(InputFileError, match=r"bad.yaml: not valid YAML at line 2"):
        from_yaml(bad)
    bad.write_text("- 1\n- 2\n")
    with pytest.raises(SpecError, match="expected a mapping"):
        from_yaml(bad)
    bad.write_text("spec_version: 2\nname: x\nlayers: []\n")
    with pytest.raises(SpecError, match="spec_version: unsupported version 2"):
        from_yaml(bad)
    bad.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(InputFileError, match="not a text file"):
        from_yaml(bad)
    with pytest.raises(InputFileError, match="unrecognized model file type '.txt'"):
        (tmp_path / "model.txt").write_text("x")
        load_model(tmp_path / "model.txt")
    with pytest.raises(InputFileError, match="no such file"):
        load_model(tmp_path / "nope" / "model.bin")
