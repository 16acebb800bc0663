"""Exact Pareto sets checked against a brute-force definition."""

from __future__ import annotations

import numpy as np
import pytest

from accelscope.search.pareto import hypervolume_2d, pareto_mask


def brute_force(points: np.ndarray) -> np.ndarray:
    n = len(points)
    mask = np.ones(n, dtype=bool)
    for i in range(n):
        if not np.all(np.isfinite(points[i])):
            mask[i] = False
            continue
        for j in range(n):
            if j != i and np.all(points[j] <= points[i]) and np.any(points[j] < points[i]):
                mask[i] = False
                break
    return mask


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_matches_brute_force_with_ties_and_infinities(k):
    rng = np.random.default_rng(k)
    for _ in range(20):
        pts = rng.integers(0, 6, size=(60, k)).astype(float)  # many ties
        pts[rng.random(60) < 0.1, 0] = np.inf  # infeasible designs
        assert np.array_equal(pareto_mask(pts), brute_force(pts))


def test_two_objective_example():
    # (1,5) (2,3) (3,3) (4,1) (2,6): (3,3) is dominated by (2,3); (2,6) by (1,5) and (2,3).
    pts = np.array([[1, 5], [2, 3], [3, 3], [4, 1], [2, 6]], dtype=float)
    assert pareto_mask(pts).tolist() == [True, True, False, True, False]


def test_hypervolume_hand_computed():
    # Front (1,3), (2,2), (3,1) with reference (4,4); (3,3) is dominated. Staircase:
    # x-widths [1,2), [2,3), [3,4) = 1 each, heights 4-3, 4-2, 4-1 = 1, 2, 3 -> area 6.
    pts = np.array([[1, 3], [2, 2], [3, 1], [3, 3]], dtype=float)
    assert hypervolume_2d(pts, np.array([4.0, 4.0])) == pytest.approx(6.0)
