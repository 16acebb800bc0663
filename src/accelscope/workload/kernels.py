"""Canonical kernels: the only workload vocabulary the cost model understands.

Every operator lowers to zero or more of two kernel kinds:

* :class:`GemmKernel` — ``groups`` independent GEMMs of shape ``(M x K) @ (K x N)``,
  executed ``repeats`` times. When ``sequential`` is true the repeats depend on one
  another (recurrent time steps) and cannot be overlapped or batched; the B operand
  (``K x N``) is the same in every repeat, so it may stay on chip across repeats.
  ``b_is_weight`` says whether B is a static weight (conv/linear/RNN) or an activation
  produced at run time (attention scores and context).
* :class:`VectorKernel` — element-wise work for the vector unit: ``elements`` output
  elements, ``ops_per_element`` arithmetic operations each, reading ``in_elements`` and
  writing ``out_elements`` (multiply by bytes/element of the precision to get bytes).

Kernels are plain frozen dataclasses so they hash and compare by value; deduplication
(:class:`KernelTable`) turns the list into NumPy arrays with multiplicities.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True, order=True)
class GemmKernel:
    """``groups`` x GEMM(M, K, N), run ``repeats`` times (dependent if ``sequential``)."""

    groups: int
    m: int
    k: int
    n: int
    repeats: int = 1
    sequential: bool = False
    b_is_weight: bool = True

    @property
    def macs(self) -> int:
        """Multiply-accumulates of all groups and repeats."""
        return self.groups * self.m * self.k * self.n * self.repeats

    def as_dict(self) -> dict:
        return {"kind": "gemm", **asdict(self)}


@dataclass(frozen=True, order=True)
class VectorKernel:
    """Element-wise work: ``elements`` x ``ops_per_element`` ops on the vector unit."""

    elements: int
    ops_per_element: int
    in_elements: int
    out_elements: int

    @property
    def ops(self) -> int:
        return self.elements * self.ops_per_element

    def bytes_in(self, bytes_per_element: int) -> int:
        return self.in_elements * bytes_per_element

    def bytes_out(self, bytes_per_element: int) -> int:
        return self.out_elements * bytes_per_element

    def as_dict(self) -> dict:
        return {"kind": "vector", **asdict(self)}


Kernel = GemmKernel | VectorKernel


@dataclass(frozen=True)
class KernelTable:
    """Deduplicated kernels of a network as columnar NumPy arrays.

    ``gemm_*`` arrays have one entry per unique GEMM kernel, ``vec_*`` per unique vector
    kernel. ``gemm_layer_counts[l, u]`` is how many times layer ``l`` uses unique GEMM
    kernel ``u`` (likewise ``vec_layer_counts``), so per-layer totals are a matrix
    product and network totals use ``gemm_count = gemm_layer_counts.sum(0)``.
    """

    gemm_groups: np.ndarray
    gemm_m: np.ndarray
    gemm_k: np.ndarray
    gemm_n: np.ndarray
    gemm_repeats: np.ndarray
    gemm_sequential: np.ndarray
    gemm_b_is_weight: np.ndarray
    gemm_layer_counts: np.ndarray
    vec_elements: np.ndarray
    vec_ops_per_element: np.ndarray
    vec_in_elements: np.ndarray
    vec_out_elements: np.ndarray
    vec_layer_counts: np.ndarray
    layer_names: tuple[str, ...]

    @property
    def gemm_count(self) -> np.ndarray:
        return self.gemm_layer_counts.sum(axis=0)

    @property
    def vec_count(self) -> np.ndarray:
        return self.vec_layer_counts.sum(axis=0)

    @property
    def n_gemm(self) -> int:
        return int(self.gemm_m.shape[0])

    @property
    def n_vec(self) -> int:
        return int(self.vec_elements.shape[0])

    @classmethod
    def from_layers(cls, layers: list[tuple[str, list[Kernel]]]) -> KernelTable:
        """Build the table from ``(layer_name, kernels)`` pairs, deduplicating kernels."""
        gemm_index: dict[GemmKernel, int] = {}
        vec_index: dict[VectorKernel, int] = {}
        for _, kernels in layers:
            for kern in kernels:
                if isinstance(kern, GemmKernel):
                    gemm_index.setdefault(kern, len(gemm_index))
                else:
                    vec_index.setdefault(kern, len(vec_index))
        n_layers = len(layers)
        gemm_counts = np.zeros((n_layers, len(gemm_index)), dtype=np.int64)
        vec_counts = np.zeros((n_layers, len(vec_index)), dtype=np.int64)
        for li, (_, kernels) in enumerate(layers):
            for kern in kernels:
                if isinstance(kern, GemmKernel):
                    gemm_counts[li, gemm_index[kern]] += 1
                else:
                    vec_counts[li, vec_index[kern]] += 1
        gk = list(gemm_index)
        vk = list(vec_index)

        def col(items, attr, dtype=np.int64):
            return np.array([getattr(x, attr) for x in items], dtype=dtype)

        return cls(
            gemm_groups=col(gk, "groups"),
            gemm_m=col(gk, "m"),
            gemm_k=col(gk, "k"),
            gemm_n=col(gk, "n"),
            gemm_repeats=col(gk, "repeats"),
            gemm_sequential=col(gk, "sequential", bool),
            gemm_b_is_weight=col(gk, "b_is_weight", bool),
            gemm_layer_counts=gemm_counts,
            vec_elements=col(vk, "elements"),
            vec_ops_per_element=col(vk, "ops_per_element"),
            vec_in_elements=col(vk, "in_elements"),
            vec_out_elements=col(vk, "out_elements"),
            vec_layer_counts=vec_counts,
            layer_names=tuple(name for name, _ in layers),
        )

    def unique_gemms(self) -> list[GemmKernel]:
        return [
            GemmKernel(
                int(self.gemm_groups[i]),
                int(self.gemm_m[i]),
                int(self.gemm_k[i]),
                int(self.gemm_n[i]),
                int(self.gemm_repeats[i]),
                bool(self.gemm_sequential[i]),
                bool(self.gemm_b_is_weight[i]),
            )
            for i in range(self.n_gemm)
        ]

    def unique_vectors(self) -> list[VectorKernel]:
        return [
            VectorKernel(
                int(self.vec_elements[i]),
                int(self.vec_ops_per_element[i]),
                int(self.vec_in_elements[i]),
                int(self.vec_out_elements[i]),
            )
            for i in range(self.n_vec)
        ]


def kernel_multiset(kernels: list[Kernel]) -> Counter:
    """Kernels as a multiset (Counter), for comparing two lowerings of one network."""
    return Counter(kernels)
