"""Report of ``accelscope explore``: Pareto front, parameter influence, best design."""

from __future__ import annotations

from typing import Any

import numpy as np

from accelscope.report.designs import design_title, objectives_of, varying_parameters
from accelscope.report.explore import parameter_panels, pareto_front, sensitivity
from accelscope.report.layer_tables import bound_share_text, layer_section
from accelscope.report.layers import Roofs
from accelscope.report.model import Card, ReportModel, Section, Table, provenance_rows, spec_yaml
from accelscope.report.units import METRIC_LABELS, format_value, metric_label, parameter_label

_DESIGN_METRICS = ("latency_s", "throughput_per_s", "energy_j", "area_mm2", "power_w")


def _design_cards(best: dict[str, Any]) -> list[Card]:
    return [
        Card("best latency", format_value("latency_s", best.get("latency_s"))),
        Card(
            "throughput",
            format_value("throughput_per_s", best.get("throughput_per_s")),
            "inferences per second",
        ),
        Card("energy", format_value("energy_j", best.get("energy_j")), "per inference"),
        Card("area", format_value("area_mm2", best.get("area_mm2"))),
        Card("power", format_value("power_w", best.get("power_w"))),
        Card("utilization", format_value("utilization", best.get("utilization"))),
    ]


def _top_table(doc: dict[str, Any], params: list[str]) -> Table:
    cols = ["#", "configuration", *[METRIC_LABELS[m][0] for m in _DESIGN_METRICS], "Pareto"]
    rows = []
    for i, d in enumerate(doc.get("top") or []):
        rows.append(
            [
                str(i + 1),
                design_title(d),
                *[format_value(m, d.get(m)) for m in _DESIGN_METRICS],
                "yes" if d.get("pareto") else "",
            ]
        )
    return Table(
        title=f"Top {len(rows)} designs meeting the constraints",
        columns=cols,
        rows=rows,
        numeric=[True, False, *[True] * len(_DESIGN_METRICS), False],
        key="top",
    )


def _best_table(best: dict[str, Any], params: list[str]) -> Table:
    keys = list(dict.fromkeys([*params, "units", "rows", "cols", "dataflow", "clock_mhz"]))
    keys += [k for k in ("lanes", "unified_kib", "dram_gbps", "precision", "technology")]
    keys = list(dict.fromkeys(k for k in keys if best.get(k) is not None))
    rows = [[parameter_label(k), _fmt(best[k])] for k in keys]
    rows += [[METRIC_LABELS[m][0], format_value(m, best.get(m))] for m in _DESIGN_METRICS]
    return Table(
        title="Best design meeting the constraints",
        columns=["parameter / metric", "value"],
        rows=rows,
        numeric=[False, True],
        key="best",
        compact=True,
    )


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
        model.cards = _design_cards(best)
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
        ("Pareto-optimal", "— (one objective: the best design, ties to the smallest area)")
        if single
        else ("Pareto-optimal", f"{len(doc.get('pareto') or [])} designs")
    )
    if doc.get("elapsed_s") is not None:
        model.facts.append(("search time", f"{float(doc['elapsed_s']):.2f} s"))
    if best:
        model.facts.insert(0, ("best design", design_title(best)))
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
        front.tables.append(_best_table(best, params))
    if doc.get("top"):
        front.tables.append(_top_table(doc, params))
    model.sections.append(front)

    if cols is not None and params:
        influence = Section(
            key="parameters",
            title="How each parameter drives the objective",
            intro=f"Computed from all {len(next(iter(cols.values())))} evaluated designs.",
        )
        for fig in (sensitivity(doc, cols, "sensitivity"), parameter_panels(doc, cols, "params")):
            if fig is not None:
                influence.figures.append(fig)
        if influence.figures:  # none when no design meets the constraints
            model.sections.append(influence)

    layers = doc.get("best_layers") or []
    if best and layers:
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
                intro=f"{network} on the best design ({design_title(best)}).",
            )
        )
    model.provenance = provenance_rows(doc, source)
    if doc.get("space_spec"):
        model.specs.append((f"design space: {doc.get('space', '')}", spec_yaml(doc["space_spec"])))
    return model
