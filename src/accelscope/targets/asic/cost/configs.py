"""Columnar accelerator configurations: one NumPy array per parameter (the cost model's input).

A :class:`ConfigBatch` holds ``n`` configurations as equal-length arrays so the cost model
can evaluate all of them at once. :meth:`ConfigBatch.from_columns` is the fast path used by
the design-space engine (parameter grids); :meth:`ConfigBatch.from_archs` converts typed
:class:`targets.asic.arch.Arch` specs, and :meth:`ConfigBatch.to_arch` converts one row back.

Units: ``clock_mhz`` MHz, ``*_kib`` KiB (1024 bytes), ``dram_gbps`` GB/s (1e9 bytes/s),
``dram_pj_per_byte`` pJ per byte. Categorical columns are integer codes: ``precision`` indexes
:data:`PRECISIONS`, ``dataflow`` indexes ``("ws", "os", "is", "auto")``, ``technology``
indexes :func:`technology_names`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from accelscope.errors import SpecError, suggest
from accelscope.precision import BYTES_PER_ELEMENT
from accelscope.targets.asic.cost.systolic import AUTO_CODE, DATAFLOWS

if TYPE_CHECKING:  # pragma: no cover
    from accelscope.targets.asic.arch import Arch

PRECISIONS: tuple[str, ...] = tuple(BYTES_PER_ELEMENT)
"""Precision names; ``ConfigBatch.precision`` holds indices into this tuple."""

DATAFLOW_NAMES: tuple[str, ...] = (*DATAFLOWS, "auto")
"""Dataflow names by code (3 = ``auto``, resolved per kernel by the mapper)."""

_BPE_BY_CODE = np.array([BYTES_PER_ELEMENT[p] for p in PRECISIONS], dtype=np.int64)


def technology_names() -> tuple[str, ...]:
    """Technology names; ``ConfigBatch.technology`` holds indices into this tuple."""
    from accelscope.targets.asic.arch import TECHNOLOGIES

    return tuple(TECHNOLOGIES)


def dram_type_names() -> tuple[str, ...]:
    """DRAM type names; ``ConfigBatch.dram_type`` holds indices into this tuple."""
    from accelscope.targets.asic.arch import DRAM_TYPES

    return tuple(DRAM_TYPES)


#: Execution policies (docs/assumptions.md, part 2), by code.
FOLD_OVERLAP_NAMES: tuple[str, ...] = ("none", "pipelined")
FUSION_NAMES: tuple[str, ...] = ("none", "standard")
RESIDENCY_NAMES: tuple[str, ...] = ("none", "standard")
#: Weight-sparsity support (docs/assumptions.md, "Weight sparsity"), by code.
WEIGHT_SPARSITY_NAMES: tuple[str, ...] = ("none", "compressed", "block")
#: Winograd convolution support (docs/assumptions.md, "Winograd"), by code.
WINOGRAD_NAMES: tuple[str, ...] = ("none", "f2x2_3x3")

#: Categorical columns, stored as integer codes into :func:`category_names`.
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    "dataflow",
    "precision",
    "technology",
    "dram_type",
    "fold_overlap",
    "fusion",
    "residency",
    "weight_sparsity",
    "winograd",
)


def category_names(column: str) -> tuple[str, ...]:
    """Names of a categorical column's codes (see :data:`CATEGORICAL_COLUMNS`)."""
    if column == "technology":
        return technology_names()
    if column == "dram_type":
        return dram_type_names()
    return {
        "dataflow": DATAFLOW_NAMES,
        "precision": PRECISIONS,
        "fold_overlap": FOLD_OVERLAP_NAMES,
        "fusion": FUSION_NAMES,
        "residency": RESIDENCY_NAMES,
        "weight_sparsity": WEIGHT_SPARSITY_NAMES,
        "winograd": WINOGRAD_NAMES,
    }[column]


def category_codes(column: str, value: Any, what: str = "config column") -> np.ndarray:
    """Codes of a categorical column from names or codes; errors name ``what 'column'``."""
    return _codes(column, value, category_names(column), what)


