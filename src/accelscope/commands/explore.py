"""``accelscope explore``: search a design space for one network."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from accelscope.commands.common import (
    AllowUnsupportedOpt,
    BatchOpt,
    BoardOpt,
    ExecutorOpt,
    InputShapeOpt,
    JsonOpt,
    OutDirOpt,
    OverwriteOpt,
    PlotlyJsOpt,
    PngOpt,
    ReportOpt,
    SaveBestOpt,
    SchedulerOpt,
    SeedOpt,
    SeqOpt,
    TargetOpt,
    TimeBudgetOpt,
    WorkersOpt,
    emit_json,
    err,
    load_network,
    load_target_space,
    out,
    provenance,
    save_best_if_asked,
    with_space_constraints,
    write_csv_if_asked,
    write_report_if_asked,
)
from accelscope.console import Table
from accelscope.errors import AccelscopeError
from accelscope.fmt import joules, seconds
from accelscope.limits import (
    MAX_SEARCH_BUDGET,
    MAX_TOP,
)


def command(
    model: Annotated[str, typer.Argument(help="Zoo name, or path to a .onnx / .yaml file.")],
    space: Annotated[
        str | None,
        typer.Option(
            "--space",
            help="Design-space YAML file or packaged name (default: default; fpga for --board).",
        ),
    ] = None,
    target: TargetOpt = None,
    board: BoardOpt = None,
    objective: Annotated[
        list[str] | None,
        typer.Option(
            "--objective",
            help="Objective (repeatable): latency, throughput, energy, edp, area, power, "
            "perf_per_area, perf_per_watt (FPGA: latency, throughput, gops, dsp_efficiency, "
            "dsp, bram18); prefix min:/max: to override the direction.",
        ),
    ] = None,
    constraint: Annotated[
        list[str] | None,
        typer.Option(
            "--constraint",
            help="Constraint (repeatable), e.g. 'area_mm2 <= 50'. Added to the space's own.",
        ),
    ] = None,
    strategy: Annotated[
        str, typer.Option("--strategy", help="auto | exhaustive | evolutionary | random")
    ] = "auto",
    budget: Annotated[
        int | None,
        typer.Option("--budget", min=1, max=MAX_SEARCH_BUDGET, help="Evaluation budget."),
    ] = None,
    time_budget: TimeBudgetOpt = None,
    seed: SeedOpt = 0,
    executor: ExecutorOpt = "serial",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    out_dir: OutDirOpt = None,
    overwrite: OverwriteOpt = False,
    batch: BatchOpt = None,
    seq_len: SeqOpt = None,
    input_shape: InputShapeOpt = None,
    allow_unsupported: AllowUnsupportedOpt = False,
    top: Annotated[
        int, typer.Option("--top", min=1, max=MAX_TOP, help="Designs shown in the table.")
    ] = 10,
    report: ReportOpt = None,
    save_best: SaveBestOpt = None,
    png: PngOpt = None,
    plotly_js: PlotlyJsOpt = "inline",
    csv: Annotated[
        Path | None,
        typer.Option("--csv", help="Also write every evaluated design as CSV to this file."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Search the design space for the best accelerators for MODEL under constraints."""
    from accelscope.search.report import result_document
    from accelscope.search.runner import explore

    net = load_network(model, batch, seq_len, input_shape, allow_unsupported)
    design_space = load_target_space(space, target, board)
    try:
        result = explore(
            net,
            design_space,
            objectives=objective or ["latency"],
            constraints=with_space_constraints(design_space, constraint),
            strategy=strategy,
            budget=budget,
            time_budget_s=time_budget,
            seed=seed,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            out_dir=out_dir,
            overwrite=overwrite,
            progress=not json_out and sys.stderr.isatty(),
            top=top,
        )
    except KeyboardInterrupt:
        where = f" in {out_dir}" if out_dir else ""
        hint = "; rerun the same command to resume" if out_dir else ""
        err.print(f"interrupted: finished work is kept{where}{hint}", markup=False)
        raise typer.Exit(130) from None
    doc = result_document(result, top=top)
    doc["space_spec"] = design_space.model_dump(mode="json")
    doc["provenance"] = provenance()
    if out_dir is not None:
        from accelscope.search.report import write_outputs

        write_outputs(result, doc)
    if result.best_row is None:
        raise NoFeasibleDesign(result.diagnosis)
    write_report_if_asked(doc, report, png, plotly_js)
    save_best_if_asked(doc, save_best)
    write_csv_if_asked(csv, pieces=result.iter_table())
    if json_out:
        emit_json(doc)
        return
    _print_explore_table(doc)
    if doc.get("why"):
        from accelscope.search.why import sentences

        for line in sentences(doc["why"]):
            out.print(f"why: {line}", soft_wrap=True, highlight=False)


