"""Import ONNX models into the workload IR (mapping rules: docs/importers-onnx.md).

Pipeline: load the protobuf without external weight data, strip large initializers to
shape-only inputs, check, upgrade to opset 13 if older, apply ``input_shapes``/``batch``,
infer shapes (with data propagation), then map every node in graph order to IR operators.
Weight values are never read, so files exported without their weight data import the
same way as full files.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from pydantic import ValidationError

from accelscope.errors import ShapeInferenceError, UnsupportedOperatorError
from accelscope.workload import onnx_graph as og
from accelscope.workload.network import Family, Network
from accelscope.workload.onnx_ops import Mapper, NodeRef, NotSupported, node_attrs
from accelscope.workload.ops import (
    GRU,
    LSTM,
    Attention,
    Conv2d,
    MatMul,
    OpBase,
    Softmax,
    Unsupported,
)

#: Operators with no inputs whose output is a run-time constant.
_SOURCE_OPS = frozenset({"Constant", "RandomNormal", "RandomUniform", "EyeLike"})


def from_onnx(
    path: str | Path,
    *,
    allow_unsupported: bool = False,
    input_shapes: dict[str, list[int]] | None = None,
    batch: int | None = None,
    name: str | None = None,
) -> Network:
    """Import the ONNX file at *path* as a :class:`Network`.

    ``input_shapes`` overrides graph input shapes (fixes dynamic dims); ``batch`` replaces
    the first dim of every activation input. With ``allow_unsupported`` an operator the
    IR cannot express becomes a zero-cost :class:`Unsupported` placeholder and a warning;
    otherwise it raises :class:`UnsupportedOperatorError`. The network is named *name*,
    or after the file stem.
    """
    path = Path(path)
    model = og.load_model(path)
    init_shapes = og.strip_weights(model)
    og.check_model(model, path)
    model = og.ensure_opset(model, path)
    weights = set(init_shapes) | og.weight_like_inputs(model.graph, set(init_shapes))
    activations = og.apply_input_shapes(model, path, weights, input_shapes, batch)
    og.check_static_inputs(model, path, weights)
    inferred = og.infer_shapes(model, path)
    info = og.build_info(inferred, path, init_shapes, weights, activations)
    layers = _map_nodes(info, path, allow_unsupported)
    if not layers:
        raise ShapeInferenceError(f"{path}: the graph has no nodes to import")
    return _network(layers, info, name or path.stem, path)


def _unique_names(nodes: list) -> list[str]:
    """Node names (``<op_type>_<index>`` when empty), suffixed ``_2``, ``_3``... if repeated."""
    seen: set[str] = set()
    out: list[str] = []
    for i, node in enumerate(nodes):
        base = node.name or f"{node.op_type}_{i}"
        name, k = base, 1
        while name in seen:
            k += 1
            name = f"{base}_{k}"
        seen.add(name)
        out.append(name)
    return out


def _map_nodes(info: og.GraphInfo, path: Path, allow_unsupported: bool) -> list[OpBase]:
    mapper = Mapper(info)
    nodes = list(info.graph.node)
    names = _unique_names(nodes)
    # Expanded layers (ConvTranspose bias) get a suffix; reserve the node names first.
    taken = set(names)
    producer: dict[str, str] = {}
    activation_inputs = set(info.activation_inputs)
    layers: list[OpBase] = []
    for i, proto in enumerate(nodes):
        if i in mapper.absorbed:
            for out in proto.output:
                producer[out] = mapper.absorbed[i]
            continue
        sources = []
        for t in proto.input:
            src = producer.get(t) or (t if t in activation_inputs else None)
            if src and src not in sources:
                sources.append(src)
        node = NodeRef(i, proto, names[i], tuple(sources), node_attrs(proto))
        folded = (not proto.input and proto.op_type in _SOURCE_OPS) or (
            proto.input and mapper.is_folded(node)
        )
        if folded:
            ops: list[OpBase] = [mapper.folded(node)]
            info.const.update(o for o in proto.output if o)
        else:
            ops = _map_one(mapper, node, path, allow_unsupported)
            if proto.op_type in ("Shape", "Size"):
                info.const.update(o for o in proto.output if o)
        for op in ops[1:]:
            if op.name in taken:
                raise ShapeInferenceError(
                    f"{path}: layer name '{op.name}' made for node '{node.name}' is already used"
                )
            taken.add(op.name)
        for out in proto.output:
            if out:
                producer[out] = ops[-1].name
        layers.extend(ops)
    return layers


def _map_one(mapper: Mapper, node: NodeRef, path: Path, allow_unsupported: bool) -> list[OpBase]:
    domain = node.proto.domain
    label = f"{domain}.{node.op_type}" if domain not in ("", "ai.onnx") else node.op_type
    try:
        return mapper.map(node)
    except NotSupported as exc:
        reason = str(exc)
    except ValidationError as exc:
        msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ShapeInferenceError(f"{path}: {label} node '{node.name}': {msg}") from None
    if not allow_unsupported:
        raise UnsupportedOperatorError(
            f"{path}: operator '{label}' (node '{node.name}') is not supported ({reason}); "
            "use --allow-unsupported to import it as a zero-cost placeholder"
        )
    warnings.warn(
        f"{path}: operator '{label}' (node '{node.name}') is not supported ({reason}); "
        "imported as a zero-cost placeholder",
        UserWarning,
        stacklevel=4,
    )
    return [Unsupported(name=node.name, inputs=node.inputs, op_type=label, reason=reason)]


def _family(layers: list[OpBase]) -> Family:
    kinds = {type(op) for op in layers}
    if kinds & {LSTM, GRU}:
        return "rnn"
    if Attention in kinds or (Softmax in kinds and MatMul in kinds):
        return "transformer"
    if Conv2d in kinds:
        return "cnn"
    return "custom"


def _network(layers: list[OpBase], info: og.GraphInfo, name: str, path: Path) -> Network:
    family = _family(layers)
    batch, seq_len = 1, None
    first = info.shapes.get(info.activation_inputs[0]) if info.activation_inputs else None
    if first:
        batch = int(first[0] or 1)
    if family == "rnn":
        rnn = next(op for op in layers if isinstance(op, (LSTM, GRU)))
        batch, seq_len = rnn.batch, rnn.seq_len  # inputs may be sequence-first
    elif family == "transformer" and first and len(first) == 2:
        seq_len = int(first[1] or 1) or None  # token ids [batch, seq]
    return Network(
        name=name, family=family, batch=batch, seq_len=seq_len, source=str(path), layers=layers
    )