def _codes(
    column: str, value: Any, names: tuple[str, ...], what: str = "config column"
) -> np.ndarray:
    """Integer codes from names or codes (scalar or array); errors name ``what 'column'``."""
    arr = np.asarray(value)
    if arr.dtype.kind in "UO":
        uniq, inverse = np.unique(arr.astype(str), return_inverse=True)
        lookup = {n.lower(): i for i, n in enumerate(names)}
        codes = []
        for name in uniq:
            key = str(name).lower()
            if key not in lookup:
                raise SpecError(
                    f"{what} '{column}': unknown value '{name}'; expected one of "
                    f"{', '.join(names)}{suggest(str(name), list(names))}"
                )
            codes.append(lookup[key])
        return np.asarray(codes, dtype=np.int64)[inverse].reshape(arr.shape)
    if arr.dtype.kind not in "iu":
        raise SpecError(f"{what} '{column}': expected names or integer codes")
    codes = arr.astype(np.int64)
    bad = (codes < 0) | (codes >= len(names))
    if np.any(bad):
        raise SpecError(
            f"config column '{column}': code {codes[bad].flat[0]} is out of range "
            f"0..{len(names) - 1}"
        )
    return codes


def _check(column: str, ok: np.ndarray, values: np.ndarray, expected: str) -> None:
    """Raise a SpecError naming the column and the first offending value."""
    if not np.all(ok):
        i = int(np.flatnonzero(~ok.ravel())[0])
        raise SpecError(
            f"config column '{column}': value {values.ravel()[i]!r} at row {i} {expected}"
        )


