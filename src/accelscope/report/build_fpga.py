"""Report of ``accelscope evaluate`` for an FPGA design: resources against the board and
the per-layer stage balance."""

from __future__ import annotations

from typing import Any

from accelscope.report.figure import (
    ACCENT,
    BOUND_COLORS,
    NEUTRAL,
    Figure,
    axis,
    esc,
    layer_axis,
    mpl_esc,
    style_mpl_axes,
    thin_ticks,
    unique_labels,
)
from accelscope.report.model import Card, ReportModel, Section, Table, provenance_rows, spec_yaml
from accelscope.report.units import format_value, micros

#: Resources whose use is estimated rather than derived from rules (resources.py).
ESTIMATED = ("lut", "ff")
ENGINE_COLORS = {"pipeline": BOUND_COLORS["compute"], "generic": BOUND_COLORS["vector"]}


def resource_figure(resources: dict[str, dict[str, int]]) -> Figure:
    """Horizontal bars: each resource's use as a share of the board's."""
    names = [n for n, r in resources.items() if r["available"] > 0]
    share = [100.0 * resources[n]["used"] / resources[n]["available"] for n in names]
    labels = [n.upper() + (" (est.)" if n in ESTIMATED else "") for n in names]
    # Estimates are grey even above 100 %: they are not checked against the board.
    colors = [NEUTRAL if n in ESTIMATED else (ACCENT if s > 100 else BOUND_COLORS["compute"])
              for n, s in zip(names, share, strict=True)]  # fmt: skip
    hover = [
        f"{esc(lab)}: {resources[n]['used']:,} of {resources[n]['available']:,} ({s:.1f} %)"
        for n, lab, s in zip(names, labels, share, strict=True)
    ]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": share,
            "marker": {"color": colors},
            "hovertext": hover,
            "hoverinfo": "text",
            "showlegend": False,
        }
    ]
    layout = {
        "xaxis": axis("share of the board (%)", rangemode="tozero"),
        "yaxis": axis("", autorange="reversed", type="category"),
        "shapes": [
            {"type": "line", "x0": 100, "x1": 100, "yref": "paper", "y0": 0, "y1": 1,
             "line": {"color": ACCENT, "dash": "dash"}}
        ],
    }  # fmt: skip

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        ax.barh(range(len(names)), share, color=colors)
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(labels)
        ax.invert_yaxis()
        ax.axvline(100, color=ACCENT, linestyle="--")
        ax.set_xlabel("share of the board (%)")
        style_mpl_axes(ax)

    worst = max(zip(share, labels, strict=True), default=(0.0, "-"))
    return Figure(
        key="resources",
        title="Resource utilization",
        caption=(
            f"Use of each resource as a share of the board; the dashed line is the board's "
            f"total. Highest: {worst[1]} at {worst[0]:.1f} %. LUT and FF are estimates from "
            "published designs (grey, not checked against the board: designs differ "
            "several-fold in logic per lane); DSP, BRAM18 and URAM follow the vendor rules "
            "and must fit."
        ),
        data=data,
        layout=layout,
        draw=draw,
        height_px=300,
        png_size_in=(8.0, 3.2),
    )


