"""Per-layer tables and figures shared by the evaluate and explore reports."""

from __future__ import annotations

from typing import Any

import numpy as np

from accelscope.fmt import joules, si
from accelscope.report.layers import LayerArrays, Roofs, bound_shares, latency_breakdown, roofline
from accelscope.report.model import Section, Table
from accelscope.report.units import micros

_COLUMNS = [
    "#",
    "layer",
    "op",
    "latency",
    "share",
    "bound",
    "utilization",
    "MACs",
    "DRAM",
    "energy",
]
_NUMERIC = [True, False, False, True, True, False, True, True, True, True]


def _rows(layers: list[dict[str, Any]], arr: LayerArrays, order: np.ndarray) -> list[list[str]]:
    total = float(arr.latency_us.sum()) or 1.0
    rows = []
    for i in order:
        rec = layers[int(i)]
        rows.append(
            [
                str(int(i)),
                arr.names[i],
                arr.ops[i],
                f"{micros(arr.latency_us[i])}",
                f"{100 * arr.latency_us[i] / total:.1f} %",
                arr.bounds[i],
                f"{100 * arr.utilization[i]:.1f} %",
                si(arr.macs[i]),
                si(arr.dram_bytes[i], "B"),
                joules(float(rec["energy_j"])).replace("uJ", "µJ") if "energy_j" in rec else "",
            ]
        )
    return rows


def layer_section(
    layers: list[dict[str, Any]],
    roofs: Roofs,
    network: str,
    key: str,
    title: str,
    intro: str = "",
    top: int = 10,
) -> Section:
    """Latency-by-bound bars, roofline, the slowest layers and (collapsed) every layer."""
    arr = LayerArrays.from_records(layers, roofs.clock_mhz)
    section = Section(key=key, title=title, intro=intro)
    section.figures.append(latency_breakdown(arr, f"{key}-latency", network))
    section.figures.append(roofline(arr, roofs, f"{key}-roofline", network))
    slowest = np.argsort(-arr.latency_us, kind="stable")[:top]
    section.tables.append(
        Table(
            title=f"The {min(top, len(layers))} slowest layers",
            columns=_COLUMNS,
            rows=_rows(layers, arr, slowest),
            numeric=_NUMERIC,
            key=f"{key}-slowest",
        )
    )
    section.tables.append(
        Table(
            title=f"All {len(layers)} layers",
            columns=_COLUMNS,
            rows=_rows(layers, arr, np.arange(len(layers))),
            numeric=_NUMERIC,
            collapsed=True,
            key=f"{key}-all",
        )
    )
    return section


def bound_share_text(layers: list[dict[str, Any]], clock_mhz: float) -> str:
    """``compute 61.0 %, memory 20.1 %, vector 18.9 %`` of the network latency."""
    shares = bound_shares(LayerArrays.from_records(layers, clock_mhz))
    return ", ".join(f"{b} {100 * s:.1f} %" for b, s in shares.items())
