"""Command-line interface: ``accelscope COMMAND ...`` (typer + rich).

Every command that prints a table also accepts ``--json`` and then prints exactly one
JSON document on stdout. User mistakes print one line ``error: ...`` on stderr and exit 2.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from accelscope import __version__
from accelscope.console import SafeConsole
from accelscope.errors import AccelscopeError, SpecError
from accelscope.fmt import joules, percent, seconds, si
from accelscope.limits import (
    MAX_BATCH,
    MAX_SEARCH_BUDGET,
    MAX_SEED,
    MAX_SEQ_LEN,
    MAX_TOP,
    MAX_WORKERS,
    check_time_budget,
)

app = typer.Typer(
    name="accelscope",
    help="Application-driven design-space exploration of DNN accelerators.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
zoo_app = typer.Typer(help="The built-in model zoo.", no_args_is_help=True)
workload_app = typer.Typer(
    help="Inspect workloads (zoo names, ONNX or YAML files).", no_args_is_help=True
)
arch_app = typer.Typer(help="Accelerator presets and specs.", no_args_is_help=True)
app.add_typer(zoo_app, name="zoo")
app.add_typer(workload_app, name="workload")
app.add_typer(arch_app, name="arch")


# Pipes and logs get a wide console so tables are not wrapped at 80 columns.
out = SafeConsole(
    soft_wrap=False, width=None if sys.stdout.isatty() else 200, markup=False, highlight=False
)
err = SafeConsole(stderr=True, soft_wrap=True, markup=False, highlight=False)  # single lines

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON document instead of a table.")
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
    bool, typer.Option("--overwrite", help="Replace results of a different run in --out.")
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
    ),
]


def _emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, default=_json_default) + "\n")


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def provenance() -> dict[str, Any]:
    """How a result was produced: the exact command line and the accelscope version."""
    import platform
    import shlex

    return {
        "command": "accelscope " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "accelscope_version": __version__,
        "python": platform.python_version(),
    }


def _parse_input_shapes(items: list[str] | None) -> dict[str, list[int]] | None:
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


def _load(
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
        input_shapes=_parse_input_shapes(input_shape),
    )


# ---------------------------------------------------------------------------- zoo
@zoo_app.command("list")
def zoo_list(json_out: JsonOpt = False) -> None:
    """List the built-in networks with family, MACs and parameters."""
    from accelscope.workload.catalogue import catalogue_rows

    rows = catalogue_rows()
    if json_out:
        _emit_json({"models": rows})
        return
    table = Table(title="accelscope model zoo")
    for col in ("name", "family", "batch", "seq", "MACs", "params", "description"):
        table.add_column(
            col, justify="right" if col in ("batch", "seq", "MACs", "params") else "left"
        )
    for r in rows:
        table.add_row(
            r["name"],
            r["family"],
            str(r["batch"]),
            str(r["seq_len"] or "-"),
            si(r["macs"]),
            si(r["params"]),
            r["description"],
        )
    out.print(table)


# ---------------------------------------------------------------------------- workload
@workload_app.command("show")
def workload_show(
    model: Annotated[str, typer.Argument(help="Zoo name, or path to a .onnx / .yaml file.")],
    batch: BatchOpt = None,
    seq_len: SeqOpt = None,
    input_shape: InputShapeOpt = None,
    allow_unsupported: AllowUnsupportedOpt = False,
    precision: Annotated[
        str, typer.Option("--precision", help="Operand precision for byte counts.")
    ] = "int8",
    json_out: JsonOpt = False,
) -> None:
    """Per-layer table of a network: op, shapes, MACs, params; totals and kernels."""
    from accelscope.precision import bytes_per_element

    bytes_per_element(precision)
    net = _load(model, batch, seq_len, input_shape, allow_unsupported)
    summary = net.summary(precision)
    if json_out:
        _emit_json(summary)
        return
    table = Table(title=f"{net.name} ({net.family}, batch {net.batch})")
    for col in ("#", "name", "op", "shape", "MACs", "params"):
        table.add_column(col, justify="right" if col in ("#", "MACs", "params") else "left")
    for i, row in enumerate(summary["layers"]):
        table.add_row(
            str(i), row["name"], row["op"], row["shape"], si(row["macs"]), si(row["params"])
        )
    out.print(table)
    n_gemm = sum(1 for k in summary["kernels"] if k["kind"] == "gemm")
    out.print(
        f"total: {si(summary['total_macs'], 'MAC')}, {si(summary['total_params'])} params, "
        f"{si(summary['total_other_ops'], 'op')} vector ops, {len(net.layers)} layers, "
        f"{n_gemm} unique GEMM kernels, {len(summary['kernels']) - n_gemm} unique vector kernels",
        soft_wrap=True,
    )
    if summary["unsupported"]:
        names = ", ".join(f"{u['name']} ({u['op_type']})" for u in summary["unsupported"])
        out.print(Text(f"unsupported (zero-cost placeholders): {names}", style="yellow"))


# ---------------------------------------------------------------------------- arch
@arch_app.command("list")
def arch_list(json_out: JsonOpt = False) -> None:
    """List the accelerator presets."""
    from accelscope.arch import list_presets, load_arch

    archs = [load_arch(name) for name in list_presets()]
    rows = [_arch_row(a) for a in archs]
    if json_out:
        _emit_json({"presets": rows})
        return
    table = Table(title="accelerator presets")
    for col in (
        "name",
        "PEs",
        "dataflow",
        "clock",
        "buffers",
        "DRAM",
        "precision",
        "tech",
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["name"],
            f"{r['tensor_units']}x{r['rows']}x{r['cols']}",
            r["dataflow"],
            f"{r['clock_mhz']:g} MHz",
            r["buffers"],
            f"{r['dram_gbps']:g} GB/s",
            r["precision"],
            r["technology"],
        )
    out.print(table)
    out.print("details and sources: accelscope arch show NAME", soft_wrap=True)


def _arch_row(a) -> dict[str, Any]:
    b = a.buffers
    if b.unified_kib is not None:
        buffers = f"{b.unified_kib:g} KiB unified"
    else:
        buffers = f"in {b.input_kib:g} / w {b.weight_kib:g} / out {b.output_kib:g} KiB"
    return {
        "name": a.name,
        "description": a.description,
        "tensor_units": a.tensor_units.count,
        "rows": a.tensor_units.rows,
        "cols": a.tensor_units.cols,
        "dataflow": a.tensor_units.dataflow,
        "clock_mhz": a.clock_mhz,
        "buffers": buffers,
        "dram_gbps": a.dram.bandwidth_gbps,
        "precision": a.precision,
        "technology": a.technology,
    }


@arch_app.command("show")
def arch_show(
    name: Annotated[str, typer.Argument(help="Preset name or path to an arch YAML file.")],
    json_out: JsonOpt = False,
) -> None:
    """Show one accelerator spec in full."""
    import yaml

    from accelscope.arch import load_arch

    arch = load_arch(name)
    doc = arch.model_dump(mode="json")
    if json_out:
        _emit_json(doc)
        return
    out.print(yaml.safe_dump(doc, sort_keys=False).rstrip())


# ---------------------------------------------------------------------------- evaluate
@app.command("evaluate")
def evaluate_cmd(
    model: Annotated[str, typer.Argument(help="Zoo name, or path to a .onnx / .yaml file.")],
    arch: Annotated[
        str, typer.Option("--arch", help="Accelerator preset name or YAML file.")
    ] = "default",
    batch: BatchOpt = None,
    seq_len: SeqOpt = None,
    input_shape: InputShapeOpt = None,
    allow_unsupported: AllowUnsupportedOpt = False,
    report: ReportOpt = None,
    png: PngOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Latency, energy, area and the bound of every layer of MODEL on one accelerator."""
    from accelscope.arch import load_arch
    from accelscope.cost import evaluate

    spec = load_arch(arch)
    net = _load(model, batch, seq_len, input_shape, allow_unsupported)
    network_report = evaluate(net, spec)
    doc = network_report.to_dict()
    doc = {
        "kind": "evaluate",
        "network": net.name,
        "arch": spec.name,
        "batch": net.batch,
        **doc,
        "arch_spec": spec.model_dump(mode="json"),
        "provenance": provenance(),
    }
    write_report_if_asked(doc, report, png)
    if json_out:
        _emit_json(doc)
        return
    table = Table(title=f"{net.name} on {spec.name} (batch {net.batch})")
    cols = (
        "name",
        "op",
        "cycles",
        "bound",
        "util",
        "DRAM",
        "energy",
        "fusion",
        "on chip",
        "mapping",
    )
    for col in cols:
        left = col in ("name", "op", "bound", "mapping", "fusion", "on chip")
        table.add_column(col, justify="left" if left else "right")
    for layer in doc["layers"]:
        mapping = layer.get("mapping") or {}
        map_txt = ""
        if mapping:
            unit = " (vector unit)" if mapping.get("unit") == "vector" else ""
            map_txt = (
                f"{mapping.get('dataflow', '')} {mapping.get('tile_m', '')}"
                f"x{mapping.get('tile_k', '')}x{mapping.get('tile_n', '')}{unit}"
            )
        table.add_row(
            layer["name"],
            layer.get("op", ""),
            si(layer["cycles"]),
            layer["bound"],
            percent(layer["utilization"]),
            si(layer["dram_bytes"], "B"),
            joules(layer["energy_j"]) if "energy_j" in layer else "",
            _fusion_text(layer),
            _on_chip_text(layer),
            map_txt,
        )
    out.print(table)
    ex = doc.get("execution", {})
    sub = ex.get("sub_batch", net.batch)
    out.print(
        f"latency {seconds(doc['latency_s'])} ({si(doc['latency_cycles'])} cycles), "
        f"throughput {doc['throughput_per_s']:.4g} inferences/s, "
        f"energy {joules(doc['energy_j'])}, "
        f"area {doc['area_mm2']:.4g} mm², power {doc['power_w']:.3g} W on the die "
        f"(+{doc.get('dram_power_w', 0.0):.3g} W in DRAM), "
        f"utilization {percent(doc['utilization'])}"
        + (f"; the batch runs as {net.batch // sub} passes of {sub}" if sub != net.batch else ""),
        soft_wrap=True,
    )


