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
    RNN,
    Attention,
    Conv2d,
    Embedding,
    Linear,
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
    ties = og.tied_weights(model)
    init_shapes = og.strip_weights(model)
    og.repair_exporter_quirks(model)
    og.check_model(model, path)
    model = og.ensure_opset(model, path)
    weights = set(init_shapes) | og.weight_like_inputs(model.graph, set(init_shapes))
    activations = og.apply_input_shapes(model, path, weights, input_shapes, batch)
    og.check_static_inputs(model, path, weights)
    og.fold_shape_computations(model)
    inferred = og.infer_shapes(model, path)
    info = og.build_info(inferred, path, init_shapes, weights, activations)
    layers = _map_nodes(info, path, allow_unsupported, ties)
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


def _map_nodes(
    info: og.GraphInfo, path: Path, allow_unsupported: bool, ties: dict[str, str] | None = None
) -> list[OpBase]:
    mapper = Mapper(info)
    nodes = list(info.graph.node)
    names = _unique_names(nodes)
    # Expanded layers (ConvTranspose bias) get a suffix; reserve the node names first.
    taken = set(names)
    producer: dict[str, str] = {}
    activation_inputs = set(info.activation_inputs)
    layers: list[OpBase] = []
    params = _ParamRoots(info, ties or {})
    for i, proto in enumerate(nodes):
        if i in mapper.absorbed:
            for out in proto.output:
                producer[out] = mapper.absorbed[i]
            params.read(mapper.absorbed[i], proto.input)
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
            params.derive(proto.input, proto.output)
        else:
            ops = _map_one(mapper, node, path, allow_unsupported)
            if len(ops) == 1:
                params.read(ops[0].name, proto.input)
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
    return params.deduplicated(layers)


#: Layers whose parameters are the learned tensors they read (GEMM operands, tables).
_WEIGHT_READERS = (Linear, Conv2d, Embedding, MatMul)


def _elem_types(info: og.GraphInfo) -> dict[str, int]:
    """ONNX element type of every initializer and declared graph input."""
    types = {v.name: int(v.type.tensor_type.elem_type) for v in info.graph.input}
    types.update({t.name: int(t.data_type) for t in info.graph.initializer})
    return types


#: Initializer types that hold indices, shapes or masks, never learned parameters
#: (position ids, token types, reshape targets); quantized weights (int8/uint8) and
#: biases (int32) count.
_INDEX_TYPES = frozenset({7, 9, 13})  # INT64, BOOL, UINT64


class _ParamRoots:
    """Which learned initializers each layer reads, through any constant-folded chain
    (a transpose, a slice, a product of weights), so every initializer is counted once:
    at the first layer that reads it. Tied weights (GPT-2's ``lm_head`` reads the token
    embedding), the slices of one fused QKV weight, and an unrolled RNN's recurrent
    weights (one MatMul per step) are each one tensor; so is a weight the exporter wrote
    twice (a transposed copy for a tied output projection)."""

    def __init__(self, info: og.GraphInfo, ties: dict[str, str]) -> None:
        self.info = info
        types = _elem_types(info)
        learned = {w for w in info.weights if types.get(w) not in _INDEX_TYPES}
        # A repeated copy of a weight (see og.tied_weights) is that weight.
        self.roots: dict[str, frozenset[str]] = {w: frozenset([ties.get(w, w)]) for w in learned}
        self.by_layer: dict[str, set[str]] = {}

    def _of(self, tensors) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for t in tensors:
            out |= self.roots.get(t, frozenset())
        return out

    def derive(self, inputs, outputs) -> None:
        """A folded node: its outputs carry the weights its inputs came from."""
        roots = self._of(inputs)
        if roots:
            for o in outputs:
                if o:
                    self.roots[o] = roots

    def read(self, layer: str, inputs) -> None:
        self.by_layer.setdefault(layer, set()).update(self._of(inputs))

    def _elements(self, root: str) -> int:
        dims = self.info.shapes.get(root)
        if dims is None or any(d is None for d in dims):
            return 0
        return og.numel(tuple(int(d) for d in dims))

    def deduplicated(self, layers: list[OpBase]) -> list[OpBase]:
        """*layers* with ``param_count`` set where the initializers a weight-reading layer
        reads differ from its shape-derived count (shared, sliced or multiplied weights);
        scalars (scales, zero points, epsilons) are not parameters."""
        counted: set[str] = set()
        out = []
        for op in layers:
            roots = self.by_layer.get(op.name, set())
            if isinstance(op, _WEIGHT_READERS) and roots and op.param_count is None:
                new = roots - counted
                count = sum(n for r in new if (n := self._elements(r)) > 1)
                counted |= roots
                if count != op.used_params():
                    op = op.model_copy(update={"param_count": count})
            out.append(op)
        return out


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
    if kinds & {LSTM, GRU, RNN}:
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
        rnn = next(op for op in layers if isinstance(op, (LSTM, GRU, RNN)))
        batch, seq_len = rnn.batch, rnn.seq_len  # inputs may be sequence-first
    elif family == "transformer" and first and len(first) == 2:
        seq_len = int(first[1] or 1) or None  # token ids [batch, seq]
    return Network(
        name=name, family=family, batch=batch, seq_len=seq_len, source=str(path), layers=layers
    )
