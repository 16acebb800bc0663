"""Candidate tilings: fixed ladders of tile sizes, tabulated once per array key.

A GEMM ``(M x K) @ (K x N)`` is tiled for the buffers with tiles ``(Tm, Tk, Tn)`` and a loop
order (docs/assumptions.md, part 2, "Mapspace"). Candidate tiles come from fixed ladders,
independent of the buffer capacities:

* a dimension ``D`` split into ``s`` balanced parts and rounded up to the tile quantum
  ``q = lcm(rows, cols)`` (so a tile is the whole dimension or a multiple of both array
  edges): ``min(D, q * ceil(ceil(D / s) / q))``. The balanced split is the smallest tile
  that needs ``s`` passes, so it loses no reuse against any tile between two splits;
* ``min(D, q)``, and tiles smaller than the array (``q/2``, ``q/4``, ... aligned so that
  they are a multiple of an array edge or smaller than it), for buffers too small for
  ``q``.

Eight *families* fix one tile, let a second run over the short *free* ladder, and let the
third -- the *grown* dimension -- take the largest ladder value that fits the buffers:

=========  =========  ==========  ==========  ==========
family     order      fixed       free        grown
=========  =========  ==========  ==========  ==========
0          weight     Tk = K      Tn          Tm
1          weight     Tm = M      Tn          Tk
2          weight     Tm = q      Tn          Tk
3          input      Tk = K      Tm          Tn
4          input      Tn = N      Tm          Tk
5          input      Tn = q      Tm          Tk
6          output     Tk = q      Tm          Tn
7          output     Tk = q/4    Tm          Tn
=========  =========  ==========  ==========  ==========

Everything that depends only on the tiles and the array (traffic, footprints, compute per
dataflow) is tabulated for every (family, free, grown) combination once per *key* (array
shape, units, dataflow, precision, fold convention, buffer ports) -- :func:`tile_table`.
Per configuration only the buffer capacities remain: :func:`pick` finds, for every
(family, free) pair, the largest grown value that fits (a closed form and a search in the
ladder) and gathers those 48 candidates. A bigger buffer can only move a candidate up its
ladder, never drop it, which is what makes "more buffer is never slower" hold.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from accelscope.targets.asic.cost.traffic import ConvColumns, GemmTraffic, conv_pass_elements

#: Splits of the free dimension (balanced, rounded up to q), then q, q/2, q/4.
FREE_SPLITS: tuple[int, ...] = (1, 2, 4)
FREE_SUB: tuple[int, ...] = (1, 2, 4)
#: Splits of the grown dimension, then q, then q/2 ... q/16.
GROWN_SPLITS: tuple[int, ...] = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
GROWN_SUB: tuple[int, ...] = (1, 2, 4, 8, 16)
L_FREE = len(FREE_SPLITS) + len(FREE_SUB)
L_GROWN = len(GROWN_SPLITS) + len(GROWN_SUB)
N_FAMILIES = 8
N_CANDIDATES = N_FAMILIES * L_FREE
N_COMBOS = N_CANDIDATES * L_GROWN

ORDER_OF_FAMILY = np.array([0, 0, 0, 1, 1, 1, 2, 2], dtype=np.int64)
#: Dimension (0 = m, 1 = k, 2 = n) that is free / grown in each family.
FREE_DIM = np.array([2, 2, 2, 0, 0, 0, 0, 0])
GROWN_DIM = np.array([0, 1, 1, 2, 1, 1, 2, 2])
_SPLITS = np.asarray(GROWN_SPLITS, dtype=np.float64)


def sub_array(raw: np.ndarray, a_min: np.ndarray, nested: np.ndarray) -> np.ndarray:
    """Largest tile <= raw below q that lines up with both array edges: the shorter edge
    ``a_min`` times a power of two when the longer edge is a multiple of it (``nested``,
    e.g. power-of-two arrays), else ``a_min`` itself; below ``a_min`` a power of two. Every
    such tile is a multiple of an edge or smaller than it. 0 when raw < 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pow2 = np.exp2(np.floor(np.log2(np.maximum(raw, 1.0))))
        over = a_min * np.exp2(np.floor(np.log2(np.maximum(raw / a_min, 1.0))))
    big = np.where(nested, over, a_min)
    return np.where(raw >= a_min, big, np.where(raw >= 1.0, pow2, 0.0))


def _ladder(
    dim: np.ndarray,
    q: np.ndarray,
    a_min: np.ndarray,
    nested: np.ndarray,
    splits: tuple[int, ...],
    subs: tuple[int, ...],
) -> np.ndarray:
    """Non-increasing ladder ``[..., len(splits) + len(subs)]`` (see module docstring)."""
    d, qq = dim[..., None], q[..., None]
    s = np.asarray(splits, dtype=np.float64)
    vals = np.minimum(d, np.ceil(np.ceil(d / s) / qq) * qq)
    raw = np.maximum(np.floor(qq / np.asarray(subs, dtype=np.float64)), 1.0)
    sub = np.where(raw >= qq, qq, sub_array(raw, a_min[..., None], nested[..., None]))
    return np.concatenate([vals, np.minimum(d, sub)], axis=-1)


