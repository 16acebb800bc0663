"""The target interface: what explore, multi and the reports need from a hardware model.

A target owns its design-space parameters (numeric ones, and categorical ones with their
labels: a column stores the index of the label), its metric columns, its objective
aliases, and a vectorized evaluator from parameter columns to metric columns. Nothing
outside a target's package asks which target it is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from accelscope.errors import UnknownNameError, suggest

TARGETS: tuple[str, ...] = ("asic", "fpga")


@dataclass(frozen=True)
class LayerCosts:
    """One design's cost of every layer of a network (``codesign``'s input): cycles and
    energy per layer (NaN where the target does not model energy), the clock, and the
    sub-batch the network ran at (None when the target has no sub-batching)."""

    cycles: np.ndarray
    energy_j: np.ndarray
    clock_hz: float
    sub_batch: int | None = None


class Target(ABC):
    """One hardware target (see module docstring)."""

    name: str
    #: Numeric parameters a design space may set.
    numeric_parameters: tuple[str, ...]
    #: Categorical parameters and their labels (codes index the labels).
    categorical_parameters: Mapping[str, tuple[str, ...]]
    #: Metric columns of :meth:`evaluate_points`, units in their names.
    metrics: tuple[str, ...]
    #: Parameters shown for a design, in display order.
    design_keys: tuple[str, ...]
    #: Objective aliases -> (metric column, default direction).
    objectives: Mapping[str, tuple[str, str]]
    #: (metric, direction) that breaks ties of a single objective.
    tie_break: tuple[str, str]
    #: What an infeasible configuration failed, for "no design meets ..." diagnoses.
    infeasible_label: str
    #: The packaged design space explored when none is given.
    default_space: str
    #: Metrics that depend on the configuration only (``multi`` stores them once per row).
    config_metrics: tuple[str, ...]
    #: Metrics that summarize a design in tables, cards and hover text, in order.
    summary_metrics: tuple[str, ...]

    @property
    def cost_metric(self) -> str:
        """The metric that says what a design costs (minimized): ASIC area, FPGA DSPs."""
        return self.tie_break[0]

    def multi_space(self, data: dict[str, Any]) -> dict[str, Any]:
        """The packaged default space (as a mapping) adapted for ``multi`` (one design
        for a set of networks); unchanged unless the target needs it."""
        return data

    def multi_unsupported(self, parameters: Mapping[str, Any]) -> str:
        """Why ``multi`` (one design for a set of networks) cannot run on a space with
        these parameters ('' when it can)."""
        return ""

    def design_title(self, design: dict[str, Any]) -> str:
        """A short description of a design (parameters as in a result row)."""
        return ", ".join(f"{k} {design[k]}" for k in self.design_keys if k in design)

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.numeric_parameters + tuple(self.categorical_parameters)

    @abstractmethod
    def check_space(self, parameters: Mapping[str, Any]) -> None:
        """Raise ValueError (one sentence) when a space's parameters are incomplete."""

    def parameter_codes(self, name: str, grid: list[Any]) -> np.ndarray | None:
        """Codes of a categorical parameter's values, or None for a numeric parameter.

        Raises :class:`~accelscope.errors.SpecError` for an unknown label."""
        from accelscope.errors import SpecError

        labels = self.categorical_parameters.get(name)
        if labels is None:
            return None
        codes = []
        for value in grid:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if text not in labels:
                raise SpecError(
                    f"parameter '{name}': unknown value '{value}'{suggest(text, list(labels))}; "
                    f"expected one of {', '.join(labels)}"
                )
            codes.append(labels.index(text))
        return np.asarray(codes, dtype=np.int64)

    def decode(self, row: dict[str, Any]) -> dict[str, Any]:
        """*row* with categorical codes replaced by their labels."""
        for key, labels in self.categorical_parameters.items():
            value = row.get(key)
            if isinstance(value, int | np.integer) and not isinstance(value, bool):
                row[key] = labels[int(value)]
        return row

    def ignored_parameters(self, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Parameters a configuration does not use, as masks over the configurations
        (``{name: mask}``); the design space maps such points to one canonical point."""
        return {}

    @abstractmethod
    def evaluate_points(self, network: Any, params: dict[str, np.ndarray]) -> dict[str, Any]:
        """Metric columns for configurations given as parameter columns (codes)."""

    @abstractmethod
    def full_design(self, params: dict[str, np.ndarray]) -> dict[str, Any]:
        """Every design parameter of the first configuration of *params*, defaults
        included, labels decoded (JSON-ready scalars)."""

    def additive_latency(self, spec: Any) -> str:
        """'' when the network latency of *spec* is the sum of its layers' (what codesign's
        per-layer sweep needs), otherwise the reason it is not."""
        return ""

    @abstractmethod
    def layer_costs(
        self, network: Any, spec: Any, *, sub_batch: int | None = None, check: bool = True
    ) -> LayerCosts:
        """Per-layer cycles and energy of *network* on *spec*. With *check*, a design
        that cannot run the network raises an :class:`~accelscope.errors.AccelscopeError`
        naming the reason; without, such layers cost ``inf`` cycles."""

    def totals(self, network: Any, spec: Any) -> tuple[float, float]:
        """Whole-network latency (s) and energy (J) of *network* on *spec* (``inf``
        latency when the design cannot run it)."""
        costs = self.layer_costs(network, spec, check=False)
        return float(costs.cycles.sum()) / costs.clock_hz, float(costs.energy_j.sum())

    @abstractmethod
    def report(self, network: Any, spec: Any) -> dict[str, Any]:
        """The evaluate document of one design (*spec* as from :meth:`design_spec`):
        totals and ``layers``, JSON-ready."""

    @abstractmethod
    def design_spec(self, params: dict[str, np.ndarray], name: str) -> Any:
        """The first configuration of *params* as this target's spec object (what
        ``evaluate`` reads back from YAML)."""


@cache
def get_target(name: str) -> Target:
    """The target called *name* (``asic`` or ``fpga``)."""
    if name == "asic":
        from accelscope.targets.asic import ASIC

        return ASIC
    if name == "fpga":
        from accelscope.targets.fpga.target import FPGA

        return FPGA
    raise UnknownNameError(
        f"unknown target '{name}'{suggest(name, list(TARGETS))}; expected one of "
        f"{', '.join(TARGETS)}"
    )
