"""Constraints and objectives written as simple text, parsed without ``eval``.

A constraint is ``NAME OP NUMBER`` (``area_mm2 <= 50``, ``power_w < 5``, ``rows >= 32``),
where NAME is a metric of the evaluation result or a design parameter. An objective is a
metric name with a direction (``latency`` is minimized, ``throughput`` maximized, unless
prefixed with ``min:`` or ``max:``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from accelscope.errors import SpecError, suggest
from accelscope.targets.asic import OBJECTIVES as ASIC_OBJECTIVES

_OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
    "!=": operator.ne,
}
_PATTERN = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*"
    r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$"
)

#: Objective aliases of the ASIC target -> (metric column, default direction).
OBJECTIVES: Mapping[str, tuple[str, str]] = ASIC_OBJECTIVES


@dataclass(frozen=True)
class Constraint:
    """``name op bound``; ``holds(values)`` is vectorized over configurations."""

    name: str
    op: str
    bound: float
    text: str

    def holds(self, values: np.ndarray) -> np.ndarray:
        return _OPS[self.op](np.asarray(values), self.bound)


@dataclass(frozen=True)
class Objective:
    """A metric column and its direction (``min`` or ``max``)."""

    metric: str
    direction: str

    @property
    def label(self) -> str:
        return f"{self.direction}:{self.metric}"

    def as_minimized(self, values: np.ndarray) -> np.ndarray:
        """The values oriented so that smaller is better."""
        v = np.asarray(values, dtype=np.float64)
        return v if self.direction == "min" else -v


def parse_constraint(text: str, known: list[str]) -> Constraint:
    """Parse ``NAME OP NUMBER``; NAME must be one of *known* (metrics and parameters)."""
    match = _PATTERN.match(text)
    if not match:
        raise SpecError(
            f"constraint '{text}': expected NAME OP NUMBER, e.g. 'area_mm2 <= 50' "
            "(OP is one of <=, <, >=, >, ==, !=)"
        )
    name, op, number = match.groups()
    if name not in known:
        raise SpecError(
            f"constraint '{text}': unknown name '{name}'{suggest(name, known)}; "
            f"known: {', '.join(sorted(known))}"
        )
    return Constraint(name=name, op=op, bound=float(number), text=text.strip())


def parse_objective(
    text: str, objectives: Mapping[str, tuple[str, str]] | None = None
) -> Objective:
    """Parse ``latency``, ``max:throughput``, ``min:area_mm2`` ... into an :class:`Objective`.

    *objectives* maps aliases to (metric, direction); default: the ASIC target's."""
    table = OBJECTIVES if objectives is None else objectives
    raw = text.strip()
    direction = None
    if ":" in raw:
        direction, _, raw = raw.partition(":")
        direction = direction.strip().lower()
        if direction not in ("min", "max"):
            raise SpecError(f"objective '{text}': direction must be 'min' or 'max'")
    key = raw.strip().lower()
    if key not in table:
        raise SpecError(
            f"objective '{text}': unknown objective '{key}'{suggest(key, list(table))}; "
            f"known: {', '.join(table)}"
        )
    metric, default = table[key]
    return Objective(metric=metric, direction=direction or default)
