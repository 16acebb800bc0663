"""Sweepable widths ("knobs") of a network and how a width change propagates.

A :class:`Knob` is the main width of one layer — ``out_channels`` of a convolution,
``out_features`` of a linear layer, ``hidden_size`` of an LSTM/GRU, or ``heads`` of an
attention core — together with every field of every downstream layer that must change
with it so the network stays valid. Propagation follows the ``inputs`` (producer names)
of the IR in execution order (a network that names no producers at all, e.g. a
hand-written YAML chain, is read as a chain):

* pass-through layers (element-wise functions of one input, normalizations, pooling,
  softmax, layout ops such as reshape/flatten/transpose/concat/dropout, depthwise
  convolutions) grow with the tensor and pass the change on;
* the next weighted layer absorbs it: a convolution's ``in_channels``, a linear layer's
  ``in_features``, an LSTM/GRU's ``input_size``.

Every change is linear in the width difference ``d = new - old``: a field becomes
``old + coef * d`` with an integer ``coef`` (e.g. ``H*W`` for a linear layer after a
flatten). Knobs therefore combine additively (a convolution whose input and output both
change gets both updates), which :func:`accelscope.codesign.resize_ir.resize` relies on.

A layer is not a knob, with the reason recorded in :class:`Excluded`, when its output is
joined by a multi-input element-wise op with a tensor that does not change (a residual
add: the whole residual stream would have to change together), reaches the network
output (classes, vocabulary), feeds an attention core or a matmul directly (sweep the
attention's ``heads`` instead), or passes a layout op whose semantics depend on the width
(slice, split, gather, expand, pad).

Head counts are swept at a fixed model width: ``heads`` takes the divisors of
``heads * head_dim`` and ``head_dim = heads * head_dim / heads`` (parameters do not
change, as in ``torch.nn.MultiheadAttention(embed_dim, num_heads)``).
"""

from __future__ import annotations

from dataclasses import dataclass

from accelscope.errors import AccelscopeError
from accelscope.workload.network import Network
from accelscope.workload.ops import (
    GRU,
    LSTM,
    Attention,
    Conv2d,
    Elementwise,
    Linear,
    MatMul,
    Norm,
    OpBase,
    Pool2d,
    ShapeOp,
    Softmax,
)


class CodesignError(AccelscopeError):
    """A co-design request cannot be carried out (layer not sweepable, bad plan input)."""


#: Layout ops through which a width change passes unchanged (elements grow with it).
PASS_SHAPES = frozenset(
    {"reshape", "flatten", "transpose", "permute", "concat", "squeeze", "unsqueeze"}
    | {"identity", "dropout"}
)

#: Knob kinds and the owner field each one sets.
KNOB_FIELDS = {
    "conv2d": "out_channels",
    "linear": "out_features",
    "lstm": "hidden_size",
    "gru": "hidden_size",
    "attention": "heads",
}


@dataclass(frozen=True)
class Update:
    """``layer.field`` becomes ``old + coef * d`` for a width change ``d``."""

    layer: str
    field: str
    coef: int


@dataclass(frozen=True)
class Knob:
    """The main width of layer ``name`` and the fields that change with it.

    ``updates`` lists every changed field, the owner's own width first; ``layers`` the
    changed layers in network order (owner first). For ``field == "heads"`` the owner
    update is not linear (``heads`` and ``head_dim`` are set from the width; see
    :func:`accelscope.codesign.resize_ir.apply_updates`).
    """

    name: str
    op: str
    field: str
    width: int
    updates: tuple[Update, ...]
    layers: tuple[str, ...]
    #: ``heads * head_dim`` for attention knobs (head counts must divide it), else 0.
    inner_width: int = 0

    @property
    def is_heads(self) -> bool:
        return self.field == "heads"


@dataclass(frozen=True)
class Excluded:
    """A layer with a width that cannot be swept on its own, and why."""

    name: str
    reason: str


class _NotSweepable(Exception):
    pass


