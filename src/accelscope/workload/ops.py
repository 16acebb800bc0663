"""Typed operators of the workload IR, each with concrete shapes.

Every operator knows its multiply-accumulates (``macs``), its other arithmetic operations
(``other_ops``, vector-unit work), its parameter count, its input/output/weight element
counts (multiply by bytes per element for bytes) and its lowering to canonical kernels
(:mod:`accelscope.workload.kernels`). The lowering of each operator is documented in
``docs/workloads.md``; the per-element operation counts below are modeling assumptions
listed there as well.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from accelscope.limits import MAX_DIMENSION
from accelscope.precision import bytes_per_element
from accelscope.workload.kernels import ConvGeometry, GemmKernel, Kernel, VectorKernel

#: Dimensions and counts are bounded (accelscope.limits.MAX_DIMENSION = 2^40) so that
#: products stay within int64 arrays; a larger value is a clear validation error.
PositiveInt = Annotated[int, Field(gt=0, le=MAX_DIMENSION)]
NonNegativeInt = Annotated[int, Field(ge=0, le=MAX_DIMENSION)]

#: Vector-unit operations per output element for element-wise functions (assumption,
#: docs/workloads.md). Transcendentals (exp, tanh, erf) count 4 ops, as a short
#: polynomial/table evaluation on a SIMD lane.
ELEMENTWISE_OPS_PER_ELEMENT: dict[str, int] = {
    "add": 1,
    "sub": 1,
    "mul": 1,
    "div": 1,
    "max": 1,
    "min": 1,
    "neg": 1,
    "abs": 1,
    "relu": 1,
    "relu6": 2,
    "clip": 2,
    "leaky_relu": 2,
    "prelu": 2,
    "sigmoid": 4,
    "hardsigmoid": 3,
    "tanh": 4,
    "exp": 4,
    "log": 4,
    "sqrt": 4,
    "rsqrt": 4,
    "erf": 4,
    "pow": 2,
    "gelu": 8,
    "silu": 5,
    "hardswish": 4,
    "mish": 9,
    "softplus": 8,
    "elu": 5,
    "where": 1,
    "cast": 1,
    "identity": 0,
    # Interpolation per output element: a lerp a + t (b - a) is 3 ops; bilinear is 3
    # lerps, trilinear 7; bicubic is 5 four-tap filters of 4 multiplies and 3 adds.
    "interp_linear": 3,
    "interp_bilinear": 9,
    "interp_trilinear": 21,
    "interp_bicubic": 35,
    # Weight normalization w = g v / ||v|| per weight element: square, accumulate, scale.
    "weight_norm": 3,
}

#: Operations per element of the normalizations (inference): batch norm folds to a
#: scale and a shift; layer/group/instance norm compute mean, variance, normalize and
#: apply the affine transform (1 + 3 + 2 + 2).
NORM_OPS_PER_ELEMENT: dict[str, int] = {"batch": 2, "layer": 8, "group": 8, "instance": 8, "rms": 6}

#: Softmax operations per element: running max, subtract, exp (4), sum, divide.
SOFTMAX_OPS_PER_ELEMENT = 8

#: Recurrent gate work per hidden element per time step. LSTM: 4 adds merging the input
#: projection with the recurrent product, 3 sigmoids and 2 tanh (4 ops each), c = f*c + i*g
#: (3 ops), h = o*tanh(c) (1 op) = 28. GRU: 2 adds + 2 sigmoids for r, z (10), r*(W_hn h)
#: plus the input term (2), tanh (4), h = (1-z)*n + z*h (3) = 19.
LSTM_GATE_OPS_PER_ELEMENT = 28
GRU_GATE_OPS_PER_ELEMENT = 19
#: Vanilla RNN (Elman): 1 add merging the input projection with the recurrent product and
#: the activation (tanh 4 ops; relu counted the same, an upper bound) = 5.
RNN_GATE_OPS_PER_ELEMENT = 5

SHAPE_FUNCTIONS = (
    "reshape",
    "flatten",
    "transpose",
    "permute",
    "concat",
    "split",
    "slice",
    "squeeze",
    "unsqueeze",
    "expand",
    "gather",
    "identity",
    "dropout",
    "pad",
    "shape",
    "constant",
)


# ---- operand roles (cost model: fusion and on-chip residency) --------------------------
#: Where a kernel operand lives: ``("in", i)`` the op's i-th input tensor, ``WEIGHT`` a
#: parameter (always from DRAM), ``OUT`` the op's output tensor, ``CHIP`` small on-chip
#: state (recurrent hidden state), ``("tmp", name, elements)`` a tensor internal to the op.
TensorRef = tuple
WEIGHT: TensorRef = ("w",)
OUT: TensorRef = ("out",)
CHIP: TensorRef = ("chip",)


def in_ref(i: int) -> TensorRef:
    """The op's *i*-th input tensor."""
    return ("in", i)


