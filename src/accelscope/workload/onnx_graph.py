"""Graph preparation for the ONNX importer: weights, input shapes, inference, constness.

Everything here works on a *skeleton* of the model: large initializers (and any whose data
is external or missing) are turned into graph inputs carrying only their shape, so
checking and shape inference never touch weight data and shape-only files behave exactly
like full ones. Small initializers (shape vectors, axes, scalars) keep their values for
ONNX's data propagation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx

from accelscope.errors import InputFileError, ShapeInferenceError, SpecError, suggest

#: Initializers with more elements than this are stripped to their shape before checking
#: and inference (their values are never needed; only shape tensors are read).
KEEP_DATA_MAX_ELEMENTS = 1024

#: (op_type, input index) slots that hold learned weights. A graph input (not an
#: initializer) whose every use is one of these slots is treated as a weight, which
#: covers shape-only files that declare weights as graph inputs.
WEIGHT_SLOTS: frozenset[tuple[str, int]] = frozenset(
    [("Conv", 1), ("Conv", 2), ("ConvTranspose", 1), ("ConvTranspose", 2)]
    + [("Gemm", 1), ("Gemm", 2), ("PRelu", 1)]
    + [("BatchNormalization", i) for i in (1, 2, 3, 4)]
    + [(op, i) for op in ("InstanceNormalization", "LayerNormalization") for i in (1, 2)]
    + [(op, i) for op in ("GroupNormalization", "RMSNormalization") for i in (1, 2)]
    + [(op, i) for op in ("LSTM", "GRU", "RNN") for i in (1, 2, 3)]
    + [("LSTM", 7), ("Gather", 0)]
)

_DATA_FIELDS = (
    "float_data",
    "int32_data",
    "string_data",
    "int64_data",
    "double_data",
    "uint64_data",
)


def _has_inline_data(t: onnx.TensorProto) -> bool:
    if t.data_location == onnx.TensorProto.EXTERNAL:
        return False
    return bool(t.raw_data) or any(len(getattr(t, f)) for f in _DATA_FIELDS)


def _dims(vi: onnx.ValueInfoProto) -> tuple[int | None, ...] | None:
    """Static dims of a value (None for an unknown dim); None when the rank is unknown."""
    tt = vi.type.tensor_type
    if not vi.type.HasField("tensor_type") or not tt.HasField("shape"):
        return None
    return tuple(
        d.dim_value if d.HasField("dim_value") and d.dim_value >= 0 else None for d in tt.shape.dim
    )


def numel(dims: tuple[int, ...]) -> int:
    """Element count of a static shape."""
    return int(math.prod(dims))


@dataclass
class GraphInfo:
    """Everything the node mappers need to know about the (prepared) graph."""

    path: str
    graph: onnx.GraphProto
    #: Static (possibly partial) shape of every tensor shape inference could reach.
    shapes: dict[str, tuple[int | None, ...]] = field(default_factory=dict)
    #: Learned tensors: original initializers and weight-like graph inputs.
    weights: set[str] = field(default_factory=set)
    #: Tensors whose value is known before run time (weights, constants, folded nodes).
    const: set[str] = field(default_factory=set)
    #: tensor name -> [(node index, input index)] of its consumers.
    consumers: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: Non-weight graph inputs (activations) in declaration order.
    activation_inputs: list[str] = field(default_factory=list)
    graph_outputs: set[str] = field(default_factory=set)

    def example_shape_flag(self) -> str:
        """``--input-shape NAME=d0,d1,...`` for the first activation input (unknown -> 1)."""
        if not self.activation_inputs:
            return "--input-shape NAME=1,3,224,224"
        name = self.activation_inputs[0]
        dims = self.shapes.get(name)
        text = ",".join(str(d or 1) for d in dims) if dims else "1,3,224,224"
        return f"--input-shape {name}={text}"


def load_model(path: Path) -> onnx.ModelProto:
    """Read the protobuf without external weight data; one-line errors for bad files."""
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if not path.is_file():
        raise InputFileError(f"{path}: not a regular file")
    try:
        return onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # DecodeError, OSError, ...
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"{path}: not an ONNX model file ({detail})") from None


#: Smallest matrix compared for ties (smaller ones can be equal by coincidence).
TIE_MIN_ELEMENTS = 1024


def tied_weights(model: onnx.ModelProto) -> dict[str, str]:
    """``{initializer: the earlier initializer it repeats}`` for 2-D weights stored twice.

    Exporters write a tied weight (an output projection that shares the token embedding)
    as a second, transposed copy; the file keeps no tie. A matrix whose values equal an
    earlier one, or its transpose, is the same parameter. Only inline data is compared
    (matrices of at least :data:`TIE_MIN_ELEMENTS` elements that are not one repeated
    value); a file without weight data cannot show its ties.
    """
    import hashlib

    from onnx import numpy_helper

    def digest(a: np.ndarray) -> bytes:
        text = f"{a.shape}{a.dtype}".encode()
        return hashlib.blake2b(text + np.ascontiguousarray(a).tobytes(), digest_size=20).digest()

    seen: dict[bytes, str] = {}
    ties: dict[str, str] = {}
    for t in model.graph.initializer:
        if len(t.dims) != 2 or not t.raw_data or numel(tuple(t.dims)) < TIE_MIN_ELEMENTS:
            continue
        a = numpy_helper.to_array(t)
        if a.dtype.kind not in "fiu" or a.min() == a.max():
            continue
        own = digest(a)
        first = seen.get(own) or seen.get(digest(a.T))
        if first is not None:
            ties[t.name] = first
        else:
            seen[own] = t.name
    return ties


def strip_weights(model: onnx.ModelProto) -> dict[str, tuple[int, ...]]:
    """Replace large/external/data-less initializers by shape-only graph inputs, in place.

    Returns the shape of every original initializer (the learned and constant tensors).
    """
    graph = model.graph
    shapes: dict[str, tuple[int, ...]] = {}
    keep: list[onnx.TensorProto] = []
    moved: list[onnx.TensorProto] = []
    for t in graph.initializer:
        dims = tuple(int(d) for d in t.dims)
        shapes[t.name] = dims
        n = numel(dims)
        if n == 0 or (n <= KEEP_DATA_MAX_ELEMENTS and _has_inline_data(t)):
            keep.append(t)
        else:
            moved.append(t)
    if moved:
        declared = {i.name for i in graph.input}
        new_inputs = [
            onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
            for t in moved
            if t.name not in declared
        ]
        kept = [onnx.TensorProto() for _ in keep]
        for dst, src in zip(kept, keep, strict=True):
            dst.CopyFrom(src)
        del graph.initializer[:]
        graph.initializer.extend(kept)
        graph.input.extend(new_inputs)
    return shapes


def ensure_opset(model: onnx.ModelProto, path: Path) -> onnx.ModelProto:
    """Convert models older than opset 13 to opset 13 (the importer's baseline)."""
    version = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    if version is None or version >= 13:
        return model
    try:
        from onnx import version_converter

        return version_converter.convert_version(model, 13)
    except Exception as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(
            f"{path}: opset {version} is older than 13 and could not be converted ({detail}); "
            "re-export the model with opset_version>=13"
        ) from None


def repair_exporter_quirks(model: onnx.ModelProto) -> int:
    """Fix, in place, what current exporters write that their declared opset forbids.

    ``Split(num_outputs=n)`` is opset 18, but the dynamo exporter also writes it into
    opset-17 files; before opset 18 a ``Split`` without sizes cuts its axis into as many
    equal parts as it has outputs, which is the same split when the attribute equals the
    output count (an uneven split then fails shape inference, naming the node). Returns
    the number of nodes changed.
    """
    version = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 18)
    if version >= 18:
        return 0
    changed = 0
    for node in model.graph.node:
        if node.op_type != "Split" or node.domain not in ("", "ai.onnx"):
            continue
        keep = [
            a for a in node.attribute
            if not (a.name == "num_outputs" and a.i == len(node.output))
        ]  # fmt: skip
        if len(keep) != len(node.attribute):
            del node.attribute[:]
            node.attribute.extend(keep)
            changed += 1
    return changed


