"""Report of ``accelscope compare``: designs side by side, per network."""

from __future__ import annotations

from typing import Any

from accelscope.report.breakdown import PALETTE
from accelscope.report.figure import Figure, axis, esc, mpl_esc, style_mpl_axes
from accelscope.report.model import ReportModel, Section, Table, provenance_rows, spec_yaml
from accelscope.report.units import METRIC_LABELS, format_value

#: Metrics drawn relative to the baseline (lower is better for all but throughput).
RELATIVE_METRICS = ("latency_s", "energy_j", "power_w", "area_mm2", "throughput_per_s")


def relative_figure(net: dict[str, Any], baseline: str, key: str) -> Figure:
    """Grouped bars: each design's metrics as multiples of the baseline's."""
    results = net["results"]
    metrics = [
        m for m in RELATIVE_METRICS if any((r.get("relative") or {}).get(m) for r in results)
    ]
    labels = [METRIC_LABELS[m][0] for m in metrics]
    data = []
    for i, r in enumerate(results):
        rel = r.get("relative") or {}
        data.append(
            {
                "type": "bar",
                "name": esc(r["design"]),
                "x": labels,
                "y": [rel.get(m) for m in metrics],
                "marker": {"color": PALETTE[i % len(PALETTE)]},
                "hovertemplate": f"{esc(r['design'])}<br>%{{x}}: %{{y:.3g}}x<extra></extra>",
            }
        )
    layout = {
        "barmode": "group",
        "xaxis": axis("metric", type="category"),
        "yaxis": axis(f"relative to {esc(baseline)} (x)", type="log"),
        "shapes": [
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 1, "y1": 1,
             "line": {"color": "#333", "dash": "dash"}}
        ],
    }  # fmt: skip

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        width = 0.8 / max(len(results), 1)
        for i, r in enumerate(results):
            rel = r.get("relative") or {}
            xs = [j + i * width for j in range(len(metrics))]
            ys = [rel.get(m) or float("nan") for m in metrics]
            ax.bar(xs, ys, width=width, color=PALETTE[i % len(PALETTE)], label=mpl_esc(r["design"]))
        ax.set_yscale("log")
        ax.axhline(1.0, color="#333", linestyle="--", linewidth=1)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(metrics))])
        ax.set_xticklabels(labels)
        ax.set_ylabel(f"relative to {mpl_esc(baseline)} (x)")
        ax.legend(frameon=False, fontsize=8)
        style_mpl_axes(ax)

    return Figure(
        key=key,
        title=f"{net['network']}: relative to {baseline}",
        caption="Each design's latency, energy, power, area and throughput as a multiple of "
        "the baseline's (log scale; the dashed line is the baseline). Lower is better except "
        "for throughput. A metric a design's target does not model has no bar.",
        data=data,
        layout=layout,
        draw=draw,
        height_px=420,
    )


def _table(net: dict[str, Any]) -> Table:
    results = net["results"]
    rows = []
    for m in ("latency_s", "throughput_per_s", "energy_j", "power_w", "area_mm2",
              "utilization", "dram_bytes", "gops", "dsp_efficiency"):  # fmt: skip
        if any(r.get(m) is not None for r in results):
            rows.append([METRIC_LABELS[m][0], *(format_value(m, r.get(m)) for r in results)])
    rows.append(
        ["latency by bound"]
        + [
            ", ".join(f"{b} {100 * s:.0f} %" for b, s in (r.get("latency_by_bound") or {}).items())
            for r in results
        ]
    )
    return Table(
        title=f"{net['network']} (batch {net['batch']})",
        columns=["metric", *(r["design"] for r in results)],
        rows=rows,
        numeric=[False, *[True] * len(results)],
        key=f"table-{net['network']}",
    )


def build(doc: dict[str, Any], source: str | None = None) -> ReportModel:
    baseline = str(doc.get("baseline", ""))
    nets = doc.get("networks") or []
    designs = doc.get("designs") or []
    model = ReportModel(
        kind="compare",
        title=f"{len(designs)} designs compared",
        subtitle=", ".join(d["label"] for d in designs)
        + f" on {', '.join(n['network'] for n in nets)}",
    )
    model.facts = [("baseline", baseline), *((d["label"], d["target"]) for d in designs)]
    for i, net in enumerate(nets):
        model.sections.append(
            Section(
                key=f"network-{i}",
                title=str(net["network"]),
                figures=[relative_figure(net, baseline, f"relative-{i}")],
                tables=[_table(net)],
            )
        )
    model.provenance = provenance_rows(doc, source)
    for d in designs:
        model.specs.append((f"design: {d['label']}", spec_yaml(d.get("spec"))))
    return model
