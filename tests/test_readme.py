"""The README must stay true: its Python examples run and its CLI tour commands succeed."""

from __future__ import annotations

import re
import shlex

import pytest

from tests.conftest import REPO

README = (REPO / "README.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = _blocks("python")
    assert len(blocks) >= 2
    for block in blocks:
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README


def _tour_commands() -> list[list[str]]:
    cmds = []
    for block in _blocks("sh"):
        block = block.replace("\\\n", " ")  # join continuation lines
        for line in block.splitlines():
            # As in sh, '#' starts a comment only at the start of a word (runs/r50#2 is a word).
            words = shlex.split(re.split(r"(?:^|\s)#", line, maxsplit=1)[0])
            if words and words[0] == "accelscope":
                cmds.append(words[1:])
    return cmds


@pytest.mark.slow
def test_cli_tour_commands_succeed(cli, tmp_path):
    import shutil

    cmds = _tour_commands()
    assert len(cmds) >= 8
    workdir = tmp_path / "work"
    shutil.copytree(REPO / "examples", workdir / "examples")
    onnx_file = None
    for args in cmds:
        if "model.onnx" in args:
            if onnx_file is None:
                onnx_file = _export_small_onnx(tmp_path / "model.onnx")
            args = [str(onnx_file) if a == "model.onnx" else a for a in args]
        # Run where a user would, in a scratch copy, so outputs stay out of the repository.
        res = cli(*args, cwd=workdir)
        assert res.code == 0, (args, res.stderr)
        assert res.stdout.strip(), args


def _export_small_onnx(path):
    """A 1-input CNN whose graph input is named `input`, as in the README example."""
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 224, 224])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 8, 112, 112])
    w = helper.make_tensor("w", TensorProto.FLOAT, [8, 3, 3, 3], [0.0] * 216)
    node = helper.make_node(
        "Conv", ["input", "w"], ["y"], name="conv", pads=[1, 1, 1, 1], strides=[2, 2]
    )
    graph = helper.make_graph([node], "g", [x], [y], initializer=[w])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path
