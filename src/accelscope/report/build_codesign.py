"""Report of ``accelscope codesign``: where a layer's width is free and where it costs."""

from __future__ import annotations

from typing import Any

from accelscope.fmt import si
from accelscope.report.codesign import plan_changes, staircases
from accelscope.report.model import Card, ReportModel, Section, Table, provenance_rows
from accelscope.report.units import format_value


def _recommendation_table(doc: dict[str, Any]) -> Table:
    rows = []
    layers = sorted(doc.get("layers") or [], key=lambda lay: -float(lay.get("latency_share") or 0))
    plan = (doc.get("plan") or {}).get("widths") or {}
    for lay in layers:
        recs = lay.get("recommendations") or []
        planned = plan.get(lay["name"])
        base = [
            str(lay["name"]),
            str(lay.get("op", "")),
            str(lay.get("width", "")),
            f"{100 * float(lay.get('latency_share') or 0):.1f} %",
            "" if planned is None or planned == lay.get("width") else str(planned),
        ]
        if not recs:
            rows.append([*base, "", "", "", "flat: no advice"])
            continue
        for k, rec in enumerate(recs):
            rows.append(
                [
                    *(base if k == 0 else [""] * len(base)),
                    str(rec.get("action", "")),
                    str(rec.get("width", "")),
                    f"{float(rec.get('latency_change_pct', 0)):+.2f} %",
                    str(rec.get("text", "")),
                ]
            )
    return Table(
        title="Recommendations per layer",
        columns=[
            "layer",
            "op",
            "width",
            "latency share",
            "plan",
            "action",
            "to width",
            "network latency",
            "advice",
        ],
        rows=rows,
        numeric=[False, False, True, True, True, False, True, True, False],
        caption="Layers ordered by their share of the network latency.",
        key="recommendations",
    )


def build(doc: dict[str, Any], source: str | None = None) -> ReportModel:
    network = str(doc.get("network", "network"))
    arch = str(doc.get("arch", "arch"))
    layers = doc.get("layers") or []
    plan = doc.get("plan") or {}
    model = ReportModel(
        kind="codesign",
        title=f"Hardware-aware widths: {network} on {arch}",
        subtitle=(
            f"{len(layers)} layers swept over {doc.get('range', ['?', '?'])[0]}x–"
            f"{doc.get('range', ['?', '?'])[1]}x of their width"
            + (f", multiples of {doc['multiple']}" if doc.get("multiple", 1) != 1 else "")
        ),
    )
    model.cards = [
        Card("latency", format_value("latency_s", doc.get("latency_s")), "current widths"),
        Card("energy", format_value("energy_j", doc.get("energy_j")), "per inference"),
        Card("parameters", si(float(doc.get("params") or 0)), "current widths"),
    ]
    if plan:
        model.cards += [
            Card("plan latency", f"{float(plan.get('latency_change_pct', 0)):+.2f} %",
                 format_value("latency_s", plan.get("latency_s"))),
            Card("plan parameters", f"{float(plan.get('params_change_pct', 0)):+.1f} %",
                 si(float(plan.get("params") or 0))),
        ]  # fmt: skip
    n_recs = sum(len(lay.get("recommendations") or []) for lay in layers)
    model.facts = [
        ("network", f"{network} (batch {doc.get('batch', '-')})"),
        ("accelerator", arch),
        ("layers swept", f"{len(layers)} ({n_recs} recommendations)"),
        ("excluded", f"{len(doc.get('excluded') or [])} layers (see below)"),
    ]
    if plan:
        model.facts.append(
            ("plan", f"goal {plan.get('goal')}, {plan.get('constraint')}: "
                     f"{len(plan.get('changes') or [])} layers reshaped")
        )  # fmt: skip
    else:
        model.notes.append("No plan was computed (--goal none).")
    section = Section(
        key="staircases",
        title="Latency against layer width",
        intro="Accelerators work in folds and tiles, so latency rises in steps: widths inside "
        "a plateau are free, a step is a cliff worth stepping back from.",
    )
    fig = staircases(doc, "staircases")
    if fig is not None:
        section.figures.append(fig)
    section.tables.append(_recommendation_table(doc))
    model.sections.append(section)
    if plan:
        plan_section = Section(key="plan", title="Reshaping plan")
        fig = plan_changes(doc, "plan")
        if fig is not None:
            plan_section.figures.append(fig)
        plan_section.tables.append(
            Table(
                title="Planned widths",
                columns=["layer", "from", "to"],
                rows=[
                    [str(c["name"]), str(c["from"]), str(c["to"])]
                    for c in plan.get("changes") or []
                ],
                numeric=[False, True, True],
                key="plan-changes",
                compact=True,
            )  # fmt: skip
        )
        model.sections.append(plan_section)
    if doc.get("excluded"):
        model.sections.append(
            Section(
                key="excluded",
                title="Layers not swept",
                tables=[
                    Table(
                        title=f"{len(doc['excluded'])} layers keep their width",
                        columns=["layer", "reason"],
                        rows=[[str(e.get("name")), str(e.get("reason"))] for e in doc["excluded"]],
                        numeric=[False, False],
                        collapsed=True,
                        key="excluded",
                    )
                ],
            )
        )
    model.provenance = provenance_rows(doc, source)
    return model
