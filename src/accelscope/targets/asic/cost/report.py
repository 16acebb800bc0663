"""Per-layer report of one network on one architecture (result of :func:`evaluate`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from accelscope.errors import MappingError
from accelscope.targets.asic.cost.configs import ConfigBatch
from accelscope.targets.asic.cost.schedule import COMPUTE, FOLDED, FREE, FUSED
from accelscope.targets.asic.cost.systolic import DATAFLOWS
from accelscope.targets.asic.cost.traffic import LOOP_ORDERS
from accelscope.workload.network import Network

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from accelscope.targets.asic.arch import Arch


@dataclass(frozen=True)
class LayerReport:
    """Cost of one layer. Cycles at the accelerator clock, energy in J, bytes of DRAM traffic.

    ``mapping`` describes the layer's largest GEMM kernel (None for layers without GEMMs);
    its ``kernels`` entry lists every GEMM kernel of the layer with its own mapping.
    ``fusion``: ``compute`` (runs on its own), ``fused`` (element-wise work done on the
    vector unit inside ``fused_into``'s output tiles), ``folded`` (a BatchNorm folded into
    ``fused_into``'s weights: free) or ``free`` (shape-only or placeholder). ``fused_ops``
    lists the layers fused into this one. ``input_on_chip`` / ``output_on_chip`` say
    whether the layer's (first) input and its result stayed in the on-chip buffer between
    layers (None where there is no such tensor).
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
    sram_cycles: float = 0.0
    fusion: str = "compute"
    fused_into: str | None = None
    fused_ops: list[str] = field(default_factory=list)
    input_on_chip: bool | None = None
    output_on_chip: bool | None = None
    #: Energy by component (J): see ``ENERGY_PARTS`` in :mod:`.evaluate`; sums to energy_j.
    energy_breakdown_j: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, repr=False)
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
    dram_power_w: float = 0.0
    onchip_power_w: float = 0.0
    cell_area_mm2: float = 0.0
    area_breakdown_mm2: dict[str, float] = field(default_factory=dict)
    #: Energy of the whole network by component (J), summed over layers; sums to energy_j.
    energy_breakdown_j: dict[str, float] = field(default_factory=dict)
    execution: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (plain Python numbers, strings, lists and dicts)."""
        return asdict(self)

    def _summary(self) -> tuple[str, list[tuple[str, str]]]:
        from accelscope.display import summary_rows

        rows = [("network", self.network), ("arch", self.arch), ("batch", str(self.batch))]
        rows += summary_rows(
            [(m, getattr(self, m)) for m in ("latency_s", "throughput_per_s", "energy_j",
                                             "area_mm2", "power_w", "utilization")]
        )  # fmt: skip
        rows.append(("layers", str(len(self.layers))))
        return "NetworkReport", rows

    def __repr__(self) -> str:
        from accelscope.display import text_line

        return text_line(*self._summary())

    def _repr_html_(self) -> str:
        from accelscope.display import html_table

        return html_table(*self._summary())

    def to_pandas(self) -> pd.DataFrame:
        """One row per layer; mapping fields flattened (pandas imported lazily)."""
        from accelscope.errors import require_pandas

        pd = require_pandas()

        rows = []
        for layer in self.layers:
            row = {k: v for k, v in asdict(layer).items() if k not in ("mapping", "fused_ops")}
            row["fused_ops"] = ", ".join(layer.fused_ops)
            m = layer.mapping or {}
            for key in ("dataflow", "loop_order", "tile_m", "tile_k", "tile_n", "unit", "winograd"):
                row[key] = m.get(key)
            rows.append(row)
        return pd.DataFrame(rows)

    def layer(self, name: str) -> LayerReport:
        """The record of layer *name* (KeyError if absent)."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)


_ROLE = {COMPUTE: "compute", FUSED: "fused", FOLDED: "folded", FREE: "free"}


def _occurrence_mapping(network: Network, detail: Any, o: int) -> dict[str, Any]:
    table = network.kernel_table
    s, occ = detail.schedule, detail.occurrences
    mp = occ.mapping
    u = int(s.g_kernel[o])
    p = o
    out = {
        "kernel": {
            "groups": int(table.gemm_groups[u]),
            "m": int(table.gemm_m[u]),
            "k": int(table.gemm_k[u]),
            "n": int(table.gemm_n[u]),
            "repeats": int(table.gemm_repeats[u]),
            "sequential": bool(table.gemm_sequential[u]),
        },
        "unit": "vector" if bool(occ.on_vector[0, o]) else "array",
        "winograd": bool(occ.winograd[0, o]),
        "dataflow": DATAFLOWS[int(mp.dataflow[0, p])],
        "loop_order": LOOP_ORDERS[int(mp.order[0, p])],
        "tile_m": int(mp.tile_m[0, p]),
        "tile_k": int(mp.tile_k[0, p]),
        "tile_n": int(mp.tile_n[0, p]),
        "a_on_chip": bool(occ.a_res[0, o]),
        "b_on_chip": bool(occ.b_res[0, o]),
        "out_on_chip": bool(occ.out_res[0, o]),
    }
    return out