def check_model(model: onnx.ModelProto, path: Path) -> None:
    """Run the ONNX checker; raise InputFileError naming the file on failure."""
    try:
        onnx.checker.check_model(model)
    except Exception as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = "; ".join(lines[:2]) if lines else type(exc).__name__
        raise InputFileError(f"{path}: not a valid ONNX model ({detail})") from None


def weight_like_inputs(graph: onnx.GraphProto, initializers: set[str]) -> set[str]:
    """Graph inputs (not initializers) used only in weight slots (see WEIGHT_SLOTS).

    A rank-2 right operand of MatMul also counts: it is shared by every row of A, which
    is exactly the structure of a fully connected weight.
    """
    uses: dict[str, list[bool]] = {}
    ranks = {i.name: len(i.type.tensor_type.shape.dim) for i in graph.input}
    candidates = {i.name for i in graph.input} - initializers
    for node in graph.node:
        for idx, name in enumerate(node.input):
            if name in candidates:
                is_weight = (node.op_type, idx) in WEIGHT_SLOTS or (
                    node.op_type == "MatMul" and idx == 1 and ranks.get(name) == 2
                )
                uses.setdefault(name, []).append(is_weight)
    return {name for name, flags in uses.items() if flags and all(flags)}


def apply_input_shapes(
    model: onnx.ModelProto,
    path: Path,
    weights: set[str],
    input_shapes: dict[str, list[int]] | None,
    batch: int | None,
) -> list[str]:
    """Override graph input shapes; return the activation (non-weight) inputs in order."""
    graph = model.graph
    by_name = {i.name: i for i in graph.input if i.name not in weights}
    for name, dims in (input_shapes or {}).items():
        if name not in by_name:
            raise SpecError(
                f"{path}: input_shapes names '{name}', which is not an input of the model "
                f"(inputs: {', '.join(by_name) or 'none'}){suggest(name, list(by_name))}"
            )
        if not dims or any(not isinstance(d, int) or d <= 0 for d in dims):
            raise SpecError(
                f"{path}: input_shapes['{name}'] must be a list of positive integers, got {dims}"
            )
        _set_dims(by_name[name], list(dims))
    activations = [n for n in by_name if n not in weights]
    if batch is not None:
        if batch <= 0:
            raise SpecError(f"{path}: batch must be a positive integer, got {batch}")
        for name in activations:
            vi = by_name[name]
            dims = _dims(vi)
            if dims:
                _set_dims(vi, [batch, *(d if d is not None else 0 for d in dims[1:])], keep=True)
    if input_shapes or batch is not None:
        # Shapes recorded at export time describe the old inputs: let inference redo them.
        del graph.value_info[:]
        for out in graph.output:
            if out.type.HasField("tensor_type"):
                out.type.tensor_type.ClearField("shape")
    return activations


