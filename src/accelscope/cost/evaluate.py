"""Network evaluation: every unique kernel on a chunk of configurations at once.

:func:`evaluate_batch` is the vectorized hot path (arrays over configurations);
:func:`evaluate` runs the same code on one :class:`accelscope.arch.Arch` and returns a
per-layer :class:`~accelscope.cost.report.NetworkReport`. Kernel-level arrays are
``[n_cfg, n_kernel]``; per-layer values gather them with the layer's kernel indices and
counts (``KernelTable.gemm_layer_counts`` / ``vec_layer_counts``), and network totals are
sums over layers, so the network energy is exactly the sum of the layer energies' terms.
A layer's latency is the sum of its kernels' latencies (GEMM and vector work do not
overlap; see docs/assumptions.md (part 2)).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from accelscope.cost.area import area_mm2, leakage_pj_per_cycle
from accelscope.cost.configs import ConfigBatch
from accelscope.cost.energy import TechColumns, feed_bytes, gemm_energy_pj, tech_columns
from accelscope.cost.latency import compute_cycles, overlap_latency
from accelscope.cost.mapping import LADDER_LEVELS, Mapping, capacities, select_mapping
from accelscope.cost.vector import VectorCosts, vector_costs
from accelscope.workload.kernels import KernelTable
from accelscope.workload.network import Network

if TYPE_CHECKING:  # pragma: no cover
    from accelscope.arch import Arch
    from accelscope.cost.report import NetworkReport

BOUND_NAMES: tuple[str, ...] = ("compute", "memory", "vector", "none")
"""Layer bound names by code: the largest of compute, DRAM and vector-unit cycles."""

#: Target number of (config x kernel x candidate) elements per chunk (bounds peak memory).
CHUNK_ELEMENTS = 1 << 20


@dataclass(frozen=True)
class BatchResult:
    """Results over configurations (arrays ``[n_cfg]``; per-layer arrays ``[n_cfg, n_layers]``).

    Infeasible configurations (some GEMM has no mapping that fits the buffers) carry
    ``inf`` latency, energy, power and DRAM bytes, zero throughput and utilization.
    """

    latency_cycles: np.ndarray
    latency_s: np.ndarray
    throughput_per_s: np.ndarray  # inferences/s = network.batch / latency_s
    energy_j: np.ndarray
    area_mm2: np.ndarray
    power_w: np.ndarray
    utilization: np.ndarray  # total MACs / (total PEs x latency_cycles)
    dram_bytes: np.ndarray
    feasible: np.ndarray
    layer_names: tuple[str, ...] = ()
    layer_cycles: np.ndarray | None = None
    layer_bound: np.ndarray | None = None  # int8 codes into BOUND_NAMES
    layer_dram_bytes: np.ndarray | None = None
    layer_energy_j: np.ndarray | None = None
    layer_compute_cycles: np.ndarray | None = None
    layer_memory_cycles: np.ndarray | None = None
    layer_vector_cycles: np.ndarray | None = None
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
)
_LAYER = (
    "layer_cycles",
    "layer_bound",
    "layer_dram_bytes",
    "layer_energy_j",
    "layer_compute_cycles",
    "layer_memory_cycles",
    "layer_vector_cycles",
)


@dataclass(frozen=True)
class _LayerIndex:
    """Padded (kernel index, count) lists per layer, and per-layer MACs."""

    gemm_idx: np.ndarray  # [L, Pg]
    gemm_cnt: np.ndarray  # [L, Pg] float64 (0 = padding)
    vec_idx: np.ndarray
    vec_cnt: np.ndarray
    layer_macs: np.ndarray  # [L] float64
    total_macs: float


def _padded(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n_layers = counts.shape[0]
    rows, cols = np.nonzero(counts)
    width = max(1, int(np.bincount(rows, minlength=n_layers).max(initial=0)))
    idx = np.zeros((n_layers, width), dtype=np.int64)
    cnt = np.zeros((n_layers, width), dtype=np.float64)
    starts = np.searchsorted(rows, np.arange(n_layers))
    pos = np.arange(rows.shape[0]) - starts[rows]
    idx[rows, pos] = cols
    cnt[rows, pos] = counts[rows, cols]
    return idx, cnt


def _layer_index(table: KernelTable) -> _LayerIndex:
    gi, gc = _padded(table.gemm_layer_counts)
    vi, vc = _padded(table.vec_layer_counts)
    kernel_macs = (
        table.gemm_groups * table.gemm_m * table.gemm_k * table.gemm_n * table.gemm_repeats
    ).astype(np.float64)
    layer_macs = table.gemm_layer_counts.astype(np.float64) @ kernel_macs
    return _LayerIndex(gi, gc, vi, vc, layer_macs, float(layer_macs.sum()))


@dataclass
class _Detail:
    """Kernel-level arrays of one chunk, kept for :func:`evaluate`'s per-layer report."""

    mapping: Mapping | None
    dataflow: np.ndarray | None
    gemm_feasible: np.ndarray | None
    capacities: Any


