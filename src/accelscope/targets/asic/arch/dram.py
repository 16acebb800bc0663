"""Off-chip memory types: access energy, host-side interface (PHY + controller) cost.

A DRAM type is chosen independently of the logic node (``dram.type`` in the spec). Each
type gives (sources and estimates in ``docs/assumptions.md``, part 4.6):

* ``energy_pj_per_bit``: energy of moving one bit between the DRAM array and the host pins
  (array access + DRAM-side I/O + link), the figure usually quoted per DRAM generation;
* ``phy_pj_per_bit``: the host-side PHY and memory controller, on the accelerator die;
* ``edge_gbps_per_mm``: bandwidth per millimetre of die edge ("beachfront") of its PHY;
  the PHY area is that edge length times ``PHY_DEPTH_MM``;
* ``phy_static_mw_per_gbps``: PHY power that is paid whenever the interface is provisioned
  (DLLs, termination, clocking), per GB/s of configured bandwidth.

The accelerator's ``power_w`` includes the PHY (it is on the die); the DRAM devices'
power is reported separately as ``dram_power_w``.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelscope.errors import UnknownNameError, suggest


@dataclass(frozen=True)
class DramType:
    """Energy, area and static power of one DRAM generation and its host interface."""

    name: str
    energy_pj_per_bit: float
    phy_pj_per_bit: float
    edge_gbps_per_mm: float
    phy_static_mw_per_gbps: float
    description: str = ""

    @property
    def energy_pj_per_byte(self) -> float:
        """DRAM-side energy per byte moved (device and its I/O), pJ."""
        return 8.0 * self.energy_pj_per_bit

    @property
    def phy_pj_per_byte(self) -> float:
        """Host PHY + controller energy per byte moved, pJ."""
        return 8.0 * self.phy_pj_per_bit

    def phy_area_mm2(self, bandwidth_gbps: float) -> float:
        """Die area of a PHY providing *bandwidth_gbps* (edge length x depth), mm^2."""
        return bandwidth_gbps / self.edge_gbps_per_mm * PHY_DEPTH_MM


#: Sustained fraction of the configured (peak) DRAM bandwidth that transfers reach:
#: refresh, bank conflicts, read/write turnarounds and page misses. FITTED
#: (docs/validation.md) on the one validation row that is purely bandwidth-bound, TPU v1
#: MLP0 at batch 200 (225,000 inferences/s on a 34 GB/s DDR3 interface); the timing
#: model uses ``bandwidth_gbps x SUSTAINED_BANDWIDTH_FRACTION``, area and PHY power the
#: configured figure.
SUSTAINED_BANDWIDTH_FRACTION = 0.7

#: Depth of a DRAM PHY macro perpendicular to the die edge (ESTIMATE, mm): bump field,
#: I/O cells, DLLs and the PHY logic behind them.
PHY_DEPTH_MM = 1.0

#: DRAM types. Energies: DDR3 Horowitz ISSCC 2014 (1.3-2.6 nJ per 64-bit access, low
#: end); HBM2 O'Connor et al. MICRO 2017 (~3.9 pJ/bit); DDR4, LPDDR4, LPDDR5 are
#: ESTIMATES between those (LPDDR trades termination for short, unterminated links).
#: Edge densities: Synopsys (G. Allan, Semiconductor Engineering, "DRAM Tradeoffs: Speed
#: vs. Energy", 2019): HBM2E ~60 GB/s per mm of die edge, GDDR6 ~1/6 and LPDDR5 ~1/10 of
#: that; DDR3/DDR4/LPDDR4 are ESTIMATES below LPDDR5. PHY energies and static power are
#: ESTIMATES (a quarter of the link energy on the host side; a few mW per GB/s idle).
DRAM_TYPES: dict[str, DramType] = {
    t.name: t
    for t in (
        DramType("ddr3", 20.0, 5.0, 3.0, 4.0, "DDR3 (e.g. DDR3-2133, TPU v1)"),
        DramType("ddr4", 15.0, 4.0, 4.0, 3.0, "DDR4 (e.g. DDR4-3200 DIMM channel)"),
        DramType("lpddr4", 6.0, 2.0, 5.0, 2.0, "LPDDR4/4X (mobile SoC, x16/x32 channels)"),
        DramType("lpddr5", 4.5, 1.5, 6.0, 1.5, "LPDDR5 (mobile SoC)"),
        DramType("hbm2", 3.9, 0.5, 60.0, 0.5, "HBM2/2E stack on an interposer"),
    )
}

#: DRAM type assumed when a spec does not name one: the generation typical for the node.
DEFAULT_DRAM_BY_NODE: dict[str, str] = {
    "65nm": "ddr3",
    "45nm": "ddr3",
    "28nm": "ddr4",
    "16nm": "lpddr4",
    "7nm": "hbm2",
}


def get_dram_type(name: str) -> DramType:
    """DRAM type by name (``ddr3``, ``ddr4``, ``lpddr4``, ``lpddr5``, ``hbm2``)."""
    try:
        return DRAM_TYPES[name]
    except (KeyError, TypeError):
        known = list(DRAM_TYPES)
        raise UnknownNameError(
            f"unknown DRAM type '{name}'{suggest(str(name), known)}; available: {', '.join(known)}"
        ) from None