def _set_dims(vi: onnx.ValueInfoProto, dims: list[int], keep: bool = False) -> None:
    """Set the shape of *vi*; with ``keep``, a 0 keeps the existing (possibly symbolic) dim."""
    shape = vi.type.tensor_type.shape
    old = list(shape.dim)
    saved = [onnx.TensorShapeProto.Dimension() for _ in old]
    for dst, src in zip(saved, old, strict=True):
        dst.CopyFrom(src)
    shape.ClearField("dim")
    for i, d in enumerate(dims):
        new = shape.dim.add()
        if keep and d == 0 and i < len(saved):
            new.CopyFrom(saved[i])
        else:
            new.dim_value = d


def check_static_inputs(model: onnx.ModelProto, path: Path, weights: set[str]) -> None:
    """Every consumed non-initializer input must have a fully static shape."""
    used = {name for node in model.graph.node for name in node.input}
    for vi in model.graph.input:
        if vi.name in weights or vi.name not in used:
            continue
        dims = _dims(vi)
        if dims is None:
            raise ShapeInferenceError(
                f"{path}: input '{vi.name}' has no declared shape; give one with "
                f"--input-shape {vi.name}=1,3,224,224 (input_shapes in Python)"
            )
        for i, d in enumerate(dims):
            if d is None or d == 0:
                label = vi.type.tensor_type.shape.dim[i].dim_param or "?"
                example = ",".join(str(x or 1) for x in dims)
                hint = " or --batch N" if i == 0 else ""
                raise ShapeInferenceError(
                    f"{path}: input '{vi.name}' has dynamic dimension {i} ('{label}'); fix it "
                    f"with --input-shape {vi.name}={example}{hint} (input_shapes/batch in Python)"
                )


