"""The network set of a multi-application run: model names, files, and YAML set files.

A MODEL argument is a zoo name, a network file (``.onnx`` / ``.yaml``), or a *network set*
file: a YAML file whose top level is a list, or a mapping with a ``networks`` list::

    spec_version: 1            # optional
    networks:
      - resnet-50              # shorthand: a zoo name or a path, weight 1
      - model: bert-base       # zoo name, or a path (relative to this file)
        weight: 2              # optional, >= 0, relative (normalized to sum 1)
        seq_len: 256           # optional, overrides --seq-len
        batch: 1               # optional, overrides --batch
        name: bert-256         # optional display name (default: the network's name)

Weights are relative deployment shares; entries without one get weight 1 when any entry of
the run has one. Display names are made unique by appending ``#2``, ``#3``, ...
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from accelscope.errors import SpecError
from accelscope.workload.network import Network


class _EntrySpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    model: str = Field(min_length=1)
    weight: float | None = Field(default=None, ge=0)
    batch: int | None = Field(default=None, gt=0)
    seq_len: int | None = Field(default=None, gt=0)
    name: str | None = Field(default=None, min_length=1)


class _SetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    spec_version: int = 1
    name: str = ""
    description: str = ""
    networks: list[_EntrySpec] = Field(min_length=1)


@dataclass(frozen=True)
class NetworkEntry:
    """One member of the set before loading (CLI argument or set-file entry)."""

    model: str
    weight: float | None = None
    batch: int | None = None
    seq_len: int | None = None
    name: str | None = None


def _read_yaml(path: Path) -> Any:
    from accelscope.yamlfile import read_yaml

    return read_yaml(path)


def _is_set_document(data: Any) -> bool:
    return isinstance(data, list) or (
        isinstance(data, dict) and "networks" in data and "layers" not in data
    )


def read_network_set(path: str | Path) -> list[NetworkEntry]:
    """Entries of a network-set YAML file (paths resolved relative to the file)."""
    from accelscope.workload.yaml_import import format_validation_error

    path = Path(path)
    data = _read_yaml(path)
    if not _is_set_document(data):
        raise SpecError(f"{path}: expected a list of networks or a mapping with 'networks'")
    if isinstance(data, list):
        data = {"networks": data}
    raw = data.get("networks")
    if isinstance(raw, list):
        data = dict(data)
        data["networks"] = [{"model": e} if isinstance(e, str) else e for e in raw]
    if data.get("spec_version", 1) != 1:
        raise SpecError(
            f"{path}: spec_version: unsupported version {data['spec_version']!r}; expected 1"
        )
    try:
        spec = _SetSpec.model_validate(data)
    except ValidationError as err:
        raise SpecError(format_validation_error(err, str(path), data)) from None
    out = []
    for e in spec.networks:
        model = e.model
        candidate = path.parent / model
        looks_like_file = "/" in model or Path(model).suffix != ""
        if looks_like_file and not Path(model).is_absolute() and candidate.exists():
            model = str(candidate)
        out.append(NetworkEntry(model, e.weight, e.batch, e.seq_len, e.name))
    return out


def expand_models(models: list[str]) -> list[NetworkEntry]:
    """CLI MODEL arguments -> entries; network-set YAML files expand to their entries."""
    entries: list[NetworkEntry] = []
    for model in models:
        path = Path(model)
        if path.suffix.lower() in (".yaml", ".yml") and path.is_file():
            data = _read_yaml(path)
            if _is_set_document(data):
                entries.extend(read_network_set(path))
                continue
        entries.append(NetworkEntry(model))
    return entries


def load_entry(
    entry: NetworkEntry,
    batch: int | None,
    seq_len: int | None,
    *,
    input_shapes: dict[str, list[int]] | None = None,
    allow_unsupported: bool = False,
) -> Network:
    """Load one entry. Its own batch/seq_len win over the run's; the run's ``seq_len``
    applies only to networks that have a sequence dimension (so CNNs and Transformers
    can share one ``--seq-len``). *input_shapes* and *allow_unsupported* apply to ONNX
    files (``--input-shape``, ``--allow-unsupported``)."""
    from functools import partial

    from accelscope.workload import load_model

    for flag, value in (("--batch", batch), ("--seq-len", seq_len)):
        if value is not None and value <= 0:
            raise SpecError(f"{flag} must be a positive integer, got {value}")
    load = partial(load_model, input_shapes=input_shapes, allow_unsupported=allow_unsupported)
    b = entry.batch if entry.batch is not None else batch
    if entry.seq_len is not None:
        return load(entry.model, batch=b, seq_len=entry.seq_len)
    net = load(entry.model, batch=b)
    if seq_len is not None and net.seq_len is not None and net.seq_len != seq_len:
        net = load(entry.model, batch=b, seq_len=seq_len)
    return net


def unique_names(names: list[str]) -> list[str]:
    """Append ``#2``, ``#3``... to repeated names (first occurrence unchanged)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def load_network_set(
    models: list[str],
    *,
    weights: list[float] | None = None,
    batch: int | None = None,
    seq_len: int | None = None,
    input_shapes: dict[str, list[int]] | None = None,
    allow_unsupported: bool = False,
) -> tuple[list[Network], list[str], list[float] | None]:
    """Load MODEL arguments into (networks, unique display names, weights or None).

    *weights* (``--weights``) must have one value per network after set files are
    expanded; it overrides weights written in set files.
    """
    entries = expand_models(models)
    if not entries:
        raise SpecError("give at least one network (a zoo name, a file, or a network-set YAML)")
    if weights is not None and len(weights) != len(entries):
        raise SpecError(
            f"--weights has {len(weights)} values but {len(entries)} "
            f"network{'s were' if len(entries) != 1 else ' was'} given; "
            "give one weight per network"
        )
    nets = [
        load_entry(
            e, batch, seq_len, input_shapes=input_shapes, allow_unsupported=allow_unsupported
        )
        for e in entries
    ]
    names = unique_names([e.name or net.name for e, net in zip(entries, nets, strict=True)])
    if weights is None and any(e.weight is not None for e in entries):
        weights = [1.0 if e.weight is None else e.weight for e in entries]
    return nets, names, weights


def parse_weights(text: str | None) -> list[float] | None:
    """``"3,1,1"`` -> ``[3.0, 1.0, 1.0]``; one clear error for a malformed list."""
    if text is None:
        return None
    items = [t.strip() for t in text.split(",")]
    try:
        values = [float(t) for t in items]
    except ValueError:
        raise SpecError(
            f"--weights '{text}': expected comma-separated numbers, e.g. --weights 3,1,1"
        ) from None
    for v in values:
        if not v >= 0 or v == float("inf"):
            raise SpecError(f"--weights '{text}': weights must be non-negative numbers, got {v:g}")
    return values
