"""Execution models of a mix on one accelerator, vectorized over configurations.

Inputs per application ``a``: required rate ``r_a`` (inferences/s, 0 when it has none),
response-time bound ``D_a`` (s), priority. Per configuration ``c``:

**Time multiplexing** (the applications share the whole accelerator; non-preemptive
fixed-priority scheduling at inference granularity, priorities as given, ties to the
higher rate). ``L_a`` is the latency of one inference on the whole accelerator (as
``evaluate``, which reads the network's weights from DRAM for every inference, so
switching networks costs nothing beyond ``L_a``). Utilization ``U = sum_a r_a L_a``; the
worst-case response time is the classic non-preemptive bound (Davis et al., Real-Time
Systems 35, 2007): the start delay ``w`` is the fixed point of
``w = B_a + sum_{h in hp(a)} (floor(w r_h) + 1) L_h`` with blocking ``B_a`` the longest
lower-priority inference, and ``R_a = w + L_a``. Feasible when ``U <= 1`` and
``R_a <= D_a`` for every application. Headroom (the largest common factor on all rates
that stays feasible) is ``1 / U``, capped where a latency bound binds first (found by
bisection on the factor).

**Spatial partitioning** (each application gets ``u_a >= 1`` of the ``units`` tensor units
and the same share of the buffers and DRAM bandwidth, ``targets/asic/partition.py``).
``L_a(u_a)`` is its latency on its share; feasible when ``r_a L_a(u_a) <= 1`` (its
inferences run back to back on its share) and ``L_a(u_a) <= D_a``. Every split of the
units is tried (compositions of ``units`` into one part per application), keeping the one
with the largest headroom ``min_a 1 / (r_a L_a(u_a))``.

Power is the average power of the mix, ``sum_a r_a E_a`` (energy per inference on the
resources it ran on, its leakage while running included; idle leakage is not counted, so
it is a lower bound).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np

#: Iterations of the response-time fixed point (converges far earlier on real mixes).
RTA_ITERATIONS = 64
#: Unit splits enumerated per configuration; beyond, the greedy allocation is used.
MAX_SPLITS = 20_000


@dataclass
class MixColumns:
    """Per configuration ``[n_cfg]`` (and per application ``[n_app, n_cfg]``)."""

    feasible: np.ndarray
    headroom: np.ndarray
    power_w: np.ndarray
    latency_s: np.ndarray  # [n_app, n_cfg] latency of one inference as executed
    response_s: np.ndarray  # [n_app, n_cfg] worst-case response time (= latency if spatial)
    share_units: np.ndarray  # [n_app, n_cfg] units given to each (0: time multiplexed)


def priority_order(rates: np.ndarray, priorities: np.ndarray) -> np.ndarray:
    """Application indices from the highest priority down (ties: higher rate first)."""
    return np.lexsort((-rates, -priorities))


def response_times(
    lat: np.ndarray, rates: np.ndarray, priorities: np.ndarray, factor: float | np.ndarray = 1.0
) -> np.ndarray:
    """Worst-case response times ``[n_app, n_cfg]`` under non-preemptive fixed priority
    (module docstring), with every rate multiplied by *factor* (scalar or ``[n_cfg]``)."""
    out = np.empty_like(lat)
    order = priority_order(rates, priorities)
    for pos, a in enumerate(order):
        higher, lower = order[:pos], order[pos + 1 :]
        blocking = lat[lower].max(axis=0) if lower.size else np.zeros(lat.shape[1])
        w = blocking + lat[higher].sum(axis=0)
        for _ in range(RTA_ITERATIONS if higher.size else 0):
            arrivals = sum((np.floor(w * rates[h] * factor) + 1.0) * lat[h] for h in higher)
            nxt = np.minimum(blocking + arrivals, 1e9)
            if np.array_equal(nxt, w):
                break
            w = nxt
        out[a] = w + lat[a]
    return out


def time_multiplexed(
    lat: np.ndarray,
    energy: np.ndarray,
    rates: np.ndarray,
    bounds: np.ndarray,
    priorities: np.ndarray,
) -> MixColumns:
    """Time multiplexing on the whole accelerator (module docstring)."""
    util = (rates[:, None] * lat).sum(axis=0)
    resp = response_times(lat, rates, priorities)
    meets = (resp <= bounds[:, None] * (1 + 1e-12)).all(axis=0)
    feasible = np.isfinite(lat).all(axis=0) & (util <= 1.0 + 1e-12) & meets
    with np.errstate(divide="ignore"):
        headroom = np.where(util > 0, 1.0 / util, np.inf)
    # A latency bound can bind before utilization reaches 1: shrink the factor until the
    # response times fit (bisection on the common rate factor, per configuration).
    lo = np.ones_like(headroom)
    hi = np.where(np.isfinite(headroom), headroom, 1e6)
    tight = feasible & ~_meets_at(lat, rates, bounds, priorities, hi)
    for _ in range(30):
        if not tight.any():
            break
        mid = np.where(tight, (lo + hi) / 2, hi)
        ok = _meets_at(lat, rates, bounds, priorities, mid)
        lo = np.where(tight & ok, mid, lo)
        hi = np.where(tight & ~ok, mid, hi)
    headroom = np.where(tight, lo, hi)
    power = (rates[:, None] * energy).sum(axis=0)
    return MixColumns(
        feasible=feasible,
        headroom=np.where(feasible, headroom, 0.0),
        power_w=power,
        latency_s=lat,
        response_s=resp,
        share_units=np.zeros_like(lat, dtype=np.int64),
    )


def _meets_at(lat, rates, bounds, priorities, factor) -> np.ndarray:
    """Whether every response-time bound and utilization hold with rates times *factor*."""
    resp = response_times(lat, rates, priorities, factor)
    util = (rates[:, None] * lat).sum(axis=0) * factor
    return (resp <= bounds[:, None] * (1 + 1e-12)).all(axis=0) & (util <= 1.0 + 1e-12)


def compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    """Every way to write *total* as an ordered sum of *parts* positive integers."""
    if parts > total:
        return []
    return [
        tuple(b - a for a, b in zip((0, *cuts), (*cuts, total), strict=True))
        for cuts in combinations(range(1, total), parts - 1)
    ]


def greedy_split(
    lat_by_units: np.ndarray, total: int, rates: np.ndarray, bounds: np.ndarray
) -> np.ndarray:
    """Units per application ``[n_app, n_cfg]`` by greedy allocation (module docstring):
    one each, then every further unit to the application furthest from its targets."""
    n_app, _, n_cfg = lat_by_units.shape
    share = np.ones((n_app, n_cfg), dtype=np.int64)
    cols = np.arange(n_cfg)
    for _ in range(total - n_app):
        lat = np.take_along_axis(lat_by_units, share[:, None, :] - 1, axis=1)[:, 0]
        with np.errstate(divide="ignore"):
            head = np.where(rates[:, None] > 0, 1.0 / (rates[:, None] * lat), np.inf)
        late = lat / bounds[:, None]  # > 1: the bound is missed
        # Missed bounds first (largest miss), then the lowest headroom.
        key = np.where(late > 1.0, -late, head)
        pick = key.argmin(axis=0)
        share[pick, cols] += 1
    return share


def spatial(
    lat_by_units: np.ndarray,
    energy_by_units: np.ndarray,
    units: np.ndarray,
    rates: np.ndarray,
    bounds: np.ndarray,
) -> MixColumns:
    """Spatial partitioning (module docstring). ``lat_by_units[a, u - 1, c]``: latency of
    application ``a`` on ``u`` units of configuration ``c`` (``inf`` where ``u`` exceeds
    the configuration's units)."""
    n_app, _, n_cfg = lat_by_units.shape
    best_head = np.full(n_cfg, -np.inf)
    best_share = np.zeros((n_app, n_cfg), dtype=np.int64)
    for total in np.unique(units):
        cols = np.flatnonzero(units == total)
        if math.comb(int(total) - 1, n_app - 1) > MAX_SPLITS:
            share = greedy_split(lat_by_units[:, :, cols], int(total), rates, bounds)
            lat = np.take_along_axis(lat_by_units[:, :, cols], share[:, None, :] - 1, axis=1)[:, 0]
            with np.errstate(divide="ignore"):
                head = np.where(rates[:, None] > 0, 1.0 / (rates[:, None] * lat), np.inf)
            head = head.min(axis=0)
            ok = (lat <= bounds[:, None] * (1 + 1e-12)).all(axis=0) & (head >= 1.0 - 1e-12)
            best_head[cols] = np.where(ok, head, -np.inf)
            best_share[:, cols] = share
            continue
        for split in compositions(int(total), n_app):
            lat = np.stack([lat_by_units[a, u - 1, cols] for a, u in enumerate(split)])
            with np.errstate(divide="ignore"):
                head = np.where(rates[:, None] > 0, 1.0 / (rates[:, None] * lat), np.inf)
            head = head.min(axis=0)
            ok = (lat <= bounds[:, None] * (1 + 1e-12)).all(axis=0) & (head >= 1.0 - 1e-12)
            head = np.where(ok, head, -np.inf)
            better = head > best_head[cols]
            best_head[cols] = np.where(better, head, best_head[cols])
            best_share[:, cols] = np.where(better, np.array(split)[:, None], best_share[:, cols])
    feasible = np.isfinite(best_head) & (best_head > 0)
    idx = np.maximum(best_share - 1, 0)
    lat = np.take_along_axis(lat_by_units, idx[:, None, :], axis=1)[:, 0, :]
    energy = np.take_along_axis(energy_by_units, idx[:, None, :], axis=1)[:, 0, :]
    return MixColumns(
        feasible=feasible,
        headroom=np.where(feasible, best_head, 0.0),
        power_w=(rates[:, None] * np.where(feasible, energy, 0.0)).sum(axis=0),
        latency_s=lat,
        response_s=lat,
        share_units=np.where(feasible, best_share, 0),
    )
