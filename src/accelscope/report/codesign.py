"""Co-design figures: latency-vs-width staircases with the recommendations, and the plan.

Input: the ``codesign`` result document. Each entry of ``layers`` has the swept layer's
current ``width``, its ``curve`` as ``[width, whole-network latency_s]`` pairs, the
``plateaus`` and ``cliffs`` found, and ``recommendations`` (``action`` grow / shrink /
dominated, target ``width``, ``latency_change_pct`` of the network). ``plan`` has the
planned width of every layer (``widths``) and the resulting latency and parameter change.
Curves are drawn as the network latency change relative to the current width, in %, so
that panels of layers of different weight compare on one scale.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from accelscope.report.figure import ACCENT, Figure, axis, esc, mpl_esc, style_mpl_axes

#: At most this many layers get a staircase panel (the largest latency shares first).
MAX_PANELS = 12

ACTION_STYLE = {
    "grow": {"color": "#54A24B", "symbol": "triangle-up", "mpl": "^", "label": "grow"},
    "shrink": {"color": "#F58518", "symbol": "triangle-down", "mpl": "v", "label": "shrink"},
    "dominated": {"color": ACCENT, "symbol": "diamond", "mpl": "D", "label": "dominated"},
}
_PLAN_COLOR = "#1F3A68"


def panel_layers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Swept layers with a curve, largest latency share first, at most MAX_PANELS."""
    layers = [lay for lay in doc.get("layers") or [] if lay.get("curve")]
    layers.sort(key=lambda lay: -float(lay.get("latency_share") or 0.0))
    return layers[:MAX_PANELS]


def _curve(layer: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, float]:
    """(widths, network latency change in %, latency at the current width in s)."""
    pts = np.array(layer["curve"], dtype=np.float64).reshape(-1, 2)
    widths, lat = pts[:, 0], pts[:, 1]
    cur = np.flatnonzero(widths == float(layer["width"]))
    base = float(lat[cur[0]]) if cur.size else float(np.nanmin(lat))
    return widths, (lat / base - 1.0) * 100.0, base


