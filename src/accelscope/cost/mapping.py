"""Mapping search: tile sizes and loop order for every (configuration, GEMM kernel) pair.

The mapspace (docs/assumptions.md (part 2)) is a small fixed set of candidates evaluated as arrays
``[n_cfg, n_kernel, n_candidates]``. Tile edges are the full dimension or a multiple of the
tile quantum ``q = max(rows, cols)``. For each loop order one dimension is *free* and runs
over a ladder (the full dimension split into 1, 2, 4, ... 2**(L-2) parts, rounded up to a
multiple of ``q``, plus the minimal tile ``min(dim, q)``); the others follow in closed form:

* weight order, free ``Tn``: (a) ``Tk = K``, ``Tm`` maximal; (b) ``Tm = M``, ``Tk`` maximal;
  (c) ``Tm = min(M, q)``, ``Tk`` maximal (fewest partial-sum spills).
* input order, free ``Tm``: (a) ``Tk = K``, ``Tn`` maximal; (b) ``Tn = N``, ``Tk`` maximal;
  (c) ``Tn = min(N, q)``, ``Tk`` maximal.
* output order, free ``Tm``: (a) ``Tk = min(K, q)``, ``Tn`` maximal; (b) ``Tk = K``, ``Tn``
  maximal.

"Maximal" means the largest multiple of ``q`` (or the full dimension) that fits the buffers:
input tile ``Tm*Tk*bpe <= input``, weight tile ``Tk*Tn*bpe <= weight``, output tile
``Tm*Tn*acc <= output``; a unified buffer holds the sum of the three. Under double buffering
every capacity is halved. A kernel is mappable iff the minimal tile fits (the output-order
candidate with ``Tm = min(M, q)``, ``Tk = min(K, q)`` then exists).

Selection: fewest DRAM bytes (compute cycles do not depend on the tiling, so this also
minimizes the steady-state latency ``max(compute, memory)``), ties broken by the exposed
first-load/last-store bytes, then by candidate order. Deterministic.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from accelscope.cost.configs import ConfigBatch
from accelscope.cost.traffic import (
    gemm_traffic,
    kernel_bytes,
)

#: Number of ladder values of the free dimension (L): splits 1, 2, ..., 2**(L-2) and min.
LADDER_LEVELS = 6


class Capacities(NamedTuple):
    """Usable buffer bytes per configuration (halved under double buffering)."""

    input_bytes: np.ndarray
    weight_bytes: np.ndarray
    output_bytes: np.ndarray
    unified_bytes: np.ndarray  # total-footprint limit (inf for separate buffers)


class Mapping(NamedTuple):
    """Chosen mapping per (config, kernel); float64 arrays ``[n_cfg, n_kernel]``."""

    feasible: np.ndarray  # bool
    order: np.ndarray  # int64 loop-order code (traffic.LOOP_ORDERS)
    tile_m: np.ndarray
    tile_k: np.ndarray
    tile_n: np.ndarray
    a_bytes: np.ndarray  # per group and repeat
    b_bytes: np.ndarray  # per group and repeat (B re-read)
    spill_bytes: np.ndarray  # per group and repeat
    out_bytes: np.ndarray  # per group and repeat
    total_bytes: np.ndarray  # whole kernel (all groups and repeats)
    step_bytes: np.ndarray  # one repeat, excluding a resident B
    once_bytes: np.ndarray  # resident B loaded once
    exposed_bytes: np.ndarray  # first input+weight tile and last output tile of a step


def capacities(cfg: ConfigBatch) -> Capacities:
    """Usable bytes of each buffer, shape ``[n_cfg]``; unified buffers fill all four."""
    share = np.where(cfg.double_buffering, 512.0, 1024.0)  # KiB -> bytes, halved if double
    uni = cfg.unified_kib * share
    inp = np.where(cfg.unified, uni, cfg.input_kib * share)
    wgt = np.where(cfg.unified, uni, cfg.weight_kib * share)
    out = np.where(cfg.unified, uni, cfg.output_kib * share)
    return Capacities(inp, wgt, out, np.where(cfg.unified, uni, np.inf))


def _fit(raw: np.ndarray, dim: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Largest legal tile <= raw: the full dim, else a multiple of q (0 if none fits)."""
    return np.where(raw >= dim, dim, np.floor(raw / q) * q)


