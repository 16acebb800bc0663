"""Reports a person wants to look at: one self-contained HTML file per result, and PNGs.

``write_report(doc, path, png_dir=...)`` turns any accelscope result document (the
``--json`` output or ``summary.json`` of ``evaluate``, ``explore``, ``multi`` or
``codesign``) into an HTML page with interactive plotly figures (plotly.js embedded, works
offline) and, when asked, the same figures as static matplotlib PNGs. ``load_result``
reads a result directory or JSON file; ``build_model`` gives the figures and tables
without rendering them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accelscope.report.deps import MissingDependencyError
from accelscope.report.figure import Figure
from accelscope.report.load import KINDS, LoadedResult, check_document, load_result
from accelscope.report.model import ReportModel

__all__ = [
    "KINDS",
    "Figure",
    "LoadedResult",
    "MissingDependencyError",
    "ReportModel",
    "build_model",
    "load_result",
    "write_model",
    "write_report",
]


#: The report builder of an evaluation, per hardware target.
EVALUATE_BUILDERS = {
    "asic": "accelscope.report.build_evaluate",
    "fpga": "accelscope.report.build_fpga",
}


def build_model(
    doc: dict[str, Any], *, results: Any = None, source: str | None = None
) -> ReportModel:
    """The figures, tables and facts of the report of *doc*.

    *results*: the exploration's full result table (a ``results.parquet`` path, a pyarrow
    Table or a pandas DataFrame); when None it is looked up in the document's ``out_dir``.
    """
    check_document(doc)
    kind = doc["kind"]
    if kind == "evaluate":
        import importlib

        from accelscope.report.designs import target_of

        builder = importlib.import_module(EVALUATE_BUILDERS[target_of(doc)])
        return builder.build(doc, source)
    if kind == "explore":
        from accelscope.report.build_explore import build as build_explore
        from accelscope.report.designs import load_table, target_of
        from accelscope.report.load import results_table_path

        if results is None:
            results = results_table_path(doc, None)
        return build_explore(doc, load_table(results, target_of(doc), doc), source)
    if kind == "multi":
        from accelscope.report.build_multi import build as build_multi
        from accelscope.report.designs import load_table, target_of
        from accelscope.report.load import results_table_path

        if results is None:
            results = results_table_path(doc, None)
        return build_multi(doc, load_table(results, target_of(doc), doc), source)
    if kind == "mix":
        from accelscope.report.build_mix import build as build_mix

        return build_mix(doc, source)
    if kind == "compare":
        from accelscope.report.build_compare import build as build_compare

        return build_compare(doc, source)
    from accelscope.report.build_codesign import build as build_codesign

    return build_codesign(doc, source)


def write_report(
    doc: dict[str, Any],
    path: Path | str | None,
    *,
    png_dir: Path | str | None = None,
    results: Any = None,
    source: str | None = None,
    plotly_js: str = "inline",
) -> Path | None:
    """Write the HTML report of result document *doc* to *path* and, if *png_dir* is
    given, its figures as PNG files there (``<figure key>.png``).

    *results*: see :func:`build_model`; *plotly_js*: ``inline`` (default, one
    self-contained file), ``file`` (a shared ``plotly-<version>.min.js`` beside the
    report) or ``cdn``. Returns the HTML path (None when only PNGs were
    asked for). Files are written atomically; directories are created if needed.
    """
    model = build_model(doc, results=results, source=source)
    html_path, _ = write_model(model, path, png_dir=png_dir, plotly_js=plotly_js)
    return html_path


def write_model(
    model: ReportModel,
    path: Path | str | None,
    *,
    png_dir: Path | str | None = None,
    plotly_js: str = "inline",
) -> tuple[Path | None, list[Path]]:
    """Render *model* to an HTML file and/or PNG files; returns (html path, png paths)."""
    out: Path | None = None
    pngs: list[Path] = []
    if path is not None:
        from accelscope.report.html import render_html
        from accelscope.store.parts import atomic_write_bytes

        out = Path(path)
        if out.is_dir():
            from accelscope.errors import InputFileError

            raise InputFileError(f"report path '{out}' is a directory; give an .html file name")
        out.parent.mkdir(parents=True, exist_ok=True)
        page = render_html(model, plotly_js)
        if plotly_js == "file":  # one shared copy per folder, written once
            from accelscope.report.html import plotly_file_name, plotly_js_text

            shared = out.parent / plotly_file_name()
            if not shared.is_file():
                atomic_write_bytes(shared, plotly_js_text().encode("utf-8"))
        atomic_write_bytes(out, page.encode("utf-8"))
    if png_dir is not None:
        from accelscope.report.png import write_pngs

        pngs = write_pngs(model.figures, Path(png_dir))
    return out, pngs
