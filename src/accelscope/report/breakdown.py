"""Energy and area by component: stacked bars per layer and for the whole design."""

from __future__ import annotations

from typing import Any

import numpy as np

from accelscope.report.figure import (
    Figure,
    axis,
    esc,
    layer_axis,
    mpl_esc,
    style_mpl_axes,
    thin_ticks,
    unique_labels,
)

#: Colours per component (Tableau 10, colour-blind-safe order).
PALETTE = (
    "#4C78A8", "#72B7B2", "#54A24B", "#EECA3B", "#B279A2", "#F58518", "#E45756",
    "#9D755D", "#BAB0AC",
)  # fmt: skip


def _colors(parts: list[str]) -> dict[str, str]:
    return {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(parts)}


def energy_figure(doc: dict[str, Any], key: str = "energy-breakdown") -> Figure | None:
    """Stacked bars of energy per layer by component, and the network's shares."""
    total = doc.get("energy_breakdown_j") or {}
    layers = [  # layers fused into another (or free) spend nothing of their own
        la
        for la in doc.get("layers") or []
        if la.get("energy_breakdown_j") and sum(la["energy_breakdown_j"].values()) > 0
    ]
    if not total or not layers:
        return None
    parts = list(total)
    colors = _colors(parts)
    names = unique_labels([la["name"] for la in layers])
    scale = 1e6  # µJ
    data = [
        {
            "type": "bar",
            "name": part,
            "x": names,
            "y": [la["energy_breakdown_j"][part] * scale for la in layers],
            "marker": {"color": colors[part]},
            "hovertemplate": f"%{{x}}<br>{esc(part)}: %{{y:.4g}} µJ<extra></extra>",
        }
        for part in parts
    ]
    ticks = thin_ticks(len(names))
    layout = {
        "barmode": "stack",
        "xaxis": layer_axis(names),
        "yaxis": axis("energy (µJ)", rangemode="tozero"),
    }  # fmt: skip
    whole = sum(total.values())
    shares = ", ".join(
        f"{p} {100 * v / whole:.1f} %" for p, v in sorted(total.items(), key=lambda x: -x[1])
    )

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        bottom = np.zeros(len(layers))
        for part in parts:
            vals = np.array([la["energy_breakdown_j"][part] * scale for la in layers])
            ax.bar(range(len(layers)), vals, bottom=bottom, color=colors[part], label=part)
            bottom += vals
        ax.set_xticks(ticks)
        ax.set_xticklabels([mpl_esc(names[i]) for i in ticks], rotation=70, ha="right",
                           fontsize=7)  # fmt: skip
        ax.set_ylabel("energy (µJ)")
        # Above the axes, so the legend never covers bars.
        ax.legend(frameon=False, ncol=4, fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0))
        style_mpl_axes(ax)

    return Figure(
        key=key,
        title="Energy by component",
        caption=f"Energy of each layer that does work of its own (fused and folded layers "
        f"count in their host), by component. Whole network: {shares}.",
        data=data,
        layout=layout,
        draw=draw,
        height_px=440,
    )


def area_figure(breakdown: dict[str, float], key: str = "area-breakdown") -> Figure | None:
    """One horizontal stacked bar: the die area by component."""
    if not breakdown:
        return None
    parts = list(breakdown)
    colors = _colors(parts)
    whole = sum(breakdown.values())
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": part,
            "y": ["die"],
            "x": [breakdown[part]],
            "marker": {"color": colors[part]},
            "hovertemplate": (
                f"{esc(part)}: %{{x:.4g}} mm² ({100 * breakdown[part] / whole:.1f} %)"
                "<extra></extra>"
            ),
        }
        for part in parts
    ]
    layout = {
        "barmode": "stack",
        "xaxis": axis("area (mm²)", rangemode="tozero"),
        "yaxis": axis("", type="category"),
    }

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        left = 0.0
        for part in parts:
            ax.barh([0], [breakdown[part]], left=left, color=colors[part], label=part)
            left += breakdown[part]
        ax.set_yticks([])
        ax.set_xlabel("area (mm²)")
        ax.legend(frameon=False, ncol=3, fontsize=8)
        style_mpl_axes(ax)

    shares = ", ".join(
        f"{p} {100 * v / whole:.1f} %" for p, v in sorted(breakdown.items(), key=lambda x: -x[1])
    )
    return Figure(
        key=key,
        title="Area by component",
        caption=f"Die area {whole:.4g} mm²: {shares}.",
        data=data,
        layout=layout,
        draw=draw,
        height_px=240,
        png_size_in=(8.0, 2.6),
    )
