"""Network evaluation: every unique kernel on a chunk of configurations at once.

:func:`evaluate_batch` is the vectorized hot path (arrays over configurations);
:func:`evaluate` runs the same code on one :class:`accelscope.targets.asic.arch.Arch` and returns a
per-layer :class:`~accelscope.targets.asic.cost.report.NetworkReport`. Steps per chunk:

1. technology columns, area, buffer capacities (tile staging and residency);
2. the mapping of every unique GEMM kernel, with operand A from DRAM and/or already on
   chip (:mod:`accelscope.targets.asic.cost.mapping`), searched once per distinct mapping key;
3. the execution plan of the network (fusion, tensors, residency need;
   :mod:`targets.asic.cost.schedule`) applied to the configurations: which tensors stay on
   chip, the traffic, latency and energy of every GEMM and vector occurrence;
4. per-layer sums (one-hot matrix products) and network totals.

No Python loop runs over configurations or layers; loops run over chunks, dataflows,
candidate families, fusion modes and technology nodes. docs/assumptions.md, part 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from accelscope.targets.asic.cost import winograd
from accelscope.targets.asic.cost.area import (
    AreaBreakdown,
    area_breakdown,
    default_ports,
    leakage_pj_per_cycle,
)
from accelscope.targets.asic.cost.configs import ConfigBatch
from accelscope.targets.asic.cost.energy import TechColumns, tech_columns
from accelscope.targets.asic.cost.mapping import (
    N_CANDIDATES,
    CandidateTable,
    Capacities,
    ConfigColumns,
    KernelColumns,
    Mapping,
    candidates_for,
    choose,
    key_table,
)
from accelscope.targets.asic.cost.schedule import Schedule, schedule_for
from accelscope.targets.asic.cost.sparsity import LayerSparsity, layer_sparsity, weight_factors
from accelscope.targets.asic.cost.traffic import conv_columns
from accelscope.workload.kernels import KernelTable
from accelscope.workload.network import Network

if TYPE_CHECKING:  # pragma: no cover
    from accelscope.targets.asic.arch import Arch
    from accelscope.targets.asic.cost.report import NetworkReport

BOUND_NAMES: tuple[str, ...] = ("compute", "memory", "vector", "sram", "none")
"""Layer bound names by code: the largest of array, DRAM, vector-unit and buffer-port cycles."""

#: Reasons a configuration is infeasible (``BatchResult.infeasible_code``).
INFEASIBLE_REASONS: tuple[str, ...] = ("", "clock above the node's maximum", "a GEMM fits no tile")

#: Target number of (config x kernel x candidate) elements per chunk (bounds peak memory).
CHUNK_ELEMENTS = 1 << 19

#: Default KiB of the activation buffer kept for tile staging when activations may stay on
#: chip: half the buffer, but at least this much (docs/assumptions.md, "On-chip residency").
STAGING_FLOOR_KIB = 256.0


@dataclass(frozen=True)
class BatchResult:
    """Results over configurations (arrays ``[n_cfg]``; per-layer arrays ``[n_cfg, n_layers]``).

    Infeasible configurations carry ``inf`` latency, energy, power and DRAM bytes, zero
    throughput and utilization, and a reason in ``infeasible_code``. ``power_w`` is the
    accelerator die (core + DRAM interface); ``dram_power_w`` the DRAM devices; ``energy_j``
    the whole system, so ``energy_j = (power_w + dram_power_w) * latency_s``.
    """

    latency_cycles: np.ndarray
    latency_s: np.ndarray
    throughput_per_s: np.ndarray  # inferences/s = network.batch / latency_s
    energy_j: np.ndarray
    area_mm2: np.ndarray
    power_w: np.ndarray
    utilization: np.ndarray  # MACs done on the arrays / (total PEs x latency_cycles)
    dram_bytes: np.ndarray
    feasible: np.ndarray
    dram_power_w: np.ndarray = field(default_factory=lambda: np.zeros(0))
    onchip_power_w: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cell_area_mm2: np.ndarray = field(default_factory=lambda: np.zeros(0))
    infeasible_code: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    sub_batch: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    array_macs: np.ndarray = field(default_factory=lambda: np.zeros(0))  # MACs on the arrays
    layer_names: tuple[str, ...] = ()
    layer_cycles: np.ndarray | None = None
    layer_bound: np.ndarray | None = None  # int8 codes into BOUND_NAMES
    layer_dram_bytes: np.ndarray | None = None
    layer_energy_j: np.ndarray | None = None
    layer_compute_cycles: np.ndarray | None = None
    layer_memory_cycles: np.ndarray | None = None
    layer_vector_cycles: np.ndarray | None = None
    layer_sram_cycles: np.ndarray | None = None
    layer_array_macs: np.ndarray | None = None
    #: Energy per component and layer ``[n_cfg, len(ENERGY_PARTS), n_layers]`` (J).
    layer_energy_parts_j: np.ndarray | None = None
    bound_names: tuple[str, ...] = field(default=BOUND_NAMES)

    def __len__(self) -> int:
        return int(self.latency_cycles.shape[0])

    def layer_bound_names(self) -> np.ndarray:
        """``layer_bound`` as an array of names (requires ``per_layer=True``)."""
        if self.layer_bound is None:
            raise ValueError("evaluate_batch(..., per_layer=True) is needed for layer bounds")
        return np.asarray(self.bound_names, dtype=object)[self.layer_bound]


_TOTALS = (
    "latency_cycles",
    "latency_s",
    "throughput_per_s",
    "energy_j",
    "area_mm2",
    "power_w",
    "utilization",
    "dram_bytes",
    "feasible",
    "dram_power_w",
    "onchip_power_w",
    "cell_area_mm2",
    "infeasible_code",
    "sub_batch",
    "array_macs",
)
_LAYER = (
    "layer_cycles",
    "layer_bound",
    "layer_dram_bytes",
    "layer_energy_j",
    "layer_compute_cycles",
    "layer_memory_cycles",
    "layer_vector_cycles",
    "layer_sram_cycles",
    "layer_array_macs",
    "layer_energy_parts_j",
)

#: Components of the energy breakdown (``layer_energy_parts_j``), in order: array MACs,
#: vector-unit operations, on-chip buffer accesses (feeds, fills, drains), skew/deskew
#: registers, leakage of the die, the DRAM interface (PHY and controller, dynamic and
#: static), the DRAM devices. They add up to ``layer_energy_j``.
ENERGY_PARTS: tuple[str, ...] = (
    "mac",
    "vector",
    "buffers",
    "registers",
    "leakage",
    "dram_interface",
    "dram",
)


@dataclass(frozen=True)
class _LayerIndex:
    """Per-layer MACs of the network."""

    layer_macs: np.ndarray  # [L] float64
    total_macs: float


def _layer_index(table: KernelTable) -> _LayerIndex:
    kernel_macs = (
        table.gemm_groups * table.gemm_m * table.gemm_k * table.gemm_n * table.gemm_repeats
    ).astype(np.float64)
    layer_macs = table.gemm_layer_counts.astype(np.float64) @ kernel_macs
    return _LayerIndex(layer_macs, float(layer_macs.sum()))


# ------------------------------------------------------------------ capacities
def capacities(cfg: ConfigBatch) -> tuple[Capacities, np.ndarray, np.ndarray]:
    """(usable tile capacities, residency capacity in bytes, staging KiB), all ``[c]``.

    The activation buffer (input, or unified) is split into a staging part for tiles and
    a residency part for activations kept between layers: ``staging_kib`` if given, else
    half the buffer but at least ``STAGING_FLOOR_KIB`` (all of it when residency is off).
    Double buffering halves every tile capacity.
    """
    share = np.where(cfg.double_buffering, 512.0, 1024.0)  # KiB -> usable bytes per copy
    act_kib = np.where(cfg.unified, cfg.unified_kib, cfg.input_kib)
    resident = cfg.residency == 1
    default = np.minimum(act_kib, np.maximum(act_kib / 2.0, STAGING_FLOOR_KIB))
    staging = np.where(np.isnan(cfg.staging_kib), default, np.minimum(cfg.staging_kib, act_kib))
    staging = np.where(resident, staging, act_kib)
    res_bytes = np.where(resident, (act_kib - staging) * 1024.0, 0.0)
    inp = staging * share
    wgt = np.where(cfg.unified, inp, cfg.weight_kib * share)
    out = np.where(cfg.unified, inp, cfg.output_kib * share)
    return Capacities(inp, wgt, out, np.where(cfg.unified, inp, np.inf)), res_bytes, staging


# ------------------------------------------------------------------ kernels
def _a_always_on_chip(table: KernelTable, schedules: list[Schedule]) -> np.ndarray:
    """Kernels whose operand A is on-chip state in every occurrence (recurrent GEMMs):
    they need no staging for A. Elsewhere A is staged like a DRAM operand, and an
    occurrence whose A tensor stays on chip just moves no A bytes (the tiles stay the
    same, so the candidate sets stay nested in the capacities)."""
    out = np.ones(table.n_gemm, dtype=bool)
    for s in schedules:
        chip_only = (s.g_a == s.chip_id).all(axis=1)
        np.logical_and.at(out, s.g_kernel, chip_only)
    seen = np.zeros(table.n_gemm, dtype=bool)
    for s in schedules:
        seen[s.g_kernel] = True
    return out & seen


def _config_columns(cfg: ConfigBatch, tc: TechColumns) -> ConfigColumns:
    p_in, p_w, p_out = default_ports(cfg)
    f = np.float64
    return ConfigColumns(
        rows=cfg.rows.astype(f),
        cols=cfg.cols.astype(f),
        units=cfg.units.astype(f),
        dataflow=cfg.dataflow,
        bpe=cfg.bytes_per_element.astype(f),
        acc=cfg.accumulator_bytes.astype(f),
        bytes_per_cycle=cfg.dram_bytes_per_cycle,
        double_buffering=cfg.double_buffering,
        pipelined=cfg.pipelined,
        port_in=p_in,
        port_w=p_w,
        port_out=p_out,
        unified=cfg.unified,
        dram_pj=cfg.dram_pj_per_byte + tc.phy_pj,
        sram_in_pj=tc.sram_in_pj,
        sram_w_pj=tc.sram_w_pj,
        sram_out_pj=tc.sram_out_pj,
    )


#: Config columns the tile tables depend on (the mapping key): not the capacities.
_KEY_FIELDS = (
    "rows",
    "cols",
    "units",
    "dataflow",
    "bpe",
    "acc",
    "pipelined",
    "port_in",
    "port_w",
    "port_out",
    "unified",
)


def mapping_keys(cf: ConfigColumns) -> np.ndarray:
    """Integer key of every configuration: equal keys share one tile table."""
    from accelscope.targets.asic.cost.rowkeys import row_groups

    n = np.asarray(cf.rows).reshape(-1).shape[0]
    columns = [
        np.broadcast_to(np.asarray(getattr(cf, k), dtype=np.float64).reshape(-1), (n,))
        for k in _KEY_FIELDS
    ]
    return row_groups(columns)[1]


def _candidates(
    cf: ConfigColumns, cap: Capacities, kc: KernelColumns, keys: np.ndarray | None = None
) -> tuple[CandidateTable, np.ndarray]:
    """Candidates of every configuration: tile tables built once per distinct key
    (*keys*: :func:`mapping_keys` of *cf*, computed when not given)."""
    keys = mapping_keys(cf) if keys is None else keys
    _, first, rows = np.unique(keys, return_index=True, return_inverse=True)
    key = ConfigColumns(*(np.asarray(x)[first][:, None] for x in cf))
    kt = key_table(kc, key)
    ct = candidates_for(kt, rows.reshape(-1), kc, np.asarray(cf.bpe), np.asarray(cf.acc), cap)
    return ct, np.arange(len(keys))


# ------------------------------------------------------------------ applying a schedule
def _choose(ct, ct_rows, pair, a_res, b_res, out_res, ext, bpc, db, cf, tc, floor) -> Mapping:
    col = lambda x: np.asarray(x)[:, None]  # noqa: E731
    return choose(
        ct,
        ct_rows,
        pair,
        a_res,
        b_res,
        out_res,
        ext,
        bpc,
        db,
        col(cf.dram_pj),
        (col(tc.sram_in_pj), col(tc.sram_w_pj), col(tc.sram_out_pj)),
        floor,
        cf.dataflow,
    )


@dataclass
class _Occurrences:
    """Per-occurrence arrays kept for evaluate()'s per-layer report."""

    pair: np.ndarray  # [c, Og] mapping pair used
    a_res: np.ndarray
    b_res: np.ndarray
    out_res: np.ndarray
    on_vector: np.ndarray  # depthwise GEMM run on the vector unit
    winograd: np.ndarray  # convolution run in the Winograd form
    resident: np.ndarray  # [c, T + 2]
    mapping: Mapping  # the chosen mapping of every occurrence, [c, Og]


