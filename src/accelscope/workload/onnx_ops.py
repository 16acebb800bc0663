"""Mapping of single ONNX nodes to workload IR operators (docs/importers-onnx.md).

Each handler gets one node with its unique layer name and producer names and returns the
IR operators for it. Handlers read shapes from :class:`GraphInfo`; an operator the IR
cannot express raises :class:`NotSupported` with a reason, which the importer turns
into an error or (``allow_unsupported``) a zero-cost placeholder.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx

from accelscope.errors import ShapeInferenceError
from accelscope.workload.lift3d import conv3d_fields, pool3d_fields
from accelscope.workload.onnx_graph import GraphInfo, numel
from accelscope.workload.ops import (
    GRU,
    LSTM,
    RNN,
    Attention,
    Conv2d,
    Elementwise,
    Embedding,
    Linear,
    MatMul,
    Norm,
    OpBase,
    Pool2d,
    ShapeOp,
    Softmax,
)

#: ONNX element-wise operators -> IR element-wise function. Stand-ins (documented):
#: comparisons count as one subtraction, rounding/sign as one ``abs``-like op.
ELEMENTWISE_FUNCTIONS: dict[str, str] = {
    "Add": "add",
    "Sum": "add",
    "Mean": "add",
    "Sub": "sub",
    "Mul": "mul",
    "Div": "div",
    "Mod": "div",
    "Reciprocal": "div",
    "Max": "max",
    "Min": "min",
    "Neg": "neg",
    "Abs": "abs",
    "Floor": "abs",
    "Ceil": "abs",
    "Round": "abs",
    "Sign": "abs",
    "Relu": "relu",
    "ThresholdedRelu": "relu",
    "Clip": "clip",
    "Shrink": "clip",
    "LeakyRelu": "leaky_relu",
    "PRelu": "prelu",
    "Sigmoid": "sigmoid",
    "HardSigmoid": "hardsigmoid",
    "Tanh": "tanh",
    "Exp": "exp",
    "Log": "log",
    "Sqrt": "sqrt",
    "Erf": "erf",
    "Pow": "pow",
    "Gelu": "gelu",
    "HardSwish": "hardswish",
    "Swish": "silu",
    "Mish": "mish",
    "Softplus": "softplus",
    "Elu": "elu",
    "Selu": "elu",
    "Celu": "elu",
    "Where": "where",
    "Equal": "sub",
    "Less": "sub",
    "LessOrEqual": "sub",
    "Greater": "sub",
    "GreaterOrEqual": "sub",
    "And": "min",
    "Or": "max",
    "Xor": "sub",
    "Not": "neg",
    "CumSum": "add",  # one add per element (as torch's cumsum)
    # The exporter's masked softmax for scaled-dot-product attention tests for NaN rows.
    "IsNaN": "sub",
    "IsInf": "sub",
}

#: Data-movement operators -> ShapeOp function (no arithmetic, no cost).
SHAPE_FUNCTIONS: dict[str, str] = {
    "Reshape": "reshape",
    "Flatten": "flatten",
    "Transpose": "transpose",
    "Concat": "concat",
    "Split": "split",
    "Slice": "slice",
    "Squeeze": "squeeze",
    "Unsqueeze": "unsqueeze",
    "Expand": "expand",
    "Tile": "expand",
    "Identity": "identity",
    "Dropout": "dropout",
    "Pad": "pad",
    "Shape": "shape",
    "Size": "shape",
    "Constant": "constant",
    "ConstantOfShape": "constant",
    "Range": "constant",
    "Cast": "cast",
    "CastLike": "cast",
    "QuantizeLinear": "cast",
    "DequantizeLinear": "cast",
    "GatherElements": "gather",
    "GatherND": "gather",
    "ScatterND": "scatter",
    "ScatterElements": "scatter",
    "DepthToSpace": "transpose",
    "SpaceToDepth": "transpose",
    "Trilu": "slice",
}

#: Reductions, lowered as a global pooling window over the reduced elements.
REDUCE_MODES: dict[str, str] = {
    "ReduceMean": "avg",
    "ReduceSum": "avg",
    "ReduceSumSquare": "avg",
    "ReduceL1": "avg",
    "ReduceL2": "avg",
    "ReduceLogSum": "avg",
    "ReduceLogSumExp": "avg",
    "ReduceProd": "avg",
    "ReduceMax": "max",
    "ReduceMin": "max",
    "ArgMax": "max",
    "ArgMin": "max",
    "TopK": "max",  # routing scores: one comparison per element, as torch topk
}

NORM_KINDS: dict[str, str] = {
    "BatchNormalization": "batch",
    "InstanceNormalization": "instance",
    "GroupNormalization": "group",
    "LayerNormalization": "layer",
    "RMSNormalization": "rms",
}


class NotSupported(Exception):
    """Raised by a handler when the IR cannot express the node; carries the reason."""


@dataclass(frozen=True)
class NodeRef:
    """One ONNX node as a handler sees it."""

    index: int
    proto: onnx.NodeProto
    name: str
    inputs: tuple[str, ...]
    attrs: dict[str, Any]

    @property
    def op_type(self) -> str:
        return self.proto.op_type

    def inp(self, i: int) -> str:
        """Name of input *i*, or '' when absent (or *i* is negative)."""
        return self.proto.input[i] if 0 <= i < len(self.proto.input) else ""


def node_attrs(node: onnx.NodeProto) -> dict[str, Any]:
    """Attributes as Python values (strings decoded)."""
    out: dict[str, Any] = {}
    for attr in node.attribute:
        value = onnx.helper.get_attribute_value(attr)
        out[attr.name] = value.decode() if isinstance(value, bytes) else value
    return out


def _same_pads(
    size: list[int], kernel: list[int], stride: list[int], dil: list[int], mode: str
) -> list[int]:
    """ONNX auto_pad SAME_UPPER/SAME_LOWER pads as [begins..., ends...] (output = ceil(in/s))."""
    begins, ends = [], []
    for x, k, s, d in zip(size, kernel, stride, dil, strict=True):
        out = -(-x // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - x)
        small = total // 2
        begins.append(small if mode == "SAME_UPPER" else total - small)
        ends.append(total - small if mode == "SAME_UPPER" else small)
    return begins + ends


#: GEMM-like operators: a product of learned weights is costed, never constant-folded.
WEIGHT_PRODUCT_OPS: frozenset[str] = frozenset(
    {"MatMul", "Gemm", "Conv", "ConvTranspose", "MatMulInteger", "Einsum"}
)


class Mapper:
    """Maps nodes of one prepared graph; remembers nodes fused into earlier layers."""

    def __init__(self, info: GraphInfo) -> None:
        self.info = info
        #: node index -> layer name that absorbed it (e.g. a bias Add fused into Linear).
        self.absorbed: dict[int, str] = {}
        #: Tensors computed from learned weights before run time could fold them.
        self.weight_derived: set[str] = set(info.weights)
        self.handlers: dict[str, Callable[[NodeRef], list[OpBase]]] = {
            "Conv": self._conv,
            "ConvInteger": lambda n: self._conv(n, b_idx=-1),
            "QLinearConv": lambda n: self._conv(n, x_idx=0, w_idx=3, b_idx=8),
            "ConvTranspose": self._conv_transpose,
            "Gemm": self._gemm,
            "MatMul": self._matmul,
            "Einsum": self._einsum,
            "MatMulInteger": self._matmul,
            "QLinearMatMul": lambda n: self._matmul(n, a_idx=0, b_idx=3),
            "MaxPool": self._pool,
            "AveragePool": self._pool,
            "LpPool": self._pool,
            "GlobalAveragePool": self._global_pool,
            "GlobalMaxPool": self._global_pool,
            "GlobalLpPool": self._global_pool,
            "Softmax": self._softmax,
            "LogSoftmax": self._softmax,
            "Hardmax": self._softmax,
            "LSTM": self._recurrent,
            "GRU": self._recurrent,
            "RNN": self._recurrent,
            "Gather": self._gather,
            "Attention": self._attention,
            "Resize": self._resize,
            "Upsample": self._resize,
        }
        for op in ELEMENTWISE_FUNCTIONS:
            self.handlers[op] = self._elementwise
        for op in SHAPE_FUNCTIONS:
            self.handlers[op] = self._shape_op
        for op in REDUCE_MODES:
            self.handlers[op] = self._reduce
        for op in NORM_KINDS:
            self.handlers[op] = self._norm

    # ---- helpers ------------------------------------------------------------------
    def shape(self, node: NodeRef, tensor: str) -> tuple[int, ...]:
        """Static shape of *tensor*, or a ShapeInferenceError naming the node."""
        dims = self.info.shapes.get(tensor)
        if dims is None or any(d is None for d in dims):
            raise ShapeInferenceError(
                f"{self.info.path}: cannot infer the shape of '{tensor}' at {node.op_type} node "
                f"'{node.name}'; give static input shapes, e.g. {self.info.example_shape_flag()}"
            )
        return tuple(int(d) for d in dims)  # type: ignore[arg-type]

    def static_numel(self, tensor: str) -> int:
        """Element count of *tensor* if its shape is static, else 0."""
        dims = self.info.shapes.get(tensor)
        if dims is None or any(d is None for d in dims):
            return 0
        return numel(dims)  # type: ignore[arg-type]

    def is_const(self, tensor: str) -> bool:
        return tensor in self.info.const

    def is_folded(self, node: NodeRef) -> bool:
        """True when every input is known before run time (the node is constant-folded).

        A product of learned weights (a GEMM-like node whose inputs are all constant and
        include a weight, e.g. DeBERTa's projections of its relative-position embeddings)
        is never folded away: the model computes it at run time, so it is costed, once.
        """
        if node.op_type == "Gather" and self._is_embedding(node):
            return False
        names = [t for t in node.proto.input if t]
        if not all(self.is_const(t) for t in names):
            return False
        from_weights = any(t in self.weight_derived for t in names)
        if from_weights and node.op_type in WEIGHT_PRODUCT_OPS:
            return False
        if from_weights:
            self.weight_derived.update(o for o in node.proto.output if o)
        return True

    def _is_embedding(self, node: NodeRef) -> bool:
        data = node.inp(0)
        dims = self.info.shapes.get(data)
        return (
            data in self.info.weights
            and dims is not None
            and len(dims) >= 2
            and int(node.attrs.get("axis", 0)) == 0
        )

    def map(self, node: NodeRef) -> list[OpBase]:
        """IR operators for *node* (raises NotSupported or ShapeInferenceError)."""
        if node.proto.domain not in ("", "ai.onnx"):
            raise NotSupported(f"custom domain '{node.proto.domain}' has no accelscope mapping")
        handler = self.handlers.get(node.op_type)
        if handler is None:
            raise NotSupported("no accelscope mapping for this operator")
        return handler(node)

    # ---- convolution --------------------------------------------------------------
    def _conv_geometry(
        self, node: NodeRef, x: tuple[int, ...], kernel: list[int]
    ) -> tuple[list[int], list[int], list[int]]:
        """(strides, dilations, pads as [begins..., ends...]) for a conv/pool node."""
        n_sp = len(x) - 2
        strides = list(node.attrs.get("strides") or [1] * n_sp)
        dil = list(node.attrs.get("dilations") or [1] * n_sp)
        auto_pad = node.attrs.get("auto_pad", "NOTSET")
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            pads = _same_pads(list(x[2:]), kernel, strides, dil, auto_pad)
        elif auto_pad == "VALID":
            pads = [0] * (2 * n_sp)
        else:
            pads = list(node.attrs.get("pads") or [0] * (2 * n_sp))
        return strides, dil, pads

    @staticmethod
    def _as_2d(values: list[int], fill: int) -> tuple[int, int]:
        return (fill, values[0]) if len(values) == 1 else (values[0], values[1])

    @staticmethod
    def _pads_2d(pads: list[int]) -> tuple[int, int, int, int]:
        # ONNX pads are [x1_begin, x2_begin, x1_end, x2_end] = (top, left, bottom, right).
        if len(pads) == 2:
            return (0, pads[0], 0, pads[1])
        return (pads[0], pads[1], pads[2], pads[3])

    def _conv(self, node: NodeRef, x_idx: int = 0, w_idx: int = 1, b_idx: int = 2) -> list[OpBase]:
        x = self.shape(node, node.inp(x_idx))
        w = self.shape(node, node.inp(w_idx))
        if len(x) == 5:
            return [self._conv3d(node, x, w, b_idx)]
        if len(x) not in (3, 4):
            raise NotSupported(f"{len(x) - 2}-D convolution (1-D, 2-D and 3-D are modeled)")
        groups = int(node.attrs.get("group", 1))
        if x[1] != w[1] * groups:
            raise ShapeInferenceError(
                f"{self.info.path}: {node.op_type} node '{node.name}': input has {x[1]} "
                f"channels but its weight expects {w[1] * groups}; check the input shapes"
            )
        kernel = list(node.attrs.get("kernel_shape") or w[2:])
        strides, dil, pads = self._conv_geometry(node, x, kernel)
        in_h, in_w = (1, x[2]) if len(x) == 3 else (x[2], x[3])
        op = Conv2d(
            name=node.name,
            inputs=node.inputs,
            batch=x[0],
            in_channels=x[1],
            out_channels=w[0],
            in_h=in_h,
            in_w=in_w,
            kernel=self._as_2d(kernel, 1),
            stride=self._as_2d(strides, 1),
            dilation=self._as_2d(dil, 1),
            padding=self._pads_2d(pads),
            groups=groups,
            bias=bool(node.inp(b_idx)),
        )
        out = self.info.shapes.get(node.proto.output[0])
        if out is not None and None not in out and len(out) == len(x):
            expect = (op.out_channels, op.out_h, op.out_w) if len(x) == 4 else (w[0], op.out_w)
            if tuple(out[1:]) != expect:
                raise ShapeInferenceError(
                    f"{self.info.path}: {node.op_type} node '{node.name}': modeled output "
                    f"{expect} differs from the ONNX-inferred shape {tuple(out[1:])}"
                )
        return [op]

    def _conv3d(self, node: NodeRef, x: tuple, w: tuple, b_idx: int) -> Conv2d:
        """3-D convolution as a 2-D one over stacked depth slices (workload/lift3d.py)."""
        kernel = list(node.attrs.get("kernel_shape") or w[2:])
        strides, dil, pads = self._conv_geometry(node, x, kernel)
        out = self.info.shapes.get(node.proto.output[0])
        if out is None or out[2] is None:
            d_eff = dil[0] * (kernel[0] - 1) + 1
            d_out = (x[2] + pads[0] + pads[3] - d_eff) // strides[0] + 1
        else:
            d_out = int(out[2])
        pads_hw = (pads[1], pads[2], pads[4], pads[5])
        groups, bias = int(node.attrs.get("group", 1)), bool(node.inp(b_idx))
        fields = conv3d_fields(x, w[0], d_out, kernel, strides, dil, pads_hw, groups, bias)
        return Conv2d(name=node.name, inputs=node.inputs, **fields)

    def _conv_transpose(self, node: NodeRef) -> list[OpBase]:
        """Lowered as its GEMM (each input pixel times the whole kernel, then col2im):
        a 1x1 grouped conv with C_out*kH*kW output channels; bias as an element-wise add."""
        x = self.shape(node, node.inp(0))
        w = self.shape(node, node.inp(1))
        if len(x) not in (3, 4):
            raise NotSupported(f"{len(x) - 2}-D transposed convolution")
        groups = int(node.attrs.get("group", 1))
        c_out = w[1] * groups
        kernel = list(node.attrs.get("kernel_shape") or w[2:])
        in_h, in_w = (1, x[2]) if len(x) == 3 else (x[2], x[3])
        ops: list[OpBase] = [
            Conv2d(
                name=node.name,
                inputs=node.inputs,
                batch=x[0],
                in_channels=x[1],
                out_channels=c_out * math.prod(kernel),
                in_h=in_h,
                in_w=in_w,
                kernel=(1, 1),
                groups=groups,
                bias=False,
            )
        ]
        if node.inp(2):
            out = self.shape(node, node.proto.output[0])
            ops.append(
                Elementwise(
                    name=f"{node.name}/bias",
                    inputs=(node.name,),
                    function="add",
                    elements=numel(out),
                    param_count=c_out,
                )
            )
        return ops

    # ---- GEMM-like ----------------------------------------------------------------
    def _fused_bias(self, node: NodeRef, out_features: int) -> bool:
        """Absorb a following ``Add(constant vector of N)`` into this Linear (bias)."""
        out = node.proto.output[0]
        users = self.info.consumers.get(out, [])
        if len(users) != 1 or out in self.info.graph_outputs:
            return False
        idx, slot = users[0]
        user = self.info.graph.node[idx]
        if user.op_type != "Add" or len(user.input) != 2:
            return False
        other = user.input[1 - slot]
        if not self.is_const(other) or self.static_numel(other) != out_features:
            return False
        self.absorbed[idx] = node.name
        return True

    def _gemm(self, node: NodeRef) -> list[OpBase]:
        a = self.shape(node, node.inp(0))
        b = self.shape(node, node.inp(1))
        m, k = (a[1], a[0]) if node.attrs.get("transA", 0) else (a[0], a[1])
        n = b[0] if node.attrs.get("transB", 0) else b[1]
        if not self.is_const(node.inp(1)):
            return [MatMul(name=node.name, inputs=node.inputs, batch=1, m=m, k=k, n=n)]
        return [
            Linear(
                name=node.name,
                inputs=node.inputs,
                rows=m,
                in_features=k,
                out_features=n,
                bias=bool(node.inp(2)),
            )
        ]

    def _matmul(self, node: NodeRef, a_idx: int = 0, b_idx: int = 1) -> list[OpBase]:
        a_name, b_name = node.inp(a_idx), node.inp(b_idx)
        a = self.shape(node, a_name)
        b = self.shape(node, b_name)
        k = a[-1]
        m = a[-2] if len(a) >= 2 else 1
        n = b[-1] if len(b) >= 2 else 1
        b_lead, a_lead = b[:-2], a[:-2]
        if self.is_const(b_name) and numel(b_lead) == 1:
            rows = numel(a[:-1])
            bias = self._fused_bias(node, n) if a_idx == 0 else False
            return [
                Linear(
                    name=node.name,
                    inputs=node.inputs,
                    rows=rows,
                    in_features=k,
                    out_features=n,
                    bias=bias,
                )
            ]
        if self.is_const(a_name) and len(a) == 2:
            # W @ x: every column of x is one input vector of the weight W (m x k).
            cols = numel(b_lead) * n
            return [
                Linear(
                    name=node.name,
                    inputs=node.inputs,
                    rows=cols,
                    in_features=k,
                    out_features=m,
                    bias=False,
                )
            ]
        batch = numel(tuple(np.broadcast_shapes(a_lead, b_lead)))
        return [MatMul(name=node.name, inputs=node.inputs, batch=batch, m=m, k=k, n=n)]

    def _einsum(self, node: NodeRef) -> list[OpBase]:
        """A two-operand contraction as one batched GEMM (workload/einsum.py); a ``Linear``
        when one operand is a constant and there is no batch index."""
        from accelscope.workload.einsum import EinsumError, lower_einsum

        equation = node.attrs.get("equation", "")
        if isinstance(equation, bytes):
            equation = equation.decode()
        names = [t for t in node.proto.input if t]
        try:
            gemm = lower_einsum(equation, [tuple(self.shape(node, t)) for t in names])
        except EinsumError as exc:
            raise NotSupported(str(exc)) from None
        kind, fields = gemm.layer(tuple(self.is_const(t) for t in names))
        cls = Linear if kind == "linear" else MatMul
        return [cls(name=node.name, inputs=node.inputs, **fields)]

    def _attention(self, node: NodeRef) -> list[OpBase]:
        q = self.shape(node, node.inp(0))
        kv = self.shape(node, node.inp(1))
        if len(q) == 4:
            batch, heads, seq_q, head_dim = q
            seq_kv = kv[2]
        else:
            heads = int(node.attrs.get("q_num_heads", 0))
            if heads <= 0:
                raise NotSupported("3-D Attention without q_num_heads")
            batch, seq_q, hidden = q
            head_dim, seq_kv = hidden // heads, kv[1]
        past = node.inp(4)
        if past:
            seq_kv += self.shape(node, past)[2]
        return [
            Attention(
                name=node.name,
                inputs=node.inputs,
                batch=batch,
                heads=heads,
                head_dim=head_dim,
                seq_q=seq_q,
                seq_kv=seq_kv,
            )
        ]

    # ---- recurrent ----------------------------------------------------------------
    def _recurrent(self, node: NodeRef) -> list[OpBase]:
        x = self.shape(node, node.inp(0))
        if int(node.attrs.get("layout", 0)) == 1:
            batch, seq, feat = x
        else:
            seq, batch, feat = x
        hidden = node.attrs.get("hidden_size")
        if not hidden:
            hidden = self.shape(node, node.inp(2))[2]
        cls = {"LSTM": LSTM, "GRU": GRU, "RNN": RNN}[node.op_type]
        extra = {}
        if cls is RNN:
            acts = [
                a.decode() if isinstance(a, bytes) else a for a in node.attrs.get("activations", [])
            ]
            if any(a.lower() not in ("tanh", "relu") for a in acts):
                raise NotSupported(f"RNN activations {acts} (only Tanh and Relu)")
            extra["nonlinearity"] = "relu" if acts and acts[0].lower() == "relu" else "tanh"
        return [
            cls(
                **extra,
                name=node.name,
                inputs=node.inputs,
                batch=batch,
                seq_len=seq,
                input_size=feat,
                hidden_size=int(hidden),
                num_layers=1,
                bidirectional=node.attrs.get("direction", "forward") == "bidirectional",
                bias=bool(node.inp(3)),
            )
        ]

    # ---- vector work --------------------------------------------------------------
    def _elementwise(self, node: NodeRef) -> list[OpBase]:
        out = self.shape(node, node.proto.output[0])
        names = [t for t in node.proto.input if t]
        live = [t for t in names if not self.is_const(t)]
        params = 0
        for t in names:
            if t in self.info.weights:
                dims = self.info.shapes.get(t) or ()
                # A learned per-channel vector (scale, shift, slope): one non-unit dim.
                if sum(1 for d in dims if d and d > 1) == 1:
                    params += self.static_numel(t)
        return [
            Elementwise(
                name=node.name,
                inputs=node.inputs,
                function=ELEMENTWISE_FUNCTIONS[node.op_type],
                elements=max(1, numel(out)),
                num_inputs=max(1, len(live)),
                param_count=params,
            )
        ]

    def _reduce(self, node: NodeRef) -> list[OpBase]:
        x = self.shape(node, node.inp(0))
        out = self.shape(node, node.proto.output[0])
        kept = max(1, numel(out))
        return [
            Pool2d(
                name=node.name,
                inputs=node.inputs,
                mode=REDUCE_MODES[node.op_type],
                batch=1,
                channels=kept,
                in_h=1,
                in_w=max(1, numel(x) // kept),
                global_pool=True,
            )
        ]

    def _pool(self, node: NodeRef) -> list[OpBase]:
        x = self.shape(node, node.inp(0))
        if len(x) == 5:
            return self._pool3d(node, x)
        if len(x) not in (3, 4):
            raise NotSupported(f"{len(x) - 2}-D pooling (1-D, 2-D and 3-D are modeled)")
        kernel = list(node.attrs["kernel_shape"])
        strides, dil, pads = self._conv_geometry(node, x, kernel)
        # Dilated max pooling: model the dilated window span (upper bound on the work).
        span = [d * (k - 1) + 1 for k, d in zip(kernel, dil, strict=True)]
        in_h, in_w = (1, x[2]) if len(x) == 3 else (x[2], x[3])
        return [
            Pool2d(
                name=node.name,
                inputs=node.inputs,
                mode="max" if node.op_type == "MaxPool" else "avg",
                batch=x[0],
                channels=x[1],
                in_h=in_h,
                in_w=in_w,
                kernel=self._as_2d(span, 1),
                stride=self._as_2d(strides, 1),
                padding=self._pads_2d(pads),
                ceil_mode=bool(node.attrs.get("ceil_mode", 0)),
            )
        ]

    def _pool3d(self, node: NodeRef, x: tuple) -> list[OpBase]:
        """3-D pooling, separably (workload/lift3d.py): ``<name>`` and ``<name>/depth``."""
        if node.op_type == "LpPool":
            raise NotSupported("3-D LpPool")
        kernel = list(node.attrs["kernel_shape"])
        strides, dil, pads = self._conv_geometry(node, x, kernel)
        if any(d != 1 for d in dil):
            raise NotSupported("dilated 3-D pooling")
        out = self.info.shapes.get(node.proto.output[0])
        if out is None or None in out:
            raise NotSupported("3-D pooling with an unknown output shape")
        mode = "max" if node.op_type == "MaxPool" else "avg"
        plane, depth = pool3d_fields(
            mode, x, (int(out[3]), int(out[4])), kernel, strides, (pads[0], pads[3]),
            (pads[1], pads[2], pads[4], pads[5]), bool(node.attrs.get("ceil_mode", 0)),
        )  # fmt: skip
        plane = Pool2d(name=node.name, inputs=node.inputs, **plane)
        depth = Pool2d(name=f"{node.name}/depth", inputs=(node.name,), **depth)
        return [plane, depth]

    def _global_pool(self, node: NodeRef) -> list[OpBase]:
        x = self.shape(node, node.inp(0))
        spatial = x[2:] or (1,)
        in_h = spatial[0] if len(spatial) >= 2 else 1
        in_w = numel(spatial[1:]) if len(spatial) >= 2 else spatial[0]
        return [
            Pool2d(
                name=node.name,
                inputs=node.inputs,
                mode="max" if node.op_type == "GlobalMaxPool" else "avg",
                batch=x[0],
                channels=x[1],
                in_h=in_h,
                in_w=in_w,
                global_pool=True,
            )
        ]

    def _norm(self, node: NodeRef) -> list[OpBase]:
        x = self.shape(node, node.inp(0))
        kind = NORM_KINDS[node.op_type]
        if kind in ("layer", "rms"):
            axis = int(node.attrs.get("axis", -1))
            channels = numel(x[axis:])
        else:
            channels = x[1]
        return [
            Norm(
                name=node.name,
                inputs=node.inputs,
                norm=kind,  # type: ignore[arg-type]
                elements=numel(x),
                channels=channels,
                affine=True,
            )
        ]

    def _softmax(self, node: NodeRef) -> list[OpBase]:
        x = self.shape(node, node.inp(0))
        axis = int(node.attrs.get("axis", -1))
        length = x[axis] if x else 1
        return [
            Softmax(
                name=node.name,
                inputs=node.inputs,
                rows=max(1, numel(x) // max(1, length)),
                length=max(1, length),
            )
        ]

    # ---- lookups and data movement ------------------------------------------------
    def _gather(self, node: NodeRef) -> list[OpBase]:
        if not self._is_embedding(node):
            return self._shape_op(node)
        table = self.shape(node, node.inp(0))
        idx = self.shape(node, node.inp(1))
        return [
            Embedding(
                name=node.name,
                inputs=node.inputs,
                tokens=max(1, numel(idx)),
                num_embeddings=table[0],
                embedding_dim=numel(table[1:]),
            )
        ]

    def _resize(self, node: NodeRef) -> list[OpBase]:
        """Nearest: data movement. Linear/cubic: vector work per output element, the
        filter taps by rank (docs/workloads.md: interp_*)."""
        mode = node.attrs.get("mode", "nearest")
        if isinstance(mode, bytes):
            mode = mode.decode()
        if mode == "nearest":
            return [self._shape(node, "resize")]
        out = node.proto.output[0]
        dims = self.info.shapes.get(out) or ()
        in_dims = self.info.shapes.get(node.inp(0)) or ()
        scaled = sum(
            1
            for i, o in zip(in_dims, dims, strict=False)
            if i is not None and o is not None and i != o
        )
        table = {"linear": {1: "interp_linear", 2: "interp_bilinear", 3: "interp_trilinear"},
                 "cubic": {2: "interp_bicubic"}}  # fmt: skip
        function = table.get(mode, {}).get(max(scaled, 1))
        if function is None:
            raise NotSupported(f"'{mode}' interpolation over {scaled} axes has no IR cost")
        elements = self.static_numel(out)
        return [
            Elementwise(name=node.name, inputs=node.inputs, function=function, elements=elements)
        ]

    def _shape_op(self, node: NodeRef) -> list[OpBase]:
        return [self._shape(node, SHAPE_FUNCTIONS.get(node.op_type, node.op_type.lower()))]

    def _shape(self, node: NodeRef, function: str) -> ShapeOp:
        out = node.proto.output[0] if node.proto.output else ""
        return ShapeOp(
            name=node.name, inputs=node.inputs, function=function, elements=self.static_numel(out)
        )

    def folded(self, node: NodeRef) -> ShapeOp:
        """A node computed entirely from constants: a zero-cost 'constant' ShapeOp."""
        return self._shape(node, "constant")
