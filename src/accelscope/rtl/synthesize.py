"""Synthesizing the generated unit with Yosys: generic cells, Xilinx 7-series resources and
standard-cell area.

Three flows run on one tensor unit with the design's parameters (units are identical, so
the counts of a design are the unit's times ``units``):

* ``generic``: ``synth`` -- Yosys's internal gate library (``$_AND_``, ``$_DFF_P_``, ...);
  the total cell count is a technology-free size of the logic.
* ``xilinx``: ``synth_xilinx -family xc7`` -- LUTs, flip-flops, DSP48E1 slices and block
  RAM (in RAMB18 units; a RAMB36 counts two), for the cross-check with the FPGA resource
  model (:mod:`accelscope.targets.fpga.resources`).
* ``asic``: ``synth``, ``dfflibmap`` and ``abc`` against the OSU 0.18 um standard-cell
  library (Debian package ``qflow-tech-osu018``) -- the cell area in um^2 at 180 nm, split
  into the PE array and the sequencer, also in NAND2 gate equivalents (area / the
  library's NAND2X1), which compare across nodes and libraries without scaling.

These are relative cross-checks of the area model, not sign-off numbers: no placement,
no timing closure, a teaching cell library whose cells are larger than a commercial
180 nm library's. Results are cached (``cache_dir()/synth``) under a hash of the sources,
the parameters, the flows and the Yosys version, because synthesis takes seconds to
minutes.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from accelscope.errors import AccelscopeError, MissingDependencyError, SpecError
from accelscope.rtl.generate import RtlDesign, unit_name, unit_sources
from accelscope.rtl.tools import debian_tool

FLOWS: tuple[str, ...] = ("generic", "xilinx", "asic")
#: Where Debian's qflow-tech-osu018 puts the OSU 0.18 um library, and its node.
LIBERTY_PATHS: tuple[str, ...] = ("/usr/share/qflow/tech/osu018/osu018_stdcells.lib",)
LIBERTY_NODE_NM = 180
NAND2_CELL = "NAND2X1"
XILINX_FAMILY = "xc7"
#: Largest unit synthesized (PEs): synthesis time grows faster than linearly with the
#: array (a 8 x 8 int8 unit takes about a minute for the three flows on one core), and
#: the area per PE does not change with the array size.
MAX_SYNTH_PES = 1024

_XILINX_LUT = re.compile(r"^LUT[1-6]$")
_XILINX_FF = {"FDRE", "FDSE", "FDCE", "FDPE"}
_XILINX_DSP = {"DSP48E1", "DSP48E2"}
_XILINX_BRAM18 = {"RAMB18E1": 1, "RAMB36E1": 2, "RAMB18E2": 1, "RAMB36E2": 2}


def yosys() -> str:
    """The ``yosys`` executable, or MissingDependencyError naming the package."""
    return debian_tool("yosys", "--synth", "yosys", "Yosys")


def liberty() -> Path:
    """The OSU 0.18 um Liberty file, or MissingDependencyError naming the package."""
    for candidate in LIBERTY_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise MissingDependencyError(
        "--synth needs a standard-cell library for its area: install the Debian package "
        "'qflow-tech-osu018' (apt-get install qflow-tech-osu018; `make test` does)"
    )


@cache
def cell_areas(liberty_path: Path) -> dict[str, float]:
    """Cell name -> area (um^2) of a Liberty file (its ``cell (NAME) { ... area : X;``)."""
    text = liberty_path.read_text(errors="replace")
    pattern = re.compile(
        r"\bcell\s*\(\s*\"?([A-Za-z0-9_]+)\"?\s*\)\s*\{[^{}]*?\barea\s*:\s*([0-9.]+)"
    )
    return {name: float(area) for name, area in pattern.findall(text)}


@cache
def yosys_version() -> str:
    proc = subprocess.run([yosys(), "-V"], capture_output=True, text=True)
    return proc.stdout.strip() or "unknown"


@dataclass
class SynthesisReport:
    """What Yosys made of a design's tensor units (all units; see the module docstring).

    ``cells``: generic gate count; ``lut``/``ff``/``dsp``/``bram``: Xilinx 7-series
    (bram in RAMB18 units); ``area_um2``: OSU 0.18 um cell area at 180 nm, with
    ``array_area_um2`` (PE array) and ``control_area_um2`` (sequencer, skew and deskew);
    ``gate_equivalents``: area / NAND2X1. A flow not run leaves its fields None.
    """

    unit: str
    units: int
    flows: list[str]
    yosys: str
    cells: int | None = None
    cells_by_type: dict[str, int] = field(default_factory=dict)
    lut: int | None = None
    ff: int | None = None
    dsp: int | None = None
    bram: int | None = None
    xilinx_family: str | None = None
    area_um2: float | None = None
    array_area_um2: float | None = None
    control_area_um2: float | None = None
    nand2_um2: float | None = None
    gate_equivalents: float | None = None
    library: str | None = None
    library_node_nm: int | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_size(design: RtlDesign) -> None:
    """SpecError when a unit is too large to synthesize in reasonable time."""
    pes = design.rows * design.cols
    if pes > MAX_SYNTH_PES:
        raise SpecError(
            f"--synth: a {design.rows}x{design.cols} unit ({pes:,} PEs) would take hours in "
            f"Yosys; synthesis is offered up to {MAX_SYNTH_PES:,} PEs per unit (the area "
            "per PE does not depend on the array size: synthesize the same design with a "
            "smaller array, see docs/rtl.md)"
        )


SCOPES: tuple[str, ...] = ("unit", "array")


def _top_name(design: RtlDesign, scope: str) -> str:
    """The module synthesized: the whole unit, or only its PE array."""
    unit = unit_name(design)
    return unit if scope == "unit" else unit.removesuffix("unit") + "array"


def _script(design: RtlDesign, flows: tuple[str, ...], lib: Path | None, scope: str) -> str:
    top = _top_name(design, scope)
    files = " ".join(sorted(unit_sources(design)))
    params = (
        f"-set ROWS {design.rows} -set COLS {design.cols} "
        f"-set DW {design.operand_bits} -set AW {design.accumulator_bits}"
    )
    head = f"read_verilog {files}\nchparam {params} {top}\nhierarchy -top {top}\n"
    lines = [head + "design -save rtl"]
    if "generic" in flows or "asic" in flows:
        lines.append(f"design -load rtl\nsynth -top {top}\ntee -q -o generic.json stat -json")
    if "asic" in flows:
        lines.append(
            f"dfflibmap -liberty {lib}\nabc -liberty {lib}\nopt_clean\n"
            "tee -q -o asic.json stat -json"
        )
    if "xilinx" in flows:
        lines.append(
            f"design -load rtl\nsynth_xilinx -family {XILINX_FAMILY} -top {top}\n"
            "tee -q -o xilinx.json stat -json"
        )
    return "\n".join(lines) + "\n"


def _modules(stat_json: Path) -> dict[str, dict[str, int]]:
    """Module name -> cells by type (a cell type may be another module), ``stat -json``."""
    # Yosys 0.23 prints the text of its design hierarchy into the JSON document when a
    # top module is set: keep only the lines that belong to JSON.
    lines = stat_json.read_text().splitlines()
    doc = json.loads("\n".join(x for x in lines if not x.strip() or set(x) & set('"{}[],')))
    return {
        str(name): {str(k): int(v) for k, v in module.get("num_cells_by_type", {}).items()}
        for name, module in doc.get("modules", {}).items()
    }


def _flatten(modules: dict[str, dict[str, int]], name: str) -> dict[str, int]:
    """Leaf cells by type of module *name* with its submodule instances expanded."""
    total: dict[str, int] = {}
    for kind, count in modules[name].items():
        inner = _flatten(modules, kind) if kind in modules else {kind: 1}
        for leaf, n in inner.items():
            total[leaf] = total.get(leaf, 0) + n * count
    return dict(sorted(total.items()))


def _short(name: str) -> str:
    """``$paramod$<hash>\\wsp_array`` -> ``wsp_array``."""
    return name.rsplit("\\", 1)[-1]


def _top(modules: dict[str, dict[str, int]], top: str) -> str:
    return next(name for name in modules if _short(name) == top)


def _cache_key(design: RtlDesign, flows: tuple[str, ...], lib: Path | None, scope: str) -> str:
    key = hashlib.sha256()
    key.update(repr(flows).encode() + _script(design, flows, lib, scope).encode())
    for name, text in sorted(unit_sources(design).items()):
        key.update(name.encode() + b"\0" + text.encode() + b"\0")
    key.update(yosys_version().encode())
    if lib is not None:
        key.update(lib.read_bytes())
    return key.hexdigest()[:24]


def synthesize(
    design: RtlDesign,
    flows: tuple[str, ...] = FLOWS,
    cache_root: Path | None = None,
    scope: str = "unit",
) -> SynthesisReport:
    """Run the Yosys *flows* on *design*'s tensor unit (``scope="array"``: its PE array
    only, which is fast at any size); counts and areas for all units.

    Raises MissingDependencyError without Yosys (or, for ``asic``, the cell library),
    SpecError for a unit above :data:`MAX_SYNTH_PES`, AccelscopeError if Yosys fails.
    """
    import time

    from accelscope.workload.catalogue import cache_dir

    unknown = [f for f in flows if f not in FLOWS]
    if unknown:
        raise SpecError(f"synthesis flow {unknown[0]!r}: expected one of {', '.join(FLOWS)}")
    if scope not in SCOPES:
        raise SpecError(f"synthesis scope {scope!r}: expected one of {', '.join(SCOPES)}")
    if scope == "unit":
        check_size(design)
    yosys()  # a missing tool is reported even when the result is cached
    lib = liberty() if "asic" in flows else None
    key = _cache_key(design, flows, lib, scope)
    cache_file = (cache_root or cache_dir() / "synth") / f"{key}.json"
    cached = _cache_read(cache_file, lambda raw: SynthesisReport(**raw))
    if cached is not None:
        return _scale(design, cached)
    start = time.perf_counter()
    script = _script(design, flows, lib, scope)
    stats = _run_yosys(unit_sources(design), script, [f"{f}.json" for f in flows])
    top = _top_name(design, scope)
    report = SynthesisReport(unit=top, units=1, flows=list(flows), yosys=yosys_version())
    if "generic" in flows:
        modules = stats["generic.json"]
        cells = _flatten(modules, _top(modules, top))
        report.cells = sum(cells.values())
        report.cells_by_type = cells
    if "xilinx" in flows:
        modules = stats["xilinx.json"]
        cells = _flatten(modules, _top(modules, top))
        report.lut = sum(v for k, v in cells.items() if _XILINX_LUT.match(k))
        report.ff = sum(v for k, v in cells.items() if k in _XILINX_FF)
        report.dsp = sum(v for k, v in cells.items() if k in _XILINX_DSP)
        report.bram = _bram18(cells)
        report.xilinx_family = XILINX_FAMILY
    if "asic" in flows:
        assert lib is not None
        areas = cell_areas(lib)
        modules = stats["asic.json"]

        def area(cells: dict[str, int]) -> float:
            return float(sum(areas.get(k, 0.0) * v for k, v in cells.items()))

        array_name = next(n for n in modules if _short(n).endswith("_array"))
        array = area(_flatten(modules, array_name))
        report.area_um2 = area(_flatten(modules, _top(modules, top)))
        report.array_area_um2 = array
        report.control_area_um2 = report.area_um2 - array
        report.nand2_um2 = areas.get(NAND2_CELL)
        report.library = lib.name
        report.library_node_nm = LIBERTY_NODE_NM
    report.seconds = round(time.perf_counter() - start, 1)
    _cache_write(cache_file, report.to_dict())
    return _scale(design, report)


def _bram18(cells: dict[str, int]) -> int:
    """Block RAM of Xilinx cells in RAMB18 units (a RAMB36 counts two)."""
    return sum(v * _XILINX_BRAM18.get(k, 0) for k, v in cells.items())


def _run_yosys(
    files: dict[str, str], script: str, outputs: list[str]
) -> dict[str, dict[str, dict[str, int]]]:
    """Run Yosys's *script* on *files* in a scratch directory; the ``stat -json``
    documents it writes (*outputs*), as modules by name (:func:`_modules`)."""
    with tempfile.TemporaryDirectory(prefix="accelscope-synth-") as tmp:
        work = Path(tmp)
        for name, text in files.items():
            (work / name).write_text(text)
        (work / "run.ys").write_text(script)
        proc = subprocess.run(
            [yosys(), "-q", "-s", "run.ys"], capture_output=True, text=True, cwd=work
        )
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise AccelscopeError(f"yosys failed: {' '.join(detail[-3:])[-400:]}")
        return {name: _modules(work / name) for name in outputs}


def _cache_read(cache_file: Path, parse: Any) -> Any:
    """``parse(document)`` of a cached result, or None when there is none; a damaged
    entry is deleted (and rebuilt by the caller)."""
    if not cache_file.is_file():
        return None
    try:
        return parse(json.loads(cache_file.read_text()))
    except (ValueError, TypeError, KeyError):
        cache_file.unlink(missing_ok=True)
        return None


def _cache_write(cache_file: Path, doc: dict[str, Any]) -> None:
    """Store a result whole; a cache that cannot be written only costs time."""
    from accelscope.store.parts import atomic_write_text

    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cache_file, json.dumps(doc, indent=1))
    except OSError:
        pass


def _scale(design: RtlDesign, unit: SynthesisReport) -> SynthesisReport:
    """The one-unit report *unit* for all of *design*'s units, with gate equivalents."""
    n = design.units
    out = SynthesisReport(**unit.to_dict())
    out.units = n
    for name in ("cells", "lut", "ff", "dsp", "bram"):
        value = getattr(unit, name)
        setattr(out, name, None if value is None else int(value) * n)
    out.cells_by_type = {k: v * n for k, v in unit.cells_by_type.items()}
    for name in ("area_um2", "array_area_um2", "control_area_um2"):
        value = getattr(unit, name)
        setattr(out, name, None if value is None else float(value) * n)
    if out.area_um2 is not None and out.nand2_um2:
        out.gate_equivalents = round(out.area_um2 / out.nand2_um2, 1)
    return out


