"""Where the table of a run lives: its committed parts, read part by part.

The table of a result has one row per evaluated grid index, sorted by index; a row's
*position* is its place in that order. An exhaustive run's parts are grid chunks in index
order, so a position is found from the parts' row counts alone and memory does not grow
with the space (:meth:`RowSource.grid`). A search may evaluate a design twice, in any
order; its parts (as many rows as its budget) are mapped row by row, keeping each index's
first evaluation (:meth:`RowSource.mapped`). Used by ``multi`` and ``mix``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from accelscope.errors import AccelscopeError
from accelscope.store.parts import PartStore


class RowSource:
    """Positions of a multi result's table -> (part, row in part)."""

    def __init__(
        self,
        store: PartStore,
        names: Sequence[str],
        *,
        counts: np.ndarray | None = None,
        part: np.ndarray | None = None,
        row: np.ndarray | None = None,
        hidden: Callable[[str], bool] | None = None,
    ):
        self.store, self.names = store, list(names)
        self.hidden = hidden  # stored columns a reader never sees (bookkeeping)
        self.counts = counts  # grid: rows of each part, parts in index order
        self.offsets = None if counts is None else np.concatenate([[0], np.cumsum(counts)])
        self.part, self.row_in_part = part, row  # mapped: per position
        self.keepalive: Any = None  # a run without out_dir keeps its scratch dir alive
        self._cached: tuple[int, Any] | None = None

    @classmethod
    def grid(
        cls, store: PartStore, names: Sequence[str], hidden: Callable[[str], bool] | None = None
    ) -> RowSource:
        """Parts that are disjoint index ranges in order (an exhaustive run)."""
        counts = np.array([store.num_rows(n) for n in names], dtype=np.int64)
        return cls(store, names, counts=counts, hidden=hidden)

    @classmethod
    def mapped(
        cls, store: PartStore, names: Sequence[str], hidden: Callable[[str], bool] | None = None
    ) -> RowSource:
        """Parts in any order, possibly repeating an index (a search): one row per
        index, its first evaluation."""
        index, part, row = [], [], []
        for k, name in enumerate(names):
            ids = store.read(name, ["index"]).column("index").to_numpy()
            index.append(ids)
            part.append(np.full(ids.shape[0], k, dtype=np.int32))
            row.append(np.arange(ids.shape[0], dtype=np.int32))
        if not index:
            empty = np.empty(0, np.int32)
            return cls(store, names, part=empty, row=empty, hidden=hidden)
        _, first = np.unique(np.concatenate(index), return_index=True)
        part_of, row_of = np.concatenate(part)[first], np.concatenate(row)[first]
        return cls(store, names, part=part_of, row=row_of, hidden=hidden)

    @property
    def count(self) -> int:
        """Rows of the table (distinct evaluated indices)."""
        return int(self.offsets[-1]) if self.offsets is not None else int(self.part.shape[0])

    def locate(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(part, row in part)`` of table *positions*."""
        positions = np.asarray(positions, dtype=np.int64)
        if self.offsets is None:
            return self.part[positions], self.row_in_part[positions]
        part = np.searchsorted(self.offsets, positions, side="right") - 1
        return part, positions - self.offsets[part]

    def _read(self, k: int, columns: list[str] | None = None):
        table = self.store.read(self.names[k], columns)
        if self.hidden is None:
            return table
        drop = [c for c in table.column_names if self.hidden(c)]
        return table.drop_columns(drop) if drop else table

    def blocks(
        self, columns: list[str] | None = None
    ) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
        """``(positions, {column: values})`` part by part, *columns* only (default all)."""
        import pyarrow as pa

        last = -1
        for k in range(len(self.names)):
            table = self._read(k, columns)
            names = table.column_names if columns is None else columns
            if self.offsets is not None:
                positions = np.arange(self.offsets[k], self.offsets[k + 1])
                index = table.column("index").to_numpy()
                if index.size and (index[0] <= last or np.any(np.diff(index) <= 0)):
                    raise AccelscopeError(
                        f"part '{self.names[k]}' is not an index range after the previous one"
                    )
                last = int(index[-1]) if index.size else last
            else:
                positions = np.flatnonzero(self.part == k)
                table = table.take(pa.array(self.row_in_part[positions]))
            yield positions, {c: table.column(c).to_numpy() for c in names}

    def rows(self, positions: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Every column of the rows at *positions* (each part read once)."""
        wanted = np.unique(np.asarray(list(positions), dtype=np.int64))
        part, row = self.locate(wanted)
        out: dict[int, dict[str, Any]] = {}
        for k in np.unique(part).tolist():
            table = self._read(int(k))
            for position, i in zip(
                wanted[part == k].tolist(), row[part == k].tolist(), strict=True
            ):
                out[position] = {c: table.column(c)[i].as_py() for c in table.column_names}
        return out

    def row(self, position: int) -> dict[str, Any]:
        """Every column of one row (the last part read is kept)."""
        part, row = self.locate(np.array([position]))
        k = int(part[0])
        if self._cached is None or self._cached[0] != k:
            self._cached = (k, self._read(k))
        table = self._cached[1]
        i = int(row[0])
        return {name: table.column(name)[i].as_py() for name in table.column_names}

    def pieces(self) -> Iterator[Any]:
        """The table in index order: part by part for a grid, else (a search, at most
        its budget of rows) at once."""
        if self.offsets is not None:
            for k in range(len(self.names)):
                yield self._read(k)
            return
        yield self.table()

    def table(self):
        """The whole table (``pyarrow.Table``), sorted by index."""
        import pyarrow as pa

        tables = [self._read(k) for k in range(len(self.names))]
        if self.offsets is not None:
            return pa.concat_tables(tables, promote_options="default").combine_chunks()
        offsets = np.cumsum([0] + [t.num_rows for t in tables])
        whole = pa.concat_tables(tables, promote_options="default")
        take = offsets[self.part] + self.row_in_part
        return whole.take(pa.array(take)).combine_chunks()
