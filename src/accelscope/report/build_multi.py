"""Report of ``accelscope multi``: one accelerator for a set of networks."""

from __future__ import annotations

from typing import Any

import numpy as np

from accelscope.report.designs import design_title, target_of
from accelscope.report.model import Card, ReportModel, Section, Table, provenance_rows, spec_yaml
from accelscope.report.multi import (
    cross_heatmap,
    improvement_bars,
    network_names,
    score_vs_area,
    what_each_gives_up,
)
from accelscope.report.units import METRIC_LABELS, format_value


def _optima_table(doc: dict[str, Any]) -> Table:
    cost = doc.get("cost_metric", "area_mm2")
    names = network_names(doc)
    optima = doc.get("per_network_optima") or {}
    sel = (doc.get("selected") or {}).get("optimum_of")
    mode = str(doc.get("mode", "geomean"))
    rows = []
    for n in names:
        d = optima.get(n) or {}
        own = (d.get("networks") or {}).get(n) or {}
        imp = (doc.get("improvement_pct") or {}).get(n)
        rows.append(
            [
                n + (" ★" if n == sel else ""),
                design_title(d, target_of(doc)),
                format_value(cost, d.get(cost)),
                format_value("latency_s", own.get("latency_s")),
                f"{d['score']:.3f}" if d.get("score") is not None else "-",
                ("not admissible" if not d.get("admissible", True) else "∞")
                if imp is None
                else f"{imp:+.1f} %",
            ]
        )
    joint = doc.get("joint_optimum") or {}
    if joint:
        gain = joint.get("gain_over_selected_pct")
        rows.append(
            [
                "joint optimum",
                design_title(joint, target_of(doc)),
                format_value(cost, joint.get(cost)),
                "",
                f"{joint['score']:.3f}" if joint.get("score") is not None else "-",
                "" if gain is None else f"{gain:+.1f} % over the selection",
            ]
        )
    return Table(
        title="Per-network optima",
        columns=[
            "optimum of",
            "configuration",
            METRIC_LABELS[cost][0],
            "own latency",
            f"{mode} score",
            "selection's improvement",
        ],
        rows=rows,
        numeric=[False, False, True, True, True, True],
        caption="★ marks the selected configuration.",
        key="optima",
    )


def _latency_table(doc: dict[str, Any]) -> Table:
    names = network_names(doc)
    configs = [("own optimum", None)]
    if doc.get("selected"):
        configs.append(("selected", doc["selected"]))
    if doc.get("joint_optimum"):
        configs.append(("joint optimum", doc["joint_optimum"]))
    optima = doc.get("per_network_optima") or {}
    rows = []
    for n in names:
        row = [n]
        for _, d in configs:
            d = d if d is not None else optima.get(n) or {}
            m = (d.get("networks") or {}).get(n) or {}
            rel = m.get("relative_performance")
            cell = format_value("latency_s", m.get("latency_s"))
            if rel is not None and d is not optima.get(n):
                cell += f" ({rel:.2f})"
            row.append(cell)
        rows.append(row)
    return Table(
        title="Latency of each network",
        columns=["network", *[c for c, _ in configs]],
        rows=rows,
        numeric=[False, *[True] * len(configs)],
        caption="In brackets: performance relative to the network's own optimum.",
        key="latency",
    )


def build(
    doc: dict[str, Any], cols: dict[str, np.ndarray] | None = None, source: str | None = None
) -> ReportModel:
    names = network_names(doc)
    mode = str(doc.get("mode", "geomean"))
    sel = doc.get("selected")
    joint = doc.get("joint_optimum") or {}
    model = ReportModel(
        kind="multi",
        title=f"One accelerator for {len(names)} networks",
        subtitle=", ".join(names),
    )
    rng = doc.get("improvement_range_pct")
    if sel:
        model.cards.append(
            Card(
                f"selected {mode} score", f"{sel['score']:.3f}", "1 = every network at its optimum"
            )
        )
        cost = doc.get("cost_metric", "area_mm2")
        model.cards.append(
            Card(METRIC_LABELS[cost][0], format_value(cost, sel.get(cost)), "selected")
        )
    if rng:
        model.cards.append(
            Card("improvement", f"{rng[0]:.1f}–{rng[1]:.1f} %", "over the other optima")
        )
    if joint.get("score") is not None:
        model.cards.append(
            Card(f"joint {mode} score", f"{joint['score']:.3f}", "best over the whole space")
        )
    if joint.get("gain_over_selected_pct") is not None:
        model.cards.append(
            Card("joint gain", f"{joint['gain_over_selected_pct']:+.1f} %", "over the selection")
        )
    weights = doc.get("weights") or {}
    model.facts = [
        ("networks", ", ".join(f"{n} (weight {weights.get(n, 0):.3g})" for n in names)),
        ("mode", mode),
        ("objective", f"{doc.get('objective', '?')} (performance = {doc.get('performance', '?')})"),
        ("constraints", "; ".join(doc.get("constraints") or []) or "none"),
        ("design space", f"{doc.get('space', '?')} ({doc.get('space_size', '?')} points)"),
        (
            "evaluated",
            f"{doc.get('evaluated', '?')} designs, {doc.get('feasible', '?')} admissible "
            "for every network",
        ),
    ]
    if sel:
        model.facts.insert(
            0,
            (
                "selected",
                f"optimum of {sel.get('optimum_of')}: {design_title(sel, target_of(doc))}",
            ),
        )
    else:
        model.notes.append("None of the per-network optima is admissible for the whole set.")
    if joint:
        model.facts.insert(1, ("joint optimum", design_title(joint, target_of(doc))))
    if doc.get("elapsed_s") is not None:
        model.facts.append(("search time", f"{float(doc['elapsed_s']):.2f} s"))

    cross = Section(
        key="cross",
        title="Cross-performance and selection",
        intro="How each network fares on every other network's optimum, and what the shared "
        "configuration gains.",
    )
    cross.figures.append(cross_heatmap(doc, "cross"))
    cross.figures.append(improvement_bars(doc, "improvement"))
    gives = what_each_gives_up(doc, "give-up")
    if gives is not None:
        cross.figures.append(gives)
    cross.tables += [_optima_table(doc), _latency_table(doc)]
    model.sections.append(cross)
    scatter = score_vs_area(doc, cols, "score-area")
    if scatter is not None:
        model.sections.append(Section(key="space", title="Design space", figures=[scatter]))
    model.provenance = provenance_rows(doc, source)
    if doc.get("space_spec"):
        model.specs.append((f"design space: {doc.get('space', '')}", spec_yaml(doc["space_spec"])))
    return model
