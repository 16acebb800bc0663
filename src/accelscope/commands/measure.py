"""``accelscope measure``: time a network's PyTorch module on this machine."""

from __future__ import annotations

from typing import Annotated

import typer

from accelscope.commands.common import JsonOpt, emit_json, out, provenance
from accelscope.console import Table
from accelscope.errors import SpecError
from accelscope.fmt import seconds


def command(
    model: Annotated[
        str,
        typer.Argument(
            help="Zoo model with a PyTorch module: resnet-18, alexnet, mobilenet-v2, lstm-lm."
        ),
    ],
    device: Annotated[str, typer.Option("--device", help="cpu | cuda.")] = "cpu",
    widths: Annotated[
        str | None,
        typer.Option("--widths", help="Comma-separated widths to sweep (lstm-lm: hidden size)."),
    ] = None,
    threads: Annotated[int, typer.Option("--threads", min=1, max=256, help="CPU threads.")] = 2,
    runs: Annotated[int, typer.Option("--runs", min=3, max=100_000, help="Timed runs.")] = 30,
    warmup: Annotated[
        int, typer.Option("--warmup", min=0, max=10_000, help="Untimed runs first.")
    ] = 5,
    json_out: JsonOpt = False,
) -> None:
    """Measured latency of MODEL's PyTorch module on this machine: median and spread of
    timed runs after warm-up, at a fixed thread count, next to the timer's noise floor."""
    from accelscope.measure.torch_model import measure_model

    sweep: list[int | None] = [None]
    if widths:
        try:
            sweep = [int(w) for w in widths.split(",") if w.strip()]
        except ValueError:
            raise SpecError(f"--widths '{widths}': expected comma-separated integers") from None
        if not sweep or any(w < 1 or w > 1 << 16 for w in sweep):
            raise SpecError(f"--widths '{widths}': widths must be between 1 and 65536")
    rows = []
    for w in sweep:
        m = measure_model(model, device=device, threads=threads, runs=runs, warmup=warmup, width=w)
        rows.append({"width": w, **m.to_dict()})
    doc = {
        "kind": "measure",
        "model": model,
        "device": device,
        "threads": threads,
        "runs": runs,
        "warmup": warmup,
        "measurements": rows,
        "provenance": provenance(),
    }
    if json_out:
        emit_json(doc)
        return
    table = Table(title=f"{model} on {device} ({threads} threads, median of {runs} runs)")
    for col in ("width", "median", "p10", "p90", "spread"):
        table.add_column(col, justify="right")
    for r in rows:
        table.add_row(
            "-" if r["width"] is None else str(r["width"]),
            seconds(r["median_s"]),
            seconds(r["p10_s"]),
            seconds(r["p90_s"]),
            f"{100 * r['spread']:.1f}%",
        )
    out.print(table)
    out.print(
        f"noise floor (timer and call overhead): {seconds(rows[0]['noise_floor_s'])}; "
        "differences smaller than the floor plus the spreads are not resolved",
        soft_wrap=True,
    )
