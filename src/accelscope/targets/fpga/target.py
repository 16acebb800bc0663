"""The FPGA target behind the target interface (design spaces, explore, reports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from accelscope.targets.base import LayerCosts, Target
from accelscope.targets.fpga.evaluate import CATEGORIES, NUMERIC_DEFAULTS, evaluate_params
from accelscope.targets.fpga.model import OVER_BUDGET

#: Parameters of the generic engine (a pipeline has none of them).
ENGINE_PARAMETERS = ("pixel_par", "ci_par", "co_par", "input_kib", "weight_kib", "output_kib")

_METRICS = (
    "latency_s",
    "latency_cycles",
    "throughput_per_s",
    "gops",
    "dsp_efficiency",
    "utilization",
    "dram_bytes",
    "dram_gbps_used",
    "dsp",
    "bram18",
    "uram",
    "lut",
    "ff",
    "mac_lanes",
    "pipeline_stages",
    "over_budget",
    "feasible",
)
_OBJECTIVES = {
    "latency": ("latency_s", "min"),
    "latency_s": ("latency_s", "min"),
    "throughput": ("throughput_per_s", "max"),
    "throughput_per_s": ("throughput_per_s", "max"),
    "gops": ("gops", "max"),
    "dsp_efficiency": ("dsp_efficiency", "max"),
    "dsp": ("dsp", "min"),
    "bram18": ("bram18", "min"),
    "dram_gbps_used": ("dram_gbps_used", "min"),
}


class FpgaTarget(Target):
    """FPGA boards with pipeline, generic and hybrid engines."""

    name = "fpga"
    numeric_parameters = tuple(NUMERIC_DEFAULTS)
    categorical_parameters = CATEGORIES
    metrics = _METRICS
    design_keys = (
        "board",
        "paradigm",
        "precision",
        "clock_mhz",
        "dram_gbps",
        "pipeline_layers",
        "pixel_par",
        "ci_par",
        "co_par",
        "input_kib",
        "weight_kib",
        "output_kib",
    )
    objectives = _OBJECTIVES
    #: A single objective's ties go to the design with the fewest DSPs.
    tie_break = ("dsp", "min")
    infeasible_label = "designs must fit the board's DSP, BRAM18 and URAM"
    #: With the generic engine alone (multi), resources depend on the design only.
    config_metrics = ("dsp", "bram18", "uram", "lut", "ff", "mac_lanes")
    default_space = "fpga"

    def multi_space(self, data: dict[str, Any]) -> dict[str, Any]:
        """The generic engine only: a pipeline is hardware built for one network."""
        params = {k: v for k, v in data["parameters"].items() if k != "pipeline_layers"}
        return {**data, "parameters": {**params, "paradigm": {"value": "generic"}}}

    def multi_unsupported(self, parameters: Mapping[str, Any]) -> str:
        """A pipeline (or a hybrid's pipelined part) is hardware built for one network,
        so one design for a set of networks is a generic engine."""
        spec = parameters.get("paradigm")
        values = [] if spec is None else ([spec.value] if spec.value is not None else spec.values)
        if values != ["generic"]:
            return (
                "one FPGA design for a set of networks is a generic engine: set the space's "
                "paradigm to generic (a pipeline is built for one network)"
            )
        return ""

    summary_metrics = ("latency_s", "throughput_per_s", "gops", "dsp", "bram18", "utilization")

    def design_title(self, design: dict[str, Any]) -> str:
        """``hybrid on ku115 (k 3), 1x32x128, 64/256/64 KiB, int16``."""
        paradigm = design.get("paradigm", "?")
        parts = [f"{paradigm} on {design.get('board', '?')}"]
        if paradigm == "hybrid" and design.get("pipeline_layers") is not None:
            parts[0] += f" (k {design['pipeline_layers']})"
        if paradigm != "pipeline" and "ci_par" in design:
            parts.append(f"{design['pixel_par']}x{design['ci_par']}x{design['co_par']}")
            parts.append(
                f"{design['input_kib']:g}/{design['weight_kib']:g}/{design['output_kib']:g} KiB"
            )
        if design.get("precision"):
            parts.append(str(design["precision"]))
        return ", ".join(parts)

    def check_space(self, parameters: Mapping[str, Any]) -> None:
        if "board" not in parameters:
            raise ValueError("parameter 'board' is required (a bundled board name)")

    def ignored_parameters(self, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The pipeline paradigm has no generic engine; only the hybrid uses
        ``pipeline_layers``."""
        if "paradigm" not in params:
            return {}
        paradigm = np.asarray(params["paradigm"])
        pipeline = paradigm == CATEGORIES["paradigm"].index("pipeline")
        hybrid = paradigm == CATEGORIES["paradigm"].index("hybrid")
        out = {name: pipeline for name in ENGINE_PARAMETERS if name in params}
        if "pipeline_layers" in params:
            out["pipeline_layers"] = ~hybrid
        return out

    def evaluate_points(self, network: Any, params: dict[str, np.ndarray]) -> dict[str, Any]:
        r = evaluate_params(network, params)
        return {
            "latency_s": r.latency_s,
            "latency_cycles": r.latency_cycles,
            "throughput_per_s": r.throughput_per_s,
            "gops": r.gops,
            "dsp_efficiency": r.dsp_efficiency,
            "utilization": r.utilization,
            "dram_bytes": r.dram_bytes,
            "dram_gbps_used": r.dram_gbps_used,
            **{name: np.asarray(v, dtype=np.int64) for name, v in r.used.items()},
            "mac_lanes": np.asarray(r.mac_lanes, dtype=np.int64),
            "pipeline_stages": np.asarray(r.pipeline_stages, dtype=np.int64),
            "over_budget": np.asarray(r.over_budget, dtype=np.int64),
            "feasible": np.asarray(r.feasible, dtype=bool),
        }

    def decode(self, row: dict[str, Any]) -> dict[str, Any]:
        row = super().decode(row)
        if isinstance(row.get("over_budget"), int | np.integer):
            row["over_budget"] = OVER_BUDGET[int(row["over_budget"])] or None
        return row

    def design_spec(self, params: dict[str, np.ndarray], name: str) -> Any:
        from accelscope.targets.fpga.design import FpgaDesign, GenericEngine

        row = self.decode({k: np.asarray(v)[0].item() for k, v in params.items()})
        generic = None
        if row.get("paradigm", "pipeline") != "pipeline" and "ci_par" in row:
            generic = GenericEngine(
                **{k: row.get(k, NUMERIC_DEFAULTS[k]) for k in ENGINE_PARAMETERS}
            )
        k = row.get("pipeline_layers")
        return FpgaDesign(
            name=name,
            board=row["board"],
            paradigm=row.get("paradigm", "pipeline"),
            precision=row.get("precision", "int16"),
            clock_mhz=row.get("clock_mhz") or None,
            dram_gbps=row.get("dram_gbps") or None,
            pipeline_layers=None
            if k is None or k < 0 or row.get("paradigm") != "hybrid"
            else int(k),
            generic=generic,
        )

    def additive_latency(self, spec: Any) -> str:
        if spec.paradigm != "generic":
            return (
                f"a {spec.paradigm} design's latency is set by its slowest pipeline stage, "
                "not a sum over layers; codesign needs the generic paradigm "
                "(--paradigm generic)"
            )
        return ""

    def layer_costs(
        self, network: Any, spec: Any, *, sub_batch: int | None = None, check: bool = True
    ) -> LayerCosts:
        """Cycles of every layer on the design's engine (0 for element-wise layers, which
        run in line); FPGA energy is not modelled (NaN)."""
        from accelscope.errors import AccelscopeError
        from accelscope.targets.fpga.evaluate import evaluate_design
        from accelscope.targets.fpga.stages import stage_table

        report = evaluate_design(network, spec)
        if check and report.over_budget:
            raise AccelscopeError(report.budget_message())
        st = stage_table(network)
        cycles = np.zeros(len(st.layer_names))
        cycles[st.stage_layer] = report.result.stage_cycles[0]
        design = spec.resolved()
        return LayerCosts(
            cycles=cycles,
            energy_j=np.full(len(cycles), np.nan),
            clock_hz=float(design.clock_mhz) * 1e6,
        )

    def report(self, network: Any, spec: Any) -> dict[str, Any]:
        """The design's evaluation; a design that does not fit its board raises
        :class:`~accelscope.targets.fpga.evaluate.DesignDoesNotFit` naming the resource."""
        from accelscope.targets.fpga.evaluate import DesignDoesNotFit, evaluate_design

        report = evaluate_design(network, spec)
        if report.over_budget:
            raise DesignDoesNotFit(report.budget_message())
        return report.to_dict()

    def full_design(self, params: dict[str, np.ndarray]) -> dict[str, Any]:
        design = self.design_spec(params, "design").resolved()
        out = design.model_dump(exclude={"spec_version", "target", "name", "generic"})
        out.update(design.generic.model_dump() if design.generic else {})
        return {k: out[k] for k in self.design_keys if k in out}


FPGA = FpgaTarget()