def stage_figure(layers: list[dict[str, Any]], clock_mhz: float, network: str) -> Figure:
    """Bars: cycles of every layer with GEMM work, coloured by engine; for a pipeline the
    slowest stage sets the period, so a balanced pipeline has bars of equal height."""
    timed = [la for la in layers if la.get("engine") in ENGINE_COLORS]
    names = unique_labels([la["name"] for la in timed])
    micro = [la["cycles"] / clock_mhz for la in timed]
    data = []
    for engine, color in ENGINE_COLORS.items():
        idx = [i for i, la in enumerate(timed) if la["engine"] == engine]
        if not idx:
            continue
        data.append(
            {
                "type": "bar",
                "name": engine,
                "x": [names[i] for i in idx],
                "y": [micro[i] for i in idx],
                "marker": {"color": color},
                "hovertext": [
                    f"{esc(names[i])}: {micros(micro[i])}, {timed[i]['ci']} x {timed[i]['co']} "
                    f"lanes, {timed[i]['bound']}-bound"
                    for i in idx
                ],
                "hoverinfo": "text",
            }
        )
    ticks = thin_ticks(len(names))
    layout = {
        "barmode": "overlay",
        "xaxis": layer_axis(names),
        "yaxis": axis("time per batch (µs)", rangemode="tozero"),
    }  # fmt: skip
    pipe = [m for m, la in zip(micro, timed, strict=True) if la["engine"] == "pipeline"]
    balance = ""
    if pipe:
        slowest = max(pipe)
        mean = sum(pipe) / len(pipe)
        balance = (
            f" The pipeline's slowest stage takes {micros(slowest)} and sets its period; "
            f"stages average {100 * mean / slowest:.0f} % of it (100 % is a perfect balance)."
        )

    def draw(fig: Any) -> None:
        ax = fig.add_subplot(1, 1, 1)
        colors = [ENGINE_COLORS[la["engine"]] for la in timed]
        ax.bar(range(len(names)), micro, color=colors)
        ax.set_xticks(ticks)
        ax.set_xticklabels([mpl_esc(names[i]) for i in ticks], rotation=70, ha="right",
                           fontsize=7)  # fmt: skip
        ax.set_ylabel("time per batch (µs)")
        ax.set_title(mpl_esc(f"{network}: time per layer"), fontsize=11)
        style_mpl_axes(ax)

    return Figure(
        key="stages",
        title="Per-layer stage balance",
        caption=f"{len(timed)} layers with matrix work, coloured by the engine that runs "
        f"them (element-wise layers run in line and are not drawn).{balance}",
        data=data,
        layout=layout,
        draw=draw,
        height_px=420,
    )


def build(doc: dict[str, Any], source: str | None = None) -> ReportModel:
    spec = doc.get("arch_spec") or {}
    network = str(doc.get("network", "network"))
    name = str(doc.get("arch", spec.get("name", "design")))
    resources = doc.get("resources") or {}
    layers = doc.get("layers") or []
    model = ReportModel(
        kind="evaluate",
        title=f"{network} on {name}",
        subtitle=(
            f"FPGA design on {doc.get('board')}: {doc.get('paradigm')} paradigm, "
            f"{doc.get('precision')}, batch {doc.get('batch', '-')}"
        ),
    )
    model.cards = [
        Card("latency", format_value("latency_s", doc.get("latency_s"))),
        Card(
            "throughput",
            format_value("throughput_per_s", doc.get("throughput_per_s")),
            "inferences per second",
        ),  # fmt: skip
        Card("GOP/s", f"{doc.get('gops', 0):.4g}", "2 operations per MAC"),
        Card("DSP efficiency", f"{doc.get('dsp_efficiency', 0):.3g}", "GOP/s per DSP per GHz"),
        Card("DRAM", f"{doc.get('dram_gbps_used', 0):.3g} GB/s", "used"),
    ]
    model.facts = [
        ("network", network),
        ("board", str(doc.get("board"))),
        ("paradigm", str(doc.get("paradigm"))),
        ("layers pipelined", str(doc.get("pipeline_layers"))),
        ("precision", str(doc.get("precision"))),
        ("clock", f"{float(doc.get('clock_mhz') or 0):g} MHz"),
        ("utilization", format_value("utilization", doc.get("utilization"))),
    ]
    if resources:
        model.sections.append(
            Section(
                key="resources",
                title="Resources",
                figures=[resource_figure(resources)],
                tables=[
                    Table(
                        title="Resources used and available",
                        columns=["resource", "used", "available", "share"],
                        rows=[
                            [
                                k.upper() + (" (est.)" if k in ESTIMATED else ""),
                                f"{r['used']:,}",
                                f"{r['available']:,}",
                                f"{100 * r['used'] / r['available']:.1f} %"
                                if r["available"]
                                else "-",
                            ]
                            for k, r in resources.items()
                        ],  # fmt: skip
                        numeric=[False, True, True, True],
                    )
                ],
            )
        )
    if layers:
        model.sections.append(
            Section(
                key="stages",
                title="Per-layer analysis",
                intro="How long each layer takes on its engine and what bounds it.",
                figures=[stage_figure(layers, float(doc.get("clock_mhz") or 1), network)],
            )
        )
    if doc.get("untimed_layers"):
        model.notes.append(
            f"{doc['untimed_layers']} element-wise layers (activations, pooling, additions) "
            "run in line with the engines and are not timed (docs/fpga.md)."
        )
    model.provenance = provenance_rows(doc, source)
    if spec:
        model.specs.append((f"FPGA design: {name}", spec_yaml(spec)))
    return model
