"""Weight sparsity measured from a PyTorch module's zero weights.

The layers of a network imported with :func:`accelscope.workload.from_torch` are named by
their module paths, so each layer's weights are found in the module. A layer's density
is the fraction of its weight elements (parameters named ``weight*``: a linear or conv
weight, an LSTM's ``weight_ih_l0``/``weight_hh_l0``...) that are not zero; with a block
shape ``(k, n)`` it is the fraction of weights inside ``n x k`` blocks (outputs x
inputs, the weight viewed as ``[out, everything else]``) that hold any non-zero -- what
block-skipping hardware must still compute, never below the element density.
"""

from __future__ import annotations

from typing import Any

from accelscope.workload.network import Network
from accelscope.workload.weight_blocks import block_elements, block_sums


def _block_density(weight: Any, block: tuple[int, int]) -> tuple[float, float]:
    """(weights in blocks with a non-zero, all weights) of one weight tensor."""
    w = weight.detach().reshape(weight.shape[0], -1).abs().float()
    shape = (int(w.shape[0]), int(w.shape[1]))
    active = block_sums(w, block) > 0
    sizes = block_elements(shape, block)
    return float((sizes * active).sum()), float(sizes.sum())


def with_measured_sparsity(
    network: Network, module: Any, block: tuple[int, int] | None = None
) -> Network:
    """*network* with every layer whose weights in *module* contain zeros marked sparse
    (module docstring); layers without a matching submodule or without zeros stay dense.
    """
    sparsity: dict[str, dict[str, Any]] = {}
    for op in network.layers:
        if op.weight_elements() == 0:
            continue
        try:
            sub = module.get_submodule(op.name)
        except AttributeError:
            continue
        weights = [p for n, p in sub.named_parameters(recurse=False) if n.startswith("weight")]
        if not weights:
            continue
        if block is None:
            kept = float(sum(int((p != 0).sum()) for p in weights))
            total = float(sum(p.numel() for p in weights))
        else:
            pairs = [_block_density(p, block) for p in weights]
            kept, total = sum(a for a, _ in pairs), sum(b for _, b in pairs)
        if total and kept < total:
            sparsity[op.name] = {"density": max(kept / total, 1e-12), "block": block}
    return network.with_sparsity(sparsity) if sparsity else network