@dataclass(frozen=True)
class ConfigBatch:
    """``n`` accelerator configurations as equal-length arrays (see module docstring)."""

    clock_mhz: np.ndarray  # float64, MHz
    precision: np.ndarray  # int64 index into PRECISIONS
    bytes_per_element: np.ndarray  # int64, bytes of one operand element
    accumulator_bits: np.ndarray  # int64
    accumulator_bytes: np.ndarray  # int64, ceil(accumulator_bits / 8)
    units: np.ndarray  # int64, identical systolic arrays
    rows: np.ndarray  # int64, PE rows per array
    cols: np.ndarray  # int64, PE columns per array
    dataflow: np.ndarray  # int64 code 0..3 (3 = auto)
    lanes: np.ndarray  # int64, vector-unit lanes
    unified: np.ndarray  # bool, one global buffer
    unified_kib: np.ndarray  # float64 KiB, NaN when not unified
    input_kib: np.ndarray  # float64 KiB, NaN when unified
    weight_kib: np.ndarray  # float64 KiB, NaN when unified
    output_kib: np.ndarray  # float64 KiB, NaN when unified
    double_buffering: np.ndarray  # bool
    dram_gbps: np.ndarray  # float64 GB/s
    dram_pj_per_byte: np.ndarray  # float64 pJ/byte, DRAM side (type default filled in)
    technology: np.ndarray  # int64 index into technology_names()
    dram_type: np.ndarray  # int64 index into dram_type_names() (node default filled in)
    port_bytes: np.ndarray  # float64 bytes/cycle per buffer port, NaN = derived default
    staging_kib: np.ndarray  # float64 KiB reserved for tile staging, NaN = default split
    fold_overlap: np.ndarray  # int64 code into FOLD_OVERLAP_NAMES
    fusion: np.ndarray  # int64 code into FUSION_NAMES
    residency: np.ndarray  # int64 code into RESIDENCY_NAMES
    weight_sparsity: np.ndarray  # int64 code into WEIGHT_SPARSITY_NAMES
    winograd: np.ndarray  # int64 code into WINOGRAD_NAMES

    def __len__(self) -> int:
        return int(self.clock_mhz.shape[0])

    # ---- derived columns -------------------------------------------------------------
    @property
    def pe_count(self) -> np.ndarray:
        """PEs over all arrays (rows x cols x units)."""
        return self.rows * self.cols * self.units

    @property
    def sram_kib(self) -> np.ndarray:
        """Total on-chip buffer capacity in KiB."""
        split = self.input_kib + self.weight_kib + self.output_kib
        return np.where(self.unified, self.unified_kib, split)

    @property
    def dram_bytes_per_cycle(self) -> np.ndarray:
        """Sustained DRAM bytes per clock cycle: GB/s * 1e9 / (MHz * 1e6) times the
        sustained fraction of peak (:data:`targets.asic.arch.dram.SUSTAINED_BANDWIDTH_FRACTION`)."""
        from accelscope.targets.asic.arch.dram import SUSTAINED_BANDWIDTH_FRACTION

        return self.dram_gbps * 1e3 / self.clock_mhz * SUSTAINED_BANDWIDTH_FRACTION

    @property
    def pipelined(self) -> np.ndarray:
        """True where folds overlap (``fold_overlap: pipelined``)."""
        return self.fold_overlap == 1

    def vdd_v(self) -> np.ndarray:
        """Supply voltage each clock needs at its node (NaN above the node's maximum)."""
        from accelscope.targets.asic.arch import TECHNOLOGIES

        out = np.full(len(self), np.nan)
        for i, tech in enumerate(TECHNOLOGIES.values()):  # a handful of nodes
            mask = self.technology == i
            if np.any(mask):
                out[mask] = tech.vdd_for_clock(self.clock_mhz[mask])
        return out

    # ---- constructors ----------------------------------------------------------------
    @classmethod
    def from_columns(
        cls,
        *,
        clock_mhz: Any,
        rows: Any,
        cols: Any,
        dram_gbps: Any,
        units: Any = 1,
        dataflow: Any = "ws",
        lanes: Any = 16,
        precision: Any = "int8",
        accumulator_bits: Any = 32,
        unified_kib: Any = math.nan,
        input_kib: Any = math.nan,
        weight_kib: Any = math.nan,
        output_kib: Any = math.nan,
        double_buffering: Any = True,
        dram_pj_per_byte: Any = math.nan,
        technology: Any = "28nm",
        dram_type: Any = None,
        port_bytes: Any = math.nan,
        staging_kib: Any = math.nan,
        fold_overlap: Any = "pipelined",
        fusion: Any = "standard",
        residency: Any = "standard",
        weight_sparsity: Any = "none",
        winograd: Any = "none",
    ) -> ConfigBatch:
        """Build a batch from arrays or scalars (scalars broadcast to the common length).

        Categorical columns accept names or integer codes. Buffers: give ``unified_kib``
        (NaN elsewhere) or all three of ``input_kib``/``weight_kib``/``output_kib`` per row.
        ``dram_type`` None means the node's usual DRAM generation; ``dram_pj_per_byte`` NaN
        the DRAM type's energy; ``port_bytes`` / ``staging_kib`` NaN the derived defaults.
        Raises :class:`SpecError` naming the column of the first out-of-range value.
        """
        from accelscope.targets.asic.arch import TECHNOLOGIES

        tech_names = tuple(TECHNOLOGIES)
        raw = {
            "clock_mhz": np.asarray(clock_mhz, dtype=np.float64),
            "rows": np.asarray(rows),
            "cols": np.asarray(cols),
            "dram_gbps": np.asarray(dram_gbps, dtype=np.float64),
            "units": np.asarray(units),
            "dataflow": category_codes("dataflow", dataflow),
            "lanes": np.asarray(lanes),
            "precision": category_codes("precision", precision),
            "accumulator_bits": np.asarray(accumulator_bits),
            "unified_kib": np.asarray(unified_kib, dtype=np.float64),
            "input_kib": np.asarray(input_kib, dtype=np.float64),
            "weight_kib": np.asarray(weight_kib, dtype=np.float64),
            "output_kib": np.asarray(output_kib, dtype=np.float64),
            "double_buffering": np.asarray(double_buffering, dtype=bool),
            "dram_pj_per_byte": np.asarray(dram_pj_per_byte, dtype=np.float64),
            "technology": category_codes("technology", technology),
            "dram_type": np.asarray(-1 if dram_type is None else dram_type),
            "port_bytes": np.asarray(port_bytes, dtype=np.float64),
            "staging_kib": np.asarray(staging_kib, dtype=np.float64),
            "fold_overlap": category_codes("fold_overlap", fold_overlap),
            "fusion": category_codes("fusion", fusion),
            "residency": category_codes("residency", residency),
            "weight_sparsity": category_codes("weight_sparsity", weight_sparsity),
            "winograd": category_codes("winograd", winograd),
        }
        if dram_type is not None:
            raw["dram_type"] = category_codes("dram_type", dram_type)
        for name in ("rows", "cols", "units", "lanes", "accumulator_bits"):
            arr = raw[name]
            if arr.dtype.kind == "f":
                _check(name, arr == np.round(arr), arr, "is not an integer")
            elif arr.dtype.kind not in "iub":
                raise SpecError(f"config column '{name}': expected integers")
            raw[name] = arr.astype(np.int64)
        try:
            cols_b = np.broadcast_arrays(*raw.values())
        except ValueError:
            lengths = {k: v.shape for k, v in raw.items() if v.ndim}
            raise SpecError(f"config columns have different lengths: {lengths}") from None
        c = {k: np.ascontiguousarray(v.reshape(-1)) for k, v in zip(raw, cols_b, strict=True)}
        if c["clock_mhz"].shape[0] == 0:
            raise SpecError("config columns are empty: at least one configuration is needed")

        for name in ("clock_mhz", "dram_gbps"):
            _check(name, c[name] > 0, c[name], "must be > 0")
        for name in ("rows", "cols", "units", "lanes"):
            _check(name, c[name] > 0, c[name], "must be > 0")
        acc = c["accumulator_bits"]
        _check("accumulator_bits", (acc >= 8) & (acc <= 64), acc, "must be in 8..64")

        unified = ~np.isnan(c["unified_kib"])
        split = [~np.isnan(c[k]) for k in ("input_kib", "weight_kib", "output_kib")]
        all_split = split[0] & split[1] & split[2]
        any_split = split[0] | split[1] | split[2]
        ok = np.where(unified, ~any_split, all_split)
        _check(
            "buffers",
            ok,
            np.arange(ok.shape[0]),
            "(row index): give unified_kib alone or all of input_kib, weight_kib, output_kib",
        )
        for name in ("unified_kib", "input_kib", "weight_kib", "output_kib"):
            v = c[name]
            _check(name, np.isnan(v) | (v > 0), v, "must be > 0")

        from accelscope.targets.asic.arch import DRAM_TYPES

        dram_names = tuple(DRAM_TYPES)
        node_default = np.array(
            [dram_names.index(TECHNOLOGIES[t].default_dram) for t in tech_names], dtype=np.int64
        )
        dtype_code = c["dram_type"].astype(np.int64)
        c["dram_type"] = np.where(dtype_code < 0, node_default[c["technology"]], dtype_code)
        pj = c["dram_pj_per_byte"]
        _check("dram_pj_per_byte", np.isnan(pj) | (pj >= 0), pj, "must be >= 0")
        type_energy = np.array(
            [DRAM_TYPES[t].energy_pj_per_byte for t in dram_names], dtype=np.float64
        )
        c["dram_pj_per_byte"] = np.where(np.isnan(pj), type_energy[c["dram_type"]], pj)
        for name in ("port_bytes", "staging_kib"):
            v = c[name]
            _check(name, np.isnan(v) | (v > 0), v, "must be > 0")

        return cls(
            clock_mhz=c["clock_mhz"],
            precision=c["precision"],
            bytes_per_element=_BPE_BY_CODE[c["precision"]],
            accumulator_bits=acc,
            accumulator_bytes=(acc + 7) // 8,
            units=c["units"],
            rows=c["rows"],
            cols=c["cols"],
            dataflow=c["dataflow"],
            lanes=c["lanes"],
            unified=unified,
            unified_kib=c["unified_kib"],
            input_kib=c["input_kib"],
            weight_kib=c["weight_kib"],
            output_kib=c["output_kib"],
            double_buffering=c["double_buffering"],
            dram_gbps=c["dram_gbps"],
            dram_pj_per_byte=c["dram_pj_per_byte"],
            technology=c["technology"],
            dram_type=c["dram_type"],
            port_bytes=c["port_bytes"],
            staging_kib=c["staging_kib"],
            fold_overlap=c["fold_overlap"],
            fusion=c["fusion"],
            residency=c["residency"],
            weight_sparsity=c["weight_sparsity"],
            winograd=c["winograd"],
        )

    @classmethod
    def from_archs(cls, archs: list[Arch]) -> ConfigBatch:
        """Convert typed architecture specs (one row each, in order)."""
        from accelscope.targets.asic.arch import get_technology

        if not archs:
            raise SpecError("from_archs needs at least one architecture")
        nan = math.nan

        def col(get: Any) -> list[Any]:
            return [get(a) for a in archs]

        def opt(v: float | None) -> float:
            return nan if v is None else float(v)

        return cls.from_columns(
            clock_mhz=col(lambda a: a.clock_mhz),
            rows=col(lambda a: a.tensor_units.rows),
            cols=col(lambda a: a.tensor_units.cols),
            units=col(lambda a: a.tensor_units.count),
            dataflow=col(lambda a: a.tensor_units.dataflow),
            lanes=col(lambda a: a.vector_unit.lanes),
            precision=col(lambda a: a.precision),
            accumulator_bits=col(lambda a: a.accumulator_bits),
            unified_kib=col(lambda a: opt(a.buffers.unified_kib)),
            input_kib=col(lambda a: opt(a.buffers.input_kib)),
            weight_kib=col(lambda a: opt(a.buffers.weight_kib)),
            output_kib=col(lambda a: opt(a.buffers.output_kib)),
            double_buffering=col(lambda a: a.buffers.double_buffering),
            dram_gbps=col(lambda a: a.dram.bandwidth_gbps),
            dram_pj_per_byte=col(lambda a: opt(a.dram.energy_pj_per_byte)),
            technology=col(lambda a: a.technology),
            dram_type=[a.dram.type or get_technology(a.technology).default_dram for a in archs],
            port_bytes=col(lambda a: opt(a.buffers.port_bytes_per_cycle)),
            staging_kib=col(lambda a: opt(a.buffers.staging_kib)),
            fold_overlap=col(lambda a: a.execution.fold_overlap),
            fusion=col(lambda a: a.execution.fusion),
            residency=col(lambda a: a.execution.residency),
            weight_sparsity=col(lambda a: a.execution.weight_sparsity),
            winograd=col(lambda a: a.execution.winograd),
        )

    # ---- selection / conversion ------------------------------------------------------
    def take(self, indices: Any) -> ConfigBatch:
        """Rows ``indices`` (integer array, slice or boolean mask) as a new batch."""
        idx = indices if isinstance(indices, slice) else np.asarray(indices)
        return ConfigBatch(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def row(self, i: int) -> dict[str, Any]:
        """Row ``i`` as a dict of Python scalars with names for categorical columns."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)[i].item()
            out[f.name] = v
        for column in CATEGORICAL_COLUMNS:
            out[column] = category_names(column)[out[column]]
        return out

    def to_arch(self, i: int, name: str | None = None) -> Arch:
        """Row ``i`` as a typed :class:`targets.asic.arch.Arch` (DRAM energy made explicit)."""
        from accelscope.targets.asic.arch import arch_from_dict
        from accelscope.targets.asic.arch.spec import Execution

        r = self.row(i)
        if r["unified"]:
            buffers: dict[str, Any] = {"unified_kib": r["unified_kib"]}
        else:
            buffers = {k: r[k] for k in ("input_kib", "weight_kib", "output_kib")}
        buffers["double_buffering"] = r["double_buffering"]
        for key, field_name in (("port_bytes", "port_bytes_per_cycle"), ("staging_kib", None)):
            if not math.isnan(r[key]):
                buffers[field_name or key] = r[key]
        data = {
            "name": name or f"config{i}",
            "clock_mhz": r["clock_mhz"],
            "precision": r["precision"],
            "accumulator_bits": r["accumulator_bits"],
            "tensor_units": {
                "count": r["units"],
                "rows": r["rows"],
                "cols": r["cols"],
                "dataflow": r["dataflow"],
            },
            "vector_unit": {"lanes": r["lanes"]},
            "buffers": buffers,
            "dram": {
                "bandwidth_gbps": r["dram_gbps"],
                "type": r["dram_type"],
                "energy_pj_per_byte": r["dram_pj_per_byte"],
            },
            "technology": r["technology"],
            "execution": {k: r[k] for k in Execution.model_fields},
        }
        return arch_from_dict(data, source=f"config row {i}")


__all__ = [
    "AUTO_CODE",
    "ConfigBatch",
    "DATAFLOW_NAMES",
    "FOLD_OVERLAP_NAMES",
    "FUSION_NAMES",
    "PRECISIONS",
    "RESIDENCY_NAMES",
    "dram_type_names",
    "technology_names",
]
