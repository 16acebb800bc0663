"""Technology constants per configuration, and the energy (pJ) of GEMM and vector work.

Energy of a GEMM occurrence (docs/assumptions.md, part 2, "Energy"):

* MACs x ``mac_energy_pj[precision]`` (PE incl. pipeline registers) x ``(V/Vnom)^2``;
* buffer bytes moved to feed the array (:func:`targets.asic.cost.mapping.feed_bytes`), and
  buffer fills and drains (every DRAM byte lands in or leaves through a buffer; a result
  kept on chip is written to the activation buffer), each at the pJ/byte of that buffer;
* skew/deskew registers: every streamed operand crosses ``(rows - 1) / 2`` input-skew
  registers and every result ``(cols - 1) / 2`` deskew registers on average;
* DRAM bytes x (DRAM-side pJ/byte + host PHY pJ/byte).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from accelscope.targets.asic.cost.configs import PRECISIONS, ConfigBatch


class TechColumns(NamedTuple):
    """Technology constants gathered per configuration (arrays ``[n_cfg]``)."""

    mac_pj: np.ndarray  # at the configuration's supply voltage
    vector_op_pj: np.ndarray
    pe_area_um2: np.ndarray
    pe_bank_area_um2: np.ndarray
    lane_area_um2: np.ndarray
    sram_area_mm2_per_kib: np.ndarray
    sram_port_um2_per_bit: np.ndarray
    reg_bit_area_um2: np.ndarray
    reg_bit_pj: np.ndarray
    array_control_mm2: np.ndarray
    leakage_mw_per_mm2: np.ndarray  # at the configuration's supply voltage
    sram_in_pj: np.ndarray  # pJ/byte of the input buffer (unified: the unified buffer)
    sram_w_pj: np.ndarray
    sram_out_pj: np.ndarray
    phy_pj: np.ndarray  # host PHY + controller pJ per DRAM byte
    phy_static_mw: np.ndarray  # PHY power whenever the interface is provisioned
    phy_area_mm2: np.ndarray
    vdd_v: np.ndarray  # NaN: clock above the node's maximum


def _tables() -> tuple[list, dict[str, np.ndarray]]:
    from accelscope.targets.asic.arch import TECHNOLOGIES

    techs = list(TECHNOLOGIES.values())

    def table(attr: str) -> np.ndarray:
        return np.array([[getattr(t, attr)[p] for p in PRECISIONS] for t in techs])

    def scalar(attr: str) -> np.ndarray:
        return np.array([getattr(t, attr) for t in techs], dtype=np.float64)

    return techs, {
        "mac_pj": table("mac_energy_pj"),
        "vector_op_pj": table("vector_op_energy_pj"),
        "pe_area_um2": table("pe_area_um2"),
        "pe_bank_area_um2": table("pe_bank_area_um2"),
        "lane_area_um2": table("vector_lane_area_um2"),
        "sram_area_mm2_per_kib": scalar("sram_area_mm2_per_kib"),
        "sram_port_um2_per_bit": scalar("sram_port_area_um2_per_bit"),
        "reg_bit_area_um2": scalar("reg_bit_area_um2"),
        "reg_bit_pj": scalar("reg_bit_energy_pj"),
        "array_control_mm2": scalar("array_control_area_mm2"),
        "leakage_mw_per_mm2": scalar("leakage_mw_per_mm2"),
        "vdd_nominal": scalar("vdd_v"),
    }


def tech_columns(cfg: ConfigBatch) -> TechColumns:
    """Gather per-config technology constants, buffer access energies, DRAM interface
    costs and the supply-voltage scaling of energy and leakage."""
    from accelscope.targets.asic.arch import DRAM_TYPES

    techs, tab = _tables()
    t, p = cfg.technology, cfg.precision
    vdd = cfg.vdd_v()
    ratio = vdd / tab["vdd_nominal"][t]
    dyn, leak = ratio**2, ratio**3
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
        sram[name] = e * dyn
    drams = list(DRAM_TYPES.values())
    d = cfg.dram_type
    phy_pj = np.array([x.phy_pj_per_byte for x in drams])[d]
    phy_static = np.array([x.phy_static_mw_per_gbps for x in drams])[d] * cfg.dram_gbps
    phy_area = np.array([x.phy_area_mm2(1.0) for x in drams])[d] * cfg.dram_gbps
    return TechColumns(
        mac_pj=tab["mac_pj"][t, p] * dyn,
        vector_op_pj=tab["vector_op_pj"][t, p] * dyn,
        pe_area_um2=tab["pe_area_um2"][t, p],
        pe_bank_area_um2=tab["pe_bank_area_um2"][t, p],
        lane_area_um2=tab["lane_area_um2"][t, p],
        sram_area_mm2_per_kib=tab["sram_area_mm2_per_kib"][t],
        sram_port_um2_per_bit=tab["sram_port_um2_per_bit"][t],
        reg_bit_area_um2=tab["reg_bit_area_um2"][t],
        reg_bit_pj=tab["reg_bit_pj"][t] * dyn,
        array_control_mm2=tab["array_control_mm2"][t],
        leakage_mw_per_mm2=tab["leakage_mw_per_mm2"][t] * leak,
        sram_in_pj=sram["in"],
        sram_w_pj=sram["w"],
        sram_out_pj=sram["out"],
        phy_pj=phy_pj,
        phy_static_mw=phy_static,
        phy_area_mm2=phy_area,
        vdd_v=vdd,
    )
