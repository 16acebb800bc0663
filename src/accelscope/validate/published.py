"""Predicted versus published figures of real accelerators (``accelscope validate``, part 2).

The table ships with the package (``chips.yaml``): per chip the architecture as published
and rows of (workload, metric, published value, source). :func:`validate_published`
evaluates every row with the cost model and returns the error; rows marked ``fitted``
were used to calibrate a shared constant (docs/validation.md names which) and are kept
out of the summary's "not fitted" figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from accelscope.errors import AccelscopeError, SpecError

TABLE = Path(__file__).with_name("chips.yaml")

Metric = Literal[
    "throughput_per_s",
    "onchip_power_w",
    "power_w",
    "cell_area_mm2",
    "core_area_mm2",
    "area_mm2",
    "dram_accesses_per_mac",
    "latency_ms",
]

#: Metric -> (kind used in the summary, unit).
METRIC_KIND: dict[str, tuple[str, str]] = {
    "throughput_per_s": ("throughput", "inferences/s"),
    "onchip_power_w": ("power", "W"),
    "power_w": ("power", "W"),
    "cell_area_mm2": ("area", "mm²"),
    "core_area_mm2": ("area", "mm²"),
    "area_mm2": ("area", "mm²"),
    "dram_accesses_per_mac": ("dram", "accesses/MAC"),
    "latency_ms": ("latency", "ms"),
}


class Workload(BaseModel):
    """A zoo model (optionally only its convolutional part) or an inline network."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    model: str | None = None
    batch: int = Field(default=1, gt=0)
    subset: Literal["all", "conv"] = "all"
    network: dict[str, Any] | None = None


class ChipRow(BaseModel):
    """One published figure. ``latency_ms`` is the latency of one run of the workload (all
    of its batch), or with ``layer`` of that one layer of it (a layer name of the workload,
    as ``accelscope workload show`` lists them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    metric: Metric
    published: float = Field(gt=0)
    source: str
    workload: Workload | None = None
    layer: str | None = Field(default=None, min_length=1)
    access_bytes: int = 2
    note: str = ""
    fitted: bool = False

    @model_validator(mode="after")
    def _layer_latency_only(self) -> ChipRow:
        if self.layer is not None and (self.metric != "latency_ms" or self.workload is None):
            raise ValueError("'layer' needs metric latency_ms and a workload")
        return self


class Chip(BaseModel):
    """An accelerator and its published figures."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    chip: str
    team: str
    source: str
    arch: dict[str, Any]
    rows: list[ChipRow] = Field(min_length=1)


class ChipTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    spec_version: Literal[1] = 1
    chips: list[Chip] = Field(min_length=1)


@dataclass(frozen=True)
class RowResult:
    """A row with its prediction: ``error_pct = (predicted - published) / published``."""

    chip: str
    team: str
    metric: str
    workload: str
    published: float
    predicted: float
    error_pct: float
    source: str
    fitted: bool
    note: str
    layer: str = ""  # the layer of a per-layer latency row

    def to_dict(self) -> dict[str, Any]:
        return {
            "chip": self.chip,
            "team": self.team,
            "metric": self.metric,
            "workload": self.workload,
            "layer": self.layer,
            "published": self.published,
            "predicted": self.predicted,
            "error_pct": self.error_pct,
            "source": self.source,
            "fitted": self.fitted,
            "note": self.note,
        }


def load_chips(path: str | Path | None = None) -> ChipTable:
    """The published-chip table (the packaged one by default)."""
    from pydantic import ValidationError

    from accelscope.workload.yaml_import import format_validation_error
    from accelscope.yamlfile import read_yaml as _read_yaml

    p = Path(path) if path is not None else TABLE
    data = _read_yaml(p)
    try:
        return ChipTable.model_validate(data)
    except ValidationError as err:
        raise SpecError(format_validation_error(err, str(p), data)) from None


def _arch(chip: Chip):
    from accelscope.targets.asic.arch import arch_from_dict, load_arch

    if "preset" in chip.arch:
        return load_arch(chip.arch["preset"])
    return arch_from_dict({"spec_version": 1, **chip.arch}, source=f"chip '{chip.chip}'")


def _conv_part(network):
    """The convolutional part of a CNN: every layer before the first fully connected one."""
    from accelscope.codesign.resize_ir import rebuild

    layers = []
    for op in network.layers:
        if op.kind == "linear":
            break
        layers.append(op)
    return rebuild(network, layers, f"{network.name}-conv")


def _network(w: Workload):
    from accelscope.workload import zoo
    from accelscope.workload.yaml_import import network_from_dict

    if w.network is not None:
        return network_from_dict({"spec_version": 1, **w.network}, source="inline network")
    net = zoo.get(w.model, batch=w.batch)
    return _conv_part(net) if w.subset == "conv" else net


def _describe(w: Workload | None) -> str:
    if w is None:
        return ""
    if w.network is not None:
        return f"{w.network.get('name', 'network')} (batch {w.network.get('batch', 1)})"
    part = ", conv layers" if w.subset == "conv" else ""
    return f"{w.model} (batch {w.batch}{part})"


