"""Simulating the generated unit with Verilator and checking it against NumPy and the
cost model.

The harness (``sim/tb_ws.sv`` and ``sim/sim_main.cpp``) keeps A, B and C in C++ arrays
behind DPI calls: buffer reads are combinational (the buffers hold the whole operands:
the check is of the array and its sequencer, not of DRAM), and C is accumulated at the
clock edge. One compiled model runs many GEMMs (M, K, N are inputs of the unit); it is
cached in the build directory under a hash of the sources and the array parameters.
For every GEMM the product must equal NumPy's integer matmul exactly and the cycles the
unit is busy must equal :func:`~accelscope.targets.asic.cost.systolic.gemm_compute_cycles`
for the same GEMM, array and fold convention exactly.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError, SpecError
from accelscope.rtl.generate import RtlDesign, hdl_source, unit_name, unit_sources
from accelscope.rtl.tools import debian_tool

#: Largest unit simulated (PEs): Verilator's compile time grows with the PE count (a
#: 32 x 32 unit builds in under a minute, 64 x 64 in about four, 256 x 256 takes hours
#: and more than 5 GB), while the cycle counts are closed-form in the array size.
MAX_SIM_PES = 4096

#: Loop iterations Verilator unrolls (its default, 64, rejects the delay lines of arrays
#: with more than 64 rows plus columns).
UNROLL_COUNT = 1024


def check_sim_size(design: RtlDesign) -> None:
    """SpecError when a unit is too large to compile for simulation in reasonable time."""
    pes = design.rows * design.cols
    if pes > MAX_SIM_PES:
        raise SpecError(
            f"--simulate: a {design.rows}x{design.cols} unit ({pes:,} PEs) is too large to "
            f"compile in Verilator in reasonable time (64x64 takes about 4 minutes, and the "
            f"time grows faster than the PE count); simulation is offered up to "
            f"{MAX_SIM_PES:,} PEs per unit: simulate the same design with a smaller array "
            "(tensor_units.rows/cols in its YAML; the timing is closed-form in the array "
            "size, docs/rtl.md)"
        )


def _sim_source(name: str) -> str:
    return resources.files("accelscope.rtl").joinpath("sim", name).read_text()


def verilator() -> str:
    """The ``verilator`` executable, or MissingDependencyError naming the package."""
    return debian_tool("verilator", "--simulate", "verilator", "Verilator")


def _unit(design: RtlDesign) -> str:
    """``ws`` / ``wsp`` (also run ``is``, transposed) or ``os`` / ``osp``: the unit and its
    testbench."""
    return unit_name(design).removesuffix("_unit")


_SCHEDULE_PORTS = """    input  wire [31:0] size_a_m, cnt_a_m, size_b_m, cnt_b_m,
    input  wire [31:0] size_a_k, cnt_a_k, size_b_k, cnt_b_k,
    input  wire [31:0] size_a_n, cnt_a_n, size_b_n, cnt_b_n,
    input  wire [1:0]  outer, middle, inner,
