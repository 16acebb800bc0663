"""Design records of explorations: the result table, objectives and hover descriptions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from accelscope.report.figure import esc
from accelscope.report.units import METRIC_LABELS, format_value, parameter_label

#: Metrics listed in a design's hover text, in this order.
HOVER_METRICS = (
    "latency_s",
    "throughput_per_s",
    "energy_j",
    "area_mm2",
    "power_w",
    "utilization",
    "gops",
    "dsp",
    "bram18",
)


@dataclass(frozen=True)
class Objective:
    """One objective of a result document: ``min:latency_s`` -> ("min", "latency_s")."""

    direction: str
    metric: str

    @classmethod
    def parse(cls, label: str) -> Objective:
        direction, sep, metric = str(label).partition(":")
        if not sep:
            return cls("min", direction)
        return cls(direction if direction in ("min", "max") else "min", metric)

    def better(self, a: np.ndarray) -> np.ndarray:
        """Values oriented so that smaller is better."""
        return a if self.direction == "min" else -a


def objectives_of(doc: dict[str, Any]) -> list[Objective]:
    return [Objective.parse(o) for o in doc.get("objectives") or ["min:latency_s"]]


def load_table(source: Any, target: str = "asic", doc: dict[str, Any] | None = None):
    """The ``results.parquet`` table of a run as NumPy columns, categorical codes decoded
    to names, read in bounded memory with exact statistics
    (:func:`accelscope.report.results_table.load_results`). *source* is a path, a pyarrow
    Table, a pandas DataFrame or None; *target* is the hardware target whose categorical
    parameters are decoded; *doc* the run's document (for its objective's statistics)."""
    from accelscope.report.results_table import load_results

    return load_results(source, target, doc)


def decode_categoricals(cols: dict[str, np.ndarray], target: str) -> dict[str, np.ndarray]:
    """Categorical parameter columns stored as integer codes, as their names."""
    from accelscope.targets import get_target

    names = {
        key: list(labels)
        for key, labels in get_target(target).categorical_parameters.items()
        if key != "double_buffering"
    }
    for key, table in names.items():
        col = cols.get(key)
        if col is not None and np.issubdtype(col.dtype, np.integer):
            lookup = np.array(table, dtype=object)
            ok = (col >= 0) & (col < len(table))
            decoded = np.full(col.shape, "?", dtype=object)
            decoded[ok] = lookup[col[ok]]
            cols[key] = decoded
    return cols


def design_title(d: dict[str, Any], target: str = "asic") -> str:
    """Short configuration string of a design of *target*, e.g. ``4x128x128 os, 4096 KiB,
    128 GB/s, 1000 MHz`` (ASIC) or ``hybrid on ku115 (k 3), 1x32x128, ...`` (FPGA)."""
    from accelscope.targets import get_target

    return get_target(target).design_title(d)


def target_of(doc: dict[str, Any]) -> str:
    """The hardware target of a result document (``asic`` for documents without one)."""
    return str(doc.get("target") or (doc.get("space_spec") or {}).get("target") or "asic")


def design_hover(d: dict[str, Any], params: list[str], heading: str = "") -> str:
    """Hover text (plotly pseudo-HTML, escaped) listing *params* and the key metrics."""
    lines = [f"<b>{esc(heading)}</b>"] if heading else []
    lines += [f"{esc(parameter_label(p))}: {esc(_num(d.get(p)))}" for p in params if p in d]
    lines += [
        f"{METRIC_LABELS[m][0]}: {esc(format_value(m, d.get(m)))}" for m in HOVER_METRICS if m in d
    ]
    return "<br>".join(lines)


def row_dict(cols: dict[str, np.ndarray], i: int, keys: list[str]) -> dict[str, Any]:
    """Row *i* of the table as a dict of plain Python values for *keys*."""
    out: dict[str, Any] = {}
    for k in keys:
        if k in cols:
            v = cols[k][i]
            out[k] = v.item() if isinstance(v, np.generic) else v
    return out


def varying_parameters(cols: dict[str, np.ndarray], doc: dict[str, Any]) -> list[str]:
    """Design parameters that take more than one value in the table, in the space's order,
    without parameters tied to another one (they would repeat its panel)."""
    from accelscope.targets import get_target

    PARAMETERS = get_target(target_of(doc)).parameters  # noqa: N806
    spec = (doc.get("space_spec") or {}).get("parameters") or {}
    order = list(spec) + [p for p in PARAMETERS if p not in spec]
    out = []
    for p in order:
        if p not in cols or p not in PARAMETERS:
            continue
        if isinstance(spec.get(p), dict) and spec[p].get("tie"):
            continue
        exact = getattr(cols, "distinct", None)
        distinct = len(exact[p]) if exact is not None and p in exact else None
        if distinct is None:
            distinct = len(np.unique(cols[p].astype(str)))
        if distinct > 1:
            out.append(p)
    return out


def sorted_values(col: np.ndarray) -> list[Any]:
    """Distinct values of a parameter column, numeric ones in numeric order."""
    if col.dtype == object:
        return sorted({str(v) for v in col})
    return [v.item() for v in np.unique(col)]


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not math.isfinite(f):
            return "n/a"
        return f"{f:g}"
    return str(v)