def tmp_ref(name: str, elements: int) -> TensorRef:
    """A tensor internal to one op (attention scores, LSTM gate pre-activations)."""
    return ("tmp", name, elements)


def _pair(value: Any) -> Any:
    if isinstance(value, int):
        return (value, value)
    return value


class WeightSparsity(BaseModel):
    """Weight sparsity of one layer: the fraction of non-zero weights (``density``) and
    their pattern, unstructured (``block`` None) or zero/non-zero blocks of
    ``block = (k, n)`` weights along the GEMM's reduction (K) and output (N) dimensions.
    How the cost model uses it depends on the hardware (``execution.weight_sparsity``,
    docs/assumptions.md, "Weight sparsity")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    density: float = Field(gt=0.0, le=1.0)
    block: tuple[PositiveInt, PositiveInt] | None = None

    @property
    def pattern(self) -> str:
        return "unstructured" if self.block is None else "block"


class OpBase(BaseModel):
    """Fields and accounting shared by all operators."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    #: Names of producer layers (or graph inputs); informational, keeps the graph honest.
    inputs: tuple[str, ...] = ()
    #: Parameters counted for this layer when they differ from the weights it reads:
    #: 0 for a weight tied to an earlier layer (GPT-2's lm_head shares the token
    #: embedding), or the whole tensor at the first of several layers that each read a
    #: slice of it. ``None``: the shape-derived count (``used_params()``).
    param_count: NonNegativeInt | None = None
    #: Weight sparsity (None: dense). Only for layers that read weights.
    sparsity: WeightSparsity | None = None

    kind: ClassVar[str] = "op"

    @model_validator(mode="after")
    def _sparsity_needs_weights(self) -> OpBase:
        if self.sparsity is not None and self.weight_elements() == 0:
            raise ValueError(
                f"layer '{self.name}' ({self.kind}) reads no weights, so 'sparsity' does not apply"
            )
        return self

    # ---- accounting (element counts; bytes = elements x bytes/element) -------------
    def macs(self) -> int:
        """Multiply-accumulate operations."""
        return sum(k.macs for k in self.kernels() if isinstance(k, GemmKernel))

    def other_ops(self) -> int:
        """Arithmetic operations other than MACs (vector-unit work)."""
        return sum(k.ops for k in self.kernels() if isinstance(k, VectorKernel))

    def used_params(self) -> int:
        """Parameters this operator reads, whether or not they are shared."""
        return 0

    def params(self) -> int:
        """Parameters counted for this layer (``param_count`` if set, else used params)."""
        return self.used_params() if self.param_count is None else self.param_count

    def input_elements(self) -> int:
        return 0

    def output_elements(self) -> int:
        return 0

    def weight_elements(self) -> int:
        """Weight elements read from memory (the full weight, even when shared)."""
        return self.used_params()

    def input_bytes(self, precision: str = "int8") -> int:
        return self.input_elements() * bytes_per_element(precision)

    def output_bytes(self, precision: str = "int8") -> int:
        return self.output_elements() * bytes_per_element(precision)

    def weight_bytes(self, precision: str = "int8") -> int:
        return self.weight_elements() * bytes_per_element(precision)

    def kernels(self) -> list[Kernel]:
        """Lower this operator to canonical kernels."""
        return []

    def kernel_roles(self) -> list[tuple]:
        """Operand roles aligned with :meth:`kernels`: ``(a, b, out)`` for a GEMM kernel,
        ``(ins, out)`` for a vector kernel (see :data:`WEIGHT`, :func:`in_ref`)."""
        n_in = max(1, len(self.inputs))
        roles: list[tuple] = []
        for kern in self.kernels():
            if isinstance(kern, GemmKernel):
                b = WEIGHT if kern.b_is_weight else in_ref(min(1, n_in - 1))
                roles.append((in_ref(0), b, OUT))
            else:
                roles.append((tuple(in_ref(i) for i in range(n_in)), OUT))
        return roles

    def shape_summary(self) -> str:
        """Short human-readable description of the shapes."""
        return ""

    @property
    def main_width(self) -> int | None:
        """The width that co-design sweeps (output channels / features / hidden size)."""
        return None


