"""The figure record shared by the HTML (plotly) and PNG (matplotlib) renderers.

A figure builder computes its data once and returns a :class:`Figure` holding both the
plotly specification (plain JSON-ready dicts, drawn in the browser by the embedded
plotly.js) and a function that draws the same data on a matplotlib figure.

User strings (model and layer names) reach plotly only through :func:`esc`, because
plotly renders a subset of HTML in labels and hover text; matplotlib labels go through
:func:`mpl_esc`, because matplotlib interprets ``$...$`` as mathtext.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Colours of the layer bounds (colour-blind-safe Tableau 10 hues).
BOUND_COLORS = {
    "compute": "#4C78A8",
    "memory": "#F58518",
    "vector": "#54A24B",
    "none": "#9D9D9D",
}
BOUND_ORDER = ("compute", "memory", "vector", "none")
ACCENT = "#E45756"
NEUTRAL = "#B8B8B8"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


@dataclass
class Figure:
    """One figure of a report.

    ``key`` is the HTML element id suffix and the PNG file stem; ``data``/``layout`` are a
    plotly figure; ``draw(fig)`` draws the same content on a matplotlib ``Figure``.
    ``png_size_in`` is the PNG size in inches (rendered at 150 dpi).
    """

    key: str
    title: str
    caption: str
    data: list[dict[str, Any]]
    layout: dict[str, Any]
    draw: Callable[[Any], None]
    height_px: int = 460
    png_size_in: tuple[float, float] = (9.0, 4.8)
    section: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def plotly_spec(self) -> dict[str, Any]:
        """``{"data", "layout"}`` with the report-wide style applied."""
        layout = {**base_layout(self.height_px), **self.layout}
        return {"data": self.data, "layout": layout}


def base_layout(height_px: int) -> dict[str, Any]:
    """Layout defaults shared by every plotly figure of a report."""
    return {
        "height": height_px,
        "margin": {"l": 70, "r": 20, "t": 30, "b": 60},
        "font": {"family": FONT, "size": 12, "color": "#222"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hovermode": "closest",
        "hoverlabel": {"align": "left", "font": {"family": FONT, "size": 12}},
        "legend": {"orientation": "h", "y": 1.08, "x": 0, "traceorder": "normal"},
    }


def axis(title: str, **kw: Any) -> dict[str, Any]:
    """A plotly axis with a title, light grid lines and the given overrides."""
    return {
        "title": {"text": title},
        "gridcolor": "#e5e5e5",
        "zerolinecolor": "#cccccc",
        "linecolor": "#999999",
        "showline": True,
        "automargin": True,
        **kw,
    }


def layer_axis(labels: Sequence[str]) -> dict[str, Any]:
    """The x axis of a per-layer chart: layers as categories in execution order, at most
    :func:`thin_ticks` labels, slanted."""
    ticks = thin_ticks(len(labels))
    return axis(
        "layer (execution order)",
        type="category",
        categoryorder="array",
        categoryarray=list(labels),
        tickangle=-60,
        tickmode="array",
        tickvals=[labels[i] for i in ticks],
        ticktext=[labels[i] for i in ticks],
        tickfont={"size": 10},
    )


def esc(text: Any) -> str:
    """Escape a user string for plotly text (which renders a subset of HTML)."""
    return html.escape(str(text), quote=True)


def mpl_esc(text: Any) -> str:
    """Escape a user string for matplotlib text (``$`` would start mathtext)."""
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def finite(values: Sequence[float | None]) -> list[float | None]:
    """Plain floats with NaN/inf replaced by ``None`` (valid JSON, a gap in plotly)."""
    out: list[float | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        f = float(v)
        out.append(f if math.isfinite(f) else None)
    return out


def unique_labels(names: Sequence[str]) -> list[str]:
    """Names made unique by a ``#n`` suffix on repeats (plotly merges equal categories)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append(name if n == 0 else f"{name} #{n + 1}")
    return out


def thin_ticks(n: int, max_labels: int = 40) -> list[int]:
    """Positions of at most *max_labels* evenly spaced tick labels among *n* categories."""
    if n <= max_labels:
        return list(range(n))
    step = math.ceil(n / max_labels)
    return list(range(0, n, step))


def style_mpl_axes(ax: Any) -> None:
    """Light grid and no top/right spines, matching the HTML figures."""
    ax.grid(True, color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
