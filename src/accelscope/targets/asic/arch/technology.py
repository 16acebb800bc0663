"""Technology tables: energy (pJ) and area (um^2, mm^2) of the template's building blocks.

Every table entry is *derived* here from a small set of published figures, so the
derivation can be read (and re-checked) in one place. Sources and every assumption are
listed in ``docs/assumptions.md (part 4)``; short citations sit next to each constant.

Method
------
1. 45 nm arithmetic primitives (0.9 V) from M. Horowitz, "Computing's energy problem (and
   what we can do about it)", ISSCC 2014, p. 10-14 (energy and area tables).
2. A PE is one multiplier at the operand precision, one accumulator adder (32-bit integer
   for integer precisions, fp32 for floating point: mixed-precision accumulation) and its
   pipeline registers (operand in, operand held, partial sum) -- see :func:`_pe`.
3. Other nodes: energy scaled with the Stillmaker & Baas polynomial fits, logic area with
   their area table (A. Stillmaker, B. Baas, "Scaling equations for the accurate prediction
   of CMOS device performance from 180 nm to 7 nm", Integration 58:74-81, 2017).
4. SRAM area from published high-density bit-cell areas with an array-efficiency overhead;
   SRAM energy per byte from a ``a*sqrt(KiB) + b`` fit through Horowitz's 8 KB / 32 KB /
   1 MB points, scaled to the node like logic energy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from accelscope.errors import UnknownNameError, suggest

PRECISIONS: tuple[str, ...] = ("int8", "int16", "fp16", "bf16", "fp32")

#: Process nodes of the tables, oldest first.
NODES: tuple[str, ...] = ("65nm", "45nm", "28nm", "16nm", "7nm")

# --------------------------------------------------------------------------------------
# 45 nm, 0.9 V primitives -- Horowitz, ISSCC 2014 (energy in pJ, area in um^2).
# --------------------------------------------------------------------------------------
_H45_ENERGY_PJ: dict[str, float] = {
    "int8_add": 0.03,
    "int16_add": 0.05,
    "int32_add": 0.1,
    "fp16_add": 0.4,
    "fp32_add": 0.9,
    "int8_mult": 0.2,
    "int32_mult": 3.1,
    "fp16_mult": 1.1,
    "fp32_mult": 3.7,
}
_H45_AREA_UM2: dict[str, float] = {
    "int8_add": 36.0,
    "int16_add": 67.0,
    "int32_add": 137.0,
    "fp16_add": 1360.0,
    "fp32_add": 4184.0,
    "int8_mult": 282.0,
    "int32_mult": 3495.0,
    "fp16_mult": 1640.0,
    "fp32_mult": 7700.0,
}


def _power_law_16(v8: float, v32: float) -> float:
    """Interpolate a 16-bit integer multiplier between the 8- and 32-bit points (power law).

    Horowitz gives no 16-bit integer multiplier; energy grows with width^1.98 and area with
    width^1.82 between his 8- and 32-bit points, so the 16-bit value is v8 * 2^exponent.
    """
    exponent = math.log(v32 / v8) / math.log(4.0)
    return v8 * 2.0**exponent


# Derived 45 nm primitives that Horowitz does not list (ESTIMATES, see docs):
# * int16 multiplier: power-law interpolation (above) -> 0.787 pJ, 993 um^2.
# * bf16 multiplier: an fp16 multiplier scaled by the mantissa-multiplier ratio (8/11)^2
#   (bf16 has an 8-bit significand incl. hidden bit, fp16 an 11-bit one) -> 0.58 pJ, 867 um^2.
# * bf16 adder: taken equal to the fp16 adder.
_BF16_MANTISSA_RATIO = (8.0 / 11.0) ** 2
_H45_ENERGY_PJ["int16_mult"] = _power_law_16(
    _H45_ENERGY_PJ["int8_mult"], _H45_ENERGY_PJ["int32_mult"]
)
_H45_AREA_UM2["int16_mult"] = _power_law_16(_H45_AREA_UM2["int8_mult"], _H45_AREA_UM2["int32_mult"])
_H45_ENERGY_PJ["bf16_mult"] = _H45_ENERGY_PJ["fp16_mult"] * _BF16_MANTISSA_RATIO
_H45_AREA_UM2["bf16_mult"] = _H45_AREA_UM2["fp16_mult"] * _BF16_MANTISSA_RATIO
_H45_ENERGY_PJ["bf16_add"] = _H45_ENERGY_PJ["fp16_add"]
_H45_AREA_UM2["bf16_add"] = _H45_AREA_UM2["fp16_add"]

#: Register bit at 45 nm. Area: NanGate 45 nm Open Cell Library DFF_X1 = 4.522 um^2.
#: Energy (ESTIMATE): one clocked flip-flop bit ~ one full-adder bit of Horowitz's 32-bit
#: adder, 0.1 pJ / 32 = 0.003125 pJ per bit per cycle.
_REG_BIT_AREA_UM2_45 = 4.522
_REG_BIT_ENERGY_PJ_45 = _H45_ENERGY_PJ["int32_add"] / 32.0

#: Standard-cell placement utilization (ESTIMATE, typical 70 %): layout area = cells / 0.7.
_LOGIC_UTILIZATION = 0.7

#: Operand bits and accumulator (adder) kind per precision.
_BITS: dict[str, int] = {"int8": 8, "int16": 16, "fp16": 16, "bf16": 16, "fp32": 32}
_ACC_ADDER: dict[str, str] = {
    "int8": "int32_add",
    "int16": "int32_add",
    "fp16": "fp32_add",
    "bf16": "fp32_add",
    "fp32": "fp32_add",
}
_ACC_BITS = 32


def _lane_kind(precision: str) -> str:
    """Arithmetic of a vector lane: it works on accumulator-width values (requantization,
    bias, activation, normalization), so 32-bit integer for integer formats, fp32 else."""
    return "int32" if precision.startswith("int") else "fp32"


def _pe(precision: str) -> tuple[float, float]:
    """(energy pJ per MAC, cell area um^2) of one PE at 45 nm.

    PE = multiplier + accumulator adder + registers: input operand forwarded (P bits),
    stationary operand held (P bits, area only: it does not toggle every cycle) and the
    partial sum (32 bits) forwarded.
    """
    p = _BITS[precision]
    energy = (
        _H45_ENERGY_PJ[f"{precision}_mult"]
        + _H45_ENERGY_PJ[_ACC_ADDER[precision]]
        + (p + _ACC_BITS) * _REG_BIT_ENERGY_PJ_45
    )
    area = (
        _H45_AREA_UM2[f"{precision}_mult"]
        + _H45_AREA_UM2[_ACC_ADDER[precision]]
        + (2 * p + _ACC_BITS) * _REG_BIT_AREA_UM2_45
    )
    return energy, area


def _vector_lane(precision: str) -> tuple[float, float]:
    """(energy pJ per op, cell area um^2) of one vector lane at 45 nm.

    A lane is a multiply-add at accumulator width (:func:`_lane_kind`) plus three 32-bit
    operand registers; an op (add, mul, max, scale) is charged as one multiply-add --
    conservative for a plain add. Transcendentals are built from several such ops.
    """
    kind = _lane_kind(precision)
    energy = (
        _H45_ENERGY_PJ[f"{kind}_mult"]
        + _H45_ENERGY_PJ[f"{kind}_add"]
        + 3 * _ACC_BITS * _REG_BIT_ENERGY_PJ_45
    )
    area = (
        _H45_AREA_UM2[f"{kind}_mult"]
        + _H45_AREA_UM2[f"{kind}_add"]
        + 3 * _ACC_BITS * _REG_BIT_AREA_UM2_45
    )
    return energy, area


# --------------------------------------------------------------------------------------
# Node scaling -- Stillmaker & Baas 2017. Energy per op ~ a*V^2 + b*V + c per node
# (polynomial coefficients of their energy table); logic area factor relative to 45 nm
# from their area-scaling table. 28 nm is not in their tables: linear interpolation
# between 32 nm and 20 nm (one third of the way).
# --------------------------------------------------------------------------------------
_SB_ENERGY_COEFFS: dict[int, tuple[float, float, float]] = {
    65: (3.755, -4.398, 1.975),
    45: (1.103, -0.362, 0.2767),
    32: (0.9559, -0.7823, 0.471),
    20: (0.373, -0.1582, 0.04104),
    16: (0.2958, -0.1241, 0.03024),
    7: (0.1776, -0.09097, 0.02447),
}
_SB_AREA_FROM_45: dict[int, float] = {65: 1.5, 45: 1.0, 32: 0.46, 20: 0.21, 16: 0.19, 7: 0.059}

#: Nominal core supply (ASSUMPTION): TSMC 65GP 1.0 V; 45 nm at Horowitz's 0.9 V; TSMC
#: 28HPM 0.9 V, 16FF+ 0.8 V, N7 0.75 V typical core voltages.
_VDD: dict[str, float] = {"65nm": 1.0, "45nm": 0.9, "28nm": 0.9, "16nm": 0.8, "7nm": 0.75}

# --------------------------------------------------------------------------------------
# Clock and voltage -- alpha-power law (T. Sakurai, A. R. Newton, "Alpha-power law MOSFET
# model and its applications to CMOS inverter delay", IEEE JSSC 25(2), 1990):
# f(V) = k (V - Vt)^alpha / V. Each node has a nominal clock at its nominal supply; a
# faster clock needs a higher supply (dynamic energy x (V/Vnom)^2, static power x
# (V/Vnom)^3), up to the overdrive limit Vnom + _OVERDRIVE_V, which sets the maximum clock.
# Slower clocks keep the nominal supply (no voltage scaling below nominal is modelled).
# --------------------------------------------------------------------------------------
_ALPHA = 1.3  # short-channel velocity saturation (Sakurai & Newton; ESTIMATE for the node)
_VT = 0.35  # threshold voltage, V (ESTIMATE)
_OVERDRIVE_V = 0.15  # highest supply above nominal (ESTIMATE: a typical overdrive corner)
#: Nominal clock of an accelerator datapath at the nominal supply (MHz). 65 nm: ShiDianNao
#: (Du et al., ISCA 2015) and DianNao (Chen et al., ASPLOS 2014) close at ~1 GHz; 28 and
#: 16 nm: the NVDLA Primer quotes its configurations at 1 GHz (areas at 28 nm, power at
#: 16 nm); 45 nm: ESTIMATE between 65 and 28 nm; 7 nm: NVIDIA A100 (7 nm) boost clock
#: 1.41 GHz.
_NOMINAL_CLOCK_MHZ: dict[str, float] = {
    "65nm": 1000.0,
    "45nm": 1000.0,
    "28nm": 1000.0,
    "16nm": 1000.0,
    "7nm": 1410.0,
}


def _alpha_speed(vdd: np.ndarray | float) -> np.ndarray:
    v = np.asarray(vdd, dtype=np.float64)
    return np.maximum(v - _VT, 0.0) ** _ALPHA / v


def _sb_energy(node: int, vdd: float) -> float:
    a, b, c = _SB_ENERGY_COEFFS[node]
    return a * vdd * vdd + b * vdd + c


def _energy_factor(name: str) -> float:
    """Energy per op at *name* relative to 45 nm at 0.9 V."""
    vdd = _VDD[name]
    if name == "28nm":
        value = (2.0 * _sb_energy(32, vdd) + _sb_energy(20, vdd)) / 3.0
    else:
        value = _sb_energy(int(name.removesuffix("nm")), vdd)
    return value / _sb_energy(45, _VDD["45nm"])


def _area_factor(name: str) -> float:
    """Logic area at *name* relative to 45 nm."""
    if name == "28nm":
        return (2.0 * _SB_AREA_FROM_45[32] + _SB_AREA_FROM_45[20]) / 3.0
    return _SB_AREA_FROM_45[int(name.removesuffix("nm"))]


#: The oldest node of the table above; older nodes scale classically from it.
_OLDEST_TABLE_NM = 65


def logic_area_factor(node_nm: int) -> float:
    """Standard-cell logic area at *node_nm* relative to 45 nm: the model's node table
    (Stillmaker & Baas 2017, 28 nm interpolated) for 65 nm and below, and for older nodes
    (e.g. 180 nm, where the only freely installable standard-cell library is) classical
    area scaling with the square of the feature size from 65 nm (ASSUMPTION: at 180-90 nm
    planar scaling still tracked L^2 closely; the model's own nodes are not affected)."""
    if node_nm > _OLDEST_TABLE_NM:
        return _SB_AREA_FROM_45[_OLDEST_TABLE_NM] * (node_nm / _OLDEST_TABLE_NM) ** 2
    return _area_factor(f"{node_nm}nm")


# --------------------------------------------------------------------------------------
# SRAM
# --------------------------------------------------------------------------------------
#: High-density 6T bit-cell area (um^2): Intel 65 nm 0.57 (Bai et al., IEDM 2004); Intel
#: 45 nm 0.346 (Mistry et al., IEDM 2007);
#: TSMC 28 nm HD 0.127 (TSMC 28HP/HPM HD cell); TSMC 16 nm FinFET 0.07 (S.-Y. Wu et al.,
#: IEDM 2013); TSMC N7 HD 0.027 (S.-Y. Wu et al., IEDM 2016).
_BITCELL_UM2: dict[str, float] = {
    "65nm": 0.57,  # Intel 65 nm, P. Bai et al., IEDM 2004 (0.57 um^2 cell)
    "45nm": 0.346,
    "28nm": 0.127,
    "16nm": 0.07,
    "7nm": 0.027,
}
#: Array efficiency of a compiled SRAM macro (ESTIMATE): bit cells are 60 % of macro area,
#: the rest is decoders, sense amplifiers, I/O and redundancy.
_SRAM_ARRAY_EFFICIENCY = 0.6

#: Horowitz 45 nm SRAM reads of one 64-bit word: 8 KB -> 10 pJ, 32 KB -> 20 pJ, 1 MB -> 100
#: pJ. Per byte: 1.25, 2.5, 12.5 pJ. Fit e(KiB) = a*sqrt(KiB) + b (wire length grows with
#: the square root of the array area) by least squares.
_H45_SRAM_POINTS: tuple[tuple[float, float], ...] = ((8.0, 10.0), (32.0, 20.0), (1024.0, 100.0))


def _fit_sram_energy() -> tuple[float, float]:
    """Least-squares (a, b) of e = a*sqrt(KiB) + b through Horowitz's points, pJ per byte."""
    x = np.sqrt(np.array([k for k, _ in _H45_SRAM_POINTS]))
    y = np.array([e / 8.0 for _, e in _H45_SRAM_POINTS])
    design = np.vstack([x, np.ones_like(x)]).T
    a, b = np.linalg.lstsq(design, y, rcond=None)[0]
    return float(a), float(b)


_SRAM_A_45, _SRAM_B_45 = _fit_sram_energy()  # ~0.383 pJ/B/sqrt(KiB), ~0.245 pJ/B

#: Static power (ESTIMATE): a fraction of the dynamic power density of a fully busy int8
#: PE array at 1 GHz -- 10 % for planar bulk (45, 28 nm), 5 % for FinFET (16, 7 nm).
_LEAKAGE_FRACTION: dict[str, float] = {
    "65nm": 0.10,
    "45nm": 0.10,
    "28nm": 0.10,
    "16nm": 0.05,
    "7nm": 0.05,
}
#: Per systolic array: sequencer, address generators and loop counters (ESTIMATE: 20,000
#: NAND2-equivalent gates; NanGate 45 nm NAND2_X1 = 0.798 um^2), layout area.
_ARRAY_CONTROL_GATES = 20_000
_NAND2_UM2_45 = 0.798
#: Public names of the two constants above, for cross-checks in gate equivalents.
NAND2_UM2_45 = _NAND2_UM2_45
LOGIC_UTILIZATION = _LOGIC_UTILIZATION

#: SRAM port periphery per bit of port width (sense amplifier, write driver, column mux,
#: output latch and the wiring to the consumer; ESTIMATE 20 um^2 at 45 nm). A wider port
#: means more, smaller banks: this is what feeding many small arrays costs.
_SRAM_PORT_UM2_PER_BIT_45 = 20.0


@dataclass(frozen=True)
class Technology:
    """Per-node energy and area constants of the accelerator template.

    Energies in pJ, areas in um^2 (per PE / per lane) or mm^2 (per KiB of SRAM, fixed).
    PE and lane areas include standard-cell placement overhead.
    """

    name: str
    mac_energy_pj: dict[str, float]
    pe_area_um2: dict[str, float]
    vector_op_energy_pj: dict[str, float]
    vector_lane_area_um2: dict[str, float]
    sram_area_mm2_per_kib: float
    leakage_mw_per_mm2: float
    #: Second stationary register bank of a PE (pipelined folds), um^2 per PE.
    pe_bank_area_um2: dict[str, float] = field(default_factory=dict)
    #: One register bit (skew/deskew buffers), layout um^2 and pJ per clocked bit.
    reg_bit_area_um2: float = 0.0
    reg_bit_energy_pj: float = 0.0
    #: Control of one systolic array, mm^2.
    array_control_area_mm2: float = 0.0
    #: SRAM port periphery, um^2 per bit of port width.
    sram_port_area_um2_per_bit: float = 0.0
    sram_energy_sqrt_pj: float = _SRAM_A_45
    sram_energy_base_pj: float = _SRAM_B_45
    vdd_v: float = 0.9
    nominal_clock_mhz: float = 1000.0
    default_dram: str = "ddr4"
    description: str = field(default="", compare=False)

    def __hash__(self) -> int:  # dict fields are unhashable; the name identifies a node
        return hash(self.name)

    @property
    def max_vdd_v(self) -> float:
        """Highest supply voltage (nominal + overdrive), V."""
        return self.vdd_v + _OVERDRIVE_V

    @property
    def max_clock_mhz(self) -> float:
        """Fastest clock of the datapath at the highest supply (alpha-power law), MHz."""
        return float(
            self.nominal_clock_mhz * _alpha_speed(self.max_vdd_v) / _alpha_speed(self.vdd_v)
        )

    def vdd_for_clock(self, clock_mhz: np.ndarray | float) -> np.ndarray:
        """Supply voltage a clock needs (nominal up to the nominal clock; NaN above the
        maximum clock). Vectorized over clocks."""
        clock = np.asarray(clock_mhz, dtype=np.float64)
        grid = np.linspace(self.vdd_v, self.max_vdd_v, 257)
        speed = self.nominal_clock_mhz * _alpha_speed(grid) / _alpha_speed(self.vdd_v)
        v = np.interp(clock, speed, grid)
        v = np.where(clock <= self.nominal_clock_mhz, self.vdd_v, v)
        return np.where(clock > speed[-1] * (1 + 1e-12), np.nan, v)

    @property
    def dram_energy_pj_per_byte(self) -> float:
        """DRAM energy per byte of the node's default DRAM type (``default_dram``)."""
        from accelscope.targets.asic.arch.dram import get_dram_type

        return get_dram_type(self.default_dram).energy_pj_per_byte

    def sram_energy_pj_per_byte(self, capacity_kib: np.ndarray | float) -> np.ndarray:
        """Energy of reading or writing one byte of an SRAM of *capacity_kib* KiB.

        ``a*sqrt(capacity_kib) + b``: strictly increasing in capacity; vectorized (any
        array shape, returned as float64). Negative capacities are treated as 0.
        """
        cap = np.maximum(np.asarray(capacity_kib, dtype=np.float64), 0.0)
        return self.sram_energy_sqrt_pj * np.sqrt(cap) + self.sram_energy_base_pj


def _build(name: str, description: str) -> Technology:
    ef = _energy_factor(name)
    af = _area_factor(name) / _LOGIC_UTILIZATION
    mac_e, pe_a, vec_e, vec_a = {}, {}, {}, {}
    for prec in PRECISIONS:
        e, a = _pe(prec)
        mac_e[prec], pe_a[prec] = e * ef, a * af
        e, a = _vector_lane(prec)
        vec_e[prec], vec_a[prec] = e * ef, a * af
    # Leakage: fraction of (int8 MAC energy * 1 GHz) / int8 PE area -> mW/mm^2.
    dyn_mw_per_mm2 = (mac_e["int8"] * 1e-12 * 1e9 * 1e3) / (pe_a["int8"] * 1e-6)
    from accelscope.targets.asic.arch.dram import DEFAULT_DRAM_BY_NODE

    logic = _area_factor(name)
    return Technology(
        name=name,
        mac_energy_pj=mac_e,
        pe_area_um2=pe_a,
        vector_op_energy_pj=vec_e,
        vector_lane_area_um2=vec_a,
        sram_area_mm2_per_kib=8192 * _BITCELL_UM2[name] / _SRAM_ARRAY_EFFICIENCY * 1e-6,
        leakage_mw_per_mm2=_LEAKAGE_FRACTION[name] * dyn_mw_per_mm2,
        pe_bank_area_um2={p: _BITS[p] * _REG_BIT_AREA_UM2_45 * af for p in PRECISIONS},
        reg_bit_area_um2=_REG_BIT_AREA_UM2_45 * af,
        reg_bit_energy_pj=_REG_BIT_ENERGY_PJ_45 * ef,
        array_control_area_mm2=_ARRAY_CONTROL_GATES * _NAND2_UM2_45 * 1e-6 * af,
        sram_port_area_um2_per_bit=_SRAM_PORT_UM2_PER_BIT_45 * logic,
        sram_energy_sqrt_pj=_SRAM_A_45 * ef,
        sram_energy_base_pj=_SRAM_B_45 * ef,
        vdd_v=_VDD[name],
        nominal_clock_mhz=_NOMINAL_CLOCK_MHZ[name],
        default_dram=DEFAULT_DRAM_BY_NODE[name],
        description=description,
    )


TECHNOLOGIES: dict[str, Technology] = {
    "65nm": _build("65nm", "65 nm bulk, 1.0 V (Eyeriss, DianNao, ShiDianNao era), DDR3"),
    "45nm": _build("45nm", "45 nm bulk, 0.9 V (Horowitz ISSCC 2014 reference point), DDR3"),
    "28nm": _build("28nm", "28 nm bulk HKMG, 0.9 V, DDR4"),
    "16nm": _build("16nm", "16 nm FinFET, 0.8 V, GDDR5/LPDDR4-class DRAM"),
    "7nm": _build("7nm", "7 nm FinFET, 0.75 V, HBM2"),
}


def get_technology(name: str) -> Technology:
    """Technology table by node name (``"65nm"``, ``"45nm"``, ``"28nm"``, ``"16nm"``, ``"7nm"``)."""
    try:
        return TECHNOLOGIES[name]
    except (KeyError, TypeError):
        known = list(TECHNOLOGIES)
        raise UnknownNameError(
            f"unknown technology '{name}'{suggest(str(name), known)}; available: {', '.join(known)}"
        ) from None