def _onehot(index: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    m = np.zeros((index.shape[0], n))
    if index.shape[0]:
        np.add.at(m, (np.arange(index.shape[0]), index), weight)
    return m


def _apply(
    s: Schedule,
    table: KernelTable,
    ct: CandidateTable,
    ct_rows: np.ndarray,
    cfg: ConfigBatch,
    tc: TechColumns,
    cf: ConfigColumns,
    res_bytes: np.ndarray,
    per_layer: bool = True,
    sparsity: LayerSparsity | None = None,
) -> tuple[dict[str, np.ndarray], _Occurrences]:
    """Arrays of one schedule on a chunk of configurations: ``cycles`` per layer
    ``[c, L]``; the other sums per layer too with *per_layer*, else network totals
    ``[c, 1]`` (and no compute/memory/vector/sram split)."""
    c = len(cfg)
    n_layers = len(table.layer_names)
    col = lambda x: np.asarray(x)[:, None]  # noqa: E731
    bpe = col(cf.bpe)
    bpc = col(cf.bytes_per_cycle)
    db = col(cf.double_buffering)
    lanes = col(cfg.lanes.astype(np.float64))

    need_bytes = s.tensor_need[None, :] * bpe
    resident = need_bytes <= col(res_bytes)
    resident = np.concatenate([resident, np.ones((c, 1), bool), np.zeros((c, 1), bool)], axis=1)

    # ---- GEMM occurrences -------------------------------------------------------------
    u = s.g_kernel
    a_res = resident[:, s.g_a].all(axis=-1)
    b_res = (~s.g_b_weight)[None, :] & resident[:, s.g_b].all(axis=-1)
    out_res = resident[:, s.g_out]
    ext = np.zeros((c, u.shape[0]))
    if s.x_tensor.shape[0]:
        x_bytes = s.tensor_elements[s.x_tensor][None, :] * bpe * ~resident[:, s.x_tensor]
        ext = x_bytes @ _onehot(s.x_occurrence, np.ones(s.x_tensor.shape[0]), u.shape[0])
    pair = np.broadcast_to(u[None, :], (c, u.shape[0]))
    # Fused element-wise work overlaps its host's GEMM: the host cannot finish sooner.
    v = s.v_kernel
    fused_layer = np.zeros((c, n_layers))
    if v.shape[0] and s.v_fused.any():
        el_f = table.vec_elements[v].astype(np.float64)[None, :]
        ops_f = table.vec_ops_per_element[v].astype(np.float64)[None, :]
        cyc_f = np.ceil(el_f / lanes) * ops_f * s.v_fused[None, :]
        fused_layer = cyc_f @ _onehot(s.v_layer, s.v_count, n_layers)
    floor = fused_layer[:, s.g_layer] if u.shape[0] else None
    if ct is None:  # a network without GEMMs
        z = np.zeros((c, 0))
        mp = Mapping(z.astype(bool), z.astype(np.int64), z.astype(np.int64), *([z] * 17))
    else:
        # Occurrences with the same selection problem share one choice.
        reps = s.g_rep_list
        back = np.searchsorted(reps, s.g_rep)
        sub = lambda x: x[:, reps]  # noqa: E731
        mp_r = _choose(
            ct,
            ct_rows,
            sub(pair),
            sub(a_res),
            sub(b_res),
            sub(out_res),
            sub(ext),
            bpc,
            db,
            cf,
            tc,
            sub(floor),
        )
        mp = Mapping(*(f[:, back] for f in mp_r))
    # Winograd first: a layer run in the transform domain has dense transformed weights,
    # so weight sparsity saves nothing there (docs/assumptions.md, "Winograd").
    wino_used = np.zeros((c, u.shape[0]), dtype=bool)
    wino_c = 1.0
    if u.shape[0] and (cfg.winograd != winograd.NONE).any():
        wino_used, wino_c, wino_w = winograd.factors(
            cfg.winograd, table.gemm_conv[u], table.gemm_k[u]
        )
        mp = mp._replace(
            b_bytes=mp.b_bytes * wino_w,
            once_bytes=mp.once_bytes * wino_w,
            exposed_b=mp.exposed_b * wino_w,
            feed_w=mp.feed_w * wino_c,
            feed_in=mp.feed_in * wino_c,
            feed_out=mp.feed_out * wino_c,
            array_cycles=mp.array_cycles * wino_c,
            sram_cycles=mp.sram_cycles * wino_c,
        )
    kept = 1.0
    if sparsity is not None and sparsity.any and u.shape[0]:
        stored, kept = weight_factors(
            sparsity, s.g_layer, s.g_b_weight, cfg.weight_sparsity, cf.bpe, cf.rows, cf.cols
        )
        stored, kept = np.where(wino_used, 1.0, stored), np.where(wino_used, 1.0, kept)
        mp = mp._replace(
            b_bytes=mp.b_bytes * stored,
            once_bytes=mp.once_bytes * stored,
            exposed_b=mp.exposed_b * stored,
            feed_w=mp.feed_w * np.where(kept < 1.0, kept, stored),
            feed_in=mp.feed_in * kept,
            feed_out=mp.feed_out * kept,
            array_cycles=mp.array_cycles * kept,
            sram_cycles=mp.sram_cycles * kept,
        )
    streams, once = mp.streams, mp.once_bytes
    a_b, b_b, sp_b, o_full = mp.a_bytes, mp.b_bytes, mp.spill_bytes, mp.out_bytes
    o_b = o_full * ~out_res
    mem_s = a_b + b_b + sp_b + o_b + ext / streams
    exp_s = mp.exposed_a + mp.exposed_b * ~b_res + mp.exposed_out * ~out_res
    arr_c, sram_c = mp.array_cycles, mp.sram_cycles
    comp = np.maximum(arr_c, sram_c)
    mem_c = mem_s / bpc
    exp_c = np.minimum(exp_s, mem_s) / bpc
    lat_s = np.where(db, exp_c + np.maximum(comp, mem_c - exp_c), comp + mem_c)
    lat_array = np.where(mp.feasible, streams * lat_s + once / bpc, np.inf)
    dram = streams * mem_s + once

    # Depthwise convolutions may run on the vector unit instead (one MAC per lane-cycle).
    groups = table.gemm_groups[u].astype(np.float64)[None, :]
    gm = groups * table.gemm_m[u][None, :]
    kk = table.gemm_k[u].astype(np.float64)[None, :]
    dw = (table.gemm_conv[u, 0] > 0) & (table.gemm_conv[u, 1] == 1) & (table.gemm_groups[u] > 1)
    v_cyc = np.ceil(gm / lanes) * kk * table.gemm_n[u][None, :]
    lat_vec = np.where(db, exp_c + np.maximum(v_cyc, mem_c - exp_c), v_cyc + mem_c)
    on_vector = dw[None, :] & (lat_vec < lat_array)
    lat_g = np.where(on_vector, lat_vec, lat_array)
    macs = (
        table.gemm_groups * table.gemm_m * table.gemm_k * table.gemm_n * table.gemm_repeats
    ).astype(np.float64)[u][None, :]
    macs_dense, macs = macs, macs * kept * wino_c  # skipped folds run no MACs
    outs = (table.gemm_groups * table.gemm_m * table.gemm_n * table.gemm_repeats).astype(
        np.float64
    )[u][None, :]
    feed = (
        mp.feed_in * col(tc.sram_in_pj)
        + mp.feed_w * col(tc.sram_w_pj)
        + mp.feed_out * col(tc.sram_out_pj)
    ) * streams
    skew = (
        mp.feed_in * streams * 8.0 * (col(cf.rows) - 1.0) / 2.0
        + outs * 8.0 * col(cf.acc) * (col(cf.cols) - 1.0) / 2.0
    ) * col(tc.reg_bit_pj)
    fills = (
        streams * (a_b * col(tc.sram_in_pj) + b_b * col(tc.sram_w_pj))
        + streams * (sp_b + o_full) * col(tc.sram_out_pj)
        + streams * (o_full * out_res) * col(tc.sram_in_pj)
        + once * col(tc.sram_w_pj)
    )
    if wino_used.any():  # the transform adders sit at the array's edges, like the skew
        bit_adds = winograd.transform_bit_adds(
            table.gemm_conv[u],
            table.gemm_groups[u],
            table.gemm_n[u],
            table.gemm_repeats[u],
            8.0 * np.asarray(cf.bpe),
            8.0 * np.asarray(cf.acc),
        )
        skew = skew + np.where(wino_used, bit_adds, 0.0) * col(tc.reg_bit_pj)
    en_array = macs * col(tc.mac_pj) + feed + skew
    en_vec = macs_dense * col(tc.vector_op_pj)  # the vector unit runs dense
    en_g = np.where(on_vector, en_vec, en_array) + fills
    dram_dev_g = dram * col(cfg.dram_pj_per_byte)
    phy_g = dram * col(tc.phy_pj)
    bad_g = ~mp.feasible

    # Occurrences without a fitting tile make the configuration infeasible (bad_g); keep
    # their infinities out of the sums.
    ok = ~bad_g
    lat_g, dram, v_cyc = (np.where(ok, x, 0.0) for x in (lat_g, dram, v_cyc))
    arr_c, sram_c = np.where(ok, arr_c, 0.0), np.where(ok, sram_c, 0.0)
    en_g, dram_dev_g, phy_g = (np.where(ok, x, 0.0) for x in (en_g, dram_dev_g, phy_g))
    cnt = s.g_count
    mg = _onehot(s.g_layer, cnt, n_layers)
    # Per-layer sums [c, L] for a report; network totals [c, 1] (one product) otherwise.
    # Latency stays per layer: fused vector work overlaps its own layer's GEMMs only.
    sum_g = mg if per_layer else cnt[:, None].astype(np.float64)
    gemm_lat = lat_g @ mg
    layer = {
        "dram": dram @ sum_g,
        "energy": en_g @ sum_g,
        "dram_dev": dram_dev_g @ sum_g,
        "phy": phy_g @ sum_g,
        "bad": (bad_g * 1.0) @ sum_g,
        "array_macs": np.where(on_vector, 0.0, macs) @ sum_g,
    }
    if per_layer:
        # Energy by component (pJ per layer); they add up to layer["energy"].
        array_ok = ok & ~on_vector
        layer["e_mac"] = np.where(array_ok, macs * col(tc.mac_pj), 0.0) @ mg
        layer["e_vector"] = np.where(ok & on_vector, en_vec, 0.0) @ mg
        layer["e_buffers"] = (np.where(array_ok, feed, 0.0) + np.where(ok, fills, 0.0)) @ mg
        layer["e_registers"] = np.where(array_ok, skew, 0.0) @ mg
        layer["compute"] = np.where(on_vector, 0.0, streams * arr_c) @ mg
        layer["sram"] = np.where(on_vector, 0.0, streams * sram_c) @ mg
        layer["memory"] = (dram / bpc) @ mg
        layer["vector"] = np.where(on_vector, v_cyc, 0.0) @ mg

    # ---- vector occurrences -----------------------------------------------------------
    v = s.v_kernel
    if v.shape[0]:
        el = table.vec_elements[v].astype(np.float64)[None, :]
        ops = table.vec_ops_per_element[v].astype(np.float64)[None, :]
        vin = table.vec_in_elements[v].astype(np.float64)[None, :]
        vout = table.vec_out_elements[v].astype(np.float64)[None, :]
        cyc = np.ceil(el / lanes) * ops
        elems = np.append(s.tensor_elements, [0.0, 0.0])  # chip and dram ids move nothing
        in_el = ((~resident[:, s.v_in]) * (elems[s.v_in] * s.v_in_share)[None]).sum(axis=-1)
        in_el = in_el + s.v_weight[None, :] * vin  # looked-up parameter rows
        out_el = ~resident[:, s.v_out] * (elems[s.v_out] * s.v_out_share)[None, :]
        fused = s.v_fused[None, :]
        vdram = np.where(fused, 0.0, (in_el + out_el) * bpe)
        vmem = vdram / bpc
        vlat = np.where(db, np.maximum(cyc, vmem), cyc + vmem)
        ven = el * ops * col(tc.vector_op_pj) + (vin + vout) * bpe * col(tc.sram_out_pj) * (
            1.0 + np.where(fused, 0.0, 1.0)
        )
        mv = _onehot(s.v_layer, s.v_count, n_layers)
        fused_m = mv * s.v_fused[:, None]
        alone_m = mv * ~s.v_fused[:, None]
        layer_lat = np.maximum(gemm_lat, cyc @ fused_m) + vlat @ alone_m
        sum_v = mv if per_layer else s.v_count[:, None].astype(np.float64)
        layer["dram"] = layer["dram"] + vdram @ sum_v
        layer["energy"] = layer["energy"] + ven @ sum_v
        layer["dram_dev"] = layer["dram_dev"] + (vdram * col(cfg.dram_pj_per_byte)) @ sum_v
        layer["phy"] = layer["phy"] + (vdram * col(tc.phy_pj)) @ sum_v
        if per_layer:
            layer["vector"] = layer["vector"] + cyc @ mv
            layer["memory"] = layer["memory"] + vmem @ mv
            v_ops = el * ops * col(tc.vector_op_pj)
            layer["e_vector"] = layer["e_vector"] + v_ops @ mv
            layer["e_buffers"] = layer["e_buffers"] + (ven - v_ops) @ mv
    else:
        layer_lat = gemm_lat
    layer["cycles"] = layer_lat
    occ = _Occurrences(pair, a_res, b_res, out_res, on_vector, wino_used, resident, mp)
    return layer, occ


# ------------------------------------------------------------------ chunk
@dataclass
class _Detail:
    """Kernel- and occurrence-level arrays of one chunk, for evaluate()'s report."""

    schedule: Schedule
    occurrences: _Occurrences
    capacities: Capacities
    area: AreaBreakdown
    staging_kib: np.ndarray
    residency_bytes: np.ndarray


def _evaluate_chunk(
    network: Network,
    li: _LayerIndex,
    cfg: ConfigBatch,
    per_layer: bool,
    keys: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], _Detail]:
    table = network.kernel_table
    c = len(cfg)
    col = lambda x: np.asarray(x)[:, None]  # noqa: E731
    tc = tech_columns(cfg)
    ab = area_breakdown(cfg, tc)
    cap, res_bytes, staging = capacities(cfg)
    cf = _config_columns(cfg, tc)
    modes = [int(m) for m in np.unique(cfg.fusion)]
    scheds = {m: schedule_for(network, bool(m)) for m in modes}
    sparsity = layer_sparsity(network)
    if table.n_gemm:
        conv = conv_columns(table.gemm_conv)
        conv = type(conv)(*(x[None, :] for x in conv))
        f = np.float64
        kc = KernelColumns(
            m=table.gemm_m[None, :].astype(f),
            k=table.gemm_k[None, :].astype(f),
            n=table.gemm_n[None, :].astype(f),
            groups=table.gemm_groups[None, :].astype(f),
            repeats=table.gemm_repeats[None, :].astype(f),
            sequential=table.gemm_sequential[None, :],
            a_on_chip=_a_always_on_chip(table, list(scheds.values()))[None, :],
            conv=conv,
        )
        ct, ct_rows = _candidates(cf, cap, kc, keys)
    else:
        ct, ct_rows = None, np.zeros(c, dtype=np.int64)

    layer: dict[str, np.ndarray] = {}
    occ = None
    for m in modes:
        rows = np.flatnonzero(cfg.fusion == m)
        if len(modes) == 1:
            part, occ = _apply(
                scheds[m], table, ct, ct_rows, cfg, tc, cf, res_bytes, per_layer, sparsity
            )
        else:
            sub = cfg.take(rows)
            cf_sub = ConfigColumns(*(np.asarray(x)[rows] for x in cf))
            tc_sub = TechColumns(*(np.asarray(x)[rows] for x in tc))
            part, occ = _apply(
                scheds[m],
                table,
                ct,
                ct_rows[rows],
                sub,
                tc_sub,
                cf_sub,
                res_bytes[rows],
                per_layer,
                sparsity,
            )
        for key, val in part.items():
            if key not in layer:
                layer[key] = np.zeros((c, val.shape[1]))
            layer[key][rows] = val

    leak = leakage_pj_per_cycle(cfg, tc, ab.area_mm2 - ab.phy_mm2)
    phy_static_pj = tc.phy_static_mw * 1e3 / cfg.clock_mhz  # pJ per cycle
    cycles = layer["cycles"]
    clock_ok = np.isfinite(tc.vdd_v)
    mappable = ~(layer["bad"] > 0).any(axis=1)
    feasible = clock_ok & mappable
    code = np.where(~clock_ok, 1, np.where(~mappable, 2, 0)).astype(np.int8)
    inf = np.inf
    latency_cycles = np.where(feasible, cycles.sum(axis=1), inf)
    latency_s = latency_cycles / (cfg.clock_mhz * 1e6)
    core_pj = layer["energy"].sum(axis=1) + leak * cycles.sum(axis=1)
    phy_pj = layer["phy"].sum(axis=1) + phy_static_pj * cycles.sum(axis=1)
    dev_pj = layer["dram_dev"].sum(axis=1)
    energy_j = np.where(feasible, (core_pj + phy_pj + dev_pj) * 1e-12, inf)
    dram = np.where(feasible, layer["dram"].sum(axis=1), inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = feasible & (latency_s > 0)
        throughput = np.where(ok, network.batch / latency_s, 0.0)
        power = np.where(ok, (core_pj + phy_pj) * 1e-12 / latency_s, inf)
        onchip = np.where(ok, core_pj * 1e-12 / latency_s, inf)
        dram_power = np.where(ok, dev_pj * 1e-12 / latency_s, inf)
        pes = cfg.pe_count.astype(np.float64)
        array_macs = layer["array_macs"].sum(axis=1)
        util = np.where(feasible & (latency_cycles > 0), array_macs / (pes * latency_cycles), 0.0)
    out: dict[str, np.ndarray] = {
        "latency_cycles": latency_cycles,
        "latency_s": latency_s,
        "throughput_per_s": throughput,
        "energy_j": energy_j,
        "area_mm2": ab.area_mm2,
        "power_w": power,
        "utilization": util,
        "dram_bytes": dram,
        "feasible": feasible,
        "dram_power_w": dram_power,
        "onchip_power_w": onchip,
        "cell_area_mm2": ab.cell_area_mm2,
        "infeasible_code": code,
        "sub_batch": np.full(c, network.batch, dtype=np.int64),
        "array_macs": array_macs,
    }
    if per_layer:
        layer_energy = (
            layer["energy"] + layer["dram_dev"] + layer["phy"] + col(leak + phy_static_pj) * cycles
        )
        stacked = np.stack([layer["compute"], layer["memory"], layer["vector"], layer["sram"]])
        bound = stacked.argmax(axis=0).astype(np.int8)
        bound = np.where(stacked.max(axis=0) > 0, bound, np.int8(4)).astype(np.int8)
        bad = ~feasible[:, None]

        def mask(x: np.ndarray) -> np.ndarray:
            return np.where(bad, inf, x)

        parts = np.stack(
            [
                layer["e_mac"],
                layer["e_vector"],
                layer["e_buffers"],
                layer["e_registers"],
                col(leak) * cycles,
                layer["phy"] + col(phy_static_pj) * cycles,
                layer["dram_dev"],
            ],
            axis=1,
        )
        out.update(
            layer_energy_parts_j=np.where(bad[:, :, None], inf, parts * 1e-12),
            layer_cycles=mask(cycles),
            layer_bound=bound,
            layer_dram_bytes=mask(layer["dram"]),
            layer_energy_j=mask(layer_energy * 1e-12),
            layer_compute_cycles=mask(layer["compute"]),
            layer_memory_cycles=mask(layer["memory"]),
            layer_vector_cycles=mask(layer["vector"]),
            layer_sram_cycles=mask(layer["sram"]),
            layer_array_macs=layer["array_macs"],
        )
    detail = _Detail(scheds[modes[-1]], occ, cap, ab, staging, res_bytes)
    return out, detail


# ------------------------------------------------------------------ sub-batches
def sub_batch_networks(network: Network, sizes: list[int] | None = None) -> list[Network]:
    """The network at every sub-batch the runtime may use: the power-of-two divisors of
    its batch and the batch itself (a batch of B runs as B/b passes of b inferences), or
    the given *sizes* (divisors of the batch)."""
    batch = network.batch
    if sizes is None:
        sizes = sorted(
            {b for b in (2**i for i in range(batch.bit_length())) if batch % b == 0} | {batch}
        )
    elif any(b < 1 or batch % b for b in sizes):
        raise ValueError(f"sub-batches {sizes} must divide the batch {batch}")
    out = []
    for b in sizes:
        try:
            out.append(network.with_batch(b))
        except ValueError:  # not re-batchable: only the whole batch
            continue
    return out or [network]


#: Results that add up over the passes of a sub-batch (every per-layer array but the bound).
_SCALED = (
    "latency_cycles",
    "array_macs",
    "energy_j",
    "dram_bytes",
    *(key for key in _LAYER if key != "layer_bound"),
)


def _best_sub_batch(
    network: Network,
    li: _LayerIndex,
    cfg: ConfigBatch,
    per_layer: bool,
    sizes: list[int] | None = None,
    keys: np.ndarray | None = None,
) -> tuple[dict[str, np.ndarray], list[_Detail], np.ndarray]:
    """Evaluate every sub-batch and keep, per configuration, the fastest way to run the
    whole batch. Returns (results, details per sub-batch, index of the chosen one)."""
    subs = sub_batch_networks(network, sizes)
    batch = network.batch
    results, details = [], []
    for net in subs:
        res, det = _evaluate_chunk(net, _layer_index(net.kernel_table), cfg, per_layer, keys)
        passes = batch // net.batch
        for key in _SCALED:
            if key in res:
                res[key] = res[key] * passes
        results.append(res)
        details.append(det)
    latency = np.stack([r["latency_cycles"] for r in results])
    # Fastest; ties go to the larger sub-batch (listed last).
    choice = (len(subs) - 1) - np.argmin(latency[::-1], axis=0)
    rows = np.arange(len(cfg))
    out = {key: np.stack([r[key] for r in results])[choice, rows] for key in results[-1]}
    lat_s = out["latency_cycles"] / (cfg.clock_mhz * 1e6)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = out["feasible"] & (lat_s > 0)
        out["latency_s"] = np.where(out["feasible"], lat_s, np.inf)
        out["throughput_per_s"] = np.where(ok, batch / lat_s, 0.0)
        pes = cfg.pe_count.astype(np.float64)
        out["utilization"] = np.where(ok, out["array_macs"] / (pes * out["latency_cycles"]), 0.0)
    return out, details, choice


def default_chunk_size(table: KernelTable) -> int:
    """Configurations per chunk so one candidate array holds ~``CHUNK_ELEMENTS`` values."""
    per_cfg = max(1, table.n_gemm) * N_CANDIDATES * 2
    return max(1, CHUNK_ELEMENTS // per_cfg)


def evaluate_batch(
    network: Network,
    configs: ConfigBatch,
    *,
    per_layer: bool = False,
    chunk_size: int | None = None,
    sub_batches: list[int] | None = None,
) -> BatchResult:
    """Evaluate *network* on every configuration of *configs* (vectorized, chunked).

    Results are identical whatever ``chunk_size`` is (each configuration's arithmetic is
    independent of the others). Peak memory grows with ``chunk_size``, not with the batch.
    A network with ``batch > 1`` may run as several passes of a smaller sub-batch
    (:func:`sub_batch_networks`); each configuration gets the fastest, in ``sub_batch``
    (``sub_batches`` restricts the choice, e.g. ``[network.batch]`` for none).
    """
    table = network.kernel_table
    li = _layer_index(table)
    n = len(configs)
    size = chunk_size if chunk_size is not None else default_chunk_size(table)
    if size < 1:
        raise ValueError("chunk_size must be >= 1")
    names = _TOTALS + (_LAYER if per_layer else ())
    # Configurations sharing a mapping key share tile tables: evaluate them together.
    tc0 = tech_columns(configs)
    keys = mapping_keys(_config_columns(configs, tc0))
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    parts: dict[str, list[np.ndarray]] = {k: [] for k in names}
    for start, stop in _chunks(sorted_keys, size, MAX_KEYS_PER_CHUNK):
        idx = order[start:stop]
        chunk = (
            configs
            if (start == 0 and stop >= n and np.array_equal(idx, np.arange(n)))
            else configs.take(idx)
        )
        res, _, _ = _best_sub_batch(
            network, li, chunk, per_layer, sub_batches, sorted_keys[start:stop]
        )
        for k in names:
            parts[k].append(res[k])
    arrays = {k: (v[0] if len(v) == 1 else np.concatenate(v)) for k, v in parts.items()}
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    arrays = {k: v[inverse] for k, v in arrays.items()}
    return BatchResult(**arrays, layer_names=table.layer_names)


#: Distinct mapping keys per chunk (bounds the memory of the tile tables).
MAX_KEYS_PER_CHUNK = 8


def _chunks(sorted_keys: np.ndarray, size: int, max_keys: int) -> list[tuple[int, int]]:
    """(start, stop) of consecutive chunks of at most *size* configurations and at most
    *max_keys* distinct keys (keys sorted)."""
    n = sorted_keys.shape[0]
    if n == 0:
        return []
    new_key = np.flatnonzero(np.diff(sorted_keys)) + 1
    starts_of_keys = np.concatenate([[0], new_key])
    out = []
    start = 0
    while start < n:
        stop = min(n, start + size)
        first_key = np.searchsorted(starts_of_keys, start, side="right") - 1
        limit = first_key + max_keys
        if limit < starts_of_keys.shape[0]:
            stop = min(stop, int(starts_of_keys[limit]))
        stop = max(stop, start + 1)
        out.append((start, stop))
        start = stop
    return out


def evaluate(network: Network, arch: Arch) -> NetworkReport:
    """Evaluate *network* on one architecture and return a per-layer report.

    Raises :class:`accelscope.errors.MappingError` naming the first layer that cannot be
    mapped and the buffer that is too small for its smallest tile.
    """
    from accelscope.targets.asic.cost.report import build_report

    cfg = ConfigBatch.from_archs([arch])
    li = _layer_index(network.kernel_table)
    res, details, choice = _best_sub_batch(network, li, cfg, per_layer=True)
    sub = sub_batch_networks(network)[int(choice[0])]
    return build_report(network, sub, arch, cfg, li, res, details[int(choice[0])])
