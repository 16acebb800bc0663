"""``accelscope codesign``: latency staircases, width recommendations and a reshaped plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accelscope.commands.common import (
    AllowUnsupportedOpt,
    BatchOpt,
    BoardOpt,
    InputShapeOpt,
    PlotlyJsOpt,
    SeqOpt,
    TargetOpt,
)


def _parse_range(text: str) -> tuple[float, float]:
    from accelscope.codesign.sweep import check_range
    from accelscope.errors import SpecError

    lo_s, sep, hi_s = text.partition(":")
    try:
        lo, hi = float(lo_s), float(hi_s)
    except ValueError:
        lo = hi = float("nan")
    if not sep or lo != lo or hi != hi:
        raise SpecError(f"--range '{text}': expected LO:HI, e.g. 0.5:1.5")
    try:
        check_range(lo, hi)
    except Exception as exc:  # CodesignError -> name the option
        raise SpecError(f"--range '{text}': {exc}") from None
    return lo, hi


def command(
    model: Annotated[str, typer.Argument(help="Zoo name, or path to a .onnx / .yaml file.")],
    arch: Annotated[
        str | None,
        typer.Option(
            "--arch", help="ASIC preset name or arch YAML, or an FPGA design YAML (default)."
        ),
    ] = None,
    target: TargetOpt = None,
    board: BoardOpt = None,
    paradigm: Annotated[
        str | None,
        typer.Option("--paradigm", help="FPGA paradigm (codesign needs generic, the default)."),
    ] = None,
    precision: Annotated[
        str | None, typer.Option("--precision", help="FPGA precision: int8 | int16 | fp32.")
    ] = None,
    layers: Annotated[
        list[str] | None,
        typer.Option("--layers", help="Layer to sweep (repeatable or comma-separated); all."),
    ] = None,
    width_range: Annotated[
        str, typer.Option("--range", help="Widths as fractions of the current, LO:HI.")
    ] = "0.5:1.5",
    multiple: Annotated[
        int,
        typer.Option(
            "--multiple", min=1, max=1 << 20, help="Widths are multiples of this (heads: divisors)."
        ),
    ] = 1,
    goal: Annotated[
        str, typer.Option("--goal", help="Plan goal: max-params | min-latency | none.")
    ] = "max-params",
    min_params: Annotated[
        float,
        typer.Option("--min-params", help="min-latency goal: keep >= this fraction of params."),
    ] = 0.9,
    min_gain: Annotated[
        float,
        typer.Option(
            "--min-gain",
            help="Keep a plan only if it improves its goal by at least this many percent.",
        ),
    ] = 1.0,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Write summary.json, curves.csv and plan.yaml here."),
    ] = None,
    batch: BatchOpt = None,
    seq_len: SeqOpt = None,
    input_shape: InputShapeOpt = None,
    allow_unsupported: AllowUnsupportedOpt = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write an HTML report to this file.")
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Also write the report's figures as PNGs.")
    ] = None,
    plotly_js: PlotlyJsOpt = "inline",
    latency: Annotated[
        str,
        typer.Option(
            "--latency",
            help="Latency from the cost model (model) or timed on this machine (measured).",
        ),
    ] = "model",
    device: Annotated[str, typer.Option("--device", help="measured: cpu | cuda.")] = "cpu",
    runs: Annotated[
        int, typer.Option("--runs", min=3, max=10_000, help="measured: timed runs per width.")
    ] = 10,
    threads: Annotated[
        int, typer.Option("--threads", min=1, max=256, help="measured: CPU threads.")
    ] = 2,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON document.", metavar="")
    ] = False,
) -> None:
    """Latency-vs-width staircases per layer, recommendations and a reshaped-network plan."""
    from accelscope.codesign import make_plan, sweep
    from accelscope.codesign.document import check_out_dir, document, write_outputs
    from accelscope.codesign.plan import GOALS
    from accelscope.commands.common import (
        emit_json,
        load_design_spec,
        load_network,
        out,
        provenance,
        write_report_if_asked,
    )
    from accelscope.errors import SpecError, suggest

    lo, hi = _parse_range(width_range)
    if multiple < 1:
        raise SpecError(f"--multiple must be a positive integer, got {multiple}")
    if goal not in (*GOALS, "none"):
        raise SpecError(
            f"--goal '{goal}': expected max-params, min-latency or none"
            f"{suggest(goal, [*GOALS, 'none'])}"
        )
    if not 0 < min_params <= 10:
        raise SpecError(f"--min-params must be a fraction > 0, got {min_params:g}")
    if not 0 <= min_gain <= 1000:
        raise SpecError(f"--min-gain must be a percentage from 0 to 1000, got {min_gain:g}")
    if out_dir is not None:
        check_out_dir(out_dir)
    if arch is not None and board is not None and not arch.lower().endswith((".yaml", ".yml")):
        raise SpecError(f"--arch {arch} is an ASIC preset; --board asks for an FPGA design")
    if board is not None and paradigm is None:
        paradigm = "generic"  # a pipeline's latency is not a per-layer sum
    if latency not in ("model", "measured"):
        raise SpecError(
            f"--latency '{latency}': expected model or measured"
            f"{suggest(latency, ['model', 'measured'])}"
        )
    spec = load_design_spec(arch or "default", target, board, paradigm, precision)
    names = [n.strip() for item in (layers or []) for n in item.split(",") if n.strip()]
    latency_of = None
    measured_doc = None
    if latency == "measured":
        result, backend, measured_doc = _measured(
            model, spec, names, lo, hi, multiple, batch, seq_len, device, runs, threads
        )
        net = backend.network
        latency_of = backend.latency_s
    else:
        net = load_network(model, batch, seq_len, input_shape, allow_unsupported)
        result = sweep(net, spec, names or None, lo=lo, hi=hi, multiple=multiple)
    plan = None
    if goal != "none":
        plan = make_plan(
            net,
            spec,
            result,
            goal,
            min_params_fraction=min_params,
            min_gain_pct=min_gain,
            latency_of=latency_of,
        )
    arch_name = spec.name if measured_doc is None else f"this machine ({device})"
    doc = document(result, plan, arch_name=arch_name, lo=lo, hi=hi, multiple=multiple)
    if measured_doc is not None:
        doc.update(measured_doc)
    doc["provenance"] = provenance()
    if out_dir is not None:
        write_outputs(out_dir, doc, plan)
    write_report_if_asked(doc, report, png, plotly_js)
    if json_out:
        emit_json(doc)
        return
    _print(doc, out)


def _measured(model, spec, names, lo, hi, multiple, batch, seq_len, device, runs, threads):
    """The measured sweep of MODEL's PyTorch module, and how it compares with the cost
    model on *spec* (the ``measurement`` and ``agreement`` entries of the document)."""
    from accelscope.codesign.measured import agreement, measured_backend, measured_sweep
    from accelscope.codesign.sweep import sweep_knobs
    from accelscope.progress import progress_bar

    backend = measured_backend(
        model, device=device, threads=threads, runs=runs, batch=batch or 1, seq_len=seq_len or 35
    )
    bar = progress_bar("timing widths")
    task = bar.add_task("time", total=None)
    shown = []  # the bar appears with the first timing, after the sweep's checks

    def report(done: int, total: int) -> None:
        if not shown:
            bar.start()
            shown.append(True)
        bar.update(task, completed=done, total=total)

    backend.progress = report
    try:
        result = measured_sweep(backend, names or None, lo=lo, hi=hi, multiple=multiple)
    finally:
        if shown:
            bar.stop()
    modeled = sweep_knobs(
        backend.network, spec, [c.knob for c in result.curves], [c.widths for c in result.curves]
    )
    first = backend.time({})
    return (
        result,
        backend,
        {
            "measurement": {
                "device": device,
                "threads": threads,
                "runs": runs,
                "warmup": backend.warmup,
                "noise_floor_s": first.noise_floor_s,
                "model_compared": spec.name,
            },
            "agreement": [
                agreement(m, d) for m, d in zip(result.curves, modeled.curves, strict=True)
            ],
        },
    )


def _print(doc: dict, out) -> None:
    from rich.table import Table

    from accelscope.fmt import percent, seconds, si

    table = Table(title=f"{doc['network']} on {doc['arch']}: latency vs. layer width")
    for col in ("layer", "op", "width", "share", "plateau", "recommendations"):
        table.add_column(col, justify="right" if col in ("width", "share") else "left")
    for layer in doc["layers"]:
        w = layer["width"]
        plateau = next((p for p in layer["plateaus"] if p[0] <= w <= p[1]), None)
        shape = f"{plateau[0]}-{plateau[1]}" if plateau else f"({layer['shape']})"
        recs = "; ".join(r["text"] for r in layer["recommendations"]) or "-"
        table.add_row(
            layer["name"],
            f"{layer['op']}.{layer['field']}",
            str(w),
            "-" if layer["latency_share"] is None else percent(layer["latency_share"]),
            shape,
            recs,
        )
    out.print(table)
    out.print(
        f"network latency {seconds(doc['latency_s'])}, {si(doc['params'])} params; "
        f"{len(doc['layers'])} layers swept, {len(doc['excluded'])} not sweepable "
        "(reasons in --json)",
        soft_wrap=True,
    )
    if doc.get("measurement"):
        m = doc["measurement"]
        out.print(
            f"measured on {m['device']} ({m['threads']} threads, median of {m['runs']} runs "
            f"per width; noise floor {seconds(m['noise_floor_s'])}); energy is not measured",
            soft_wrap=True,
        )
        for a in doc["agreement"]:
            rho = a["rank_correlation"]
            out.print(
                f"{a['layer']}: measured cliffs {a['measured_cliffs'] or 'none'}, cliffs of "
                f"the model on {m['model_compared']} {a['modeled_cliffs'] or 'none'}, shared "
                f"{a['shared_cliffs'] or 'none'}; rank correlation "
                + ("n/a" if rho is None else f"{rho:+.2f}"),
                soft_wrap=True,
                markup=False,
            )
    plan = doc.get("plan")
    if plan:
        changes = ", ".join(f"{c['name']} {c['from']}->{c['to']}" for c in plan["changes"])
        out.print(
            f"plan ({plan['goal']}, {plan['constraint']}): latency "
            f"{plan['latency_change_pct']:+.2f}%, params {plan['params_change']:+,} "
            f"({plan['params_change_pct']:+.2f}%); "
            + (changes or "no change")
            + (f" -- {plan['note']}" if plan.get("note") else ""),
            soft_wrap=True,
        )
