"""Energy (pJ) of GEMM kernels: MACs, buffer accesses, DRAM; technology lookups per config.

Buffer accesses by operand (docs/assumptions.md (part 2)), per group and repeat of GEMM(M, K, N):

* writes of fills: every DRAM byte read lands in its buffer (A -> input, B -> weight,
  re-read partial sums -> output); every byte written to DRAM is first read from the
  output buffer (final outputs and spilled partial sums).
* reads to feed the array, by dataflow (untiled GEMM; ``Fr``/``Fc`` = folds along
  rows/cols): ``ws``: A ``M*K*ceil(N/cols)``, B ``K*N``, partial sums read+written
  ``(2*ceil(K/rows) - 1) * M*N`` at accumulator width; ``os``: A ``M*K*ceil(N/cols)``,
  B ``K*N*ceil(M/rows)``, outputs written once ``M*N`` at accumulator width;
  ``is``: A ``M*K``, B ``K*N*ceil(M/cols)``, partial sums as ``ws``.

Each buffer byte costs ``Technology.sram_energy_pj_per_byte(capacity of that buffer)``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from accelscope.cost.configs import PRECISIONS, ConfigBatch
from accelscope.cost.mapping import Mapping


class TechColumns(NamedTuple):
    """Technology constants gathered per configuration (arrays ``[n_cfg]``)."""

    mac_pj: np.ndarray
    vector_op_pj: np.ndarray
    pe_area_um2: np.ndarray
    lane_area_um2: np.ndarray
    sram_area_mm2_per_kib: np.ndarray
    leakage_mw_per_mm2: np.ndarray
    fixed_area_mm2: np.ndarray
    sram_in_pj: np.ndarray  # pJ/byte of the input buffer (unified: the unified buffer)
    sram_w_pj: np.ndarray
    sram_out_pj: np.ndarray


def _tables() -> tuple[list, dict[str, np.ndarray]]:
    from accelscope.arch import TECHNOLOGIES

    techs = list(TECHNOLOGIES.values())

    def table(attr: str) -> np.ndarray:
        return np.array([[getattr(t, attr)[p] for p in PRECISIONS] for t in techs])

    def scalar(attr: str) -> np.ndarray:
        return np.array([getattr(t, attr) for t in techs], dtype=np.float64)

    return techs, {
        "mac_pj": table("mac_energy_pj"),
        "vector_op_pj": table("vector_op_energy_pj"),
        "pe_area_um2": table("pe_area_um2"),
        "lane_area_um2": table("vector_lane_area_um2"),
        "sram_area_mm2_per_kib": scalar("sram_area_mm2_per_kib"),
        "leakage_mw_per_mm2": scalar("leakage_mw_per_mm2"),
        "fixed_area_mm2": scalar("fixed_area_mm2"),
    }


def tech_columns(cfg: ConfigBatch) -> TechColumns:
    """Gather per-config technology constants and buffer access energies."""
    techs, tab = _tables()
    t, p = cfg.technology, cfg.precision
    sram = {}
    for name, kib in (
        ("in", np.where(cfg.unified, cfg.unified_kib, cfg.input_kib)),
        ("w", np.where(cfg.unified, cfg.unified_kib, cfg.weight_kib)),
        ("out", np.where(cfg.unified, cfg.unified_kib, cfg.output_kib)),
    ):
        e = np.empty(len(cfg), dtype=np.float64)
        for i, tech in enumerate(techs):  # a handful of nodes, not a loop over configs
            mask = t == i
            if np.any(mask):
                e[mask] = tech.sram_energy_pj_per_byte(kib[mask])
        sram[name] = e
    return TechColumns(
        mac_pj=tab["mac_pj"][t, p],
        vector_op_pj=tab["vector_op_pj"][t, p],
        pe_area_um2=tab["pe_area_um2"][t, p],
        lane_area_um2=tab["lane_area_um2"][t, p],
        sram_area_mm2_per_kib=tab["sram_area_mm2_per_kib"][t],
        leakage_mw_per_mm2=tab["leakage_mw_per_mm2"][t],
        fixed_area_mm2=tab["fixed_area_mm2"][t],
        sram_in_pj=sram["in"],
        sram_w_pj=sram["w"],
        sram_out_pj=sram["out"],
    )


def feed_bytes(
    m: np.ndarray,
    k: np.ndarray,
    n: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    bpe: np.ndarray,
    acc: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Buffer bytes read (A, B) and accumulated (output) to feed the array, per group and
    repeat, for each dataflow: float64 arrays ``[3, ...]`` (ws, os, is)."""
    mk, kn, mn = m * k * bpe, k * n * bpe, (m * n) * acc
    fn = np.ceil(n / cols)
    fm_r, fm_c = np.ceil(m / rows), np.ceil(m / cols)
    psum = (2.0 * np.ceil(k / rows) - 1.0) * mn
    a = np.stack(np.broadcast_arrays(mk * fn, mk * fn, mk * np.ones_like(fn)))
    b = np.stack(np.broadcast_arrays(kn * np.ones_like(fm_r), kn * fm_r, kn * fm_c))
    o = np.stack(np.broadcast_arrays(psum, mn * np.ones_like(psum), psum))
    return a, b, o


def gemm_energy_pj(
    macs: np.ndarray,
    mp: Mapping,
    feed: tuple[np.ndarray, np.ndarray, np.ndarray],
    work: np.ndarray,
    tc: TechColumns,
    dram_pj: np.ndarray,
) -> np.ndarray:
    """Dynamic energy (pJ) per dataflow ``[3, c, g]`` of each kernel.

    ``macs`` ``[1, g]``; ``work`` = groups x repeats ``[1, g]``; per-config columns ``[c, 1]``.
    """
    a_feed, b_feed, o_feed = feed
    b_fill = mp.total_bytes - work * (mp.a_bytes + mp.spill_bytes + mp.out_bytes)
    in_bytes = work * (mp.a_bytes + a_feed)
    w_bytes = b_fill + work * b_feed
    out_bytes = work * (mp.spill_bytes + mp.out_bytes + o_feed)
    sram = in_bytes * tc.sram_in_pj + w_bytes * tc.sram_w_pj + out_bytes * tc.sram_out_pj
    return macs * tc.mac_pj + sram + mp.total_bytes * dram_pj
