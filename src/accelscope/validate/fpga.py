"""Predicted versus published figures of FPGA accelerators (``accelscope validate``, FPGA
section). Same row shape as the ASIC chips (:mod:`accelscope.validate.published`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accelscope.errors import AccelscopeError, SpecError
from accelscope.validate.published import (
    RowResult,
    Workload,
    _describe,
    _network,
    mean_errors,
    within,
)

TABLE = Path(__file__).with_name("fpga_designs.yaml")

FpgaMetric = Literal["throughput_per_s", "gops", "dsp", "bram18", "lut", "ff"]
#: Metric -> (kind used in the summary, unit).
FPGA_METRIC_KIND: dict[str, tuple[str, str]] = {
    "throughput_per_s": ("throughput", "inferences/s"),
    "gops": ("throughput", "GOP/s"),
    "dsp": ("resources", "DSP"),
    "bram18": ("resources", "BRAM18"),
    "lut": ("resources", "LUT"),
    "ff": ("resources", "FF"),
}


class FpgaRow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    metric: FpgaMetric
    published: float = Field(gt=0)
    source: str
    note: str = ""
    fitted: bool = False


class FpgaEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    design: str
    team: str
    source: str
    spec: dict[str, Any]
    workload: Workload
    rows: list[FpgaRow] = Field(min_length=1)


class MissingDesign(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    design: str
    source: str
    reason: str


class FpgaTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    spec_version: Literal[1] = 1
    designs: list[FpgaEntry] = Field(min_length=1)
    missing: list[MissingDesign] = Field(default_factory=list)


def load_fpga_table(path: str | Path | None = None) -> FpgaTable:
    from accelscope.workload.yaml_import import format_validation_error
    from accelscope.yamlfile import read_yaml as _read_yaml

    p = Path(path) if path is not None else TABLE
    data = _read_yaml(p)
    try:
        return FpgaTable.model_validate(data)
    except ValidationError as err:
        raise SpecError(format_validation_error(err, str(p), data)) from None


def _predict(entry: FpgaEntry) -> dict[str, float]:
    from accelscope.targets.fpga import design_from_dict, evaluate_design

    design = design_from_dict(entry.spec, f"design '{entry.design}'")
    doc = evaluate_design(_network(entry.workload), design).to_dict()
    values = {k: float(doc[k]) for k in ("throughput_per_s", "gops")}
    values.update({k: float(v["used"]) for k, v in doc["resources"].items()})
    return values


def validate_fpga(path: str | Path | None = None) -> tuple[list[RowResult], dict[str, Any]]:
    """Evaluate every FPGA row; return (rows, summary). The summary has the mean absolute
    error per metric kind and the designs whose throughput rows are within 15 % and
    resource rows within 20 % (the FPGA issue's targets), plus the missing designs."""
    table = load_fpga_table(path)
    results = []
    for entry in table.designs:
        try:
            predicted = _predict(entry)
        except AccelscopeError as exc:
            raise SpecError(f"FPGA design '{entry.design}': {exc}") from None
        for row in entry.rows:
            pred = predicted[row.metric]
            results.append(
                RowResult(
                    chip=entry.design,
                    team=entry.team,
                    metric=row.metric,
                    workload=_describe(entry.workload),
                    published=row.published,
                    predicted=pred,
                    error_pct=(pred - row.published) / row.published * 100.0,
                    source=row.source,
                    fitted=row.fitted,
                    note=row.note,
                )
            )
    return results, _summary(results, table.missing)


def _summary(rows: list[RowResult], missing: list[MissingDesign]) -> dict[str, Any]:
    out: dict[str, Any] = mean_errors(rows, FPGA_METRIC_KIND)
    out["designs_throughput_within_15pct"] = within(rows, "throughput", 15.0, FPGA_METRIC_KIND)
    out["designs_resources_within_20pct"] = within(rows, "resources", 20.0, FPGA_METRIC_KIND)
    out["rows"] = len(rows)
    out["designs"] = len({r.chip for r in rows})
    out["fitted_rows"] = [f"{r.chip}: {r.metric}" for r in rows if r.fitted]
    out["missing"] = [m.model_dump() for m in missing]
    return out