"""
_TILED_DUT = """    tiled_unit #(.ROWS(ROWS), .COLS(COLS), .DW(DW), .AW(AW), .IW(32)) dut (
        .clk(clk), .rst(rst), .start(start),
        .size_a_m(size_a_m), .cnt_a_m(cnt_a_m), .size_b_m(size_b_m), .cnt_b_m(cnt_b_m),
        .size_a_k(size_a_k), .cnt_a_k(cnt_a_k), .size_b_k(size_b_k), .cnt_b_k(cnt_b_k),
        .size_a_n(size_a_n), .cnt_a_n(cnt_a_n), .size_b_n(size_b_n), .cnt_b_n(cnt_b_n),
        .outer(outer), .middle(middle), .inner(inner), .busy(busy), .done(done),"""
_UNIT_DUT = """    {unit}_unit #(.ROWS(ROWS), .COLS(COLS), .DW(DW), .AW(AW), .IW(32)) dut (
        .clk(clk), .rst(rst), .start(start), .m(m), .k(k), .n(n), .busy(busy), .done(done),"""


def _testbench(unit: str, tiled: bool) -> str:
    """The testbench source: ``tb_ws.sv`` for the unit with one row-wide weight port,
    else ``tb_columns.sv`` filled in for the unit or for the tile sequencer."""
    if unit == "ws" and not tiled:
        return _sim_source("tb_ws.sv")
    text = _sim_source("tb_columns.sv")
    fields = {
        "@MODULE@": "tb_tiled" if tiled else f"tb_{unit}",
        "@SCHEDULE_PORTS@": _SCHEDULE_PORTS if tiled else "",
        "@DUT@": _TILED_DUT if tiled else _UNIT_DUT.format(unit=unit),
    }
    for key, value in fields.items():
        text = text.replace(key, value)
    return text


def build(design: RtlDesign, build_dir: Path, tiled: bool = False) -> Path:
    """The compiled simulation model of *design*'s unit -- with *tiled*, of the tile
    sequencer driving it (``tiled_unit``) -- built once per sources and parameters under
    *build_dir*."""
    from accelscope.rtl.generate import tiled_module

    unit = _unit(design)
    tb = "tb_tiled" if tiled else f"tb_{unit}"
    sources = unit_sources(design)
    hdl = list(sources)
    if tiled:
        sources["tile_sequencer.v"] = hdl_source("tile_sequencer.v")
        sources["tiled_unit.v"] = tiled_module(design)
        hdl = [*hdl, "tile_sequencer.v", "tiled_unit.v"]
    sources[f"{tb}.sv"] = _testbench(unit, tiled)
    sources["sim_main.cpp"] = _sim_source("sim_main.cpp").replace("tb_ws", tb)
    params = (design.rows, design.cols, design.operand_bits, design.accumulator_bits)
    key = source_key(sources, repr(params))
    flags = [
        *(["-CFLAGS", "-DTILED"] if tiled else []),
        f"-GROWS={design.rows}", f"-GCOLS={design.cols}",
        f"-GDW={design.operand_bits}", f"-GAW={design.accumulator_bits}",
    ]  # fmt: skip
    work = build_dir.resolve() / f"{unit}-{design.rows}x{design.cols}-{key}"
    return compile_model(sources, [f"{tb}.sv", *hdl, "sim_main.cpp"], tb, work, flags)


def source_key(sources: dict[str, str], extra: str = "") -> str:
    """A short hash of source files (name and text) and *extra*: a build's cache key."""
    key = hashlib.sha256()
    for name in sorted(sources):
        key.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
    key.update(extra.encode())
    return key.hexdigest()[:16]


def compile_model(
    sources: dict[str, str], order: list[str], top: str, work: Path, flags: list[str]
) -> Path:
    """The Verilator model of *sources* (written into *work*, compiled in the file
    *order*) with top module *top*; built once, then reused from *work*."""
    binary = work / "obj" / f"V{top}"
    if binary.exists():
        return binary
    tool = verilator()
    work.mkdir(parents=True, exist_ok=True)
    for name, text in sources.items():
        (work / name).write_text(text)
    cmd = [
        tool, "--cc", "--exe", "--build", "-O2", "-j", "2", "-Wno-fatal", "-Wno-WIDTH",
        # the sequencers' delay lines are loops over ROWS + COLS stages: unroll them all
        "--unroll-count", str(UNROLL_COUNT),
        *flags, "--top-module", top, "-Mdir", str(work / "obj"),
        *(str(work / n) for n in order),
    ]  # fmt: skip
    # absolute paths: verilator runs inside *work*, so a relative one would be looked up twice
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work)
    if proc.returncode != 0 or not binary.exists():
        raise AccelscopeError(
            f"verilator could not build the simulation model: {proc.stderr.strip()[-500:]}"
        )
    return binary


def run(
    binary: Path,
    gemms: list[tuple[np.ndarray, np.ndarray]],
    dataflow: str = "ws",
    schedules: list[list[int]] | None = None,
) -> list[tuple[int, np.ndarray]]:
    """``(busy cycles, C)`` of every GEMM ``(A, B)``, in order, from one simulation run
    (``is``: the same unit with the operands transposed, see ``sim/tb_ws.sv``); a tiled
    model also reads each GEMM's tile schedule (:func:`tile_schedule`)."""
    trailers = None if schedules is None else [[" ".join(map(str, x))] for x in schedules]
    results = run_cases(binary, gemms, int(dataflow == "is"), trailers)
    return [(int(head[1]), c) for head, c in results]


