"""Exploration figures: the Pareto front and how each design parameter drives the objective.

Inputs: the ``explore`` result document (``objectives``, ``pareto``, ``best``, ``top``,
``space_spec``) and, when available, the full result table (``results.parquet``: one
row per evaluated design with parameters, metrics, ``meets_constraints`` and ``pareto``).
Without the table only the Pareto set and the top designs of the document are drawn.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from accelscope.report.designs import (
    Objective,
    design_hover,
    design_title,
    objectives_of,
    row_dict,
    sorted_values,
    target_of,
    varying_parameters,
)
from accelscope.report.figure import ACCENT, NEUTRAL, Figure, axis, esc, style_mpl_axes
from accelscope.report.units import METRIC_LABELS, display_scale, metric_label, parameter_label

#: At most this many background designs are drawn (evenly spaced over the table rows,
#: deterministic); the Pareto set and the best design are always drawn in full.
MAX_BACKGROUND_POINTS = 4000


def plane_metrics(doc: dict[str, Any]) -> tuple[Objective, Objective]:
    """The two metrics of the Pareto plot: the first two objectives, or with a single
    objective that objective against area (or latency when the objective is area)."""
    from accelscope.targets import get_target

    objs = objectives_of(doc)
    if len(objs) >= 2:
        return objs[0], objs[1]
    cost, _ = get_target(target_of(doc)).tie_break
    other = "latency_s" if objs[0].metric == cost else cost
    return objs[0], Objective("min", other)


def _even_sample(rows: np.ndarray, k: int) -> np.ndarray:
    if rows.size <= k:
        return rows
    pick = np.linspace(0, rows.size - 1, k).round().astype(np.int64)
    return rows[np.unique(pick)]


def pareto_front(doc: dict[str, Any], cols: dict[str, np.ndarray] | None, key: str) -> Figure:
    """Scatter of evaluated designs in the plane of the first two objectives, the Pareto
    set joined as a front, the constrained best design highlighted; hover shows each
    design's configuration and metrics."""
    ox, oy = plane_metrics(doc)
    params = varying_parameters(cols, doc) if cols is not None else _doc_params(doc)
    hover_params = list(dict.fromkeys([*params, "units", "rows", "cols", "dataflow"]))
    keys = [*hover_params, *METRIC_LABELS]
    pareto = [d for d in doc.get("pareto") or [] if _has(d, ox.metric, oy.metric)]
    best = doc.get("best")
    all_x: list[float] = [float(d[ox.metric]) for d in pareto]
    all_y: list[float] = [float(d[oy.metric]) for d in pareto]

    groups: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = []
    n_total = n_shown = 0
    if cols is not None and ox.metric in cols and oy.metric in cols:
        ok = cols.get("meets_constraints")
        ok = np.ones(len(cols[ox.metric]), bool) if ok is None else ok.astype(bool)
        finite = np.isfinite(cols[ox.metric].astype(float)) & np.isfinite(
            cols[oy.metric].astype(float)
        )
        in_table = int(finite.sum())
        counts = getattr(cols, "counts", None)
        exact_counts = getattr(cols, "sampled", False) and counts is not None
        n_total = counts["finite_meets"] + counts["finite_violates"] if exact_counts else in_table
        # The Pareto set and the best design are drawn by their own traces (with their
        # own hover headings), not a second time underneath.
        marked = [d.get("index") for d in [*pareto, best or {}] if d.get("index") is not None]
        if "index" in cols and marked:
            finite &= ~np.isin(cols["index"], np.array(marked, dtype=np.int64))
        share = MAX_BACKGROUND_POINTS / max(in_table, 1)
        for name, mask, marker in (
            (
                "meets constraints",
                ok & finite,
                {"color": "#7F9FC4", "size": 5, "opacity": 0.45},
            ),
            (
                "violates constraints",
                ~ok & finite,
                {"color": NEUTRAL, "size": 5, "opacity": 0.35, "symbol": "x-thin-open"},
            ),
        ):
            rows = np.flatnonzero(mask)
            rows = _even_sample(rows, max(1, int(math.ceil(rows.size * min(1.0, share)))))
            n_shown += rows.size
            designs = [row_dict(cols, int(i), keys) for i in rows]
            groups.append((name, designs, marker))
    else:
        groups.append(
            (
                "top designs",
                [d for d in doc.get("top") or [] if _has(d, ox.metric, oy.metric)],
                {"color": "#7F9FC4", "size": 7, "opacity": 0.7},
            )
        )
    for _, designs, _ in groups:
        all_x += [float(d[ox.metric]) for d in designs]
        all_y += [float(d[oy.metric]) for d in designs]
    fx, x_title = display_scale(ox.metric, all_x)
    fy, y_title = display_scale(oy.metric, all_y)

    best_index = (best or {}).get("index")

    def trace(name: str, designs: list[dict[str, Any]], heading: str, **kw: Any) -> dict:
        def head(d: dict[str, Any]) -> str:
            if heading == "Pareto: " and best_index is not None and d.get("index") == best_index:
                return "Best (Pareto-optimal): "
            return heading

        return {
            "type": "scatter",
            "name": name,
            "x": [float(d[ox.metric]) * fx for d in designs],
            "y": [float(d[oy.metric]) * fy for d in designs],
            "hovertext": [
                design_hover(d, hover_params, f"{head(d)}{design_title(d, target_of(doc))}")
                for d in designs
            ],
            "hovertemplate": "%{hovertext}<extra></extra>",
            **kw,
        }

    data = [
        trace(name, designs, "", mode="markers", marker=marker)
        for name, designs, marker in groups
        if designs
    ]
    front = sorted(pareto, key=lambda d: (float(d[ox.metric]), float(d[oy.metric])))
    if front:
        data.append(
            trace(
                "Pareto front",
                front,
                "Pareto: ",
                mode="lines+markers",
                line={"color": "#1F3A68", "width": 1.5, "shape": "hv"},
                marker={"color": "#1F3A68", "size": 8},
            )
        )
    if best and _has(best, ox.metric, oy.metric):
        data.append(
            trace(
                "best (meets constraints)",
                [best],
                "Best: ",
                mode="markers",
                marker={
                    "color": ACCENT,
                    "size": 18,
                    "symbol": "star",
                    "line": {"color": "#7a1f1f", "width": 1},
                },
            )
        )
    log_x = _wide(all_x)
    log_y = _wide(all_y)
    layout = {
        "xaxis": axis(f"{x_title} — {ox.direction}imize", type="log" if log_x else "linear"),
        "yaxis": axis(f"{y_title} — {oy.direction}imize", type="log" if log_y else "linear"),
    }
    constraints = "; ".join(doc.get("constraints") or []) or "none"
    how = (
        "drawn from a random sample of the table"
        if getattr(cols, "sampled", False)
        else "evenly spaced sample"
    )
    sample_txt = (
        f" {n_shown:,} of the other {n_total:,} evaluated designs drawn ({how})."
        if n_total > n_shown
        else ""
    )
    caption = (
        f"Each point is one evaluated design; {len(pareto)} designs are Pareto-optimal "
        f"({', '.join(o.metric for o in objectives_of(doc))}). The star is the best design "
        f"meeting the constraints ({constraints}). Hover a point for its configuration and "
        f"metrics.{sample_txt}"
    )
    best_xy = (
        (float(best[ox.metric]) * fx, float(best[oy.metric]) * fy)
        if best and _has(best, ox.metric, oy.metric)
        else None
    )

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        for name, designs, marker in groups:
            if not designs:
                continue
            ax.scatter(
                [float(d[ox.metric]) * fx for d in designs],
                [float(d[oy.metric]) * fy for d in designs],
                s=8,
                color=marker["color"],
                alpha=marker["opacity"],
                marker="x" if "symbol" in marker else "o",
                linewidths=0.6,
                label=name,
            )
        if front:
            ax.step(
                [float(d[ox.metric]) * fx for d in front],
                [float(d[oy.metric]) * fy for d in front],
                where="post",
                color="#1F3A68",
                marker="o",
                markersize=4,
                linewidth=1.3,
                label="Pareto front",
            )
        if best_xy:
            ax.scatter(
                [best_xy[0]], [best_xy[1]], s=220, marker="*", color=ACCENT, zorder=5,
                edgecolors="#7a1f1f", label="best (meets constraints)",
            )  # fmt: skip
        if log_x:
            ax.set_xscale("log")
        if log_y:
            ax.set_yscale("log")
        ax.set_xlabel(x_title)
        ax.set_ylabel(y_title)
        ax.set_title("Design space: Pareto front", fontsize=11)
        ax.legend(frameon=False, fontsize=8)
        style_mpl_axes(ax)

    return Figure(
        key=key,
        title="Pareto front",
        caption=caption,
        data=data,
        layout=layout,
        draw=draw,
        height_px=520,
        png_size_in=(8.0, 5.5),
    )


