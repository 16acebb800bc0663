"""FPGA boards: device resources, external memory bandwidth and a typical clock.

The bundled table (``boards.yaml``) cites the vendor document of every figure. A board
can also be given as a YAML file with the same fields (``name`` plus the fields of one
entry), for devices the table does not list.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accelscope.errors import SpecError, UnknownNameError, suggest

BOARDS_FILE = Path(__file__).with_name("boards.yaml")

#: Device families: the DSP slice differs (DSP48E1 on 7 series, DSP48E2 on UltraScale(+)).
Family = Literal["7series", "ultrascale", "ultrascale+"]


class Board(BaseModel):
    """One FPGA board: resource totals of its device and its memory bandwidth."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    device: str
    family: Family
    dsp: int = Field(gt=0, le=100_000)
    bram18: int = Field(ge=0, le=100_000)
    uram: int = Field(default=0, ge=0, le=100_000)
    lut: int = Field(gt=0, le=100_000_000)
    ff: int = Field(gt=0, le=100_000_000)
    dram_gbps: float = Field(gt=0, le=100_000)
    clock_mhz: float = Field(gt=0, le=2_000)
    source: str = ""

    def resources(self) -> dict[str, int]:
        """Available resources by name (the keys of a design's resource report)."""
        return {
            "dsp": self.dsp,
            "bram18": self.bram18,
            "uram": self.uram,
            "lut": self.lut,
            "ff": self.ff,
        }


@cache
def _bundled() -> dict[str, Board]:
    data = yaml.safe_load(BOARDS_FILE.read_text(encoding="utf-8"))
    return {name: Board(name=name, **entry) for name, entry in data["boards"].items()}


def list_boards() -> list[str]:
    """Names of the bundled boards, in the table's order (smallest device first)."""
    return list(_bundled())


def board_from_dict(data: Any, source: str = "<dict>") -> Board:
    """Validate a mapping into a :class:`Board` (errors name *source* and the field)."""
    from accelscope.workload.yaml_import import format_validation_error

    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping with name, device, dsp, bram18, ...")
    try:
        return Board.model_validate(data)
    except ValidationError as err:
        raise SpecError(format_validation_error(err, source, data)) from None


def get_board(name_or_path: str | Path) -> Board:
    """A bundled board by name, or a board YAML file."""
    text = str(name_or_path)
    if text in _bundled():
        return _bundled()[text]
    if text.lower().endswith((".yaml", ".yml")) or "/" in text:
        from accelscope.yamlfile import read_yaml

        return board_from_dict(read_yaml(text), Path(text).name)
    known = list_boards()
    raise UnknownNameError(
        f"unknown board '{text}'{suggest(text, known)}; available: {', '.join(known)}, "
        "or a board .yaml file"
    )
