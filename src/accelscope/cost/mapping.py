"""Mapping search: tiles, loop order and dataflow of every (configuration, GEMM), by latency.

Candidate tiles come from fixed ladders (:mod:`accelscope.cost.tiles`): everything that
depends only on the tiles and the array -- traffic, buffer footprints, compute cycles of
the tiled GEMM per dataflow (:func:`~accelscope.cost.systolic.tiled_compute_cycles`, per
fold convention, split over the arrays), buffer-port cycles -- is tabulated once per
*key* (array shape, units, dataflow, precision, fold convention, ports) by
:func:`key_table`. Per configuration :func:`candidates_for` keeps, for each of the 48
(family, free tile) pairs, the largest tile of the grown dimension that fits the buffers.

Selection happens per *occurrence* of a kernel in the network (:func:`choose`), with the
operands that stay on chip, the extra reads and the overlapped element-wise work of that
occurrence, so the objective is the latency the layer really has: DRAM time of the
traffic, exposed first/last fold transfers, compute and buffer-port cycles. The mapper
keeps the lowest latency, then the fewest DRAM bytes, then the lowest tiling-dependent
energy (DRAM, buffer fills, array feed), then candidate order; ``auto`` keeps the fastest
dataflow with the same tie-breaks. A bigger buffer only moves candidates up their ladders
(larger tiles never cost time or traffic within a family), so more buffer or more
bandwidth never makes a kernel slower, and a bigger buffer adds DRAM traffic only where it
buys time (tested; docs/assumptions.md explains why traffic before energy).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from accelscope.cost import tiles
from accelscope.cost.systolic import DATAFLOWS, tiled_compute_cycles
from accelscope.cost.traffic import OUTPUT_REUSE, ConvColumns

N_CANDIDATES = tiles.N_CANDIDATES


class Capacities(NamedTuple):
    """Usable tile bytes per configuration (halved under double buffering), ``[c]``."""

    input_bytes: np.ndarray
    weight_bytes: np.ndarray
    output_bytes: np.ndarray
    unified_bytes: np.ndarray  # total-footprint limit (inf for separate buffers)


class KernelColumns(NamedTuple):
    """GEMM columns ``[1, g]`` (float64 unless noted) of the (kernel, variant) pairs."""

    m: np.ndarray
    k: np.ndarray
    n: np.ndarray
    groups: np.ndarray
    repeats: np.ndarray
    sequential: np.ndarray  # bool
    a_on_chip: np.ndarray  # bool: operand A needs no staging and no DRAM traffic
    conv: ConvColumns


class ConfigColumns(NamedTuple):
    """Configuration columns ``[c, 1]`` the mapper needs (float64 unless noted)."""

    rows: np.ndarray
    cols: np.ndarray
    units: np.ndarray
    dataflow: np.ndarray  # int64 code, 3 = auto
    bpe: np.ndarray
    acc: np.ndarray
    bytes_per_cycle: np.ndarray  # DRAM bytes per cycle
    double_buffering: np.ndarray  # bool
    pipelined: np.ndarray  # bool
    port_in: np.ndarray  # buffer port bytes per cycle
    port_w: np.ndarray
    port_out: np.ndarray
    unified: np.ndarray  # bool
    dram_pj: np.ndarray  # pJ per DRAM byte (device + PHY)
    sram_in_pj: np.ndarray  # pJ per buffer byte
    sram_w_pj: np.ndarray
    sram_out_pj: np.ndarray


class Mapping(NamedTuple):
    """The chosen mapping of every (config, kernel-variant); arrays ``[c, g]``.

    Per-*stream* quantities: a stream is one repeat of a sequential kernel, or the whole
    kernel (all groups and repeats) otherwise; ``streams`` counts them.
    """

    feasible: np.ndarray  # bool
    dataflow: np.ndarray  # int64 code 0..2
    order: np.ndarray  # int64 loop-order code (traffic.LOOP_ORDERS)
    tile_m: np.ndarray
    tile_k: np.ndarray
    tile_n: np.ndarray
    array_cycles: np.ndarray  # compute cycles per stream (all arrays)
    sram_cycles: np.ndarray  # buffer-port cycles per stream
    a_bytes: np.ndarray  # DRAM bytes per stream
    b_bytes: np.ndarray
    spill_bytes: np.ndarray
    out_bytes: np.ndarray
    once_bytes: np.ndarray  # B kept on chip across sequential steps, loaded once
    exposed_a: np.ndarray  # bytes per stream that cannot overlap compute
    exposed_b: np.ndarray
    exposed_out: np.ndarray
    streams: np.ndarray
    feed_in: np.ndarray  # buffer bytes read/written to feed the array, per stream
    feed_w: np.ndarray
    feed_out: np.ndarray


# ---------------------------------------------------------------------------- timing
def _unit_split(kc: KernelColumns, units: np.ndarray):
    """Per-array GEMM when the work is dealt out to ``units`` arrays (see latency docs):
    (m per array, n per array, GEMMs per array), broadcast ``[c, g]``."""
    g_eff = kc.groups * np.where(kc.sequential, 1.0, kc.repeats)
    per_unit = np.ceil(g_eff / units)
    split = np.maximum(np.floor(units / g_eff), 1.0)
    m_larger = kc.m >= kc.n
    m_s = np.where(m_larger, np.ceil(kc.m / split), kc.m)
    n_s = np.where(m_larger, kc.n, np.ceil(kc.n / split))
    return m_s, n_s, per_unit


def compute_cycles(
    code: int,
    kc3: KernelColumns,
    order: np.ndarray,
    tm: np.ndarray,
    tk: np.ndarray,
    tn: np.ndarray,
    cf3: ConfigColumns,
    split: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Array cycles per stream of tiled candidates under dataflow *code* (all arrays)."""
    m_s, n_s, per_unit = split
    tm_u, tn_u = np.minimum(tm, m_s), np.minimum(tn, n_s)
    m_u = np.broadcast_to(m_s, tm.shape)
    n_u = np.broadcast_to(n_s, tm.shape)
    k_u = np.broadcast_to(kc3.k, tm.shape)
    if code == 0:  # ws: K along rows, N along cols, M streamed
        dims = (k_u, n_u, m_u, tk, tn_u, tm_u)
    elif code == 2:  # is: K along rows, M along cols, N streamed
        dims = (k_u, m_u, n_u, tk, tm_u, tn_u)
    else:  # os: M along rows, N along cols, K streamed (one pass when K is innermost)
        t_s = np.where(order == OUTPUT_REUSE, k_u, tk)
        dims = (m_u, n_u, k_u, tm_u, tn_u, t_s)
    pip = np.asarray(cf3.pipelined)
    flag: np.ndarray | bool = bool(pip.flat[0]) if pip.size and (pip == pip.flat[0]).all() else pip
    cyc = tiled_compute_cycles(*dims, cf3.rows, cf3.cols, code == 1, flag)
    return cyc * per_unit


