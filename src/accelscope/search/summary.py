"""Summaries of an exploration merged part by part, in memory bounded by the part size.

An exploration's committed parts are read one at a time, in name order (which is grid
order for exhaustive and random runs, generation order for NSGA-II). For every part
:class:`StreamingSummary` updates the counts, the constraint diagnosis, the Pareto front
(merged exactly: a point dominated globally is dominated by a point that survives every
merge, by transitivity) and the best designs by the objectives; only the rows that can
still be on the front or among the top designs are kept, with all their columns. The
full table is never held: :func:`flagged_parts` streams it again, part by part, with the
``meets_constraints`` and ``pareto`` flags, for a streaming Parquet writer or for a
caller who asked for the whole table in memory.

Row numbers count rows of the final table: parts concatenated in name order, the first
evaluation of a grid index kept (NSGA-II evaluates only new designs, so duplicates only
arise from a damaged store and are dropped).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accelscope.search.constraints import Constraint, Objective
from accelscope.search.pareto import pareto_mask


def meets(columns: dict[str, np.ndarray], cons: Sequence[Constraint]) -> np.ndarray:
    """Mask of the rows that are feasible and satisfy every constraint (a ``redundant``
    row, which only repeats another point's design, never does)."""
    ok = np.asarray(columns["feasible"], dtype=bool).copy()
    if "redundant" in columns:
        ok &= ~np.asarray(columns["redundant"], dtype=bool)
    for c in cons:
        ok &= c.holds(np.asarray(columns[c.name], dtype=np.float64))
    return ok


def minimized_points(
    columns: dict[str, np.ndarray], objs: Sequence[Objective], ok: np.ndarray
) -> np.ndarray:
    """Objective values oriented for minimization, ``inf`` where *ok* is False."""
    points = np.column_stack([o.as_minimized(columns[o.metric]) for o in objs])
    points[~ok] = np.inf
    return points


def _ranked(points: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Order of *points* by the objectives, lexicographically, ties by row number."""
    return np.lexsort((rows, *points.T[::-1]))


class _FirstEvaluations:
    """Keeps the first evaluation of every grid index, part after part.

    NSGA-II runs (*dedupe*) remember every index taken; grid runs hold increasing,
    disjoint index ranges, so an index not above the last one seen can only come from a
    damaged store and is dropped without remembering them all."""

    def __init__(self, dedupe: bool) -> None:
        self.sorted = np.empty(0, dtype=np.int64) if dedupe else None
        self.last_index = -1

    def keep(self, table: Any) -> Any:
        """*table* without the rows whose grid index was taken before."""
        import pyarrow as pa

        index = table.column("index").to_numpy()
        mask = self._first_time(index) if self.sorted is not None else self._ascending(index)
        if mask.all():
            return table
        return table.take(pa.array(np.flatnonzero(mask), type=pa.int64()))

    def _first_time(self, index: np.ndarray) -> np.ndarray:
        """Mask of the entries of *index* seen neither before nor earlier in *index*."""
        _, first = np.unique(index, return_index=True)
        keep = np.zeros(index.shape[0], dtype=bool)
        keep[first] = True
        if self.sorted.size:
            pos = np.minimum(np.searchsorted(self.sorted, index), self.sorted.size - 1)
            keep &= self.sorted[pos] != index
        self.sorted = np.union1d(self.sorted, index[keep])
        return keep

    def _ascending(self, index: np.ndarray) -> np.ndarray:
        """Mask of the entries above every index seen before them."""
        if not index.size:
            return np.ones(0, dtype=bool)
        running = np.maximum.accumulate(np.concatenate([[self.last_index], index]))
        self.last_index = int(running[-1])
        return index > running[:-1]


@dataclass
class _Diagnosis:
    """Per-constraint counts of rejected rows and the range of values seen."""

    rejected: dict[str, int] = field(default_factory=dict)
    low: dict[str, float] = field(default_factory=dict)
    high: dict[str, float] = field(default_factory=dict)
    unmappable: int = 0

    def add(self, columns: dict[str, np.ndarray], cons: Sequence[Constraint]) -> None:
        self.unmappable += int((~np.asarray(columns["feasible"], dtype=bool)).sum())
        for c in cons:
            values = np.asarray(columns[c.name], dtype=np.float64)
            self.rejected[c.text] = self.rejected.get(c.text, 0) + int((~c.holds(values)).sum())
            finite = values[np.isfinite(values)]
            if finite.size:
                self.low[c.name] = min(self.low.get(c.name, np.inf), float(finite.min()))
                self.high[c.name] = max(self.high.get(c.name, -np.inf), float(finite.max()))

    def sentence(
        self,
        evaluated: int,
        cons: Sequence[Constraint],
        infeasible_label: str = "layers must fit the buffers",
    ) -> str:
        """One sentence naming the constraint that ruled out the most designs."""
        counts = [(self.rejected.get(c.text, 0), c.text) for c in cons]
        counts.append((self.unmappable, infeasible_label))
        worst = max(counts)
        if worst[0] == 0:
            return f"no configuration satisfies all constraints together ({evaluated} evaluated)"
        values = ""
        for c in cons:
            if c.text == worst[1] and c.name in self.low:
                values = (
                    f"; evaluated {c.name} ranges from {self.low[c.name]:.4g} "
                    f"to {self.high[c.name]:.4g}"
                )
        share = 100.0 * worst[0] / evaluated
        return (
            f"no configuration satisfies the constraints: '{worst[1]}' ruled out {worst[0]} of "
            f"{evaluated} evaluated designs ({share:.0f}%){values}"
        )


class _Kept:
    """Candidate rows (all columns) with their row numbers and minimized points."""

    def __init__(self) -> None:
        self.table: Any = None  # pyarrow.Table
        self.rows = np.empty(0, dtype=np.int64)
        self.points: np.ndarray | None = None

    def merge(self, table: Any, rows: np.ndarray, points: np.ndarray, select) -> None:
        """Add candidates, then keep ``select(points, rows)`` (positions to keep, in order)."""
        import pyarrow as pa

        if self.table is not None:
            table = pa.concat_tables([self.table, table], promote_options="default")
            rows = np.concatenate([self.rows, rows])
            points = np.concatenate([self.points, points])
        keep = select(points, rows)
        self.table = table.take(pa.array(keep, type=pa.int64()))
        self.rows, self.points = rows[keep], points[keep]


class StreamingSummary:
    """Counts, diagnosis, Pareto front and top designs, merged one part at a time."""

    def __init__(
        self,
        objs: Sequence[Objective],
        cons: Sequence[Constraint],
        *,
        top: int = 10,
        dedupe: bool = False,
        tie_break: Objective | None = None,
    ):
        self.objs, self.cons, self.top = list(objs), list(cons), top
        # One objective has no Pareto front: the best design is the first by that
        # objective, ties going to the best tie_break (default the smallest area), then
        # the lowest row.
        self.single = len(self.objs) == 1
        self.rank_objs = list(self.objs)
        tie = tie_break or Objective("area_mm2", "min")
        if self.single:
            self.top = max(top, 1)
            if self.objs[0].metric != tie.metric:
                self.rank_objs.append(tie)
        self.evaluated = 0
        self.feasible = 0
        self.diagnosis = _Diagnosis()
        self.front = _Kept()
        self.best = _Kept()
        self.first = _FirstEvaluations(dedupe)

    def needed(self) -> list[str]:
        """Columns the summary reads."""
        names = [
            "index", "feasible", *(c.name for c in self.cons),
            *(o.metric for o in self.rank_objs),
        ]  # fmt: skip
        return list(dict.fromkeys(names))

    def add(self, table: Any) -> Any:
        """Merge one part (a ``pyarrow.Table``); returns it without repeated indices."""
        import pyarrow as pa

        table = self.first.keep(table)
        n = table.num_rows
        if n == 0:
            return table
        names = self.needed() + (["redundant"] if "redundant" in table.column_names else [])
        columns = {name: table.column(name).to_numpy() for name in names}
        rows = np.arange(self.evaluated, self.evaluated + n, dtype=np.int64)
        ok = meets(columns, self.cons)
        points = minimized_points(columns, self.rank_objs, ok)
        self.evaluated += n
        self.feasible += int(ok.sum())
        self.diagnosis.add(columns, self.cons)
        on_front = (
            np.empty(0, dtype=np.int64) if self.single else np.flatnonzero(pareto_mask(points))
        )
        if on_front.size:
            take = pa.array(on_front, type=pa.int64())
            self.front.merge(table.take(take), rows[on_front], points[on_front], _front_positions)
        good = np.flatnonzero(ok)
        if good.size and self.top > 0:
            good = good[_ranked(points[good], rows[good])][: self.top]
            self.best.merge(
                table.take(pa.array(good, type=pa.int64())),
                rows[good],
                points[good],
                lambda p, r: _ranked(p, r)[: self.top],
            )
        return table

    # ---- results ---------------------------------------------------------------------
    @property
    def pareto_rows(self) -> np.ndarray:
        """Row numbers of the Pareto set, by the objectives (ties by row)."""
        if self.front.points is None:
            return np.empty(0, dtype=np.int64)
        return self.front.rows[_ranked(self.front.points, self.front.rows)]

    @property
    def best_row(self) -> int | None:
        rows = self.top_rows if self.single else self.pareto_rows
        return int(rows[0]) if rows.size else None

    @property
    def top_rows(self) -> np.ndarray:
        """Row numbers of the best feasible designs, by the objectives (at most ``top``)."""
        return self.best.rows.copy()

    def rows(self) -> dict[int, dict[str, Any]]:
        """Every kept row (front and top designs) as ``{row number: {column: value}}``."""
        out: dict[int, dict[str, Any]] = {}
        front = set(self.front.rows.tolist())
        for kept in (self.front, self.best):
            if kept.table is None:
                continue
            records = kept.table.to_pylist()
            for row, record in zip(kept.rows.tolist(), records, strict=True):
                # Kept rows are feasible designs meeting the constraints (finite points).
                out[int(row)] = {**record, "meets_constraints": True, "pareto": row in front}
        return out

    def diagnose(self, infeasible_label: str = "layers must fit the buffers") -> str:
        return self.diagnosis.sentence(self.evaluated, self.cons, infeasible_label)


def _front_positions(points: np.ndarray, rows: np.ndarray) -> np.ndarray:
    return np.flatnonzero(pareto_mask(points))


def flagged_parts(
    read_part, names: Sequence[str], cons: Sequence[Constraint], pareto_rows: np.ndarray, *, dedupe
) -> Iterator[Any]:
    """The final table part by part: repeated indices dropped as in the summary, with the
    ``meets_constraints`` and ``pareto`` columns appended."""
    import pyarrow as pa

    first = _FirstEvaluations(dedupe)
    front = np.sort(np.asarray(pareto_rows, dtype=np.int64))
    start = 0
    for name in names:
        table = first.keep(read_part(name))
        n = table.num_rows
        if n == 0:
            continue
        columns = {c.name: table.column(c.name).to_numpy() for c in cons}
        for extra in ("feasible", "redundant"):
            if extra in table.column_names:
                columns[extra] = table.column(extra).to_numpy()
        rows = np.arange(start, start + n, dtype=np.int64)
        table = table.append_column("meets_constraints", pa.array(meets(columns, cons)))
        table = table.append_column("pareto", pa.array(np.isin(rows, front)))
        start += n
        yield table


__all__ = ["StreamingSummary", "flagged_parts", "meets", "minimized_points"]
