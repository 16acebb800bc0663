"""``accelscope train-symbiotic``: hardware-guided grow-and-prune training of a stacked
LSTM language model (accelscope.codesign.symbiotic), resumable from ``--out``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from accelscope.commands.common import JsonOpt, emit_json, out, provenance
from accelscope.errors import SpecError


def _pair(text: str, what: str, cast=int) -> tuple:
    try:
        a, b = (cast(x) for x in text.split(","))
    except ValueError:
        raise SpecError(f"{what} '{text}': expected two comma-separated numbers") from None
    if a <= 0 or b <= 0:
        raise SpecError(f"{what} '{text}': both must be positive")
    return a, b


def command(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Checkpoint directory: saved after every round, resumed."),
    ] = None,
    hidden: Annotated[
        str | None, typer.Option("--hidden", help="Starting hidden sizes H1,H2 (192,192).")
    ] = None,
    density: Annotated[
        float | None, typer.Option("--density", help="Final weight density (0.25).")
    ] = None,
    block: Annotated[
        str | None, typer.Option("--block", help="Weight block K,N (16,16); 1,1: unstructured.")
    ] = None,
    rounds: Annotated[
        int | None, typer.Option("--rounds", min=1, max=1000, help="Grow/prune rounds (4).")
    ] = None,
    arch: Annotated[
        list[str] | None,
        typer.Option(
            "--arch", help="Accelerator (repeatable); the first steers hidden-size moves."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, max=2**31 - 1, help="Seed.")] = 0,
    tiny: Annotated[
        bool, typer.Option("--tiny", help="The seconds-long configuration (a smoke run).")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Symbiotic training: grow connections by gradient, prune blocks by magnitude to a
    density target, and move hidden sizes along the accelerator's latency staircase, on a
    character-level LSTM language model of the Python documentation text."""
    from accelscope.codesign.symbiotic import TINY, SymbioticConfig, run_symbiotic
    from accelscope.console import Table
    from accelscope.fmt import seconds

    cfg = TINY if tiny else SymbioticConfig()
    changes: dict = {"seed": seed}
    if hidden:
        changes["hidden"] = _pair(hidden, "--hidden")
    if block:
        changes["block"] = _pair(block, "--block")
    if density is not None:
        if not 0 < density <= 1:
            raise SpecError(f"--density must be in (0, 1], got {density:g}")
        changes["final_density"] = density
    if rounds is not None:
        changes["rounds"] = rounds
    if arch:
        from accelscope.targets.asic.arch import load_arch

        for a in arch:
            load_arch(a)  # unknown names fail here, before training
        changes["archs"] = tuple(arch)
    cfg = dataclasses.replace(cfg, **changes)
    log = (lambda _: None) if json_out else (lambda s: out.print(s, markup=False))
    result = run_symbiotic(cfg, out_dir, log=log)
    doc = {
        "kind": "train-symbiotic",
        "config": dataclasses.asdict(cfg),
        "history": result.history,
        "final": result.final,
        "checkpoint": str(out_dir) if out_dir else None,
        "provenance": provenance(),
    }
    if json_out:
        emit_json(doc)
        return
    first, last = result.history[0], result.final
    table = Table(title="symbiotic training: start and end")
    for col in ("", "hidden", "density", "non-zero params", "val ppl", *last["latency_s"]):
        table.add_column(col, justify="left" if not col else "right")
    for label, row in (("start", first), ("end", last)):
        table.add_row(
            label,
            str(row["hidden"]),
            f"{row['density']:.3f}",
            f"{row['nonzero_params']:,}",
            f"{row['val_ppl']:.3f}",
            *(seconds(v) for v in row["latency_s"].values()),
        )
    out.print(table)
    if out_dir:
        out.print(f"checkpoint and history.json in {out_dir}", markup=False)
