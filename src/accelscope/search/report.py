"""JSON documents and files describing an exploration result."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from accelscope.search.constraints import Objective
from accelscope.search.runner import ExploreResult
from accelscope.search.table import DESIGN_KEYS, METRICS


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value


def design(result: ExploreResult, row: int) -> dict[str, Any]:
    """One evaluated design: every accelerator parameter (space values and defaults) plus
    its metrics, JSON-ready (non-finite numbers become null)."""
    values = result.row(row)
    index = int(values["index"])
    full = result.space.design(index) if result.space is not None else {}
    keys = result.space.target_model.design_keys if result.space is not None else DESIGN_KEYS
    metrics = result.space.target_model.metrics if result.space is not None else METRICS
    out: dict[str, Any] = {"index": index}
    for key in keys:
        if key in full:
            out[key] = _clean(full[key])
    for key in (*metrics, "meets_constraints", "pareto"):
        if key in values:
            out[key] = _clean(values[key])
    return out


def top_rows(result: ExploreResult, top: int) -> np.ndarray:
    """Row numbers of the *top* best feasible designs by the objectives (lexicographic).

    The run keeps its ten best; asking for more reads the stored table once more, part by
    part, so memory stays bounded."""
    if top <= len(result.top_rows) or len(result.top_rows) == result.feasible:
        return result.top_rows[:top]
    from accelscope.search.summary import StreamingSummary

    tie = result.space.target_model.tie_break if result.space is not None else None
    summary = StreamingSummary(
        result.objectives,
        result.constraints,
        top=top,
        tie_break=Objective(*tie) if tie else None,
    )
    for piece in result.iter_table():
        summary.add(piece.drop_columns(["meets_constraints", "pareto"]))
    result.kept_rows.update(summary.rows())
    return summary.top_rows


def result_document(result: ExploreResult, top: int = 10) -> dict[str, Any]:
    """The ``--json`` document of ``accelscope explore``."""
    pareto = [design(result, int(r)) for r in result.pareto_rows]
    best = design(result, result.best_row) if result.best_row is not None else None
    rows = top_rows(result, top)
    doc: dict[str, Any] = {
        "kind": "explore",
        "network": result.network.name if result.network is not None else None,
        "space": result.space.name if result.space is not None else None,
        "space_size": result.space.size if result.space is not None else None,
        "objectives": [o.label for o in result.objectives],
        "constraints": [c.text for c in result.constraints],
        "strategy": result.strategy,
        "evaluated": result.evaluated,
        "feasible": result.feasible,
        "elapsed_s": result.elapsed_s,
        "resumed_parts": result.resumed_parts,
        "out_dir": str(result.out_dir) if result.out_dir is not None else None,
        "best": best,
        "pareto": pareto,
        "top": [design(result, int(r)) for r in rows],
        "diagnosis": result.diagnosis or None,
    }
    if result.space is not None:
        doc["target"] = result.space.target
    if best is not None and result.network is not None and result.space is not None:
        report = result.space.target_model.report(result.network, result.best_arch())
        doc["best_layers"] = report["layers"]
    if best is not None:
        from accelscope.search.why import explain

        doc["why"] = explain(result, doc)
    return doc


def write_outputs(result: ExploreResult, doc: dict[str, Any]) -> None:
    """Write ``summary.json`` and ``results.parquet`` (all rows, with the Pareto and
    constraint flags) into the result directory, atomically."""
    if result.out_dir is None:
        return
    from accelscope.store.parts import write_json

    write_table(result, result.out_dir / "results.parquet")
    write_json(result.out_dir / "summary.json", doc)


def write_table(result: ExploreResult, path) -> None:
    """Stream the full table into a Parquet file, part by part, atomically."""
    from accelscope.store.parts import write_parquet_stream

    write_parquet_stream(path, result.iter_table())
