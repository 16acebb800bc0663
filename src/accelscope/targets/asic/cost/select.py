"""Compiled inner loops of the mapping search (numba): per configuration, the candidate
tiles that fit its buffers (:func:`pick_kernel`) and, per occurrence, the candidate and
dataflow with the lowest latency (:func:`choose_kernel`).

The arithmetic is that of :mod:`targets.asic.cost.tiles` and :mod:`targets.asic.cost.mapping`
(documented there and in docs/assumptions.md, part 2); these loops only avoid
materializing ``[configs x kernels x candidates]`` temporaries. Every value is float64 and
computed in the same order for every configuration, so results do not depend on
chunking (tested).
"""

from __future__ import annotations

import numpy as np
from numba import njit


def column(values, n: int, dtype: type = np.float64) -> np.ndarray:
    """*values* (a scalar, ``[n]`` or ``[n, 1]``) as the contiguous ``[n]`` array the
    compiled loops take."""
    return np.ascontiguousarray(np.broadcast_to(np.asarray(values, dtype=dtype).reshape(-1), (n,)))


_JIT = {"cache": True, "nogil": True, "fastmath": False, "error_model": "numpy"}


@njit(**_JIT)
def _grown_max(dim, o1, o2, xr, x, a, ci, cw, co, cu):  # pragma: no cover - compiled
    if dim == 0:  # Tm given (Tk, Tn)
        tk, tn = o1, o2
        return min(min(ci / (tk * xr), co / (tn * a)), (cu - tk * tn * x) / (tk * xr + tn * a))
    if dim == 1:  # Tk given (Tm, Tn)
        tm, tn = o1, o2
        return min(min(ci / (tm * xr), cw / (tn * x)), (cu - tm * tn * a) / (tm * xr + tn * x))
    tm, tk = o1, o2  # Tn given (Tm, Tk)
    return min(min(cw / (tk * x), co / (tm * a)), (cu - tm * tk * xr) / (tk * x + tm * a))


@njit(**_JIT)
def pick_kernel(
    rows,  # [c] key row of each configuration
    bpe,  # [c]
    acc,  # [c]
    cap_in,  # [c] usable bytes
    cap_w,
    cap_out,
    cap_uni,
    other1,  # [u, g, F, Lf] the two non-grown tiles (m, k, n order)
    other2,
    grown_ladder,  # [u, g, F, Lg]
    grown_dim,  # [F]
    dims,  # [3, g] m, k, n
    q,  # [u]
    rho,  # [u, g]
    splits,  # [n_splits] balanced splits of the grown ladder
    fp_a,  # [u, g, NC] footprints of every combo
    fp_b,
    fp_o,
    combo_out,  # [c, g, F * Lf] int64
    fits_out,  # [c, g, F * Lf] bool
):  # pragma: no cover - compiled
    n_cfg = rows.shape[0]
    n_g = other1.shape[1]
    n_f = other1.shape[2]
    n_free = other1.shape[3]
    n_grown = grown_ladder.shape[3]
    n_splits = splits.shape[0]
    for c in range(n_cfg):
        r = rows[c]
        x = bpe[c]
        a = acc[c]
        ci, cw, co, cu = cap_in[c], cap_w[c], cap_out[c], cap_uni[c]
        qq = q[r]
        for g in range(n_g):
            xr = x * rho[r, g]
            for f in range(n_f):
                gd = grown_dim[f]
                dfull = dims[gd, g]
                for lf in range(n_free):
                    raw = _grown_max(
                        gd, other1[r, g, f, lf], other2[r, g, f, lf], xr, x, a, ci, cw, co, cu
                    )
                    if raw >= dfull:
                        need = 1.0
                    else:
                        floor_q = np.floor(raw / qq) * qq
                        need = dfull / floor_q if floor_q != 0.0 else np.inf
                    idx = n_splits
                    for i in range(n_splits):
                        if splits[i] >= need:
                            idx = i
                            break
                    if idx >= n_splits:
                        count = 0
                        for i in range(n_splits, n_grown):
                            if grown_ladder[r, g, f, i] > raw:
                                count += 1
                        idx = n_splits + count
                    ok = idx < n_grown
                    if not ok:
                        idx = n_grown - 1
                    cb = f * (n_free * n_grown) + lf * n_grown + idx
                    fa, fb, fo = fp_a[r, g, cb], fp_b[r, g, cb], fp_o[r, g, cb]
                    ok = ok and fa <= ci and fb <= cw and fo <= co and fa + fb + fo <= cu
                    j = f * n_free + lf
                    combo_out[c, g, j] = cb
                    fits_out[c, g, j] = ok


