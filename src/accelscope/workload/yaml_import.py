"""Load hand-written networks from YAML (schema in docs/workloads.md)."""

from __future__ import annotations

import ast
import operator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from accelscope.errors import InputFileError, SpecError
from accelscope.limits import MAX_DIMENSION
from accelscope.workload.network import Network

#: Fields that take the network-level default when a layer leaves them out.
_BATCH_FIELDS = {
    "conv2d": "batch",
    "matmul": "batch",
    "lstm": "batch",
    "gru": "batch",
    "rnn": "batch",
    "attention": "batch",
    "pool2d": "batch",
}


#: Layer fields whose values are names, never size expressions.
_STRING_FIELDS = {
    "name", "op", "function", "norm", "mode", "op_type", "reason", "inputs", "nonlinearity",
}  # fmt: skip

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
}


def eval_size_expression(text: str, names: dict[str, int]) -> int | None:
    """Evaluate an integer size expression such as ``"batch * seq_len * 4"``.

    Only integer literals, the given *names* whose values are integers, ``+ - * //`` and
    parentheses are allowed, and every intermediate value stays within
    :data:`~accelscope.limits.MAX_DIMENSION`; this walks the syntax tree itself (no
    ``eval``). Returns None for anything else, so ordinary strings (``relu``) pass through
    untouched and then fail the field's integer check with a clear message.
    """

    ints = {k: v for k, v in names.items() if type(v) is int}  # never strings or lists

    def bounded(value: int) -> int:
        if abs(value) > MAX_DIMENSION:
            raise ValueError("too large")
        return value

    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return bounded(node.value)
        if isinstance(node, ast.Name) and node.id in ints:
            return bounded(ints[node.id])
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return bounded(_BINOPS[type(node.op)](walk(node.left), walk(node.right)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError("not a size expression")

    if not any(n in text for n in ints) or len(text) > 200:
        return None
    try:
        return walk(ast.parse(text, mode="eval"))
    except (SyntaxError, ValueError, ZeroDivisionError):
        return None


def format_validation_error(err: ValidationError, source: str, root: Any = None) -> str:
    """One line naming the file, the field path and what was expected."""
    errors = err.errors()
    # A failed item also makes pydantic report its container as too short; keep the cause.
    real = [e for e in errors if e["type"] != "too_short"] or errors
    first = real[0]
    parts: list[str] = []
    node: Any = root
    skip_tag: str | None = None
    for item in first["loc"]:
        if isinstance(item, int):
            item_node = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
            name = item_node.get("name") if isinstance(item_node, dict) else None
            parts.append(f"[{item}]" + (f"({name})" if name else ""))
            # pydantic puts the union tag (the op name) after a tagged item; skip it once.
            skip_tag = item_node.get("op") if isinstance(item_node, dict) else None
            node = item_node
            continue
        if skip_tag is not None and item == skip_tag:
            skip_tag = None
            continue
        skip_tag = None
        parts.append(("." if parts else "") + str(item))
        node = node.get(item) if isinstance(node, dict) else None
    path = "".join(parts) or "(top level)"
    msg = first["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    extra = len(real) - 1
    more = f" (and {extra} more problem{'s' if extra > 1 else ''})" if extra else ""
    return f"{source}: {path}: {msg}{more}"


def network_from_dict(
    data: Any, source: str = "<dict>", *, batch: int | None = None, seq_len: int | None = None
) -> Network:
    """Validate a YAML-style mapping into a :class:`Network`.

    Layers may omit ``batch``; they then take the network's ``batch`` (default 1).
    ``batch`` given here overrides the file's batch for every layer that used the default.
    """
    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping with 'name' and 'layers' at top level")
    data = dict(data)
    if "spec_version" in data and data["spec_version"] != 1:
        raise SpecError(
            f"{source}: spec_version: unsupported version {data['spec_version']!r}; expected 1"
        )
    file_batch = data.get("batch", 1)
    if batch is not None:
        data["batch"] = batch
    if seq_len is not None:
        data["seq_len"] = seq_len
    layers = data.get("layers")
    names = {"batch": data.get("batch", 1), "seq_len": data.get("seq_len") or 1}
    if isinstance(layers, list):
        new_layers = []
        for layer in layers:
            if isinstance(layer, dict):
                layer = dict(layer)
                for key, value in layer.items():
                    if isinstance(value, str) and key not in _STRING_FIELDS:
                        number = eval_size_expression(value, names)
                        if number is not None:
                            layer[key] = number
                field = _BATCH_FIELDS.get(layer.get("op"))
                if field and (
                    field not in layer or (batch is not None and layer[field] == file_batch)
                ):
                    layer[field] = data.get("batch", 1)
            new_layers.append(layer)
        data["layers"] = new_layers
    try:
        return Network.model_validate(data)
    except ValidationError as err:
        raise SpecError(format_validation_error(err, source, data)) from None


def from_yaml(path: str | Path, *, batch: int | None = None, seq_len: int | None = None) -> Network:
    """Load a network from a YAML file (``yaml.safe_load``; no code is executed)."""
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"{p}: no such file")
    if p.is_dir():
        raise InputFileError(f"{p}: is a directory, expected a YAML file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputFileError(f"{p}: not a text file (expected YAML)") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputFileError(f"{p}: not valid YAML{where}") from None
    return network_from_dict(data, str(p), batch=batch, seq_len=seq_len)