def _mapping_by_key(
    cfg: ConfigBatch,
    cap: Any,
    mf: np.ndarray,
    kf: np.ndarray,
    nf: np.ndarray,
    groups_f: np.ndarray,
    repeats_f: np.ndarray,
    seq: np.ndarray,
) -> Mapping:
    """Mappings ``[n_cfg, n_gemm]``, searched once per distinct mapping key.

    The mapping depends only on the tile quantum ``max(rows, cols)``, the bytes per
    element and per partial sum, and the usable buffer capacities — not on dataflow,
    clock, bandwidth, lanes or technology. Design spaces repeat these keys across many
    configurations (e.g. 30 keys for the 9,720-point default space), so the mapper runs
    on the distinct keys and the result is gathered back; the values are identical to
    searching every configuration.
    """
    q = np.maximum(cfg.rows, cfg.cols).astype(np.float64)
    bpe = cfg.bytes_per_element.astype(np.float64)
    acc = cfg.accumulator_bytes.astype(np.float64)
    # Factorize each key column (1-D uniques are cheap), combine the codes mixed-radix
    # into one int64 key, and take the distinct keys of that.
    code = np.zeros(len(cfg), dtype=np.int64)
    for column in (q, bpe, acc, *(np.asarray(x, dtype=np.float64) for x in cap)):
        column = np.where(np.isfinite(column), column, -1.0)  # inf (no unified limit)
        values, codes = np.unique(column, return_inverse=True)
        # Re-compress after each column so the combined code stays below n_cfg (no overflow).
        _, code = np.unique(code * len(values) + codes.reshape(-1), return_inverse=True)
        code = code.reshape(-1)
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)

    def col(x: np.ndarray) -> np.ndarray:
        return x[first][:, None]

    unique = select_mapping(
        mf,
        kf,
        nf,
        groups_f,
        repeats_f,
        seq,
        col(q),
        col(bpe),
        col(acc),
        type(cap)(*(col(np.asarray(x)) for x in cap)),
    )
    if np.array_equal(first, np.arange(len(cfg))):
        return unique  # every configuration has its own key: nothing to gather
    return Mapping(*(f[inverse] for f in _broadcast_rows(unique, first.shape[0])))


def _broadcast_rows(mp: Mapping, n_rows: int) -> list[np.ndarray]:
    out = []
    for f in mp:
        arr = np.asarray(f)
        if arr.ndim == 0 or arr.shape[0] != n_rows:
            arr = np.broadcast_to(arr, (n_rows, *(arr.shape[1:] if arr.ndim else ())))
        out.append(arr)
    return out


