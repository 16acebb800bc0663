"""Multi-application figures: cross-performance heat map, improvements, what each network
gives up, and the set score against area.

Input: the ``multi`` result document. ``cross_performance[A][B]`` is network B's
performance on network A's optimum relative to B's own optimum (1 = as fast as on its
own optimum). ``improvement_pct[A]`` is how much higher the selected configuration's set
score (geometric mean, weighted or worst case, per ``mode``) is than the score of A's
optimum, in %. The optional result table (``results.parquet``) has one row per design with
``area_mm2``, ``admissible`` and ``score``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from accelscope.report.designs import design_title, target_of
from accelscope.report.figure import ACCENT, NEUTRAL, Figure, axis, esc, mpl_esc, style_mpl_axes
from accelscope.report.units import metric_label

_SELECTED = ACCENT
_JOINT = "#1F3A68"


def network_names(doc: dict[str, Any]) -> list[str]:
    return [str(n["name"]) for n in doc.get("networks") or []]


def cross_matrix(doc: dict[str, Any]) -> tuple[list[str], list[str], np.ndarray]:
    """(row labels, column labels, values): one row per network's optimum plus the joint
    optimum, one column per network; NaN where a value is missing."""
    names = network_names(doc)
    cross = doc.get("cross_performance") or {}
    rows, values = [], []
    for a in names:
        rows.append(f"optimum of {a}")
        values.append([_num((cross.get(a) or {}).get(b)) for b in names])
    joint = doc.get("joint_optimum") or {}
    if joint.get("networks"):
        rows.append("joint optimum")
        values.append(
            [_num((joint["networks"].get(b) or {}).get("relative_performance")) for b in names]
        )
    return rows, names, np.array(values, dtype=np.float64).reshape(len(rows), len(names))


def cross_heatmap(doc: dict[str, Any], key: str) -> Figure:
    rows, cols, z = cross_matrix(doc)
    sel = (doc.get("selected") or {}).get("optimum_of")
    optima = doc.get("per_network_optima") or {}
    mode = str(doc.get("mode", "geomean"))
    labels = []
    for r in rows:
        name = r.removeprefix("optimum of ")
        score = (
            (optima.get(name) or {}).get("score")
            if r != "joint optimum"
            else ((doc.get("joint_optimum") or {}).get("score"))
        )
        mark = " ★ selected" if r != "joint optimum" and name == sel else ""
        labels.append(f"{r}{mark} ({mode} {score:.3f})" if score is not None else f"{r}{mark}")
    text = [[("-" if not math.isfinite(v) else f"{v:.2f}") for v in row] for row in z]
    hover = [
        [
            f"{esc(cols[j])} on the {esc(rows[i])}:<br>{text[i][j]} of its own optimum's "
            f"performance ({esc(doc.get('performance', ''))})"
            for j in range(len(cols))
        ]
        for i in range(len(rows))
    ]
    data = [
        {
            "type": "heatmap",
            "z": [[v if math.isfinite(v) else None for v in row] for row in z],
            "x": [esc(c) for c in cols],
            "y": [esc(r) for r in labels],
            "zmin": 0.0,
            "zmax": 1.0,
            "colorscale": "Blues",
            "reversescale": True,
            "colorbar": {"title": {"text": "relative<br>performance"}, "thickness": 14},
            "text": text,
            "texttemplate": "%{text}",
            "textfont": {"size": 12},
            "hovertext": hover,
            "hovertemplate": "%{hovertext}<extra></extra>",
            "xgap": 2,
            "ygap": 2,
        }
    ]
    layout = {
        "xaxis": axis("network evaluated", side="bottom", showgrid=False),
        "yaxis": axis("configuration", autorange="reversed", showgrid=False),
        "margin": {"l": 260, "r": 20, "t": 20, "b": 70},
    }
    height = max(300, 120 + 46 * len(rows))

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        im = ax.imshow(np.nan_to_num(z, nan=0.0), cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
        ax.set_xticks(range(len(cols)))
        ax.set_xticklabels([mpl_esc(c) for c in cols], rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([mpl_esc(r) for r in labels], fontsize=8)
        for i in range(len(rows)):
            for j in range(len(cols)):
                v = z[i, j]
                ax.text(
                    j, i, text[i][j], ha="center", va="center", fontsize=8,
                    color="white" if math.isfinite(v) and v > 0.6 else "#222222",
                )  # fmt: skip
        fig.colorbar(im, ax=ax, label="relative performance")
        ax.set_xlabel("network evaluated")
        ax.set_title("Cross-performance", fontsize=11)

    return Figure(
        key=key,
        title="Cross-performance",
        caption=(
            "Each row is one configuration (the optimum of one network, and the joint optimum "
            "over the whole space); each cell is a network's performance on it relative to "
            "that network's own optimum (1.00 = no loss). The ★ row is the selected "
            f"configuration; the row label gives its {mode} score over the set."
        ),
        data=data,
        layout=layout,
        draw=draw,
        height_px=height,
        png_size_in=(9.0, max(3.0, 1.2 + 0.5 * len(rows))),
    )


def improvement_bars(doc: dict[str, Any], key: str) -> Figure:
    """Improvement of the selected configuration's set score over each network's optimum
    (%), and the joint optimum's gain over the selection."""
    names = network_names(doc)
    imp = doc.get("improvement_pct") or {}
    sel = (doc.get("selected") or {}).get("optimum_of")
    joint_gain = (doc.get("joint_optimum") or {}).get("gain_over_selected_pct")
    labels = [f"over the optimum of {n}" for n in names]
    values = [_num(imp.get(n)) for n in names]
    colors = [NEUTRAL if n == sel else "#4C78A8" for n in names]
    notes = [
        "the selected configuration itself" if n == sel else
        ("∞: that optimum fails a network" if imp.get(n) is None else "")
        for n in names
    ]  # fmt: skip
    if joint_gain is not None:
        labels.append("joint optimum over the selection")
        values.append(float(joint_gain))
        colors.append(_JOINT)
        notes.append("")
    finite = [v for v in values if math.isfinite(v)]
    mode = str(doc.get("mode", "geomean"))
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": [esc(lbl) for lbl in labels][::-1],
            "x": [v if math.isfinite(v) else None for v in values][::-1],
            "marker": {"color": colors[::-1]},
            "text": [
                (f"{v:+.1f} %" if math.isfinite(v) else "∞") + (f" ({n})" if n else "")
                for v, n in zip(values, notes, strict=True)
            ][::-1],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertemplate": "%{y}: %{x:.2f} %<extra></extra>",
        }
    ]
    top = max([0.0, *finite])
    layout = {
        "xaxis": axis(
            f"{mode} score improvement (%)", range=[min(0.0, *finite) * 1.1, top * 1.35 + 1]
        ),
        "yaxis": axis("", automargin=True),
        "showlegend": False,
        "margin": {"l": 230, "r": 40, "t": 20, "b": 60},
    }
    rng = doc.get("improvement_range_pct")
    rng_txt = f" Range over the other optima: {rng[0]:.1f} % to {rng[1]:.1f} %." if rng else ""

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        y = np.arange(len(labels))[::-1]
        ax.barh(y, [v if math.isfinite(v) else 0 for v in values], color=colors)
        ax.set_yticks(y)
        ax.set_yticklabels([mpl_esc(lbl) for lbl in labels], fontsize=8)
        for yi, v in zip(y, values, strict=True):
            ax.text(v if math.isfinite(v) else 0, yi, f" {v:+.1f} %" if math.isfinite(v) else " ∞",
                    va="center", fontsize=8)  # fmt: skip
        ax.set_xlabel(f"{mode} score improvement (%)")
        ax.set_title("Improvement of the selected configuration", fontsize=11)
        style_mpl_axes(ax)

    return Figure(
        key=key,
        title="Improvement of the selected configuration",
        caption=(
            f"How much higher the selected configuration's {mode} score over the whole set is "
            f"than the score of each network's own optimum (grey: the selection itself).{rng_txt}"
            " The dark bar is the gain of the joint optimum, searched over the whole space, over "
            "the selection."
        ),
        data=data,
        layout=layout,
        draw=draw,
        height_px=max(260, 90 + 40 * len(labels)),
        png_size_in=(9.0, max(2.8, 0.8 + 0.45 * len(labels))),
    )