class KeyColumns(NamedTuple):
    """Columns ``[u, 1]`` of the distinct keys a tile table is built for."""

    rows: np.ndarray
    cols: np.ndarray
    bpe: np.ndarray
    acc: np.ndarray


class TileTable(NamedTuple):
    """All tile combinations of every (key, kernel): arrays ``[u, g, N_COMBOS]`` (combo =
    family x free x grown, row-major), plus the data :func:`pick` needs."""

    tile_m: np.ndarray
    tile_k: np.ndarray
    tile_n: np.ndarray
    fp_a: np.ndarray  # staging bytes of the input tile
    fp_b: np.ndarray
    fp_o: np.ndarray
    a_pg: np.ndarray  # DRAM bytes per group and repeat
    b_pg: np.ndarray
    spill_pg: np.ndarray
    b_whole: np.ndarray  # bool
    # for pick(): per (key, kernel, family, free) the two tiles that are not grown
    other1: np.ndarray  # [u, g, F, L_FREE]
    other2: np.ndarray
    grown_ladder: np.ndarray  # [u, g, F, L_GROWN] the grown dimension's ladder
    grown_dim: np.ndarray  # [F] dimension code
    q: np.ndarray  # [u, 1]
    rho: np.ndarray  # [u, g] staging bytes of A per im2col element / bpe


def tile_table(
    m: np.ndarray,
    k: np.ndarray,
    n: np.ndarray,
    a_on_chip: np.ndarray,
    conv: ConvColumns,
    key: KeyColumns,
) -> TileTable:
    """Tabulate every tile combination of every (key ``[u, 1]``, kernel ``[1, g]``)."""
    r_i, c_i = key.rows.astype(np.int64), key.cols.astype(np.int64)
    q = np.lcm(r_i, c_i).astype(np.float64)
    a_min = np.minimum(key.rows, key.cols)
    nested = np.maximum(r_i, c_i) % np.minimum(r_i, c_i) == 0
    dims = (m, k, n)
    shape2 = np.broadcast_shapes(m.shape, q.shape)
    bq, bmin, bnest = (np.broadcast_to(v, shape2) for v in (q, a_min, nested))

    def ladders(splits: tuple[int, ...], subs: tuple[int, ...]) -> list[np.ndarray]:
        return [_ladder(np.broadcast_to(d, shape2), bq, bmin, bnest, splits, subs) for d in dims]

    free_l = ladders(FREE_SPLITS, FREE_SUB)
    grown_l = ladders(GROWN_SPLITS, GROWN_SUB)
    qq = np.broadcast_to(q, shape2)
    k_quarter = np.minimum(k, sub_array(np.maximum(np.floor(qq / 4.0), 1.0), a_min, nested))
    fixed = [  # (dimension, value) fixed by each family
        (1, np.broadcast_to(k, shape2)),
        (0, np.broadcast_to(m, shape2)),
        (0, np.minimum(m, qq)),
        (1, np.broadcast_to(k, shape2)),
        (2, np.broadcast_to(n, shape2)),
        (2, np.minimum(n, qq)),
        (1, np.minimum(k, qq)),
        (1, np.broadcast_to(k_quarter, shape2)),
    ]
    u, g = shape2
    tiles = np.empty((3, u, g, N_FAMILIES, L_FREE, L_GROWN))
    other = np.empty((2, u, g, N_FAMILIES, L_FREE))
    grown = np.empty((u, g, N_FAMILIES, L_GROWN))
    for f, (fdim, fval) in enumerate(fixed):
        free_dim, grown_dim = FREE_DIM[f], GROWN_DIM[f]
        tiles[fdim, :, :, f] = fval[..., None, None]
        tiles[free_dim, :, :, f] = free_l[free_dim][..., :, None]
        tiles[grown_dim, :, :, f] = grown_l[grown_dim][..., None, :]
        grown[:, :, f] = grown_l[grown_dim]
        rest = sorted({fdim, free_dim})  # the two non-grown dimensions, in m, k, n order
        other[0, :, :, f] = tiles[rest[0], :, :, f, :, 0]
        other[1, :, :, f] = tiles[rest[1], :, :, f, :, 0]
    tm, tk, tn = (t.reshape(u, g, N_COMBOS) for t in tiles)
    order = np.tile(np.repeat(ORDER_OF_FAMILY, L_FREE * L_GROWN), 1)
    m3, k3, n3 = m[..., None], k[..., None], n[..., None]
    conv3 = ConvColumns(*(np.asarray(x)[..., None] for x in conv))
    bpe, acc = key.bpe[..., None], key.acc[..., None]
    t = _tile_traffic(order, tm, tk, tn, m3, k3, n3, bpe, acc, conv3)
    full_pass = conv_pass_elements(m, k, m, conv)
    rho = np.broadcast_to(np.where(a_on_chip, 0.0, full_pass / (m * k)), shape2)
    return TileTable(
        tile_m=tm,
        tile_k=tk,
        tile_n=tn,
        fp_a=tm * tk * bpe * rho[..., None],
        fp_b=tk * tn * bpe,
        fp_o=tm * tn * acc,
        a_pg=np.where(np.asarray(a_on_chip)[..., None], 0.0, t.a_bytes),
        b_pg=t.b_bytes,
        spill_pg=t.spill_bytes,
        b_whole=t.b_whole,
        other1=other[0],
        other2=other[1],
        grown_ladder=grown,
        grown_dim=GROWN_DIM,
        q=q,
        rho=rho,
    )


