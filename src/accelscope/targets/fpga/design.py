"""An FPGA accelerator design: board, paradigm, precision and engine sizes (a spec).

YAML form (every field but ``target`` optional)::

    spec_version: 1
    target: fpga
    name: my-design
    board: zc706            # bundled board name (accelscope board list)
    paradigm: hybrid        # pipeline | generic | hybrid
    precision: int16        # int8 | int16 | fp32
    clock_mhz: 200          # default: the board's typical clock
    dram_gbps: 12.8         # default: the board's memory bandwidth
    pipeline_layers: 4      # hybrid: layers run as a pipeline before the generic engine
    generic:                # the generic engine (generic and hybrid paradigms)
      pixel_par: 4
      ci_par: 16
      co_par: 16
      input_kib: 64         # per copy; buffers are double-buffered
      weight_kib: 128
      output_kib: 64

Without ``generic``, the engine is sized to the board (:func:`default_generic`); without
``pipeline_layers``, a hybrid pipelines the first third of the layers that have GEMM work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accelscope.errors import SpecError
from accelscope.targets.fpga.boards import Board, get_board
from accelscope.targets.fpga.resources import BITS, DSP_PER_MAC, banked_memory

Paradigm = Literal["pipeline", "generic", "hybrid"]
PARADIGMS: tuple[str, ...] = ("pipeline", "generic", "hybrid")
FpgaPrecision = Literal["int8", "int16", "fp32"]

#: Share of the board's DSPs and block RAM a default generic engine uses.
DEFAULT_DSP_SHARE = 0.8
DEFAULT_BRAM_SHARE = 0.6


class GenericEngine(BaseModel):
    """Unrolling (pixels x input channels x output channels) and buffer sizes (KiB per
    copy) of the reusable engine."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    pixel_par: int = Field(ge=1, le=4096)
    ci_par: int = Field(ge=1, le=4096)
    co_par: int = Field(ge=1, le=4096)
    input_kib: float = Field(gt=0, le=1e6)
    weight_kib: float = Field(gt=0, le=1e6)
    output_kib: float = Field(gt=0, le=1e6)

    @property
    def lanes(self) -> int:
        return self.pixel_par * self.ci_par * self.co_par


class FpgaDesign(BaseModel):
    """One FPGA accelerator design (see module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    spec_version: Literal[1] = 1
    target: Literal["fpga"] = "fpga"
    name: str = "fpga-design"
    board: str = "zc706"
    paradigm: Paradigm = "pipeline"
    precision: FpgaPrecision = "int16"
    clock_mhz: float | None = Field(default=None, gt=0, le=2000)
    dram_gbps: float | None = Field(default=None, gt=0, le=100_000)
    pipeline_layers: int | None = Field(default=None, ge=0, le=100_000)
    generic: GenericEngine | None = None

    def to_dict(self) -> dict[str, Any]:
        """The design as its YAML mapping (unset defaults left out)."""
        return self.model_dump(mode="json", exclude_none=True)

    def board_spec(self) -> Board:
        return get_board(self.board)

    def resolved(self) -> FpgaDesign:
        """The design with board defaults filled in (clock, bandwidth, generic engine)."""
        board = self.board_spec()
        generic = self.generic
        if generic is None and self.paradigm != "pipeline":
            share = 0.5 if self.paradigm == "hybrid" else 1.0
            generic = default_generic(board, self.precision, share)
        return self.model_copy(
            update={
                "clock_mhz": self.clock_mhz or board.clock_mhz,
                "dram_gbps": self.dram_gbps or board.dram_gbps,
                "generic": generic,
            }
        )

    def columns(self) -> dict[str, np.ndarray]:
        """The design as one row of FPGA design-space columns (names as parameters)."""
        d = self.resolved()
        g = d.generic or GenericEngine(
            pixel_par=1, ci_par=1, co_par=1, input_kib=1, weight_kib=1, output_kib=1
        )
        row: dict[str, Any] = {
            "board": d.board,
            "paradigm": d.paradigm,
            "precision": d.precision,
            "clock_mhz": d.clock_mhz,
            "dram_gbps": d.dram_gbps,
            "pipeline_layers": -1 if d.pipeline_layers is None else d.pipeline_layers,
            **g.model_dump(),
        }
        return {k: np.asarray([v]) for k, v in row.items()}


def default_generic(board: Board, precision: str, dsp_share: float = 1.0) -> GenericEngine:
    """A generic engine sized to *board*: the largest power-of-two unrolling within
    ``DEFAULT_DSP_SHARE x dsp_share`` of the DSPs (input x output channels up to 32 x 32,
    then pixels), and buffers (input : weight : output = 1 : 2 : 1, both ping-pong copies
    counted by the block-RAM rules) halved until they take at most
    ``DEFAULT_BRAM_SHARE x dsp_share`` of the block RAM."""
    lanes = int(DEFAULT_DSP_SHARE * dsp_share * board.dsp / DSP_PER_MAC[precision])
    lanes = 1 << max(lanes.bit_length() - 1, 0)
    ci = co = 1
    while ci * co < lanes and (ci < 32 or co < 32):
        if ci <= co:
            ci *= 2
        else:
            co *= 2
    pp = max(lanes // (ci * co), 1)
    bits = BITS[precision]
    budget = DEFAULT_BRAM_SHARE * dsp_share * board.bram18
    kib = board.bram18 * 18 / 8 * DEFAULT_BRAM_SHARE * dsp_share / 2

    def blocks(k: float) -> int:
        total = 0
        for share, banks in ((0.25, ci * pp), (0.5, ci * co), (0.25, co * pp)):
            words = int(k * share * 8192 / bits)
            total += 2 * int(banked_memory(words, banks, bits, False)[0])
        return total

    while kib > 1 and blocks(kib) > budget:
        kib /= 2
    return GenericEngine(
        pixel_par=pp,
        ci_par=ci,
        co_par=co,
        input_kib=round(kib / 4, 2),
        weight_kib=round(kib / 2, 2),
        output_kib=round(kib / 4, 2),
    )


def design_from_dict(data: Any, source: str = "<dict>") -> FpgaDesign:
    """Validate a mapping into an :class:`FpgaDesign` (errors name *source* and field)."""
    from accelscope.workload.yaml_import import format_validation_error

    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping with target: fpga at top level")
    try:
        design = FpgaDesign.model_validate(data)
    except ValidationError as err:
        raise SpecError(format_validation_error(err, source, data)) from None
    from accelscope.errors import UnknownNameError

    try:
        design.board_spec()  # unknown board: one clear error now
    except UnknownNameError as err:
        raise UnknownNameError(f"{source}: board: {err}") from None
    return design


def load_design(path: str | Path) -> FpgaDesign:
    """An :class:`FpgaDesign` from a YAML file."""
    from accelscope.yamlfile import read_yaml

    return design_from_dict(read_yaml(path), Path(path).name)
