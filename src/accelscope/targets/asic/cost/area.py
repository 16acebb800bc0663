"""Area (mm^2) and static power of accelerator configurations (vectorized over configs).

Blocks (docs/assumptions.md, part 2, "Area"), each from the configuration's technology:

* PE arrays: ``PEs x pe_area`` plus, with pipelined folds, a second stationary register
  bank per PE (ws, is) or a drain register of accumulator width (os; auto: the larger);
* per array: control (sequencer, address generators) and the triangular skew/deskew
  register files at the array edges (``R(R-1)/2`` operand bits at the input edge,
  ``C(C-1)/2`` operand bits for the weight feeder when folds are pipelined, ``C(C-1)/2``
  accumulator bits at the output edge) and, with ``execution.winograd``, the input and
  output transform units (:mod:`accelscope.targets.asic.cost.winograd`);
* SRAM: physical capacity x mm^2/KiB, plus port periphery per bit of port width;
* vector lanes;
* top-level control (instruction sequencing, DMA descriptors, configuration registers):
  ``CONTROL_FRACTION`` of the blocks above;
* layout overhead: the blocks above are cell/macro areas; placement, clock tree, power
  grid and global wiring multiply them by ``LAYOUT_OVERHEAD`` (fitted on one published
  layout, see docs/validation.md);
* the DRAM PHY (not scaled by the layout overhead; it is a hard macro at the die edge).

``cell_area_mm2`` is the sum before the layout overhead and without the PHY (what a
synthesis report calls cell area).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from accelscope.targets.asic.cost import winograd
from accelscope.targets.asic.cost.configs import ConfigBatch
from accelscope.targets.asic.cost.energy import TechColumns
from accelscope.targets.asic.cost.systolic import AUTO_CODE, DATAFLOW_CODE

#: Top-level control as a fraction of the datapath (arrays, SRAM, vector unit): "control
#: is just 2 %" of the TPU v1 die (Jouppi et al., ISCA 2017, section 2, floor plan).
CONTROL_FRACTION = 0.02

#: Core layout area / (cell + macro area). FITTED (docs/validation.md): the value that
#: reproduces DianNao's 3.02 mm^2 65 nm layout (Chen et al., ASPLOS 2014); every other
#: area row of the validation table is a check, not a fit.
LAYOUT_OVERHEAD = 2.1


class AreaBreakdown(NamedTuple):
    """Area components, mm^2, arrays ``[n_cfg]``."""

    arrays_mm2: np.ndarray  # PEs, banks, per-array control and skew registers
    sram_mm2: np.ndarray  # capacity + port periphery
    vector_mm2: np.ndarray
    control_mm2: np.ndarray
    phy_mm2: np.ndarray
    cell_area_mm2: np.ndarray  # arrays + sram + vector + control (no overhead, no PHY)
    area_mm2: np.ndarray  # die: cell area x LAYOUT_OVERHEAD + PHY


def default_ports(cfg: ConfigBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Port bytes per cycle of the input, weight and output buffers (unified: all three
    equal the unified buffer's port): wide enough to feed every array at full rate --
    ``units x max(rows, cols)`` operands, and a read plus a write of that many partial
    sums -- unless ``port_bytes`` sets them."""
    edge = (cfg.units * np.maximum(cfg.rows, cfg.cols)).astype(np.float64)
    p_in = edge * cfg.bytes_per_element
    p_w = edge * cfg.bytes_per_element
    p_out = 2.0 * edge * cfg.accumulator_bytes
    given = ~np.isnan(cfg.port_bytes)
    uni = np.where(given, cfg.port_bytes, p_in + p_w + p_out)
    p_in = np.where(cfg.unified, uni, np.where(given, cfg.port_bytes, p_in))
    p_w = np.where(cfg.unified, uni, np.where(given, cfg.port_bytes, p_w))
    p_out = np.where(cfg.unified, uni, np.where(given, cfg.port_bytes, p_out))
    return p_in, p_w, p_out


def _pipelined_pe_area_um2(cfg: ConfigBatch, tc: TechColumns) -> np.ndarray:
    """What pipelined folds add to a PE: a second stationary operand register (ws, is), or
    a drain register of accumulator width (os: results leave through a drain chain while
    the next fold accumulates; the generated RTL, docs/rtl.md). ``auto`` hardware runs
    both dataflows, so it gets the larger of the two."""
    drain = cfg.accumulator_bits.astype(np.float64) * tc.reg_bit_area_um2
    os_like = (cfg.dataflow == DATAFLOW_CODE["os"]) | (cfg.dataflow == AUTO_CODE)
    return np.where(os_like, np.maximum(drain, tc.pe_bank_area_um2), tc.pe_bank_area_um2)


def area_breakdown(cfg: ConfigBatch, tc: TechColumns) -> AreaBreakdown:
    """Area of every configuration by block (module docstring)."""
    r = cfg.rows.astype(np.float64)
    c = cfg.cols.astype(np.float64)
    units = cfg.units.astype(np.float64)
    pes = r * c * units
    pipelined = cfg.pipelined
    bits = 8.0 * cfg.bytes_per_element
    acc_bits = cfg.accumulator_bits.astype(np.float64)
    skew_bits = (r * (r - 1) / 2) * bits + (c * (c - 1) / 2) * acc_bits
    skew_bits = skew_bits + np.where(pipelined, (c * (c - 1) / 2) * bits, 0.0)
    wino_bits = np.where(
        cfg.winograd == winograd.F2X2_3X3,
        winograd.transform_area_bits(r, c, bits, acc_bits),
        0.0,
    )
    per_array = tc.array_control_mm2 + (skew_bits + wino_bits) * tc.reg_bit_area_um2 * 1e-6
    arrays = (
        pes * (tc.pe_area_um2 + np.where(pipelined, _pipelined_pe_area_um2(cfg, tc), 0.0)) * 1e-6
        + units * per_array
    )
    p_in, p_w, p_out = default_ports(cfg)
    port_bits = 8.0 * np.where(cfg.unified, p_in, p_in + p_w + p_out)
    sram = cfg.sram_kib * tc.sram_area_mm2_per_kib + port_bits * tc.sram_port_um2_per_bit * 1e-6
    vector = cfg.lanes * tc.lane_area_um2 * 1e-6
    datapath = arrays + sram + vector
    control = CONTROL_FRACTION * datapath
    cell = datapath + control
    return AreaBreakdown(
        arrays_mm2=arrays,
        sram_mm2=sram,
        vector_mm2=vector,
        control_mm2=control,
        phy_mm2=tc.phy_area_mm2,
        cell_area_mm2=cell,
        area_mm2=cell * LAYOUT_OVERHEAD + tc.phy_area_mm2,
    )


def area_mm2(cfg: ConfigBatch, tc: TechColumns) -> np.ndarray:
    """Die area per configuration in mm^2, float64 ``[n_cfg]``."""
    return area_breakdown(cfg, tc).area_mm2


def leakage_pj_per_cycle(
    cfg: ConfigBatch, tc: TechColumns, core_area_mm2: np.ndarray
) -> np.ndarray:
    """Static energy per clock cycle in pJ: ``leakage_mw_per_mm2 x core area`` (mW) over one
    cycle of ``1 / (clock_mhz x 1e6)`` s; 1 mW x 1 s = 1e9 pJ."""
    return tc.leakage_mw_per_mm2 * core_area_mm2 * 1e3 / cfg.clock_mhz