#: Largest tensor the shape-computation folding evaluates (shape vectors, small masks).
FOLD_MAX_ELEMENTS = 4096
#: Operators never evaluated by the folding (random, or costed GEMM-like work).
_NO_FOLD = frozenset(
    {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Multinomial",
     "MatMul", "Gemm", "Conv", "ConvTranspose", "MatMulInteger", "Einsum", "If", "Loop",
     "Scan"}
)  # fmt: skip


def fold_shape_computations(model: onnx.ModelProto, max_rounds: int = 8) -> int:
    """Evaluate, in place, the small constant sub-graphs exporters write to compute shapes.

    Exporters compute sizes, position-id slices and masks from ``Shape`` with chains of
    ``Gather``, ``ConstantOfShape``, ``Equal``, ``Where``, ``Range``, ... that ONNX shape
    inference cannot see through, leaving later shapes unknown. Every node whose inputs
    are known constants (``Constant`` outputs, integer or boolean initializers, ``Shape``
    of a static tensor, earlier folded outputs) and whose outputs have at most
    :data:`FOLD_MAX_ELEMENTS` elements is evaluated with ONNX's reference evaluator and
    replaced by ``Constant`` nodes of the same name, which the importer costs as zero
    like any folded node. Learned (floating-point) weights are never read. Returns the
    number of nodes folded.
    """
    from onnx import numpy_helper
    from onnx.reference import ReferenceEvaluator

    graph = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
    known: dict[str, np.ndarray] = {}
    for t in graph.initializer:
        if t.data_type in (6, 7, 9, 12, 13) and numel(tuple(t.dims)) <= FOLD_MAX_ELEMENTS:
            known[t.name] = numpy_helper.to_array(t)
    outputs = {o.name for o in graph.output}
    folded = 0
    for _ in range(max_rounds):
        try:
            inferred = onnx.shape_inference.infer_shapes(model, check_type=False, data_prop=True)
        except Exception:
            return folded
        shapes = {}
        for vi in [*inferred.graph.input, *inferred.graph.value_info, *inferred.graph.output]:
            dims = _dims(vi)
            if dims is not None and all(d is not None for d in dims):
                shapes[vi.name] = tuple(int(d) for d in dims)
        progress = 0
        new_nodes = []
        for node in graph.node:
            values = _fold_node(node, known, shapes, outputs, opset, ReferenceEvaluator)
            if values is None:
                new_nodes.append(node)
                continue
            for out, value in zip(node.output, values, strict=True):
                known[out] = value
                const = onnx.helper.make_node(
                    "Constant",
                    [],
                    [out],
                    name=node.name if out == node.output[0] else f"{node.name}/{out}",
                    value=numpy_helper.from_array(np.asarray(value), out),
                )
                new_nodes.append(const)
            progress += 1
        if not progress:
            break
        folded += progress
        del graph.node[:]
        graph.node.extend(new_nodes)
    return folded