def staircases(doc: dict[str, Any], key: str) -> Figure | None:
    layers = panel_layers(doc)
    if not layers:
        return None
    plan_widths = (doc.get("plan") or {}).get("widths") or {}
    n = len(layers)
    ncol = min(3, n)
    nrow = math.ceil(n / ncol)
    gap_x, gap_y = 0.07, 0.22 / nrow + 0.04
    w = (1 - gap_x * (ncol - 1)) / ncol
    h = (1 - gap_y * (nrow - 1)) / nrow
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"annotations": [], "showlegend": True}
    shown_actions: set[str] = set()
    curves = [_curve(lay) for lay in layers]
    for i, (lay, (widths, pct, base)) in enumerate(zip(layers, curves, strict=True)):
        r, c = divmod(i, ncol)
        sfx = "" if i == 0 else str(i + 1)
        ax_x, ax_y = f"x{sfx}", f"y{sfx}"
        x0, y1 = c * (w + gap_x), 1 - r * (h + gap_y)
        name = str(lay["name"])
        lat_ms = [1e3 * base * (1 + p / 100.0) for p in pct]
        # The curve's hover carries the marks and the advice at their widths (the markers
        # themselves are not hoverable, so a marker never hides the curve's numbers).
        notes: dict[float, list[str]] = {float(lay["width"]): ["current width"]}
        if name in plan_widths and int(plan_widths[name]) != int(lay["width"]):
            notes.setdefault(float(plan_widths[name]), []).append("the plan's width")
        for rec in lay.get("recommendations") or []:
            notes.setdefault(float(rec["width"]), []).append(esc(rec.get("text", "")))
        hover = [
            f"<b>{esc(name)}</b> width {int(wd)}<br>network latency {lm:.4g} ms ({p:+.2f} %)"
            + "".join(f"<br>{note}" for note in notes.get(float(wd), []))
            for wd, lm, p in zip(widths, lat_ms, pct, strict=True)
        ]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": "network latency",
                "x": [float(v) for v in widths],
                "y": [float(v) if math.isfinite(v) else None for v in pct],
                "hovertext": hover,
                "line": {"color": "#4C78A8", "shape": "hv", "width": 1.8},
                "xaxis": ax_x,
                "yaxis": ax_y,
                "legendgroup": "curve",
                "showlegend": i == 0,
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
        marks = [
            ("current width", float(lay["width"]), "#333333", "circle", "current"),
        ]
        if name in plan_widths and int(plan_widths[name]) != int(lay["width"]):
            marks.append(("plan", float(plan_widths[name]), _PLAN_COLOR, "star", "plan"))
        for m_name, m_w, color, symbol, group in marks:
            j = np.flatnonzero(widths == m_w)
            if not j.size:
                continue
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": m_name,
                    "x": [m_w],
                    "y": [float(pct[j[0]])],
                    "marker": {"color": color, "size": 12 if symbol == "star" else 9,
                               "symbol": symbol, "line": {"color": "white", "width": 1}},
                    "xaxis": ax_x,
                    "yaxis": ax_y,
                    "legendgroup": group,
                    "showlegend": group not in shown_actions,
                    "hoverinfo": "skip",
                }
            )  # fmt: skip
            shown_actions.add(group)
        for rec in lay.get("recommendations") or []:
            style = ACTION_STYLE.get(str(rec.get("action")), ACTION_STYLE["grow"])
            rw = float(rec["width"])
            j = np.flatnonzero(widths == rw)
            y = float(pct[j[0]]) if j.size else float(rec.get("latency_change_pct", 0.0))
            group = str(rec.get("action"))
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": style["label"],
                    "x": [rw],
                    "y": [y],
                    "marker": {"color": style["color"], "size": 12, "symbol": style["symbol"],
                               "line": {"color": "white", "width": 1}},
                    "xaxis": ax_x,
                    "yaxis": ax_y,
                    "legendgroup": group,
                    "showlegend": group not in shown_actions,
                    "hovertext": [f"<b>{esc(name)}</b>: {esc(rec.get('text', ''))}"],
                    "hoverinfo": "skip",
                }
            )  # fmt: skip
            shown_actions.add(group)
        share = 100 * float(lay.get("latency_share") or 0.0)
        layout[f"xaxis{sfx}"] = axis(
            f"{esc(name)} {esc(lay.get('field', 'width'))} ({share:.1f} % of latency)",
            domain=[x0, x0 + w],
            anchor=ax_y,
        )
        layout[f"xaxis{sfx}"]["title"]["font"] = {"size": 11}
        layout[f"yaxis{sfx}"] = axis(
            "network latency change (%)" if c == 0 else "",
            domain=[max(0.0, y1 - h), y1],
            anchor=ax_x,
            zeroline=True,
        )
    more = len([lay for lay in doc.get("layers") or [] if lay.get("curve")]) - n
    caption = (
        "Whole-network latency as one layer's width is swept (others fixed), as a change "
        "relative to the current width (black dot). Plateaus are free capacity, steps are "
        "cliffs. Triangles up: grow at (almost) no cost; down: shrink below a cliff; diamond: "
        "the current width is dominated; star: the plan's width. Hover for the advice."
        + (f" The {n} layers with the largest latency share are shown; {more} more are in "
           "the table below." if more > 0 else "")
    )  # fmt: skip

    def draw(fig: Any) -> None:
        axes = fig.subplots(nrow, ncol, squeeze=False)
        for i, (lay, (widths, pct, _)) in enumerate(zip(layers, curves, strict=True)):
            ax = axes[i // ncol][i % ncol]
            ax.step(widths, pct, where="post", color="#4C78A8", linewidth=1.4)
            name = str(lay["name"])
            j = np.flatnonzero(widths == float(lay["width"]))
            if j.size:
                ax.plot([widths[j[0]]], [pct[j[0]]], "o", color="#333333", markersize=5)
            pw = plan_widths.get(name)
            if pw is not None and int(pw) != int(lay["width"]):
                j = np.flatnonzero(widths == float(pw))
                if j.size:
                    ax.plot([widths[j[0]]], [pct[j[0]]], "*", color=_PLAN_COLOR, markersize=11)
            for rec in lay.get("recommendations") or []:
                style = ACTION_STYLE.get(str(rec.get("action")), ACTION_STYLE["grow"])
                j = np.flatnonzero(widths == float(rec["width"]))
                if j.size:
                    ax.plot([widths[j[0]]], [pct[j[0]]], style["mpl"], color=style["color"],
                            markersize=7)  # fmt: skip
            ax.set_title(mpl_esc(name), fontsize=8)
            ax.tick_params(labelsize=7)
            if i % ncol == 0:
                ax.set_ylabel("latency change (%)", fontsize=8)
            style_mpl_axes(ax)
        for j in range(n, nrow * ncol):
            axes[j // ncol][j % ncol].set_visible(False)
        fig.suptitle("Latency vs. width (network latency change, %)", fontsize=11)

    return Figure(
        key=key,
        title="Latency staircases",
        caption=caption,
        data=data,
        layout={**layout, "margin": {"l": 70, "r": 20, "t": 40, "b": 50}},
        draw=draw,
        height_px=260 * nrow + 90,
        png_size_in=(10.0, 2.4 * nrow + 0.6),
    )


def plan_changes(doc: dict[str, Any], key: str) -> Figure | None:
    """Bars: the plan's width change of every layer it reshapes, in %."""
    plan = doc.get("plan") or {}
    changes = plan.get("changes") or []
    if not changes:
        return None
    names = [str(c["name"]) for c in changes]
    pct = [(float(c["to"]) / float(c["from"]) - 1) * 100 if c["from"] else 0.0 for c in changes]
    colors = ["#54A24B" if p > 0 else "#F58518" for p in pct]
    data = [
        {
            "type": "bar",
            "x": [esc(n) for n in names],
            "y": pct,
            "marker": {"color": colors},
            "hovertext": [
                f"<b>{esc(c['name'])}</b>: {c['from']} → {c['to']} ({p:+.1f} %)"
                for c, p in zip(changes, pct, strict=True)
            ],
            "hovertemplate": "%{hovertext}<extra></extra>",
        }
    ]
    layout = {
        "xaxis": axis("layer", type="category", tickangle=-60, tickfont={"size": 10}),
        "yaxis": axis("planned width change (%)", zeroline=True),
        "showlegend": False,
    }
    lat = plan.get("latency_change_pct")
    par = plan.get("params_change_pct")
    caption = (
        f"Goal {plan.get('goal', '?')} ({plan.get('constraint', '')}): {len(changes)} layers "
        "reshaped (green: wider, orange: narrower); network latency "
        + (f"{lat:+.2f} %" if lat is not None else "?")
        + ", parameters "
        + (f"{par:+.1f} %" if par is not None else "?")
        + "."
    )

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        x = np.arange(len(names))
        ax.bar(x, pct, color=colors)
        ax.axhline(0, color="#555555", linewidth=0.8)
        ax.set_xticks(x)
        ax.set_xticklabels([mpl_esc(n) for n in names], rotation=70, ha="right", fontsize=7)
        ax.set_ylabel("planned width change (%)")
        ax.set_title("Plan: width change per layer", fontsize=11)
        style_mpl_axes(ax)

    return Figure(
        key=key,
        title="Plan: width change per layer",
        caption=caption,
        data=data,
        layout=layout,
        draw=draw,
        height_px=400,
    )
