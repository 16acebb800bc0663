"""``accelscope multi``: one accelerator configuration for a set of networks."""

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
    load_target_space,
    out,
    parse_input_shapes,
    provenance,
    save_best_if_asked,
    with_space_constraints,
    write_csv_if_asked,
    write_report_if_asked,
)
from accelscope.console import Table
from accelscope.fmt import seconds
from accelscope.limits import MAX_SEARCH_BUDGET


def command(
    models: Annotated[
        list[str],
        typer.Argument(
            help="Networks: zoo names, .onnx/.yaml files, or a network-set YAML "
            "(a list of networks with optional weights; see docs/multi.md)."
        ),
    ],
    weights: Annotated[
        str | None,
        typer.Option(
            "--weights", help="Relative weights, one per network, e.g. 3,1,1 (deployment share)."
        ),
    ] = None,
    space: Annotated[
        str | None,
        typer.Option(
            "--space",
            help="Design-space YAML file or packaged name (default: default; with --board, "
            "the fpga space restricted to the generic engine).",
        ),
    ] = None,
    target: TargetOpt = None,
    board: BoardOpt = None,
    constraint: Annotated[
        list[str] | None,
        typer.Option(
            "--constraint",
            help="Constraint (repeatable), e.g. 'area_mm2 <= 50'; network metrics such as "
            "latency_s must hold for every network. Added to the space's own.",
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode",
            help="geomean | weighted | worst (default: weighted with --weights, else geomean).",
        ),
    ] = None,
    objective: Annotated[
        list[str] | None,
        typer.Option(
            "--objective",
            help="Performance objective (latency, throughput, energy, edp, ...; default "
            "latency); add --objective area for the Pareto front of (score, area).",
        ),
    ] = None,
    strategy: Annotated[
        str,
        typer.Option(
            "--strategy",
            help="auto | exhaustive | evolutionary (auto: exhaustive up to 2,000,000 "
            "configurations, NSGA-II on the set score above).",
        ),
    ] = "auto",
    budget: Annotated[
        int | None,
        typer.Option(
            "--budget",
            min=1,
            max=MAX_SEARCH_BUDGET,
            help="Distinct designs the evolutionary search may evaluate (2000).",
        ),
    ] = None,
    seed: SeedOpt = 0,
    tie_break: Annotated[
        str,
        typer.Option(
            "--tie-break",
            help="area | score: among designs equally fast for a network, its optimum is "
            "the smallest (area) or the one that serves the whole set best (score).",
        ),
    ] = "area",
    time_budget: TimeBudgetOpt = None,
    executor: ExecutorOpt = "serial",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    out_dir: OutDirOpt = None,
    overwrite: OverwriteOpt = False,
    batch: BatchOpt = None,
    seq_len: SeqOpt = None,
    input_shape: InputShapeOpt = None,
    allow_unsupported: AllowUnsupportedOpt = False,
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
    """Find the accelerator that serves a SET of networks best (geometric-mean performance)."""
    from accelscope.search.multi import multi_explore, parse_objectives, resolve_mode
    from accelscope.search.multi.inputs import load_network_set, parse_weights
    from accelscope.search.multi.score import normalize_weights

    w = parse_weights(weights)
    nets, names, w = load_network_set(
        models,
        weights=w,
        batch=batch,
        seq_len=seq_len,
        input_shapes=parse_input_shapes(input_shape),
        allow_unsupported=allow_unsupported,
    )
    if w is not None:
        normalize_weights(w, len(nets))  # reject all-zero weights before any work
    resolve_mode(mode, w is not None)
    design_space = load_target_space(space, target, board)
    if space is None:  # the packaged default, as the target wants it for a set
        from accelscope.search.space import space_from_dict

        data = design_space.target_model.multi_space(design_space.model_dump(mode="json"))
        design_space = space_from_dict(data, f"--space {design_space.name}")
    parse_objectives(objective or ["latency"], design_space)
    try:
        result = multi_explore(
            nets,
            design_space,
            names=names,
            weights=w,
            constraints=with_space_constraints(design_space, constraint),
            objective=objective or ["latency"],
            mode=mode,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            out_dir=out_dir,
            overwrite=overwrite,
            progress=not json_out and sys.stderr.isatty(),
            strategy=strategy,
            budget=budget,
            seed=seed,
            time_budget_s=time_budget,
            tie_break=tie_break,
        )
    except KeyboardInterrupt:
        where = f" in {out_dir}" if out_dir else ""
        hint = "; rerun the same command to resume" if out_dir else ""
        err.print(f"interrupted: finished work is kept{where}{hint}", markup=False)
        raise typer.Exit(130) from None
    doc = result.to_dict()
    doc["space_spec"] = design_space.model_dump(mode="json")
    doc["provenance"] = provenance()
    result.write_outputs(doc)
    write_report_if_asked(doc, report, png, plotly_js)
    save_best_if_asked(doc, save_best)
    write_csv_if_asked(csv, pieces=result.iter_table())
    if json_out:
        emit_json(doc)
        return
    _print(doc)


def _config(d: dict[str, Any], doc: dict[str, Any]) -> str:
    """A design as one line: the target's description and its cost (area, DSPs)."""
    from accelscope.report.designs import design_title, target_of
    from accelscope.report.units import format_value

    cost = doc.get("cost_metric", "area_mm2")
    return f"{design_title(d, target_of(doc))}, {format_value(cost, d.get(cost))}"


def _pct(v: float | None) -> str:
    return "inf" if v is None else f"{v:+.1f}%"


def _print(doc: dict[str, Any]) -> None:
    names = [n["name"] for n in doc["networks"]]
    cross = doc["cross_performance"]
    table = Table(title=f"cross-performance ({doc['performance']} relative to each optimum)")
    table.add_column("optimum of")
    for n in names:
        table.add_column(n, justify="right")
    table.add_column(doc["mode"], justify="right")
    table.add_column("improvement", justify="right")
    sel = doc["selected"]
    broken = False
    for n in names:
        row = [f"{v:.3f}" if v is not None else "violates" for v in cross[n].values()]
        broken |= any(v is None for v in cross[n].values())
        opt = doc["per_network_optima"][n]
        mark = " *" if sel is not None and sel["optimum_of"] == n else ""
        table.add_row(
            n + mark,
            *row,
            f"{opt['score']:.3f}" if opt["score"] is not None else "-",
            _pct(doc["improvement_pct"][n]) if opt["admissible"] else "not admissible",
        )
    out.print(table)
    if broken:
        out.print(
            "violates: that optimum breaks the column network's constraints, so it has no "
            "relative performance there and is not a candidate for the set",
            soft_wrap=True,
        )
    lines = []
    for n in names:
        opt = doc["per_network_optima"][n]
        lat = opt["networks"][n]["latency_s"]
        note = ""
        if opt.get("violates_constraints_of"):
            note = f" (violates the constraints of {', '.join(opt['violates_constraints_of'])})"
        lines.append(f"  {n}: {_config(opt, doc)}; {seconds(lat)}{note}")
    out.print("per-network optima:\n" + "\n".join(lines), soft_wrap=True, highlight=False)
    if sel is not None:
        out.print(
            f"selected (* above): optimum of {sel['optimum_of']} — {_config(sel, doc)}; "
            f"{doc['mode']} score {sel['score']:.3f}",
            soft_wrap=True,
            highlight=False,
        )
    else:
        out.print("selected: none of the per-network optima is admissible for the whole set")
    if doc.get("selected_dominated_by"):
        out.print(
            f"note: {doc['selected_dominated_by']} design(s) of the Pareto front below serve "
            "the set at least as well for no more cost: the selection is restricted to the "
            "per-network optima, the joint optimum and the front are not",
            soft_wrap=True,
        )
    j = doc["joint_optimum"]
    gain = j["gain_over_selected_pct"]
    out.print(
        f"joint optimum: {_config(j, doc)}; {doc['mode']} score {j['score']:.3f}"
        + (f" ({gain:+.1f}% over the selection)" if gain is not None else ""),
        soft_wrap=True,
        highlight=False,
    )
    if doc.get("pareto"):
        cost = doc.get("cost_metric", "area_mm2")
        unit = " mm²" if cost == "area_mm2" else f" {cost.upper()}"
        out.print(
            f"Pareto front of ({doc['mode']} score, {cost}): {len(doc['pareto'])} designs, "
            + ("... " if len(doc["pareto"]) > 8 else "")
            + ", ".join(f"{p[cost]:.4g}{unit} → {p['score']:.3f}" for p in doc["pareto"][-8:]),
            soft_wrap=True,
            highlight=False,
        )
    search = doc.get("search")
    how = (
        f" (evolutionary search, budget {search['budget']}, seed {search['seed']}; optima "
        f"and references are the best evaluated)"
        if search
        else ""
    )
    out.print(
        f"{doc['evaluated']} designs evaluated{how} for {len(names)} networks, {doc['feasible']} "
        f"admissible for all ({'; '.join(doc['constraints']) or 'no constraints'}), "
        f"{doc['elapsed_s']:.1f} s" + (f"; results in {doc['out_dir']}" if doc["out_dir"] else ""),
        soft_wrap=True,
        highlight=False,
    )
