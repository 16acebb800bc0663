"""Shape of a latency-vs-width curve: cliffs (steps), plateaus and non-monotonic points.

Definitions (widths ascending, ``lat`` the latency at each width; ``d_i = lat[i+1] - lat[i]``):

* **cliff** between ``i`` and ``i+1``: ``d_i > step_factor * typical`` and
  ``d_i > min_step * scale``, where ``typical`` is the 25th percentile of ``|d|`` (the
  slope inside a plateau: on a fold staircase most increments are the small per-column
  skew term of docs/assumptions.md part 3, and only one in ``array side / step`` is a
  fold) and ``scale`` the median latency of the curve. A jump to ``inf`` (the width
  cannot be mapped on the buffers) is a cliff.
* **plateau**: a maximal run of widths without a cliff inside (it may rise slightly).
* **non-monotonic** width: some larger width is strictly faster (``lat[j] < lat[i]``,
  ``j > i``) — a smaller layer that is slower than a larger one.
* **dominated** width: some larger width is at least as fast (``lat[j] <= lat[i]``): the
  larger width has more capacity at no latency cost.

Comparisons use a relative tolerance of 1e-12 so floating-point rounding of sums over
layers never creates or hides a point. A measured curve (``noise``: each point's
measurement margin, s) widens every comparison by the two points' margins: a cliff must
rise by more than both margins, and a larger width is faster (or as fast) only beyond
(within) them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Relative tolerance of latency comparisons (rounding of sums over layers).
REL_TOL = 1e-12


@dataclass(frozen=True)
class CurveAnalysis:
    """Cliffs, plateaus and dominance of one curve (indices into the widths)."""

    #: ``i`` such that there is a step between ``widths[i]`` and ``widths[i+1]``.
    cliffs: np.ndarray
    #: ``(first, last)`` index of every plateau, in order (they tile the curve).
    plateaus: list[tuple[int, int]]
    #: ``True`` where a larger width is strictly faster.
    non_monotonic: np.ndarray
    #: ``True`` where a larger width is at least as fast.
    dominated: np.ndarray

    def plateau_of(self, i: int) -> tuple[int, int]:
        """The plateau containing index *i*."""
        for a, b in self.plateaus:
            if a <= i <= b:
                return a, b
        raise IndexError(i)


def _suffix_min_after(lat: np.ndarray) -> np.ndarray:
    """``min(lat[i+1:])`` for every i (``inf`` for the last)."""
    rev = np.minimum.accumulate(lat[::-1])[::-1]
    return np.append(rev[1:], np.inf)


def analyze(
    latency: np.ndarray,
    *,
    step_factor: float = 3.0,
    min_step: float = 1e-3,
    scale: float | None = None,
    noise: np.ndarray | None = None,
) -> CurveAnalysis:
    """Find cliffs, plateaus, non-monotonic and dominated points of a latency curve
    sampled at ascending widths (see the module docstring for the definitions)."""
    lat = np.asarray(latency, dtype=np.float64)
    n = lat.shape[0]
    tol = np.zeros(n) if noise is None else np.asarray(noise, dtype=np.float64)
    finite = np.isfinite(lat)
    ref = float(np.median(lat[finite])) if finite.any() else 0.0
    scale = ref if scale is None else scale
    if n >= 2:
        with np.errstate(invalid="ignore"):
            d = np.diff(lat)
        both = finite[:-1] & finite[1:]
        typical = float(np.quantile(np.abs(d[both]), 0.25)) if both.any() else 0.0
        big = both & (d > step_factor * typical) & (d > min_step * scale)
        big &= d > tol[:-1] + tol[1:]
        to_inf = finite[:-1] & ~finite[1:]
        cliffs = np.flatnonzero(big | to_inf)
    else:
        cliffs = np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], cliffs + 1]).astype(int)
    ends = np.concatenate([cliffs, [n - 1]]).astype(int)
    plateaus = [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if n]
    if noise is None:
        after = _suffix_min_after(lat)
        with np.errstate(invalid="ignore"):
            non_mono = finite & (after < lat * (1 - REL_TOL))
            dominated = finite & (after <= lat * (1 + REL_TOL))
    else:  # a larger width j counts only beyond / within both margins
        later = np.triu(np.ones((n, n), dtype=bool), k=1)
        margin = tol[:, None] + tol[None, :]
        with np.errstate(invalid="ignore"):
            faster = later & (lat[None, :] < lat[:, None] - margin)
            as_fast = later & (lat[None, :] <= lat[:, None] + margin)
        non_mono = finite & faster.any(axis=1)
        dominated = finite & as_fast.any(axis=1)
    return CurveAnalysis(cliffs, plateaus, non_mono, dominated)