class Conv2d(OpBase):
    """2-D convolution (NCHW). Depthwise when ``groups == in_channels == out_channels``.

    ``padding`` is (top, left, bottom, right). Lowered by im2col to ``groups`` GEMMs with
    M = batch*P*Q, K = C/groups*R*S, N = out_channels/groups. The bias add is folded into
    the accumulator initialization and costs nothing extra.
    """

    op: Literal["conv2d"] = "conv2d"
    kind: ClassVar[str] = "conv2d"
    batch: PositiveInt = 1
    in_channels: PositiveInt
    out_channels: PositiveInt
    in_h: PositiveInt
    in_w: PositiveInt
    kernel: tuple[PositiveInt, PositiveInt]
    stride: tuple[PositiveInt, PositiveInt] = (1, 1)
    padding: tuple[NonNegativeInt, NonNegativeInt, NonNegativeInt, NonNegativeInt] = (0, 0, 0, 0)
    dilation: tuple[PositiveInt, PositiveInt] = (1, 1)
    groups: PositiveInt = 1
    bias: bool = True

    @field_validator("kernel", "stride", "dilation", mode="before")
    @classmethod
    def _expand_pair(cls, v: Any) -> Any:
        return _pair(v)

    @field_validator("padding", mode="before")
    @classmethod
    def _expand_padding(cls, v: Any) -> Any:
        if isinstance(v, int):
            return (v, v, v, v)
        if isinstance(v, (list, tuple)) and len(v) == 2:
            return (v[0], v[1], v[0], v[1])
        return v

    def model_post_init(self, __context: Any) -> None:
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(
                f"groups={self.groups} must divide in_channels={self.in_channels} "
                f"and out_channels={self.out_channels}"
            )
        if self.out_h <= 0 or self.out_w <= 0:
            raise ValueError(
                f"kernel {self.kernel} with padding {self.padding} does not fit "
                f"input {self.in_h}x{self.in_w}"
            )

    @property
    def out_h(self) -> int:
        span = self.dilation[0] * (self.kernel[0] - 1) + 1
        return (self.in_h + self.padding[0] + self.padding[2] - span) // self.stride[0] + 1

    @property
    def out_w(self) -> int:
        span = self.dilation[1] * (self.kernel[1] - 1) + 1
        return (self.in_w + self.padding[1] + self.padding[3] - span) // self.stride[1] + 1

    @property
    def is_depthwise(self) -> bool:
        return self.groups > 1 and self.groups == self.in_channels

    def used_params(self) -> int:
        w = self.out_channels * (self.in_channels // self.groups) * self.kernel[0] * self.kernel[1]
        return w + (self.out_channels if self.bias else 0)

    def input_elements(self) -> int:
        return self.batch * self.in_channels * self.in_h * self.in_w

    def output_elements(self) -> int:
        return self.batch * self.out_channels * self.out_h * self.out_w

    def geometry(self) -> ConvGeometry:
        """Feature-map geometry of the lowered GEMM (rows/columns actually read)."""
        span_h = self.dilation[0] * (self.kernel[0] - 1) + 1
        span_w = self.dilation[1] * (self.kernel[1] - 1) + 1

        def touched(size: int, pad: int, out: int, stride: int, span: int) -> int:
            first = max(0, -pad)
            last = min(size - 1, (out - 1) * stride - pad + span - 1)
            return max(1, last - first + 1)

        return ConvGeometry(
            batch=self.batch,
            channels=self.in_channels // self.groups,
            in_h=touched(self.in_h, self.padding[0], self.out_h, self.stride[0], span_h),
            in_w=touched(self.in_w, self.padding[1], self.out_w, self.stride[1], span_w),
            out_h=self.out_h,
            out_w=self.out_w,
            stride_h=self.stride[0],
            stride_w=self.stride[1],
            span_h=span_h,
            span_w=span_w,
        )

    def kernels(self) -> list[Kernel]:
        g = self.groups
        return [
            GemmKernel(
                groups=g,
                m=self.batch * self.out_h * self.out_w,
                k=(self.in_channels // g) * self.kernel[0] * self.kernel[1],
                n=self.out_channels // g,
                conv=self.geometry(),
            )
        ]

    def shape_summary(self) -> str:
        kh, kw = self.kernel
        dw = " dw" if self.is_depthwise else (f" g={self.groups}" if self.groups > 1 else "")
        return (
            f"{self.batch}x{self.in_channels}x{self.in_h}x{self.in_w} -> "
            f"{self.out_channels}x{self.out_h}x{self.out_w}, k{kh}x{kw}/s{self.stride[0]}{dw}"
        )

    @property
    def main_width(self) -> int:
        return self.out_channels


class Linear(OpBase):
    """Fully connected layer / ONNX Gemm: ``rows`` input vectors (batch x sequence)."""

    op: Literal["linear"] = "linear"
    kind: ClassVar[str] = "linear"
    rows: PositiveInt = 1
    in_features: PositiveInt
    out_features: PositiveInt
    bias: bool = True

    def used_params(self) -> int:
        return self.in_features * self.out_features + (self.out_features if self.bias else 0)

    def input_elements(self) -> int:
        return self.rows * self.in_features

    def output_elements(self) -> int:
        return self.rows * self.out_features

    def kernels(self) -> list[Kernel]:
        return [GemmKernel(1, self.rows, self.in_features, self.out_features)]

    def shape_summary(self) -> str:
        return f"{self.rows}x{self.in_features} -> {self.rows}x{self.out_features}"

    @property
    def main_width(self) -> int:
        return self.out_features


class MatMul(OpBase):
    """Batched product of two activations: ``batch`` x (M x K) @ (K x N), no weights.

    Used for attention scores (Q @ K^T) and context (P @ V).
    """

    op: Literal["matmul"] = "matmul"
    kind: ClassVar[str] = "matmul"
    batch: PositiveInt = 1
    m: PositiveInt
    k: PositiveInt
    n: PositiveInt

    def input_elements(self) -> int:
        return self.batch * (self.m * self.k + self.k * self.n)

    def output_elements(self) -> int:
        return self.batch * self.m * self.n

    def kernels(self) -> list[Kernel]:
        return [GemmKernel(self.batch, self.m, self.k, self.n, b_is_weight=False)]

    def shape_summary(self) -> str:
        return f"{self.batch}x({self.m}x{self.k} @ {self.k}x{self.n})"


class _Recurrent(OpBase):
    """Shared shape fields of LSTM and GRU (PyTorch semantics, two bias vectors)."""

    batch: PositiveInt = 1
    seq_len: PositiveInt
    input_size: PositiveInt
    hidden_size: PositiveInt
    num_layers: PositiveInt = 1
    bidirectional: bool = False
    bias: bool = True

    gates: ClassVar[int] = 4
    gate_ops_per_element: ClassVar[int] = LSTM_GATE_OPS_PER_ELEMENT
    state_tensors: ClassVar[int] = 2  # h and c for LSTM

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def out_size(self) -> int:
        """Size of the hidden state fed back and emitted (the projection size if any)."""
        return self.hidden_size

    def layer_input_size(self, layer: int) -> int:
        return self.input_size if layer == 0 else self.out_size * self.directions

    def used_params(self) -> int:
        gh = self.gates * self.hidden_size
        total = 0
        for layer in range(self.num_layers):
            per_dir = gh * (self.layer_input_size(layer) + self.out_size)
            if self.bias:
                per_dir += 2 * gh
            if self.out_size != self.hidden_size:  # projection W_hr [P, H]
                per_dir += self.out_size * self.hidden_size
            total += per_dir * self.directions
        return total

    def input_elements(self) -> int:
        return self.batch * self.seq_len * self.input_size

    def output_elements(self) -> int:
        return self.batch * self.seq_len * self.out_size * self.directions

    def kernels(self) -> list[Kernel]:
        """Per layer and direction: input projection over all steps (not sequential),
        ``seq_len`` dependent recurrent GEMMs, and per-step gate element-wise work."""
        b, t, h = self.batch, self.seq_len, self.hidden_size
        gh = self.gates * h
        gate = VectorKernel(
            elements=b * h,
            ops_per_element=self.gate_ops_per_element,
            in_elements=b * (2 * gh + (h if self.state_tensors == 2 else 0)),
            out_elements=b * h * self.state_tensors,
        )
        p = self.out_size
        out: list[Kernel] = []
        for layer in range(self.num_layers):
            for _ in range(self.directions):
                out.append(GemmKernel(1, b * t, self.layer_input_size(layer), gh))
                out.append(GemmKernel(1, b, p, gh, repeats=t, sequential=True))
                out.extend([gate] * t)
                if p != h:  # the projection h -> P, one per step
                    out.append(GemmKernel(1, b, h, p, repeats=t, sequential=True))
        return out

    def kernel_roles(self) -> list[tuple]:
        """Input projection reads the input sequence (or the previous layer's output
        sequence); the recurrent GEMM and the gates keep the hidden state on chip."""
        b, t, h = self.batch, self.seq_len, self.hidden_size
        gh = self.gates * h
        seq = b * t * self.out_size * self.directions
        roles: list[tuple] = []
        for layer in range(self.num_layers):
            src = in_ref(0) if layer == 0 else tmp_ref(f"seq{layer - 1}", seq)
            dst = OUT if layer == self.num_layers - 1 else tmp_ref(f"seq{layer}", seq)
            for d in range(self.directions):
                gates = tmp_ref(f"gates{layer}.{d}", b * t * gh)
                roles.append((src, WEIGHT, gates))
                roles.append((CHIP, WEIGHT, CHIP))
                if self.out_size != h:  # gates leave h on chip; the projection emits P
                    roles.extend([((gates, CHIP), CHIP)] * t)
                    roles.append((CHIP, WEIGHT, dst))
                else:
                    roles.extend([((gates, CHIP), dst)] * t)
        return roles

    def shape_summary(self) -> str:
        bi = " bi" if self.bidirectional else ""
        return (
            f"B{self.batch} T{self.seq_len} in{self.input_size} "
            f"H{self.hidden_size} x{self.num_layers}{bi}"
        )

    @property
    def main_width(self) -> int:
        return self.hidden_size


class LSTM(_Recurrent):
    """Long short-term memory, PyTorch ``nn.LSTM`` semantics (4 gates, b_ih and b_hh).

    ``proj_size`` > 0: the hidden state is projected to ``proj_size`` every step
    (``W_hr``, PyTorch's ``proj_size``); the projection is fed back and emitted."""

    op: Literal["lstm"] = "lstm"
    kind: ClassVar[str] = "lstm"
    proj_size: NonNegativeInt = 0

    @model_validator(mode="after")
    def _projection_smaller(self) -> LSTM:
        if self.proj_size and self.proj_size >= self.hidden_size:
            raise ValueError(
                f"proj_size {self.proj_size} must be smaller than hidden_size {self.hidden_size}"
            )
        return self

    @property
    def out_size(self) -> int:
        return self.proj_size or self.hidden_size


class GRU(_Recurrent):
    """Gated recurrent unit, PyTorch ``nn.GRU`` semantics (3 gates, b_ih and b_hh)."""

    op: Literal["gru"] = "gru"
    kind: ClassVar[str] = "gru"
    gates: ClassVar[int] = 3
    gate_ops_per_element: ClassVar[int] = GRU_GATE_OPS_PER_ELEMENT
    state_tensors: ClassVar[int] = 1


class RNN(_Recurrent):
    """Vanilla (Elman) RNN, PyTorch ``nn.RNN`` semantics: ``h = act(W_ih x + b_ih + W_hh h
    + b_hh)`` with ``act`` tanh or relu (one gate, two bias vectors)."""

    op: Literal["rnn"] = "rnn"
    kind: ClassVar[str] = "rnn"
    gates: ClassVar[int] = 1
    gate_ops_per_element: ClassVar[int] = RNN_GATE_OPS_PER_ELEMENT
    state_tensors: ClassVar[int] = 1
    nonlinearity: Literal["tanh", "relu"] = "tanh"


class Attention(OpBase):
    """Scaled dot-product attention core (no projections): scores, softmax, context.

    Lowered to GEMM(batch*heads, seq_q, head_dim, seq_kv) for Q @ K^T, a softmax over
    ``seq_kv`` for every score row, and GEMM(batch*heads, seq_q, seq_kv, head_dim) for
    P @ V. The 1/sqrt(d) scale is counted as one extra op per score element.
    The Q/K/V/output projections are separate :class:`Linear` layers.
    """

    op: Literal["attention"] = "attention"
    kind: ClassVar[str] = "attention"
    batch: PositiveInt = 1
    heads: PositiveInt
    head_dim: PositiveInt
    seq_q: PositiveInt
    seq_kv: PositiveInt

    def input_elements(self) -> int:
        return self.batch * self.heads * self.head_dim * (self.seq_q + 2 * self.seq_kv)

    def output_elements(self) -> int:
        return self.batch * self.heads * self.seq_q * self.head_dim

    def kernels(self) -> list[Kernel]:
        g = self.batch * self.heads
        scores = g * self.seq_q * self.seq_kv
        return [
            GemmKernel(g, self.seq_q, self.head_dim, self.seq_kv, b_is_weight=False),
            VectorKernel(scores, SOFTMAX_OPS_PER_ELEMENT + 1, scores, scores),
            GemmKernel(g, self.seq_q, self.seq_kv, self.head_dim, b_is_weight=False),
        ]

    def kernel_roles(self) -> list[tuple]:
        """Q @ K^T writes the score matrix (internal), softmax works on it in place,
        P @ V reads it; inputs are (query, key, value) or one fused tensor."""
        n = max(1, len(self.inputs))
        q, k, v = in_ref(0), in_ref(min(1, n - 1)), in_ref(min(2, n - 1))
        scores = tmp_ref("scores", self.batch * self.heads * self.seq_q * self.seq_kv)
        return [(q, k, scores), ((scores,), scores), (scores, v, OUT)]

    def shape_summary(self) -> str:
        return f"B{self.batch} h{self.heads}x{self.head_dim} q{self.seq_q} kv{self.seq_kv}"

    @property
    def main_width(self) -> int:
        return self.heads


class Embedding(OpBase):
    """Table lookup: ``tokens`` rows of width ``embedding_dim`` (memory traffic only)."""

    op: Literal["embedding"] = "embedding"
    kind: ClassVar[str] = "embedding"
    tokens: PositiveInt
    num_embeddings: PositiveInt
    embedding_dim: PositiveInt

    def used_params(self) -> int:
        return self.num_embeddings * self.embedding_dim

    def weight_elements(self) -> int:
        # Only the looked-up rows are read.
        return self.tokens * self.embedding_dim

    def input_elements(self) -> int:
        return self.tokens

    def output_elements(self) -> int:
        return self.tokens * self.embedding_dim

    def kernels(self) -> list[Kernel]:
        e = self.tokens * self.embedding_dim
        return [VectorKernel(e, 0, e, e)]

    def kernel_roles(self) -> list[tuple]:
        """The looked-up rows come from the table in DRAM."""
        return [((WEIGHT,), OUT)]

    def shape_summary(self) -> str:
        return f"{self.tokens} tokens -> {self.embedding_dim} (vocab {self.num_embeddings})"


class Elementwise(OpBase):
    """Element-wise arithmetic or activation over ``elements`` output elements."""

    op: Literal["elementwise"] = "elementwise"
    kind: ClassVar[str] = "elementwise"
    function: str
    elements: PositiveInt
    num_inputs: PositiveInt = 1
    #: Learned per-channel parameters (e.g. PReLU slopes); usually 0.
    param_count: NonNegativeInt = 0

    @field_validator("function")
    @classmethod
    def _known_function(cls, v: str) -> str:
        v = v.lower()
        if v not in ELEMENTWISE_OPS_PER_ELEMENT:
            raise ValueError(
                f"unknown element-wise function '{v}'; known: "
                + ", ".join(sorted(ELEMENTWISE_OPS_PER_ELEMENT))
            )
        return v

    def used_params(self) -> int:
        return self.param_count

    def input_elements(self) -> int:
        return self.elements * self.num_inputs

    def output_elements(self) -> int:
        return self.elements

    def kernels(self) -> list[Kernel]:
        return [
            VectorKernel(
                self.elements,
                ELEMENTWISE_OPS_PER_ELEMENT[self.function],
                self.input_elements(),
                self.elements,
            )
        ]

    def shape_summary(self) -> str:
        return f"{self.function} x{self.elements}"


class Pool2d(OpBase):
    """Max or average pooling over NCHW; ``global_pool`` reduces the whole plane."""

    op: Literal["pool2d"] = "pool2d"
    kind: ClassVar[str] = "pool2d"
    mode: Literal["max", "avg"]
    batch: PositiveInt = 1
    channels: PositiveInt
    in_h: PositiveInt
    in_w: PositiveInt
    kernel: tuple[PositiveInt, PositiveInt] = (1, 1)
    stride: tuple[PositiveInt, PositiveInt] = (1, 1)
    padding: tuple[NonNegativeInt, NonNegativeInt, NonNegativeInt, NonNegativeInt] = (0, 0, 0, 0)
    ceil_mode: bool = False
    global_pool: bool = False

    @field_validator("kernel", "stride", mode="before")
    @classmethod
    def _expand_pair(cls, v: Any) -> Any:
        return _pair(v)

    @field_validator("padding", mode="before")
    @classmethod
    def _expand_padding(cls, v: Any) -> Any:
        if isinstance(v, int):
            return (v, v, v, v)
        if isinstance(v, (list, tuple)) and len(v) == 2:
            return (v[0], v[1], v[0], v[1])
        return v

    def model_post_init(self, __context: Any) -> None:
        if self.out_h <= 0 or self.out_w <= 0:
            raise ValueError(f"pooling window does not fit input {self.in_h}x{self.in_w}")

    def _out(self, size: int, k: int, s: int, p: int) -> int:
        span = size + p - k
        return (math.ceil(span / s) if self.ceil_mode else span // s) + 1

    @property
    def window(self) -> tuple[int, int]:
        return (self.in_h, self.in_w) if self.global_pool else self.kernel

    @property
    def out_h(self) -> int:
        if self.global_pool:
            return 1
        return self._out(
            self.in_h, self.kernel[0], self.stride[0], self.padding[0] + self.padding[2]
        )

    @property
    def out_w(self) -> int:
        if self.global_pool:
            return 1
        return self._out(
            self.in_w, self.kernel[1], self.stride[1], self.padding[1] + self.padding[3]
        )

    def input_elements(self) -> int:
        return self.batch * self.channels * self.in_h * self.in_w

    def output_elements(self) -> int:
        return self.batch * self.channels * self.out_h * self.out_w

    def kernels(self) -> list[Kernel]:
        wh, ww = self.window
        return [
            VectorKernel(
                self.output_elements(), wh * ww, self.input_elements(), self.output_elements()
            )
        ]

    def shape_summary(self) -> str:
        g = "global " if self.global_pool else ""
        return (
            f"{g}{self.mode} {self.channels}x{self.in_h}x{self.in_w} -> "
            f"{self.channels}x{self.out_h}x{self.out_w}"
        )


class Norm(OpBase):
    """Normalization (inference): batch, layer, group, instance or RMS norm.

    ``channels`` is the size of the affine parameters (features normalized over).
    """

    op: Literal["norm"] = "norm"
    kind: ClassVar[str] = "norm"
    norm: Literal["batch", "layer", "group", "instance", "rms"]
    elements: PositiveInt
    channels: PositiveInt
    affine: bool = True

    def used_params(self) -> int:
        if not self.affine:
            return 0
        return self.channels * (1 if self.norm == "rms" else 2)

    def input_elements(self) -> int:
        return self.elements

    def output_elements(self) -> int:
        return self.elements

    def kernels(self) -> list[Kernel]:
        return [
            VectorKernel(
                self.elements, NORM_OPS_PER_ELEMENT[self.norm], self.elements, self.elements
            )
        ]

    def shape_summary(self) -> str:
        return f"{self.norm}norm x{self.elements} (C={self.channels})"


class Softmax(OpBase):
    """Softmax over rows of length ``length``."""

    op: Literal["softmax"] = "softmax"
    kind: ClassVar[str] = "softmax"
    rows: PositiveInt
    length: PositiveInt

    def input_elements(self) -> int:
        return self.rows * self.length

    def output_elements(self) -> int:
        return self.rows * self.length

    def kernels(self) -> list[Kernel]:
        e = self.rows * self.length
        return [VectorKernel(e, SOFTMAX_OPS_PER_ELEMENT, e, e)]

    def shape_summary(self) -> str:
        return f"{self.rows} rows x {self.length}"


class ShapeOp(OpBase):
    """Reshape, concat, transpose, flatten and the like: no arithmetic, no cost.

    Assumption: layout changes are absorbed by the address generators of the producer
    and consumer (docs/workloads.md).
    """

    op: Literal["shape"] = "shape"
    kind: ClassVar[str] = "shape"
    function: str = "reshape"
    elements: NonNegativeInt = 0

    def output_elements(self) -> int:
        return self.elements

    def shape_summary(self) -> str:
        return self.function


class Unsupported(OpBase):
    """Placeholder for an operator accelscope cannot time (``--allow-unsupported``).

    Costs nothing; it is listed in every report so the omission is visible.
    """

    op: Literal["unsupported"] = "unsupported"
    kind: ClassVar[str] = "unsupported"
    op_type: str
    reason: str = ""

    def shape_summary(self) -> str:
        return f"UNSUPPORTED {self.op_type}"


AnyOp = Annotated[
    Conv2d
    | Linear
    | MatMul
    | LSTM
    | GRU
    | RNN
    | Attention
    | Embedding
    | Elementwise
    | Pool2d
    | Norm
    | Softmax
    | ShapeOp
    | Unsupported,
    Field(discriminator="op"),
]

OP_CLASSES: dict[str, type[OpBase]] = {
    cls.model_fields["op"].default: cls
    for cls in (
        Conv2d,
        Linear,
        MatMul,
        LSTM,
        GRU,
        RNN,
        Attention,
        Embedding,
        Elementwise,
        Pool2d,
        Norm,
        Softmax,
        ShapeOp,
        Unsupported,
    )
}
