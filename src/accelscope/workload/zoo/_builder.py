"""Shape-tracking helpers that assemble zoo networks layer by layer.

A :class:`NetBuilder` appends typed IR operators and hands back a small handle for the
tensor each one produces (:class:`FMap` for NCHW feature maps, :class:`Rows` for
``rows x features`` activations), so model definitions read like a PyTorch ``forward``
and every shape follows from the previous layer instead of being typed by hand.
Each handle carries the name of its producer layer, which becomes the consumer's
``inputs``. Batch size is a property of the builder, not of the handles.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

from accelscope.workload.network import Family, Network
from accelscope.workload.ops import (
    Attention,
    Conv2d,
    Elementwise,
    Embedding,
    Linear,
    Norm,
    OpBase,
    Pool2d,
    ShapeOp,
    Softmax,
)


@dataclass(frozen=True)
class FMap:
    """An NCHW feature map produced by layer ``src`` (per-sample ``c x h x w``)."""

    src: str
    c: int
    h: int
    w: int


@dataclass(frozen=True)
class Rows:
    """A ``rows x features`` activation produced by layer ``src`` (rows include batch)."""

    src: str
    rows: int
    features: int


Tensor = FMap | Rows
T = TypeVar("T", FMap, Rows)


class NetBuilder:
    """Accumulates operators in execution order; ``batch`` applies to every FMap."""

    def __init__(self, batch: int) -> None:
        self.batch = batch
        self.layers: list[OpBase] = []

    # ---- generic ------------------------------------------------------------------
    def emit(self, op: OpBase) -> str:
        """Append *op* and return its name."""
        self.layers.append(op)
        return op.name

    def elements(self, x: Tensor) -> int:
        """Element count of *x* including the batch."""
        if isinstance(x, FMap):
            return self.batch * x.c * x.h * x.w
        return x.rows * x.features

    def act(self, name: str, x: T, function: str) -> T:
        """Element-wise activation (``relu``, ``gelu``, ``tanh``, ...), same shape."""
        self.emit(
            Elementwise(name=name, inputs=(x.src,), function=function, elements=self.elements(x))
        )
        return replace(x, src=name)

    def binary(self, name: str, a: T, b: Tensor, function: str = "add") -> T:
        """Element-wise op of two same-shape tensors (residual add, scaling, ...)."""
        if self.elements(a) != self.elements(b):
            raise ValueError(f"{name}: operand sizes differ ({a} vs {b})")
        self.emit(
            Elementwise(
                name=name,
                inputs=(a.src, b.src),
                function=function,
                elements=self.elements(a),
                num_inputs=2,
            )
        )
        return replace(a, src=name)

    def const_op(self, name: str, x: T, function: str, const: str) -> T:
        """Element-wise op of *x* with a constant/buffer operand named *const*."""
        self.emit(
            Elementwise(
                name=name,
                inputs=(x.src, const),
                function=function,
                elements=self.elements(x),
                num_inputs=2,
            )
        )
        return replace(x, src=name)

    def shape(self, name: str, x: T, function: str) -> T:
        """Zero-cost layout op that keeps the element count (transpose, concat of one)."""
        return self.reshape(name, x, function, x)

    def reshape(self, name: str, x: Tensor, function: str, out: T) -> T:
        """Zero-cost layout op from *x* to the shape of *out* (view, flatten, slice)."""
        result = replace(out, src=name)
        if function != "slice" and self.elements(result) != self.elements(x):
            raise ValueError(f"{name}: {function} changes the element count ({x} -> {out})")
        self.emit(
            ShapeOp(name=name, inputs=(x.src,), function=function, elements=self.elements(result))
        )
        return result

    # ---- CNN layers -----------------------------------------------------------------
    def conv(
        self,
        name: str,
        x: FMap,
        out_c: int,
        kernel: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        groups: int = 1,
        bias: bool = True,
    ) -> FMap:
        """2-D convolution with PyTorch-style symmetric ``padding`` (per side)."""
        pad = (padding, padding) if isinstance(padding, int) else padding
        op = Conv2d(
            name=name,
            inputs=(x.src,),
            batch=self.batch,
            in_channels=x.c,
            out_channels=out_c,
            in_h=x.h,
            in_w=x.w,
            kernel=kernel,
            stride=stride,
            padding=(pad[0], pad[1], pad[0], pad[1]),
            groups=groups,
            bias=bias,
        )
        self.emit(op)
        return FMap(name, out_c, op.out_h, op.out_w)

    def bn(self, name: str, x: T) -> T:
        """Inference batch norm with affine parameters (2 per channel/feature)."""
        channels = x.c if isinstance(x, FMap) else x.features
        self.emit(
            Norm(
                name=name,
                inputs=(x.src,),
                norm="batch",
                elements=self.elements(x),
                channels=channels,
            )
        )
        return replace(x, src=name)

    def pool(
        self,
        name: str,
        x: FMap,
        mode: str,
        kernel: int,
        stride: int,
        padding: int | tuple[int, int, int, int] = 0,
        ceil_mode: bool = False,
    ) -> FMap:
        """Max/avg pooling; ``padding`` is per side or (top, left, bottom, right)."""
        op = Pool2d(
            name=name,
            inputs=(x.src,),
            mode=mode,
            batch=self.batch,
            channels=x.c,
            in_h=x.h,
            in_w=x.w,
            kernel=kernel,
            stride=stride,
            padding=padding,
            ceil_mode=ceil_mode,
        )
        self.emit(op)
        return FMap(name, x.c, op.out_h, op.out_w)

    def global_pool(self, name: str, x: FMap, mode: str = "avg") -> FMap:
        """Global pooling to ``c x 1 x 1`` (``AdaptiveAvgPool2d((1, 1))``)."""
        op = Pool2d(
            name=name,
            inputs=(x.src,),
            mode=mode,
            batch=self.batch,
            channels=x.c,
            in_h=x.h,
            in_w=x.w,
            global_pool=True,
        )
        self.emit(op)
        return FMap(name, x.c, 1, 1)

    def concat(self, name: str, xs: list[FMap]) -> FMap:
        """Channel concatenation (zero cost, a layout op)."""
        out = FMap(name, sum(x.c for x in xs), xs[0].h, xs[0].w)
        self.emit(
            ShapeOp(
                name=name,
                inputs=tuple(x.src for x in xs),
                function="concat",
                elements=self.elements(out),
            )
        )
        return out

    def flatten(self, name: str, x: FMap) -> Rows:
        """``torch.flatten(x, 1)``: one row per sample."""
        out = Rows(name, self.batch, x.c * x.h * x.w)
        self.emit(
            ShapeOp(
                name=name, inputs=(x.src,), function="flatten", elements=out.rows * out.features
            )
        )
        return out

    # ---- sequence / dense layers ---------------------------------------------------------
    def linear(self, name: str, x: Rows, out_features: int, bias: bool = True) -> Rows:
        """Fully connected layer applied to every row."""
        self.emit(
            Linear(
                name=name,
                inputs=(x.src,),
                rows=x.rows,
                in_features=x.features,
                out_features=out_features,
                bias=bias,
            )
        )
        return Rows(name, x.rows, out_features)

    def tied_linear(self, name: str, x: Rows, out_features: int, weight_of: str) -> Rows:
        """Bias-free projection whose weight is shared with layer *weight_of* (tied).

        A :class:`Linear` with ``param_count=0``: it reads the table as a weight, which is
        counted once, at the embedding it is tied to (see docs/zoo.md).
        """
        self.emit(
            Linear(
                name=name,
                inputs=(x.src, weight_of),
                rows=x.rows,
                in_features=x.features,
                out_features=out_features,
                bias=False,
                param_count=0,
            )
        )
        return Rows(name, x.rows, out_features)

    def layer_norm(self, name: str, x: Rows) -> Rows:
        """LayerNorm over the feature dimension with affine parameters."""
        self.emit(
            Norm(
                name=name,
                inputs=(x.src,),
                norm="layer",
                elements=self.elements(x),
                channels=x.features,
            )
        )
        return replace(x, src=name)

    def embedding(self, name: str, src: str, tokens: int, vocab: int, dim: int) -> Rows:
        """Table lookup of *tokens* ids from graph input *src*."""
        self.emit(
            Embedding(
                name=name,
                inputs=(src,),
                tokens=tokens,
                num_embeddings=vocab,
                embedding_dim=dim,
            )
        )
        return Rows(name, tokens, dim)

    def attention(
        self,
        name: str,
        inputs: tuple[str, ...],
        heads: int,
        head_dim: int,
        seq_q: int,
        seq_kv: int,
    ) -> Rows:
        """Attention core for ``batch`` sequences; returns ``batch*seq_q x heads*head_dim``."""
        self.emit(
            Attention(
                name=name,
                inputs=inputs,
                batch=self.batch,
                heads=heads,
                head_dim=head_dim,
                seq_q=seq_q,
                seq_kv=seq_kv,
            )
        )
        return Rows(name, self.batch * seq_q, heads * head_dim)

    def softmax(self, name: str, x: Rows) -> Rows:
        """Softmax (or log-softmax) over the features of every row."""
        self.emit(Softmax(name=name, inputs=(x.src,), rows=x.rows, length=x.features))
        return replace(x, src=name)

    # ---- result ---------------------------------------------------------------------------
    def network(
        self, name: str, family: Family, source: str, seq_len: int | None = None
    ) -> Network:
        """Freeze the accumulated layers into a :class:`Network`."""
        return Network(
            name=name,
            family=family,
            batch=self.batch,
            seq_len=seq_len,
            source=source,
            layers=self.layers,
        )