@njit(**_JIT)
def choose_kernel(
    rows,  # [c] key row of each configuration
    crow,  # [c] row of each configuration in combo / fits
    pair,  # [O] kernel of each occurrence
    combo,  # [*, g, n] from pick_kernel
    fits,  # [*, g, n]
    a_on,  # [c, O] bool
    b_on,
    out_on,
    extra,  # [c, O] bytes
    floor,  # [c, O] cycles (0 when none)
    dataflow,  # [c] code, 3 = auto
    bpc,  # [c]
    db,  # [c] bool
    dram_pj,  # [c]
    sram_in_pj,
    sram_w_pj,
    sram_out_pj,
    a_bytes,  # [u, g, NC] per stream
    b_bytes,
    spill_bytes,
    once_bytes,
    out_bytes,  # [u, g]
    compute,  # [3, u, g, NC]
    sram,  # [3, u, g]
    feed,  # [3, 3, u, g]
    exposed_a,  # [u, g]
    exposed_b,
    exposed_out,
    streams,  # [u, g]
    choice_out,  # [c, O] int64 candidate index
    flow_out,  # [c, O] int64
    lat_out,  # [c, O] float64 best latency (inf: no candidate)
    array_out,  # [c, O]
    sram_out,  # [c, O]
    feed_out,  # [3, c, O]
):  # pragma: no cover - compiled
    n_cfg = rows.shape[0]
    n_occ = pair.shape[0]
    n_cand = combo.shape[2]
    for c in range(n_cfg):
        r = rows[c]
        cr = crow[c]
        bp = bpc[c]
        dbl = db[c]
        dpj = dram_pj[c]
        pin, pw, pout = sram_in_pj[c], sram_w_pj[c], sram_out_pj[c]
        code_c = dataflow[c]
        for o in range(n_occ):
            g = pair[o]
            st = streams[r, g]
            na = 0.0 if a_on[c, o] else 1.0
            nb = 0.0 if b_on[c, o] else 1.0
            no = 0.0 if out_on[c, o] else 1.0
            const = out_bytes[r, g] * no + extra[c, o] / st
            exp2 = exposed_a[r, g] * na + exposed_b[r, g] * nb + exposed_out[r, g] * no
            fl = floor[c, o]
            best_lat = np.inf
            best_tot = np.inf
            best_en = np.inf
            best_j = 0
            best_code = 0
            for code in range(3):
                if code_c != code and code_c != 3:
                    continue
                sr = sram[code, r, g]
                lat_k = np.inf
                tot_k = np.inf
                j_k = -1
                for j in range(n_cand):
                    cb = combo[cr, g, j]
                    comp = compute[code, r, g, cb] if fits[cr, g, j] else np.inf
                    mem_s = (
                        a_bytes[r, g, cb] * na
                        + b_bytes[r, g, cb] * nb
                        + spill_bytes[r, g, cb]
                        + const
                    )
                    comp_eff = max(comp, sr)
                    mem_c = mem_s / bp
                    exp_c = min(exp2, mem_s) / bp
                    lat_s = exp_c + max(comp_eff, mem_c - exp_c) if dbl else comp_eff + mem_c
                    once = once_bytes[r, g, cb]
                    lat = st * lat_s + once / bp
                    lat = max(lat, fl)
                    total = st * mem_s + once
                    if j_k < 0 or lat < lat_k or (lat == lat_k and total < tot_k):
                        lat_k = lat
                        tot_k = total
                        j_k = j
                cb = combo[cr, g, j_k]
                a = a_bytes[r, g, cb] * na
                b = b_bytes[r, g, cb] * nb
                sp = spill_bytes[r, g, cb]
                once = once_bytes[r, g, cb]
                f_in, f_w, f_out = feed[code, 0, r, g], feed[code, 1, r, g], feed[code, 2, r, g]
                en_k = (
                    st * (a * (dpj + pin) + b * (dpj + pw))
                    + st * (sp + const) * (dpj + pout)
                    + once * (dpj + pw)
                    + st * (f_in * pin + f_w * pw)
                    + st * f_out * pout
                )
                better = lat_k < best_lat or (
                    lat_k == best_lat
                    and (tot_k < best_tot or (tot_k == best_tot and en_k < best_en))
                )
                if better:
                    best_lat = lat_k
                    best_tot = tot_k
                    best_en = en_k
                    best_j = j_k
                    best_code = code
                    array_out[c, o] = compute[code, r, g, cb] if fits[cr, g, j_k] else np.inf
                    sram_out[c, o] = sr
                    feed_out[0, c, o] = f_in
                    feed_out[1, c, o] = f_w
                    feed_out[2, c, o] = f_out
            choice_out[c, o] = best_j
            flow_out[c, o] = best_code
            lat_out[c, o] = best_lat
