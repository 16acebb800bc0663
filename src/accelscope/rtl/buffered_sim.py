"""Simulating a tensor unit with its on-chip buffers and a DRAM side (``buffered_unit``,
:mod:`accelscope.rtl.buffers`) and checking it against NumPy and the cost model.

The harness (``sim/sim_buffered.cpp``) is the DRAM: it fills each buffer tile through the
unit's fill port and stores output tiles through its drain port, moving at most the
design's DRAM bytes per cycle. Per GEMM it reports the unit's busy cycles (which must
equal the model's tiled compute cycles exactly, as without buffers), the total cycles
from start to the last stored result, and the bytes moved by category; the bytes are
compared with the model's DRAM traffic for the same tiles and loop order
(:func:`~accelscope.targets.asic.cost.traffic.gemm_traffic`) and the total with the
model's latency of the GEMM without double buffering (compute + bytes / bandwidth).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError
from accelscope.rtl.buffers import BufferPlan, buffered_module
from accelscope.rtl.generate import RtlDesign, hdl_source, unit_sources
from accelscope.rtl.simulate import (
    compile_model,
    continuous_cycles,
    run_cases,
    source_key,
    tiled_case,
    unit_frame,
)

#: Loop order (unit frame, outer to inner) -> the model's reuse order code
#: (targets.asic.cost.traffic: WEIGHT_REUSE 0 keeps B, INPUT_REUSE 1 keeps A, OUTPUT 2).
#: ``nmk`` is the output order of the transposed GEMM (an input-stationary unit runs the
#: model's ``output`` order as ``nmk`` in its frame).
ORDER_CODE = {"nkm": 0, "mkn": 1, "mnk": 2, "nmk": 2}
BYTE_KINDS = ("a_bytes", "b_bytes", "spill_bytes", "out_bytes")


def dram_bytes_per_cycle(arch: Any) -> float:
    """The sustained DRAM bytes per clock cycle of *arch*, as the cost model uses them."""
    from accelscope.targets.asic.arch.dram import SUSTAINED_BANDWIDTH_FRACTION

    return arch.dram.bandwidth_gbps * 1e3 / arch.clock_mhz * SUSTAINED_BANDWIDTH_FRACTION


def build_buffered(design: RtlDesign, plan: BufferPlan, build_dir: Path) -> Path:
    """The compiled simulation model of *design*'s unit with its buffers, built once per
    sources and parameters under *build_dir*."""
    sources = unit_sources(design)
    for name in ("tile_sequencer.v", "sram_bank.v", "acc_bank.v"):
        sources[name] = hdl_source(name)
    sources["buffered_unit.v"] = buffered_module(design, plan)
    harness = resources.files("accelscope.rtl").joinpath("sim", "sim_buffered.cpp").read_text()
    sources["sim_buffered.cpp"] = harness
    work = build_dir.resolve() / f"buffered-{design.rows}x{design.cols}-{source_key(sources)}"
    defines = (
        f"-DACC_ROWS={design.rows} -DACC_COLS={design.cols} -DACC_AW={design.accumulator_bits} "
        f"-DACC_DW={design.operand_bits} -DACC_OS_LAYOUT={int(design.dataflow == 'os')}"
    )
    hdl = [n for n in sources if n.endswith(".v")]
    return compile_model(sources, [*hdl, "sim_buffered.cpp"], "buffered_unit", work,
                         ["-CFLAGS", defines])  # fmt: skip


@dataclass
class BufferedRun:
    """One GEMM on the buffered unit: cycles and DRAM bytes, simulated and modelled."""

    m: int
    k: int
    n: int
    tiles: tuple[int, int, int]
    order: str
    product_ok: bool
    busy_cycles: int
    compute_cycles_model: int
    compute_cycles_continuous: int
    total_cycles: int
    transfer_cycles: int
    total_cycles_model: float
    bytes_rtl: dict[str, float]
    bytes_model: dict[str, float]

    @property
    def exact(self) -> bool:
        """Product and compute cycles exact, and the bytes those of the model."""
        return (
            self.product_ok
            and self.busy_cycles == self.compute_cycles_model
            and self.bytes_rtl == self.bytes_model
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "m": self.m, "k": self.k, "n": self.n, "tiles": list(self.tiles),
            "order": self.order, "product_ok": self.product_ok,
            "busy_cycles": self.busy_cycles, "compute_cycles_model": self.compute_cycles_model,
            "compute_cycles_continuous": self.compute_cycles_continuous,
            "total_cycles": self.total_cycles, "transfer_cycles": self.transfer_cycles,
            "total_cycles_model": self.total_cycles_model,
            "bytes_rtl": self.bytes_rtl, "bytes_model": self.bytes_model,
        }  # fmt: skip


@dataclass
class BufferedReport:
    """Outcome of simulating GEMMs on the buffered unit."""

    runs: list[BufferedRun] = field(default_factory=list)

    @property
    def mismatches(self) -> int:
        return sum(not r.exact for r in self.runs)

    def to_dict(self) -> dict[str, Any]:
        runs = self.runs
        total_rtl = sum(r.total_cycles for r in runs)
        total_model = sum(r.total_cycles_model for r in runs)
        return {
            "gemms": len(runs),
            "mismatches": self.mismatches,
            "cycles_model": sum(r.compute_cycles_model for r in runs),
            "cycles_rtl": sum(r.busy_cycles for r in runs),
            "cycles_model_continuous": sum(r.compute_cycles_continuous for r in runs),
            "total_cycles_rtl": total_rtl,
            "total_cycles_model": round(total_model, 1),
            "total_ratio": round(total_rtl / total_model, 4) if total_model else None,
            "dram_bytes_rtl": sum(sum(r.bytes_rtl.values()) for r in runs),
            "dram_bytes_model": sum(sum(r.bytes_model.values()) for r in runs),
            "failures": [r.to_dict() for r in runs if not r.exact][:20],
        }


def _model_bytes(
    m: int, k: int, n: int, tiles: tuple[int, int, int], order: str, bpe: float, acc: float
) -> dict[str, float]:
    from accelscope.targets.asic.cost.traffic import gemm_traffic

    tm, tk, tn = tiles
    swap = order == "nmk"  # the transposed GEMM in output order: A and B trade places
    dims = (tn, tk, tm, n, k, m) if swap else (tm, tk, tn, m, k, n)
    t = gemm_traffic(
        np.float64(ORDER_CODE[order]), *(np.float64(x) for x in dims),
        np.float64(bpe), np.float64(acc),
    )  # fmt: skip
    a, b = (t.b_bytes, t.a_bytes) if swap else (t.a_bytes, t.b_bytes)
    values = (a, b, t.spill_bytes, t.out_bytes)
    return {kind: float(v) for kind, v in zip(BYTE_KINDS, values, strict=True)}


def check_buffered(
    design: RtlDesign,
    plan: BufferPlan,
    gemms: list[tuple[np.ndarray, np.ndarray]],
    tiles: list[tuple[int, int, int]],
    orders: list[str],
    bytes_per_cycle: float,
    build_dir: Path,
) -> BufferedReport:
    """Simulate *gemms* on the unit with its buffers and the DRAM side, each in its
    tiles ``(t_m, t_k, t_n)`` (unit frame) and loop order (``nkm``, ``mkn``, ``mnk`` or
    ``nmk``), the DRAM moving *bytes_per_cycle*; raises AccelscopeError when a tile does
    not fit the buffers. The busy cycles are compared with the model's count for the
    unit as it runs (:func:`~accelscope.rtl.simulate.tiled_case`), the total with the
    model's latency without double buffering: its tiled compute cycles (pipelined: one
    pipeline across tiles) plus the model's bytes over the bandwidth."""
    bpe = design.operand_bits / 8
    acc = design.accumulator_bits / 8
    trailers, cycles_model = [], []
    for (a, b), t, order in zip(gemms, tiles, orders, strict=True):
        if order not in ORDER_CODE:
            raise AccelscopeError(f"loop order {order}: expected one of {', '.join(ORDER_CODE)}")
        problem = plan.fits(design, *t)
        if problem:
            raise AccelscopeError(f"the buffers cannot hold the mapping's tiles: {problem}")
        sched, cycles = tiled_case(design, a.shape[0], a.shape[1], b.shape[1], t, order)
        cycles_model.append(cycles)
        trailers.append([" ".join(map(str, sched)), f"{bytes_per_cycle!r} {bpe!r} {acc!r}"])
    binary = build_buffered(design, plan, build_dir)
    results = run_cases(binary, gemms, int(design.dataflow == "is"), trailers)
    report = BufferedReport()
    for (a, b), t, order, cycles, (head, c) in zip(
        gemms, tiles, orders, cycles_model, results, strict=True
    ):
        m, k = a.shape
        n = b.shape[1]
        busy, total, xfer = (int(x) for x in head[1:4])
        moved = {kind: float(v) for kind, v in zip(BYTE_KINDS, head[4:8], strict=True)}
        um, un = unit_frame(design, m, n)
        model = _model_bytes(um, k, un, t, order, bpe, acc)
        continuous = continuous_cycles(design, m, k, n, t)
        report.runs.append(
            BufferedRun(
                m=m, k=k, n=n, tiles=tuple(t), order=order,
                product_ok=bool(np.array_equal(c, a.astype(np.int64) @ b.astype(np.int64))),
                busy_cycles=busy, compute_cycles_model=cycles,
                compute_cycles_continuous=continuous,
                total_cycles=total,
                transfer_cycles=xfer,
                total_cycles_model=continuous + sum(model.values()) / bytes_per_cycle,
                bytes_rtl=moved, bytes_model=model,
            )
        )  # fmt: skip
    return report


