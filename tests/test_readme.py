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


def _tour_chains(cmds: list[list[str]]) -> list[list[list[str]]]:
    """The tour's commands in chains that run in order: a command that reads what an earlier
    one wrote (its ``--out`` or ``-o`` path, or a run's ``#rank``) joins that command's chain;
    every other command starts a chain of its own. Chains are independent, so they run as
    separate tests (in parallel under pytest-xdist)."""
    chains: list[list[list[str]]] = []
    written: dict[str, int] = {}
    for args in cmds:
        readers = [
            i
            for path, i in written.items()
            if any(a == path or a.startswith((path + "#", path + "/")) for a in args)
        ]
        index = readers[0] if readers else len(chains)
        if index == len(chains):
            chains.append([])
        chains[index].append(args)
        for flag in ("--out", "-o"):
            if flag in args:
                written[args[args.index(flag) + 1]] = index
    return chains


TOUR_CHAINS = _tour_chains(_tour_commands())


def test_tour_is_long_enough_and_chains_cover_it():
    cmds = _tour_commands()
    assert len(cmds) >= 8
    assert sorted(map(tuple, (c for chain in TOUR_CHAINS for c in chain))) == sorted(
        map(tuple, cmds)
    )
    # the commands that read runs/r50 (export its second design, evaluate that design, compare
    # against it, report it) run after the explore that writes it
    r50 = next(chain for chain in TOUR_CHAINS if "runs/r50" in chain[0])
    assert len(r50) >= 4 and all(
        any(a.startswith(("runs/r50", "second.yaml")) for a in c) for c in r50[1:]
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "chain", TOUR_CHAINS, ids=[" ".join(chain[0][:4])[:48] for chain in TOUR_CHAINS]
)
def test_cli_tour_commands_succeed(cli, tmp_path, chain):
    import shutil

    workdir = tmp_path / "work"
    shutil.copytree(REPO / "examples", workdir / "examples")
    onnx_file = None
    for args in chain:
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
