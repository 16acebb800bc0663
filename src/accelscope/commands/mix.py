"""``accelscope mix``: one accelerator for networks that run at the same time."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from accelscope.commands.common import (
    ExecutorOpt,
    JsonOpt,
    OutDirOpt,
    OverwriteOpt,
    PlotlyJsOpt,
    PngOpt,
    ReportOpt,
    WorkersOpt,
    emit_json,
    out,
    provenance,
    with_space_constraints,
    write_report_if_asked,
)
from accelscope.console import Table
from accelscope.errors import AccelscopeError
from accelscope.fmt import seconds


def command(
    mix: Annotated[
        Path, typer.Argument(help="Mix YAML: applications with model, rate_per_s, latency_ms.")
    ],
    space: Annotated[
        str | None,
        typer.Option("--space", help="Design-space YAML file or packaged name (default)."),
    ] = None,
    constraint: Annotated[
        list[str] | None,
        typer.Option(
            "--constraint",
            help="Constraint (repeatable), e.g. 'area_mm2 <= 20' or 'power_w <= 2'. Added to "
            "the space's own.",
        ),
    ] = None,
    objective: Annotated[
        str, typer.Option("--objective", help="area | power | headroom.")
    ] = "area",
    execution: Annotated[
        str,
        typer.Option("--execution", help="best (of both per configuration) | time | spatial."),
    ] = "best",
    out_dir: OutDirOpt = None,
    overwrite: OverwriteOpt = False,
    executor: ExecutorOpt = "serial",
    workers: WorkersOpt = None,
    report: ReportOpt = None,
    png: PngOpt = None,
    plotly_js: PlotlyJsOpt = "inline",
    json_out: JsonOpt = False,
) -> None:
    """Find the cheapest accelerator that runs every application of a MIX at its rate and
    latency, time multiplexed or spatially partitioned."""
    from accelscope.mix import NoFeasibleMixError, load_mix, run_mix
    from accelscope.search import load_space

    spec = load_mix(mix)
    design_space = load_space(space)
    result = run_mix(
        spec,
        design_space,
        objective=objective,
        constraints=with_space_constraints(design_space, constraint)
        or list(design_space.constraints),
        execution=execution,
        out_dir=out_dir,
        overwrite=overwrite,
        executor=executor,
        workers=workers,
    )
    doc = result.to_dict()
    doc["space_spec"] = design_space.model_dump(mode="json")
    doc["provenance"] = provenance()
    if out_dir is not None:
        from accelscope.store.parts import write_json

        write_json(out_dir / "summary.json", doc)
    if result.best is None:
        raise NoFeasibleMixError(result.diagnosis())
    write_report_if_asked(doc, report, png, plotly_js)
    if json_out:
        emit_json(doc)
        return
    _print(doc)


def _print(doc: dict[str, Any]) -> None:
    best = doc["best"]
    table = Table(title=f"mix '{doc['mix']}' on the best design ({doc['objective']})")
    for col in ("application", "share", "latency", "worst response", "bound", "rate", "required"):
        table.add_column(col, justify="left" if col in ("application", "share") else "right")
    for name, app in best["applications"].items():
        req = app["required_rate_per_s"]
        table.add_row(
            name,
            app["share"],
            seconds(app["latency_s"]),
            seconds(app["response_s"]),
            seconds(app["latency_bound_s"]),
            f"{app['rate_per_s']:.4g} /s",
            f"{req:.4g} /s" if req else "-",
        )
    out.print(table)
    from accelscope.report.designs import design_title

    out.print(
        f"best: {design_title(best['configuration'])}; {best['area_mm2']:.4g} mm², "
        f"{best['power_w']:.3g} W average, {best['execution']} execution, "
        f"headroom x{best['headroom']:.3g} (every rate can grow by this factor); "
        f"limited by {best['limited_by']}",
        soft_wrap=True,
        highlight=False,
    )
    feas = doc["feasible_by_execution"]
    out.print(
        f"{doc['evaluated']:,} configurations evaluated, {doc['feasible']:,} run the mix "
        f"(time multiplexed {feas['time']:,}, spatially partitioned {feas['spatial']:,}); "
        f"{len(doc['pareto'])} on the (area, headroom) Pareto front",
        soft_wrap=True,
    )


__all__ = ["command", "AccelscopeError"]