def what_each_gives_up(doc: dict[str, Any], key: str) -> Figure | None:
    """Grouped bars: each network's relative performance on the selected configuration and
    on the joint optimum (1 = its own optimum)."""
    names = network_names(doc)
    series = []
    sel = doc.get("selected")
    if sel and sel.get("networks"):
        series.append(("selected configuration", sel, _SELECTED))
    joint = doc.get("joint_optimum")
    if joint and joint.get("networks"):
        series.append(("joint optimum", joint, _JOINT))
    if not series or not names:
        return None
    data = []
    for label, d, color in series:
        vals = [_num((d["networks"].get(n) or {}).get("relative_performance")) for n in names]
        data.append(
            {
                "type": "bar",
                "name": f"{label}: {design_title(d, target_of(doc))}",
                "x": [esc(n) for n in names],
                "y": [v if math.isfinite(v) else None for v in vals],
                "marker": {"color": color},
                "hovertemplate": f"{esc(label)}<br>%{{x}}: %{{y:.3f}} of its own optimum"
                "<extra></extra>",
            }
        )
    layout = {
        "barmode": "group",
        "xaxis": axis("network"),
        "yaxis": axis("performance relative to own optimum", range=[0, 1.08]),
        "shapes": [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": 1,
                "y1": 1,
                "line": {"color": "#555555", "dash": "dash", "width": 1},
            }
        ],  # fmt: skip
        "legend": {"orientation": "h", "y": 1.15, "x": 0},
    }

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        width = 0.8 / len(series)
        x = np.arange(len(names))
        for k, (label, d, color) in enumerate(series):
            vals = [_num((d["networks"].get(n) or {}).get("relative_performance")) for n in names]
            ax.bar(x + (k - (len(series) - 1) / 2) * width, np.nan_to_num(vals), width,
                   color=color, label=label)  # fmt: skip
        ax.axhline(1.0, color="#555555", linestyle="--", linewidth=1)
        ax.set_xticks(x)
        ax.set_xticklabels([mpl_esc(n) for n in names], rotation=30, ha="right", fontsize=8)
        ax.set_ylim(0, 1.1)
        ax.set_ylabel("performance relative to own optimum")
        ax.set_title("What each network gives up", fontsize=11)
        ax.legend(frameon=False, fontsize=8)
        style_mpl_axes(ax)

    return Figure(
        key=key,
        title="What each network gives up",
        caption=(
            "Each network's performance on the shared configuration relative to its own "
            "optimum (dashed line = no loss)."
        ),
        data=data,
        layout=layout,
        draw=draw,
        height_px=400,
    )


