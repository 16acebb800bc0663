"""Latency/energy/parameters of a network as one layer's width varies, in one vectorized pass.

Network latency and energy are sums over layers (docs/assumptions.md, part 2), so when one
knob moves, its changed layers (owner and followers) are re-costed: for every knob and
every candidate width the changed layers are built under unique names, linked to each
other as in the network (so a conv keeps its folded BatchNorm and fused activation), all
of them go into one synthetic :class:`~accelscope.workload.network.Network` (split in
chunks of ``SYNTH_LAYERS`` layers for memory), and the design's target costs it layer by
layer (:meth:`~accelscope.targets.base.Target.layer_costs`; on the ASIC one vectorized
evaluation at the baseline's sub-batch; on an FPGA the generic engine's loop nest).

The curve is ``base total - changed layers at the current width + changed layers at
width w``, both costed in that synthetic context, so it passes exactly through the real
network's figures at the current width. In the synthetic context the changed layers read
their inputs from and write their outputs to DRAM (tensors outside the changed group are
not tracked); with ``residency: none`` the curve therefore equals evaluating every
reshaped network separately (tested); with on-chip residency it is an estimate of the
change (docs/codesign.md). Identical knobs (e.g. the 12 FFN layers of BERT) are costed once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from accelscope.codesign.propagate import CodesignError, Excluded, Knob, select_knobs
from accelscope.codesign.resize_ir import field_changes, rebuild, resized_op
from accelscope.workload.network import Network
from accelscope.workload.ops import OpBase

if TYPE_CHECKING:  # pragma: no cover
    from accelscope.targets.asic.arch import Arch

#: Layers per synthetic variant network. ``KernelTable`` stores dense layers x kernels
#: count matrices, so one network with tens of thousands of variant layers would cost
#: O(layers x kernels) memory and time; chunks of this size keep each vectorized
#: evaluation small (results do not depend on the chunking: layers are costed
#: independently).
SYNTH_LAYERS = 1024


@dataclass(frozen=True)
class Curve:
    """One knob (a layer or a residual group) swept over ``widths`` (ascending); all other
    layers unchanged.

    ``latency_s``/``energy_j``/``params`` are whole-network values at each width;
    ``group_latency_s`` is the latency of the changed layers only (owner and followers).
    Widths whose layers cannot be mapped on the buffers have ``inf`` latency.
    """

    knob: Knob
    widths: np.ndarray
    latency_s: np.ndarray
    energy_j: np.ndarray
    params: np.ndarray
    group_latency_s: np.ndarray
    #: Measured curves: each point's measurement margin (s; noise floor plus half the
    #: p10-p90 spread); None for modeled curves.
    noise_s: np.ndarray | None = None

    @property
    def name(self) -> str:
        return self.knob.name

    @property
    def current(self) -> int:
        """Index of the current width in ``widths``."""
        return int(np.searchsorted(self.widths, self.knob.width))

    def at(self, width: int) -> int:
        i = int(np.searchsorted(self.widths, width))
        if i >= len(self.widths) or self.widths[i] != width:
            raise CodesignError(f"layer '{self.name}': width {width} is not on the swept curve")
        return i


@dataclass(frozen=True)
class SweepResult:
    """Curves of every swept knob, the excluded layers and the baseline figures."""

    network: Network
    curves: list[Curve]
    excluded: list[Excluded]
    latency_s: float
    energy_j: float
    params: int
    #: Baseline latency of every layer (s), by name (empty when measured).
    layer_latency_s: dict[str, float] = field(default_factory=dict)
    #: Where the latencies come from: ``model`` (the cost model) or ``measured``.
    backend: str = "model"

    def curve(self, name: str) -> Curve:
        """The curve of layer *name* (or of a residual group by name or short label)."""
        for c in self.curves:
            if name in (c.name, c.knob.group):
                return c
        raise CodesignError(f"layer '{name}' was not swept")


def candidate_widths(
    knob: Knob,
    lo: float = 0.5,
    hi: float = 1.5,
    multiple: int = 1,
    bounds: tuple[int, int] | None = None,
) -> np.ndarray:
    """Widths to try: multiples of *multiple* in ``[lo*w, hi*w]`` (or the absolute
    *bounds*), always including the current width ``w``.

    Head counts ignore *multiple* and take the divisors of the attention width instead.
    """
    w0 = knob.width
    a = max(1, math.ceil(lo * w0 - 1e-9))
    b = max(a, math.floor(hi * w0 + 1e-9))
    if bounds is not None:
        a, b = max(1, int(bounds[0])), int(bounds[1])
        if b < a:
            raise CodesignError(f"layer '{knob.name}': bounds {bounds} are empty")
    if knob.is_heads:
        d = np.arange(a, b + 1)
        values = d[knob.inner_width % d == 0]
    else:
        if multiple < 1:
            raise CodesignError(f"layer '{knob.name}': multiple must be >= 1, got {multiple}")
        values = np.arange(multiple * math.ceil(a / multiple), b + 1, multiple)
    return np.union1d(values, [w0]).astype(np.int64)


def _op_signature(op: OpBase) -> str:
    """Identity of an operator's shapes (name and producer names excluded)."""
    return type(op).__name__ + repr(op.model_dump(exclude={"name", "inputs"}))


