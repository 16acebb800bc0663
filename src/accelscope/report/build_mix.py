"""Report of ``accelscope mix``: the best design, every application against its targets,
the schedule (or the partition), and the (area, headroom) front."""

from __future__ import annotations

from typing import Any

from accelscope.report.breakdown import PALETTE
from accelscope.report.designs import design_title
from accelscope.report.figure import Figure, axis, esc, mpl_esc, style_mpl_axes
from accelscope.report.model import Card, ReportModel, Section, Table, provenance_rows, spec_yaml
from accelscope.report.units import format_value


def _targets_figure(best: dict[str, Any]) -> Figure:
    """Per application: worst-case response against its bound (ms)."""
    names = list(best["applications"])
    apps = [best["applications"][n] for n in names]
    resp = [a["response_s"] * 1e3 for a in apps]
    bound = [a["latency_bound_s"] * 1e3 for a in apps]
    data = [
        {"type": "bar", "name": "worst-case response", "x": [esc(n) for n in names], "y": resp,
         "marker": {"color": PALETTE[0]},
         "hovertemplate": "%{x}: response %{y:.4g} ms<extra></extra>"},
        {"type": "bar", "name": "bound", "x": [esc(n) for n in names], "y": bound,
         "marker": {"color": PALETTE[6]},
         "hovertemplate": "%{x}: bound %{y:.4g} ms<extra></extra>"},
    ]  # fmt: skip
    layout = {
        "barmode": "group",
        "xaxis": axis("application", type="category"),
        "yaxis": axis("time (ms)", rangemode="tozero"),
    }

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        x = range(len(names))
        ax.bar([i - 0.2 for i in x], resp, width=0.4, color=PALETTE[0], label="worst-case response")
        ax.bar([i + 0.2 for i in x], bound, width=0.4, color=PALETTE[6], label="bound")
        ax.set_xticks(list(x))
        ax.set_xticklabels([mpl_esc(n) for n in names])
        ax.set_ylabel("time (ms)")
        ax.legend(frameon=False, fontsize=8)
        style_mpl_axes(ax)

    return Figure(
        key="targets",
        title="Response times against bounds",
        caption="Each application's worst-case response time on the best design (time "
        "multiplexed: waiting included; partitioned: its latency on its share) next to its bound.",
        data=data,
        layout=layout,
        draw=draw,
        height_px=360,
    )


def _timeline_figure(best: dict[str, Any], spec_apps: list[dict[str, Any]]) -> Figure | None:
    """One scheduling window of the time-multiplexed schedule (critical instant)."""
    from accelscope.mix.timeline import simulate

    names = list(best["applications"])
    apps = [best["applications"][n] for n in names]
    rates = [a.get("required_rate_per_s") or 0.0 for a in apps]
    prios = [int(s.get("priority", 0)) for s in spec_apps]
    periods = [1.0 / r for r in rates if r > 0]
    window = max(periods + [a["latency_bound_s"] for a in apps])
    runs = simulate([a["latency_s"] for a in apps], rates, prios, window)
    if not runs:
        return None
    data = []
    for i, name in enumerate(names):
        mine = [r for r in runs if r.app == i]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": esc(name),
                "y": [esc(name)] * len(mine),
                "x": [(r.end_s - r.start_s) * 1e3 for r in mine],
                "base": [r.start_s * 1e3 for r in mine],
                "marker": {"color": PALETTE[i % len(PALETTE)]},
                "customdata": [[r.release_s * 1e3, (r.end_s - r.release_s) * 1e3] for r in mine],
                "hovertemplate": f"{esc(name)}: %{{base:.4g}}-%{{x:.4g}} ms after start<br>"
                "released %{customdata[0]:.4g} ms, response %{customdata[1]:.4g} ms<extra></extra>",
            }
        )
    layout = {
        "barmode": "overlay",
        "xaxis": axis("time from the critical instant (ms)", rangemode="tozero"),
        "yaxis": axis("", type="category", autorange="reversed"),
        "showlegend": False,
    }

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        for i, _ in enumerate(names):
            spans = [(r.start_s * 1e3, (r.end_s - r.start_s) * 1e3) for r in runs if r.app == i]
            ax.broken_barh(spans, (i - 0.35, 0.7), color=PALETTE[i % len(PALETTE)])
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels([mpl_esc(n) for n in names])
        ax.invert_yaxis()
        ax.set_xlabel("time from the critical instant (ms)")
        style_mpl_axes(ax)

    return Figure(
        key="timeline",
        title="Schedule of one window",
        caption=f"Every application released at 0 and then at its rate; inferences run "
        f"without preemption, highest priority first ({len(runs)} inferences in "
        f"{window * 1e3:.4g} ms).",
        data=data,
        layout=layout,
        draw=draw,
        height_px=max(240, 80 + 50 * len(names)),
    )


