"""Import a PyTorch module into the workload IR via ``torch.export`` on the meta device.

The module is copied with every parameter and buffer replaced by a *meta* tensor (shape and
dtype only, no storage), put in eval mode, and exported with ``torch.export.export``
(non-strict). The exported ATen graph is walked in execution order; each node maps to one
IR operator (:mod:`accelscope.workload.torch_aten`). No weight memory is allocated and the
module passed in is left untouched.

Parameters are counted once each, at the first operator that consumes them: an operator
that reuses an already-counted parameter (GPT-2's ``lm_head`` tied to ``wte``) reports
only its new parameters, so ``Network.total_params()`` equals the number of distinct
parameters used by ``forward``.
"""

from __future__ import annotations

import copy
import re
import warnings
from typing import Any

from pydantic import ValidationError

from accelscope.errors import (
    AccelscopeError,
    ShapeInferenceError,
    UnsupportedOperatorError,
)
from accelscope.workload.network import Network
from accelscope.workload.ops import OpBase, ShapeOp, Unsupported
from accelscope.workload.torch_aten import (
    HANDLERS,
    SKIPPED_ATEN,
    Unmapped,
    bind_args,
    op_key,
    short_name,
)

#: View-like operators through which a parameter stays "the same weight" (a transposed
#: weight fed to ``mm`` is still a weight; it is counted at the consumer).
_WEIGHT_VIEWS = frozenset(
    {"t", "transpose", "permute", "view", "reshape", "_unsafe_view", "expand", "contiguous"}
    | {"clone", "detach", "alias", "to", "_to_copy", "type_as", "unsqueeze", "squeeze"}
    | {"slice", "select", "flatten", "lift_fresh_copy", "unflatten", "narrow"}
    | {"split", "split_with_sizes", "chunk", "unbind", "tensor_split"}
)


def _require_torch() -> Any:
    try:
        import torch
        import torch.export  # noqa: F401
    except ImportError:
        raise AccelscopeError(
            "importing PyTorch models needs PyTorch; "
            "install it with 'pip install accelscope[torch]'"
        ) from None
    return torch


# ---- parameter-count override -------------------------------------------------------------
def _with_params(op: OpBase, count: int) -> OpBase:
    """*op* reporting ``count`` parameters (tied or chunked weights are counted once).

    Uses the IR's ``param_count`` field: the weight actually read is still
    ``weight_elements()`` (memory traffic); only the parameter count changes.
    """
    return op.model_copy(update={"param_count": count})


# ---- meta copies ----------------------------------------------------------------------------
def _meta_module(module: Any, torch: Any) -> Any:
    """A deep copy of *module* whose parameters and buffers live on the meta device."""
    memo: dict[int, Any] = {}
    for p in module.parameters():
        meta = torch.empty_like(p, device="meta")
        memo[id(p)] = torch.nn.Parameter(meta, requires_grad=p.requires_grad)
    for b in module.buffers():
        memo[id(b)] = torch.empty_like(b, device="meta")
    try:
        clone = copy.deepcopy(module, memo)
    except Exception as err:  # noqa: BLE001 - any copy failure is a user-facing problem
        raise AccelscopeError(
            f"could not copy module {type(module).__name__} to the meta device: {_first_line(err)}"
        ) from None
    clone = clone.to("meta")
    clone.eval()
    config = getattr(clone, "config", None)
    if getattr(config, "use_cache", False):  # HF models: no KV cache objects in the output
        config.use_cache = False
    return clone