def _tile_traffic(order, tm, tk, tn, m, k, n, bpe, acc, conv: ConvColumns) -> GemmTraffic:
    """:func:`gemm_traffic` with :func:`conv_pass_elements` of every tile candidate, by the
    compiled element-wise kernel (bit-identical to the array expressions, tested)."""
    from accelscope.targets.asic.cost.tiled_kernel import tile_traffic

    f = np.float64
    args = [np.asarray(order, np.int64)] + [np.asarray(x, f) for x in (tm, tk, tn, m, k, n)]
    args += [np.asarray(bpe, f), np.asarray(acc, f), np.asarray(conv.is_conv, bool)]
    names = ("batch", "channels", "in_h", "in_w", "out_w", "stride_h", "stride_w", "span_h")
    args += [np.asarray(getattr(conv, x), f) for x in (*names, "span_w")]
    a_bytes, b_bytes, spill_bytes, b_whole = tile_traffic(*args)
    return GemmTraffic(a_bytes, b_bytes, spill_bytes, m * n * bpe, b_whole)


def pick(
    tt: TileTable,
    rows: np.ndarray,
    dims: tuple[np.ndarray, np.ndarray, np.ndarray],
    bpe: np.ndarray,
    acc: np.ndarray,
    cap: tuple[np.ndarray, ...],
) -> tuple[np.ndarray, np.ndarray]:
    """For every configuration (its key row ``rows [c]``) and every (kernel, family, free):
    the combo index of the largest grown tile that fits, and whether the candidate fits at
    all. Returns (combo index ``[c, g, N_CANDIDATES]``, fits).

    The grown value is found in closed form: split ``s`` of the grown dimension ``D`` fits
    iff ``s >= D / floor_q(raw)`` with ``raw`` the largest real tile the buffers allow
    (input ``Tm*Tk*bpe*rho <= ci``, weight ``Tk*Tn*bpe <= cw``, output
    ``Tm*Tn*acc <= co``, their sum ``<= cu``), else the first smaller-than-``q`` tile
    ``<= raw``; the non-grown tiles must fit on their own too (compiled loop:
    :func:`accelscope.targets.asic.cost.select.pick_kernel`).
    """
    from accelscope.targets.asic.cost.select import column, pick_kernel

    c = rows.shape[0]
    g = tt.other1.shape[1]
    f64 = np.float64
    dims3 = np.stack([np.broadcast_to(np.asarray(v, dtype=f64).reshape(-1), (g,)) for v in dims])
    combo = np.empty((c, g, N_CANDIDATES), dtype=np.int64)
    fits = np.empty((c, g, N_CANDIDATES), dtype=bool)

    pick_kernel(
        np.ascontiguousarray(rows, dtype=np.int64),
        column(bpe, c),
        column(acc, c),
        *(column(v, c) for v in cap),
        np.ascontiguousarray(tt.other1, dtype=f64),
        np.ascontiguousarray(tt.other2, dtype=f64),
        np.ascontiguousarray(tt.grown_ladder, dtype=f64),
        np.ascontiguousarray(tt.grown_dim, dtype=np.int64),
        np.ascontiguousarray(dims3),
        np.ascontiguousarray(np.asarray(tt.q, dtype=f64).reshape(-1)),
        np.ascontiguousarray(np.broadcast_to(tt.rho, tt.other1.shape[:2]), dtype=f64),
        _SPLITS,
        np.ascontiguousarray(tt.fp_a, dtype=f64),
        np.ascontiguousarray(tt.fp_b, dtype=f64),
        np.ascontiguousarray(tt.fp_o, dtype=f64),
        combo,
        fits,
    )
    return combo, fits
