"""Load hand-written networks from YAML (schema in docs/workloads.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from accelscope.errors import InputFileError, SpecError
from accelscope.workload.network import Network

#: Fields that take the network-level default when a layer leaves them out.
_BATCH_FIELDS = {"conv2d": "batch", "matmul": "batch", "lstm": "batch", "gru": "batch",
                 "attention": "batch", "pool2d": "batch"}


def format_validation_error(err: ValidationError, source: str, root: Any = None) -> str:
    """One line naming the file, the field path and what was expected."""
    first = err.errors()[0]
    parts: list[str] = []
    loc = list(first["loc"])
    node: Any = root
    for item in loc:
        if isinstance(item, int):
            name = None
            if isinstance(node, list) and 0 <= item < len(node) and isinstance(node[item], dict):
                name = node[item].get("name")
            parts.append(f"[{item}]" + (f"({name})" if name else ""))
            node = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
        else:
            if isinstance(node, dict) and item in node:
                node = node[item]
            elif not (isinstance(node, dict) and "op" in node and item == node.get("op")):
                node = None if not isinstance(node, dict) else node
            if isinstance(node, dict) and node.get("op") == item:
                continue  # discriminator tag, not a real field
            parts.append(("." if parts else "") + str(item))
    path = "".join(parts) or "(top level)"
    msg = first["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    extra = len(err.errors()) - 1
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
    if isinstance(layers, list):
        new_layers = []
        for layer in layers:
            if isinstance(layer, dict):
                layer = dict(layer)
                field = _BATCH_FIELDS.get(layer.get("op"))
                if field and (field not in layer or (batch is not None and layer[field] == file_batch)):
                    layer[field] = data.get("batch", 1)
            new_layers.append(layer)
        data["layers"] = new_layers
    try:
        return Network.model_validate(data)
    except ValidationError as err:
        raise SpecError(format_validation_error(err, source, data)) from None


def from_yaml(
    path: str | Path, *, batch: int | None = None, seq_len: int | None = None
) -> Network:
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
