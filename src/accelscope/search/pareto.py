"""Exact Pareto (non-dominated) sets, vectorized.

All objectives are oriented so that smaller is better (see
:meth:`accelscope.search.constraints.Objective.as_minimized`). A point is dominated when
another point is no worse in every objective and strictly better in at least one.
Non-finite points (infeasible designs) are never on the front.
"""

from __future__ import annotations

import numpy as np


def pareto_mask(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``points`` [n, k] (minimization).

    Exact. Two objectives: sort + running minimum, O(n log n). More objectives: points are
    visited in lexicographic order (a point can only be dominated by one before it) and
    each is compared against the current front at once, O(n * front size).
    Duplicated points are all kept (neither dominates the other).
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2:
        raise ValueError("points must be a 2-D array [n, k]")
    n, k = pts.shape
    mask = np.zeros(n, dtype=bool)
    finite = np.all(np.isfinite(pts), axis=1)
    idx = np.flatnonzero(finite)
    if idx.size == 0:
        return mask
    sub = pts[idx]
    if k == 1:
        mask[idx[sub[:, 0] == sub[:, 0].min()]] = True
        return mask
    order = np.lexsort(sub.T[::-1])  # by first objective, then second, ...
    s = sub[order]
    if k == 2:
        # After sorting by (f0, f1): a point is on the front iff its f1 is below the
        # minimum f1 of all points with strictly smaller f0, and it equals the minimum f1
        # among points with the same f0.
        f0, f1 = s[:, 0], s[:, 1]
        prev_min = np.minimum.accumulate(np.concatenate(([np.inf], f1[:-1])))
        group_start = np.concatenate(([True], f0[1:] != f0[:-1]))
        group_id = np.cumsum(group_start) - 1
        first_of_group = np.flatnonzero(group_start)
        best_before_group = prev_min[first_of_group][group_id]
        group_min = np.minimum.reduceat(f1, first_of_group)[group_id]
        keep = (f1 < best_before_group) & (f1 == group_min)
        mask[idx[order[keep]]] = True
        return mask
    front: list[int] = []
    front_pts = np.empty((0, k))
    for j in range(s.shape[0]):
        p = s[j]
        if front_pts.shape[0]:
            no_worse = np.all(front_pts <= p, axis=1)
            better = np.any(front_pts < p, axis=1)
            if np.any(no_worse & better):
                continue
        front.append(j)
        front_pts = np.vstack([front_pts, p])
    mask[idx[order[np.asarray(front, dtype=np.int64)]]] = True
    return mask


def hypervolume_2d(points: np.ndarray, reference: np.ndarray) -> float:
    """Hypervolume dominated by 2-D *points* (minimization) up to *reference*."""
    pts = np.asarray(points, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    pts = pts[np.all(pts < ref, axis=1)]
    if pts.size == 0:
        return 0.0
    front = pts[pareto_mask(pts)]
    front = front[np.argsort(front[:, 0])]
    widths = np.diff(np.concatenate((front[:, 0], [ref[0]])))
    heights = ref[1] - front[:, 1]
    return float(np.sum(widths * heights))
