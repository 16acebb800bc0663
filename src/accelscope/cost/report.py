"""Per-layer report of one network on one architecture (result of :func:`evaluate`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from accelscope.cost.configs import ConfigBatch
from accelscope.cost.mapping import minimal_tile_overflow
from accelscope.cost.systolic import DATAFLOWS
from accelscope.cost.traffic import LOOP_ORDERS
from accelscope.errors import MappingError
from accelscope.workload.kernels import KernelTable
from accelscope.workload.network import Network

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from accelscope.arch import Arch


@dataclass(frozen=True)
class LayerReport:
    """Cost of one layer. Cycles at the accelerator clock, energy in J, bytes of DRAM traffic.

    ``mapping`` describes the layer's largest GEMM kernel (None for layers without GEMMs);
    its ``kernels`` entry lists every GEMM kernel of the layer with its own mapping.
    """

    name: str
    op: str
    macs: int
    cycles: float
    compute_cycles: float
    memory_cycles: float
    vector_cycles: float
    bound: str
    utilization: float
    dram_bytes: float
    energy_j: float
    mapping: dict[str, Any] | None = None


@dataclass(frozen=True)
class NetworkReport:
    """Totals and per-layer costs of one network on one architecture."""

    network: str
    arch: str
    batch: int
    precision: str
    latency_cycles: float
    latency_s: float
    throughput_per_s: float
    energy_j: float
    area_mm2: float
    power_w: float
    utilization: float
    dram_bytes: float
    layers: list[LayerReport] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (plain Python numbers, strings, lists and dicts)."""
        return asdict(self)

    def to_pandas(self) -> pd.DataFrame:
        """One row per layer; mapping fields flattened (pandas imported lazily)."""
        import pandas as pd

        rows = []
        for layer in self.layers:
            row = {k: v for k, v in asdict(layer).items() if k != "mapping"}
            m = layer.mapping or {}
            for key in ("dataflow", "loop_order", "tile_m", "tile_k", "tile_n"):
                row[key] = m.get(key)
            rows.append(row)
        return pd.DataFrame(rows)

    def layer(self, name: str) -> LayerReport:
        """The record of layer *name* (KeyError if absent)."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)


def _kernel_mapping(table: KernelTable, u: int, detail: Any) -> dict[str, Any]:
    mp = detail.mapping
    return {
        "kernel": {
            "groups": int(table.gemm_groups[u]),
            "m": int(table.gemm_m[u]),
            "k": int(table.gemm_k[u]),
            "n": int(table.gemm_n[u]),
            "repeats": int(table.gemm_repeats[u]),
            "sequential": bool(table.gemm_sequential[u]),
        },
        "dataflow": DATAFLOWS[int(detail.dataflow[0, u])],
        "loop_order": LOOP_ORDERS[int(mp.order[0, u])],
        "tile_m": int(mp.tile_m[0, u]),
        "tile_k": int(mp.tile_k[0, u]),
        "tile_n": int(mp.tile_n[0, u]),
        "dram_bytes": float(mp.total_bytes[0, u]),
    }


def _raise_unmappable(
    network: Network, arch: Arch, cfg: ConfigBatch, table: KernelTable, detail: Any
) -> None:
    bad = ~detail.gemm_feasible[0]
    for li, name in enumerate(table.layer_names):
        used = np.flatnonzero(table.gemm_layer_counts[li])
        for u in used:
            if not bad[u]:
                continue
            q = int(max(cfg.rows[0], cfg.cols[0]))
            cap = tuple(float(x[0]) for x in detail.capacities)
            m, k, n = int(table.gemm_m[u]), int(table.gemm_k[u]), int(table.gemm_n[u])
            over = minimal_tile_overflow(
                m, k, n, q, int(cfg.bytes_per_element[0]), int(cfg.accumulator_bytes[0]), cap
            )
            buf, need, have = over if over else ("unified", float("nan"), float("nan"))
            halved = " (half the buffer under double buffering)" if cfg.double_buffering[0] else ""
            raise MappingError(
                f"layer '{name}' of '{network.name}' cannot be mapped on '{arch.name}': its "
                f"smallest tile ({min(m, q)}x{min(k, q)}x{min(n, q)}) needs {need:.0f} bytes "
                f"in buffers.{buf}_kib but only {have:.0f} bytes are usable{halved}"
            )
    raise MappingError(f"network '{network.name}' cannot be mapped on '{arch.name}'")


def build_report(
    network: Network,
    arch: Arch,
    cfg: ConfigBatch,
    table: KernelTable,
    li: Any,
    res: dict[str, np.ndarray],
    detail: Any,
) -> NetworkReport:
    """Assemble the report of a one-configuration evaluation (internal to evaluate)."""
    if not bool(res["feasible"][0]):
        _raise_unmappable(network, arch, cfg, table, detail)
    pes = float(cfg.pe_count[0])
    bounds = ("compute", "memory", "vector", "none")
    kernel_macs = (
        table.gemm_groups * table.gemm_m * table.gemm_k * table.gemm_n * table.gemm_repeats
    )
    layers: list[LayerReport] = []
    for i, op in enumerate(network.layers):
        used = np.flatnonzero(table.gemm_layer_counts[i]) if table.n_gemm else []
        mapping = None
        if len(used):
            kernels = [_kernel_mapping(table, int(u), detail) for u in used]
            main = int(np.argmax(kernel_macs[used]))
            mapping = {**kernels[main], "kernels": kernels}
        cycles = float(res["layer_cycles"][0, i])
        macs = int(li.layer_macs[i])
        layers.append(
            LayerReport(
                name=op.name,
                op=op.kind,
                macs=macs,
                cycles=cycles,
                compute_cycles=float(res["layer_compute_cycles"][0, i]),
                memory_cycles=float(res["layer_memory_cycles"][0, i]),
                vector_cycles=float(res["layer_vector_cycles"][0, i]),
                bound=bounds[int(res["layer_bound"][0, i])],
                utilization=macs / (pes * cycles) if cycles > 0 else 0.0,
                dram_bytes=float(res["layer_dram_bytes"][0, i]),
                energy_j=float(res["layer_energy_j"][0, i]),
                mapping=mapping,
            )
        )
    return NetworkReport(
        network=network.name,
        arch=arch.name,
        batch=network.batch,
        precision=arch.precision,
        latency_cycles=float(res["latency_cycles"][0]),
        latency_s=float(res["latency_s"][0]),
        throughput_per_s=float(res["throughput_per_s"][0]),
        energy_j=float(res["energy_j"][0]),
        area_mm2=float(res["area_mm2"][0]),
        power_w=float(res["power_w"][0]),
        utilization=float(res["utilization"][0]),
        dram_bytes=float(res["dram_bytes"][0]),
        layers=layers,
        unsupported=[p.name for p in network.placeholders],
    )