def producers(network: Network) -> list[tuple[str, ...]]:
    """Producer names of every layer. A network that names no producers at all (a
    hand-written YAML chain) is read as a chain: each layer consumes the previous one."""
    if any(op.inputs for op in network.layers):
        return [op.inputs for op in network.layers]
    names = [op.name for op in network.layers]
    return [()] + [(n,) for n in names[:-1]]


def _consumers(inputs: list[tuple[str, ...]]) -> dict[str, list[int]]:
    users: dict[str, list[int]] = {}
    for i, srcs in enumerate(inputs):
        for src in dict.fromkeys(srcs):
            users.setdefault(src, []).append(i)
    return users


def _exact(numer: int, denom: int, what: str) -> int:
    if denom <= 0 or numer % denom:
        raise _NotSweepable(f"the change does not divide evenly into {what}")
    return numer // denom


def _follow(
    op: OpBase, srcs: tuple[str, ...], per_unit: int, changed: dict[str, int]
) -> tuple[list[Update], int | None]:
    """Updates of consumer *op* (producers *srcs*) when its changed input grows by
    ``per_unit`` elements per unit of width; returns the updates and the per-unit growth
    of *op*'s output (None if *op* absorbs the change)."""
    n = op.name
    others = [s for s in srcs if s not in changed]
    if isinstance(op, Conv2d):
        plane = op.batch * op.in_h * op.in_w
        c = _exact(per_unit, plane, f"the channels of '{n}'")
        if op.groups == 1:
            return [Update(n, "in_channels", c)], None
        if op.is_depthwise and op.in_channels == op.out_channels:
            ups = [Update(n, f, c) for f in ("in_channels", "out_channels", "groups")]
            return ups, c * op.batch * op.out_h * op.out_w
        raise _NotSweepable(f"it feeds the grouped convolution '{n}'")
    if isinstance(op, Linear):
        if len(srcs) > 1 and srcs[0] not in changed:
            raise _NotSweepable(f"it feeds '{n}' as a weight")
        return [Update(n, "in_features", _exact(per_unit, op.rows, f"the rows of '{n}'"))], None
    if isinstance(op, (LSTM, GRU)):
        if srcs and srcs[0] not in changed:
            raise _NotSweepable(f"it feeds the state of '{n}'")
        steps = op.batch * op.seq_len
        return [Update(n, "input_size", _exact(per_unit, steps, f"the steps of '{n}'"))], None
    if isinstance(op, Attention):
        raise _NotSweepable(f"it feeds the attention core '{n}' (sweep its heads instead)")
    if isinstance(op, MatMul):
        raise _NotSweepable(f"it feeds the matmul '{n}'")
    if isinstance(op, Elementwise):
        if others:
            raise _NotSweepable(
                f"it is joined with '{others[0]}' by '{n}' ({op.function}; a residual "
                "connection: the tensors must keep equal widths)"
            )
        if op.param_count:
            raise _NotSweepable(f"it feeds '{n}', which has per-channel parameters")
        return [Update(n, "elements", per_unit)], per_unit
    if isinstance(op, Norm):
        per_channel = _exact(op.elements, op.channels, f"the channels of '{n}'")
        c = _exact(per_unit, per_channel, f"the channels of '{n}'")
        return [Update(n, "elements", per_unit), Update(n, "channels", c)], per_unit
    if isinstance(op, Pool2d):
        c = _exact(per_unit, op.batch * op.in_h * op.in_w, f"the channels of '{n}'")
        return [Update(n, "channels", c)], c * op.batch * op.out_h * op.out_w
    if isinstance(op, Softmax):
        return [Update(n, "length", _exact(per_unit, op.rows, f"the rows of '{n}'"))], per_unit
    if isinstance(op, ShapeOp):
        if op.function not in PASS_SHAPES:
            raise _NotSweepable(f"it feeds the '{op.function}' layout op '{n}'")
        ups = [Update(n, "elements", per_unit)] if op.elements else []
        return ups, per_unit
    raise _NotSweepable(f"it feeds '{n}' ({op.kind}), which cannot be resized")


