"""Mapping search: tiles, loop order and dataflow of every (configuration, GEMM), by latency.

Candidate tiles come from fixed ladders (:mod:`accelscope.targets.asic.cost.tiles`): everything that
depends only on the tiles and the array -- traffic, buffer footprints, compute cycles of
the tiled GEMM per dataflow (:func:`~targets.asic.cost.systolic.tiled_compute_cycles`, per
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

from accelscope.targets.asic.cost import tiles
from accelscope.targets.asic.cost.systolic import DATAFLOWS, tiled_compute_cycles
from accelscope.targets.asic.cost.traffic import OUTPUT_REUSE, ConvColumns

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
    """Tabulated candidates of every (key, kernel): :class:`~targets.asic.cost.tiles.TileTable`
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

        def sub(v, rows: np.ndarray = rows):  # rows of the keys that allow this dataflow
            return v[rows] if np.ndim(v) and np.shape(v)[0] == u else v

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
    """The 48 candidates of every configuration, as indices into a :class:`KeyTable`:
    ``rows [c]`` each configuration's key row, ``combo [c, g, N_CANDIDATES]`` the tile
    combination of each (kernel, candidate), ``fits`` whether it fits the buffers."""

    kt: KeyTable
    rows: np.ndarray
    combo: np.ndarray
    fits: np.ndarray


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
    from accelscope.targets.asic.cost.rowkeys import row_groups
    from accelscope.targets.asic.cost.select import column

    # Configurations with the same key and buffers have the same candidates: pick once.
    c = np.asarray(rows).shape[0]
    fields = [np.asarray(rows, dtype=np.float64), column(bpe, c), column(acc, c)]
    fields += [column(v, c) for v in cap]
    first, inverse = row_groups(fields)
    combo, fits = tiles.pick(
        kt.tt,
        np.asarray(rows)[first],
        (kc.m, kc.k, kc.n),
        fields[1][first],
        fields[2][first],
        tuple(f[first] for f in fields[3:]),
    )
    return CandidateTable(kt, np.asarray(rows, dtype=np.int64), combo[inverse], fits[inverse])


def _c(x: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=dtype)


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
    reads -- then the fewest DRAM bytes, then the lowest tiling-dependent energy (DRAM,
    buffer fills, array feed), then candidate order; across dataflows the same order, then
    ws < os < is.

    ``rows`` ``[c]`` indexes the configurations of ``ct``; ``pair`` ``[O]`` (or ``[c, O]``
    with equal rows) the kernel of each occurrence; flags and ``extra_bytes`` are
    ``[c, O]``; configuration columns ``[c]`` or ``[c, 1]``. ``floor_cycles`` ``[c, O]``:
    work overlapped with the occurrence (fused element-wise ops), which its latency cannot
    go below. ``dataflow`` ``[c]``: dataflow codes (3 = auto), so only allowed dataflows
    are timed. The loop is compiled (:func:`accelscope.targets.asic.cost.select.choose_kernel`).
    Returns ``[c, O]`` arrays.
    """
    from accelscope.targets.asic.cost.select import choose_kernel, column

    kt = ct.kt
    crow = np.asarray(rows, dtype=np.int64).reshape(-1)
    krow = ct.rows[crow]
    occ = np.asarray(pair, dtype=np.int64)
    occ = occ[0] if occ.ndim == 2 else occ
    c, n_occ = crow.shape[0], occ.shape[0]
    codes = np.full(c, 3) if dataflow is None else np.asarray(dataflow).reshape(-1)
    floor = np.zeros((c, n_occ)) if floor_cycles is None else floor_cycles
    choice = np.empty((c, n_occ), dtype=np.int64)
    flow = np.empty((c, n_occ), dtype=np.int64)
    best_lat = np.empty((c, n_occ))
    array_cycles = np.zeros((c, n_occ))
    sram_sel = np.zeros((c, n_occ))
    feed_sel = np.zeros((3, c, n_occ))
    choose_kernel(
        _c(krow, np.int64),
        _c(crow, np.int64),
        _c(occ, np.int64),
        ct.combo,
        ct.fits,
        _c(a_on_chip, np.bool_),
        _c(b_on_chip, np.bool_),
        _c(out_on_chip, np.bool_),
        _c(extra_bytes),
        _c(floor),
        _c(codes, np.int64),
        column(bytes_per_cycle, c),
        column(double_buffering, c, np.bool_),
        column(dram_pj, c),
        *(column(v, c) for v in sram_pj),
        _c(kt.a_bytes),
        _c(kt.b_bytes),
        _c(kt.spill_bytes),
        _c(kt.once_bytes),
        _c(kt.out_bytes),
        _c(kt.compute),
        _c(kt.sram),
        _c(kt.feed),
        _c(kt.exposed_a),
        _c(kt.exposed_b),
        _c(kt.exposed_out),
        _c(kt.streams),
        choice,
        flow,
        best_lat,
        array_cycles,
        sram_sel,
        feed_sel,
    )
    r = krow[:, None]
    g = occ[None, :]
    cb = ct.combo[crow[:, None], g, choice]
    a_off, b_off = ~np.asarray(a_on_chip), ~np.asarray(b_on_chip)
    return Mapping(
        feasible=np.isfinite(best_lat),
        dataflow=flow,
        order=tiles.ORDER_OF_FAMILY[choice // tiles.L_FREE],
        tile_m=kt.tt.tile_m[r, g, cb],
        tile_k=kt.tt.tile_k[r, g, cb],
        tile_n=kt.tt.tile_n[r, g, cb],
        array_cycles=array_cycles,
        sram_cycles=sram_sel,
        a_bytes=kt.a_bytes[r, g, cb] * a_off,
        b_bytes=kt.b_bytes[r, g, cb] * b_off,
        spill_bytes=kt.spill_bytes[r, g, cb],
        out_bytes=kt.out_bytes[r, g],
        once_bytes=kt.once_bytes[r, g, cb],
        exposed_a=kt.exposed_a[r, g] * a_off,
        exposed_b=kt.exposed_b[r, g],
        exposed_out=kt.exposed_out[r, g],
        streams=kt.streams[r, g],
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
