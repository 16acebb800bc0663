"""What every CLI command shares: the consoles, common options, JSON output, loading a
network, provenance and the optional report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from accelscope import __version__
from accelscope.console import SafeConsole
from accelscope.errors import SpecError
from accelscope.limits import (
    MAX_BATCH,
    MAX_SEED,
    MAX_SEQ_LEN,
    MAX_WORKERS,
    check_time_budget,
)

# Pipes and logs get a wide console so tables are not wrapped at 80 columns.
out = SafeConsole(
    soft_wrap=False, width=None if sys.stdout.isatty() else 200, markup=False, highlight=False
)
err = SafeConsole(stderr=True, soft_wrap=True, markup=False, highlight=False)  # single lines

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of a table.", metavar="")
]
BatchOpt = Annotated[
    int | None,
    typer.Option("--batch", min=1, max=MAX_BATCH, help="Batch size (default: the model's)."),
]
SeqOpt = Annotated[
    int | None,
    typer.Option("--seq-len", min=1, max=MAX_SEQ_LEN, help="Sequence length for sequence models."),
]
InputShapeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--input-shape",
        help="Fix an ONNX input shape, e.g. --input-shape input=1,3,224,224 (repeatable).",
    ),
]
CsvOpt = Annotated[
    Path | None,
    typer.Option("--csv", help="Also write the table as CSV to this file."),
]
ReportOpt = Annotated[
    Path | None,
    typer.Option("--report", help="Also write a self-contained HTML report to this file."),
]
PngOpt = Annotated[
    Path | None, typer.Option("--png", help="Also write the report's figures as PNGs here.")
]
ExecutorOpt = Annotated[str, typer.Option("--executor", help="serial | processes | dask")]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers", min=1, max=MAX_WORKERS, help="Workers for processes/dask (default 2)."
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option("--scheduler", help="Existing dask scheduler, e.g. tcp://HOST:8786."),
]
OutDirOpt = Annotated[
    Path | None, typer.Option("--out", help="Result directory (durable; rerun to resume).")
]
OverwriteOpt = Annotated[
    bool,
    typer.Option("--overwrite", help="Replace results of a different run in --out.", metavar=""),
]
TimeBudgetOpt = Annotated[
    float | None,
    typer.Option(
        "--time-budget",
        callback=check_time_budget,
        help="Stop submitting work after this many seconds (finished work is kept).",
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED, help="Random seed.")]
AllowUnsupportedOpt = Annotated[
    bool,
    typer.Option(
        "--allow-unsupported",
        help="Replace unsupported operators by zero-cost placeholders (listed) instead of failing.",
        metavar="",
    ),
]


def emit_json(doc: Any) -> None:
    """Print *doc* as one JSON document (non-finite numbers as null)."""
    from accelscope.jsonsafe import dumps

    sys.stdout.write(dumps(doc, indent=2) + "\n")


def provenance() -> dict[str, Any]:
    """How a result was produced: the exact command line and the accelscope version."""
    import platform
    import shlex

    return {
        "command": "accelscope " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "accelscope_version": __version__,
        "python": platform.python_version(),
    }


def parse_input_shapes(items: list[str] | None) -> dict[str, list[int]] | None:
    if not items:
        return None
    shapes: dict[str, list[int]] = {}
    for item in items:
        name, sep, dims = item.partition("=")
        try:
            values = [int(d) for d in dims.split(",")] if sep and dims else []
        except ValueError:
            values = []
        if not name or not values or any(v <= 0 for v in values):
            raise SpecError(
                f"--input-shape '{item}': expected NAME=D1,D2,... with positive integers"
            )
        shapes[name] = values
    return shapes


def load_network(
    model: str,
    batch: int | None,
    seq_len: int | None,
    input_shape: list[str] | None = None,
    allow_unsupported: bool = False,
):
    from accelscope.workload import load_model

    if batch is not None and batch <= 0:
        raise SpecError(f"--batch must be a positive integer, got {batch}")
    if seq_len is not None and seq_len <= 0:
        raise SpecError(f"--seq-len must be a positive integer, got {seq_len}")
    return load_model(
        model,
        batch=batch,
        seq_len=seq_len,
        allow_unsupported=allow_unsupported,
        input_shapes=parse_input_shapes(input_shape),
    )


def _check_plotly_js(value: str) -> str:
    if value not in ("inline", "file", "cdn"):
        raise typer.BadParameter(f"'{value}': expected inline, file or cdn")
    return value


PlotlyJsOpt = Annotated[
    str,
    typer.Option(
        "--plotly-js",
        callback=_check_plotly_js,
        help="Reports: inline (one self-contained file), file (a shared plotly-*.min.js "
        "beside the report) or cdn.",
    ),
]


def write_report_if_asked(
    doc: dict[str, Any], report: Path | None, png: Path | None, plotly_js: str = "inline"
) -> None:
    """Write the HTML report (and PNG figures) of a result document when asked."""
    if report is None and png is None:
        return
    from accelscope.report import write_report

    path = write_report(doc, report, png_dir=png, plotly_js=plotly_js)
    if path is not None:
        err.print(f"report: {path}", markup=False, highlight=False)


def with_space_constraints(space, extra: list[str] | None) -> list[str] | None:
    """The space file's constraints plus the command line's (``--constraint`` adds), each
    once (compared without spaces); None when the command line gives none."""
    if not extra:
        return None
    merged: dict[str, str] = {}
    for text in [*space.constraints, *extra]:
        merged.setdefault("".join(str(text).split()), text)
    return list(merged.values())


SaveBestOpt = Annotated[
    Path | None,
    typer.Option(
        "--save-best",
        help="Also write the best design as an arch YAML (reproduced by evaluate --arch).",
    ),
]


def save_best_if_asked(doc: dict[str, Any], path: Path | None) -> None:
    """Write the result's best design (explore) or joint optimum (multi) as an arch YAML."""
    if path is None:
        return
    from accelscope.search.export import design_arch, write_arch_yaml

    written = write_arch_yaml(design_arch(doc), path, note=doc["provenance"]["command"])
    err.print(f"best design: {written}", markup=False, highlight=False)


