"""The symbiotic training loop: dense warm-up, then rounds of (a) gradient-based growth
and masked training, (b) magnitude pruning to a scheduled density and masked training,
(c) a hidden-size move on the hardware's latency staircase, decided on the validation
perplexity at the end of the round; then fine-tuning.

Every candidate's latency comes from the cost model with its sparsity (the hardware
variant that skips all-zero weight blocks, :func:`hardware.sparse_arch`). Deterministic
for a seed (one generator for data, ``torch.manual_seed`` for initialization, a fixed
thread count) and resumable: after each round the state is written to the checkpoint
directory (``state.pt``: tensors, numbers, strings and lists only, read back with
``torch.load(weights_only=True)``; ``history.json``, a readable copy of the history,
written after it), and a run with the same
configuration continues from the last finished round with identical results.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accelscope.codesign.symbiotic import masks as M
from accelscope.codesign.symbiotic.data import load_corpus, perplexity, random_batch
from accelscope.codesign.symbiotic.hardware import (
    ir_network,
    latency_s,
    sparse_arch,
    staircase_move,
)
from accelscope.codesign.symbiotic.model import (
    StackedLSTM,
    apply_masks,
    full_masks,
    nonzero_params,
    prunable,
    resize,
)
from accelscope.errors import SpecError


@dataclass(frozen=True)
class SymbioticConfig:
    """Sizes, schedule and hardware of one run (the defaults are the experiment's)."""

    hidden: tuple[int, int] = (192, 192)
    emb: int = 32
    seq_len: int = 64
    batch: int = 32
    lr: float = 3e-3
    warmup_steps: int = 300
    rounds: int = 4
    steps_per_round: int = 120
    finetune_steps: int = 120
    final_density: float = 0.25
    grow_fraction: float = 0.05  # of each tensor's blocks, activated per round
    grow_batches: int = 4
    block: tuple[int, int] = (16, 16)  # (k, n): inputs x outputs of a weight block
    archs: tuple[str, ...] = ("edge", "nvdla-large")  # the first one steers the moves
    multiple: int = 8
    move_range: tuple[float, float] = (0.75, 1.25)
    ppl_tolerance: float = 0.02
    val_chars: int = 60_000
    train_chars: int | None = None
    infer_seq_len: int = 64
    threads: int = 2
    seed: int = 0

    @property
    def total_steps(self) -> int:
        return self.warmup_steps + self.rounds * self.steps_per_round + self.finetune_steps

    def check(self) -> None:
        if not 0 < self.final_density <= 1:
            raise SpecError(f"final_density must be in (0, 1], got {self.final_density}")
        if not 0 <= self.grow_fraction < 1:
            raise SpecError(f"grow_fraction must be in [0, 1), got {self.grow_fraction}")
        if self.rounds < 1 or min(self.hidden) < 1 or self.multiple < 1:
            raise SpecError("rounds, hidden sizes and multiple must be positive")
        if not self.archs:
            raise SpecError("at least one accelerator is needed (archs)")


#: A small configuration for tests and smoke runs (seconds on 2 cores).
TINY = SymbioticConfig(
    hidden=(48, 40),
    emb=16,
    seq_len=24,
    batch=8,
    warmup_steps=10,
    rounds=2,
    steps_per_round=8,
    finetune_steps=6,
    final_density=0.5,
    grow_fraction=0.1,
    grow_batches=1,
    block=(8, 8),
    multiple=8,
    val_chars=2_000,
    train_chars=20_000,
    infer_seq_len=16,
)


@dataclass
class SymbioticResult:
    """The trained model, its masks and the history (one row per phase)."""

    config: SymbioticConfig
    model: Any
    masks: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def final(self) -> dict[str, Any]:
        return self.history[-1]


def density_schedule(cfg: SymbioticConfig, round_index: int) -> float:
    """Target density after round *round_index* (0-based): geometric from 1 to
    ``final_density`` over the rounds."""
    return cfg.final_density ** ((round_index + 1) / cfg.rounds)


class _Run:
    def __init__(self, cfg: SymbioticConfig, checkpoint: Path | None, log: Callable) -> None:
        import torch

        cfg.check()
        self.cfg, self.checkpoint, self.log = cfg, checkpoint, log
        self.torch = torch
        torch.set_num_threads(cfg.threads)
        self.corpus = load_corpus(cfg.val_chars, cfg.train_chars)
        self.archs = [sparse_arch(a) for a in cfg.archs]
        self.gen = torch.Generator().manual_seed(cfg.seed)
        torch.manual_seed(cfg.seed)
        self.model = StackedLSTM(self.corpus.vocab, cfg.emb, cfg.hidden)
        self.opt = self._optimizer()
        self.masks = full_masks(self.model, cfg.block)
        self.history: list[dict[str, Any]] = []
        self.ref_ppl = math.nan
        self.next_round = -1  # -1: warm-up still to do

    # ---- training ---------------------------------------------------------------------
    def _optimizer(self) -> Any:
        """Adam over the current parameters: one optimizer for the whole run, rebuilt
        only when a hidden-size move replaces the parameters (a fresh Adam's first steps
        are large and would undo training at every phase)."""
        return self.torch.optim.Adam(self.model.parameters(), lr=self.cfg.lr)

    def train(self, steps: int) -> float:
        torch, cfg = self.torch, self.cfg
        opt = self.opt
        loss = torch.zeros(())
        for _ in range(steps):
            x, y = random_batch(self.corpus.train, cfg.batch, cfg.seq_len, self.gen)
            logits = self.model(x)
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), y.reshape(-1)
            )
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            opt.step()
            apply_masks(self.model, self.masks, cfg.block)
        return float(loss.detach())

    def grow(self) -> None:
        torch, cfg = self.torch, self.cfg
        params = prunable(self.model)
        grads = {n: torch.zeros_like(p) for n, p in params.items()}
        for _ in range(cfg.grow_batches):
            x, y = random_batch(self.corpus.train, cfg.batch, cfg.seq_len, self.gen)
            logits = self.model(x)
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), y.reshape(-1)
            )
            self.model.zero_grad()
            loss.backward()
            for n, p in params.items():
                grads[n] += p.grad.abs()
        self.model.zero_grad()
        for n, m in self.masks.items():
            count = math.ceil(cfg.grow_fraction * m.numel())
            self.masks[n] = M.grow(m, grads[n], count, cfg.block)

    def prune(self, target: float) -> None:
        cfg = self.cfg
        for n, p in prunable(self.model).items():
            keep = math.ceil(target * self.masks[n].numel())
            self.masks[n] = M.prune(self.masks[n], p, keep, cfg.block)
        apply_masks(self.model, self.masks, cfg.block)

    def move(self, val_ppl: float) -> dict[str, Any]:
        cfg = self.cfg
        accurate = val_ppl <= self.ref_ppl * (1 + cfg.ppl_tolerance)
        net = ir_network(self.model, self.masks, cfg.block, cfg.infer_seq_len)
        hidden, reasons = list(self.model.hidden), []
        for i, layer in enumerate(("rnn1", "rnn2")):
            width, why = staircase_move(
                net,
                self.archs[0],
                layer,
                multiple=cfg.multiple,
                lo=cfg.move_range[0],
                hi=cfg.move_range[1],
                accurate=accurate,
            )
            hidden[i] = width
            reasons.append(why)
        if tuple(hidden) != self.model.hidden:
            self.model, self.masks = resize(self.model, self.masks, tuple(hidden), cfg.block)
            self.opt = self._optimizer()
        return {"accurate": accurate, "move": reasons}

    # ---- records ----------------------------------------------------------------------
    def record(self, phase: str, step: int, loss: float | None, **extra: Any) -> dict[str, Any]:
        cfg = self.cfg
        net = ir_network(self.model, self.masks, cfg.block, cfg.infer_seq_len)
        total = sum(p.numel() for p in prunable(self.model).values())
        active = sum(
            M.density(self.masks[n], tuple(p.shape), cfg.block) * p.numel()
            for n, p in prunable(self.model).items()
        )
        row = {
            "phase": phase,
            "step": step,
            "hidden": list(self.model.hidden),
            "train_loss": loss,
            "val_ppl": perplexity(self.model, self.corpus.val, cfg.seq_len),
            "density": active / total,
            "params": sum(p.numel() for p in self.model.parameters()),
            "nonzero_params": nonzero_params(self.model),
            "latency_s": {a.name: latency_s(net, a) for a in self.archs},
            **extra,
        }
        self.history.append(row)
        self.log(
            f"{phase:>9} step {step:5d}: hidden {row['hidden']}, density "
            f"{row['density']:.3f}, val ppl {row['val_ppl']:.3f}"
        )
        return row

    @property
    def steps_done(self) -> int:
        return self.history[-1]["step"] if self.history else 0

    # ---- checkpoint -------------------------------------------------------------------
    def save(self) -> None:
        if self.checkpoint is None:
            return
        torch = self.torch
        state = {
            "next_round": self.next_round,
            "hidden": list(self.model.hidden),
            "model": self.model.state_dict(),
            "optimizer": self.opt.state_dict(),
            "masks": dict(self.masks),
            "generator": self.gen.get_state(),
            "torch_rng": torch.get_rng_state(),
            "ref_ppl": self.ref_ppl,
            "history": self.history,  # plain numbers, strings and lists: weights_only-safe
        }
        tmp = self.checkpoint / "state.pt.tmp"
        torch.save(state, tmp)
        os.replace(tmp, self.checkpoint / "state.pt")
        _write_json(self.checkpoint / "history.json", self.history)

    def load(self) -> bool:
        if self.checkpoint is None or not (self.checkpoint / "state.pt").exists():
            return False
        torch = self.torch
        try:
            state = torch.load(self.checkpoint / "state.pt", weights_only=True)
            history = list(state["history"])
        except Exception as exc:  # noqa: BLE001 - any damage is one clear error
            raise SpecError(
                f"{self.checkpoint}: the checkpoint cannot be read ({exc}); remove the "
                "directory to start over"
            ) from None
        self.model = StackedLSTM(self.corpus.vocab, self.cfg.emb, tuple(state["hidden"]))
        self.model.load_state_dict(state["model"])
        self.opt = self._optimizer()
        self.opt.load_state_dict(state["optimizer"])
        self.masks = dict(state["masks"])
        self.gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        self.ref_ppl = float(state["ref_ppl"])
        self.next_round = int(state["next_round"])
        self.history = history
        return True

    # ---- the schedule -----------------------------------------------------------------
    def run(self, stop_after_round: int | None = None) -> SymbioticResult:
        cfg = self.cfg
        if self.load():
            self.log(f"resumed from {self.checkpoint} before round {self.next_round + 1}")
        if self.next_round < 0:
            self.record("dense", 0, None)
            loss = self.train(cfg.warmup_steps)
            row = self.record("warm-up", cfg.warmup_steps, loss)
            self.ref_ppl = row["val_ppl"]
            self.next_round = 0
            self.save()
        half = cfg.steps_per_round // 2
        while self.next_round < cfg.rounds:
            r = self.next_round
            t0 = time.perf_counter()
            self.grow()
            loss = self.train(half)
            self.prune(density_schedule(cfg, r))
            loss = self.train(cfg.steps_per_round - half)
            val = perplexity(self.model, self.corpus.val, cfg.seq_len)
            moved = self.move(val)  # the next round trains the new size
            self.record(
                f"round {r + 1}",
                self.steps_done + cfg.steps_per_round,
                loss,
                target_density=density_schedule(cfg, r),
                val_ppl_before_move=val,
                seconds=time.perf_counter() - t0,
                **moved,
            )
            self.next_round = r + 1
            self.save()
            if stop_after_round is not None and self.next_round >= stop_after_round:
                return self.result()
        if self.history[-1]["phase"] != "fine-tune":
            loss = self.train(cfg.finetune_steps)
            self.record("fine-tune", self.steps_done + cfg.finetune_steps, loss)
            self.save()
        return self.result()

    def result(self) -> SymbioticResult:
        return SymbioticResult(self.cfg, self.model, self.masks, self.history)


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=float))
    os.replace(tmp, path)