def _ladder(dim: np.ndarray, q: np.ndarray, levels: int) -> np.ndarray:
    """Ladder of the free dimension, shape ``[..., levels]``."""
    splits = 2.0 ** np.arange(levels - 1)
    parts = np.ceil(dim[..., None] / splits)
    qq = q[..., None]
    vals = np.minimum(dim[..., None], np.ceil(parts / qq) * qq)
    return np.concatenate([vals, np.minimum(dim, q)[..., None]], axis=-1)


def candidates(
    m: np.ndarray,
    k: np.ndarray,
    n: np.ndarray,
    q: np.ndarray,
    bpe: np.ndarray,
    acc: np.ndarray,
    cap: Capacities,
    levels: int = LADDER_LEVELS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidate (order, Tm, Tk, Tn, fits); inputs broadcast to ``[c, g]``, outputs
    ``[c, g, n_cand]`` (order: ``[n_cand]``)."""
    ci, cw, co, cu = (x[..., None] for x in cap)
    x, a, qq = bpe[..., None], acc[..., None], q[..., None]
    M, K, N = m[..., None], k[..., None], n[..., None]
    m0, k0, n0 = np.minimum(M, qq), np.minimum(K, qq), np.minimum(N, qq)

    def max_m(tk, tn):
        raw = np.minimum(
            np.minimum(ci / (tk * x), co / (tn * a)), (cu - tk * tn * x) / (tk * x + tn * a)
        )
        return _fit(raw, M, qq)

    def max_n(tm, tk):
        raw = np.minimum(
            np.minimum(cw / (tk * x), co / (tm * a)), (cu - tm * tk * x) / (tk * x + tm * a)
        )
        return _fit(raw, N, qq)

    def max_k(tm, tn):
        raw = np.minimum(
            np.minimum(ci / (tm * x), cw / (tn * x)), (cu - tm * tn * a) / ((tm + tn) * x)
        )
        return _fit(raw, K, qq)

    ln = _ladder(n, q, levels)  # free Tn (weight order)
    lm = _ladder(m, q, levels)  # free Tm (input / output orders)
    shape = np.broadcast_shapes(ln.shape, lm.shape)
    # Layout [c, g, 8 groups, L] so the final [c, g, 8 * L] view needs no copy.
    full = (*shape[:-1], 8, shape[-1])
    tm, tk, tn = np.empty(full), np.empty(full), np.empty(full)
    fits = np.empty(full, dtype=bool)
    tm, tk, tn, fits = (np.moveaxis(x, -2, 0) for x in (tm, tk, tn, fits))
    # Each group: (fixed tm, tk, tn with one of them maximal); the maximal dimension already
    # satisfies every constraint it appears in (it is 0 when none fits), so only the
    # constraint between the two other dimensions is checked.
    tm[0], tk[0], tn[0] = max_m(K, ln), K, ln  # weight order (a)
    fits[0] = (tm[0] >= 1) & (K * ln * x <= cw)
    tm[1], tn[1] = M, ln  # weight order (b)
    tk[1] = max_k(M, ln)
    fits[1] = (tk[1] >= 1) & (M * ln * a <= co)
    tm[2], tn[2] = m0, ln  # weight order (c)
    tk[2] = max_k(m0, ln)
    fits[2] = (tk[2] >= 1) & (m0 * ln * a <= co)
    tm[3], tk[3] = lm, K  # input order (a)
    tn[3] = max_n(lm, K)
    fits[3] = (tn[3] >= 1) & (lm * K * x <= ci)
    tm[4], tn[4] = lm, N  # input order (b)
    tk[4] = max_k(lm, N)
    fits[4] = (tk[4] >= 1) & (lm * N * a <= co)
    tm[5], tn[5] = lm, n0  # input order (c)
    tk[5] = max_k(lm, n0)
    fits[5] = (tk[5] >= 1) & (lm * n0 * a <= co)
    tm[6], tk[6] = lm, k0  # output order (a)
    tn[6] = max_n(lm, k0)
    fits[6] = (tn[6] >= 1) & (lm * k0 * x <= ci)
    # Output order (b) uses the tiles of input order (a); only the loop order differs.
    tm[7], tk[7], tn[7], fits[7] = tm[3], tk[3], tn[3], fits[3]
    order = np.repeat(np.array([0, 0, 0, 1, 1, 1, 2, 2], dtype=np.int64), levels)

    def flat(arr: np.ndarray) -> np.ndarray:  # [8, c, g, L] view -> [c, g, 8 * L], no copy
        return np.moveaxis(arr, 0, -2).reshape(*shape[:-1], 8 * levels)

    one = np.float64(1.0)
    return (
        order,
        np.maximum(flat(tm), one),
        np.maximum(flat(tk), one),
        np.maximum(flat(tn), one),
        flat(fits),
    )


def select_mapping(
    m: np.ndarray,
    k: np.ndarray,
    n: np.ndarray,
    groups: np.ndarray,
    repeats: np.ndarray,
    sequential: np.ndarray,
    q: np.ndarray,
    bpe: np.ndarray,
    acc: np.ndarray,
    cap: Capacities,
    levels: int = LADDER_LEVELS,
) -> Mapping:
    """Pick the mapping of every (config, kernel): inputs broadcast to ``[c, g]``."""
    order, tm, tk, tn, fits = candidates(m, k, n, q, bpe, acc, cap, levels)
    x = bpe[..., None]
    g3, r3, s3 = groups[..., None], repeats[..., None], sequential[..., None]
    t = gemm_traffic(order, tm, tk, tn, m[..., None], k[..., None], n[..., None], x, acc[..., None])
    total, step, once = kernel_bytes(t, g3, r3)
    resident_seq = s3 & (once > 0)
    exposed = (tm * tk + np.where(resident_seq, 0.0, tk * tn) + tm * tn) * x

    key = np.where(fits, total, np.inf)
    best = key.min(axis=-1, keepdims=True)
    tie = np.where(key == best, exposed, np.inf)
    choice = tie.argmin(axis=-1)[..., None]

    def pick(arr: np.ndarray) -> np.ndarray:
        arr = np.broadcast_to(arr, tm.shape)
        return np.take_along_axis(arr, choice, axis=-1)[..., 0]

    return Mapping(
        feasible=np.isfinite(best[..., 0]),
        order=order[choice[..., 0]],
        tile_m=pick(tm),
        tile_k=pick(tk),
        tile_n=pick(tn),
        a_bytes=pick(t.a_bytes),
        b_bytes=pick(t.b_bytes),
        spill_bytes=pick(t.spill_bytes),
        out_bytes=pick(t.out_bytes),
        total_bytes=pick(total),
        step_bytes=pick(step),
        once_bytes=pick(once),
        exposed_bytes=pick(exposed),
    )


def minimal_tile_overflow(
    m: int, k: int, n: int, q: int, bpe: int, acc: int, cap: tuple[float, float, float, float]
) -> tuple[str, float, float] | None:
    """For error messages: (buffer name, bytes needed, bytes usable) of the first buffer the
    minimal tile overflows, or None if it fits."""
    m0, k0, n0 = min(m, q), min(k, q), min(n, q)
    need_in, need_w, need_out = m0 * k0 * bpe, k0 * n0 * bpe, m0 * n0 * acc
    ci, cw, co, cu = cap
    if np.isfinite(cu):
        total = need_in + need_w + need_out
        return ("unified", total, cu) if total > cu else None
    for name, need, have in (
        ("input", need_in, ci),
        ("weight", need_w, cw),
        ("output", need_out, co),
    ):
        if need > have:
            return name, need, have
    return None