def random_tiles(
    design: RtlDesign,
    plan: BufferPlan | None,
    gemms: list[tuple[np.ndarray, np.ndarray]],
    seed: int = 0,
) -> list[tuple[int, int, int]]:
    """Buffer tiles (unit frame) the mapper could choose for *gemms*: along the array's
    rows and columns the whole dimension, a multiple of the array edge or less than it;
    any chunk of the streamed dimension. Given a *plan*, a tile that does not fit its
    buffers is halved along its largest dimension until it does."""
    rng = np.random.default_rng(seed)
    rows, cols = design.rows, design.cols

    def pick(d: int, edge: int) -> int:
        kind = rng.integers(0, 3)
        if kind == 0:
            return d
        if kind == 1:
            return min(d, edge * int(rng.integers(1, 4)))
        return int(rng.integers(1, min(edge, d) + 1))

    def legal(t: int, d: int, edge: int) -> int:
        """The largest mapper-legal tile <= t along a mapped dimension."""
        return t if t >= d or t <= edge else max(edge, t // edge * edge)

    out = []
    for a, b in gemms:
        m, k = a.shape
        um, un = unit_frame(design, m, b.shape[1])
        if design.dataflow == "os":  # rows M, cols N, stream K
            t = [pick(um, rows), int(rng.integers(1, k + 1)), pick(un, cols)]
            edges = (rows, None, cols)
        else:  # rows K, cols N, stream M
            t = [int(rng.integers(1, um + 1)), pick(k, rows), pick(un, cols)]
            edges = (None, rows, cols)
        dims = (um, k, un)
        while plan is not None and plan.fits(design, *t) and max(t) > 1:
            i = int(np.argmax(t))
            half = max(1, t[i] // 2)
            t[i] = half if edges[i] is None else min(half, legal(half, dims[i], edges[i]))
        out.append((t[0], t[1], t[2]))
    return out