def feed_bytes(code: int, kc: KernelColumns, cf: ConfigColumns) -> tuple[np.ndarray, ...]:
    """Buffer bytes moved to feed the array per stream (input, weight, output buffers)
    under dataflow *code*, untiled (docs: energy): ``[c, g]``."""
    m, k, n, bpe, acc = kc.m, kc.k, kc.n, cf.bpe, cf.acc
    g = kc.groups * np.where(kc.sequential, 1.0, kc.repeats)
    mk, kn, mn = m * k * bpe, k * n * bpe, m * n * acc
    if code == 0:
        a, b, o = mk * np.ceil(n / cf.cols), kn + 0 * m, (2.0 * np.ceil(k / cf.rows) - 1.0) * mn
    elif code == 1:
        a, b, o = mk * np.ceil(n / cf.cols), kn * np.ceil(m / cf.rows), mn + 0 * k
    else:
        a, b, o = mk + 0 * n, kn * np.ceil(m / cf.cols), (2.0 * np.ceil(k / cf.rows) - 1.0) * mn
    return a * g, b * g, o * g


def sram_cycles(feed: tuple[np.ndarray, ...], cf: ConfigColumns) -> np.ndarray:
    """Cycles the buffer ports need to feed the array: the busiest port (separate
    buffers), or all traffic through the unified buffer's port."""
    a, b, o = feed
    separate = np.maximum(np.maximum(a / cf.port_in, b / cf.port_w), o / cf.port_out)
    unified = (a + b + o) / cf.port_in
    return np.where(cf.unified, unified, separate)