def _signature(network: Network, knob: Knob) -> tuple:
    """Key under which identical knobs (same changed layers up to names) share costs."""
    ops = [network.layer(n).model_dump(exclude={"name", "inputs"}) for n in knob.layers]
    return (
        knob.field,
        knob.width,
        knob.updates and tuple((u.field, u.coef) for u in knob.updates),
        repr(ops),
    )


def target_of_spec(spec: Any):
    """The target of an accelerator spec (an ASIC ``Arch`` or an FPGA design), checked
    for a per-layer latency sum (what the sweep assumes)."""
    from accelscope.targets import get_target

    target = get_target(getattr(spec, "target", "asic"))
    reason = target.additive_latency(spec)
    if reason:
        raise CodesignError(reason)
    return target


def sweep_knobs(
    network: Network, arch: Arch, knobs: list[Knob], candidates: list[np.ndarray]
) -> SweepResult:
    """Sweep each knob of *knobs* over its *candidates* (one vectorized evaluation)."""
    target = target_of_spec(arch)
    base = target.layer_costs(network, arch)
    base_cycles, base_energy, clock_hz = base.cycles, base.energy_j, base.clock_hz
    index = {op.name: i for i, op in enumerate(network.layers)}
    base_params = network.total_params()
    total_cycles = float(base_cycles.sum())
    total_energy = float(base_energy.sum())

    ops = []  # unique variant layers (identical shapes are costed once)
    slot_params: list[int] = []
    variant_slot: dict[tuple, int] = {}
    op_sig: dict[str, str] = {}
    slots: list[int] = []  # variant layer of every (point, changed layer)
    point_of_slot: list[int] = []
    point_params: list[int] = []
    first_point: dict[tuple, int] = {}
    knob_points: list[np.ndarray] = []
    n_points = 0
    for knob, widths in zip(knobs, candidates, strict=True):
        key = (_signature(network, knob), tuple(int(w) for w in widths))
        if key in first_point:
            start = first_point[key]
            knob_points.append(np.arange(start, start + len(widths)))
            continue
        first_point[key] = n_points
        originals = [network.layer(n) for n in knob.layers]
        sigs = [op_sig.setdefault(op.name, _op_signature(op)) for op in originals]
        for w in widths:
            changes = field_changes([(knob, int(w))])
            params = 0
            renamed: dict[str, str] = {}  # changed layer -> its variant's name at this width
            for op, sig in zip(originals, sigs, strict=True):
                change = changes.get(op.name, {})
                inputs = tuple(renamed.get(i, f"ctx:{i}") for i in op.inputs)
                vkey = (sig, tuple(sorted(change.items())), inputs)
                slot = variant_slot.get(vkey)
                if slot is None:
                    new = resized_op(op, change, name=f"v{len(ops)}").model_copy(
                        update={"inputs": inputs}
                    )
                    slot = variant_slot[vkey] = len(ops)
                    ops.append(new)
                    slot_params.append(new.params())
                renamed[op.name] = ops[slot].name
                point_of_slot.append(n_points)
                slots.append(slot)
                params += slot_params[slot]
            point_params.append(params)
            n_points += 1
        knob_points.append(np.arange(first_point[key], n_points))

    layer_cycles = np.zeros(len(ops))
    layer_energy = np.zeros(len(ops))
    for start in range(0, len(ops), SYNTH_LAYERS):
        stop = min(start + SYNTH_LAYERS, len(ops))
        synth = rebuild(
            network, _self_contained(ops[start:stop]), f"{network.name}-codesign-variants"
        )
        costs = target.layer_costs(synth, arch, sub_batch=base.sub_batch, check=False)
        layer_cycles[start:stop] = costs.cycles
        layer_energy[start:stop] = costs.energy_j
    pid = np.asarray(point_of_slot, dtype=np.int64)
    sl = np.asarray(slots, dtype=np.int64)
    var_cycles = np.bincount(pid, weights=layer_cycles[sl], minlength=n_points)
    var_energy = np.bincount(pid, weights=layer_energy[sl], minlength=n_points)
    var_params = np.asarray(point_params, dtype=np.int64)

    curves = []
    for knob, widths, pts in zip(knobs, candidates, knob_points, strict=True):
        rows = [index[n] for n in knob.layers]
        at_current = pts[int(np.searchsorted(widths, knob.width))]
        old_cycles = float(var_cycles[at_current])
        old_energy = float(var_energy[at_current])
        old_params = sum(network.layers[r].params() for r in rows)
        cycles = total_cycles - old_cycles + var_cycles[pts]
        curves.append(
            Curve(
                knob=knob,
                widths=np.asarray(widths, dtype=np.int64),
                latency_s=cycles / clock_hz,
                energy_j=total_energy - old_energy + var_energy[pts],
                params=base_params - old_params + var_params[pts],
                group_latency_s=var_cycles[pts] / clock_hz,
            )
        )
    return SweepResult(
        network=network,
        curves=curves,
        excluded=[],
        latency_s=total_cycles / clock_hz,
        energy_j=total_energy,
        params=base_params,
        layer_latency_s={
            op.name: float(base_cycles[i]) / clock_hz for i, op in enumerate(network.layers)
        },
    )


