"""Report of ``accelscope explore``: Pareto front, parameter influence, best design."""

from __future__ import annotations

from typing import Any

import numpy as np

from accelscope.report.designs import design_title, objectives_of, target_of, varying_parameters
from accelscope.report.explore import parameter_panels, pareto_front, sensitivity
from accelscope.report.layer_tables import bound_share_text, layer_section
from accelscope.report.layers import Roofs
from accelscope.report.model import Card, ReportModel, Section, Table, provenance_rows, spec_yaml
from accelscope.report.units import METRIC_LABELS, format_value, metric_label, parameter_label


def _summary_metrics(doc: dict[str, Any]) -> tuple[str, ...]:
    from accelscope.targets import get_target

    return get_target(target_of(doc)).summary_metrics


def _design_cards(best: dict[str, Any], doc: dict[str, Any]) -> list[Card]:
    notes = {"throughput_per_s": "inferences per second", "energy_j": "per inference"}
    return [
        Card(
            ("best " if m == "latency_s" else "") + METRIC_LABELS[m][0],
            format_value(m, best.get(m)),
            notes.get(m, ""),
        )
        for m in _summary_metrics(doc)
    ]


def _top_table(doc: dict[str, Any], params: list[str]) -> Table:
    metrics = _summary_metrics(doc)[:5]
    cols = ["#", "configuration", *[METRIC_LABELS[m][0] for m in metrics], "Pareto"]
    rows = []
    for i, d in enumerate(doc.get("top") or []):
        rows.append(
            [
                str(i + 1),
                design_title(d, target_of(doc)),
                *[format_value(m, d.get(m)) for m in metrics],
                "yes" if d.get("pareto") else "",
            ]
        )
    return Table(
        title=f"Top {len(rows)} designs meeting the constraints",
        columns=cols,
        rows=rows,
        numeric=[True, False, *[True] * len(metrics), False],
        key="top",
    )


def _best_table(best: dict[str, Any], params: list[str], doc: dict[str, Any]) -> Table:
    from accelscope.targets import get_target

    keys = list(dict.fromkeys([*params, *get_target(target_of(doc)).design_keys]))
    keys = list(dict.fromkeys(k for k in keys if best.get(k) is not None))
    metrics = _summary_metrics(doc)
    rows = [[parameter_label(k), _fmt(best[k])] for k in keys]
    rows += [[METRIC_LABELS[m][0], format_value(m, best.get(m))] for m in metrics]
    return Table(
        title="Best design meeting the constraints",
        columns=["parameter / metric", "value"],
        rows=rows,
        numeric=[False, True],
        key="best",
        compact=True,
    )


def _why_section(why: dict[str, Any]) -> Section:
    """What bounds the best design, what moves its objective, what the runner-up trades."""
    from accelscope.search.why import sentences

    rows = []
    for s in why.get("sensitivity") or []:
        values = ", ".join(
            f"{_fmt(v['value'])}: {format_value(s['objective'], v[s['objective']])}"
            for v in s["values"]
        )
        spread = f"x{s['spread']:.3g}" if s.get("spread") else "-"
        rows.append([parameter_label(s["parameter"]), _fmt(s["best_value"]), spread, values])
    return Section(
        key="why",
        title="Why this design",
        intro=" ".join(f"{line[0].upper()}{line[1:]}." for line in sentences(why)),
        tables=[
            Table(
                title="One parameter at a time around the best design",
                columns=["parameter", "best design", "spread", "objective at each value"],
                rows=rows,
                numeric=[False, True, True, False],
                caption="Among evaluated designs that equal the best in every other "
                "parameter and meet the constraints: the objective at each value of one "
                "parameter, and its spread (worst / best).",
                key="sensitivity-table",
            )
        ]
        if rows
        else [],
    )