def score_vs_area(
    doc: dict[str, Any], cols: dict[str, np.ndarray] | None, key: str
) -> Figure | None:
    """Set score against area: admissible designs (sampled), the per-network optima, the
    selection, the joint optimum and, when computed, the Pareto front."""
    cost = doc.get("cost_metric", "area_mm2")  # the target's cost: area, or DSPs
    from accelscope.report.explore import MAX_BACKGROUND_POINTS

    mode = str(doc.get("mode", "geomean"))
    data: list[dict[str, Any]] = []
    bg_x: list[float] = []
    bg_y: list[float] = []
    n_total = 0
    if cols is not None and "score" in cols and cost in cols:
        score = cols["score"].astype(np.float64)
        area = cols[cost].astype(np.float64)
        ok = np.isfinite(score) & np.isfinite(area)
        if "admissible" in cols:
            ok &= cols["admissible"].astype(bool)
        rows = np.flatnonzero(ok)
        n_total = rows.size
        if getattr(cols, "sampled", False):  # a large table: the exact count over every row
            n_total = cols.counts["admissible_finite"]
        if rows.size > MAX_BACKGROUND_POINTS:
            pick = np.linspace(0, rows.size - 1, MAX_BACKGROUND_POINTS).round().astype(np.int64)
            rows = rows[np.unique(pick)]
        bg_x, bg_y = [float(v) for v in area[rows]], [float(v) for v in score[rows]]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": "admissible designs",
                "x": bg_x,
                "y": bg_y,
                "marker": {"color": "#7F9FC4", "size": 5, "opacity": 0.45},
                "hovertemplate": (
                    f"{esc(metric_label(cost))} %{{x:.4g}}<br>{mode} %{{y:.3f}}<extra></extra>"
                ),
            }
        )
    pareto = [d for d in doc.get("pareto") or [] if _has(d, cost)]
    marks: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = []
    if pareto:
        marks.append(
            ("Pareto front", sorted(pareto, key=lambda d: d[cost]),
             {"mode": "lines+markers", "line": {"color": "#333333", "shape": "hv"},
              "marker": {"color": "#333333", "size": 6}})
        )  # fmt: skip
    optima = [d for d in (doc.get("per_network_optima") or {}).values() if _has(d, cost)]
    if optima:
        marks.append(
            ("per-network optima", optima,
             {"mode": "markers", "marker": {"color": "#F58518", "size": 11, "symbol": "diamond"}})
        )  # fmt: skip
    joint = doc.get("joint_optimum")
    if _has(joint, cost):
        marks.append(
            ("joint optimum", [joint],
             {"mode": "markers", "marker": {"color": _JOINT, "size": 14, "symbol": "square"}})
        )  # fmt: skip
    sel = doc.get("selected")
    if _has(sel, cost):
        marks.append(
            ("selected", [sel],
             {"mode": "markers", "marker": {"color": _SELECTED, "size": 18, "symbol": "star"}})
        )  # fmt: skip
    if not data and not marks:
        return None
    for name, designs, style in marks:
        data.append(
            {
                "type": "scatter",
                "name": name,
                "x": [float(d[cost]) for d in designs],
                "y": [float(d["score"]) for d in designs],
                "hovertext": [_design_hover(d, mode, cost, target_of(doc)) for d in designs],
                "hovertemplate": "%{hovertext}<extra></extra>",
                **style,
            }
        )
    layout = {
        "xaxis": axis(metric_label(cost)),
        "yaxis": axis(f"{mode} score over the set (relative performance)"),
    }
    caption = (
        f"Set score ({mode} of the relative performances) against area"
        + (f" for {n_total} admissible designs" if n_total else "")
        + "; diamonds are the per-network optima, the star the selected configuration, the "
        "square the joint optimum. Hover a marker for its configuration."
    )

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        if bg_x:
            ax.scatter(bg_x, bg_y, s=6, color="#7F9FC4", alpha=0.45, label="admissible designs")
        mpl_style = {
            "Pareto front": {"color": "#333333", "marker": "o", "s": 14},
            "per-network optima": {"color": "#F58518", "marker": "D", "s": 50},
            "joint optimum": {"color": _JOINT, "marker": "s", "s": 80},
            "selected": {"color": _SELECTED, "marker": "*", "s": 220},
        }
        for name, designs, _ in marks:
            xs = [float(d[cost]) for d in designs]
            ys = [float(d["score"]) for d in designs]
            if name == "Pareto front":
                ax.step(xs, ys, where="post", color="#333333", linewidth=1)
            ax.scatter(xs, ys, label=name, zorder=4, **mpl_style[name])
        ax.set_xlabel(metric_label(cost))
        ax.set_ylabel(f"{mode} score over the set")
        ax.set_title("Set score against area", fontsize=11)
        ax.legend(frameon=False, fontsize=8)
        style_mpl_axes(ax)

    return Figure(
        key=key,
        title="Set score against area",
        caption=caption,
        data=data,
        layout=layout,
        draw=draw,
        height_px=460,
        png_size_in=(8.0, 5.0),
    )


def _design_hover(
    d: dict[str, Any], mode: str, cost: str = "area_mm2", target: str = "asic"
) -> str:
    lines = [f"<b>{esc(design_title(d, target))}</b>"]
    if d.get("optimum_of"):
        lines.append(f"optimum of {esc(d['optimum_of'])}")
    lines.append(
        f"{esc(metric_label(cost))} {float(d[cost]):.4g} · {esc(mode)} {float(d['score']):.3f}"
    )
    for name, m in (d.get("networks") or {}).items():
        rel = m.get("relative_performance")
        lat = m.get("latency_s")
        parts = [esc(name)]
        if lat is not None:
            parts.append(f"{1e3 * float(lat):.4g} ms")
        if rel is not None:
            parts.append(f"{float(rel):.2f} of own optimum")
        lines.append(" · ".join(parts))
    return "<br>".join(lines)


def _has(d: dict[str, Any] | None, cost: str = "area_mm2") -> bool:
    return bool(d) and math.isfinite(_num(d.get("score"))) and math.isfinite(_num(d.get(cost)))


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return float("nan")
    return f if math.isfinite(f) else float("nan")
