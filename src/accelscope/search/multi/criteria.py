"""From stored columns to the scoring's inputs: performance and admissibility.

A :class:`Criteria` turns any block of a multi run's columns (a committed part, one row)
into ``perf [N, c]`` (higher is better; 0 where the network cannot be mapped), ``alone
[N, c]`` (the configuration meets the configuration-level constraints, the network maps,
and the network's own constraints hold) and the cost ``[c]`` that breaks ties — the
inputs of :mod:`accelscope.search.multi.score`. It also counts, block by block, how many
configurations each rule rules out, so a run with no admissible design can name the most
restrictive one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from accelscope.search.constraints import Constraint, Objective
from accelscope.search.multi.evaluate import column_name
from accelscope.search.multi.score import ReferencePass

Columns = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Criteria:
    """How a multi run judges a configuration (objective, constraints, cost metric)."""

    n_net: int
    objective: Objective
    constraints: tuple[Constraint, ...]
    network_metrics: tuple[str, ...]
    cost_metric: str = "area_mm2"

    @property
    def config_constraints(self) -> list[Constraint]:
        return [c for c in self.constraints if c.name not in self.network_metrics]

    @property
    def network_constraints(self) -> list[Constraint]:
        return [c for c in self.constraints if c.name in self.network_metrics]

    @property
    def needed(self) -> list[str]:
        """The columns the scoring reads: index, the cost, the configuration-level
        constraint columns, and per network feasibility, the objective and its
        constraint metrics."""
        names = ["index", self.cost_metric, *(c.name for c in self.config_constraints)]
        for k in range(self.n_net):
            names.append(column_name(k, "feasible"))
            names.append(column_name(k, self.objective.metric))
            names += [column_name(k, c.name) for c in self.network_constraints]
        return list(dict.fromkeys(names))

    def _config_ok(self, columns: Columns) -> np.ndarray:
        ok = np.ones(np.shape(columns["index"])[0], dtype=bool)
        for c in self.config_constraints:
            ok &= c.holds(np.asarray(columns[c.name], dtype=np.float64))
        return ok

    def inputs(self, columns: Columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(perf [N, c], alone [N, c], cost [c])`` of the configurations in *columns*."""
        config_ok = self._config_ok(columns)
        n_cfg = config_ok.shape[0]
        perf = np.empty((self.n_net, n_cfg))
        alone = np.empty((self.n_net, n_cfg), dtype=bool)
        obj = self.objective
        for k in range(self.n_net):
            feasible = np.asarray(columns[column_name(k, "feasible")], dtype=bool)
            ok = config_ok & feasible
            for c in self.network_constraints:
                ok &= c.holds(np.asarray(columns[column_name(k, c.name)], dtype=np.float64))
            alone[k] = ok
            values = np.asarray(columns[column_name(k, obj.metric)], dtype=np.float64)
            with np.errstate(divide="ignore"):
                p = values if obj.direction == "max" else 1.0 / values
            perf[k] = np.where(feasible & np.isfinite(p), p, 0.0)
        return perf, alone, np.asarray(columns[self.cost_metric], dtype=np.float64)

    def ruled_out(self, columns: Columns) -> np.ndarray:
        """``[N + 1, len(constraints) + 1]`` counts of configurations each rule rules out
        (last column: not mappable) for each network alone (rows ``0..N-1``) and for the
        whole set (row ``N``)."""
        n_cfg = np.shape(columns["index"])[0]
        counts = np.zeros((self.n_net + 1, len(self.constraints) + 1), dtype=np.int64)
        rules = [*self.constraints, None]
        for j, rule in enumerate(rules):
            any_bad = np.zeros(n_cfg, dtype=bool)
            for k in range(self.n_net):
                if rule is None:
                    bad = ~np.asarray(columns[column_name(k, "feasible")], dtype=bool)
                elif rule.name in self.network_metrics:
                    values = np.asarray(columns[column_name(k, rule.name)], dtype=np.float64)
                    bad = ~rule.holds(values)
                else:
                    bad = ~rule.holds(np.asarray(columns[rule.name], dtype=np.float64))
                counts[k, j] = int(bad.sum())
                any_bad |= bad
            counts[self.n_net, j] = int(any_bad.sum())
        return counts


def check_admissible(
    reference: ReferencePass,
    ruled_out: np.ndarray,
    names: Sequence[str],
    constraints: Sequence[Constraint],
    evaluated: int,
) -> None:
    """Raise one clear sentence (with the most restrictive rule) when a network alone,
    or the set together, has no admissible configuration."""
    labels = [f"'{c.text}'" for c in constraints]
    labels.append("feasibility (buffers, or the board's resources)")

    def worst(row: int) -> str:
        j = int(np.argmax(ruled_out[row]))  # the first of equally restrictive rules
        count = int(ruled_out[row, j])
        rule = "" if count == 0 else f"; {labels[j]} ruled out {count} of them"
        return f" ({evaluated} evaluated){rule}"

    reference.check(names, worst)