def _meta_value(value: Any, torch: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return torch.empty(value.shape, dtype=value.dtype, device="meta")
    if isinstance(value, torch.Size) or (
        isinstance(value, (list, tuple)) and value and all(type(v) is int for v in value)
    ):
        return torch.empty(tuple(value), device="meta")
    if isinstance(value, (list, tuple)):
        return type(value)(_meta_value(v, torch) for v in value)
    if isinstance(value, dict):
        return {k: _meta_value(v, torch) for k, v in value.items()}
    return value


def _meta_inputs(example_inputs: Any, torch: Any) -> tuple[tuple, dict]:
    """Positional and keyword example inputs as meta tensors (shapes become float32)."""
    if isinstance(example_inputs, dict):
        return (), {k: _meta_value(v, torch) for k, v in example_inputs.items()}
    if isinstance(example_inputs, (torch.Tensor, torch.Size)):
        return (_meta_value(example_inputs, torch),), {}
    if isinstance(example_inputs, (list, tuple)):
        if example_inputs and all(type(v) is int for v in example_inputs):
            return (_meta_value(example_inputs, torch),), {}
        return tuple(_meta_value(v, torch) for v in example_inputs), {}
    raise AccelscopeError(
        "example_inputs must be a tensor, a shape, a tuple of those, or a dict of keyword "
        f"inputs, not {type(example_inputs).__name__}"
    )


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    line = next((t.strip() for t in text if t.strip()), type(err).__name__)
    line = re.sub(r"\s+", " ", line)
    return line if len(line) <= 240 else line[:237] + "..."


# ---- graph walk -----------------------------------------------------------------------------
class _Walker:
    """Maps the nodes of one exported program to IR operators, in order."""

    def __init__(self, ep: Any, root: Any, net_name: str, allow_unsupported: bool, torch: Any):
        self.torch = torch
        self.root = root
        self.net_name = net_name
        self.allow_unsupported = allow_unsupported
        self.graph = ep.graph
        self.param_of: dict[str, tuple[str, ...]] = {}  # node name -> parameter FQNs
        self.numel: dict[str, int] = {}
        self.user_inputs: list[Any] = []
        kinds = {}
        for spec in ep.graph_signature.input_specs:
            kinds[spec.arg.name] = (str(spec.kind).rsplit(".", 1)[-1], spec.target)
        for node in self.graph.nodes:
            if node.op != "placeholder":
                continue
            kind, target = kinds.get(node.name, ("USER_INPUT", None))
            if kind == "PARAMETER":
                self.param_of[node.name] = (target,)
                self.numel[target] = int(node.meta["val"].numel())
            elif kind == "USER_INPUT":
                self.user_inputs.append(node)
        self.counted: set[str] = set()
        self.producer: dict[str, str] = {n.name: n.name for n in self.user_inputs}
        self.names: set[str] = set()
        self.layers: list[OpBase] = []

    # -- NodeInfo protocol (used by the handlers) --
    def _val(self, value: Any) -> Any:
        val = value.meta.get("val") if hasattr(value, "meta") else None
        if isinstance(val, (list, tuple)) and val:
            val = val[0]
        return val

    def is_tensor(self, value: Any) -> bool:
        return isinstance(self._val(value), self.torch.Tensor)

    def shape(self, value: Any) -> tuple[int, ...]:
        val = self._val(value)
        if not isinstance(val, self.torch.Tensor):
            raise ShapeInferenceError(f"{self.net_name}: node '{value}' has no tensor shape")
        try:
            return tuple(int(d) for d in val.shape)
        except Exception:  # noqa: BLE001 - symbolic size
            raise ShapeInferenceError(
                f"{self.net_name}: node '{value}' has a dynamic shape {tuple(val.shape)}; "
                "export with concrete example inputs"
            ) from None

    def dtype(self, value: Any) -> Any:
        val = self._val(value)
        return getattr(val, "dtype", None)

    def is_param(self, value: Any) -> bool:
        return bool(self.param_of.get(getattr(value, "name", None), ()))

    # -- naming --
    def _scope(self, node: Any) -> tuple[str, bool]:
        """(module path, is the module a leaf) of the innermost module running *node*."""
        stack = node.meta.get("nn_module_stack") or {}
        if not stack:
            return "", False
        path = list(stack.values())[-1][0]
        path = re.sub(r"^L\['self'\]\.?", "", str(path))
        try:
            module = self.root.get_submodule(path) if path else self.root
        except AttributeError:
            return path, False
        return path, path != "" and next(module.children(), None) is None

    def _name(self, node: Any, key: str, op_cls: type[OpBase]) -> str:
        path, leaf = self._scope(node)
        suffix = short_name(key)
        base = f"{path}.{suffix}" if path else suffix
        if leaf and op_cls is not ShapeOp:
            base = path
        return self._unique(base)

    def _unique(self, base: str) -> str:
        name, i = base, 0
        while name in self.names:
            i += 1
            name = f"{base}_{i}"
        self.names.add(name)
        return name

    # -- walk --
    def _flat(self, args: Any) -> list[Any]:
        out: list[Any] = []
        for arg in args:
            if isinstance(arg, (list, tuple)):
                out.extend(self._flat(arg))
            elif hasattr(arg, "op") and hasattr(arg, "meta"):
                out.append(arg)
        return out

    def run(self) -> list[OpBase]:
        for node in self.graph.nodes:
            if node.op == "call_function":
                self._visit(node)
            elif node.op in ("call_module", "call_method"):
                self._unsupported(node, str(node.target), "not an ATen operator")
        return self.layers

    def _visit(self, node: Any) -> None:
        key = op_key(node.target)
        sources = self._flat(list(node.args) + list(node.kwargs.values()))
        if key in SKIPPED_ATEN or key == "getitem" or not self._produces_tensor(node):
            for src in sources:  # pass through (getitem of lstm outputs, split chunks)
                if src.name in self.producer:
                    self.producer[node.name] = self.producer[src.name]
                    break
            if key == "getitem" and sources and sources[0].name in self.param_of:
                self.param_of[node.name] = self.param_of[sources[0].name]
            return
        params = tuple(p for s in sources for p in self.param_of.get(s.name, ()))
        if key in _WEIGHT_VIEWS and params and len(sources) == 1:
            self.param_of[node.name] = params  # a view of a weight is still that weight
            return
        handler = HANDLERS.get(key)
        if handler is None:
            self._unsupported(node, key, "no mapping to the accelscope IR", params, sources)
            return
        try:
            specs = handler(node, bind_args(node), self)
        except Unmapped as why:
            self._unsupported(node, key, str(why), params, sources)
            return
        if not isinstance(specs, list):
            specs = [specs]
        op_cls, fields = specs[0]
        name = self._name(node, key, op_cls)
        ops = [self._build(node, key, name, op_cls, fields, self._inputs(sources))]
        for suffix, extra_cls, extra_fields in specs[1:]:
            extra = self._unique(f"{name}.{suffix}")
            ops.append(self._build(node, key, extra, extra_cls, extra_fields, (ops[-1].name,)))
        self._emit(node, ops, params)

    def _build(
        self, node: Any, key: str, name: str, cls: type[OpBase], fields: dict, inputs: tuple
    ) -> OpBase:
        try:
            return cls(name=name, inputs=inputs, **fields)
        except ValidationError as err:
            msg = err.errors()[0]["msg"].removeprefix("Value error, ")
            raise ShapeInferenceError(
                f"{self.net_name}: node '{node.name}' ({key}, layer '{name}'): {msg}"
            ) from None

    def _produces_tensor(self, node: Any) -> bool:
        val = node.meta.get("val")
        if isinstance(val, (list, tuple)):
            return any(isinstance(v, self.torch.Tensor) for v in val)
        return isinstance(val, self.torch.Tensor)

    def _inputs(self, sources: list[Any]) -> tuple[str, ...]:
        names: list[str] = []
        for src in sources:
            name = self.producer.get(src.name)
            if name is not None and name not in names:
                names.append(name)
        return tuple(names)

    def _emit(self, node: Any, ops: list[OpBase], params: tuple[str, ...]) -> None:
        """Append the node's operators; parameters not yet counted go to these operators
        (the first one absorbs any difference from the shape-derived count)."""
        new = [p for p in dict.fromkeys(params) if p not in self.counted]
        self.counted.update(new)
        count = sum(self.numel[p] for p in new)
        rest = sum(op.params() for op in ops[1:])
        if ops[0].params() != count - rest:
            ops[0] = _with_params(ops[0], max(count - rest, 0))
        self.layers.extend(ops)
        self.producer[node.name] = ops[-1].name

    def _unsupported(
        self,
        node: Any,
        key: str,
        reason: str,
        params: tuple[str, ...] = (),
        sources: list[Any] | None = None,
    ) -> None:
        path, _ = self._scope(node)
        where = f"node '{node.name}'" + (f" in module '{path}'" if path else "")
        if not self.allow_unsupported:
            raise UnsupportedOperatorError(
                f"{self.net_name}: unsupported PyTorch operator '{key}' at {where} ({reason}); "
                "pass allow_unsupported=True to cost it as zero and continue"
            )
        warnings.warn(
            f"{self.net_name}: unsupported PyTorch operator '{key}' at {where} ({reason}) "
            "is costed as zero",
            stacklevel=4,
        )
        name = self._name(node, key, Unsupported)
        op = Unsupported(name=name, op_type=key, reason=reason, inputs=self._inputs(sources or []))
        self._emit(node, [op], params)


def _family(layers: list[OpBase]) -> str:
    kinds = {op.kind for op in layers}
    if kinds & {"lstm", "gru", "rnn"}:
        return "rnn"
    if kinds & {"attention", "matmul"}:
        return "transformer"
    if "conv2d" in kinds:
        return "cnn"
    return "custom"


def from_torch(
    module: Any,
    example_inputs: Any,
    *,
    name: str | None = None,
    allow_unsupported: bool = False,
) -> Network:
    """Import a ``torch.nn.Module`` by exporting it on the meta device.

    *example_inputs* is a tensor, a shape (tuple of ints, float32 assumed), a tuple of
    tensors/shapes (positional inputs) or a dict (keyword inputs); only shapes and dtypes
    are used. The module is traced in eval mode on a meta copy, so no weight memory is
    allocated and *module* is not modified. Unsupported operators raise
    :class:`~accelscope.errors.UnsupportedOperatorError`, or become zero-cost
    :class:`~accelscope.workload.ops.Unsupported` placeholders (with a warning) when
    *allow_unsupported* is true.
    """
    torch = _require_torch()
    if not isinstance(module, torch.nn.Module):
        raise AccelscopeError(f"from_torch expects a torch.nn.Module, not {type(module).__name__}")
    net_name = name or type(module).__name__
    meta = _meta_module(module, torch)
    args, kwargs = _meta_inputs(example_inputs, torch)
    try:
        # Inference semantics: exporting without autograd also keeps `torch.no_grad()`
        # blocks inside forward (e.g. rotary embeddings) from becoming wrapper sub-graphs.
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            ep = torch.export.export(meta, args, kwargs=kwargs, strict=False)
    except AccelscopeError:
        raise
    except Exception as err:  # noqa: BLE001 - report any tracing failure in one sentence
        raise AccelscopeError(
            f"{net_name}: torch.export could not trace the module with the given example "
            f"inputs ({type(err).__name__}: {_first_line(err)})"
        ) from None
    layers = _Walker(ep, module, net_name, allow_unsupported, torch).run()
    if not layers:
        raise AccelscopeError(f"{net_name}: the exported graph contains no operators")
    first = next(iter(args), None)
    if first is None and kwargs:
        first = next(iter(kwargs.values()))
    batch, seq_len = 1, None
    if isinstance(first, torch.Tensor) and first.dim() >= 1:
        batch = int(first.shape[0])
        if first.dim() == 2 and not first.dtype.is_floating_point:
            seq_len = int(first.shape[1])
    recurrent = next((op for op in layers if op.kind in ("lstm", "gru", "rnn")), None)
    if recurrent is not None:
        batch, seq_len = recurrent.batch, recurrent.seq_len  # type: ignore[attr-defined]
    return Network(
        name=net_name,
        family=_family(layers),
        batch=batch,
        seq_len=seq_len,
        source=f"torch:{type(module).__module__}.{type(module).__qualname__}",
        layers=tuple(layers),
    )