# ---------------------------------------------------------------------------- search
def _exposed(kc: KernelColumns, cf: ConfigColumns, bpe: np.ndarray):
    """Bytes of the first fold's operands and the last fold's results (cannot overlap)."""
    r, c = cf.rows, cf.cols
    e_a = np.where(kc.a_on_chip, 0.0, np.minimum(kc.m, r) * np.minimum(kc.k, r) * bpe)
    e_b = np.minimum(kc.k, r) * np.minimum(kc.n, c) * bpe
    e_o = np.minimum(kc.m, r) * np.minimum(kc.n, c) * bpe
    return e_a, e_b, e_o


class KeyTable(NamedTuple):
    """Tabulated candidates of every (key, kernel): :class:`~accelscope.cost.tiles.TileTable`
    plus per-stream traffic and compute per dataflow (``inf`` where the key's dataflow does
    not allow it); arrays ``[u, g, N_COMBOS]`` unless noted."""

    tt: tiles.TileTable
    a_bytes: np.ndarray
    b_bytes: np.ndarray
    spill_bytes: np.ndarray
    out_bytes: np.ndarray  # [u, g] (does not depend on the tiles)
    once_bytes: np.ndarray
    compute: np.ndarray  # [3, u, g, N_COMBOS]
    sram: np.ndarray  # [3, u, g]
    feed: np.ndarray  # [3, 3, u, g]
    exposed_a: np.ndarray  # [u, g]
    exposed_b: np.ndarray
    exposed_out: np.ndarray
    streams: np.ndarray  # [u, g]


def key_table(kc: KernelColumns, key: ConfigColumns) -> KeyTable:
    """Tabulate every tile combination of every (key ``[u, 1]``, kernel ``[1, g]``)."""
    tt = tiles.tile_table(
        kc.m,
        kc.k,
        kc.n,
        kc.a_on_chip,
        kc.conv,
        tiles.KeyColumns(key.rows, key.cols, key.bpe, key.acc),
    )
    shape = tt.tile_m.shape
    e3 = lambda v: np.asarray(v)[..., None]  # noqa: E731
    kc3 = KernelColumns(*(e3(v) for v in kc[:-1]), ConvColumns(*(e3(v) for v in kc.conv)))
    cf3 = ConfigColumns(*(e3(v) for v in key))
    resident_b = tt.b_whole & (kc3.groups == 1) & (kc3.repeats > 1) & kc3.sequential
    per_stream = np.where(kc3.sequential, kc3.groups, kc3.groups * kc3.repeats)
    e_a, e_b, e_o = _exposed(kc, key, key.bpe)
    streams = np.broadcast_to(np.where(kc.sequential, kc.repeats, 1.0), shape[:-1])
    split = _unit_split(kc3, cf3.units)
    u = shape[0]
    order = np.repeat(tiles.ORDER_OF_FAMILY, tiles.L_FREE * tiles.L_GROWN)
    compute = np.full((len(DATAFLOWS), *shape), np.inf)
    sram = np.zeros((len(DATAFLOWS), *shape[:-1]))
    feed = np.zeros((len(DATAFLOWS), 3, *shape[:-1]))
    for code in range(len(DATAFLOWS)):
        rows = np.flatnonzero((key.dataflow[:, 0] == code) | (key.dataflow[:, 0] == 3))
        if rows.size == 0:
            continue
        sub = lambda v: v[rows] if np.ndim(v) and np.shape(v)[0] == u else v  # noqa: E731
        cf_sub = ConfigColumns(*(sub(v) for v in key))
        cf3_sub = ConfigColumns(*(sub(v) for v in cf3))
        split_sub = tuple(sub(v) for v in split)
        compute[code, rows] = compute_cycles(
            code, kc3, order, sub(tt.tile_m), sub(tt.tile_k), sub(tt.tile_n), cf3_sub, split_sub
        )
        fd = feed_bytes(code, kc, cf_sub)
        sram[code, rows] = sram_cycles(fd, cf_sub)
        for i in range(3):
            feed[code, i, rows] = fd[i]
    out_pg = kc.m * kc.n * key.bpe
    return KeyTable(
        tt=tt,
        a_bytes=tt.a_pg * per_stream,
        b_bytes=np.where(resident_b, 0.0, tt.b_pg) * per_stream,
        spill_bytes=tt.spill_pg * per_stream,
        out_bytes=np.broadcast_to(out_pg * per_stream[..., 0], shape[:-1]),
        once_bytes=np.where(resident_b, tt.b_pg, 0.0),
        compute=compute,
        sram=sram,
        feed=feed,
        exposed_a=np.broadcast_to(e_a, shape[:-1]),
        exposed_b=np.broadcast_to(e_b, shape[:-1]),
        exposed_out=np.broadcast_to(e_o, shape[:-1]),
        streams=streams,
    )


