"""Symbiotic training: block masks, grow/prune steps, the hardware in the loop, and
determinism/resume (the tiny configuration; seconds on 2 cores)."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch

from accelscope.codesign.symbiotic import TINY, density_schedule, run_symbiotic
from accelscope.codesign.symbiotic import masks as M
from accelscope.codesign.symbiotic.hardware import (
    ir_network,
    latency_s,
    sparse_arch,
    staircase_move,
)
from accelscope.codesign.symbiotic.loop import _Run
from accelscope.codesign.symbiotic.model import StackedLSTM, full_masks, prunable, resize
from accelscope.errors import SpecError

TINY1 = dataclasses.replace(TINY, rounds=1, finetune_steps=2)


def test_block_masks_hand_derived():
    # A 5 x 6 weight in blocks of (k=4 inputs, n=2 outputs): 3 x 2 blocks, the last
    # row of blocks one output high and the last column two inputs wide.
    shape, block = (5, 6), (4, 2)
    assert M.mask_shape(shape, block) == (3, 2)
    sizes = M.block_elements(shape, block)
    assert sizes.tolist() == [[8, 4], [8, 4], [4, 2]]
    mask = torch.tensor([[True, False], [False, True], [True, False]])
    assert M.density(mask, shape, block) == pytest.approx((8 + 4 + 4) / 30)
    elem = M.expand(mask, shape, block)
    assert elem.shape == shape and elem.sum() == 16 and elem[0, :4].tolist() == [1, 1, 1, 1]
    grad = torch.zeros(shape)
    grad[2, 5] = 3.0  # block (1, 1) is active: must not be chosen
    grad[0, 5] = 2.0  # block (0, 1)
    grad[4, 5] = 1.0  # block (2, 1)
    assert M.grow(mask, grad, 1, block).tolist() == [[True, True], [False, True], [True, False]]
    grown = M.grow(mask, grad, 2, block)
    assert grown.sum() == 5 and bool(grown[2, 1])
    weight = torch.zeros(shape)
    weight[0, 0], weight[4, 0], weight[3, 4] = 5.0, 1.0, 3.0  # block norms: 5, 1, 3
    assert M.prune(mask, weight, 2, block).tolist() == [
        [True, False],
        [False, True],
        [False, False],
    ]


def test_grow_and_prune_change_density_as_scheduled():
    run = _Run(TINY, None, lambda _: None)
    before = {n: int(m.sum()) for n, m in run.masks.items()}
    run.prune(0.5)
    for m in run.masks.values():
        assert int(m.sum()) == math.ceil(0.5 * m.numel())
    for n, p in prunable(run.model).items():  # masks are applied to the weights
        outside = p.detach() * (1 - M.expand(run.masks[n], tuple(p.shape), TINY.block))
        assert float(outside.abs().sum()) == 0.0
    pruned = {n: int(m.sum()) for n, m in run.masks.items()}
    run.grow()
    for n, m in run.masks.items():
        assert int(m.sum()) == pruned[n] + math.ceil(TINY.grow_fraction * m.numel())
        assert pruned[n] <= before[n]
    assert [density_schedule(TINY, r) for r in range(2)] == pytest.approx([0.5**0.5, 0.5])


def test_latency_accounting_uses_the_sparsity():
    torch.manual_seed(0)
    model = StackedLSTM(vocab=50, emb=16, hidden=(64, 64))
    masks = full_masks(model, (16, 16))
    dense = ir_network(model, masks, (16, 16), seq_len=16)
    assert all(op.sparsity is None for op in dense.layers)
    half = {n: m.clone() for n, m in masks.items()}
    for _n, m in half.items():
        m.view(-1)[: m.numel() // 2] = False
    sparse = ir_network(model, half, (16, 16), seq_len=16)
    rnn = sparse.layer("rnn1").sparsity
    assert rnn.block == (16, 16) and rnn.density == pytest.approx(0.5, abs=0.05)
    arch = sparse_arch("edge")  # 16x16 array: 16x16 blocks skip folds
    assert arch.execution.weight_sparsity == "block"
    assert latency_s(sparse, arch) < 0.75 * latency_s(dense, arch)


def test_resize_keeps_function_when_growing_and_masks_follow():
    torch.manual_seed(0)
    model = StackedLSTM(vocab=30, emb=8, hidden=(16, 16))
    masks = full_masks(model, (4, 4))
    x = torch.randint(0, 30, (2, 5))
    big, big_masks = resize(model, masks, (24, 20), (4, 4))
    assert torch.allclose(big(x), model(x), atol=1e-6)  # new units have no connections
    assert big_masks["rnn1.weight_hh_l0"].shape == (24, 6)
    assert not big_masks["rnn1.weight_hh_l0"][:, 4:].any()  # new inputs inactive


def test_staircase_move_lands_on_a_plateau_edge():
    from accelscope.codesign import sweep

    torch.manual_seed(0)
    model = StackedLSTM(vocab=50, emb=16, hidden=(100, 64))
    net = ir_network(model, full_masks(model, (16, 16)), (16, 16), seq_len=16)
    arch = sparse_arch("edge")
    width, why = staircase_move(net, arch, "rnn1", multiple=4, lo=0.75, hi=1.25, accurate=False)
    curve = sweep(net, arch, ["rnn1"], lo=0.75, hi=1.25, multiple=4).curve("rnn1")
    i = curve.at(width)
    # the wide edge: the next width up (if any) is slower, and it is at least as wide as
    # the current width
    assert width >= 100 and "up one step" in why
    assert i == len(curve.widths) - 1 or curve.latency_s[i + 1] > curve.latency_s[i] * (1 + 1e-6)


def test_run_is_deterministic_and_resume_gives_identical_results(tmp_path):
    full = run_symbiotic(TINY, tmp_path / "a")
    again = run_symbiotic(TINY, None)
    part = run_symbiotic(TINY, tmp_path / "b", stop_after_round=1)
    assert part.history[-1]["phase"] == "round 1"
    resumed = run_symbiotic(TINY, tmp_path / "b")

    def strip(history):
        return [{k: v for k, v in row.items() if k != "seconds"} for row in history]

    for other in (again, resumed):
        assert strip(other.history) == strip(full.history)
        assert other.model.hidden == full.model.hidden
        a, b = full.model.state_dict(), other.model.state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a)
    final = full.final
    assert final["phase"] == "fine-tune" and final["density"] < 1.0
    assert json.loads((tmp_path / "a" / "history.json").read_text())[-1]["phase"] == "fine-tune"
    # the checkpoint holds only safe types
    torch.load(tmp_path / "a" / "state.pt", weights_only=True)


def test_checkpoint_of_another_configuration_or_damaged_is_one_clear_error(tmp_path):
    run_symbiotic(TINY1, tmp_path / "c", stop_after_round=0)
    with pytest.raises(SpecError, match="another configuration"):
        run_symbiotic(dataclasses.replace(TINY1, seed=1), tmp_path / "c")
    (tmp_path / "c" / "state.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(SpecError, match="cannot be read"):
        run_symbiotic(TINY1, tmp_path / "c")


def test_train_symbiotic_cli_tiny_json_and_resume(tmp_path):
    from tests.conftest import run_cli

    out = tmp_path / "run"
    r = run_cli("train-symbiotic", "--tiny", "--out", str(out), "--json")
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc["kind"] == "train-symbiotic" and doc["final"]["phase"] == "fine-tune"
    assert [h["phase"] for h in doc["history"]] == [
        "dense", "warm-up", "round 1", "round 2", "fine-tune",
    ]  # fmt: skip
    again = run_cli("train-symbiotic", "--tiny", "--out", str(out), "--json")
    assert again.json()["final"] == doc["final"]  # a finished run is read back, not redone
    other = run_cli("train-symbiotic", "--tiny", "--out", str(out), "--seed", "4")
    assert other.code == 2 and "another configuration" in other.stderr
    bad = run_cli("train-symbiotic", "--tiny", "--block", "16")
    assert bad.code == 2 and "--block '16'" in bad.stderr


def test_experiment_document_matches_the_default_configuration():
    """docs/experiments/symbiotic.md is generated by experiments/symbiotic.py (minutes):
    it must describe the configuration the code has now."""
    from accelscope.codesign.symbiotic import SymbioticConfig
    from tests.conftest import REPO

    cfg = SymbioticConfig()
    doc = (REPO / "docs" / "experiments" / "symbiotic.md").read_text()
    assert f"LSTM {cfg.hidden[0]} → LSTM {cfg.hidden[1]}" in doc
    assert f"{cfg.total_steps} steps" in doc and f"{cfg.warmup_steps} dense warm-up" in doc
    assert f"density falling geometrically to {cfg.final_density}" in doc
    assert f"latency staircase of `{cfg.archs[0]}`" in doc
    assert (REPO / "docs" / "experiments" / "symbiotic_curves.png").stat().st_size > 10_000


@pytest.mark.slow
def test_experiment_script_tiny_writes_document_and_figure(tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO

    out = tmp_path / "sym.md"
    proc = subprocess.run(
        [sys.executable, str(REPO / "experiments" / "symbiotic.py"), "--tiny", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    assert "| non-zero parameters |" in text and "rank correlation" in text
    assert (tmp_path / "sym_curves.png").stat().st_size > 10_000