def _raise_unmappable(network: Network, arch: Arch, detail: Any, res: dict) -> None:
    if int(res["infeasible_code"][0]) == 1:
        raise MappingError(
            f"'{arch.name}': clock_mhz {arch.clock_mhz:g} is above what technology "
            f"{arch.technology} reaches"
        )
    s, occ = detail.schedule, detail.occurrences
    mp = occ.mapping
    for o in range(s.g_layer.shape[0]):
        if not bool(mp.feasible[0, o]):
            name = network.layers[int(s.g_layer[o])].name
            cap = detail.capacities
            halved = (
                " (half the buffer under double buffering)" if arch.buffers.double_buffering else ""
            )
            field_name = "unified_kib"
            if not arch.buffers.is_unified:
                # The smallest tile (1 x 1 x 1) needs one operand element in the input and
                # weight buffers and one partial sum in the output buffer.
                need = (
                    ("output_kib", cap.output_bytes[0], arch.accumulator_bytes),
                    ("weight_kib", cap.weight_bytes[0], arch.bytes_per_element),
                    ("input_kib", cap.input_bytes[0], arch.bytes_per_element),
                )
                short = [name for name, have, want in need if have < want]
                field_name = short[0] if short else "input_kib/weight_kib/output_kib"
            raise MappingError(
                f"layer '{name}' of '{network.name}' cannot be mapped on '{arch.name}': no tile "
                f"fits buffers.{field_name} (usable bytes: input {cap.input_bytes[0]:.4g}, "
                f"weight {cap.weight_bytes[0]:.4g}, output {cap.output_bytes[0]:.4g}{halved})"
            )
    raise MappingError(f"network '{network.name}' cannot be mapped on '{arch.name}'")


def build_report(
    network: Network,
    run: Network,
    arch: Arch,
    cfg: ConfigBatch,
    li: Any,
    res: dict[str, np.ndarray],
    detail: Any,
) -> NetworkReport:
    """Assemble the report of a one-configuration evaluation (internal to evaluate).

    *run* is the network as executed (the chosen sub-batch); per-layer values in *res*
    already cover the whole batch of *network*.
    """
    from accelscope.targets.asic.cost.evaluate import ENERGY_PARTS

    if not bool(res["feasible"][0]):
        _raise_unmappable(run, arch, detail, res)
    s = detail.schedule
    occ = detail.occurrences
    table = run.kernel_table
    pes = float(cfg.pe_count[0])
    macs_of = table.gemm_groups * table.gemm_m * table.gemm_k * table.gemm_n * table.gemm_repeats
    resident = occ.resident[0]
    layers: list[LayerReport] = []
    for i, op in enumerate(network.layers):
        occs = np.flatnonzero(s.g_layer == i)
        mapping = None
        if occs.size:
            kernels = [_occurrence_mapping(run, detail, int(o)) for o in occs]
            main = int(np.argmax(macs_of[s.g_kernel[occs]]))
            mapping = {**kernels[main], "kernels": kernels}
        role = int(s.layer_role[i])
        host = int(s.layer_host[i])
        fused_into = network.layers[host].name if role in (FUSED, FOLDED) else None
        t_in, t_out = int(s.layer_in_tensor[i]), int(s.layer_out_tensor[i])
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
                bound=res_bound_name(res, i),
                utilization=float(res["layer_array_macs"][0, i]) / (pes * cycles)
                if cycles > 0
                else 0.0,
                dram_bytes=float(res["layer_dram_bytes"][0, i]),
                energy_j=float(res["layer_energy_j"][0, i]),
                mapping=mapping,
                sram_cycles=float(res["layer_sram_cycles"][0, i]),
                fusion=_ROLE[role],
                fused_into=fused_into,
                fused_ops=[network.layers[j].name for j in s.fused_members.get(i, [])],
                input_on_chip=bool(resident[t_in]) if t_in >= 0 and role != FREE else None,
                output_on_chip=bool(resident[t_out]) if t_out >= 0 and role != FREE else None,
                energy_breakdown_j={
                    part: float(res["layer_energy_parts_j"][0, j, i])
                    for j, part in enumerate(ENERGY_PARTS)
                },
            )
        )
    ab = detail.area
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
        dram_power_w=float(res["dram_power_w"][0]),
        onchip_power_w=float(res["onchip_power_w"][0]),
        cell_area_mm2=float(res["cell_area_mm2"][0]),
        area_breakdown_mm2={
            "arrays": float(ab.arrays_mm2[0]),
            "sram": float(ab.sram_mm2[0]),
            "vector": float(ab.vector_mm2[0]),
            "control": float(ab.control_mm2[0]),
            "layout_overhead": float(ab.area_mm2[0] - ab.phy_mm2[0] - ab.cell_area_mm2[0]),
            "dram_phy": float(ab.phy_mm2[0]),
        },
        energy_breakdown_j={
            part: float(res["layer_energy_parts_j"][0, j].sum())
            for j, part in enumerate(ENERGY_PARTS)
        },
        execution={
            **arch.execution.model_dump(),
            "sub_batch": run.batch,
            "staging_kib": float(detail.staging_kib[0]),
            "residency_kib": float(detail.residency_bytes[0]) / 1024.0,
        },
    )


def res_bound_name(res: dict[str, np.ndarray], i: int) -> str:
    from accelscope.targets.asic.cost.evaluate import BOUND_NAMES

    return BOUND_NAMES[int(res["layer_bound"][0, i])]