def _evaluate_chunk(
    table: KernelTable, li: _LayerIndex, cfg: ConfigBatch, batch: int, per_layer: bool
) -> tuple[dict[str, np.ndarray], _Detail]:
    c = len(cfg)
    n_layers = len(table.layer_names)

    def col(x: np.ndarray) -> np.ndarray:
        return x[:, None]

    bpe = col(cfg.bytes_per_element.astype(np.float64))
    acc = col(cfg.accumulator_bytes.astype(np.float64))
    bpc = col(cfg.dram_bytes_per_cycle)
    db = col(cfg.double_buffering)
    dram_pj = col(cfg.dram_pj_per_byte)
    cap = capacities(cfg)
    tc = tech_columns(cfg)
    tcc = TechColumns(*(col(x) for x in tc))
    area = area_mm2(cfg, tc)
    leak = leakage_pj_per_cycle(cfg, tc, area)

    # ---- GEMM kernels: mapping, timing, energy ---------------------------------------
    n_g = table.n_gemm
    detail = _Detail(None, None, None, cap)
    zeros_g = np.zeros((c, max(n_g, 1)))
    if n_g:
        gi = {
            name: getattr(table, f"gemm_{name}")[None, :]
            for name in ("groups", "m", "k", "n", "repeats", "sequential")
        }
        mf, kf, nf = (gi[x].astype(np.float64) for x in ("m", "k", "n"))
        groups_f = gi["groups"].astype(np.float64)
        repeats_f = gi["repeats"].astype(np.float64)
        seq = gi["sequential"]
        mp = _mapping_by_key(cfg, cap, mf, kf, nf, groups_f, repeats_f, seq)
        rows, cols = col(cfg.rows), col(cfg.cols)
        comp3 = compute_cycles(
            gi["m"], gi["k"], gi["n"], gi["groups"], gi["repeats"], seq, rows, cols, col(cfg.units)
        )
        streams = np.where(seq, repeats_f, 1.0)
        stream_bytes = np.where(seq, mp.step_bytes, mp.total_bytes)
        once = np.where(seq, mp.once_bytes, 0.0)
        lat3 = overlap_latency(comp3, stream_bytes, mp.exposed_bytes, once, streams, bpc, db)
        feed = feed_bytes(mf, kf, nf, rows, cols, bpe, acc)
        work = groups_f * repeats_f
        en3 = gemm_energy_pj(groups_f * mf * kf * nf * repeats_f, mp, feed, work, tcc, dram_pj)
        # Dataflow: fixed per config, or (auto) fastest, ties broken by lower energy.
        best = lat3.min(axis=0)
        auto = np.where(lat3 == best, en3, np.inf).argmin(axis=0)
        fixed = col(cfg.dataflow)
        df = np.where(fixed == 3, auto, fixed)
        sel = df[None]
        lat_g = np.take_along_axis(lat3, sel, 0)[0]
        en_g = np.take_along_axis(en3, sel, 0)[0]
        comp_g = np.take_along_axis(comp3, sel, 0)[0] * streams
        mem_g = mp.total_bytes / bpc
        bytes_g = mp.total_bytes
        bad_g = (~mp.feasible).astype(np.float64)
        detail = _Detail(mp, df, mp.feasible, cap)
    else:
        lat_g = en_g = comp_g = mem_g = bytes_g = bad_g = zeros_g

    # ---- vector kernels ---------------------------------------------------------------
    n_v = table.n_vec
    if n_v:
        vc = vector_costs(
            table.vec_elements[None, :].astype(np.float64),
            table.vec_ops_per_element[None, :].astype(np.float64),
            table.vec_in_elements[None, :].astype(np.float64),
            table.vec_out_elements[None, :].astype(np.float64),
            col(cfg.lanes.astype(np.float64)),
            bpe,
            col(cap.output_bytes),
            bpc,
            db,
            tcc.vector_op_pj,
            tcc.sram_out_pj,
            dram_pj,
        )
    else:
        z = np.zeros((c, 1))
        vc = VectorCosts(z, z, z, z, z)

    # ---- per layer --------------------------------------------------------------------
    def agg(xg: np.ndarray | None, xv: np.ndarray | None) -> np.ndarray:
        out = np.zeros((c, n_layers))
        if xg is not None and n_g:
            out += (xg[:, li.gemm_idx] * li.gemm_cnt).sum(axis=-1)
        if xv is not None and n_v:
            out += (xv[:, li.vec_idx] * li.vec_cnt).sum(axis=-1)
        return out

    layer_cycles = agg(lat_g, vc.latency_cycles)
    layer_bytes = agg(bytes_g, vc.dram_bytes)
    layer_energy = agg(en_g, vc.energy_pj) + col(leak) * layer_cycles
    layer_bad = agg(bad_g, None) > 0

    feasible = ~layer_bad.any(axis=1)
    inf = np.inf
    latency_cycles = np.where(feasible, layer_cycles.sum(axis=1), inf)
    latency_s = latency_cycles / (cfg.clock_mhz * 1e6)
    energy_j = np.where(feasible, layer_energy.sum(axis=1) * 1e-12, inf)
    dram = np.where(feasible, layer_bytes.sum(axis=1), inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        throughput = np.where(feasible & (latency_s > 0), batch / latency_s, 0.0)
        power = np.where(feasible & (latency_s > 0), energy_j / latency_s, inf)
        pes = cfg.pe_count.astype(np.float64)
        util = np.where(
            feasible & (latency_cycles > 0), li.total_macs / (pes * latency_cycles), 0.0
        )
    out: dict[str, np.ndarray] = {
        "latency_cycles": latency_cycles,
        "latency_s": latency_s,
        "throughput_per_s": throughput,
        "energy_j": energy_j,
        "area_mm2": area,
        "power_w": power,
        "utilization": util,
        "dram_bytes": dram,
        "feasible": feasible,
    }
    if per_layer:
        compute_l = agg(comp_g, None)
        memory_l = agg(mem_g, vc.memory_cycles)
        vector_l = agg(None, vc.cycles)
        stacked = np.stack([compute_l, memory_l, vector_l])
        bound = stacked.argmax(axis=0).astype(np.int8)
        bound = np.where(stacked.max(axis=0) > 0, bound, np.int8(3)).astype(np.int8)

        def mask(x: np.ndarray) -> np.ndarray:
            return np.where(layer_bad, inf, x)

        out.update(
            layer_cycles=mask(layer_cycles),
            layer_bound=bound,
            layer_dram_bytes=mask(layer_bytes),
            layer_energy_j=mask(layer_energy * 1e-12),
            layer_compute_cycles=mask(compute_l),
            layer_memory_cycles=mask(memory_l),
            layer_vector_cycles=mask(vector_l),
        )
    return out, detail


def default_chunk_size(table: KernelTable) -> int:
    """Configurations per chunk so one candidate array holds ~``CHUNK_ELEMENTS`` values."""
    per_cfg = max(1, table.n_gemm) * 8 * LADDER_LEVELS
    return max(1, CHUNK_ELEMENTS // per_cfg)


def evaluate_batch(
    network: Network,
    configs: ConfigBatch,
    *,
    per_layer: bool = False,
    chunk_size: int | None = None,
) -> BatchResult:
    """Evaluate *network* on every configuration of *configs* (vectorized, chunked).

    Results are identical whatever ``chunk_size`` is (each configuration's arithmetic is
    independent of the others). Peak memory grows with ``chunk_size``, not with the batch.
    """
    table = network.kernel_table
    li = _layer_index(table)
    n = len(configs)
    size = chunk_size if chunk_size is not None else default_chunk_size(table)
    if size < 1:
        raise ValueError("chunk_size must be >= 1")
    keys = _TOTALS + (_LAYER if per_layer else ())
    parts: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    for start in range(0, n, size):
        chunk = configs if (start == 0 and size >= n) else configs.take(slice(start, start + size))
        res, _ = _evaluate_chunk(table, li, chunk, network.batch, per_layer)
        for k in keys:
            parts[k].append(res[k])
    arrays = {k: (v[0] if len(v) == 1 else np.concatenate(v)) for k, v in parts.items()}
    return BatchResult(**arrays, layer_names=table.layer_names)


def evaluate(network: Network, arch: Arch) -> NetworkReport:
    """Evaluate *network* on one architecture and return a per-layer report.

    Raises :class:`accelscope.errors.MappingError` naming the first layer that cannot be
    mapped and the buffer that is too small for its minimal tile.
    """
    from accelscope.cost.report import build_report

    cfg = ConfigBatch.from_archs([arch])
    table = network.kernel_table
    li = _layer_index(table)
    res, detail = _evaluate_chunk(table, li, cfg, network.batch, per_layer=True)
    return build_report(network, arch, cfg, table, li, res, detail)
