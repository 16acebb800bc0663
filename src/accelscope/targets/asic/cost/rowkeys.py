"""Group equal rows of a few float columns (configurations that share a computation)."""

from __future__ import annotations

import numpy as np


def row_groups(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(first, inverse)`` of the distinct rows of equally long float *columns*: ``first``
    the index of one row per group, ``inverse`` each row's group (rows ``first[inverse]``
    equal the rows). Groups are numbered in lexicographic order; NaN, +inf and -inf are
    each equal to themselves."""
    n = columns[0].shape[0] if columns else 0
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    cols = np.stack([np.asarray(c, dtype=np.float64).reshape(n) for c in columns], axis=1)
    cols = np.where(np.isnan(cols), -1.0, np.where(np.isinf(cols), np.sign(cols) * -3.0, cols))
    order = np.lexsort(cols.T[::-1])
    ordered = cols[order]
    new_group = np.any(ordered[1:] != ordered[:-1], axis=1)
    group_of_sorted = np.concatenate([[0], np.cumsum(new_group)])
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group_of_sorted
    starts = np.flatnonzero(np.concatenate([[True], new_group]))
    return order[starts], inverse
