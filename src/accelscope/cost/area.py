"""Area (mm^2) and static power of accelerator configurations (vectorized over configs).

``area = PEs x pe_area_um2 + SRAM KiB x sram_area_mm2_per_kib + lanes x lane_area_um2
+ fixed_area_mm2``, with PEs = rows x cols x units, SRAM = the physical capacity (double
buffering halves the *usable* capacity, not the area) and the per-precision PE and lane
areas of the configuration's technology (:mod:`accelscope.arch.technology`).
"""

from __future__ import annotations

import numpy as np

from accelscope.cost.configs import ConfigBatch
from accelscope.cost.energy import TechColumns


def area_mm2(cfg: ConfigBatch, tc: TechColumns) -> np.ndarray:
    """Silicon area per configuration in mm^2, float64 ``[n_cfg]``."""
    pes = (cfg.rows * cfg.cols * cfg.units).astype(np.float64)
    return (
        pes * tc.pe_area_um2 * 1e-6
        + cfg.sram_kib * tc.sram_area_mm2_per_kib
        + cfg.lanes * tc.lane_area_um2 * 1e-6
        + tc.fixed_area_mm2
    )


def leakage_pj_per_cycle(cfg: ConfigBatch, tc: TechColumns, area: np.ndarray) -> np.ndarray:
    """Static energy per clock cycle in pJ: ``leakage_mw_per_mm2 x area`` (mW) over one
    cycle of ``1 / (clock_mhz x 1e6)`` s; 1 mW x 1 s = 1e9 pJ."""
    return tc.leakage_mw_per_mm2 * area * 1e3 / cfg.clock_mhz