class NoFeasibleDesign(AccelscopeError):
    """No evaluated design satisfies the constraints."""


def _print_explore_table(doc: dict[str, Any]) -> None:
    if doc.get("target", "asic") != "asic":
        _print_design_table(doc)
        return
    objs = ", ".join(doc["objectives"])
    table = Table(title=f"{doc['network']}: best designs ({objs})")
    cols = [
        "#",
        "PEs",
        "dataflow",
        "buffer",
        "DRAM",
        "clock",
        "lanes",
        "latency",
        "energy",
        "area",
        "power",
    ]
    single = len(doc["objectives"]) == 1  # one objective: no Pareto front
    if not single:
        cols.append("pareto")
    for col in cols:
        table.add_column(col, justify="left" if col in ("dataflow", "buffer") else "right")
    for i, d in enumerate(doc["top"]):
        buffer = (
            f"{d['unified_kib']:g} KiB"
            if d.get("unified_kib") is not None
            else f"{d.get('input_kib', 0):g}/{d.get('weight_kib', 0):g}/{d.get('output_kib', 0):g}"
        )
        table.add_row(
            str(i + 1),
            f"{d['units']}x{d['rows']}x{d['cols']}",
            str(d["dataflow"]),
            buffer,
            f"{d['dram_gbps']:g} GB/s",
            f"{d['clock_mhz']:g} MHz",
            str(d["lanes"]),
            seconds(d["latency_s"]),
            joules(d["energy_j"]),
            f"{d['area_mm2']:.3g} mm²",
            f"{d['power_w']:.3g} W",
            *(() if single else ("yes" if d["pareto"] else "",)),
        )
    out.print(table)
    out.print(
        f"{doc['strategy']}: {doc['evaluated']} designs evaluated, {doc['feasible']} meet the "
        f"constraints ({'; '.join(doc['constraints']) or 'none'}), "
        + (
            "best by the one objective (ties: the smallest area)"
            if single
            else f"{len(doc['pareto'])} on the Pareto front"
        )
        + f", {doc['elapsed_s']:.1f} s"
        + (f"; results in {doc['out_dir']}" if doc.get("out_dir") else ""),
        soft_wrap=True,
    )


#: Metrics shown for any target's designs, when the designs have them.
_SHOWN_METRICS = ("latency_s", "throughput_per_s", "gops", "dsp", "bram18", "energy_j")


def _print_design_table(doc: dict[str, Any]) -> None:
    """Top designs of any target: the design parameters that differ among them, then
    the objectives and the common metrics."""
    from accelscope.targets import get_target

    target = get_target(doc["target"])
    designs = doc["top"]
    keys = [
        k
        for k in target.design_keys
        if len({str(d.get(k)) for d in designs}) > 1 or k in ("board", "paradigm")
    ]
    metrics = [o.split(":", 1)[1] for o in doc["objectives"]]
    metrics += [m for m in _SHOWN_METRICS if m not in metrics and designs and m in designs[0]]
    single = len(doc["objectives"]) == 1
    table = Table(title=f"{doc['network']}: best designs ({', '.join(doc['objectives'])})")
    for col in ["#", *keys, *metrics, *(() if single else ("pareto",))]:
        table.add_column(col, justify="left" if col in keys else "right")
    for i, d in enumerate(designs):
        table.add_row(
            str(i + 1),
            *(_fmt(d.get(k)) for k in keys),
            *(_fmt_metric(m, d.get(m)) for m in metrics),
            *(() if single else ("yes" if d["pareto"] else "",)),
        )
    out.print(table)
    tie = target.tie_break[0]
    out.print(
        f"{doc['strategy']}: {doc['evaluated']} designs evaluated, {doc['feasible']} meet the "
        f"constraints and fit ({'; '.join(doc['constraints']) or 'no constraints'}), "
        + (
            f"best by the one objective (ties: the smallest {tie})"
            if single
            else f"{len(doc['pareto'])} on the Pareto front"
        )
        + f", {doc['elapsed_s']:.1f} s",
        soft_wrap=True,
    )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def _fmt_metric(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "latency_s":
        return seconds(value)
    if name == "energy_j":
        return joules(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return f"{value:,}" if isinstance(value, int) else str(value)
