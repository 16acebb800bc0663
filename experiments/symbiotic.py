"""Reference experiment for hardware-guided symbiotic training.

Regenerates ``docs/experiments/symbiotic.md`` and its figure:

    .venv/bin/python experiments/symbiotic.py            # 3 seeds, about 10-15 min on 2 cores
    .venv/bin/python experiments/symbiotic.py --tiny     # seconds: the mechanics only

For every seed, a dense stacked-LSTM character language model (the baseline) and a
symbiotic run from the same initialization, data and step count (accelscope.codesign.
symbiotic): parameters, density, modeled latency on two accelerators (with and without
hardware that skips all-zero weight blocks), measured CPU latency of the PyTorch module,
and validation perplexity, each as mean +- standard deviation over the seeds; and the
training curves (perplexity, density, modeled latency against training steps).
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import statistics
import time
from pathlib import Path

import torch

from accelscope.codesign.symbiotic import TINY, SymbioticConfig, run_symbiotic, train_dense
from accelscope.codesign.symbiotic.data import CORPUS_SOURCE
from accelscope.codesign.symbiotic.hardware import ir_network, latency_s
from accelscope.measure import time_callable
from accelscope.targets.asic.arch import load_arch

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "experiments" / "symbiotic.md"
FIGURE = ROOT / "docs" / "experiments" / "symbiotic_curves.png"
SEEDS = (0, 1, 2)
#: Variants: the dense baseline, and symbiotic training with weight blocks the 16x16
#: array can skip or with unstructured sparsity (compression only).
BLOCKED = "symbiotic, 16×16 blocks"
VARIANTS = {"dense": None, "symbiotic, 16×16 blocks": (16, 16), "symbiotic, unstructured": (1, 1)}

# Yin et al., "Hardware-guided symbiotic training for compact, accurate, yet
# execution-efficient LSTM" (stacked LSTM on Penn Treebank; abstract and results):
PUBLISHED = {"params_x": 18.0, "params_x_cpu": 30.5, "gpu_latency_x": 2.4, "cpu_latency_x": 5.2}


def cpu_latency_s(model, cfg: SymbioticConfig) -> float:
    x = torch.zeros(1, cfg.infer_seq_len, dtype=torch.long)
    model.eval()

    def call():
        with torch.inference_mode():
            return model(x)

    return time_callable(call, runs=30, warmup=5).median_s


def figures(result, cfg: SymbioticConfig) -> dict[str, float]:
    model = result.model
    net = ir_network(model, result.masks, cfg.block, cfg.infer_seq_len)
    dense_net = net.with_sparsity({op.name: None for op in net.layers if op.sparsity})
    row = {
        "params": float(result.final["nonzero_params"]),
        "density": result.final["density"],
        "val_ppl": result.final["val_ppl"],
        "cpu_ms": cpu_latency_s(model, cfg) * 1e3,
    }
    for name in cfg.archs:
        plain = load_arch(name)  # the published configuration: no sparsity support
        block = plain.model_copy(
            update={"execution": plain.execution.model_copy(update={"weight_sparsity": "block"})}
        )
        row[f"{name}_us"] = latency_s(dense_net, plain) * 1e6
        row[f"{name}+block_us"] = latency_s(net, block) * 1e6
    return row


def mean_sd(values: list[float]) -> str:
    m = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{m:.4g} ± {sd:.2g}"


def plot(runs: dict[int, dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    markers = {"symbiotic, 16×16 blocks": "o", "symbiotic, unstructured": "s"}
    for seed, pair in runs.items():
        base = [h for h in pair["dense"].history if h["phase"] != "dense"]
        axes[0].scatter(
            [h["step"] for h in base],
            [h["val_ppl"] for h in base],
            marker="x",
            color="k",
            label="dense baseline" if seed == SEEDS[0] else None,
        )
        for variant, marker in markers.items():
            hist = [h for h in pair[variant].history if h["phase"] != "dense"]
            steps = [h["step"] for h in hist]
            lab = f"{variant}, seed {seed}"
            axes[0].plot(steps, [h["val_ppl"] for h in hist], marker=marker, label=lab)
            axes[1].plot(steps, [h["density"] for h in hist], marker=marker, label=lab)
            arch = next(iter(hist[0]["latency_s"]))
            axes[2].plot(
                steps, [h["latency_s"][arch] * 1e6 for h in hist], marker=marker, label=lab
            )
    axes[0].set(xlabel="training step", ylabel="validation perplexity (per char)")
    axes[1].set(xlabel="training step", ylabel="weight density (LSTM weights)")
    axes[2].set(xlabel="training step", ylabel=f"modeled latency on {arch} (µs)")
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=6)
    axes[2].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def staircase_agreement(cfg: SymbioticConfig) -> dict:
    """The measured CPU staircase of the first LSTM's hidden size against the cost
    model's on each accelerator (dense model and dense hardware), same widths."""
    from accelscope.codesign.measured import MeasuredBackend, agreement, measured_sweep
    from accelscope.codesign.sweep import sweep_knobs
    from accelscope.codesign.symbiotic.data import load_corpus
    from accelscope.codesign.symbiotic.model import StackedLSTM
    from accelscope.workload import from_torch

    torch.manual_seed(0)
    vocab = load_corpus(cfg.val_chars, cfg.train_chars).vocab
    module = StackedLSTM(vocab, cfg.emb, cfg.hidden)
    x = torch.zeros(1, cfg.infer_seq_len, dtype=torch.long)
    net = from_torch(module, (x,), name="stacked-lstm")
    backend = MeasuredBackend("stacked-lstm", module, x, net, runs=30, warmup=5)
    # 0.75-1.4x the width: for 192 this reaches past nvdla-large's modeled cliff at 248/256
    measured = measured_sweep(backend, ["rnn1"], lo=0.75, hi=1.4, multiple=cfg.multiple)
    curve = measured.curves[0]
    out = {
        "widths": [int(w) for w in curve.widths],
        "measured_s": list(curve.latency_s),
        "margin_s": list(curve.noise_s),
        "modeled": {},
    }
    for name in cfg.archs:
        modeled = sweep_knobs(net, load_arch(name), [curve.knob], [curve.widths]).curves[0]
        out["modeled"][name] = {
            "latency_s": list(modeled.latency_s),
            "agreement": agreement(curve, modeled),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="the seconds-long configuration")
    ap.add_argument("--out", type=Path, default=DOC)
    args = ap.parse_args()
    cfg = TINY if args.tiny else SymbioticConfig()
    t0 = time.perf_counter()
    runs: dict[int, dict] = {}
    rows: dict[str, list[dict]] = {v: [] for v in VARIANTS}
    for seed in SEEDS:
        c = dataclasses.replace(cfg, seed=seed)
        print(f"seed {seed}: dense baseline", flush=True)
        runs[seed] = {"dense": train_dense(c)}
        rows["dense"].append(figures(runs[seed]["dense"], c))
        for variant, block in VARIANTS.items():
            if block is None:
                continue
            cv = dataclasses.replace(c, block=block)
            print(f"seed {seed}: {variant}", flush=True)
            runs[seed][variant] = run_symbiotic(cv, log=lambda s: print("  " + s, flush=True))
            rows[variant].append(figures(runs[seed][variant], cv))
    stairs = staircase_agreement(cfg)
    elapsed = time.perf_counter() - t0
    figure = args.out.with_name(args.out.stem + "_curves.png")
    plot(runs, figure)
    args.out.write_text(render(cfg, runs, rows, elapsed, figure.name, stairs))
    print(f"wrote {args.out} and {figure} in {elapsed:.0f} s")


