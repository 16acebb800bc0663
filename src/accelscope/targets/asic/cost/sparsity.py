"""Weight sparsity on the systolic template: what a sparse layer saves on each hardware.

A layer's ``sparsity`` (:class:`accelscope.workload.ops.WeightSparsity`) gives its weight
density ``d`` and pattern; the accelerator's ``execution.weight_sparsity`` says what the
hardware can use (docs/assumptions.md, "Weight sparsity"):

* ``none``: weights are stored, moved and computed dense; sparsity saves nothing.
* ``compressed``: weights are stored in the buffers and moved from DRAM in a compressed
  format and expanded at the array's edge; the dense array still runs every fold
  (zeros are multiplied). Formats, per weight tensor of ``E`` dense elements of ``b``
  bytes:

  - unstructured: a **bitmap** (one bit per dense element) plus the non-zero values,
    ``d*E*b + E/8`` bytes, i.e. a factor ``d + 1/(8b)`` of the dense bytes;
  - blocks of ``k x n`` weights: one bit per block plus the non-zero blocks,
    ``d*E*b + E/(8kn)`` bytes, a factor ``d + 1/(8bkn)`` (only on ``block`` hardware;
    ``compressed`` hardware stores a block-sparse layer as a bitmap).

  When the format is not smaller than the dense tensor (``d`` close to 1) the weights
  are kept dense (factor 1).
* ``block``: the compressed storage above, and a fold whose weight tile is an all-zero
  block is **skipped** when the block covers whole fold tiles: ``k`` a multiple of the
  array's rows and ``n`` of its columns (the K and N extents of a weight-stationary fold;
  for ``os``/``is`` one of the two suffices, so the rule is sufficient for every
  dataflow). The layer then runs a fraction ``d`` of its folds: array cycles,
  buffer-port cycles, operand feeds and MAC energy scale by ``d``.

Stated approximations: the tile and dataflow are chosen on the dense sizes (a compressed
weight tile would fit a larger tile, so the mapping is conservative); input (operand A)
traffic from DRAM is not reduced by skipped folds; with pipelined folds the fill and
drain paid once per GEMM are scaled by ``d`` as well (an error of at most one fold's
fill per GEMM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelscope.workload.network import Network

#: Codes of ``execution.weight_sparsity`` (configs.WEIGHT_SPARSITY_NAMES).
NONE, COMPRESSED, BLOCK = 0, 1, 2


@dataclass(frozen=True)
class LayerSparsity:
    """Per-layer weight sparsity of a network, in layer order: ``density`` (1 = dense)
    and the block shape ``block_k`` x ``block_n`` (0 for unstructured)."""

    density: np.ndarray
    block_k: np.ndarray
    block_n: np.ndarray

    @property
    def any(self) -> bool:
        return bool((self.density < 1.0).any())


_CACHE: dict[int, tuple[Network, LayerSparsity]] = {}


def layer_sparsity(network: Network) -> LayerSparsity:
    """The sparsity columns of *network*'s layers (dense layers: density 1), cached per
    network object (networks are immutable)."""
    hit = _CACHE.get(id(network))
    if hit is not None and hit[0] is network:
        return hit[1]
    if len(_CACHE) > 64:
        _CACHE.clear()
    result = _layer_sparsity(network)
    _CACHE[id(network)] = (network, result)
    return result


def _layer_sparsity(network: Network) -> LayerSparsity:
    d, bk, bn = [], [], []
    for op in network.layers:
        sp = op.sparsity
        d.append(1.0 if sp is None else sp.density)
        block = (0, 0) if sp is None or sp.block is None else sp.block
        bk.append(block[0])
        bn.append(block[1])
    return LayerSparsity(
        np.asarray(d, dtype=np.float64),
        np.asarray(bk, dtype=np.int64),
        np.asarray(bn, dtype=np.int64),
    )


def weight_factors(
    sp: LayerSparsity,
    layer: np.ndarray,
    b_is_weight: np.ndarray,
    support: np.ndarray,
    bytes_per_element: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(stored, kept)`` arrays ``[c, g]`` for GEMM occurrences of layers *layer* ``[g]``
    on configurations ``[c]`` (module docstring): ``stored`` multiplies the weight bytes
    kept in buffers and moved from DRAM, ``kept`` the fraction of folds the array runs.
    Occurrences whose operand B is not a weight are dense (1, 1)."""
    col = lambda x: np.asarray(x)[:, None]  # noqa: E731
    d = np.where(b_is_weight, sp.density[layer], 1.0)[None, :]
    bk = sp.block_k[layer][None, :]
    bn = sp.block_n[layer][None, :]
    blocked = bk > 0
    hw = col(support)
    bpe = col(bytes_per_element).astype(np.float64)
    bitmap = d + 1.0 / (8.0 * bpe)
    per_block = d + 1.0 / (8.0 * bpe * np.maximum(bk * bn, 1))
    fmt = np.where(blocked & (hw == BLOCK), per_block, bitmap)
    stored = np.where((hw == NONE) | (d >= 1.0), 1.0, np.minimum(fmt, 1.0))
    aligned = blocked & (bk % col(rows) == 0) & (bn % col(cols) == 0)
    kept = np.where((hw == BLOCK) & aligned, d, 1.0)
    return stored, kept
