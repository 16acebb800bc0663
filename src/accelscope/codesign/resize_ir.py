"""Apply width changes to the IR: resized layers and whole reshaped networks.

Field changes of several knobs add up (each is ``coef * (new - old)``, see
:mod:`accelscope.codesign.propagate`). Parameter counts of resized layers follow the
shapes; a layer imported with an explicit ``param_count`` (a tied or chunked weight)
keeps 0 when it was 0 and otherwise shifts by the change of its shape-derived count.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import ValidationError

from accelscope.codesign.propagate import CodesignError, Knob
from accelscope.workload.network import Network
from accelscope.workload.ops import OpBase


def field_changes(choices: list[tuple[Knob, int]]) -> dict[str, dict[str, int]]:
    """``{layer: {field: delta or absolute}}`` for knobs moved to the given widths.

    Linear fields map to their summed delta; the ``heads``/``head_dim`` of attention knobs
    are returned as absolute values under the keys ``"=heads"`` and ``"=head_dim"``.
    """
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for knob, width in choices:
        if knob.is_heads:
            if width <= 0 or knob.inner_width % width:
                raise CodesignError(
                    f"layer '{knob.name}': {width} heads do not divide the attention width "
                    f"{knob.inner_width}"
                )
            out[knob.name]["=heads"] = width
            out[knob.name]["=head_dim"] = knob.inner_width // width
            continue
        d = width - knob.width
        if d == 0:
            continue
        for up in knob.updates:
            fields = out[up.layer]
            fields[up.field] = fields.get(up.field, 0) + up.coef * d
    return dict(out)


def _values(op: OpBase, changes: dict[str, int]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, v in changes.items():
        if key.startswith("="):
            values[key[1:]] = v
        else:
            values[key] = getattr(op, key) + v
    return values


def resized_op(op: OpBase, changes: dict[str, int], name: str | None = None) -> OpBase:
    """*op* with the field changes applied (validated), optionally renamed."""
    values = _values(op, changes)
    bad = [f for f, v in values.items() if v <= 0]
    if bad:
        raise CodesignError(f"layer '{op.name}': width change makes {bad[0]} non-positive")
    data = op.model_dump()
    data.update(values)
    if name is not None:
        data["name"] = name
    old_used = op.used_params()
    if op.param_count is not None and op.kind != "elementwise":
        data["param_count"] = None
    try:
        new = type(op).model_validate(data)
    except ValidationError as err:
        msg = err.errors()[0]["msg"].removeprefix("Value error, ")
        raise CodesignError(f"layer '{op.name}': resized shapes are invalid: {msg}") from None
    if op.param_count is not None and op.kind != "elementwise":
        count = 0 if op.param_count == 0 else max(0, op.param_count + new.used_params() - old_used)
        new = new.model_copy(update={"param_count": count})
    return new


def resize(network: Network, choices: list[tuple[Knob, int]], name: str | None = None) -> Network:
    """A copy of *network* with every knob of *choices* moved to its width."""
    changes = field_changes(choices)
    layers = [
        resized_op(op, changes[op.name]) if op.name in changes else op for op in network.layers
    ]
    return rebuild(network, layers, name or network.name)


def rebuild(network: Network, layers: list[OpBase], name: str) -> Network:
    """A new :class:`Network` with *network*'s metadata and the given layers (no cached
    kernel table carried over)."""
    return Network(
        name=name,
        family=network.family,
        batch=network.batch,
        seq_len=network.seq_len,
        source=network.source,
        layers=tuple(layers),
    )


def widths_of(network: Network, knobs: list[Knob]) -> dict[str, int]:
    """Current width of each knob in *network* (of its first owner layer for a residual
    group; all members have the same width)."""
    return {k.name: int(getattr(network.layer(k.owners[0]), k.updates[0].field)) for k in knobs}