def render(cfg, runs, rows, elapsed, figure_name, stairs) -> str:
    keys = [
        ("params", "non-zero parameters"),
        ("density", "weight density (LSTM weights)"),
        ("val_ppl", "validation perplexity (per character)"),
    ]
    for name in cfg.archs:
        keys.append((f"{name}_us", f"modeled latency on {name} as published (µs)"))
        keys.append((f"{name}+block_us", f"modeled latency on {name} + block skipping (µs)"))
    keys.append(("cpu_ms", "measured CPU latency, PyTorch dense kernels (ms)"))
    lines = [
        "# Hardware-guided symbiotic training: a stacked LSTM language model",
        "",
        "Generated by `experiments/symbiotic.py` "
        f"({len(SEEDS)} seeds, {elapsed / 60:.1f} min on this machine: "
        f"{platform.processor() or platform.machine()}, {cfg.threads} threads, "
        f"Python {platform.python_version()}, torch {torch.__version__}). Do not edit by hand.",
        "",
        "## Setup",
        "",
        f"* **Data**: {CORPUS_SOURCE}, character level; the last {cfg.val_chars:,} "
        "characters are the validation text. Penn Treebank, the data set of the paper, cannot "
        "be downloaded here.",
        f"* **Baseline**: embedding {cfg.emb} → LSTM {cfg.hidden[0]} → LSTM {cfg.hidden[1]} → "
        f"linear, dense, Adam (lr {cfg.lr}), batch {cfg.batch} × {cfg.seq_len} characters, "
        f"{cfg.total_steps} steps.",
        f"* **Symbiotic** (`accelscope.codesign.symbiotic`), same initialization, data order and "
        f"step count: {cfg.warmup_steps} dense warm-up steps, then {cfg.rounds} rounds of "
        f"{cfg.steps_per_round} steps — grow {cfg.grow_fraction:.0%} of each LSTM weight's "
        "blocks by gradient, train, prune by block magnitude to a density falling "
        f"geometrically to {cfg.final_density}, train, then move each LSTM's hidden size on "
        f"the latency staircase of `{cfg.archs[0]}` with block skipping (multiples of "
        f"{cfg.multiple}, within {cfg.move_range[0]}–{cfg.move_range[1]}× per move: one step "
        f"down while validation perplexity is within {cfg.ppl_tolerance:.0%} of the "
        "warm-up's, one cliff up when it is not) — then "
        f"{cfg.finetune_steps} fine-tuning steps. Two variants: **16×16 blocks** (whole "
        f"folds of `{cfg.archs[0]}`'s 16×16 array: block-skipping hardware runs only the "
        "non-zero blocks) and **unstructured** (1×1 blocks: compressed weights, every fold "
        "still runs). The embedding and the output layer stay dense.",
        "* **Latency**: modeled at batch 1 over "
        f"{cfg.infer_seq_len} characters on the presets as published (no sparsity support: "
        "only the hidden sizes count) and on the same presets with "
        "`execution.weight_sparsity: block` (a hypothetical variant that stores sparse "
        "weights compressed and skips all-zero weight blocks that cover whole folds; the "
        "decoder logic is not charged, docs/assumptions.md); measured: median of 30 timed "
        "runs of the PyTorch module "
        "(dense kernels: PyTorch does not skip zeros, so only the hidden sizes count).",
        "",
        f"## Results (mean ± standard deviation over seeds {', '.join(str(s) for s in SEEDS)})",
        "",
        "| | " + " | ".join(VARIANTS) + " |",
        "|---|" + "---|" * len(VARIANTS),
    ]
    for key, label in keys:
        cells = []
        for variant in VARIANTS:
            vals = [r[key] for r in rows[variant]]
            cell = mean_sd(vals)
            if variant != "dense":
                ratio = statistics.fmean(r[key] for r in rows["dense"]) / statistics.fmean(vals)
                cell += f" ({ratio:.2f}×)"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "In parentheses: dense ÷ symbiotic (above 1: the symbiotic model is smaller or "
        "faster; below 1 for perplexity: it is less accurate).",
        "",
        "Hidden sizes reached (seed: LSTM 1, LSTM 2): "
        + "; ".join(
            f"{variant}: "
            + ", ".join(f"{seed}: {r[variant].model.hidden}" for seed, r in runs.items())
            for variant in VARIANTS
            if variant != "dense"
        )
        + ".",
        "",
        f"![training curves]({figure_name})",
        "",
        f"## Per-round log ({BLOCKED}, seed 0)",
        "",
        "| phase | step | hidden | density | val ppl | modeled latency (µs) | move |",
        "|---|---|---|---|---|---|---|",
    ]
    for h in runs[SEEDS[0]][BLOCKED].history:
        lat = ", ".join(f"{k} {v * 1e6:.0f}" for k, v in h["latency_s"].items())
        move = "; ".join(h.get("move", [])) if h.get("move") else ""
        lines.append(
            f"| {h['phase']} | {h['step']} | {h['hidden']} | {h['density']:.3f} | "
            f"{h['val_ppl']:.3f} | {lat} | {move} |"
        )
    archs = list(stairs["modeled"])
    lines += [
        "",
        "## Measured and modeled staircases",
        "",
        f"Latency of the dense baseline as the first LSTM's hidden size varies (multiples of "
        f"{cfg.multiple}); measured: median of 30 runs on this CPU ± margin (noise floor plus "
        "half the p10–p90 spread); modeled: the cost model on the presets as published.",
        "",
        "| hidden | measured (ms) | " + " | ".join(f"{a} (µs)" for a in archs) + " |",
        "|---|---|" + "---|" * len(archs),
    ]
    for i, w in enumerate(stairs["widths"]):
        cells = [f"{stairs['modeled'][a]['latency_s'][i] * 1e6:.1f}" for a in archs]
        lines.append(
            f"| {w} | {stairs['measured_s'][i] * 1e3:.3f} ± {stairs['margin_s'][i] * 1e3:.3f} | "
            + " | ".join(cells)
            + " |"
        )
    lines.append("")
    for a in archs:
        ag = stairs["modeled"][a]["agreement"]
        rho = ag["rank_correlation"]
        lines.append(
            f"* **{a}**: modeled cliffs {ag['modeled_cliffs'] or 'none'}; measured cliffs "
            f"{ag['measured_cliffs'] or 'none'}; shared {ag['shared_cliffs'] or 'none'}; "
            "rank correlation " + ("n/a" if rho is None else f"{rho:+.2f}") + "."
        )
    lines += [
        "",
        "A cliff is where latency jumps by more than three times the curve's typical step "
        "(and beyond both points' measurement margins); see docs/codesign.md. The CPU runs "
        "PyTorch's dense kernels, whose cost grows smoothly with the hidden size, while the "
        "accelerators' folds make steps; agreement is expected in the trend (rank "
        "correlation), not in the positions of the steps.",
    ]

    def ratio(key: str, variant: str) -> float:
        return statistics.fmean(r[key] for r in rows["dense"]) / statistics.fmean(
            r[key] for r in rows[variant]
        )

    here = "; ".join(
        f"{v}: {ratio('params', v):.1f}× fewer non-zero parameters, "
        f"{ratio('cpu_ms', v):.2f}× lower measured CPU latency, "
        f"{ratio(f'{cfg.archs[0]}+block_us', v):.2f}× lower modeled latency on "
        f"{cfg.archs[0]} with block skipping, at {1 / ratio('val_ppl', v):.2f}× the "
        "baseline's perplexity"
        for v in VARIANTS
        if v != "dense"
    )
    lines += [
        "",
        "## Against the published ratios",
        "",
        f"Yin et al. report {PUBLISHED['params_x']}× ({PUBLISHED['params_x_cpu']}×) fewer "
        f"parameters and {PUBLISHED['gpu_latency_x']}× ({PUBLISHED['cpu_latency_x']}×) lower "
        "measured latency on GPU (CPU) with no accuracy loss, for a stacked LSTM on Penn "
        f"Treebank. Here — {here}. The differences:",
        "",
        "* **Data and model size.** A character-level model of a few hundred thousand "
        "parameters on 0.7 MB of documentation text, trained for minutes, against word-level "
        "models of millions of parameters on Penn Treebank trained to convergence: a small, "
        "under-trained model has far less redundancy to remove, so the density target here is "
        f"{cfg.final_density} rather than the paper's few percent.",
        "* **Hardware.** The paper measures sparse kernels on a GPU and CPU; PyTorch's dense "
        "LSTM kernels here do not skip zeros, so the measured CPU gain comes from the hidden "
        "sizes alone. The block-skipping gain is shown by the cost model on hypothetical "
        "variants of two presets.",
        "* **Schedule.** Growth, pruning and staircase moves follow the paper's structure, "
        "but the step counts are set by this experiment's 20-minute budget, not tuned.",
        "",
        "Where the symbiotic perplexity is above the baseline's, the accuracy cost is real "
        "and reported as measured; it is the price of the smaller model at this budget.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