def parameter_effects(
    doc: dict[str, Any], cols: dict[str, np.ndarray]
) -> tuple[list[str], dict[str, dict[str, list[Any]]], Objective]:
    """For each varying parameter and each of its values: the best and the median primary
    objective over designs that meet the constraints and have that value.

    Returns (parameters, {param: {"values", "best", "median", "count"}}, objective).
    Values without any design meeting the constraints get ``None``.
    """
    obj = objectives_of(doc)[0]
    params = varying_parameters(cols, doc)
    metric = cols[obj.metric].astype(np.float64)
    ok = cols.get("meets_constraints")
    ok = np.ones(metric.size, bool) if ok is None else ok.astype(bool)
    ok &= np.isfinite(metric)
    # A large table is a sample (report.results_table): values, counts and bests then come
    # from its exact statistics over every row, medians from the sample.
    exact = getattr(cols, "effects", None)
    if getattr(cols, "sampled", False) and exact is None:
        raise ValueError("a sampled result table needs its exact statistics (load it with doc)")
    effects: dict[str, dict[str, list[Any]]] = {}
    for p in params:
        col = cols[p]
        values = cols.distinct[p] if exact is not None else sorted_values(col)
        keys = col.astype(str) if col.dtype == object else col
        best, median, count = [], [], []
        for v in values:
            sel = ok & (keys == (str(v) if col.dtype == object else v))
            vals = metric[sel]
            n, top = exact[p].get(v, (0, None)) if exact is not None else (vals.size, None)
            count.append(int(n))
            if n == 0:
                best.append(None)
                median.append(None)
                continue
            if top is None:
                top = vals.min() if obj.direction == "min" else vals.max()
            best.append(float(top))
            median.append(float(np.median(vals)) if vals.size else None)
        effects[p] = {"values": values, "best": best, "median": median, "count": count}
    return params, effects, obj


