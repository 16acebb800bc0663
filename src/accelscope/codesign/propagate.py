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

**Residual groups.** When a layer's output is joined by a multi-input element-wise op
(a residual add, a broadcast multiply) with a tensor that the change does not reach, the
two tensors must keep equal widths, so the layers producing the other tensor join in:
the joined tensor is traced back through pass-through layers to the weighted layers that
set its width (a stage's downsample convolution, the previous block's last convolution,
the stem), and propagation restarts from all of them, until no join meets an unchanged
tensor. The result is one knob for the whole group (:attr:`Knob.members`), named after
the common module path of its joins, e.g. ``layer1 (residual group: conv1,
layer1.0.conv2, layer1.1.conv2)``; every member's output width is the knob width and
consumers change as for a single layer. Groups are found from the graph (``inputs``),
never from names.

A layer is not a knob, with the reason recorded in :class:`Excluded`, when its output
(or its residual group's) reaches the network output (classes, vocabulary, a
Transformer's ``d_model`` stream), is tied to a network input or to a tensor that no
resizable layer produces (an embedding lookup), feeds an attention core or a matmul
directly (sweep the attention's ``heads`` instead), or passes a layout op whose semantics
depend on the width (slice, split, gather, expand, pad; a multi-input concat inside a
residual group).

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
    #: Layers whose output width is the knob width, for a residual group (empty for a
    #: single layer, whose owner is ``name``).
    members: tuple[str, ...] = ()
    #: Short label of a residual group (``name`` starts with it); "" for a single layer.
    group: str = ""

    @property
    def is_heads(self) -> bool:
        return self.field == "heads"

    @property
    def is_group(self) -> bool:
        return bool(self.members)

    @property
    def owners(self) -> tuple[str, ...]:
        """The layers whose own width is the knob width (``members`` or ``(name,)``)."""
        return self.members or (self.name,)


@dataclass(frozen=True)
class Excluded:
    """A layer with a width that cannot be swept on its own, and why."""

    name: str
    reason: str


class _NotSweepable(Exception):
    pass


class _Tied(_NotSweepable):
    """The change meets the unchanged tensors *others* in the element-wise op *join*."""

    def __init__(self, message: str, join: str, others: tuple[str, ...]) -> None:
        super().__init__(message)
        self.join = join
        self.others = others


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
    op: OpBase, srcs: tuple[str, ...], incoming: list[int], changed: dict[str, int]
) -> tuple[list[Update], int | None]:
    """Updates of consumer *op* (producers *srcs*) when its changed inputs grow by
    ``incoming`` elements per unit of width (one entry per changed input); returns the
    updates and the per-unit growth of *op*'s output (None if *op* absorbs the change)."""
    n = op.name
    per_unit = incoming[0]
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
            raise _Tied(
                f"it is joined with '{others[0]}' by '{n}' ({op.function}; a residual "
                "connection: the tensors must keep equal widths)",
                n,
                tuple(dict.fromkeys(others)),
            )
        if op.param_count:
            raise _NotSweepable(f"it feeds '{n}', which has per-channel parameters")
        # Inputs of a residual group may broadcast (x * scale[C, 1, 1]): the output grows
        # like the largest input.
        out = max(incoming)
        if any(out % g for g in incoming):
            raise _NotSweepable(f"the inputs of '{n}' grow by incompatible amounts")
        return [Update(n, "elements", out)], out
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
        if op.function == "concat":  # the output grows by every changed input
            per_unit = sum(incoming)
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


@dataclass(frozen=True)
class _Spread:
    """Where a width change of the layers ``owners`` goes (see :func:`_propagate`)."""

    updates: tuple[Update, ...]
    layers: tuple[str, ...]
    #: Multi-input element-wise ops where two changed tensors meet (residual adds).
    joins: tuple[str, ...]


def _propagate(
    network: Network,
    owners: list[int],
    width: int,
    inputs: list[tuple[str, ...]],
    users: dict[str, list[int]],
) -> _Spread:
    """Updates when the layers *owners* (indices; their own widths all equal *width*)
    change their width together. Raises :class:`_Tied` at a join with an unchanged
    tensor and :class:`_NotSweepable` for any other obstacle."""
    own = set(owners)
    head: list[Update] = []
    updates: list[Update] = []
    layers: list[str] = []
    joins: list[str] = []
    changed: dict[str, int] = {}
    for i, (op, srcs) in enumerate(zip(network.layers, inputs, strict=True)):
        incoming = [changed[s] for s in srcs if s in changed]
        if i in own:
            if incoming:  # a member that also consumes the changed tensor
                ups, _ = _follow(op, srcs, incoming, changed)
                updates.extend(ups)
            field = KNOB_FIELDS[_owner_kind(op) or ""]
            head.append(Update(op.name, field, 1))
            layers.append(op.name)
            if not users.get(op.name):
                raise _NotSweepable(
                    "its width is the network's output size"
                    if len(owners) == 1
                    else f"the width of '{op.name}' is the network's output size"
                )
            changed[op.name] = _exact(op.output_elements(), width, f"the output of '{op.name}'")
            continue
        if not incoming:
            continue
        ups, out_per_unit = _follow(op, srcs, incoming, changed)
        if len(incoming) > 1 and isinstance(op, Elementwise):
            joins.append(op.name)
        updates.extend(ups)
        layers.append(op.name)
        if out_per_unit is not None:
            if not users.get(op.name):
                raise _NotSweepable(f"its width reaches the network output through '{op.name}'")
            changed[op.name] = out_per_unit
    return _Spread(tuple(head + updates), tuple(layers), tuple(joins))


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
    _exact(owner.output_elements(), width, f"the output of '{owner.name}'")
    if not users.get(owner.name):
        raise _NotSweepable("its width is the network's output size")
    spread = _propagate(network, [index], width, inputs, users)
    return Knob(owner.name, kind, field, width, spread.updates, spread.layers)


def _trace_back(
    network: Network, src: str, index: dict[str, int], inputs: list[tuple[str, ...]]
) -> set[int]:
    """The weighted layers (indices) whose output width sets the width of tensor *src*,
    found by walking producers back through pass-through layers."""
    found: set[int] = set()
    todo, seen = [src], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in index:
            raise _NotSweepable(
                f"it is tied by a residual connection to the network input '{name}'"
            )
        i = index[name]
        op = network.layers[i]
        srcs = list(inputs[i])
        if not srcs and not isinstance(op, (Conv2d, Linear, LSTM, GRU)):
            raise _NotSweepable(
                f"it is tied by a residual connection to '{name}' ({op.kind}), which has "
                "no input to resize"
            )
        if isinstance(op, Conv2d) and op.groups != 1:
            if not (op.is_depthwise and op.in_channels == op.out_channels):
                raise _NotSweepable(
                    f"it is tied by a residual connection to the grouped convolution '{name}'"
                )
            todo.extend(srcs[:1])
        elif isinstance(op, Attention):
            raise _NotSweepable(
                f"it is tied by a residual connection to the attention core '{name}'"
            )
        elif isinstance(op, (Conv2d, Linear, LSTM, GRU)):
            found.add(i)
        elif isinstance(op, Elementwise):
            if op.param_count:
                raise _NotSweepable(
                    f"it is tied by a residual connection to '{name}', which has per-channel "
                    "parameters"
                )
            todo.extend(srcs)
        elif isinstance(op, (Norm, Pool2d, Softmax)):
            todo.extend(srcs[:1])
        elif isinstance(op, ShapeOp) and op.function in PASS_SHAPES and len(srcs) <= 1:
            todo.extend(srcs)
        else:
            what = f"the '{op.function}' layout op" if isinstance(op, ShapeOp) else op.kind
            raise _NotSweepable(
                f"it is tied by a residual connection to '{name}' ({what}), which cannot be resized"
            )
    return found


@dataclass(frozen=True)
class _Group:
    """A residual group found from one layer: its members and spread (or why it fails)."""

    members: tuple[int, ...]
    kind: str = ""
    field: str = ""
    width: int = 0
    spread: _Spread | None = None
    reason: str = ""


def _group(
    network: Network,
    start: int,
    inputs: list[tuple[str, ...]],
    users: dict[str, list[int]],
    index: dict[str, int],
) -> _Group:
    """Grow a residual group from layer *start*: propagate from the members, add the
    producers of every unchanged tensor a join meets, repeat until no join is left."""
    members = {start}
    while True:
        ordered = tuple(sorted(members))
        ops = [network.layers[i] for i in ordered]
        kinds = [_owner_kind(op) or "" for op in ops]
        widths = [int(getattr(op, KNOB_FIELDS[k])) for op, k in zip(ops, kinds, strict=True)]
        try:
            if len(set(widths)) > 1:
                shown = ", ".join(f"{op.name}: {w}" for op, w in zip(ops, widths, strict=True))
                raise _NotSweepable(f"the tied layers have different widths ({shown})")
            spread = _propagate(network, list(ordered), widths[0], inputs, users)
        except _Tied as tie:
            new: set[int] = set()
            try:
                for src in tie.others:
                    new |= _trace_back(network, src, index, inputs)
            except _NotSweepable as why:
                return _Group(ordered, reason=str(why))
            if new <= members:  # pragma: no cover - a traced producer is never changed
                return _Group(ordered, reason=str(tie))
            members |= new
            continue
        except _NotSweepable as why:
            return _Group(ordered, reason=str(why))
        fields = {KNOB_FIELDS[k] for k in kinds}
        return _Group(
            ordered,
            kind="+".join(sorted(set(kinds))),
            field=fields.pop() if len(fields) == 1 else "width",
            width=widths[0],
            spread=spread,
        )


def _path(name: str) -> list[str]:
    """Module path of a layer name as components (``layer1.0.add`` -> layer1, 0)."""
    parts = name.split(".")
    return parts[:-1] or parts


def _group_labels(groups: list[_Group], layer_names: set[str]) -> list[str]:
    """Short label of every group: the common module path of its joins (``layer1``), or
    the range of its joins' paths (``features.5-6``) where that is empty, not unique or a
    layer name (then `` group`` is appended if the label is still a layer name)."""
    bases, ranges = [], []
    for g in groups:
        assert g.spread is not None
        paths = [_path(j) for j in g.spread.joins]
        common: list[str] = []
        for parts in zip(*paths, strict=False):
            if len(set(parts)) > 1:
                break
            common.append(parts[0])
        bases.append(".".join(common))
        first, last = ".".join(paths[0]), ".".join(paths[-1])
        a, b = paths[0][len(common) :], paths[-1][len(common) :]
        if first == last:
            ranges.append(first)
        elif len(a) == 1 and len(b) == 1 and common:
            ranges.append(f"{'.'.join(common)}.{a[0]}-{b[0]}")
        else:
            ranges.append(f"{first}..{last}")
    out = []
    for base, rng in zip(bases, ranges, strict=True):
        ok = base and bases.count(base) == 1 and base not in layer_names
        label = base if ok else rng
        out.append(f"{label} group" if label in layer_names else label)
    return out


def find_knobs(network: Network) -> tuple[list[Knob], list[Excluded]]:
    """All sweepable widths of *network* (in layer order; a residual group at its first
    member) and the excluded layers."""
    inputs = producers(network)
    users = _consumers(inputs)
    index = {op.name: i for i, op in enumerate(network.layers)}
    entries: list[tuple[int, Knob | _Group]] = []
    excluded: list[tuple[int, Excluded]] = []
    grouped: set[int] = set()
    for i, op in enumerate(network.layers):
        if i in grouped:
            continue
        try:
            knob = _knob(network, i, inputs, users)
        except _Tied as tie:
            group = _group(network, i, inputs, users, index)
            if group.spread is not None:
                grouped.update(group.members)
                entries.append((group.members[0], group))
                continue
            names = ", ".join(network.layers[m].name for m in group.members)
            excluded.append(
                (
                    i,
                    Excluded(
                        op.name,
                        f"{tie}; its residual group ({names}) cannot be swept: {group.reason}",
                    ),
                )
            )
            continue
        except _NotSweepable as why:
            excluded.append((i, Excluded(op.name, str(why))))
            continue
        if knob is not None:
            entries.append((i, knob))
    entries.sort(key=lambda e: e[0])
    groups = [g for _, g in entries if isinstance(g, _Group)]
    labels = iter(_group_labels(groups, set(index)))
    knobs = []
    for _, entry in entries:
        if isinstance(entry, Knob):
            knobs.append(entry)
            continue
        assert entry.spread is not None
        label = next(labels)
        members = tuple(network.layers[m].name for m in entry.members)
        knobs.append(
            Knob(
                f"{label} (residual group: {', '.join(members)})",
                entry.kind,
                entry.field,
                entry.width,
                entry.spread.updates,
                entry.spread.layers,
                members=members,
                group=label,
            )
        )
    return knobs, [e for i, e in sorted(excluded, key=lambda x: x[0]) if i not in grouped]


def select_knobs(network: Network, names: list[str] | None) -> tuple[list[Knob], list[Excluded]]:
    """Knobs for the layers *names* (all knobs when None); unknown or unsweepable names
    raise one-sentence errors (with close-match suggestions). A residual group is named by
    its knob name or its short label (``layer1``); naming one of its members is an error
    that points to the group."""
    from accelscope.errors import UnknownNameError, suggest

    knobs, excluded = find_knobs(network)
    if not names:
        return knobs, excluded
    by_name = {k.name: k for k in knobs}
    by_name.update({k.group: k for k in knobs if k.group and k.group not in by_name})
    group_of = {m: k for k in knobs for m in k.members}
    why = {e.name: e.reason for e in excluded}
    layer_names = [op.name for op in network.layers]
    chosen: dict[str, Knob] = {}
    for name in dict.fromkeys(names):
        if name in by_name:
            chosen.setdefault(by_name[name].name, by_name[name])
            continue
        if name in group_of:
            group = group_of[name]
            raise CodesignError(
                f"layer '{name}' of '{network.name}' cannot be swept alone: its output is tied "
                f"by residual connections; sweep its residual group '{group.group}' ({group.name})"
            )
        if name in why:
            raise CodesignError(f"layer '{name}' of '{network.name}' cannot be swept: {why[name]}")
        if name in layer_names:
            kind = network.layer(name).kind
            raise CodesignError(
                f"layer '{name}' of '{network.name}' ({kind}) has no width to sweep; "
                "sweepable: conv2d, linear, lstm, gru, attention (heads), residual groups"
            )
        raise UnknownNameError(
            f"network '{network.name}' has no layer '{name}'"
            f"{suggest(name, list(by_name) or layer_names)}"
        )
    return list(chosen.values()), [e for e in excluded if e.name in set(names)]
