"""Measured latency as the co-design backend (``codesign --latency measured``).

The network is the PyTorch reference module of a zoo model, imported with
:func:`accelscope.workload.from_torch` so that every IR layer is a submodule. For every
swept layer and candidate width the module is reshaped
(:func:`~accelscope.codesign.resize_torch.resize_module`) and timed whole with the
protocol of :mod:`accelscope.measure` on this machine; the curve is the measured
network latency, and each point carries its margin (noise floor plus half the p10-p90
spread) so that the staircase analysis only reports steps the measurement resolves.
Energy is not measured (NaN). Plans are checked by measuring the reshaped module.

:func:`agreement` compares a measured curve with the cost model's curve of the same
layer at the same widths: where each has its cliffs, the cliffs they share, and the rank
correlation of the two curves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from accelscope.codesign.propagate import CodesignError, select_knobs
from accelscope.codesign.recommend import curve_analysis
from accelscope.codesign.sweep import Curve, SweepResult, candidate_widths, check_range
from accelscope.measure.protocol import Measurement
from accelscope.workload.network import Network

#: More measured points than this is an error (each is a timed module): narrow the sweep.
MAX_MEASURED_POINTS = 400


@dataclass
class MeasuredBackend:
    """A zoo model's PyTorch module and the timing settings; measures width plans."""

    name: str
    module: Any
    example: Any
    network: Network
    device: str = "cpu"
    runs: int = 10
    warmup: int = 3
    progress: Callable[[int, int], None] | None = None
    measured: int = 0

    def time(self, widths: dict[str, int]) -> Measurement:
        """The measured latency of the module reshaped to *widths* (``{knob: width}``;
        empty: the module as it is)."""
        from accelscope.codesign.resize_torch import resize_module
        from accelscope.measure.torch_model import time_module

        module = self.module
        if widths:
            module, _ = resize_module(self.module, (self.example,), widths, network=self.network)
        self.measured += 1
        return time_module(
            module, self.example, device=self.device, runs=self.runs, warmup=self.warmup
        )

    def latency_s(self, widths: dict[str, int]) -> float:
        return self.time(widths).median_s


def measured_backend(
    name: str,
    *,
    device: str = "cpu",
    threads: int = 2,
    runs: int = 10,
    warmup: int = 3,
    batch: int = 1,
    seq_len: int = 35,
    seed: int = 0,
) -> MeasuredBackend:
    """The backend of zoo model *name* (one with a PyTorch reference module)."""
    import torch

    from accelscope.measure.torch_model import check_device, reference_key
    from accelscope.workload import from_torch, zoo_torch

    key = reference_key(name)
    check_device(device)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    module = zoo_torch.REFERENCE_MODULES[key]()
    example = zoo_torch.example_input(key, batch, seq_len)
    network = from_torch(module, (example,), name=name)
    return MeasuredBackend(name, module, example, network, device, runs, warmup)


def _margin(m: Measurement) -> float:
    return m.noise_floor_s + (m.p90_s - m.p10_s) / 2


def measured_sweep(
    backend: MeasuredBackend,
    layers: list[str] | None = None,
    *,
    lo: float = 0.5,
    hi: float = 1.5,
    multiple: int = 1,
) -> SweepResult:
    """Measured latency curves of *layers* (default: every sweepable layer) of the
    backend's module over ``[lo, hi]`` times the current width in steps of *multiple*."""
    check_range(lo, hi)
    net = backend.network
    knobs, excluded = select_knobs(net, layers)
    cands = [candidate_widths(k, lo, hi, multiple) for k in knobs]
    total = sum(len(c) - 1 for c in cands) + 1
    if total > MAX_MEASURED_POINTS:
        raise CodesignError(
            f"--latency measured: {total} widths to time (at most {MAX_MEASURED_POINTS}); "
            "narrow the sweep with --layers, --range or --multiple"
        )
    backend.time({})  # the process's first timing pays one-time costs: a warm-up
    base = backend.time({})
    done = 1
    if backend.progress:
        backend.progress(done, total)
    curves = []
    for knob, widths in zip(knobs, cands, strict=True):
        lat, noise, params = [], [], []
        for w in widths:
            if int(w) == knob.width:
                m, p = base, net.total_params()
            else:
                m = backend.time({knob.name: int(w)})
                from accelscope.codesign.resize_ir import resize

                p = resize(net, [(knob, int(w))]).total_params()
                done += 1
                if backend.progress:
                    backend.progress(done, total)
            lat.append(m.median_s)
            noise.append(_margin(m))
            params.append(p)
        lat_a = np.asarray(lat)
        curves.append(
            Curve(
                knob=knob,
                widths=np.asarray(widths, dtype=np.int64),
                latency_s=lat_a,
                energy_j=np.full(len(widths), np.nan),
                params=np.asarray(params, dtype=np.int64),
                group_latency_s=lat_a,
                noise_s=np.asarray(noise),
            )
        )
    return SweepResult(
        network=net,
        curves=curves,
        excluded=excluded,
        latency_s=base.median_s,
        energy_j=float("nan"),
        params=net.total_params(),
        backend="measured",
    )


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    r = np.empty(len(x))
    r[order] = np.arange(len(x))
    for v in np.unique(x):  # average ranks of ties
        tie = x == v
        r[tie] = r[tie].mean()
    return r


def agreement(measured: Curve, modeled: Curve) -> dict[str, Any]:
    """Where the measured and the modeled staircases of one layer agree (same widths):
    each one's cliffs (``[width before, width after]``), the cliffs both have, and the
    Spearman rank correlation of the two curves (None when either is constant)."""
    if not np.array_equal(measured.widths, modeled.widths):
        raise CodesignError(f"layer '{measured.name}': the two curves have different widths")
    w = measured.widths
    mc = {int(i) for i in curve_analysis(measured).cliffs}
    dc = {int(i) for i in curve_analysis(modeled).cliffs}
    ok = np.isfinite(modeled.latency_s) & np.isfinite(measured.latency_s)
    rho = None
    if ok.sum() >= 3:
        a, b = _ranks(measured.latency_s[ok]), _ranks(modeled.latency_s[ok])
        if a.std() > 0 and b.std() > 0:
            rho = float(np.corrcoef(a, b)[0, 1])
    pair = lambda i: [int(w[i]), int(w[i + 1])]  # noqa: E731
    return {
        "layer": measured.name,
        "measured_cliffs": [pair(i) for i in sorted(mc)],
        "modeled_cliffs": [pair(i) for i in sorted(dc)],
        "shared_cliffs": [pair(i) for i in sorted(mc & dc)],
        "rank_correlation": rho,
    }
