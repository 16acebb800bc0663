"""Evaluate chunks and commit them as parts, on the workers when they can reach the store."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from accelscope.errors import AccelscopeError
from accelscope.store.parts import PartStore, columns_table


def commit_chunks(
    store: PartStore,
    ex: Any,
    tasks: Iterable[tuple[str, Any]],
    reduce: Callable[[dict[str, Any]], Any],
    on_receipt: Callable[[Any], None],
    *,
    should_stop: Callable[[], bool],
    ship_back: bool = False,
) -> None:
    """Evaluate *tasks* with executor *ex*; every chunk becomes a committed part of *store*.

    Workers write their own parts and return ``reduce(columns)``, handed to *on_receipt*,
    so no result table crosses a process boundary. With *ship_back* (a remote dask
    cluster that cannot see the store's directory) the columns come back and the client
    commits them. A worker whose part does not appear in the store (``--out`` not shared
    with a remote worker) stops the run with a clear error instead of losing results.
    """
    if ship_back:
        for name, columns in ex.run(tasks, should_stop=should_stop):
            store.write(name, columns_table(columns))
            on_receipt(reduce(columns))
        return
    for name, receipt in ex.commit(tasks, store.writer, reduce, should_stop=should_stop):
        if not store.has(name):
            raise AccelscopeError(
                f"a worker committed part '{name}' but it is not in {store.parts}: with a "
                "remote dask scheduler, --out must be a directory every worker sees at the "
                "same path (shared storage)"
            )
        on_receipt(receipt)
