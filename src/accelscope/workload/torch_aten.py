"""Mapping of ATen operators (from ``torch.export`` graphs) to accelscope IR operators.

Each handler receives the FX node, its arguments bound by name (schema defaults filled in)
and a :class:`NodeInfo` helper, and returns ``(op class, fields)`` for one IR operator, or
raises :class:`Unmapped` when the node uses a variant the IR cannot express. The importer
(:mod:`accelscope.workload.torch_import`) names the operator, attaches inputs and accounts
parameters. The mapping table and its assumptions are documented in
``docs/importers-torch.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from accelscope.workload.lift3d import conv3d_fields, pool3d_fields
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

OpSpec = tuple[type[OpBase], dict[str, Any]]
#: Extra operators a handler may append: (layer-name suffix, op class, fields).
ExtraSpec = tuple[str, type[OpBase], dict[str, Any]]


class Unmapped(Exception):
    """A node whose operator (or operator variant) has no IR equivalent; carries the reason."""


class NodeInfo(Protocol):
    """What handlers may ask about graph values (implemented by the importer)."""

    def shape(self, value: Any) -> tuple[int, ...]: ...

    def is_param(self, value: Any) -> bool: ...

    def is_tensor(self, value: Any) -> bool: ...

    def dtype(self, value: Any) -> Any: ...


#: A handler returns one OpSpec, or a list of an OpSpec followed by ExtraSpecs.
Handler = Callable[[Any, dict[str, Any], NodeInfo], Any]


def _prod(values: Any) -> int:
    return math.prod(int(v) for v in values)


def _pair(values: Any, default: int) -> tuple[int, int]:
    """A 2-tuple from an int or a list of 1 or 2 ints (empty list -> default)."""
    if isinstance(values, int):
        return (values, values)
    values = [int(v) for v in values]
    if not values:
        return (default, default)
    return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])


# ---- GEMM-like operators ------------------------------------------------------------------
def _conv_transpose(node: Any, a: dict[str, Any], info: NodeInfo) -> list[Any]:
    """Transposed convolution lowered as its GEMM: every input pixel times the whole
    kernel (a 1x1 conv with ``C_out*kH*kW`` outputs), then col2im; the bias is a separate
    element-wise add over the output (it cannot be folded before the overlap-add)."""
    x, w, out = info.shape(a["input"]), info.shape(a["weight"]), info.shape(node)
    if len(w) not in (3, 4):
        raise Unmapped(f"{len(w) - 2}-D transposed convolution is not in the IR")
    groups = int(a.get("groups", 1))
    c_out = w[1] * groups
    batched = len(x) == len(w)
    spatial = x[2:] if batched else x[1:]
    in_h, in_w = (1, spatial[0]) if len(w) == 3 else (spatial[0], spatial[1])
    conv = {
        "batch": x[0] if batched else 1,
        "in_channels": w[0],
        "out_channels": c_out * _prod(w[2:]),
        "in_h": in_h,
        "in_w": in_w,
        "kernel": (1, 1),
        "groups": groups,
        "bias": False,
    }
    specs: list[Any] = [(Conv2d, conv)]
    if a.get("bias") is not None:
        add = {"function": "add", "elements": _prod(out), "num_inputs": 1, "param_count": c_out}
        specs.append(("bias", Elementwise, add))
    return specs


def _triple(values: Any, default: int) -> tuple[int, int, int]:
    if isinstance(values, int):
        return (values, values, values)
    values = [int(v) for v in values] or [default]
    return tuple(values * 3)[:3] if len(values) == 1 else (values[0], values[1], values[2])


def _conv3d(x: tuple, w: tuple, out: tuple, a: dict[str, Any]) -> OpSpec:
    """A 3-D convolution as a 2-D one over stacked depth slices (workload/lift3d.py)."""
    if len(x) == 4:  # unbatched (C, D, H, W)
        x, out = (1, *x), (1, *out)
    ks, strides = w[2:], _triple(a.get("stride", 1), 1)
    dil = _triple(a.get("dilation", 1), 1)
    if not isinstance(a.get("padding", 0), str):
        pads = _triple(a.get("padding", 0), 0)
    else:  # 'same' / 'valid': derived from the output shape
        pads = tuple(
            max((o - 1) * s + d * (k - 1) + 1 - i, 0) // 2
            for i, o, k, s, d in zip(x[2:], out[2:], ks, strides, dil, strict=True)
        )
    pads_hw = (pads[1], pads[2], pads[1], pads[2])
    groups, bias = int(a.get("groups", 1)), a.get("bias") is not None
    return Conv2d, conv3d_fields(x, w[0], out[2], ks, strides, dil, pads_hw, groups, bias)


def _conv(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec | list[Any]:
    if a.get("transposed"):
        return _conv_transpose(node, a, info)
    x, w, out = info.shape(a["input"]), info.shape(a["weight"]), info.shape(node)
    if len(w) == 3:  # conv1d: treat the sequence as a 1 x L image
        x = (x[0], x[1], 1, x[2]) if len(x) == 3 else (1, x[0], 1, x[1])
        out = (out[0], out[1], 1, out[2]) if len(out) == 3 else (1, out[0], 1, out[1])
        w = (w[0], w[1], 1, w[2])
        # The height of the lifted image is 1: its stride and dilation are 1 and its
        # padding is 0 (the default d of each argument); only the width takes the value.
        lift = lambda v, d: (d, _pair(v, d)[0])  # noqa: E731
    elif len(w) == 4:
        if len(x) == 3:  # unbatched
            x, out = (1, *x), (1, *out)
        lift = _pair
    elif len(w) == 5:
        return _conv3d(x, w, out, a)
    else:
        raise Unmapped(f"{len(w) - 2}-D convolution is not in the IR (1-D, 2-D and 3-D)")
    stride = lift(a.get("stride", 1), 1)
    dilation = lift(a.get("dilation", 1), 1)
    kernel = (w[2], w[3])
    pad_arg = a.get("padding", 0)
    if isinstance(pad_arg, str):  # 'same' / 'valid': derive from the output shape
        pads = []
        for size, o, k, s, d in zip(x[2:], out[2:], kernel, stride, dilation, strict=True):
            total = max((o - 1) * s + d * (k - 1) + 1 - size, 0)
            pads.append((total // 2, total - total // 2))
        padding = (pads[0][0], pads[1][0], pads[0][1], pads[1][1])
    else:
        ph, pw = lift(pad_arg, 0)
        padding = (ph, pw, ph, pw)
    return Conv2d, {
        "batch": x[0],
        "in_channels": x[1],
        "out_channels": w[0],
        "in_h": x[2],
        "in_w": x[3],
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "groups": int(a.get("groups", 1)),
        "bias": a.get("bias") is not None,
    }


def _linear(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    x, w = info.shape(a["input"]), info.shape(a["weight"])
    rows = _prod(x) // x[-1]
    if not info.is_param(a["weight"]):  # F.linear with a computed weight: a plain product
        return MatMul, {"batch": 1, "m": rows, "k": w[1], "n": w[0]}
    bias = a.get("bias") is not None
    return Linear, {"rows": rows, "in_features": w[1], "out_features": w[0], "bias": bias}


def _grouped_mm(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    """Mixture-of-experts expert GEMMs (``grouped_mm``): ``x [T', K]`` holds every routed
    (token, expert) pair sorted by expert, ``w [E, K, N]`` every expert's weight, so the
    MACs are ``T' K N`` (``T' = tokens x top_k``: each token through its top-k experts)
    and the parameters all ``E`` experts'."""
    args = [v for v in node.args if info.is_tensor(v)]
    if len(args) < 2:
        raise Unmapped("grouped_mm without an input and a weight tensor")
    x, w = info.shape(args[0]), info.shape(args[1])
    if len(x) != 2 or len(w) != 3 or w[1] != x[1]:
        raise Unmapped(
            f"grouped_mm of shapes {tuple(x)} and {tuple(w)} (expected [T, K], [E, K, N])"
        )
    return Linear, {
        "rows": x[0],
        "in_features": w[1],
        "out_features": w[2],
        "bias": False,
        "param_count": _prod(w),
    }