def bank_bram18(width_bits: int, depth_words: int, cache_root: Path | None = None) -> int:
    """Block RAM (RAMB18 units) Yosys's ``synth_xilinx`` infers for one buffer bank
    (``sram_bank.v``) of *depth_words* x *width_bits*; cached like :func:`synthesize`."""
    from accelscope.rtl.buffers import address_bits
    from accelscope.rtl.generate import hdl_source
    from accelscope.workload.catalogue import cache_dir

    source = hdl_source("sram_bank.v")
    script = (
        "read_verilog sram_bank.v\n"
        f"chparam -set WIDTH {width_bits} -set DEPTH {depth_words} "
        f"-set ABITS {address_bits(depth_words)} sram_bank\n"
        f"synth_xilinx -family {XILINX_FAMILY} -top sram_bank\n"
        "tee -q -o xilinx.json stat -json\n"
    )
    key = hashlib.sha256((script + source + yosys_version()).encode()).hexdigest()[:24]
    cache_file = (cache_root or cache_dir() / "synth") / f"bank-{key}.json"
    cached = _cache_read(cache_file, lambda raw: int(raw["bram18"]))
    if cached is not None:
        return cached
    modules = _run_yosys({"sram_bank.v": source}, script, ["xilinx.json"])["xilinx.json"]
    cells = _flatten(modules, _top(modules, "sram_bank"))
    bram = _bram18(cells)
    _cache_write(cache_file, {"bram18": bram, "cells": cells})
    return bram
