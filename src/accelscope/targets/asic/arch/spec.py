"""The accelerator spec: a typed, validated description of one hardware configuration.

The template is a set of identical weight/output/input-stationary systolic arrays
(``tensor_units``), an element-wise ``vector_unit``, on-chip SRAM ``buffers`` (one unified
buffer or separate input/weight/output buffers) and one off-chip ``dram`` channel. The YAML
schema is documented in ``docs/architectures.md``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from accelscope.precision import BYTES_PER_ELEMENT, Precision

_CONFIG = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _from_numpy(value: Any) -> Any:
    """NumPy scalars (from design-space arrays) become Python scalars; nothing else changes.

    Numeric fields are otherwise strict, so ``"16"``, ``16.0`` or ``true`` for an integer
    field are reported instead of silently converted.
    """
    if isinstance(value, np.generic):
        return value.item()
    return value


_Numpy = BeforeValidator(_from_numpy)
#: Bounds keep every product within int64/float64 arrays (2^31 PEs per side is far above
#: any real array; 1e12 covers KiB, GB/s and pJ figures); beyond them, a clear error.
PosInt = Annotated[int, Field(gt=0, le=(1 << 31) - 1, strict=True), _Numpy]
PosFloat = Annotated[float, Field(gt=0, le=1e12, allow_inf_nan=False, strict=True), _Numpy]
StrictBool = Annotated[bool, Field(strict=True), _Numpy]
Dataflow = Literal["ws", "os", "is", "auto"]


class TensorUnits(BaseModel):
    """``count`` identical systolic arrays of ``rows`` x ``cols`` PEs sharing the work."""

    model_config = _CONFIG

    count: PosInt = 1
    rows: PosInt
    cols: PosInt
    dataflow: Dataflow = "ws"

    @property
    def pe_count(self) -> int:
        return self.count * self.rows * self.cols


class VectorUnit(BaseModel):
    """Element-wise unit: ``lanes`` operations per cycle."""

    model_config = _CONFIG

    lanes: PosInt = 16


class Buffers(BaseModel):
    """On-chip SRAM in KiB: ``unified_kib`` alone, or all of input/weight/output_kib."""

    model_config = _CONFIG

    unified_kib: PosFloat | None = None
    input_kib: PosFloat | None = None
    weight_kib: PosFloat | None = None
    output_kib: PosFloat | None = None
    double_buffering: StrictBool = True
    #: Port width of every buffer in bytes per cycle (None: wide enough to feed every
    #: array at full rate, derived from the array edge; see docs/architectures.md).
    port_bytes_per_cycle: PosFloat | None = None
    #: KiB of the activation buffer (input, or unified) reserved for staging tiles; the
    #: rest may keep activations on chip between layers (None: the default split).
    staging_kib: PosFloat | None = None

    @model_validator(mode="after")
    def _one_layout(self) -> Buffers:
        separate = (self.input_kib, self.weight_kib, self.output_kib)
        n_separate = sum(v is not None for v in separate)
        if self.unified_kib is not None and n_separate == 0:
            return self
        if self.unified_kib is None and n_separate == 3:
            return self
        if self.unified_kib is not None:
            raise ValueError(
                "give either unified_kib alone or input_kib, weight_kib and output_kib, not both"
            )
        missing = [
            n
            for n, v in zip(("input_kib", "weight_kib", "output_kib"), separate, strict=True)
            if v is None
        ]
        raise ValueError(
            "give either unified_kib alone or all of input_kib, weight_kib and output_kib "
            f"(missing: {', '.join(missing)})"
        )

    @property
    def is_unified(self) -> bool:
        return self.unified_kib is not None

    @property
    def total_kib(self) -> float:
        """Total on-chip SRAM capacity in KiB."""
        if self.unified_kib is not None:
            return self.unified_kib
        return float(self.input_kib + self.weight_kib + self.output_kib)  # type: ignore[operator]


class Dram(BaseModel):
    """Off-chip memory: bandwidth in GB/s (1e9 bytes/s), type, optional energy per byte.

    ``type`` (ddr3, ddr4, lpddr4, lpddr5, hbm2; default: the node's usual generation) sets
    the DRAM access energy and the area and power of the PHY on the die;
    ``energy_pj_per_byte`` overrides the DRAM-side energy only.
    """

    model_config = _CONFIG

    bandwidth_gbps: PosFloat
    type: str | None = None
    energy_pj_per_byte: PosFloat | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None:
            from accelscope.targets.asic.arch.dram import get_dram_type

            get_dram_type(value)
        return value


class Execution(BaseModel):
    """How the accelerator sequences work (docs/assumptions.md, part 2).

    ``fold_overlap``: ``pipelined`` (double-buffered stationary operands, fill and drain
    paid once per GEMM) or ``none`` (every fold pays preload, fill and drain).
    ``fusion``: ``standard`` (BatchNorm folded into the preceding conv/linear, element-wise
    consumers of a GEMM fused per output tile) or ``none``.
    ``residency``: ``standard`` (activations that fit stay on chip between layers) or
    ``none`` (every layer reads its inputs from and writes its output to DRAM).
    ``weight_sparsity``: what the hardware does with sparse weights (layers with a
    ``sparsity`` field): ``none`` (stored and computed dense), ``compressed`` (stored and
    moved in a bitmap-compressed format; the dense array still computes every fold) or
    ``block`` (compressed, and folds whose weight tile is an all-zero block are skipped);
    docs/assumptions.md, "Weight sparsity".
    ``winograd``: ``f2x2_3x3`` runs 3x3 stride-1 convolutions as Winograd F(2x2, 3x3)
    (2.25x fewer multiplies, weights stored transformed: 16/9 of the bytes; transform
    adders at the array's edges) or ``none``; docs/assumptions.md, "Winograd".
    """

    model_config = _CONFIG

    fold_overlap: Literal["none", "pipelined"] = "pipelined"
    fusion: Literal["none", "standard"] = "standard"
    residency: Literal["none", "standard"] = "standard"
    weight_sparsity: Literal["none", "compressed", "block"] = "none"
    winograd: Literal["none", "f2x2_3x3"] = "none"


class Arch(BaseModel):
    """One accelerator configuration (see ``docs/architectures.md``)."""

    model_config = _CONFIG

    spec_version: Literal[1] = 1
    name: str = "custom"
    description: str = ""
    clock_mhz: PosFloat
    precision: Precision = "int8"
    accumulator_bits: Annotated[int, Field(ge=8, le=64, strict=True), _Numpy] = 32
    tensor_units: TensorUnits
    vector_unit: VectorUnit = VectorUnit()
    buffers: Buffers
    dram: Dram
    technology: str = "28nm"
    execution: Execution = Execution()

    @field_validator("technology")
    @classmethod
    def _known_technology(cls, value: str) -> str:
        # Raises UnknownNameError (not a ValueError), so pydantic lets it propagate.
        from accelscope.targets.asic.arch.technology import get_technology

        get_technology(value)
        return value

    @model_validator(mode="after")
    def _clock_within_node(self) -> Arch:
        from accelscope.targets.asic.arch.technology import get_technology

        tech = get_technology(self.technology)
        if self.clock_mhz > tech.max_clock_mhz:
            raise ValueError(
                f"clock_mhz: {self.clock_mhz:g} MHz is above the {tech.max_clock_mhz:.0f} MHz "
                f"a {tech.name} datapath reaches at {tech.max_vdd_v:.2f} V (alpha-power V-f "
                "model, docs/assumptions.md part 4)"
            )
        return self

    # ---- convenience ------------------------------------------------------------------
    @property
    def pe_count(self) -> int:
        """Total multiply-accumulate units over all tensor units."""
        return self.tensor_units.pe_count

    @property
    def peak_macs_per_s(self) -> float:
        """Peak MAC/s = PEs x clock (one MAC per PE per cycle)."""
        return self.pe_count * self.clock_mhz * 1e6

    @property
    def peak_ops_per_s(self) -> float:
        """Peak op/s counting a MAC as two operations (the usual TOPS convention)."""
        return 2.0 * self.peak_macs_per_s

    @property
    def bytes_per_element(self) -> int:
        """Storage bytes of one operand element at :attr:`precision`."""
        return BYTES_PER_ELEMENT[self.precision]

    @property
    def accumulator_bytes(self) -> int:
        """Storage bytes of one accumulator (partial sum), rounded up to whole bytes."""
        return math.ceil(self.accumulator_bits / 8)

    @property
    def dram_bytes_per_cycle(self) -> float:
        """Sustained DRAM bandwidth in bytes per accelerator clock cycle (peak times
        :data:`accelscope.targets.asic.arch.dram.SUSTAINED_BANDWIDTH_FRACTION`)."""
        from accelscope.targets.asic.arch.dram import SUSTAINED_BANDWIDTH_FRACTION

        return (
            self.dram.bandwidth_gbps * 1e9 / (self.clock_mhz * 1e6) * SUSTAINED_BANDWIDTH_FRACTION
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping (JSON/YAML-safe) that :func:`arch_from_dict` reads back."""
        return self.model_dump(mode="json")

    def updated(self, changes: dict[str, Any]) -> Arch:
        """A validated copy with dotted-path ``changes``, e.g. ``{"tensor_units.rows": 32}``."""
        from accelscope.targets.asic.arch.presets import arch_from_dict

        data = self.to_dict()
        for path, value in changes.items():
            node = data
            keys = path.split(".")
            for key in keys[:-1]:
                node = node.setdefault(key, {})
            node[keys[-1]] = value
        return arch_from_dict(data, source=f"<{self.name} updated>")
