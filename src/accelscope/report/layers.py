"""Per-layer figures of one network on one accelerator: latency by bound and roofline.

Inputs are the ``layers`` records of ``accelscope evaluate --json`` (or ``best_layers``
of an exploration): ``cycles`` at the accelerator clock, ``compute_cycles``,
``memory_cycles``, ``vector_cycles``, ``bound``, ``macs`` and ``dram_bytes``.

Roofline (Williams, Waterman & Patterson, "Roofline: an insightful visual performance
model for multicore architectures", CACM 52(4), 2009): each layer with MACs and DRAM
traffic is placed at arithmetic intensity ``macs / dram_bytes`` (MAC per DRAM byte) and
achieved throughput ``macs / latency`` (MAC/s, latency = cycles / clock). The roofs are
the peak ``tensor units x rows x cols x clock`` MAC/s and the DRAM bandwidth times the
intensity. Vector-only layers (no MACs) and layers without DRAM traffic have no place on
this plot and are counted in the caption.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from accelscope.fmt import si
from accelscope.report.figure import (
    BOUND_COLORS,
    BOUND_ORDER,
    Figure,
    axis,
    esc,
    layer_axis,
    mpl_esc,
    style_mpl_axes,
    thin_ticks,
    unique_labels,
)
from accelscope.report.units import micros
from accelscope.targets.asic.arch.dram import SUSTAINED_BANDWIDTH_FRACTION

_SUSTAINED = SUSTAINED_BANDWIDTH_FRACTION


@dataclass(frozen=True)
class Roofs:
    """Compute and bandwidth roofs of one accelerator configuration; ``dram_gbps`` is the
    sustained bandwidth the cost model times transfers with (peak x
    :data:`~accelscope.targets.asic.arch.dram.SUSTAINED_BANDWIDTH_FRACTION`)."""

    clock_mhz: float
    peak_macs_per_s: float
    dram_gbps: float

    @property
    def ridge_macs_per_byte(self) -> float:
        """Arithmetic intensity where the two roofs meet (MAC/byte)."""
        return self.peak_macs_per_s / (self.dram_gbps * 1e9)

    @classmethod
    def from_arch_spec(cls, spec: dict[str, Any]) -> Roofs:
        """From an ``arch_spec`` document (``accelscope arch show --json`` layout)."""
        tu = spec["tensor_units"]
        clock = float(spec["clock_mhz"])
        peak = float(tu["count"]) * float(tu["rows"]) * float(tu["cols"]) * clock * 1e6
        return cls(clock, peak, float(spec["dram"]["bandwidth_gbps"]) * _SUSTAINED)

    @classmethod
    def from_design(cls, design: dict[str, Any]) -> Roofs:
        """From a design record of an exploration (``units``, ``rows``, ``cols`` ...)."""
        clock = float(design["clock_mhz"])
        pes = float(design["units"]) * float(design["rows"]) * float(design["cols"])
        return cls(clock, pes * clock * 1e6, float(design["dram_gbps"]) * _SUSTAINED)


@dataclass(frozen=True)
class LayerArrays:
    """Columns of the layer records, latency in µs (cycles / MHz)."""

    names: list[str]
    ops: list[str]
    bounds: list[str]
    latency_us: np.ndarray
    compute_us: np.ndarray
    memory_us: np.ndarray
    vector_us: np.ndarray
    macs: np.ndarray
    dram_bytes: np.ndarray
    utilization: np.ndarray

    @classmethod
    def from_records(cls, layers: list[dict[str, Any]], clock_mhz: float) -> LayerArrays:
        def col(key: str) -> np.ndarray:
            return np.array([float(r.get(key) or 0.0) for r in layers], dtype=np.float64)

        return cls(
            names=[str(r.get("name", "")) for r in layers],
            ops=[str(r.get("op", "")) for r in layers],
            bounds=[str(r.get("bound", "none")) for r in layers],
            latency_us=col("cycles") / clock_mhz,
            compute_us=col("compute_cycles") / clock_mhz,
            memory_us=col("memory_cycles") / clock_mhz,
            vector_us=col("vector_cycles") / clock_mhz,
            macs=col("macs"),
            dram_bytes=col("dram_bytes"),
            utilization=col("utilization"),
        )


def bound_shares(layers: LayerArrays) -> dict[str, float]:
    """Fraction of the network latency spent in layers of each bound (sums to 1)."""
    total = float(layers.latency_us.sum())
    bounds = np.array(layers.bounds)
    return {
        b: (float(layers.latency_us[bounds == b].sum()) / total if total > 0 else 0.0)
        for b in BOUND_ORDER
        if float(layers.latency_us[bounds == b].sum()) > 0
    }


def _layer_hover(layers: LayerArrays, i: int) -> str:
    return (
        f"<b>{esc(layers.names[i])}</b> ({esc(layers.ops[i])})<br>"
        f"latency {micros(layers.latency_us[i])}, {esc(layers.bounds[i])}-bound<br>"
        f"compute {micros(layers.compute_us[i])} · memory {micros(layers.memory_us[i])} · "
        f"vector {micros(layers.vector_us[i])}<br>"
        f"MACs {si(layers.macs[i])} · DRAM {si(layers.dram_bytes[i], 'B')} · "
        f"utilization {100 * layers.utilization[i]:.1f} %"
    )


def latency_breakdown(layers: LayerArrays, key: str, network: str) -> Figure:
    """Per-layer latency bars, stacked by bound: each layer's bar is split into one trace
    per bound class (compute / memory / vector), so every bar carries its layer's bound
    colour and the legend toggles bound classes."""
    n = len(layers.names)
    labels = unique_labels([esc(name) for name in layers.names])
    bounds = np.array(layers.bounds)
    hover = [_layer_hover(layers, i) for i in range(n)]
    data = []
    for b in BOUND_ORDER:
        mask = bounds == b
        if float(layers.latency_us[mask].sum()) <= 0:
            continue  # e.g. free reshapes: no bar to show
        sel = np.flatnonzero(mask)
        data.append(
            {
                "type": "bar",
                "name": f"{b}-bound",
                "x": [labels[i] for i in sel],
                "y": [float(layers.latency_us[i]) for i in sel],
                "marker": {"color": BOUND_COLORS[b]},
                "hovertext": [hover[i] for i in sel],
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    ticks = thin_ticks(n)
    layout = {
        "barmode": "stack",
        "bargap": 0.15,
        "xaxis": layer_axis(labels),
        "yaxis": axis("latency (µs)", rangemode="tozero"),
        "hovermode": "closest",
    }
    shares = bound_shares(layers)
    share_txt = ", ".join(f"{b} {100 * s:.1f} %" for b, s in shares.items())
    total_us = float(layers.latency_us.sum())

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        x = np.arange(n)
        for b in BOUND_ORDER:
            mask = bounds == b
            if float(layers.latency_us[mask].sum()) > 0:
                ax.bar(
                    x[mask],
                    layers.latency_us[mask],
                    width=0.85,
                    color=BOUND_COLORS[b],
                    label=f"{b}-bound",
                )
        ax.set_xticks([int(i) for i in ticks])
        ax.set_xticklabels(
            [mpl_esc(layers.names[i]) for i in ticks], rotation=70, ha="right", fontsize=7
        )
        ax.set_xlim(-0.8, n - 0.2)
        ax.set_ylabel("latency (µs)")
        ax.set_xlabel("layer (execution order)")
        ax.set_title(mpl_esc(f"{network}: latency per layer by bound"), fontsize=11, pad=22)
        # Above the axes, so the legend never covers bars.
        ax.legend(frameon=False, ncol=4, fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0))
        style_mpl_axes(ax)

    return Figure(
        key=key,
        title="Per-layer latency by bound",
        caption=(
            f"{n} layers, {micros(total_us)} in total. Each bar is one layer in execution "
            f"order, coloured by what bounds it; latency share by bound: {share_txt}. "
            "Hover a bar for its compute, memory and vector times."
        ),
        data=data,
        layout=layout,
        draw=draw,
        height_px=440,
    )


def roofline(layers: LayerArrays, roofs: Roofs, key: str, network: str) -> Figure:
    """Roofline plot: layers at (MAC per DRAM byte, achieved MAC/s) under the arch's roofs."""
    with np.errstate(divide="ignore", invalid="ignore"):
        intensity = layers.macs / layers.dram_bytes
        achieved = layers.macs / (layers.latency_us * 1e-6)
    placed = (
        (layers.macs > 0)
        & (layers.dram_bytes > 0)
        & (layers.latency_us > 0)
        & np.isfinite(intensity)
        & np.isfinite(achieved)
    )
    idx = np.flatnonzero(placed)
    n_vector = int(np.count_nonzero(layers.macs <= 0))
    n_nodram = int(np.count_nonzero((layers.macs > 0) & (layers.dram_bytes <= 0)))
    ridge = roofs.ridge_macs_per_byte
    bw = roofs.dram_gbps * 1e9
    if idx.size:
        lo = min(float(intensity[idx].min()), ridge) / 4.0
        hi = max(float(intensity[idx].max()), ridge) * 4.0
    else:
        lo, hi = ridge / 100.0, ridge * 100.0
    roof_x = [lo, ridge, hi]
    roof_y = [bw * lo, roofs.peak_macs_per_s, roofs.peak_macs_per_s]
    total_us = float(layers.latency_us.sum()) or 1.0
    share = layers.latency_us / total_us
    sizes = 6.0 + 30.0 * np.sqrt(share)
    bounds = np.array(layers.bounds)
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "roof",
            "x": roof_x,
            "y": roof_y,
            "line": {"color": "#333333", "width": 2},
            "hovertemplate": (
                f"peak {roofs.peak_macs_per_s:.4g} MAC/s<br>"
                f"DRAM {roofs.dram_gbps:.3g} GB/s sustained<br>"
                f"ridge at {ridge:.3g} MAC/B<extra></extra>"
            ),
        }
    ]
    for b in BOUND_ORDER:
        sel = idx[bounds[idx] == b]
        if sel.size == 0:
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": f"{b}-bound",
                "x": [float(v) for v in intensity[sel]],
                "y": [float(v) for v in achieved[sel]],
                "marker": {
                    "color": BOUND_COLORS[b],
                    "size": [float(s) for s in sizes[sel]],
                    "opacity": 0.8,
                    "line": {"color": "#ffffff", "width": 1},
                },
                "hovertext": [
                    _layer_hover(layers, int(i))
                    + f"<br>intensity {intensity[i]:.4g} MAC/B · achieved {achieved[i]:.4g} MAC/s"
                    for i in sel
                ],
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    layout = {
        "xaxis": axis("arithmetic intensity (MAC per DRAM byte)", type="log", exponentformat="SI"),
        "yaxis": axis("achieved throughput (MAC/s)", type="log", exponentformat="SI"),
        "annotations": [
            {
                "x": float(np.log10(hi)),
                "y": float(np.log10(roofs.peak_macs_per_s)),
                "xref": "x",
                "yref": "y",
                "text": f"peak {roofs.peak_macs_per_s:.3g} MAC/s",
                "showarrow": False,
                "xanchor": "right",
                "yanchor": "bottom",
                "font": {"size": 11},
            },
            {
                "x": float(np.log10(lo)),
                "y": float(np.log10(bw * lo)),
                "xref": "x",
                "yref": "y",
                "text": f"DRAM {roofs.dram_gbps:.3g} GB/s sustained",
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 11},
                "textangle": 0,
            },
        ],
    }
    skipped = []
    if n_vector:
        skipped.append(f"{n_vector} layers without MACs (vector work or free reshapes)")
    if n_nodram:
        skipped.append(f"{n_nodram} layers without DRAM traffic")
    caption = (
        f"{idx.size} layers placed by arithmetic intensity and achieved throughput; marker "
        f"area grows with the layer's latency share. Roofs: {roofs.peak_macs_per_s:.4g} MAC/s "
        f"peak, {roofs.dram_gbps:.3g} GB/s sustained DRAM, ridge at {ridge:.3g} MAC/byte."
        + (f" Not shown: {'; '.join(skipped)}." if skipped else "")
    )

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        ax.plot(roof_x, roof_y, color="#333333", linewidth=2, label="roof")
        for b in BOUND_ORDER:
            sel = idx[bounds[idx] == b]
            if sel.size:
                ax.scatter(
                    intensity[sel],
                    achieved[sel],
                    s=(sizes[sel] ** 2) / 2.5,
                    color=BOUND_COLORS[b],
                    alpha=0.8,
                    edgecolors="white",
                    linewidths=0.6,
                    label=f"{b}-bound",
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("arithmetic intensity (MAC per DRAM byte)")
        ax.set_ylabel("achieved throughput (MAC/s)")
        ax.set_title(mpl_esc(f"{network}: roofline"), fontsize=11)
        ax.annotate(
            f"peak {roofs.peak_macs_per_s:.3g} MAC/s",
            (hi, roofs.peak_macs_per_s),
            ha="right",
            va="bottom",
            fontsize=8,
        )
        ax.annotate(
            f"DRAM {roofs.dram_gbps:.3g} GB/s sustained", (lo, bw * lo), va="bottom", fontsize=8
        )
        ax.legend(frameon=False, fontsize=8, loc="lower right")
        style_mpl_axes(ax)

    return Figure(
        key=key,
        title="Roofline",
        caption=caption,
        data=data,
        layout=layout,
        draw=draw,
        height_px=480,
        png_size_in=(8.0, 5.5),
        extra={"intensity": intensity[idx], "achieved": achieved[idx], "roofs": roofs},
    )
