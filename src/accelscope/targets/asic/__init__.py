"""ASIC target: the parameterized systolic template (spec in :mod:`accelscope.targets.asic.arch`,
cost model in :mod:`accelscope.targets.asic.cost`) behind the target interface."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import numpy as np

from accelscope.targets.base import LayerCosts, Target

NUMERIC_PARAMETERS = (
    "clock_mhz",
    "rows",
    "cols",
    "units",
    "lanes",
    "accumulator_bits",
    "unified_kib",
    "input_kib",
    "weight_kib",
    "output_kib",
    "dram_gbps",
    "dram_pj_per_byte",
    "port_bytes",
    "staging_kib",
)
CATEGORICAL_PARAMETERS = (
    "dataflow",
    "precision",
    "technology",
    "double_buffering",
    "dram_type",
    "fold_overlap",
    "fusion",
    "residency",
    "weight_sparsity",
    "winograd",
)
DESIGN_KEYS = (
    "units",
    "rows",
    "cols",
    "dataflow",
    "clock_mhz",
    "lanes",
    "precision",
    "accumulator_bits",
    "unified_kib",
    "input_kib",
    "weight_kib",
    "output_kib",
    "double_buffering",
    "dram_gbps",
    "dram_pj_per_byte",
    "dram_type",
    "port_bytes",
    "staging_kib",
    "technology",
    "fold_overlap",
    "fusion",
    "residency",
    "weight_sparsity",
    "winograd",
)
METRICS = (
    "latency_s",
    "latency_cycles",
    "throughput_per_s",
    "energy_j",
    "edp_js",
    "area_mm2",
    "power_w",
    "dram_power_w",
    "perf_per_mm2",
    "perf_per_w",
    "utilization",
    "dram_bytes",
    "pe_count",
    "sram_kib",
    "cell_area_mm2",
    "feasible",
)
OBJECTIVES = {
    "latency": ("latency_s", "min"),
    "latency_s": ("latency_s", "min"),
    "throughput": ("throughput_per_s", "max"),
    "throughput_per_s": ("throughput_per_s", "max"),
    "energy": ("energy_j", "min"),
    "energy_j": ("energy_j", "min"),
    "edp": ("edp_js", "min"),
    "edp_js": ("edp_js", "min"),
    "area": ("area_mm2", "min"),
    "area_mm2": ("area_mm2", "min"),
    "power": ("power_w", "min"),
    "power_w": ("power_w", "min"),
    "perf_per_area": ("perf_per_mm2", "max"),
    "perf_per_mm2": ("perf_per_mm2", "max"),
    "perf_per_watt": ("perf_per_w", "max"),
    "perf_per_w": ("perf_per_w", "max"),
}


class AsicTarget(Target):
    """The systolic-array ASIC template."""

    name = "asic"
    numeric_parameters = NUMERIC_PARAMETERS
    metrics = METRICS
    design_keys = DESIGN_KEYS
    objectives = OBJECTIVES
    #: A single objective's ties go to the smallest design.
    tie_break = ("area_mm2", "min")
    infeasible_label = "layers must fit the buffers"
    config_metrics = ("area_mm2", "cell_area_mm2", "pe_count", "sram_kib")
    default_space = "default"
    summary_metrics = (
        "latency_s", "throughput_per_s", "energy_j", "area_mm2", "power_w", "utilization",
    )  # fmt: skip

    def design_title(self, design: dict[str, Any]) -> str:
        """``4x128x128 os, 4096 KiB, 128 GB/s, 1000 MHz, 64 lanes``."""
        return _asic_title(design)

    required_parameters = ("clock_mhz", "rows", "cols", "dram_gbps")

    @cached_property
    def categorical_parameters(self) -> Mapping[str, tuple[str, ...]]:  # type: ignore[override]
        from accelscope.targets.asic.cost.configs import category_names

        out = {
            name: category_names(name)
            for name in CATEGORICAL_PARAMETERS
            if name != "double_buffering"
        }
        return {**out, "double_buffering": ("false", "true")}

    def check_space(self, parameters: Mapping[str, Any]) -> None:
        for required in self.required_parameters:
            if required not in parameters:
                raise ValueError(f"parameter '{required}' is required")
        has_unified = "unified_kib" in parameters
        split = [k in parameters for k in ("input_kib", "weight_kib", "output_kib")]
        if has_unified == any(split) or (any(split) and not all(split)):
            raise ValueError(
                "buffers: give unified_kib, or all of input_kib, weight_kib and output_kib"
            )

    def parameter_codes(self, name: str, grid: list[Any]) -> np.ndarray | None:
        if name == "double_buffering":
            return np.asarray([bool(v) for v in grid], dtype=bool)
        if name not in self.categorical_parameters:
            return None
        from accelscope.targets.asic.cost.configs import category_codes

        return category_codes(name, np.asarray([str(v) for v in grid]), what="parameter")

    def decode(self, row: dict[str, Any]) -> dict[str, Any]:
        from accelscope.targets.asic.cost.configs import CATEGORICAL_COLUMNS, category_names

        for key in CATEGORICAL_COLUMNS:
            if key in row and isinstance(row[key], int | np.integer):
                row[key] = category_names(key)[int(row[key])]
        return row

    def configs(self, params: dict[str, np.ndarray]):
        from accelscope.targets.asic.cost import ConfigBatch

        return ConfigBatch.from_columns(**params)

    def evaluate_points(self, network: Any, params: dict[str, np.ndarray]) -> dict[str, Any]:
        from accelscope.targets.asic.cost import evaluate_batch

        configs = self.configs(params)
        res = evaluate_batch(network, configs)
        latency = np.asarray(res.latency_s, dtype=np.float64)
        energy = np.asarray(res.energy_j, dtype=np.float64)
        area = np.asarray(res.area_mm2, dtype=np.float64)
        power = np.asarray(res.power_w, dtype=np.float64)
        throughput = np.asarray(res.throughput_per_s, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            return {
                "latency_s": latency,
                "latency_cycles": np.asarray(res.latency_cycles, dtype=np.float64),
                "throughput_per_s": throughput,
                "energy_j": energy,
                "edp_js": energy * latency,
                "area_mm2": area,
                "power_w": power,
                "dram_power_w": np.asarray(res.dram_power_w, dtype=np.float64),
                "perf_per_mm2": throughput / area,
                "perf_per_w": throughput / power,
                "utilization": np.asarray(res.utilization, dtype=np.float64),
                "dram_bytes": np.asarray(res.dram_bytes, dtype=np.float64),
                "pe_count": np.asarray(configs.pe_count, dtype=np.int64),
                "sram_kib": np.asarray(configs.sram_kib, dtype=np.float64),
                "cell_area_mm2": np.asarray(res.cell_area_mm2, dtype=np.float64),
                "feasible": np.asarray(res.feasible, dtype=bool),
            }

    def full_design(self, params: dict[str, np.ndarray]) -> dict[str, Any]:
        full = self.configs({k: np.asarray(v)[:1] for k, v in params.items()}).row(0)
        return {k: full[k] for k in self.design_keys if k in full}

    def layer_costs(
        self, network: Any, spec: Any, *, sub_batch: int | None = None, check: bool = True
    ) -> LayerCosts:
        from accelscope.targets.asic.cost import ConfigBatch, evaluate, evaluate_batch

        cfg = ConfigBatch.from_archs([spec])
        subs = None if sub_batch is None else [sub_batch]
        res = evaluate_batch(network, cfg, per_layer=True, sub_batches=subs)
        if check and not bool(res.feasible[0]):
            evaluate(network, spec)  # raises MappingError naming the layer and the buffer
        return LayerCosts(
            cycles=res.layer_cycles[0],
            energy_j=res.layer_energy_j[0],
            clock_hz=float(cfg.clock_mhz[0]) * 1e6,
            sub_batch=int(res.sub_batch[0]),
        )

    def totals(self, network: Any, spec: Any) -> tuple[float, float]:
        from accelscope.targets.asic.cost import ConfigBatch, evaluate_batch

        res = evaluate_batch(network, ConfigBatch.from_archs([spec]))
        return float(res.latency_s[0]), float(res.energy_j[0])

    def report(self, network: Any, spec: Any) -> dict[str, Any]:
        from accelscope.targets.asic.cost import evaluate

        return evaluate(network, spec).to_dict()

    def design_spec(self, params: dict[str, np.ndarray], name: str) -> Any:
        return self.configs({k: np.asarray(v)[:1] for k, v in params.items()}).to_arch(0, name)


def _asic_title(d: dict[str, Any]) -> str:
    """Short configuration string, e.g. ``4x128x128 os, 4096 KiB, 128 GB/s, 1000 MHz``."""
    parts = []
    array = ""
    if all(k in d for k in ("units", "rows", "cols")):
        array = f"{_text(d['units'])}x{_text(d['rows'])}x{_text(d['cols'])}"
    if d.get("dataflow") is not None:
        array = f"{array} {d['dataflow']}".strip()
    if array:
        parts.append(array)
    if d.get("unified_kib") is not None and _is_number(d["unified_kib"]):
        parts.append(f"{_text(d['unified_kib'])} KiB")
    elif d.get("input_kib") is not None:
        parts.append(
            f"{_text(d.get('input_kib'))}/{_text(d.get('weight_kib'))}/"
            f"{_text(d.get('output_kib'))} KiB"
        )
    if d.get("dram_gbps") is not None:
        parts.append(f"{_text(d['dram_gbps'])} GB/s")
    if d.get("clock_mhz") is not None:
        parts.append(f"{_text(d['clock_mhz'])} MHz")
    if d.get("lanes") is not None:
        parts.append(f"{_text(d['lanes'])} lanes")
    return ", ".join(parts)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def _text(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float | np.floating):
        return f"{float(v):g}" if np.isfinite(v) else "n/a"
    return str(v)


ASIC = AsicTarget()