def sensitivity(doc: dict[str, Any], cols: dict[str, np.ndarray], key: str) -> Figure | None:
    """Per-parameter sensitivity: how much the best achievable objective worsens when the
    parameter is fixed at its worst value (everything else optimized), as a ratio."""
    params, effects, obj = parameter_effects(doc, cols)
    ratios = []
    for p in params:
        best = [b for b in effects[p]["best"] if b is not None and b > 0]
        if len(best) < 1:
            ratios.append(float("nan"))
            continue
        # min objective: worst value's best is the largest; max objective: the smallest.
        ratios.append(max(best) / min(best))
    if not params or not any(math.isfinite(r) for r in ratios):
        return None  # no design meets the constraints
    order = sorted(
        range(len(params)), key=lambda i: -(ratios[i] if math.isfinite(ratios[i]) else 0)
    )
    names = [parameter_label(params[i]) for i in order]
    vals = [ratios[i] for i in order]
    label = metric_label(obj.metric)
    hover = []
    for i in order:
        e = effects[params[i]]
        pairs = [
            f"{esc(v)}: {b:.4g}" if b is not None else f"{esc(v)}: none feasible"
            for v, b in zip(e["values"], e["best"], strict=True)
        ]
        hover.append(
            f"<b>{esc(parameter_label(params[i]))}</b><br>best {esc(label)} by value:<br>"
            + "<br>".join(pairs)
        )
    data = [
        {
            "type": "bar",
            "orientation": "h",
            # Bars start at 1x (no effect), so a parameter that does not matter has no bar.
            "x": [v - 1.0 if math.isfinite(v) else None for v in vals][::-1],
            "base": 1.0,
            "customdata": [v if math.isfinite(v) else None for v in vals][::-1],
            "text": [f"{v:.3g}x" if math.isfinite(v) else "" for v in vals][::-1],
            "textposition": "outside",
            "cliponaxis": False,
            "y": names[::-1],
            "marker": {"color": "#4C78A8"},
            "hovertext": hover[::-1],
            "hovertemplate": "%{hovertext}<br>spread %{customdata:.3g}x<extra></extra>",
            "name": "spread",
        }
    ]
    word = "worse" if obj.direction == "min" else "lower"
    layout = {
        "xaxis": axis(
            f"best {label}: worst value / best value (x)",
            type="log",
            tickformat="~g",
            ticksuffix="x",
            range=[0, math.log10(max([v for v in vals if math.isfinite(v)] + [1.1]) * 1.15)],
        ),
        "yaxis": axis("", automargin=True),
        "margin": {"l": 160, "r": 20, "t": 20, "b": 60},
        "showlegend": False,
    }
    caption = (
        f"For each parameter, the best {label} reachable (meeting the constraints) at each of "
        f"its values; the bar is how many times {word} the best design gets when the parameter "
        "is stuck at its least favourable value. Longer bars: parameters that matter more."
    )

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        from matplotlib.ticker import FuncFormatter, NullFormatter

        widths = [v - 1.0 if math.isfinite(v) else 0.0 for v in vals][::-1]
        ax.barh(names[::-1], widths, left=1.0, color="#4C78A8")
        ax.set_xscale("log")
        top = max([v for v in vals if math.isfinite(v)] + [1.1]) * 1.15
        ax.set_xlim(1.0, top)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        for y, v in enumerate(vals[::-1]):
            if math.isfinite(v):
                ax.text(v * 1.02, y, f"{v:.3g}x", va="center", fontsize=8)
        ax.set_xlabel(f"best {label}: worst value / best value (x)")
        ax.set_title("Parameter sensitivity", fontsize=11)
        style_mpl_axes(ax)

    return Figure(
        key=key,
        title="Parameter sensitivity",
        caption=caption,
        data=data,
        layout=layout,
        draw=draw,
        height_px=max(260, 60 + 34 * len(params)),
        png_size_in=(8.0, max(3.0, 0.9 + 0.45 * len(params))),
    )