def train_dense(
    cfg: SymbioticConfig, *, log: Callable[[str], None] = lambda _: None
) -> SymbioticResult:
    """The baseline: the same model, data and seed trained dense for as many steps as a
    symbiotic run (``cfg.total_steps``), with no growth, pruning or moves."""
    run = _Run(cfg, None, log)
    run.record("dense", 0, None)
    loss = run.train(cfg.total_steps)
    run.record("trained", cfg.total_steps, loss)
    return run.result()


def run_symbiotic(
    cfg: SymbioticConfig,
    checkpoint: Path | None = None,
    *,
    log: Callable[[str], None] = lambda _: None,
    stop_after_round: int | None = None,
) -> SymbioticResult:
    """Run symbiotic training (module docstring). With *checkpoint*, the state is saved
    after the warm-up and every round, and an existing checkpoint of the same
    configuration is resumed (another configuration is an error)."""
    if checkpoint is not None:
        checkpoint.mkdir(parents=True, exist_ok=True)
        cfg_file = checkpoint / "config.json"
        mine = json.loads(json.dumps(dataclasses.asdict(cfg)))
        if cfg_file.exists():
            theirs = json.loads(cfg_file.read_text())
            if theirs != mine:
                raise SpecError(
                    f"{checkpoint}: holds a run of another configuration; use another "
                    "directory or remove it"
                )
        else:
            _write_json(cfg_file, mine)
    return _Run(cfg, checkpoint, log).run(stop_after_round)
