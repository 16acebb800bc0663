"""Human labels and display units of the result metrics and design parameters."""

from __future__ import annotations

import math
from collections.abc import Iterable

#: metric column -> (label, unit of the column as stored)
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "latency_s": ("latency", "s"),
    "latency_cycles": ("latency", "cycles"),
    "throughput_per_s": ("throughput", "inferences/s"),
    "energy_j": ("energy", "J"),
    "edp_js": ("energy-delay product", "J·s"),
    "area_mm2": ("area", "mm²"),
    "power_w": ("power (die)", "W"),
    "dram_power_w": ("DRAM power", "W"),
    "onchip_power_w": ("power (core, without DRAM PHY)", "W"),
    "cell_area_mm2": ("cell area", "mm²"),
    "perf_per_mm2": ("throughput per area", "inferences/s/mm²"),
    "perf_per_w": ("throughput per watt", "inferences/J"),
    "utilization": ("utilization", "fraction"),
    "dram_bytes": ("DRAM traffic", "bytes"),
    "pe_count": ("PEs", ""),
    "sram_kib": ("on-chip SRAM", "KiB"),
    "gops": ("GOP/s", "GOP/s"),
    "dsp_efficiency": ("DSP efficiency", "GOP/s per DSP per GHz"),
    "dram_gbps_used": ("DRAM bandwidth used", "GB/s"),
    "dsp": ("DSP slices", ""),
    "bram18": ("BRAM18 blocks", ""),
    "uram": ("URAM blocks", ""),
    "lut": ("LUTs (est.)", ""),
    "ff": ("flip-flops (est.)", ""),
    "mac_lanes": ("MAC lanes", ""),
    "pipeline_stages": ("pipelined layers", ""),
}

#: design parameter -> label with unit
PARAMETER_LABELS: dict[str, str] = {
    "units": "tensor units",
    "rows": "array rows",
    "cols": "array cols",
    "dataflow": "dataflow",
    "clock_mhz": "clock (MHz)",
    "lanes": "vector lanes",
    "precision": "precision",
    "accumulator_bits": "accumulator (bits)",
    "unified_kib": "unified buffer (KiB)",
    "input_kib": "input buffer (KiB)",
    "weight_kib": "weight buffer (KiB)",
    "output_kib": "output buffer (KiB)",
    "double_buffering": "double buffering",
    "dram_gbps": "DRAM bandwidth (GB/s)",
    "dram_pj_per_byte": "DRAM energy (pJ/B)",
    "dram_type": "DRAM type",
    "port_bytes": "buffer port (B/cycle)",
    "staging_kib": "tile staging (KiB)",
    "technology": "technology",
    "fold_overlap": "fold overlap",
    "fusion": "fusion",
    "residency": "on-chip residency",
    "weight_sparsity": "weight sparsity",
    "winograd": "Winograd",
    "board": "FPGA board",
    "paradigm": "paradigm",
    "pipeline_layers": "layers pipelined",
    "pixel_par": "pixel unrolling",
    "ci_par": "input-channel unrolling",
    "co_par": "output-channel unrolling",
}

_SUB_PREFIXES = ((1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"))
_SCALED_UNITS = ("s", "J")


def display_scale(metric: str, values: Iterable[float | None]) -> tuple[float, str]:
    """(factor, axis label) showing *metric* in a readable unit, e.g. latency in ms.

    Seconds and joules get the sub-unit prefix that suits the largest finite value;
    other metrics keep their stored unit. Multiply stored values by ``factor``.
    """
    label, unit = METRIC_LABELS.get(metric, (metric, ""))
    if unit in _SCALED_UNITS:
        finite_vals = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]
        top = max(finite_vals, default=1.0)
        for scale, prefix in _SUB_PREFIXES:
            if top >= scale:
                return 1.0 / scale, f"{label} ({prefix}{unit})"
        return 1e12, f"{label} (p{unit})"
    if unit == "fraction":
        return 100.0, f"{label} (%)"
    return 1.0, f"{label} ({unit})" if unit else label


def metric_label(metric: str) -> str:
    """``latency_s`` -> ``latency (s)``."""
    label, unit = METRIC_LABELS.get(metric, (metric, ""))
    return f"{label} ({unit})" if unit else label


def parameter_label(name: str) -> str:
    return PARAMETER_LABELS.get(name, name)


def format_value(metric: str, value: float | int | None) -> str:
    """One metric value with its unit, e.g. ``1.64 ms``, ``17.4 mm²``, ``30.5 %``."""
    from accelscope.fmt import si, sub_unit

    if value is None:
        return "n/a"
    v = float(value)
    if not math.isfinite(v):
        return "n/a"
    _, unit = METRIC_LABELS.get(metric, (metric, ""))
    if unit in _SCALED_UNITS:
        return sub_unit(v, unit).replace("u" + unit, "µ" + unit)
    if unit == "fraction":
        return f"{100.0 * v:.1f} %"
    if unit == "inferences/s":
        return f"{v:.4g} /s"
    if unit == "bytes":
        return si(v, "B")
    if unit in ("cycles", ""):
        return si(v, f" {unit}" if unit else "").replace("  ", " ")
    return f"{v:.4g} {unit}"


def micros(value_us: float) -> str:
    """A duration given in µs, in a readable unit (``21.8 ms``, never ``2.178e+04 µs``)."""
    from accelscope.fmt import seconds

    return seconds(float(value_us) * 1e-6).replace("us", "µs")