def _fusion_text(layer: dict[str, Any]) -> str:
    """What fusion did to a layer, for the evaluate table."""
    fusion = layer.get("fusion", "compute")
    if fusion == "fused":
        return f"in {layer.get('fused_into')}"
    if fusion == "folded":
        return f"folded into {layer.get('fused_into')}"
    if layer.get("fused_ops"):
        return "+" + ", ".join(layer["fused_ops"])
    return ""


def _on_chip_text(layer: dict[str, Any]) -> str:
    """Which of the layer's input and result stayed on chip between layers."""
    parts = [
        name for name, key in (("in", "input_on_chip"), ("out", "output_on_chip")) if layer.get(key)
    ]
    return ", ".join(parts)


@app.command("explore")
def explore_cmd(
    model: Annotated[str, typer.Argument(help="Zoo name, or path to a .onnx / .yaml file.")],
    space: Annotated[
        str | None,
        typer.Option("--space", help="Design-space YAML file or packaged name (default)."),
    ] = None,
    objective: Annotated[
        list[str] | None,
        typer.Option(
            "--objective",
            help="Objective (repeatable): latency, throughput, energy, edp, area, power, "
            "perf_per_area, perf_per_watt; prefix min:/max: to override the direction.",
        ),
    ] = None,
    constraint: Annotated[
        list[str] | None,
        typer.Option(
            "--constraint",
            help="Constraint (repeatable), e.g. 'area_mm2 <= 50'. Default: the space's own.",
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
    top: Annotated[
        int, typer.Option("--top", min=1, max=MAX_TOP, help="Designs shown in the table.")
    ] = 10,
    report: ReportOpt = None,
    png: PngOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Search the design space for the best accelerators for MODEL under constraints."""
    from accelscope.search import load_space
    from accelscope.search.report import result_document
    from accelscope.search.runner import explore

    net = _load(model, batch, seq_len)
    design_space = load_space(space)
    try:
        result = explore(
            net,
            design_space,
            objectives=objective or ["latency"],
            constraints=constraint,
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
    write_report_if_asked(doc, report, png)
    if json_out:
        _emit_json(doc)
        return
    _print_explore_table(doc)


class NoFeasibleDesign(AccelscopeError):
    """No evaluated design satisfies the constraints."""


def _print_explore_table(doc: dict[str, Any]) -> None:
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
        "pareto",
    ]
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
            "yes" if d["pareto"] else "",
        )
    out.print(table)
    out.print(
        f"{doc['strategy']}: {doc['evaluated']} designs evaluated, {doc['feasible']} meet the "
        f"constraints ({'; '.join(doc['constraints']) or 'none'}), {len(doc['pareto'])} on the "
        f"Pareto front, {doc['elapsed_s']:.1f} s"
        + (f"; results in {doc['out_dir']}" if doc.get("out_dir") else ""),
        soft_wrap=True,
    )


@app.command("version")
def version_cmd() -> None:
    """Print the accelscope version."""
    out.print(__version__)


def _print_version(value: bool) -> None:
    if value:
        out.print(__version__)
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Application-driven design-space exploration of DNN accelerators."""


def _register_commands() -> None:
    """Add ``accelscope NAME`` for every module in :mod:`accelscope.commands`."""
    import importlib

    from accelscope.commands import COMMANDS

    for name in COMMANDS:
        module_name = f"accelscope.commands.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # command not built yet
            raise
        app.command(name)(module.command)


def write_report_if_asked(doc: dict[str, Any], report: Path | None, png: Path | None) -> None:
    """Write the HTML report (and PNG figures) of a result document when asked."""
    if report is None and png is None:
        return
    from accelscope.report import write_report

    path = write_report(doc, report, png_dir=png)
    if path is not None:
        err.print(f"report: {path}", markup=False, highlight=False)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: user errors become one line on stderr and exit 2."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # Without standalone mode click returns the code of a typer.Exit instead of exiting.
            returned = app(args=argv, standalone_mode=False)
            code = returned if isinstance(returned, int) else 0
        except AccelscopeError as exc:
            _print_warnings(caught)
            err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            return exc.exit_code
        except typer.Exit as exc:
            code = exc.exit_code
        except typer.Abort:
            err.print("error: aborted", markup=False)
            return 130
        except KeyboardInterrupt:
            err.print("error: interrupted", markup=False)
            return 130
        except OSError as exc:  # permission, no space, is-a-directory, ... while reading/writing
            _print_warnings(caught)
            err.print(f"error: {os_error_message(exc)}", markup=False, highlight=False)
            return 2
        except Exception as exc:
            message = usage_error_message(exc)
            if message is None:
                raise
            _print_warnings(caught)
            if message:
                err.print(message, markup=False, highlight=False, soft_wrap=True)
            return 2
    _print_warnings(caught)
    return code


def os_error_message(exc: OSError) -> str:
    """``path: reason`` of an operating-system error (the path it concerns, if known)."""
    reason = exc.strerror or str(exc)
    paths = [p for p in (exc.filename, exc.filename2) if p is not None]
    return f"{': '.join(str(p) for p in paths)}: {reason}" if paths else reason


def usage_error_message(exc: BaseException) -> str | None:
    """One line for a command-line usage error, whichever copy of click raised it (typer
    bundles its own as ``typer._click``; a separately installed ``click`` has the same
    class names), ``""`` when click already printed the help, or None for any other
    exception. The hint names the command's help."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "ClickException" not in names:
        return None
    if "NoArgsIsHelpError" in names:
        return ""  # the help text was printed already
    try:
        text = str(exc.format_message())  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - a click that changed its API
        text = str(exc)
    text = " ".join(text.split()) or type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None) or "accelscope"
    hint = f" (see '{path} --help')" if "UsageError" in names else ""
    return f"error: {text}{hint}"


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    seen: set[str] = set()
    for w in caught:
        msg = str(w.message)
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
            continue
        if msg in seen:
            continue
        seen.add(msg)
        err.print(f"warning: {msg}", markup=False, highlight=False, soft_wrap=True)


# Last, so command modules can import every helper above from accelscope.cli.
_register_commands()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