def _remember_constant(node, known: dict[str, np.ndarray]) -> None:
    """Record a small ``Constant`` node's value (any form of its value attribute)."""
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    if "value" in attrs:
        from onnx import numpy_helper

        value = numpy_helper.to_array(attrs["value"])
    elif "value_int" in attrs or "value_ints" in attrs:
        value = np.array(attrs.get("value_int", attrs.get("value_ints")), dtype=np.int64)
    elif "value_float" in attrs or "value_floats" in attrs:
        value = np.array(attrs.get("value_float", attrs.get("value_floats")), dtype=np.float32)
    else:
        return
    if value.size <= FOLD_MAX_ELEMENTS:
        known[node.output[0]] = value


def _fold_node(node, known, shapes, outputs, opset, evaluator) -> list[np.ndarray] | None:
    """The values of *node*'s outputs when it can be folded (see fold_shape_computations)."""
    if node.op_type == "Constant" or node.domain not in ("", "ai.onnx"):
        if node.op_type == "Constant" and node.output and node.output[0] not in known:
            _remember_constant(node, known)
        return None
    if node.op_type in _NO_FOLD or any(o in outputs for o in node.output):
        return None
    if any(o in known for o in node.output):
        return None
    if node.op_type in ("Shape", "Size"):
        dims = shapes.get(node.input[0])
        if dims is None:
            return None
        if node.op_type == "Size":
            return [np.array(numel(dims), dtype=np.int64)]
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        start, end = attrs.get("start", 0), attrs.get("end", len(dims))
        return [np.array(dims[slice(start, end)], dtype=np.int64)]
    inputs = [t for t in node.input if t]
    if not inputs or not all(t in known for t in inputs):
        return None
    try:
        run = evaluator(node, opsets={"": opset}) if opset else evaluator(node)
        with np.errstate(all="ignore"):  # e.g. casting a -inf mask fill to an integer
            values = run.run(None, {t: known[t] for t in inputs})
    except Exception:
        return None
    if any(np.asarray(v).size > FOLD_MAX_ELEMENTS for v in values):
        return None
    return [np.asarray(v) for v in values]


def infer_shapes(model: onnx.ModelProto, path: Path) -> onnx.ModelProto:
    """ONNX shape inference with data propagation (strict: inconsistencies are errors)."""
    try:
        return onnx.shape_inference.infer_shapes(
            model, check_type=False, strict_mode=True, data_prop=True
        )
    except Exception as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = lines[0] if lines else type(exc).__name__
        detail = detail.replace("[ShapeInferenceError] Inference error(s): ", "")
        raise ShapeInferenceError(
            f"{path}: shape inference failed: {detail}; check the input shapes "
            "(e.g. --input-shape NAME=1,3,224,224)"
        ) from None


def build_info(
    inferred: onnx.ModelProto,
    path: Path,
    initializer_shapes: dict[str, tuple[int, ...]],
    weights: set[str],
    activation_inputs: list[str],
) -> GraphInfo:
    """Collect shapes, weights, constness and consumers of the inferred graph."""
    graph = inferred.graph
    info = GraphInfo(path=str(path), graph=graph)
    for vi in [*graph.input, *graph.value_info, *graph.output]:
        dims = _dims(vi)
        if dims is not None:
            info.shapes[vi.name] = dims
    info.shapes.update(initializer_shapes)
    info.weights = set(weights)
    info.activation_inputs = [n for n in activation_inputs if n not in info.weights]
    info.graph_outputs = {o.name for o in graph.output}
    info.const = set(info.weights)
    for ni, node in enumerate(graph.node):
        for ii, name in enumerate(node.input):
            if name:
                info.consumers.setdefault(name, []).append((ni, ii))
        if node.op_type == "Constant" and node.output:
            for attr in node.attribute:
                if attr.name == "value" and attr.HasField("t"):
                    info.shapes[node.output[0]] = tuple(int(d) for d in attr.t.dims)
    return info
