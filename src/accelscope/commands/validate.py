"""``accelscope validate``: the cost model against its cycle-level simulators (part 1) and
against published accelerators (part 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from accelscope.commands.common import JsonOpt, emit_json, err, out, provenance
from accelscope.console import Table
from accelscope.limits import MAX_SEED


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _print_rows(rows: list[Any], title: str = "Published accelerators") -> None:
    table = Table(title=f"{title}: predicted vs published")
    for col, just in (
        ("chip", "left"),
        ("metric", "left"),
        ("workload", "left"),
        ("published", "right"),
        ("predicted", "right"),
        ("error", "right"),
        ("", "left"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in rows:
        style = (
            "green" if abs(r.error_pct) <= 15.0 else ("yellow" if abs(r.error_pct) <= 25 else "red")
        )
        table.add_row(
            r.chip,
            r.metric,
            r.workload,
            _fmt(r.published),
            _fmt(r.predicted),
            Text(f"{r.error_pct:+.1f} %", style=style),
            "fitted" if r.fitted else "",
        )
    out.print(table)


def _print_summary(summary: dict[str, Any], check: dict[str, Any] | None) -> None:
    if check is not None:
        exact = check["exact"] == check["cases"]
        line = Text(
            f"Part 1 -- closed form vs cycle-level simulators: {check['exact']}/{check['cases']} "
            "cases "
        )
        line.append("exact" if exact else "MISMATCH", style="green" if exact else "red")
        line.append(
            f" ({check['gemms']} random GEMMs x {len(check['dataflows'])} dataflows x 2 fold "
            f"conventions, {check['array_shapes']} array shapes)"
        )
        out.print(line)
    mae, free = summary["mean_abs_error_pct"], summary["mean_abs_error_pct_not_fitted"]
    parts = [
        f"{kind} {mae[kind]:.1f} %" + (f" ({free[kind]:.1f} % not fitted)" if kind in free else "")
        for kind in sorted(mae)
    ]
    out.print("Part 2 -- mean absolute error: " + "; ".join(parts))
    out.print(
        f"throughput within 15 %: {len(summary['chips_throughput_within_15pct'])} chips "
        f"({', '.join(summary['chips_throughput_within_15pct']) or 'none'}); "
        f"area within 25 %: {len(summary['chips_area_within_25pct'])} chips "
        f"({', '.join(summary['chips_area_within_25pct']) or 'none'})"
        + (
            f"; latency within 15 %: {len(summary['chips_latency_within_15pct'])} chips "
            f"({', '.join(summary['chips_latency_within_15pct']) or 'none'})"
            if "latency" in mae
            else ""
        )
    )
    if summary["fitted_rows"]:
        out.print("fitted rows (calibrate shared constants): " + "; ".join(summary["fitted_rows"]))


def _print_fpga_summary(summary: dict[str, Any]) -> None:
    mae = summary["mean_abs_error_pct"]
    out.print(
        "FPGA -- mean absolute error: "
        + "; ".join(f"{kind} {mae[kind]:.1f} %" for kind in sorted(mae))
        + f"; throughput within 15 %: {len(summary['designs_throughput_within_15pct'])} "
        f"designs, resources within 20 %: {len(summary['designs_resources_within_20pct'])}"
    )
    for m in summary["missing"]:
        out.print(f"not reproduced: {m['design']} -- {m['reason']}", soft_wrap=True)


def _print_rtl(rows: list[Any], summary: dict[str, Any]) -> None:
    if summary["skipped"]:
        out.print(f"RTL area -- skipped: {summary['skipped']}", soft_wrap=True, markup=False)
        return
    table = Table(title="RTL area: synthesized PE array (Yosys, OSU 0.18 um) vs area model")
    for col in ("array", "flops/PE", "model bits/PE", "GE/PE", "model GE/PE", "ratio"):
        table.add_column(col, justify="left" if col == "array" else "right")
    for r in rows:
        table.add_row(
            f"{r.rows}x{r.cols} {r.dataflow} {r.precision}"
            + (" pipelined" if r.fold_overlap == "pipelined" else ""),
            f"{r.rtl_flops_per_pe:.0f}",
            str(r.model_register_bits_per_pe),
            f"{r.rtl_ge_per_pe:,.0f}",
            f"{r.model_ge_per_pe:,.0f}",
            f"{r.ge_ratio:.2f}x",
        )
    out.print(table)
    out.print(
        f"RTL area -- synthesized / modeled gate equivalents per PE: "
        f"{summary['ge_ratio_min']:.2f}x to {summary['ge_ratio_max']:.2f}x "
        f"({summary['yosys']}; a relative cross-check, see docs/rtl.md)",
        soft_wrap=True,
        markup=False,
    )
    banks = summary["buffer_banks"]
    out.print(
        f"RTL buffers -- {summary['buffer_banks_exact']} of {len(banks)} bank shapes of the "
        "presets' buffers synthesize (synth_xilinx) to exactly the FPGA model's block RAM",
        soft_wrap=True,
        markup=False,
    )


def _print_layers(tables: dict[str, list[dict[str, Any]]]) -> None:
    table = Table(title="Eyeriss per layer: template vs published processing latency")
    cols = ("network", "layer", "published ms", "template ms", "ratio", "PE eff.", "ch./psum trip")
    for col in cols:
        table.add_column(col, justify="left" if col in ("network", "layer") else "right")
    for net, rows in tables.items():
        for r in rows:
            table.add_row(
                net,
                r["paper"],
                f"{r['published_ms']:,.1f}",
                f"{r['model_ms']:,.1f}",
                f"{r['ratio']:.2f}",
                f"{100 * r['pe_efficiency']:.0f} %",
                f"{r['channels_per_psum_trip']:.2f}",
            )
    out.print(table)
    from accelscope.validate.eyeriss_layers import psum_sentence, summary_sentence

    out.print(f"Eyeriss per layer -- {summary_sentence(tables)}", soft_wrap=True, markup=False)
    out.print(psum_sentence(tables), soft_wrap=True, markup=False)


def command(
    json_out: JsonOpt = False,
    table: Annotated[
        Path | None,
        typer.Option(
            "--table",
            help="A published-chip table (YAML, the layout of the packaged one; see "
            "docs/validation.md). Default: the table shipped with accelscope.",
        ),
    ] = None,
    gemms: Annotated[
        int,
        typer.Option(
            "--gemms",
            min=0,
            max=100_000,
            help="Random GEMMs simulated cycle by cycle in part 1 (0: skip).",
        ),
    ] = 60,
    seed: Annotated[
        int, typer.Option("--seed", min=0, max=MAX_SEED, help="Seed of part 1's random GEMMs.")
    ] = 0,
    rtl: Annotated[
        bool,
        typer.Option(
            "--rtl/--no-rtl",
            help="Synthesize the generated PE arrays with Yosys and compare their area with "
            "the model (about a minute the first time, then cached; skipped with a note "
            "when yosys or qflow-tech-osu018 is not installed).",
        ),
    ] = True,
) -> None:
    """Check the cost model: closed-form timing against the built-in cycle-level simulators
    (must be exact), and predictions against published accelerators (errors per row and
    mean absolute error per metric). Exit status 1 if part 1 finds a mismatch."""
    from accelscope.validate import check_simulators, validate_published
    from accelscope.validate.fpga import validate_fpga

    if table is not None and not table.is_file():
        err.print(f"error: --table: no such file: {table}")
        raise typer.Exit(2)
    check = check_simulators(gemms=gemms, seed=seed).to_dict() if gemms > 0 else None
    reports: dict = {}  # evaluations shared by the rows and the Eyeriss layer table
    rows, summary = validate_published(table, reports)
    layers = {}
    if table is None:  # the packaged chips: Eyeriss's per-layer figures too
        from accelscope.validate.eyeriss_layers import layer_rows

        layers = {"eyeriss": layer_rows(reports)}
    fpga_rows, fpga_summary = validate_fpga()
    rtl_rows, rtl_summary = [], {"skipped": "--no-rtl"}
    if rtl:
        from accelscope.validate.rtl import validate_rtl

        if not json_out:
            err.print("synthesizing PE arrays with Yosys for the RTL area check ...")
        rtl_rows, rtl_summary = validate_rtl()
    if json_out:
        emit_json(
            {
                "kind": "validation",
                "provenance": provenance(),
                "simulator": check,
                "rows": [r.to_dict() for r in rows],
                "summary": summary,
                "layers": layers,
                "fpga": {
                    "rows": [r.to_dict() for r in fpga_rows],
                    "summary": fpga_summary,
                },
                "rtl": {"rows": [r.to_dict() for r in rtl_rows], "summary": rtl_summary},
            }
        )
    else:
        _print_rows(rows)
        _print_summary(summary, check)
        if layers:
            _print_layers(layers["eyeriss"])
        _print_rows(fpga_rows, "Published FPGA accelerators")
        _print_fpga_summary(fpga_summary)
        _print_rtl(rtl_rows, rtl_summary)
    if check is not None and check["mismatches"]:
        if not json_out:
            err.print(
                f"error: {len(check['mismatches'])} simulator cases differ from the closed form"
            )
        raise typer.Exit(1)
