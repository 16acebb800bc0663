"""Workers commit their own parts; a part the client cannot see stops the run clearly."""

from __future__ import annotations

import numpy as np
import pytest

from accelscope.errors import AccelscopeError
from accelscope.parallel import make_executor
from accelscope.search.commit import commit_chunks
from accelscope.store.parts import PartStore


def _square(payload: int, indices) -> dict[str, np.ndarray]:
    idx = np.asarray(indices, dtype=np.int64)
    return {"index": idx, "value": idx * idx + payload}


def _rows(columns) -> int:
    return len(columns["index"])


TASKS = [(f"chunk-{i:06d}", range(10 * i, 10 * i + 10)) for i in range(5)]


@pytest.mark.parametrize("ship_back", [False, True])
@pytest.mark.parametrize("kind", ["serial", "processes"])
def test_parts_are_committed_and_receipts_returned(tmp_path, kind, ship_back):
    store = PartStore(tmp_path, {"run": 1})
    got: list[int] = []
    with make_executor(kind, 7, fn=_square, workers=2) as ex:
        commit_chunks(
            store, ex, TASKS, _rows, got.append, should_stop=lambda: False, ship_back=ship_back
        )
    assert got == [10] * 5
    assert store.names() == [t[0] for t in TASKS]
    table = store.read_all()
    assert table.column("value").to_pylist() == [i * i + 7 for i in range(50)]
    assert PartStore(tmp_path, {"run": 1}).discarded == []  # every part verifies


class _WorkerElsewhere:
    """An executor whose workers write to a disk the client does not see."""

    def commit(self, tasks, writer, reduce, should_stop):
        for name, indices in tasks:
            yield name, reduce(_square(0, indices))


def test_a_part_the_client_cannot_see_is_an_error(tmp_path):
    store = PartStore(tmp_path, {"run": 1})
    with pytest.raises(AccelscopeError, match="--out must be a directory every worker sees"):
        commit_chunks(store, _WorkerElsewhere(), TASKS, _rows, print, should_stop=lambda: False)
