"""``accelscope report RESULT -o report.html [--png DIR]``: a report of any result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accelscope.commands.common import PlotlyJsOpt


def default_output(result: Path) -> Path:
    """``DIR/report.html`` for a result directory, ``NAME.html`` beside a ``NAME.json``."""
    if result.is_dir():
        return result / "report.html"
    return result.with_suffix(".html")


def command(
    result: Annotated[
        Path,
        typer.Argument(
            help="Result directory (the --out of explore/multi/codesign) or a JSON document "
            "(the --json output of evaluate/explore/multi/codesign)."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="HTML file to write (default: DIR/report.html, or NAME.html beside NAME.json).",
        ),
    ] = None,
    png: Annotated[
        Path | None, typer.Option("--png", help="Also write the figures as PNGs here.")
    ] = None,
    plotly_js: PlotlyJsOpt = "inline",
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON document instead of text.", metavar="")
    ] = False,
) -> None:
    """Write a self-contained HTML report (and PNG figures) of an accelscope result."""
    from accelscope.commands.common import emit_json, out, provenance
    from accelscope.report import build_model, load_result, write_model
    from accelscope.report.load import results_table_path

    loaded = load_result(result)
    table = results_table_path(loaded.doc, loaded.directory)
    model = build_model(loaded.doc, results=table, source=str(loaded.source))
    html_path, pngs = write_model(
        model, output or default_output(result), png_dir=png, plotly_js=plotly_js
    )
    if json_out:
        emit_json(
            {
                "kind": "report",
                "result_kind": model.kind,
                "title": model.title,
                "html": str(html_path),
                "figures": [f.key for f in model.figures],
                "png": [str(p) for p in pngs],
                "results_table": str(table) if table else None,
                "provenance": provenance(),
            }
        )
        return
    out.print(f"{model.title} ({model.kind})", markup=False, highlight=False)
    for label, value in model.facts[:8]:
        out.print(f"  {label}: {value}", markup=False, highlight=False, soft_wrap=True)
    figures = ", ".join(f.title.lower() for f in model.figures)
    out.print(f"  figures: {figures or 'none'}", markup=False, highlight=False, soft_wrap=True)
    for note in model.notes:
        out.print(f"  note: {note}", markup=False, highlight=False, soft_wrap=True)
    out.print(f"report: {html_path}", markup=False, highlight=False, soft_wrap=True)
    if pngs:
        out.print(f"png: {len(pngs)} figures in {png}", markup=False, highlight=False)