def parameter_panels(doc: dict[str, Any], cols: dict[str, np.ndarray], key: str) -> Figure | None:
    """Small multiples: best and median objective against each parameter's values, the
    best design's value marked."""
    params, effects, obj = parameter_effects(doc, cols)
    if not params:
        return None
    best_design = doc.get("best") or {}
    allvals = [v for p in params for v in effects[p]["median"] + effects[p]["best"] if v]
    if not allvals:
        return None  # no design meets the constraints
    f, title = display_scale(obj.metric, allvals)
    log_y = _wide(allvals)
    # One y range for every panel, so the panels compare at a glance.
    lo, hi = min(allvals) * f, max(allvals) * f
    if log_y:
        pad = (math.log10(hi) - math.log10(lo)) * 0.06
        y_range = [math.log10(lo) - pad, math.log10(hi) + pad]
        y_lim = (10 ** y_range[0], 10 ** y_range[1])
    else:
        pad = (hi - lo) * 0.06 or abs(hi) * 0.05 or 1.0
        y_range = [min(0.0, lo - pad), hi + pad]
        y_lim = (y_range[0], y_range[1])
    ncol = min(3, len(params))
    nrow = math.ceil(len(params) / ncol)
    gap_x, gap_y = 0.08, 0.16 / max(nrow, 1) + 0.06
    w = (1 - gap_x * (ncol - 1)) / ncol
    h = (1 - gap_y * (nrow - 1)) / nrow
    data: list[dict[str, Any]] = []
    layout: dict[str, Any] = {"annotations": [], "showlegend": True}
    for i, p in enumerate(params):
        r, c = divmod(i, ncol)
        sfx = "" if i == 0 else str(i + 1)
        x0 = c * (w + gap_x)
        y1 = 1 - r * (h + gap_y)
        e = effects[p]
        xs = [esc(v) for v in e["values"]]
        scaled_best = [b * f if b is not None else None for b in e["best"]]
        scaled_med = [m * f if m is not None else None for m in e["median"]]
        hover = [
            f"{esc(parameter_label(p))} = {esc(v)}<br>{n} designs meet the constraints"
            for v, n in zip(e["values"], e["count"], strict=True)
        ]
        common = {"x": xs, "xaxis": f"x{sfx}", "yaxis": f"y{sfx}", "hovertext": hover}
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": f"best {METRIC_LABELS.get(obj.metric, (obj.metric,))[0]}",
                "y": scaled_best,
                "line": {"color": "#1F3A68"},
                "legendgroup": "best",
                "showlegend": i == 0,
                "hovertemplate": "%{hovertext}<br>best %{y:.4g}<extra></extra>",
                **common,
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "median",
                "y": scaled_med,
                "line": {"color": "#9D9D9D", "dash": "dot"},
                "marker": {"size": 5},
                "legendgroup": "median",
                "showlegend": i == 0,
                "hovertemplate": "%{hovertext}<br>median %{y:.4g}<extra></extra>",
                **common,
            }
        )
        j = _value_index(e["values"], best_design.get(p))
        if j is not None and scaled_best[j] is not None:
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": "best design's value",
                    "x": [xs[j]],
                    "y": [scaled_best[j]],
                    "xaxis": f"x{sfx}",
                    "yaxis": f"y{sfx}",
                    "marker": {"color": ACCENT, "size": 13, "symbol": "star"},
                    "legendgroup": "chosen",
                    "showlegend": i == 0,
                    "hovertemplate": f"best design: {esc(parameter_label(p))} = "
                    f"{esc(e['values'][j])}<extra></extra>",
                }
            )
        layout[f"xaxis{sfx}"] = axis(
            esc(parameter_label(p)),
            type="category",
            domain=[x0, x0 + w],
            anchor=f"y{sfx}",
        )
        layout[f"xaxis{sfx}"]["title"]["standoff"] = 4
        layout[f"yaxis{sfx}"] = axis(
            title if c == 0 else "",
            domain=[max(0.0, y1 - h), y1],
            anchor=f"x{sfx}",
            type="log" if log_y else "linear",
            range=y_range,
        )
    caption = (
        f"Best (solid) and median (dotted) {metric_label(obj.metric)} of the designs meeting "
        "the constraints, for each value of each parameter; the star is the best design's "
        "choice. A flat solid line means the parameter can be chosen freely."
    )
    height = 250 * nrow + 80

    def draw(fig: Any) -> None:
        axes = fig.subplots(nrow, ncol, squeeze=False)
        for i, p in enumerate(params):
            ax = axes[i // ncol][i % ncol]
            e = effects[p]
            xs = list(range(len(e["values"])))
            ax.plot(
                xs, [b * f if b is not None else np.nan for b in e["best"]],
                "o-", color="#1F3A68", markersize=4, label="best",
            )  # fmt: skip
            ax.plot(
                xs, [m * f if m is not None else np.nan for m in e["median"]],
                "o:", color="#9D9D9D", markersize=3, label="median",
            )  # fmt: skip
            labels = [str(v) for v in e["values"]]
            j = _value_index(e["values"], best_design.get(p))
            if j is not None and e["best"][j] is not None:
                ax.plot([j], [e["best"][j] * f], "*", color=ACCENT, markersize=12)
            ax.set_xticks(xs)
            ax.set_xticklabels(labels, fontsize=7, rotation=30 if len(xs) > 5 else 0)
            ax.set_xlabel(parameter_label(p), fontsize=8)
            if i % ncol == 0:
                ax.set_ylabel(title, fontsize=8)
            if log_y:
                ax.set_yscale("log")
            ax.set_ylim(*y_lim)
            ax.tick_params(labelsize=7)
            style_mpl_axes(ax)
        for j in range(len(params), nrow * ncol):
            axes[j // ncol][j % ncol].set_visible(False)
        axes[0][0].legend(frameon=False, fontsize=7)
        fig.suptitle("Objective by parameter value", fontsize=11)

    return Figure(
        key=key,
        title="Objective by parameter value",
        caption=caption,
        data=data,
        layout={**layout, "margin": {"l": 70, "r": 20, "t": 40, "b": 50}},
        draw=draw,
        height_px=height,
        png_size_in=(9.0, 2.4 * nrow + 0.6),
    )


def _value_index(values: list[Any], value: Any) -> int | None:
    """Position of *value* among a parameter's *values* (4096.0 matches 4096), or None."""
    if value is None:
        return None
    for j, v in enumerate(values):
        try:
            if float(v) == float(value):
                return j
        except (TypeError, ValueError):
            if str(v) == str(value):
                return j
    return None


def _doc_params(doc: dict[str, Any]) -> list[str]:
    spec = (doc.get("space_spec") or {}).get("parameters") or {}
    out = []
    for name, p in spec.items():
        if not isinstance(p, dict) or p.get("tie") or p.get("value") is not None:
            continue
        out.append(name)
    return out


def _has(d: dict[str, Any] | None, *metrics: str) -> bool:
    if not d:
        return False
    for m in metrics:
        v = d.get(m)
        if v is None or not math.isfinite(float(v)):
            return False
    return True


def _wide(values: list[float]) -> bool:
    """True when positive values span more than a factor of 30 (a log axis reads better)."""
    v = [float(x) for x in values if x is not None and math.isfinite(float(x)) and float(x) > 0]
    return bool(v) and len(v) == len([x for x in values if x is not None]) and max(v) / min(v) > 30
