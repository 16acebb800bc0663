"""Weight matrices in blocks: a ``[out, in]`` weight split into blocks of ``n`` outputs
(the GEMM's N) by ``k`` inputs (its K), edge blocks partial; ``block = (k, n)``."""

from __future__ import annotations

import math
from typing import Any


def mask_shape(weight_shape: tuple[int, int], block: tuple[int, int]) -> tuple[int, int]:
    """Blocks along the outputs and along the inputs of a ``[out, in]`` weight."""
    bk, bn = block
    return math.ceil(weight_shape[0] / bn), math.ceil(weight_shape[1] / bk)


def block_sums(values: Any, block: tuple[int, int]) -> Any:
    """Sum of *values* (``[out, in]``) over every block (zero-padded at the edges)."""
    import torch

    bk, bn = block
    out, inp = values.shape
    rows, cols = mask_shape((out, inp), block)
    padded = torch.zeros(rows * bn, cols * bk, dtype=values.dtype)
    padded[:out, :inp] = values
    return padded.view(rows, bn, cols, bk).sum(dim=(1, 3))


def block_elements(weight_shape: tuple[int, int], block: tuple[int, int]) -> Any:
    """Weights in every block (edge blocks are partial)."""
    import torch

    return block_sums(torch.ones(weight_shape), block)