def _report(chip: Chip, workload: Workload | None):
    """(network, per-layer report) of *workload* on *chip* (an area probe without one)."""
    from accelscope.targets.asic.cost import evaluate

    if workload is None:
        from accelscope.workload import Linear, Network

        net = Network(name="area-probe", layers=[Linear(name="l", in_features=8, out_features=8)])
    else:
        net = _network(workload)
    return net, evaluate(net, _arch(chip))


def report(chip: Chip, workload: Workload | None, reports: dict | None = None):
    """(network, per-layer report) of *workload* on *chip*, from the cache *reports* when
    it holds them (evaluations shared across rows and tables of one run)."""
    key = (chip.chip, None if workload is None else workload.model_dump_json())
    cache = {} if reports is None else reports
    if key not in cache:
        cache[key] = _report(chip, workload)
    return cache[key]


def predict(chip: Chip, row: ChipRow, reports: dict | None = None) -> float:
    """The model's value of *row*'s metric for *chip*. *reports* caches evaluations across
    rows that share a chip and workload (several metrics of one run)."""
    net, rep = report(chip, row.workload, reports)
    if row.metric == "core_area_mm2":
        return rep.area_mm2 - rep.area_breakdown_mm2["dram_phy"]
    if row.metric == "dram_accesses_per_mac":
        return rep.dram_bytes / row.access_bytes / net.total_macs()
    if row.metric == "latency_ms":
        if row.layer is None:
            return rep.latency_s * 1e3
        return layer_latency_ms(rep, row.layer)
    return float(getattr(rep, row.metric))


def layer_latency_ms(rep, name: str) -> float:
    """Latency of layer *name* of a report, ms (its cycles at the report's clock)."""
    layer = next((lay for lay in rep.layers if lay.name == name), None)
    if layer is None:
        names = ", ".join(lay.name for lay in rep.layers[:8])
        more = ", ..." if len(rep.layers) > 8 else ""
        raise SpecError(f"layer: no layer {name!r} in network '{rep.network}' ({names}{more})")
    return layer.cycles * rep.latency_s / rep.latency_cycles * 1e3


def validate_published(
    path: str | Path | None = None, reports: dict | None = None
) -> tuple[list[RowResult], dict[str, Any]]:
    """Evaluate every row; return (rows, summary). The summary has the mean absolute error
    per metric kind (all rows, and rows not fitted) and the chips whose throughput rows are
    all within 15 % and whose area rows are within 25 %. *reports*: a cache of the
    evaluations (:func:`report`) to share with other tables of the same run."""
    table = load_chips(path)
    results = []
    reports = {} if reports is None else reports
    for chip in table.chips:
        for row in chip.rows:
            try:
                pred = predict(chip, row, reports)
            except AccelscopeError as exc:
                raise SpecError(f"chip '{chip.chip}', {row.metric} row: {exc}") from None
            err = (pred - row.published) / row.published * 100.0
            results.append(
                RowResult(
                    chip=chip.chip,
                    team=chip.team,
                    metric=row.metric,
                    workload=_describe(row.workload)
                    + (f", layer {row.layer}" if row.layer else ""),
                    published=row.published,
                    predicted=pred,
                    error_pct=err,
                    source=row.source,
                    fitted=row.fitted,
                    note=row.note,
                    layer=row.layer or "",
                )
            )
    return results, summarize(results)


def within(
    rows: list[RowResult], kind: str, limit: float, kinds: dict[str, tuple[str, str]] = METRIC_KIND
) -> list[str]:
    """The chips (designs) whose rows of metric *kind* all err by at most *limit* %."""
    chips: dict[str, list[float]] = {}
    for r in rows:
        if kinds[r.metric][0] == kind:
            chips.setdefault(r.chip, []).append(abs(r.error_pct))
    return sorted(c for c, errs in chips.items() if max(errs) <= limit)


def mean_errors(
    rows: list[RowResult], kinds: dict[str, tuple[str, str]] = METRIC_KIND
) -> dict[str, dict[str, float]]:
    """Mean absolute error per metric kind, over all rows and over rows not fitted."""
    out: dict[str, dict[str, float]] = {
        "mean_abs_error_pct": {},
        "mean_abs_error_pct_not_fitted": {},
    }
    for kind in sorted({k for k, _ in kinds.values()}):
        errs = [abs(r.error_pct) for r in rows if kinds[r.metric][0] == kind]
        free = [abs(r.error_pct) for r in rows if kinds[r.metric][0] == kind and not r.fitted]
        if errs:
            out["mean_abs_error_pct"][kind] = float(np.mean(errs))
        if free:
            out["mean_abs_error_pct_not_fitted"][kind] = float(np.mean(free))
    return out


def summarize(rows: list[RowResult]) -> dict[str, Any]:
    """Mean absolute error per metric kind; chips within the issue's targets."""
    out: dict[str, Any] = mean_errors(rows)
    out["chips_throughput_within_15pct"] = within(rows, "throughput", 15.0)
    out["chips_area_within_25pct"] = within(rows, "area", 25.0)
    out["chips_latency_within_15pct"] = within(rows, "latency", 15.0)
    out["chips_within_15pct"] = len(out["chips_throughput_within_15pct"])
    out["rows"] = len(rows)
    out["chips"] = len({r.chip for r in rows})
    out["fitted_rows"] = [f"{r.chip}: {r.metric}" for r in rows if r.fitted]
    return {
        k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in out.items()
    }
