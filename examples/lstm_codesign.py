"""Hardware-guided hidden sizes for a character-level LSTM language model.

Trains a 2-layer character LSTM language model on English text that ships with every
CPython installation — the pydoc topic help texts in ``pydoc_data/topics.py`` (the
Python reference documentation rendered as plain text, ~0.7 MB) — three times:

* **original** hidden sizes (a typical hand-picked choice, 100 and 100);
* **max-params** plan: the widths accelscope plans on accelerator A so that parameters
  are maximized with modeled latency <= the original's;
* **min-latency** plan: the fastest widths on accelerator A keeping >= 90% of the
  original parameters.

It reports validation perplexity (per character), parameter counts and modeled latency on
two accelerators (A = ``edge``, a Gemmini-like 16x16 array; B = ``nvdla-large``, 64x32),
and optionally (``--cpu``) the measured latency of single LSTM layers of varying hidden
size on this machine's CPU with PyTorch. Results go to ``docs/experiments/codesign.md``.

Run: ``python examples/lstm_codesign.py --cpu`` (3-8 minutes on 2 CPU cores);
``--tiny`` is the few-second configuration used by the test suite.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from accelscope.codesign import make_plan, recommend, sweep
from accelscope.codesign.resize_torch import resize_module
from accelscope.codesign.symbiotic.data import CORPUS_SOURCE, load_corpus, perplexity
from accelscope.targets.asic.arch import load_arch
from accelscope.targets.asic.cost import evaluate
from accelscope.workload import from_torch

REPO = Path(__file__).resolve().parents[1]
DATA_SOURCE = CORPUS_SOURCE


@dataclass
class Config:
    hidden: tuple[int, int] = (100, 100)
    emb: int = 32
    seq_len: int = 64
    batch: int = 32
    steps: int = 1200
    lr: float = 3e-3
    val_chars: int = 60_000
    train_chars: int | None = None
    infer_seq_len: int = 64
    arch_a: str = "edge"
    arch_b: str = "nvdla-large"
    multiple: int = 8
    seed: int = 0


TINY = Config(
    hidden=(40, 36),
    emb=16,
    seq_len=32,
    batch=8,
    steps=15,
    val_chars=3_000,
    train_chars=30_000,
    multiple=4,
)


class CharLSTM(nn.Module):
    """Embedding -> LSTM(h1) -> LSTM(h2) -> Linear(vocab)."""

    def __init__(self, vocab: int, emb: int, h1: int, h2: int):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.rnn1 = nn.LSTM(emb, h1, batch_first=True)
        self.rnn2 = nn.LSTM(h1, h2, batch_first=True)
        self.dec = nn.Linear(h2, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.rnn1(self.emb(x))
        y, _ = self.rnn2(y)
        return self.dec(y)


def train(model: nn.Module, data: torch.Tensor, cfg: Config) -> float:
    """Train with Adam on random windows; returns the wall time (s)."""
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    start = time.perf_counter()
    for _ in range(cfg.steps):
        idx = torch.randint(0, len(data) - cfg.seq_len - 1, (cfg.batch,), generator=gen)
        x = torch.stack([data[i : i + cfg.seq_len] for i in idx.tolist()])
        y = torch.stack([data[i + 1 : i + cfg.seq_len + 1] for i in idx.tolist()])
        logits = model(x)
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    return time.perf_counter() - start


def measure_cpu(widths: list[int], cfg: Config, repeats: int = 15) -> list[tuple[int, float]]:
    """Median CPU latency (s) of one LSTM layer (input 64) over infer_seq_len steps."""
    out = []
    x = torch.randn(1, cfg.infer_seq_len, 64)
    for h in widths:
        layer = nn.LSTM(64, h, batch_first=True).eval()
        with torch.no_grad():
            for _ in range(3):
                layer(x)
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                layer(x)
                times.append(time.perf_counter() - t0)
        out.append((h, sorted(times)[len(times) // 2]))
    return out


def run(cfg: Config, out_md: Path | None, cpu: bool = False) -> dict:
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(2)
    corpus = load_corpus(cfg.val_chars, cfg.train_chars)
    val, train_data, vocab = corpus.val, corpus.train, corpus.vocab
    sample = torch.zeros(1, cfg.infer_seq_len, dtype=torch.long)  # inference: batch 1

    base = CharLSTM(vocab, cfg.emb, *cfg.hidden)
    net = from_torch(base, (sample,), name="char-lstm")
    arch_a, arch_b = load_arch(cfg.arch_a), load_arch(cfg.arch_b)
    result = sweep(net, arch_a, ["rnn1", "rnn2"], multiple=cfg.multiple)
    advice = {c.name: [r.text for r in recommend(c)] for c in result.curves}
    plans = {
        "max-params": make_plan(net, arch_a, result, "max-params"),
        "min-latency": make_plan(net, arch_a, result, "min-latency", min_params_fraction=0.9),
    }
    variants = {"original": dict(zip(("rnn1", "rnn2"), cfg.hidden, strict=True))}
    variants.update({goal: dict(p.widths) for goal, p in plans.items()})

    rows = []
    for label, widths in variants.items():
        torch.manual_seed(cfg.seed)
        model = CharLSTM(vocab, cfg.emb, widths["rnn1"], widths["rnn2"])
        ir = from_torch(model, (sample,), name=label)
        if label != "original":  # the reshaped module imports to exactly the planned IR
            _, planned = resize_module(base, (sample,), widths, network=net)
            assert [
                op.model_dump(exclude={"name"}) for op in planned.layers if op.kind != "shape"
            ] == [op.model_dump(exclude={"name"}) for op in ir.layers if op.kind != "shape"]
        seconds = train(model, train_data, cfg)
        rows.append(
            {
                "model": label,
                "hidden": [widths["rnn1"], widths["rnn2"]],
                "params": sum(p.numel() for p in model.parameters()),
                "val_ppl": perplexity(model, val, cfg.seq_len),
                "latency_a_s": evaluate(ir, arch_a).latency_s,
                "latency_b_s": evaluate(ir, arch_b).latency_s,
                "train_s": seconds,
            }
        )
    doc = {
        "data": DATA_SOURCE,
        "train_chars": len(train_data),
        "val_chars": len(val),
        "vocab": vocab,
        "config": cfg.__dict__,
        "advice": advice,
        "plans": {g: p.to_dict() for g, p in plans.items()},
        "rows": rows,
    }
    if cpu:
        doc["cpu"] = measure_cpu(list(range(64, 161, 4)), cfg)
    if out_md is not None:
        out_md.parent.mkdir(parents=True, exist_ok=True)
        out_md.write_text(markdown(doc, arch_a.name, arch_b.name))
    return doc


def markdown(doc: dict, a: str, b: str) -> str:
    cfg = doc["config"]
    lines = [
        "# Experiment: hardware-guided LSTM hidden sizes",
        "",
        "Generated by `python examples/lstm_codesign.py` (do not edit by hand).",
        "",
        f"* Data: {doc['data']}; {doc['train_chars']:,} training and {doc['val_chars']:,} "
        f"validation characters, vocabulary {doc['vocab']}.",
        f"* Model: Embedding({cfg['emb']}) -> LSTM(h1) -> LSTM(h2) -> Linear; trained "
        f"{cfg['steps']} Adam steps (lr {cfg['lr']}, batch {cfg['batch']} x {cfg['seq_len']} "
        "characters), same seed for every model.",
        f"* Modeled latency: inference of one {cfg['infer_seq_len']}-character sequence "
        f"(batch 1) on accelerator A = `{a}` and B = `{b}`. Plans are made on A with widths "
        f"in multiples of {cfg['multiple']} within 50-150% of the original.",
        "",
        "| model | hidden (h1, h2) | params | val. perplexity | latency A | latency B |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in doc["rows"]:
        lines.append(
            f"| {r['model']} | {r['hidden'][0]}, {r['hidden'][1]} | {r['params']:,} | "
            f"{r['val_ppl']:.3f} | {r['latency_a_s'] * 1e6:.1f} µs | "
            f"{r['latency_b_s'] * 1e6:.1f} µs |"
        )
    lines += ["", "Per-layer advice on A for the original model:", ""]
    for name, recs in doc["advice"].items():
        lines.append(f"* `{name}`: " + ("; ".join(recs) or "none"))
    if "cpu" in doc:
        lines += [
            "",
            "Measured CPU latency of one LSTM layer (input 64, "
            f"{cfg['infer_seq_len']} steps, batch 1, median of 15, 2 threads):",
            "",
            "| hidden | latency |",
            "|---:|---:|",
        ]
        lines += [f"| {h} | {t * 1e6:.0f} µs |" for h, t in doc["cpu"]]
    lines += [
        "",
        "Notes: one training run per model (seed 0), so perplexity differences of a few "
        "hundredths are not established as significant; the plans optimize modeled latency "
        "on A only, so B can move either way; CPU timings come from a shared machine and "
        "are noisy (rerun with `--cpu`).",
    ]
    lines += ["", "Raw results:", "", "```json", json.dumps(doc["rows"], indent=2), "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="few-second configuration (tests)")
    parser.add_argument("--steps", type=int, default=None, help="training steps per model")
    parser.add_argument("--cpu", action="store_true", help="also measure CPU LSTM latency")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "docs" / "experiments" / "codesign.md",
        help="markdown results file",
    )
    args = parser.parse_args(argv)
    cfg = TINY if args.tiny else Config()
    if args.steps is not None:
        cfg.steps = args.steps
    doc = run(cfg, args.out, cpu=args.cpu)
    for r in doc["rows"]:
        print(
            f"{r['model']:12s} hidden {r['hidden']} params {r['params']:>8,} "
            f"ppl {r['val_ppl']:.3f} latency A {r['latency_a_s'] * 1e6:.1f} us "
            f"B {r['latency_b_s'] * 1e6:.1f} us (train {r['train_s']:.0f} s)"
        )
    return doc


if __name__ == "__main__":
    main()