class CandidateTable(NamedTuple):
    """The candidates of every (configuration, kernel): arrays ``[c, g, N_CANDIDATES]``
    (per-dataflow ones with a leading axis of 3, ``inf`` compute = not allowed or does not
    fit); tile-independent ones ``[c, g]``. Bytes are per stream."""

    order: np.ndarray  # [c, g, n] int64
    tile_m: np.ndarray
    tile_k: np.ndarray
    tile_n: np.ndarray
    a_bytes: np.ndarray
    b_bytes: np.ndarray
    spill_bytes: np.ndarray
    out_bytes: np.ndarray  # [c, g, n] broadcast
    once_bytes: np.ndarray
    compute: np.ndarray  # [3, c, g, n]
    sram: np.ndarray  # [3, c, g]
    feed: np.ndarray  # [3, 3, c, g]
    exposed_a: np.ndarray  # [c, g]
    exposed_b: np.ndarray
    exposed_out: np.ndarray
    streams: np.ndarray  # [c, g]


def candidates_for(
    kt: KeyTable,
    rows: np.ndarray,
    kc: KernelColumns,
    bpe: np.ndarray,
    acc: np.ndarray,
    cap: Capacities,
) -> CandidateTable:
    """The 48 candidates of every (configuration, kernel): for each (family, free tile) the
    largest grown tile that fits the configuration's buffers. ``rows`` ``[c]``: each
    configuration's key row in ``kt``."""
    dims = (kc.m, kc.k, kc.n)
    combo, fits = tiles.pick(kt.tt, rows, dims, bpe, acc, tuple(cap))
    c, g, n = combo.shape
    r = rows[:, None, None]
    gi = np.arange(g)[None, :, None]
    take = lambda arr: arr[r, gi, combo]  # noqa: E731
    compute = np.full((len(DATAFLOWS), c, g, n), np.inf)
    for code in range(len(DATAFLOWS)):
        vals = kt.compute[code][r, gi, combo]
        compute[code] = np.where(fits, vals, np.inf)
    order = np.repeat(tiles.ORDER_OF_FAMILY, tiles.L_FREE)
    return CandidateTable(
        order=np.broadcast_to(order, (c, g, n)),
        tile_m=take(kt.tt.tile_m),
        tile_k=take(kt.tt.tile_k),
        tile_n=take(kt.tt.tile_n),
        a_bytes=take(kt.a_bytes),
        b_bytes=take(kt.b_bytes),
        spill_bytes=take(kt.spill_bytes),
        out_bytes=np.broadcast_to(kt.out_bytes[rows][..., None], (c, g, n)),
        once_bytes=take(kt.once_bytes),
        compute=compute,
        sram=kt.sram[:, rows],
        feed=kt.feed[:, :, rows],
        exposed_a=kt.exposed_a[rows],
        exposed_b=kt.exposed_b[rows],
        exposed_out=kt.exposed_out[rows],
        streams=kt.streams[rows],
    )


