"""Design spaces: a grid of accelerator parameters, enumerated lazily in chunks.

Each parameter is fixed, a list of values, a linear range, a range of powers of two, or
tied to another parameter (``cols: {tie: rows}``). Parameter names are the columns of
:meth:`targets.asic.cost.ConfigBatch.from_columns`. The grid is never materialized: a flat
index ``i`` in ``[0, size)`` is decoded mixed-radix into one value per free axis, so a
10^7-point space costs nothing until a chunk of it is evaluated.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from accelscope.errors import InputFileError, SpecError, UnknownNameError, suggest
from accelscope.limits import MAX_SPACE_POINTS, MAX_VALUES_PER_PARAMETER
from accelscope.targets.asic import CATEGORICAL_PARAMETERS, NUMERIC_PARAMETERS

#: Parameters an ASIC design space may set (other targets: ``space.target_model``).
PARAMETERS = NUMERIC_PARAMETERS + CATEGORICAL_PARAMETERS


SPACES_DIR = Path(__file__).with_name("spaces")

Scalar = int | float | str | bool


class RangeSpec(BaseModel):
    """Inclusive linear range ``start, start+step, ..., <= stop``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: float
    stop: float
    step: float = Field(gt=0)


class Pow2Spec(BaseModel):
    """Powers of two from ``min`` to ``max`` inclusive (both must be powers of two)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float = Field(gt=0)
    max: float = Field(gt=0)

    @field_validator("min", "max")
    @classmethod
    def _power_of_two(cls, v: float) -> float:
        exp = math.log2(v)
        if abs(exp - round(exp)) > 1e-9:
            raise ValueError(f"{v:g} is not a power of two")
        return v


class ParamSpec(BaseModel):
    """One parameter: exactly one of value, values, range, pow2, tie."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: Scalar | None = None
    values: list[Scalar] | None = Field(default=None, min_length=1)
    range: RangeSpec | None = None
    pow2: Pow2Spec | None = None
    tie: str | None = None

    def model_post_init(self, __context: Any) -> None:
        given = [
            k for k in ("value", "values", "range", "pow2", "tie") if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of value, values, range, pow2, tie"
                + (f" (got {', '.join(given)})" if given else "")
            )

    def grid(self) -> list[Scalar]:
        """The values of this parameter (not for ties)."""
        if self.value is not None:
            return [self.value]
        if self.values is not None:
            return list(dict.fromkeys(self.values))  # dedupe, keep order
        if self.range is not None:
            r = self.range
            if r.stop < r.start:
                raise ValueError(f"range stop {r.stop:g} is below start {r.start:g}")
            count = (r.stop - r.start) / r.step + 1e-9
            if not math.isfinite(count) or count >= MAX_VALUES_PER_PARAMETER:
                raise ValueError(
                    f"range {r.start:g}..{r.stop:g} in steps of {r.step:g} gives more than "
                    f"{MAX_VALUES_PER_PARAMETER:,} values; use a larger step"
                )
            n = int(math.floor(count)) + 1
            vals = [r.start + i * r.step for i in range(n)]
            return [int(v) if float(v).is_integer() else v for v in vals]
        if self.pow2 is not None:
            lo, hi = round(math.log2(self.pow2.min)), round(math.log2(self.pow2.max))
            if hi - lo >= 1024:
                raise ValueError(f"pow2 {self.pow2.min:g}..{self.pow2.max:g} spans too many values")
            if hi < lo:
                raise ValueError(f"pow2 max {self.pow2.max:g} is below min {self.pow2.min:g}")
            return [int(2**e) if e >= 0 else 2.0**e for e in range(lo, hi + 1)]
        raise ValueError("a tied parameter has no grid of its own")


def _shorthand(value: Any) -> Any:
    """``64`` -> {value: 64}; ``[16, 32]`` -> {values: [...]}; dicts pass through."""
    if isinstance(value, dict):
        out = dict(value)
        for key in ("range", "pow2"):
            if isinstance(out.get(key), list):
                names = ("start", "stop", "step") if key == "range" else ("min", "max")
                out[key] = dict(zip(names, out[key], strict=False))
        return out
    if isinstance(value, list):
        return {"values": value}
    return {"value": value}


