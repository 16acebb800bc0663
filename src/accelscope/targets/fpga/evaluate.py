"""Evaluate FPGA designs: from named parameter columns to model columns, one design to a
per-layer report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError, SpecError, suggest
from accelscope.targets.fpga.boards import get_board, list_boards
from accelscope.targets.fpga.design import PARADIGMS, FpgaDesign
from accelscope.targets.fpga.model import (
    OVER_BUDGET,
    RESOURCES,
    FpgaColumns,
    FpgaResult,
    evaluate_columns,
)
from accelscope.targets.fpga.resources import PRECISIONS
from accelscope.targets.fpga.stages import stage_table
from accelscope.workload.network import Network

#: Categorical FPGA parameters and their labels (a code is the index of its label).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "board": tuple(list_boards()),
    "paradigm": PARADIGMS,
    "precision": PRECISIONS,
}
#: Numeric parameters and the value that stands for "the default" when absent.
NUMERIC_DEFAULTS: dict[str, float] = {
    "clock_mhz": 0.0,  # the board's typical clock
    "dram_gbps": 0.0,  # the board's bandwidth
    "pipeline_layers": -1,  # a third of the stages
    "pixel_par": 1,
    "ci_par": 1,
    "co_par": 1,
    "input_kib": 1.0,
    "weight_kib": 1.0,
    "output_kib": 1.0,
}
CATEGORY_DEFAULTS: dict[str, str] = {"board": "zc706", "paradigm": "pipeline", "precision": "int16"}


def category_codes(name: str, values: Any) -> np.ndarray:
    """Integer codes of labels (or pass codes through) for a categorical parameter."""
    arr = np.asarray(values)
    labels = CATEGORIES[name]
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    lookup = {label: i for i, label in enumerate(labels)}
    out = np.empty(arr.shape, dtype=np.int64)
    for i, v in enumerate(arr.ravel().tolist()):
        if v not in lookup:
            raise SpecError(
                f"{name}: unknown value '{v}'{suggest(str(v), list(labels))}; "
                f"expected one of {', '.join(labels)}"
            )
        out.flat[i] = lookup[v]
    return out


def fpga_columns(params: dict[str, np.ndarray], n: int) -> FpgaColumns:
    """Model columns from named parameter columns; absent ones take their default."""

    def num(name: str) -> np.ndarray:
        if name in params:
            return np.asarray(params[name], dtype=np.float64)
        return np.full(n, NUMERIC_DEFAULTS[name], dtype=np.float64)

    def cat(name: str) -> np.ndarray:
        values = params.get(name, np.full(n, CATEGORY_DEFAULTS[name]))
        return category_codes(name, values)

    return FpgaColumns(
        board=cat("board"),
        paradigm=cat("paradigm"),
        precision=cat("precision"),
        clock_mhz=num("clock_mhz"),
        dram_gbps=num("dram_gbps"),
        pipeline_layers=num("pipeline_layers").astype(np.int64),
        pixel_par=num("pixel_par").astype(np.int64),
        ci_par=num("ci_par").astype(np.int64),
        co_par=num("co_par").astype(np.int64),
        input_kib=num("input_kib"),
        weight_kib=num("weight_kib"),
        output_kib=num("output_kib"),
    )


def evaluate_params(network: Network, params: dict[str, np.ndarray]) -> FpgaResult:
    """Evaluate named parameter columns (the design-space form) on *network*."""
    n = len(next(iter(params.values()))) if params else 1
    boards = [get_board(name) for name in CATEGORIES["board"]]
    return evaluate_columns(stage_table(network), fpga_columns(params, n), boards)


class DesignDoesNotFit(AccelscopeError):
    """An FPGA design needs more of a resource than its board has."""


@dataclass
class FpgaReport:
    """One design on one network: totals, resources and one row per layer."""

    network: Network
    design: FpgaDesign
    result: FpgaResult

    @property
    def over_budget(self) -> str:
        return OVER_BUDGET[int(self.result.over_budget[0])]

    def budget_message(self) -> str:
        """One sentence naming the resource that does not fit and by how much ('' if fits)."""
        what = self.over_budget
        if not what:
            return ""
        board = self.design.board
        if what == "buffers":
            g = self.design.resolved().generic
            return (
                f"design '{self.design.name}' does not fit: the generic engine's buffers "
                f"cannot hold one step of its {g.pixel_par}x{g.ci_par}x{g.co_par} unrolling"
            )
        used = int(self.result.used[what][0])
        avail = int(self.result.available[what][0])
        more = f" (+{(used / avail - 1) * 100:.0f}%)" if avail else ""
        return (
            f"design '{self.design.name}' does not fit {board}: it needs {used:,} {what.upper()} "
            f"of {avail:,}{more}"
        )

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        st = stage_table(self.network)
        design = self.design.resolved()
        layers = []
        stage_of_layer = {int(li): s for s, li in enumerate(st.stage_layer)}
        for li, name in enumerate(st.layer_names):
            s = stage_of_layer.get(li)
            if s is None:
                layers.append({"name": name, "engine": "in line", "cycles": 0})
                continue
            engine = "pipeline" if r.stage_engine[0, s] == 0 else "generic"
            row = {
                "name": name,
                "engine": engine,
                "cycles": float(r.stage_cycles[0, s]),
                "bound": "dram" if r.stage_bound[0, s] else "compute",
                "ci": int(r.stage_ci[0, s]),
                "co": int(r.stage_co[0, s]),
                "lanes": int(r.stage_lanes[0, s]),
            }
            if engine == "pipeline":
                row["weights_on_chip"] = bool(r.stage_weights_on_chip[0, s])
            layers.append(row)
        return {
            "target": "fpga",
            "board": design.board,
            "paradigm": design.paradigm,
            "precision": design.precision,
            "clock_mhz": design.clock_mhz,
            "pipeline_layers": int(r.pipeline_stages[0]),
            "latency_s": float(r.latency_s[0]),
            "latency_cycles": float(r.latency_cycles[0]),
            "throughput_per_s": float(r.throughput_per_s[0]),
            "gops": float(r.gops[0]),
            "dsp_efficiency": float(r.dsp_efficiency[0]),
            "utilization": float(r.utilization[0]),
            "dram_bytes": float(r.dram_bytes[0]),
            "dram_gbps_used": float(r.dram_gbps_used[0]),
            "resources": {
                name: {"used": int(r.used[name][0]), "available": int(r.available[name][0])}
                for name in RESOURCES
            },
            "fits": bool(r.feasible[0]),
            "over_budget": self.over_budget or None,
            "untimed_layers": st.vector_layers,
            "layers": layers,
        }


def evaluate_design(network: Network, design: FpgaDesign) -> FpgaReport:
    """Evaluate one FPGA design on *network* (over-budget designs are reported, not raised)."""
    board = get_board(design.board)
    if design.board not in CATEGORIES["board"]:
        raise SpecError(f"board '{board.name}' is not a bundled board")
    return FpgaReport(network, design, evaluate_params(network, design.columns()))