def _owner_kind(op: OpBase) -> str | None:
    if isinstance(op, Conv2d):
        if op.groups != 1:
            raise _NotSweepable(
                "a grouped/depthwise convolution's width follows its input; sweep the producer"
            )
        return "conv2d"
    if isinstance(op, Linear):
        return "linear"
    if isinstance(op, LSTM):
        return "lstm"
    if isinstance(op, GRU):
        return "gru"
    if isinstance(op, Attention):
        return "attention"
    return None


def _knob(
    network: Network, index: int, inputs: list[tuple[str, ...]], users: dict[str, list[int]]
) -> Knob | None:
    owner = network.layers[index]
    kind = _owner_kind(owner)
    if kind is None:
        return None
    field = KNOB_FIELDS[kind]
    width = int(getattr(owner, field))
    if isinstance(owner, Attention):
        return Knob(
            owner.name,
            kind,
            field,
            width,
            (Update(owner.name, field, 1),),
            (owner.name,),
            inner_width=owner.heads * owner.head_dim,
        )
    per_unit = _exact(owner.output_elements(), width, f"the output of '{owner.name}'")
    if not users.get(owner.name):
        raise _NotSweepable("its width is the network's output size")
    updates = [Update(owner.name, field, 1)]
    changed: dict[str, int] = {owner.name: per_unit}
    layers = [owner.name]
    for op, srcs in zip(network.layers[index + 1 :], inputs[index + 1 :], strict=True):
        incoming = [changed[s] for s in srcs if s in changed]
        if not incoming:
            continue
        ups, out_per_unit = _follow(op, srcs, incoming[0], changed)
        updates.extend(ups)
        layers.append(op.name)
        if out_per_unit is not None:
            if not users.get(op.name):
                raise _NotSweepable(f"its width reaches the network output through '{op.name}'")
            changed[op.name] = out_per_unit
    return Knob(owner.name, kind, field, width, tuple(updates), tuple(layers))


def find_knobs(network: Network) -> tuple[list[Knob], list[Excluded]]:
    """All sweepable widths of *network* (in layer order) and the excluded layers."""
    inputs = producers(network)
    users = _consumers(inputs)
    knobs: list[Knob] = []
    excluded: list[Excluded] = []
    for i, op in enumerate(network.layers):
        try:
            knob = _knob(network, i, inputs, users)
        except _NotSweepable as why:
            excluded.append(Excluded(op.name, str(why)))
            continue
        if knob is not None:
            knobs.append(knob)
    return knobs, excluded


def select_knobs(network: Network, names: list[str] | None) -> tuple[list[Knob], list[Excluded]]:
    """Knobs for the layers *names* (all knobs when None); unknown or unsweepable names
    raise one-sentence errors (with close-match suggestions)."""
    from accelscope.errors import UnknownNameError, suggest

    knobs, excluded = find_knobs(network)
    if not names:
        return knobs, excluded
    by_name = {k.name: k for k in knobs}
    why = {e.name: e.reason for e in excluded}
    layer_names = [op.name for op in network.layers]
    chosen: list[Knob] = []
    for name in dict.fromkeys(names):
        if name in by_name:
            chosen.append(by_name[name])
            continue
        if name in why:
            raise CodesignError(f"layer '{name}' of '{network.name}' cannot be swept: {why[name]}")
        if name in layer_names:
            kind = network.layer(name).kind
            raise CodesignError(
                f"layer '{name}' of '{network.name}' ({kind}) has no width to sweep; "
                "sweepable: conv2d, linear, lstm, gru, attention (heads)"
            )
        raise UnknownNameError(
            f"network '{network.name}' has no layer '{name}'"
            f"{suggest(name, list(by_name) or layer_names)}"
        )
    return chosen, [e for e in excluded if e.name in set(names)]