def choose(
    ct: CandidateTable,
    rows: np.ndarray,
    pair: np.ndarray,
    a_on_chip: np.ndarray,
    b_on_chip: np.ndarray,
    out_on_chip: np.ndarray,
    extra_bytes: np.ndarray,
    bytes_per_cycle: np.ndarray,
    double_buffering: np.ndarray,
    dram_pj: np.ndarray,
    sram_pj: tuple[np.ndarray, np.ndarray, np.ndarray],
    floor_cycles: np.ndarray | None = None,
    dataflow: np.ndarray | None = None,
) -> Mapping:
    """Pick, for every (config, occurrence), the candidate and dataflow with the lowest
    latency *as the occurrence runs* -- with its operands that stay on chip and its extra
    reads -- then the fewest DRAM bytes, then the lowest tiling-dependent energy.

    ``rows`` ``[c]`` maps each configuration to its row of ``ct`` (tables are built once
    per distinct mapping key); ``pair`` ``[c, O]`` indexes the kernel axis; flags and
    ``extra_bytes`` are ``[c, O]``; config columns ``[c, 1]``. ``floor_cycles`` ``[c, O]``:
    work overlapped with the occurrence (fused element-wise ops), which its latency
    cannot go below. ``dataflow`` ``[c]``: the configurations' dataflow codes (3 = auto),
    so only allowed dataflows are timed. Returns ``[c, O]`` arrays.
    """
    c, n_occ = pair.shape
    r = rows[:, None]
    sram_in, sram_w, sram_out = (x[..., None] for x in sram_pj)
    a = ct.a_bytes[r, pair] * ~a_on_chip[..., None]
    b = ct.b_bytes[r, pair] * ~b_on_chip[..., None]
    sp = ct.spill_bytes[r, pair]
    o_full = ct.out_bytes[r, pair]
    once = ct.once_bytes[r, pair]
    streams2 = ct.streams[r, pair]
    streams = streams2[..., None]
    const = (o_full * ~out_on_chip[..., None]) + (extra_bytes / streams2)[..., None]
    mem_s = a + b + sp + const
    exp2 = (
        ct.exposed_a[r, pair] * ~a_on_chip
        + ct.exposed_b[r, pair] * ~b_on_chip
        + ct.exposed_out[r, pair] * ~out_on_chip
    )
    bpc = bytes_per_cycle[..., None]
    db = double_buffering[..., None]
    mem_c = mem_s / bpc
    exp_c = np.minimum(exp2[..., None], mem_s) / bpc
    total = streams * mem_s + once
    best_lat = np.full((c, n_occ), np.inf)
    best_en = np.full((c, n_occ), np.inf)
    best_total = np.full((c, n_occ), np.inf)
    choice = np.zeros((c, n_occ), dtype=np.int64)
    flow = np.zeros((c, n_occ), dtype=np.int64)
    array_cycles = np.zeros((c, n_occ))
    sram_sel = np.zeros((c, n_occ))
    feed_sel = np.zeros((3, c, n_occ))
    codes = np.full(c, 3) if dataflow is None else np.asarray(dataflow).reshape(-1)
    for code in range(len(DATAFLOWS)):
        sel = np.flatnonzero((codes == code) | (codes == 3))
        if sel.size == 0:
            continue
        whole = sel.size == c
        pick_rows = (lambda v: v) if whole else (lambda v: v[sel])  # noqa: E731
        rs, ps = r if whole else r[sel], pair if whole else pair[sel]
        comp = ct.compute[code][rs, ps]
        sram = ct.sram[code][rs, ps]
        comp_eff = np.maximum(comp, sram[..., None])
        exp_s, mem_cs = pick_rows(exp_c), pick_rows(mem_c)
        lat_s = np.where(
            pick_rows(db), exp_s + np.maximum(comp_eff, mem_cs - exp_s), comp_eff + mem_cs
        )
        lat = pick_rows(streams) * lat_s + pick_rows(once) / pick_rows(bpc)
        if floor_cycles is not None:
            lat = np.maximum(lat, pick_rows(floor_cycles)[..., None])
        # Lexicographic (latency, DRAM bytes, candidate order) within the dataflow.
        best = lat.min(axis=-1, keepdims=True)
        tot = np.where(lat == best, pick_rows(total), np.inf)
        ch = tot.argmin(axis=-1)
        lat_k = best[..., 0]
        tot_k = np.take_along_axis(tot, ch[..., None], -1)[..., 0]
        fd = [ct.feed[code, i][rs, ps] for i in range(3)]
        # Tiling-dependent energy of the chosen candidate (DRAM, fills, array feed).
        dpj = pick_rows(dram_pj)
        take = lambda v: np.take_along_axis(pick_rows(v), ch[..., None], -1)[..., 0]  # noqa: E731
        st = pick_rows(streams2)
        en_k = (
            st * (take(a) * (dpj + pick_rows(sram_pj[0])) + take(b) * (dpj + pick_rows(sram_pj[1])))
            + st * (take(sp) + take(const)) * (dpj + pick_rows(sram_pj[2]))
            + take(once) * (dpj + pick_rows(sram_pj[1]))
            + st * (fd[0] * pick_rows(sram_pj[0]) + fd[1] * pick_rows(sram_pj[1]))
            + st * fd[2] * pick_rows(sram_pj[2])
        )
        # Across dataflows: the fastest, then fewer DRAM bytes, then lower energy
        # (then ws < os < is).
        cur = lambda v: v if whole else v[sel]  # noqa: E731
        better = (lat_k < cur(best_lat)) | (
            (lat_k == cur(best_lat))
            & ((tot_k < cur(best_total)) | ((tot_k == cur(best_total)) & (en_k < cur(best_en))))
        )

        def put(dst: np.ndarray, val: np.ndarray, better: np.ndarray = better) -> None:
            if whole:
                dst[...] = np.where(better, val, dst)
            else:
                dst[sel] = np.where(better, val, dst[sel])

        put(choice, ch)
        put(flow, np.full(ch.shape, code))
        put(array_cycles, np.take_along_axis(comp, ch[..., None], -1)[..., 0])
        put(sram_sel, sram)
        for i in range(3):
            put(feed_sel[i], fd[i])
        put(best_en, en_k)
        put(best_total, tot_k)
        put(best_lat, lat_k)
    ch = choice[..., None]
    pick = lambda arr: np.take_along_axis(arr, ch, -1)[..., 0]  # noqa: E731
    return Mapping(
        feasible=np.isfinite(best_lat),
        dataflow=flow,
        order=np.take_along_axis(ct.order[r, pair], choice[..., None], -1)[..., 0],
        tile_m=pick(ct.tile_m[r, pair]),
        tile_k=pick(ct.tile_k[r, pair]),
        tile_n=pick(ct.tile_n[r, pair]),
        array_cycles=array_cycles,
        sram_cycles=sram_sel,
        a_bytes=pick(a),
        b_bytes=pick(b),
        spill_bytes=pick(sp),
        out_bytes=pick(o_full),
        once_bytes=pick(once),
        exposed_a=ct.exposed_a[r, pair] * ~a_on_chip,
        exposed_b=ct.exposed_b[r, pair],
        exposed_out=ct.exposed_out[r, pair],
        streams=streams2,
        feed_in=feed_sel[0],
        feed_w=feed_sel[1],
        feed_out=feed_sel[2],
    )


def minimal_tile_overflow(
    m: int, k: int, n: int, bpe: int, acc: int, cap: tuple[float, float, float, float]
) -> tuple[str, float, float] | None:
    """For error messages: (buffer name, bytes needed, bytes usable) of the first buffer the
    smallest possible tile (1 x 1 x 1) overflows, or None if it fits."""
    need_in, need_w, need_out = bpe, bpe, acc
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


__all__ = [
    "CandidateTable",
    "Capacities",
    "ConfigColumns",
    "KernelColumns",
    "KeyTable",
    "Mapping",
    "N_CANDIDATES",
    "candidates_for",
    "choose",
    "key_table",
]
