"""The hardware side of symbiotic training: the model as an IR network with its measured
sparsity, its modeled latency, and hidden-size moves on the latency staircase."""

from __future__ import annotations

from typing import Any

import numpy as np

from accelscope.codesign.curves import REL_TOL
from accelscope.codesign.symbiotic import masks as M
from accelscope.codesign.symbiotic.model import PRUNABLE, StackedLSTM, prunable
from accelscope.workload.network import Network


def sparse_arch(name: str) -> Any:
    """Preset or arch YAML *name* with ``execution.weight_sparsity: block`` (the hardware
    variant that can skip all-zero weight blocks; docs/assumptions.md)."""
    from accelscope.targets.asic.arch import load_arch

    arch = load_arch(name)
    execution = arch.execution.model_copy(update={"weight_sparsity": "block"})
    return arch.model_copy(update={"execution": execution, "name": f"{arch.name}+block"})


def ir_network(
    model: StackedLSTM, masks: dict[str, Any], block: tuple[int, int], seq_len: int
) -> Network:
    """The model's IR at batch 1 over *seq_len* characters, each prunable layer carrying
    its density (active weights / weights) and the block shape ``(k, n)``."""
    import torch

    from accelscope.workload import from_torch

    sample = torch.zeros(1, seq_len, dtype=torch.long)
    net = from_torch(model, (sample,), name="symbiotic-lstm")
    params = prunable(model)
    sparsity = {}
    for layer, names in PRUNABLE.items():
        total = sum(params[n].numel() for n in names)
        active = sum(
            M.density(masks[n], tuple(params[n].shape), block) * params[n].numel() for n in names
        )
        d = active / total
        shape = None if tuple(block) == (1, 1) else tuple(block)  # 1x1: unstructured
        sparsity[layer] = None if d >= 1.0 else {"density": d, "block": shape}
    return net.with_sparsity(sparsity)


def latency_s(net: Network, arch: Any) -> float:
    from accelscope.targets.asic.cost import evaluate

    return float(evaluate(net, arch).latency_s)


def staircase_move(
    net: Network,
    arch: Any,
    layer: str,
    *,
    multiple: int,
    lo: float,
    hi: float,
    accurate: bool,
) -> tuple[int, str]:
    """The next hidden size of *layer* on *arch*'s latency staircase (widths that are
    multiples of *multiple* in ``[lo, hi]`` times the current width, the layer's sparsity
    kept) and the reason:

    * accuracy is good (``accurate``): move to the wide edge of the plateau one step
      **below** (a cheaper step, as wide as that step allows) when there is one in range,
      else to the wide edge of the current plateau;
    * accuracy demands capacity: cross **one** cliff, to the wide edge of the next step up;
    * the wide edge of the current plateau otherwise (free capacity; never a cliff).
    """
    from accelscope.codesign import sweep

    result = sweep(net, arch, [layer], lo=lo, hi=hi, multiple=multiple)
    curve = result.curve(layer)
    widths, lat = curve.widths, curve.latency_s
    cur = curve.current
    level = np.zeros(len(widths), dtype=np.int64)  # plateau index along the widths
    for i in range(1, len(widths)):
        same = abs(lat[i] - lat[i - 1]) <= REL_TOL * max(lat[i], lat[i - 1]) * 1e6
        level[i] = level[i - 1] + (0 if same else 1)

    def edge(step: int) -> int | None:
        idx = np.flatnonzero(level == step)
        return int(widths[idx[-1]]) if idx.size else None

    here = int(level[cur])
    if accurate and here > 0 and lat[np.flatnonzero(level == here - 1)[-1]] < lat[cur]:
        return edge(here - 1), "down one step (accuracy allows)"
    if not accurate and edge(here + 1) is not None:
        return edge(here + 1), "up one step (accuracy demands)"
    return edge(here), "edge of the current plateau"