def _tie_text(doc: dict[str, Any]) -> str:
    from accelscope.targets import get_target

    metric, direction = get_target(target_of(doc)).tie_break
    return f"{'smallest' if direction == 'min' else 'largest'} {METRIC_LABELS[metric][0]}"


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def build(
    doc: dict[str, Any], cols: dict[str, np.ndarray] | None, source: str | None = None
) -> ReportModel:
    network = str(doc.get("network") or "network")
    best = doc.get("best")
    params = varying_parameters(cols, doc) if cols is not None else []
    model = ReportModel(
        kind="explore",
        title=f"Design-space exploration: {network}",
        subtitle=(
            f"{doc.get('evaluated', '?')} designs of space '{doc.get('space', '?')}' evaluated "
            f"({doc.get('strategy', '?')}), objectives "
            + ", ".join(f"{o.direction} {metric_label(o.metric)}" for o in objectives_of(doc))
        ),
    )
    if best:
        model.cards = _design_cards(best, doc)
    model.facts = [
        ("network", network),
        (
            "design space",
            f"{doc.get('space', '?')} ({doc.get('space_size', '?')} points)",
        ),
        ("objectives", ", ".join(doc.get("objectives") or [])),
        ("constraints", "; ".join(doc.get("constraints") or []) or "none"),
        ("strategy", str(doc.get("strategy", "?"))),
        (
            "evaluated",
            f"{doc.get('evaluated', '?')} designs, {doc.get('feasible', '?')} meet the constraints",
        ),
    ]
    single = len(doc.get("objectives") or []) == 1
    model.facts.append(
        ("Pareto-optimal", f"— (one objective: the best design, ties to the {_tie_text(doc)})")
        if single
        else ("Pareto-optimal", f"{len(doc.get('pareto') or [])} designs")
    )
    if doc.get("elapsed_s") is not None:
        model.facts.append(("search time", f"{float(doc['elapsed_s']):.2f} s"))
    if best:
        model.facts.insert(0, ("best design", design_title(best, target_of(doc))))
    else:
        model.notes.append(
            "No evaluated design meets the constraints"
            + (f": {doc['diagnosis']}" if doc.get("diagnosis") else ".")
        )
    if cols is None:
        model.notes.append(
            "The full result table (results.parquet) was not available: the Pareto plot shows "
            "only the Pareto set and the top designs, and parameter influence is not drawn. "
            "Run explore with --out DIR and report DIR for the full picture."
        )

    front = Section(
        key="pareto",
        title="Designs by objective and area" if single else "Pareto front",
        intro=(
            "Every evaluated design; with one objective there is no Pareto front."
            if single
            else "Trade-off between the objectives over every evaluated design."
        ),
    )
    front.figures.append(pareto_front(doc, cols, "pareto"))
    if best:
        front.tables.append(_best_table(best, params, doc))
    if doc.get("top"):
        front.tables.append(_top_table(doc, params))
    model.sections.append(front)
    why = doc.get("why")
    if why:
        model.sections.append(_why_section(why))

    if cols is not None and params:
        influence = Section(
            key="parameters",
            title="How each parameter drives the objective",
            intro=_influence_intro(cols),
        )
        for fig in (sensitivity(doc, cols, "sensitivity"), parameter_panels(doc, cols, "params")):
            if fig is not None:
                influence.figures.append(fig)
        if influence.figures:  # none when no design meets the constraints
            model.sections.append(influence)

    layers = doc.get("best_layers") or []
    if best and layers and target_of(doc) == "fpga":
        from accelscope.report.build_fpga import stage_figure

        model.sections.append(
            Section(
                key="best-layers",
                title="Best design: per-layer analysis",
                intro=f"{network} on the best design ({design_title(best, 'fpga')}).",
                figures=[stage_figure(layers, float(best.get("clock_mhz") or 1), network)],
            )
        )
    elif best and layers:
        roofs = Roofs.from_design(best)
        model.facts.append(
            ("best design: latency by bound", bound_share_text(layers, roofs.clock_mhz))
        )
        model.sections.append(
            layer_section(
                layers,
                roofs,
                network,
                key="best-layers",
                title="Best design: per-layer analysis",
                intro=f"{network} on the best design ({design_title(best, target_of(doc))}).",
            )
        )
    model.provenance = provenance_rows(doc, source)
    if doc.get("space_spec"):
        model.specs.append((f"design space: {doc.get('space', '')}", spec_yaml(doc["space_spec"])))
    return model


def _influence_intro(cols: dict[str, np.ndarray]) -> str:
    """Where the parameter figures come from: every design, or (a large run) exact bests
    and counts over every design with medians from a random sample."""
    if getattr(cols, "sampled", False):
        shown = len(next(iter(cols.values())))
        return (
            f"Best values and counts computed from all {cols.total_rows:,} evaluated designs; "
            f"medians from a random sample of {shown:,} of them."
        )
    return f"Computed from all {len(next(iter(cols.values()))):,} evaluated designs."