def _self_contained(ops: list[OpBase]) -> list[OpBase]:
    """Variant layers whose producers are outside this chunk read a context tensor: give
    each a distinct name per consumer so that unrelated variants never share an input."""
    names = {op.name for op in ops}
    out = []
    for op in ops:
        inputs = tuple(i if i in names else f"{i}@{op.name}" for i in op.inputs)
        out.append(op.model_copy(update={"inputs": inputs}) if inputs != op.inputs else op)
    return out


def sweep(
    network: Network,
    arch: Arch,
    layers: list[str] | None = None,
    *,
    lo: float = 0.5,
    hi: float = 1.5,
    multiple: int = 1,
    bounds: dict[str, tuple[int, int]] | None = None,
    multiples: dict[str, int] | None = None,
) -> SweepResult:
    """Sweep the main width of *layers* (default: every sweepable layer) of *network* on
    *arch* over ``[lo, hi]`` times the current width in steps of *multiple*.

    *bounds* (absolute widths) and *multiples* override the range and step per layer.
    Returns whole-network latency (s), energy (J) and parameters at every width.
    """
    check_range(lo, hi)
    knobs, excluded = select_knobs(network, layers)
    bounds = bounds or {}
    multiples = multiples or {}
    cands = [
        candidate_widths(k, lo, hi, multiples.get(k.name, multiple), bounds.get(k.name))
        for k in knobs
    ]
    result = sweep_knobs(network, arch, knobs, cands)
    return SweepResult(
        network=result.network,
        curves=result.curves,
        excluded=excluded,
        latency_s=result.latency_s,
        energy_j=result.energy_j,
        params=result.params,
        layer_latency_s=result.layer_latency_s,
    )


def check_range(lo: float, hi: float) -> None:
    """Validate a relative width range (``0 < lo <= 1 <= hi``)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or not (0 < lo <= 1 <= hi) or lo == hi:
        raise CodesignError(
            f"width range {lo:g}:{hi:g} is invalid; expected LO:HI with 0 < LO <= 1 <= HI "
            "and LO < HI (fractions of the current width, e.g. 0.5:1.5)"
        )