def _einsum(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    """A two-operand einsum contraction as one batched GEMM (workload/einsum.py); an
    operand that is a parameter makes it a ``Linear`` when it has no batch index."""
    from accelscope.workload.einsum import EinsumError, lower_einsum

    equation = a.get("equation")
    operands = list(a.get("tensors") or [])
    try:
        gemm = lower_einsum(str(equation), [tuple(info.shape(t)) for t in operands])
    except EinsumError as exc:
        raise Unmapped(str(exc)) from None
    kind, fields = gemm.layer(tuple(info.is_param(t) for t in operands))
    return (Linear if kind == "linear" else MatMul), fields


def _vector(function: str) -> Handler:
    """Element-wise vector work over the *input*'s elements (routing: top-k, sort, histogram)."""

    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        source = next((v for v in node.args if info.is_tensor(v)), None)
        elements = _prod(info.shape(source)) if source is not None else 0
        if elements == 0:
            return ShapeOp, {"function": "identity", "elements": 0}
        return Elementwise, {"function": function, "elements": elements, "num_inputs": 1}

    return handler


def _matmul_spec(a_val: Any, b_val: Any, node: Any, info: NodeInfo, bias: bool) -> OpSpec:
    sa, sb, out = info.shape(a_val), info.shape(b_val), info.shape(node)
    if info.is_param(b_val) and len(sb) == 2:
        rows = _prod(sa) // sa[-1] if len(sa) > 1 else 1
        return Linear, {"rows": rows, "in_features": sb[0], "out_features": sb[1], "bias": bias}
    if info.is_param(a_val) and len(sa) == 2:  # W @ x: every column of x is a row
        rows = max(_prod(out) // sa[0], 1)
        return Linear, {"rows": rows, "in_features": sa[1], "out_features": sa[0], "bias": bias}
    m = sa[-2] if len(sa) > 1 else 1
    k = sa[-1]
    n = sb[-1] if len(sb) > 1 else 1
    batch = max(_prod(out) // (m * n), 1)
    return MatMul, {"batch": batch, "m": m, "k": k, "n": n}


def _mm(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    first = a.get("self", a.get("input"))
    second = a.get("mat2", a.get("other"))
    return _matmul_spec(first, second, node, info, bias=False)


def _addmm(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    first = a.get("mat1", a.get("batch1"))
    second = a.get("mat2", a.get("batch2"))
    return _matmul_spec(first, second, node, info, bias=a.get("self") is not None)


def _sdpa(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    q, k = info.shape(a["query"]), info.shape(a["key"])
    lead = q[:-2]
    batch = lead[0] if len(lead) >= 2 else 1
    heads = _prod(lead[1:]) if len(lead) >= 2 else _prod(lead)
    return Attention, {
        "batch": batch,
        "heads": max(heads, 1),
        "head_dim": q[-1],
        "seq_q": q[-2],
        "seq_kv": k[-2],
    }


def _recurrent(cls: type[OpBase], gates: int, **extra: Any) -> Handler:
    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        params = list(a["params"])
        layers = int(a["num_layers"])
        dirs = 2 if a["bidirectional"] else 1
        per = 4 if a["has_biases"] else 2
        projected = cls is LSTM and len(params) == layers * dirs * (per + 1)
        if len(params) != layers * dirs * per and not projected:
            raise Unmapped(f"recurrent layer with {len(params)} weight tensors")
        fields = dict(extra)
        if projected:  # W_hr [proj_size, hidden] follows each direction's weights
            fields["proj_size"] = info.shape(params[per])[0]
        x = info.shape(a["input"])
        if len(x) == 2:  # unbatched (T, I)
            batch, seq = 1, x[0]
        elif a["batch_first"]:
            batch, seq = x[0], x[1]
        else:
            seq, batch = x[0], x[1]
        return cls, {
            "batch": batch,
            "seq_len": seq,
            "input_size": x[-1],
            "hidden_size": info.shape(params[0])[0] // gates,
            "num_layers": layers,
            "bidirectional": dirs == 2,
            "bias": bool(a["has_biases"]),
            **fields,
        }

    return handler


def _embedding(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    w = info.shape(a["weight"])
    return Embedding, {
        "tokens": max(_prod(info.shape(a["indices"])), 1),
        "num_embeddings": w[0],
        "embedding_dim": w[1],
    }


# ---- vector operators ---------------------------------------------------------------------
def _tensor_inputs(node: Any, info: NodeInfo) -> int:
    count = 0
    for arg in node.args:
        items = arg if isinstance(arg, (list, tuple)) else [arg]
        count += sum(1 for item in items if info.is_tensor(item))
    return max(count, 1)


def _elementwise(function: str) -> Handler:
    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        elements = _prod(info.shape(node))
        if elements == 0:
            return ShapeOp, {"function": "identity", "elements": 0}
        return Elementwise, {
            "function": function,
            "elements": elements,
            "num_inputs": _tensor_inputs(node, info),
        }

    return handler


def _hardtanh(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    lo, hi = a.get("min_val", -1.0), a.get("max_val", 1.0)
    return _elementwise("relu6" if (lo, hi) == (0.0, 6.0) else "clip")(node, a, info)


def _cast(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    source = next((v for v in node.args if info.is_tensor(v)), None)
    if source is None or info.dtype(source) == info.dtype(node):
        return ShapeOp, {"function": "identity", "elements": _prod(info.shape(node))}
    return _elementwise("cast")(node, a, info)


def _norm(kind: str) -> Handler:
    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        x = info.shape(a["input"])
        if kind in ("layer", "rms"):
            channels = _prod(a["normalized_shape"])
        else:
            channels = x[1] if len(x) > 1 else x[0]
        return Norm, {
            "norm": kind,
            "elements": _prod(x),
            "channels": channels,
            "affine": a.get("weight") is not None,
        }

    return handler


def _softmax(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    x = info.shape(a["self"])
    if not x:
        return Softmax, {"rows": 1, "length": 1}
    length = x[int(a["dim"]) % len(x)]
    return Softmax, {"rows": _prod(x) // length, "length": length}


def _pool_fields(x: tuple[int, ...]) -> dict[str, Any]:
    if len(x) == 3:  # unbatched (C, H, W)
        x = (1, *x)
    return {"batch": x[0], "channels": x[1], "in_h": x[2], "in_w": x[3]}


def _pool1d(mode: str) -> Handler:
    """1-D pooling of ``(N, C, L)`` (or ``(C, L)``) as 2-D pooling of a ``1 x L`` image."""

    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        x = info.shape(a["self"])
        if len(x) not in (2, 3):
            raise Unmapped(f"{len(x)}-D input to 1-D pooling")
        n, c, length = (1, *x) if len(x) == 2 else x
        if _pair(a.get("dilation", 1), 1)[0] != 1:
            raise Unmapped("dilated pooling is not in the IR")
        k = _pair(a["kernel_size"], 1)[0]
        stride = _pair(a.get("stride") or k, 1)[0]
        pad = _pair(a.get("padding", 0), 0)[0]
        return Pool2d, {
            "mode": mode,
            "batch": n,
            "channels": c,
            "in_h": 1,
            "in_w": length,
            "kernel": (1, k),
            "stride": (1, stride),
            "padding": (0, pad, 0, pad),
            "ceil_mode": bool(a.get("ceil_mode", False)),
        }

    return handler


def _pool(mode: str) -> Handler:
    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        x = info.shape(a["self"])
        if len(x) not in (3, 4):
            raise Unmapped(f"{len(x)}-D input to 2-D pooling is not in the IR")
        if _pair(a.get("dilation", 1), 1) != (1, 1):
            raise Unmapped("dilated pooling is not in the IR")
        kernel = _pair(a["kernel_size"], 1)
        stride = _pair(a.get("stride") or kernel, 1)
        ph, pw = _pair(a.get("padding", 0), 0)
        return Pool2d, {
            "mode": mode,
            **_pool_fields(x),
            "kernel": kernel,
            "stride": stride,
            "padding": (ph, pw, ph, pw),
            "ceil_mode": bool(a.get("ceil_mode", False)),
        }

    return handler


def _adaptive_pool1d(mode: str) -> Handler:
    """1-D adaptive pooling on ``(N, C, L)`` (or unbatched ``(C, L)``) as 2-D pooling of a
    ``1 x L`` image (Swin's pooler averages its tokens this way)."""

    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        x = info.shape(a["self"])
        if len(x) not in (2, 3):
            raise Unmapped(f"{len(x)}-D input to 1-D adaptive pooling")
        n, c, length = (1, *x) if len(x) == 2 else x
        fields = {"batch": n, "channels": c, "in_h": 1, "in_w": length}
        out = info.shape(node)[-1]
        if out == 1:
            return Pool2d, {"mode": mode, **fields, "global_pool": True}
        stride = max(length // out, 1)
        kernel = length - (out - 1) * stride
        return Pool2d, {"mode": mode, **fields, "kernel": (1, kernel), "stride": (1, stride)}

    return handler


def _pool3d(mode: str) -> Handler:
    """3-D max/avg pooling, separably (workload/lift3d.py): ``<name>`` and
    ``<name>/depth``."""

    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> list[Any]:
        x, out = info.shape(a["self"]), info.shape(node)
        if len(x) == 4:  # unbatched (C, D, H, W)
            x, out = (1, *x), (1, *out)
        if len(x) != 5:
            raise Unmapped(f"{len(x)}-D input to 3-D pooling")
        if _triple(a.get("dilation", 1), 1) != (1, 1, 1):
            raise Unmapped("dilated pooling is not in the IR")
        kernel = _triple(a["kernel_size"], 1)
        stride = _triple(a.get("stride") or kernel, 1)
        pad = _triple(a.get("padding", 0), 0)
        plane, depth = pool3d_fields(
            mode, x, (out[3], out[4]), kernel, stride, (pad[0], pad[0]),
            (pad[1], pad[2], pad[1], pad[2]), bool(a.get("ceil_mode", False)),
        )  # fmt: skip
        return [(Pool2d, plane), ("depth", Pool2d, depth)]

    return handler


def _adaptive_pool3d(mode: str) -> Handler:
    """Global 3-D adaptive pooling (video networks' head) as a global pool over D x (H W);
    other output sizes are not modeled (a clear error)."""

    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        x = info.shape(a["self"])
        if len(x) == 4:  # unbatched (C, D, H, W)
            x = (1, *x)
        if len(x) != 5 or tuple(info.shape(node)[-3:]) != (1, 1, 1):
            raise Unmapped("3-D adaptive pooling to an output other than 1x1x1")
        fields = {"batch": x[0], "channels": x[1], "in_h": x[2], "in_w": x[3] * x[4]}
        return Pool2d, {"mode": mode, **fields, "global_pool": True}

    return handler


def _weight_norm(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
    """``w = g * v / ||v||`` recomputed from the parameters at every forward: vector work
    over the weight (``weight_norm``: square, accumulate, scale); the layer that reads
    ``w`` costs the GEMM and counts ``w``'s elements (= ``v``), this one counts ``g``."""
    v, g = info.shape(a["v"]), info.shape(a["g"])
    return Elementwise, {
        "function": "weight_norm",
        "elements": _prod(v),
        "num_inputs": 1,
        "param_count": _prod(g),
    }


def _adaptive_pool(mode: str) -> Handler:
    """Adaptive pooling: 1x1 output is a global pool; otherwise uniform windows with
    stride ``in // out`` and the kernel that yields exactly ``out`` windows (exact when
    ``in`` is a multiple of ``out``, a close approximation otherwise)."""

    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        x = info.shape(a["self"])
        if len(x) not in (3, 4):
            raise Unmapped(f"{len(x)}-D input to 2-D adaptive pooling is not in the IR")
        fields = _pool_fields(x)
        out = info.shape(node)[-2:]
        if tuple(out) == (1, 1):
            return Pool2d, {"mode": mode, **fields, "global_pool": True}
        stride = tuple(max(i // o, 1) for i, o in zip(x[-2:], out, strict=True))
        kernel = tuple(i - (o - 1) * s for i, o, s in zip(x[-2:], out, stride, strict=True))
        return Pool2d, {"mode": mode, **fields, "kernel": kernel, "stride": stride}

    return handler


def _reduce(mode: str) -> Handler:
    """Reductions (mean/sum/amax): a global mean over H, W of an NCHW tensor is a global
    average pool; any other reduction is a pool of window ``reduced elements`` over one
    channel per output element, which costs the same vector work."""

    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        x = info.shape(a["self"])
        out_elements = max(_prod(info.shape(node)), 1)
        dims = a.get("dim")
        if dims is not None and not isinstance(dims, (list, tuple)):
            dims = [dims]
        if len(x) == 4 and dims is not None and sorted(int(d) % 4 for d in dims) == [2, 3]:
            return Pool2d, {"mode": mode, **_pool_fields(x), "global_pool": True}
        window = max(_prod(x) // out_elements, 1)
        return Pool2d, {
            "mode": mode,
            "batch": 1,
            "channels": out_elements,
            "in_h": window,
            "in_w": 1,
            "global_pool": True,
        }

    return handler


def _max_min(mode: str) -> Handler:
    """``max``/``min``: element-wise with a second tensor, otherwise a reduction."""
    binary, reduce = _elementwise(mode), _reduce(mode if mode == "max" else "max")

    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        if info.is_tensor(a.get("other")):
            return binary(node, a, info)
        return reduce(node, a, info)

    return handler


def _shape(function: str) -> Handler:
    def handler(node: Any, a: dict[str, Any], info: NodeInfo) -> OpSpec:
        val = node.meta.get("val")
        elements = _prod(info.shape(node)) if info.is_tensor(node) else 0
        if isinstance(val, (list, tuple)):
            elements = sum(_prod(v.shape) for v in val if hasattr(v, "shape"))
        return ShapeOp, {"function": function, "elements": elements}

    return handler


# ---- the table ----------------------------------------------------------------------------
#: Element-wise ATen operators -> IR element-wise function. Comparisons count one
#: subtract-like op per element, logical and/or one min/max, cumulative sums one add.
ELEMENTWISE_ATEN: dict[str, str] = {
    **{name: name for name in ("add", "sub", "mul", "div", "neg", "abs", "relu", "sigmoid")},
    **{name: name for name in ("tanh", "exp", "log", "sqrt", "rsqrt", "erf", "pow", "gelu")},
    **{name: name for name in ("silu", "hardswish", "hardsigmoid", "mish", "softplus", "elu")},
    **{name: name for name in ("leaky_relu", "prelu", "where", "relu6")},
    "multiply": "mul",
    "subtract": "sub",
    "divide": "div",
    "rsub": "sub",
    "true_divide": "div",
    "floor_divide": "div",
    "reciprocal": "div",
    "square": "mul",
    "maximum": "max",
    "minimum": "min",
    "clamp_min": "max",
    "clamp_max": "min",
    "clamp": "clip",
    "clip": "clip",
    "masked_fill": "where",
    "log1p": "log",
    "expm1": "exp",
    "sin": "exp",
    "cos": "exp",
    **{name: "sub" for name in ("eq", "ne", "lt", "le", "gt", "ge", "diff")},
    **{name: "min" for name in ("logical_and", "bitwise_and", "__and__")},
    **{name: "max" for name in ("logical_or", "bitwise_or", "__or__")},
    **{name: "neg" for name in ("logical_not", "bitwise_not")},
    "cumsum": "add",
    **{name: "abs" for name in ("ceil", "floor", "round", "trunc", "sign", "frac")},
    "upsample_linear1d": "interp_linear",
    "upsample_bilinear2d": "interp_bilinear",
    "_upsample_bilinear2d_aa": "interp_bilinear",
    "upsample_trilinear3d": "interp_trilinear",
    "upsample_bicubic2d": "interp_bicubic",
    "_upsample_bicubic2d_aa": "interp_bicubic",
}

#: Layout/copy/constant ATen operators -> ShapeOp function (no arithmetic).
SHAPE_ATEN: dict[str, str] = {
    **{name: "reshape" for name in ("view", "reshape", "_unsafe_view", "view_as", "unflatten")},
    "reshape_as": "reshape",
    **{name: "gather" for name in ("im2col", "unfold", "col2im")},
    **{name: "transpose" for name in ("transpose", "t", "swapaxes", "mT", "numpy_T")},
    "permute": "permute",
    **{name: "reshape" for name in ("pixel_shuffle", "pixel_unshuffle")},
    "flatten": "flatten",
    **{name: "concat" for name in ("cat", "concat", "concatenate", "stack", "hstack")},
    **{name: "split" for name in ("split", "split_with_sizes", "chunk", "unbind", "tensor_split")},
    **{name: "slice" for name in ("slice", "select", "narrow", "slice_scatter")},
    "squeeze": "squeeze",
    "unsqueeze": "unsqueeze",
    **{name: "expand" for name in ("expand", "expand_as", "repeat", "tile", "broadcast_to")},
    "repeat_interleave": "expand",
    **{name: "gather" for name in ("gather", "index", "index_select", "take", "embedding_bag")},
    **{name: "scatter" for name in ("index_put", "index_add", "scatter", "scatter_add")},
    **{name: "identity" for name in ("contiguous", "clone", "alias", "detach", "lift_fresh_copy")},
    **{name: "identity" for name in ("flip", "roll", "copy", "view_as_real", "resolve_conj")},
    **{
        name: "dropout"
        for name in ("dropout", "feature_dropout", "alpha_dropout", "native_dropout")
    },
    **{name: "resize" for name in ("upsample_nearest1d", "upsample_nearest2d")},
    **{name: "resize" for name in ("_upsample_nearest_exact1d", "_upsample_nearest_exact2d")},
    **{name: "pad" for name in ("pad", "constant_pad_nd", "reflection_pad2d", "replication_pad2d")},
    **{name: "constant" for name in ("zeros", "ones", "full", "empty", "arange", "scalar_tensor")},
    **{name: "constant" for name in ("zeros_like", "ones_like", "full_like", "empty_like")},
    **{name: "constant" for name in ("new_zeros", "new_ones", "new_full", "new_empty", "tril")},
    **{name: "constant" for name in ("triu", "rand", "randn", "rand_like", "randn_like")},
}

HANDLERS: dict[str, Handler] = {
    **{name: _conv for name in ("conv2d", "conv1d", "conv3d", "convolution", "_convolution")},
    **{name: _conv_transpose for name in ("conv_transpose1d", "conv_transpose2d")},
    "linear": _linear,
    **{name: _mm for name in ("mm", "matmul", "bmm")},
    **{name: _grouped_mm for name in ("grouped_mm_fallback", "_grouped_mm", "grouped_mm")},
    "einsum": _einsum,
    "avg_pool1d": _pool1d("avg"),
    "max_pool1d": _pool1d("max"),
    # MoE routing: one comparison per routed score (documented stand-in for top-k / sort),
    # one add per element for the per-expert histogram.
    **{name: _vector("max") for name in ("topk", "sort", "argsort")},
    "histc": _vector("add"),
    **{name: _addmm for name in ("addmm", "baddbmm")},
    "scaled_dot_product_attention": _sdpa,
    "lstm": _recurrent(LSTM, 4),
    "gru": _recurrent(GRU, 3),
    "rnn_tanh": _recurrent(RNN, 1, nonlinearity="tanh"),
    "rnn_relu": _recurrent(RNN, 1, nonlinearity="relu"),
    "embedding": _embedding,
    "hardtanh": _hardtanh,
    **{name: _cast for name in ("to", "_to_copy", "type_as")},
    "batch_norm": _norm("batch"),
    "_native_batch_norm_legit_no_training": _norm("batch"),
    **{name: _norm("layer") for name in ("layer_norm", "native_layer_norm")},
    "group_norm": _norm("group"),
    "instance_norm": _norm("instance"),
    "rms_norm": _norm("rms"),
    **{name: _softmax for name in ("softmax", "_softmax", "log_softmax", "_log_softmax")},
    **{name: _pool("max") for name in ("max_pool2d", "max_pool2d_with_indices")},
    "avg_pool2d": _pool("avg"),
    "adaptive_avg_pool2d": _adaptive_pool("avg"),
    "_adaptive_avg_pool2d": _adaptive_pool("avg"),
    "adaptive_max_pool2d": _adaptive_pool("max"),
    "adaptive_avg_pool1d": _adaptive_pool1d("avg"),
    "adaptive_max_pool1d": _adaptive_pool1d("max"),
    "adaptive_avg_pool3d": _adaptive_pool3d("avg"),
    "max_pool3d": _pool3d("max"),
    "max_pool3d_with_indices": _pool3d("max"),
    "avg_pool3d": _pool3d("avg"),
    "_adaptive_avg_pool3d": _adaptive_pool3d("avg"),
    "adaptive_max_pool3d": _adaptive_pool3d("max"),
    **{name: _weight_norm for name in ("_weight_norm", "_weight_norm_interface")},
    **{name: _reduce("avg") for name in ("mean", "sum")},
    **{name: _reduce("max") for name in ("amax", "amin", "argmax", "argmin")},
    "max": _max_min("max"),
    "min": _max_min("min"),
    **{name: _elementwise(fn) for name, fn in ELEMENTWISE_ATEN.items()},
    **{name: _shape(fn) for name, fn in SHAPE_ATEN.items()},
}

#: Nodes that produce no tensor work and no layer (assertions, symbolic sizes).
SKIPPED_ATEN = frozenset(
    {
        "_assert_tensor_metadata",
        "_assert_async",
        "_assert_scalar",
        "sym_size",
        "sym_numel",
        "sym_stride",
        "sym_storage_offset",
        "sym_constrain_range",
        "sym_constrain_range_for_size",
        "_functional_sym_constrain_range",
        "_functional_assert_async",
    }
)


def op_key(target: Any) -> str:
    """The ATen packet name of an FX call target (``'conv2d'``, ``'relu_'`` -> ``'relu'``)."""
    packet = getattr(target, "overloadpacket", None)
    name = packet.__name__ if packet is not None else getattr(target, "__name__", str(target))
    if name.endswith("_") and not name.endswith("__") and name[:-1] in HANDLERS:
        return name[:-1]  # in-place variant
    return name


def short_name(key: str) -> str:
    """A readable layer-name suffix for an ATen packet name."""
    if key == "scaled_dot_product_attention":
        return "attention"
    return key.strip("_") or key


def bind_args(node: Any) -> dict[str, Any]:
    """The node's arguments by schema name, with schema defaults for omitted ones."""
    schema = getattr(node.target, "_schema", None)
    if schema is None:
        return {f"arg{i}": v for i, v in enumerate(node.args)} | dict(node.kwargs)
    bound: dict[str, Any] = {}
    for i, arg in enumerate(schema.arguments):
        if i < len(node.args):
            bound[arg.name] = node.args[i]
        elif arg.name in node.kwargs:
            bound[arg.name] = node.kwargs[arg.name]
        elif arg.has_default_value():
            bound[arg.name] = arg.default_value
        else:
            bound[arg.name] = None
    return bound
