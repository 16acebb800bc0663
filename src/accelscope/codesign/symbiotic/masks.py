"""Block masks on weight matrices: density, gradient-based growth, magnitude pruning.

A weight ``W`` of shape ``[out, in]`` is split into blocks of ``bn x bk`` (``bn`` rows of
outputs -- the GEMM's N -- by ``bk`` inputs -- its K; edge blocks may be partial). A mask
is a boolean tensor of shape ``[ceil(out/bn), ceil(in/bk)]``: a block is active or all its
weights are zero. ``block = (1, 1)`` is unstructured sparsity.

* **Growth** (Dai, Yin and Jha, "NeST", 2019; Yin et al., symbiotic training): inactive
  blocks with the largest summed ``|dL/dW|`` are activated (their weights start at zero).
* **Pruning**: active blocks with the smallest L2 norm are removed until the tensor has
  the target number of active blocks.
"""

from __future__ import annotations

from typing import Any

from accelscope.workload.weight_blocks import block_elements, block_sums, mask_shape

__all__ = [
    "block_elements",
    "block_sums",
    "density",
    "expand",
    "grow",
    "mask_shape",
    "prune",
]


def expand(mask: Any, weight_shape: tuple[int, int], block: tuple[int, int]) -> Any:
    """The element mask (float, shape of the weight) of a block mask."""
    bk, bn = block
    full = mask.repeat_interleave(bn, dim=0).repeat_interleave(bk, dim=1)
    return full[: weight_shape[0], : weight_shape[1]].to(dtype=float_dtype())


def float_dtype() -> Any:
    import torch

    return torch.float32


def density(mask: Any, weight_shape: tuple[int, int], block: tuple[int, int]) -> float:
    """Fraction of the weights inside active blocks."""
    sizes = block_elements(weight_shape, block)
    return float((sizes * mask).sum() / sizes.sum())


def grow(mask: Any, grad_abs: Any, count: int, block: tuple[int, int]) -> Any:
    """*mask* with the *count* inactive blocks of largest summed ``|grad|`` activated
    (ties broken by position, so the result is deterministic)."""
    import torch

    scores = block_sums(grad_abs, block).flatten()
    inactive = ~mask.flatten()
    count = min(count, int(inactive.sum()))
    if count <= 0:
        return mask.clone()
    scores = torch.where(inactive, scores, torch.full_like(scores, -1.0))
    order = torch.argsort(scores, descending=True, stable=True)[:count]
    new = mask.flatten().clone()
    new[order] = True
    return new.view_as(mask)


def prune(mask: Any, weight: Any, keep: int, block: tuple[int, int]) -> Any:
    """*mask* keeping the *keep* active blocks of largest L2 norm (at least one)."""
    import torch

    norms = block_sums(weight.detach() ** 2, block).flatten()
    active = mask.flatten()
    keep = max(1, min(keep, int(active.sum())))
    norms = torch.where(active, norms, torch.full_like(norms, -1.0))
    order = torch.argsort(norms, descending=True, stable=True)[:keep]
    new = torch.zeros_like(active)
    new[order] = True
    return new.view_as(mask)
