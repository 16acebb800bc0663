"""The timing protocol: warm-up runs, a fixed thread count, then the median and spread of
N timed runs, next to a stated noise floor.

* **Warm-up**: ``warmup`` untimed calls (allocator, caches, lazy initialization).
* **Runs**: ``runs`` timed calls, each timed on its own with the clock (default
  ``time.perf_counter``); the result is the median, the 10th and 90th percentiles and the
  relative spread ``(p90 - p10) / median``.
* **Noise floor**: the same protocol on a call that does nothing (the timer and Python
  call overhead); differences between two measurements smaller than the floor plus their
  spreads are not resolved.

The clock is a parameter so the protocol is tested with a fake clock.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Measurement:
    """Latency of one callable (s): median, 10th/90th percentiles, relative spread, the
    run count, and the noise floor measured with the same protocol."""

    median_s: float
    p10_s: float
    p90_s: float
    spread: float
    runs: int
    noise_floor_s: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def resolves(self, other: Measurement) -> bool:
        """Whether the two medians differ by more than the noise floor plus both
        half-spreads (a difference this protocol can tell apart)."""
        margin = self.noise_floor_s + (self.p90_s - self.p10_s + other.p90_s - other.p10_s) / 2
        return abs(self.median_s - other.median_s) > margin


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarize_times(times_s: list[float], noise_floor_s: float = 0.0) -> Measurement:
    """The statistics of timed runs (module docstring)."""
    if not times_s:
        raise ValueError("no timed runs")
    median = statistics.median(times_s)
    p10, p90 = _quantile(times_s, 0.10), _quantile(times_s, 0.90)
    return Measurement(
        median_s=median,
        p10_s=p10,
        p90_s=p90,
        spread=(p90 - p10) / median if median > 0 else 0.0,
        runs=len(times_s),
        noise_floor_s=noise_floor_s,
    )


def _timed(
    fn: Callable[[], Any], warmup: int, runs: int, clock: Callable[[], float]
) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return times


def time_callable(
    fn: Callable[[], Any],
    *,
    runs: int = 30,
    warmup: int = 5,
    clock: Callable[[], float] = time.perf_counter,
) -> Measurement:
    """Measure *fn* with the protocol (module docstring); the noise floor is the median of
    a no-op measured the same way."""
    if runs < 3:
        raise ValueError("at least 3 timed runs are needed for a median and a spread")
    floor = statistics.median(_timed(lambda: None, warmup, runs, clock))
    return summarize_times(_timed(fn, warmup, runs, clock), noise_floor_s=floor)