class DesignSpace(BaseModel):
    """A grid of accelerator parameters plus constraints (see module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spec_version: Literal[1] = 1
    target: Literal["asic", "fpga"] = "asic"
    name: str = "space"
    description: str = ""
    parameters: dict[str, ParamSpec]
    constraints: list[str] = Field(default_factory=list)

    @field_validator("parameters", mode="before")
    @classmethod
    def _expand(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: _shorthand(val) for k, val in v.items()}
        return v

    def model_post_init(self, __context: Any) -> None:
        size = 1
        known = self.target_model.parameters
        for name, spec in self.parameters.items():
            if name not in known:
                raise ValueError(
                    f"unknown parameter '{name}' for the {self.target} target"
                    f"{suggest(name, list(known))}"
                )
            if spec.tie is not None:
                if spec.tie not in self.parameters:
                    raise ValueError(
                        f"parameter '{name}' is tied to unknown parameter '{spec.tie}'"
                    )
                if self.parameters[spec.tie].tie is not None:
                    raise ValueError(f"parameter '{name}' is tied to '{spec.tie}', itself tied")
            else:
                try:
                    size *= len(spec.grid())
                except ValueError as exc:
                    raise ValueError(f"parameter '{name}': {exc}") from None
        if size > MAX_SPACE_POINTS:
            raise ValueError(
                f"the space has {size:.3g} points, more than the {MAX_SPACE_POINTS:.3g} "
                "(2^53) a grid index can address; narrow some parameters"
            )
        self.target_model.check_space(self.parameters)

    @property
    def target_model(self):
        """The :class:`~accelscope.targets.Target` this space's points are evaluated on."""
        from accelscope.targets import get_target

        return get_target(self.target)

    # ---- grid ---------------------------------------------------------------------
    @property
    def axes(self) -> list[tuple[str, np.ndarray]]:
        """Free axes (name, values) in enumeration order; the first varies slowest."""
        out = []
        for name, spec in self.parameters.items():
            if spec.tie is None:
                out.append((name, self._column_values(name, spec.grid())))
        return out

    @property
    def size(self) -> int:
        return math.prod(len(v) for _, v in self.axes)

    def columns(self, indices: np.ndarray) -> dict[str, np.ndarray]:
        """Parameter columns for flat grid *indices* (mixed-radix decode, vectorized)."""
        idx = np.asarray(indices, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= self.size):
            raise IndexError(f"grid index out of range 0..{self.size - 1}")
        cols: dict[str, np.ndarray] = {}
        rest = idx.copy()
        for name, values in reversed(self.axes):
            rest, digit = np.divmod(rest, len(values))
            cols[name] = values[digit]
        for name, spec in self.parameters.items():
            if spec.tie is not None:
                cols[name] = cols[spec.tie]
        return {name: cols[name] for name in self.parameters}

    def canonical(self, indices: np.ndarray) -> np.ndarray:
        """The grid index that stands for each of *indices*: axes the target ignores for a
        point (an FPGA pipeline has no generic engine) are set to their first value, so
        points that differ only there share one index."""
        idx = np.asarray(indices, dtype=np.int64)
        ignored = self.target_model.ignored_parameters(self.columns(idx)) if idx.size else {}
        if not ignored:
            return idx
        axes = self.axes
        digits = []
        rest = idx.copy()
        for _, values in reversed(axes):
            rest, digit = np.divmod(rest, len(values))
            digits.append(digit)
        digits.reverse()
        flat = np.zeros_like(idx)
        for (name, values), digit in zip(axes, digits, strict=True):
            if name in ignored:
                digit = np.where(ignored[name], 0, digit)
            flat = flat * len(values) + digit
        return flat

    def configs(self, indices: np.ndarray):
        """A :class:`~targets.asic.cost.ConfigBatch` for flat grid *indices* (ASIC only)."""
        return self.target_model.configs(self.columns(indices))

    def design(self, index: int) -> dict[str, Any]:
        """Every design parameter of grid point *index* (defaults included, labels)."""
        return self.target_model.full_design(self.columns(np.array([index])))

    def design_spec(self, index: int, name: str):
        """Grid point *index* as its target's spec (an Arch, an FpgaDesign)."""
        return self.target_model.design_spec(self.columns(np.array([index])), name)

    def _column_values(self, name: str, grid: list[Scalar]) -> np.ndarray:
        """Grid values as a NumPy column; categoricals become integer codes."""
        codes = self.target_model.parameter_codes(name, grid)
        if codes is not None:
            return codes
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in grid):
            raise SpecError(f"parameter '{name}': expected numbers, got {grid!r}")
        as_float = np.asarray(grid, dtype=np.float64)
        if not np.all(np.isfinite(as_float)) or np.any(np.abs(as_float) > 1e12):
            raise SpecError(
                f"parameter '{name}': values must be finite numbers of at most 1e12, got {grid!r}"
            )
        return np.asarray(grid)

    def all_indices(self) -> np.ndarray:
        return np.arange(self.size, dtype=np.int64)

    def describe(self) -> dict[str, Any]:
        """JSON-ready summary: size and the values of every axis."""
        return {
            "name": self.name,
            "target": self.target,
            "size": self.size,
            "parameters": {
                name: ({"tie": spec.tie} if spec.tie is not None else spec.grid())
                for name, spec in self.parameters.items()
            },
            "constraints": list(self.constraints),
        }


def space_from_dict(data: Any, source: str = "<dict>") -> DesignSpace:
    """Validate a mapping into a :class:`DesignSpace` (errors name the source and field)."""
    from accelscope.workload.yaml_import import format_validation_error

    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping with 'parameters' at top level")
    if "spec_version" in data and data["spec_version"] != 1:
        raise SpecError(
            f"{source}: spec_version: unsupported version {data['spec_version']!r}; expected 1"
        )
    try:
        space = DesignSpace.model_validate(data)
    except ValidationError as err:
        raise SpecError(format_validation_error(err, source, data)) from None
    try:
        _ = space.axes  # resolve categorical names now, with a clear error
    except SpecError as err:
        raise SpecError(
            f"{source}: parameters.{err}".replace("parameter '", "", 1).replace("': ", ": ", 1)
        ) from None
    return space


def list_spaces() -> list[str]:
    return sorted(p.stem for p in SPACES_DIR.glob("*.yaml"))


def load_space(name_or_path: str | Path | None = None) -> DesignSpace:
    """Load a packaged space by name (default: ``default``) or a YAML file."""
    if name_or_path is None:
        name_or_path = "default"
    text = str(name_or_path)
    path = Path(text)
    looks_like_file = path.suffix.lower() in (".yaml", ".yml") or path.exists() or "/" in text
    if not looks_like_file:
        if text not in list_spaces():
            raise UnknownNameError(
                f"unknown design space '{text}'{suggest(text, list_spaces())}; "
                f"packaged: {', '.join(list_spaces())}, or give a .yaml file"
            )
        path = SPACES_DIR / f"{text}.yaml"
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputFileError(f"{path}: not valid YAML{where}") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not a text file (expected a design-space YAML)") from None
    except OSError as err:
        raise InputFileError(f"{path}: cannot read ({err.strerror})") from None
    return space_from_dict(data, str(path))
