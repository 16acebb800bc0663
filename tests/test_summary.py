"""The part-by-part summary equals a summary of the whole table at once."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from accelscope.search.constraints import parse_constraint, parse_objective
from accelscope.search.pareto import pareto_mask
from accelscope.search.summary import StreamingSummary, flagged_parts

NAMES = ["latency_s", "area_mm2", "energy_j"]


def _table(n: int, seed: int, start: int = 0) -> pa.Table:
    """Random results with ties (values on a coarse grid) and some infeasible rows."""
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "index": np.arange(start, start + n, dtype=np.int64),
            "latency_s": rng.integers(1, 30, n) / 10.0,
            "area_mm2": rng.integers(1, 30, n) * 1.0,
            "energy_j": rng.integers(1, 8, n) * 1e-3,
            "feasible": rng.random(n) > 0.2,
        }
    )


def _whole(table: pa.Table, objs, cons, top: int):
    """Reference: the whole table at once (what summarize did before it streamed)."""
    cols = {n: table.column(n).to_numpy() for n in table.column_names}
    ok = cols["feasible"].copy()
    for c in cons:
        ok &= c.holds(cols[c.name])
    points = np.column_stack([o.as_minimized(cols[o.metric]) for o in objs])
    points[~ok] = np.inf
    front = np.flatnonzero(pareto_mask(points))
    front = front[np.lexsort(points[front].T[::-1])]
    good = np.flatnonzero(ok)
    good = good[np.lexsort(points[good].T[::-1])][:top]
    return ok, front, good


@pytest.mark.parametrize("n_objectives", [1, 2, 3])
@pytest.mark.parametrize("part_rows", [1, 7, 100, 1000])
def test_streaming_summary_equals_whole_table(n_objectives: int, part_rows: int) -> None:
    objs = [parse_objective(o) for o in ("latency", "area", "energy")[:n_objectives]]
    cons = [parse_constraint("area_mm2 <= 25", NAMES)]
    whole = _table(1000, seed=n_objectives)
    summary = StreamingSummary(objs, cons, top=15)
    for start in range(0, whole.num_rows, part_rows):
        summary.add(whole.slice(start, part_rows))
    ok, front, good = _whole(whole, objs, cons, top=15)
    assert summary.evaluated == 1000 and summary.feasible == int(ok.sum())
    if n_objectives == 1:
        # One objective: no Pareto front; the best designs by it, ties to the least area.
        _, _, good = _whole(whole, [*objs, parse_objective("area")], cons, top=15)
        front = np.empty(0, dtype=np.int64)
        assert summary.pareto_rows.size == 0
        assert summary.best_row == int(good[0])
    else:
        assert summary.best_row == int(front[0])
    assert summary.pareto_rows.tolist() == front.tolist()
    assert summary.top_rows.tolist() == good.tolist()
    kept = summary.rows()
    for row in (*front.tolist(), *good.tolist()):
        expected = {n: whole.column(n)[row].as_py() for n in whole.column_names}
        assert {k: kept[row][k] for k in expected} == expected
        assert kept[row]["meets_constraints"] and kept[row]["pareto"] == (row in set(front))


def test_flagged_parts_rebuild_the_flagged_table() -> None:
    objs = [parse_objective("latency"), parse_objective("area")]
    cons = [parse_constraint("area_mm2 <= 25", NAMES)]
    parts = {f"p{i}": _table(50, seed=i, start=50 * i) for i in range(6)}
    summary = StreamingSummary(objs, cons)
    for name in sorted(parts):
        summary.add(parts[name])
    table = pa.concat_tables(
        flagged_parts(parts.__getitem__, sorted(parts), cons, summary.pareto_rows, dedupe=False)
    )
    whole = pa.concat_tables([parts[n] for n in sorted(parts)])
    ok, front, _ = _whole(whole, objs, cons, top=0)
    assert table.column("meets_constraints").to_numpy().tolist() == ok.tolist()
    assert np.flatnonzero(table.column("pareto").to_numpy()).tolist() == sorted(front.tolist())


def test_repeated_indices_keep_the_first_evaluation() -> None:
    objs = [parse_objective("latency")]
    first = _table(20, seed=1)
    again = _table(20, seed=2, start=10)  # indices 10..29: 10..19 seen before
    summary = StreamingSummary(objs, [], dedupe=True)
    summary.add(first)
    kept = summary.add(again)
    assert summary.evaluated == 30
    assert kept.column("index").to_pylist() == list(range(20, 30))
    # Grid runs (no dedupe set) drop indices that go backwards.
    grid = StreamingSummary(objs, [])
    grid.add(first)
    assert grid.add(again).column("index").to_pylist() == list(range(20, 30))


def test_diagnosis_names_the_constraint_that_rules_out_most() -> None:
    objs = [parse_objective("latency")]
    cons = [parse_constraint("area_mm2 <= 0.5", NAMES)]
    summary = StreamingSummary(objs, cons)
    for i in range(3):
        summary.add(_table(40, seed=i, start=40 * i))
    text = summary.diagnose()
    assert summary.best_row is None
    assert "'area_mm2 <= 0.5' ruled out 120 of 120" in text
    assert "ranges from 1 to 29" in text
