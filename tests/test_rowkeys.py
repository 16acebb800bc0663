"""Grouping equal configuration rows (shared tile tables and candidate picks)."""

from __future__ import annotations

import numpy as np

from accelscope.targets.asic.cost.rowkeys import row_groups


def test_groups_match_a_dictionary_of_rows():
    rng = np.random.default_rng(3)
    a = rng.choice([1.0, 2.0, np.nan, np.inf, -np.inf], 500)
    b = rng.choice([0.5, 8.0, 64.0], 500)
    first, inverse = row_groups([a, b])
    seen: dict[tuple, int] = {}
    for i, row in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        key = tuple("nan" if x != x else x for x in row)
        group = seen.setdefault(key, inverse[i])
        assert inverse[i] == group  # equal rows share a group ...
    assert len(seen) == len(first) == len(set(inverse.tolist()))  # ... and only they do
    rows = np.stack([a, b], axis=1)
    np.testing.assert_array_equal(rows[first][inverse], rows)  # NaN == NaN here
    assert row_groups([np.zeros(0)])[0].size == 0