TargetOpt = Annotated[
    str | None,
    typer.Option("--target", help="asic | fpga (default: the space's or design's target)."),
]
BoardOpt = Annotated[
    str | None,
    typer.Option("--board", help="FPGA board name (accelscope board list); implies --target fpga."),
]


def load_target_space(space: str | None, target: str | None, board: str | None):
    """The design space to search: ``--space`` (default: the target's packaged space),
    checked against ``--target``, with ``--board`` fixing an FPGA space's board."""
    from accelscope.search import load_space
    from accelscope.search.space import space_from_dict
    from accelscope.targets import get_target

    if target is None and board is not None:
        target = "fpga"
    if target is not None:
        get_target(target)  # unknown target: one clear error
    default = get_target(target or "asic").default_space
    design_space = load_space(space if space is not None else default)
    if target is not None and design_space.target != target:
        raise SpecError(
            f"--target {target}, but the design space '{design_space.name}' is for the "
            f"{design_space.target} target"
        )
    if board is None:
        return design_space
    if design_space.target != "fpga":
        raise SpecError("--board applies to the fpga target (use --target fpga)")
    from accelscope.targets.fpga import get_board

    get_board(board)
    data = design_space.model_dump(mode="json", exclude_none=True)
    data["parameters"]["board"] = {"value": board}
    return space_from_dict(data, f"--space {design_space.name} with --board {board}")


def load_design_spec(
    text: str,
    target: str | None = None,
    board: str | None = None,
    paradigm: str | None = None,
    precision: str | None = None,
):
    """An accelerator spec for ``evaluate``: an ASIC preset or arch YAML, or an FPGA
    design YAML (``target: fpga``), or an FPGA design made from ``--board`` and
    ``--paradigm``."""
    from accelscope.targets import get_target

    if target is None and board is not None:
        target = "fpga"
    if target is not None:
        get_target(target)
    path = Path(text)
    is_file = text.lower().endswith((".yaml", ".yml")) or "/" in text or path.is_file()
    if is_file and path.is_file():
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            data = None
        if isinstance(data, dict) and data.get("target") == "fpga":
            from accelscope.targets.fpga import design_from_dict

            design = design_from_dict(data, path.name)
            if target == "asic":
                raise SpecError(f"{path.name}: an FPGA design, but --target asic was given")
            updates = {
                k: v
                for k, v in (("board", board), ("paradigm", paradigm), ("precision", precision))
                if v is not None
            }
            return (
                design_from_dict({**design.to_dict(), **updates}, path.name) if updates else design
            )
    if target == "fpga":
        from accelscope.targets.fpga import design_from_dict

        if not board:
            raise SpecError(
                "--target fpga needs --board (accelscope board list) "
                "or an FPGA design YAML in --arch"
            )
        data = {"name": f"{board}-{paradigm or 'pipeline'}", "board": board}
        if paradigm:
            data["paradigm"] = paradigm
        if precision:
            data["precision"] = precision
        return design_from_dict(data, "--board/--paradigm")
    if paradigm is not None or precision is not None:
        raise SpecError("--paradigm and --precision apply to the fpga target (use --board)")
    from accelscope.targets.asic.arch import load_arch

    return load_arch(text)


def write_csv_if_asked(path: Path | None, rows=None, pieces=None) -> None:
    """Write ``--csv``: *rows* (a list of flat dicts) or *pieces* (pyarrow tables)."""
    if path is None:
        return
    from accelscope.store.parts import write_csv_rows, write_csv_stream

    n = write_csv_rows(path, rows) if rows is not None else write_csv_stream(path, pieces)
    err.print(f"csv: {path} ({n:,} rows)", markup=False, highlight=False)


def flat_layer_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The per-layer records of an evaluate document as flat CSV rows: scalars kept,
    energy components as ``energy_<part>_j``, the mapping's dataflow and tiles."""
    rows = []
    for layer in doc.get("layers") or []:
        row = {k: v for k, v in layer.items() if not isinstance(v, dict | list)}
        for part, value in (layer.get("energy_breakdown_j") or {}).items():
            row[f"energy_{part}_j"] = value
        mapping = layer.get("mapping") or {}
        for key in ("dataflow", "tile_m", "tile_k", "tile_n", "unit"):
            if key in mapping:
                row[f"mapping_{key}"] = mapping[key]
        rows.append(row)
    return rows
