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
from dataclasses import asdict, astuple, dataclass, fields

import numpy as np


@dataclass(frozen=True, order=True)
class ConvGeometry:
    """The feature-map geometry behind a convolution's GEMM (per group).

    The im2col operand A (``M x K`` with ``M = batch * out_h * out_w`` and ``K = channels *
    kernel_h * kernel_w``) never exists in memory: the cost model charges the input
    feature map a tile of output pixels actually touches, halo included
    (docs/assumptions.md, "Convolution inputs"). ``in_h``/``in_w`` are the input rows and
    columns the convolution reads (padding excluded); ``span_*`` the receptive field of
    one output pixel, ``dilation * (kernel - 1) + 1``.
    """

    batch: int
    channels: int  # input channels per group
    in_h: int
    in_w: int
    out_h: int
    out_w: int
    stride_h: int
    stride_w: int
    span_h: int
    span_w: int

    @property
    def input_elements(self) -> int:
        """Input feature-map elements per group read by the whole convolution."""
        return self.batch * self.channels * self.in_h * self.in_w


@dataclass(frozen=True, order=True)
class GemmKernel:
    """``groups`` x GEMM(M, K, N), run ``repeats`` times (dependent if ``sequential``).

    ``conv`` carries the feature-map geometry when the GEMM is a lowered convolution
    (operand A is then read from the feature map, not as an im2col matrix).
    """

    groups: int
    m: int
    k: int
    n: int
    repeats: int = 1
    sequential: bool = False
    b_is_weight: bool = True
    conv: ConvGeometry | None = None

    @property
    def depthwise(self) -> bool:
        """One input channel and one output channel per group (a depthwise convolution)."""
        return self.conv is not None and self.groups > 1 and self.conv.channels == 1

    @property
    def macs(self) -> int:
        """Multiply-accumulates of all groups and repeats."""
        return self.groups * self.m * self.k * self.n * self.repeats

    def as_dict(self) -> dict:
        out = {"kind": "gemm", **asdict(self)}
        if self.conv is None:
            del out["conv"]
        return out


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

_CONV_FIELDS = len(fields(ConvGeometry))


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
    #: Convolution geometry per GEMM kernel (``[n_gemm, 10]`` int64, the fields of
    #: :class:`ConvGeometry` in order; all zero for GEMMs that are not convolutions).
    gemm_conv: np.ndarray
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
            gemm_conv=np.array(
                [list(astuple(x.conv)) if x.conv else [0] * _CONV_FIELDS for x in gk],
                dtype=np.int64,
            ).reshape(len(gk), _CONV_FIELDS),
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
                ConvGeometry(*map(int, self.gemm_conv[i])) if self.gemm_conv[i, 0] else None,
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