def _front_figure(doc: dict[str, Any]) -> Figure | None:
    front = doc.get("pareto") or []
    if not front:
        return None
    best = doc.get("best") or {}
    data = [
        {"type": "scatter", "mode": "lines+markers", "name": "Pareto front",
         "x": [d["area_mm2"] for d in front], "y": [d["headroom"] for d in front],
         "line": {"shape": "hv"},
         "hovertext": [esc(design_title(d["configuration"])) for d in front],
         "hovertemplate": "%{hovertext}<br>%{x:.4g} mm², headroom x%{y:.3g}<extra></extra>"},
        {"type": "scatter", "mode": "markers", "name": "best",
         "x": [best.get("area_mm2")], "y": [best.get("headroom")],
         "marker": {"symbol": "star", "size": 16, "color": PALETTE[6]}},
    ]  # fmt: skip
    layout = {"xaxis": axis("area (mm²)"), "yaxis": axis("headroom (x)", type="log")}

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        ax.step([d["area_mm2"] for d in front], [d["headroom"] for d in front], where="post")
        ax.scatter([best.get("area_mm2")], [best.get("headroom")], marker="*", s=200,
                   color=PALETTE[6], zorder=3)  # fmt: skip
        ax.set_yscale("log")
        ax.set_xlabel("area (mm²)")
        ax.set_ylabel("headroom (x)")
        style_mpl_axes(ax)

    return Figure(
        key="front",
        title="Area against headroom",
        caption="Designs that run the mix with no other design both smaller and with more "
        "headroom (the factor every rate can grow by); the star is the chosen one.",
        data=data,
        layout=layout,
        draw=draw,
        height_px=380,
    )


def build(doc: dict[str, Any], source: str | None = None) -> ReportModel:
    best = doc.get("best") or {}
    model = ReportModel(
        kind="mix",
        title=f"Mix '{doc.get('mix')}' on one accelerator",
        subtitle=", ".join(a.get("name") or a["model"] for a in doc.get("applications") or []),
    )
    if best:
        model.cards = [
            Card("area", format_value("area_mm2", best.get("area_mm2"))),
            Card("power", format_value("power_w", best.get("power_w")), "average of the mix"),
            Card("execution", str(best.get("execution"))),
            Card("headroom", f"x{best.get('headroom', 0):.3g}", "every rate can grow by"),
        ]
        counts = f"{doc.get('evaluated', 0):,} designs, {doc.get('feasible', 0):,} run the mix"
        model.facts = [
            ("best design", design_title(best["configuration"])),
            ("objective", str(doc.get("objective"))),
            ("limited by", str(best.get("limited_by"))),
            ("evaluated", counts),
        ]
        rows = [
            [
                name,
                a["share"],
                format_value("latency_s", a["latency_s"]),
                format_value("latency_s", a["response_s"]),
                format_value("latency_s", a["latency_bound_s"]),
                f"{a['rate_per_s']:.4g} /s",
                f"{a['required_rate_per_s']:.4g} /s" if a.get("required_rate_per_s") else "-",
            ]
            for name, a in best["applications"].items()
        ]
        figures = [_targets_figure(best)]
        if best.get("execution") == "time":
            timeline = _timeline_figure(best, doc.get("applications") or [])
            if timeline is not None:
                figures.append(timeline)
        model.sections.append(
            Section(
                key="applications",
                title="Applications on the best design",
                figures=figures,
                tables=[
                    Table(
                        title="Targets",
                        columns=[
                            "application",
                            "share",
                            "latency",
                            "worst response",
                            "bound",
                            "rate (max)",
                            "rate (required)",
                        ],  # fmt: skip
                        rows=rows,
                        numeric=[False, False, True, True, True, True, True],
                    )
                ],
            )
        )
    front = _front_figure(doc)
    if front is not None:
        model.sections.append(Section(key="front", title="Area against headroom", figures=[front]))
    model.provenance = provenance_rows(doc, source)
    if doc.get("space_spec"):
        model.specs.append((f"design space: {doc.get('space')}", spec_yaml(doc["space_spec"])))
    return model