def run_cases(
    binary: Path,
    gemms: list[tuple[np.ndarray, np.ndarray]],
    transpose: int,
    trailers: list[list[str]] | None = None,
) -> list[tuple[list[str], np.ndarray]]:
    """Run a harness on *gemms*: per GEMM it reads ``M K N T``, A and B row-major, then
    the GEMM's *trailers* lines (a schedule, DRAM figures), and prints a header line
    then C row-major. Returns ``(header tokens, C)`` per GEMM."""
    lines = [str(len(gemms))]
    for i, (a, b) in enumerate(gemms):
        lines.append(f"{a.shape[0]} {a.shape[1]} {b.shape[1]} {transpose}")
        lines.append(" ".join(map(str, a.ravel().tolist())))
        lines.append(" ".join(map(str, b.ravel().tolist())))
        if trailers is not None:  # read after the operands
            lines.extend(trailers[i])
    proc = subprocess.run(
        [str(binary)], input="\n".join(lines) + "\n", capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise AccelscopeError(f"the RTL simulation failed: {proc.stderr.strip()[-500:]}")
    out = proc.stdout.split("\n")
    results, i = [], 0
    for a, b in gemms:
        m = a.shape[0]
        c = np.array([[int(x) for x in out[i + 1 + r].split()] for r in range(m)], np.int64)
        results.append((out[i].split(), c.reshape(m, b.shape[1])))
        i += 1 + m
    return results


def unit_frame(design: RtlDesign, m: int, n: int) -> tuple[int, int]:
    """GEMM rows and columns in the unit's frame: an input-stationary unit runs the
    transposed GEMM, so its ``m`` is N and its ``n`` is M."""
    return (n, m) if design.dataflow == "is" else (m, n)


def random_gemms(
    count: int, rows: int, cols: int, bits: int, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """*count* integer GEMMs: first the edge cases (1 x 1 x 1, smaller than the array,
    exactly the array, one past two folds), then random M, K, N from 1 to about three
    array sides (several folds, not multiples of the array)."""
    rng = np.random.default_rng(seed)
    hi = 1 << (bits - 1)
    dims = [
        (1, 1, 1),
        (max(1, rows - 1), max(1, rows - 1), max(1, cols - 1)),
        (rows, rows, cols),
        (2 * rows + 1, 2 * rows + 1, 2 * cols + 1),
    ][:count]
    while len(dims) < count:
        dims.append(
            (
                int(rng.integers(1, 3 * max(rows, cols) + 2)),
                int(rng.integers(1, 3 * rows + 2)),
                int(rng.integers(1, 3 * cols + 2)),
            )
        )
    out = []
    for m, k, n in dims:
        out.append((rng.integers(-hi, hi, (m, k)), rng.integers(-hi, hi, (k, n))))
    return out


@dataclass
class SimulationReport:
    """Outcome of simulating GEMMs on one unit: counts and cycle totals, and the GEMMs
    that differ from NumPy or from the model (none when the RTL is right)."""

    gemms: int = 0
    mismatches: int = 0
    cycles_model: int = 0
    cycles_rtl: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "gemms": self.gemms,
            "mismatches": self.mismatches,
            "cycles_model": self.cycles_model,
            "cycles_rtl": self.cycles_rtl,
            "failures": self.failures[:20],
        }


def check(
    design: RtlDesign, gemms: list[tuple[np.ndarray, np.ndarray]], build_dir: Path
) -> SimulationReport:
    """Simulate *gemms* on *design*'s unit; compare products with NumPy and busy cycles
    with the cost model's compute cycles for the same GEMM and array."""
    from accelscope.targets.asic.cost.systolic import gemm_compute_cycles

    binary = build(design, build_dir)
    pipelined = design.fold_overlap == "pipelined"
    expected = [
        int(gemm_compute_cycles(design.dataflow, a.shape[0], a.shape[1], b.shape[1],
                                design.rows, design.cols, pipelined=pipelined))
        for a, b in gemms
    ]  # fmt: skip
    return _compare(gemms, run(binary, gemms, design.dataflow), expected)


def _compare(
    gemms: list[tuple[np.ndarray, np.ndarray]],
    results: list[tuple[int, np.ndarray]],
    expected_cycles: list[int],
) -> SimulationReport:
    """Products against NumPy's and simulated cycles against the model's, per GEMM."""
    report = SimulationReport()
    for (a, b), (cycles, c), model in zip(gemms, results, expected_cycles, strict=True):
        product_ok = bool(np.array_equal(c, a.astype(np.int64) @ b.astype(np.int64)))
        report.gemms += 1
        report.cycles_model += model
        report.cycles_rtl += cycles
        if not product_ok or cycles != model:
            report.mismatches += 1
            report.failures.append(
                {"m": a.shape[0], "k": a.shape[1], "n": b.shape[1], "product_ok": product_ok,
                 "cycles_rtl": cycles, "cycles_model": model}
            )  # fmt: skip
    return report


#: Loop orders as (outer, middle, inner) dimensions of the unit's frame (0 m, 1 k, 2 n).
_DIM = {"m": 0, "k": 1, "n": 2}


def tile_schedule(
    m: int, k: int, n: int, tiles: tuple[int, int, int], chunked: str, order: str = "mkn"
) -> list[int]:
    """The tile sequencer's schedule of a GEMM in the unit's frame: per dimension ``m``,
    ``k``, ``n`` (size_a, count_a, size_b, count_b) and the loop order. Dimension
    *chunked* (the streamed one) is cut into ``ceil(d / t)`` balanced chunks, the others
    into tiles of ``t`` and a remainder -- the cost model's convention
    (:func:`~accelscope.targets.asic.cost.systolic.tiled_compute_cycles`)."""
    out: list[int] = []
    for name, d, t in zip("mkn", (m, k, n), tiles, strict=True):
        t = max(1, min(int(t), d))
        if name == chunked:
            count = -(-d // t)
            lo = d // count
            hi = d - lo * count  # chunks one longer
            out += [lo + 1, hi, lo, count - hi] if hi else [lo, count, 0, 0]
        else:
            full, rem = divmod(d, t)
            out += [t, full, rem, int(rem > 0)]
    return out + [_DIM[c] for c in order]


def check_tiled(
    design: RtlDesign,
    gemms: list[tuple[np.ndarray, np.ndarray]],
    tiles: list[tuple[int, int, int]],
    build_dir: Path,
    order: str = "mkn",
) -> SimulationReport:
    """Simulate *gemms* through the tile sequencer, each cut into its buffer tiles
    ``(t_m, t_k, t_n)`` of the unit's frame; compare products with NumPy and the unit's
    busy cycles with the cost model's count for the schedule (:func:`tiled_case`: the
    tiled compute cycles with folds back to back; with pipelined folds every tile's own
    count, since the sequencer restarts the unit per tile; docs/rtl.md)."""
    binary = build(design, build_dir, tiled=True)
    cases = [tiled_case(design, a.shape[0], a.shape[1], b.shape[1], t, order)
             for (a, b), t in zip(gemms, tiles, strict=True)]  # fmt: skip
    scheds = [sched for sched, _ in cases]
    expected = [cycles for _, cycles in cases]
    return _compare(gemms, run(binary, gemms, design.dataflow, scheds), expected)


def tiled_case(
    design: RtlDesign, m: int, k: int, n: int, tiles: tuple[int, int, int], order: str
) -> tuple[list[int], int]:
    """The tile schedule of GEMM ``m x k x n`` in tiles ``(t_m, t_k, t_n)`` of the unit's
    frame, and the model's compute cycles for the unit running it: with folds back to back
    the model's tiled count (:func:`~accelscope.targets.asic.cost.systolic.tiled_compute_cycles`);
    with pipelined folds the model's count of every tile as its own GEMM, summed -- the
    sequencer restarts the unit per tile, while the model's tiled count keeps one pipeline
    across tiles (:func:`continuous_cycles`)."""
    from accelscope.targets.asic.cost.systolic import gemm_compute_cycles

    um, un = unit_frame(design, m, n)
    chunked = "k" if design.dataflow == "os" else "m"
    sched = tile_schedule(um, k, un, tiles, chunked, order)
    if design.fold_overlap == "none":
        return sched, continuous_cycles(design, m, k, n, tiles)
    sizes = []
    for d in range(3):  # the tile sizes along m, k, n and how many of each
        size_a, cnt_a, size_b, cnt_b = sched[4 * d : 4 * d + 4]
        sizes.append(np.array([size_a] * cnt_a + [size_b] * cnt_b, dtype=np.float64))
    tm, tk, tn = np.meshgrid(*sizes, indexing="ij")
    flow = "os" if design.dataflow == "os" else "ws"  # the unit's frame
    per_tile = gemm_compute_cycles(flow, tm, tk, tn, design.rows, design.cols, pipelined=True)
    return sched, int(np.sum(per_tile))


def continuous_cycles(
    design: RtlDesign, m: int, k: int, n: int, tiles: tuple[int, int, int]
) -> int:
    """The model's compute cycles of GEMM ``m x k x n`` in tiles of the unit's frame under
    *design*'s fold convention (pipelined: one pipeline across all tiles)."""
    from accelscope.targets.asic.cost.systolic import tiled_compute_cycles

    um, un = unit_frame(design, m, n)
    tm, tk, tn = tiles
    is_os = design.dataflow == "os"
    if is_os:  # rows M, cols N, stream K
        dims, t = (um, un, k), (tm, tn, tk)
    else:  # rows K, cols N, stream M
        dims, t = (k, un, um), (tk, tn, tm)
    pipelined = design.fold_overlap == "pipelined"
    return int(tiled_compute_cycles(*dims, *t, design.rows, design.cols, is_os, pipelined))
