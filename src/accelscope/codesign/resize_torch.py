"""Reshape a PyTorch module to planned widths (Conv2d, Linear, LSTM, GRU, BatchNorm,
LayerNorm, MultiheadAttention heads, and ResNet/Transformer blocks built from them,
including residual groups).

The module is imported with :func:`accelscope.workload.from_torch`; the IR layer names of
leaf modules are their module paths, so every IR layer that a width change touches maps
to the module to rebuild. Parameter-free layers (activations, pooling, dropout, reshapes)
need nothing. Rebuilt modules keep every hyper-parameter except the resized widths and
copy the overlapping part of the old weights (gate by gate for LSTM/GRU), so a shrunk or
grown model starts from the original where shapes allow; the rest keeps PyTorch's default
initialization. The result is checked: importing it again must give exactly the planned
IR shapes, else :class:`~accelscope.codesign.propagate.CodesignError` is raised.
"""

from __future__ import annotations

import copy
from typing import Any

from accelscope.codesign.propagate import CodesignError, select_knobs
from accelscope.codesign.resize_ir import field_changes, resize, resized_op
from accelscope.workload.network import Network
from accelscope.workload.ops import GRU, LSTM, Attention, Conv2d, Linear, Norm, OpBase

#: IR operators without module state that depends on the width.
_STATELESS = ("elementwise", "shape", "pool2d", "softmax")


def _copy_overlap(new: Any, old: Any, gates: int = 0) -> None:
    """Copy the overlapping block of *old* into *new* (per gate block for RNN tensors)."""
    import torch

    with torch.no_grad():
        if gates:
            new = new.view(gates, new.shape[0] // gates, *new.shape[1:])
            old = old.view(gates, old.shape[0] // gates, *old.shape[1:])
        idx = tuple(slice(0, min(a, b)) for a, b in zip(new.shape, old.shape, strict=True))
        new[idx] = old[idx]


def _transfer(new_mod: Any, old_mod: Any, gates: int = 0) -> None:
    old = dict(old_mod.named_parameters()) | dict(old_mod.named_buffers())
    for name, tensor in list(new_mod.named_parameters()) + list(new_mod.named_buffers()):
        if name in old and tensor.dim() == old[name].dim():
            if tensor.dim() == 0:
                tensor.data.copy_(old[name].data)
                continue
            rnn = gates and (name.startswith("weight_") or name.startswith("bias_"))
            _copy_overlap(tensor.data, old[name].data, gates if rnn else 0)


def _like(mod: Any, new: Any) -> Any:
    first = next(iter(mod.parameters()), None)
    if first is not None:
        new = new.to(device=first.device, dtype=first.dtype)
    new.train(mod.training)
    return new


def _rebuild(mod: Any, op: OpBase, torch: Any) -> Any:
    nn = torch.nn
    if isinstance(op, Linear) and isinstance(mod, nn.Linear):
        new = nn.Linear(op.in_features, op.out_features, bias=mod.bias is not None)
        gates = 0
    elif isinstance(op, Conv2d) and isinstance(mod, nn.Conv2d):
        new = nn.Conv2d(
            op.in_channels,
            op.out_channels,
            mod.kernel_size,
            stride=mod.stride,
            padding=mod.padding,
            dilation=mod.dilation,
            groups=op.groups,
            bias=mod.bias is not None,
            padding_mode=mod.padding_mode,
        )
        gates = 0
    elif isinstance(op, (LSTM, GRU)) and isinstance(mod, (nn.LSTM, nn.GRU)):
        if getattr(mod, "proj_size", 0):
            raise CodesignError(f"layer '{op.name}': LSTM with proj_size cannot be resized")
        new = type(mod)(
            op.input_size,
            op.hidden_size,
            num_layers=mod.num_layers,
            bias=mod.bias,
            batch_first=mod.batch_first,
            dropout=mod.dropout,
            bidirectional=mod.bidirectional,
        )
        gates = 4 if isinstance(mod, nn.LSTM) else 3
    elif isinstance(op, Norm) and isinstance(mod, nn.modules.batchnorm._BatchNorm):
        new = type(mod)(
            op.channels,
            eps=mod.eps,
            momentum=mod.momentum,
            affine=mod.affine,
            track_running_stats=mod.track_running_stats,
        )
        gates = 0
    elif isinstance(op, Norm) and isinstance(mod, nn.LayerNorm):
        shape = (*mod.normalized_shape[:-1], op.channels)
        new = nn.LayerNorm(
            shape,
            eps=mod.eps,
            elementwise_affine=mod.elementwise_affine,
            bias=getattr(mod, "bias", None) is not None,
        )
        gates = 0
    else:
        raise CodesignError(
            f"layer '{op.name}' ({op.kind}) is a {type(mod).__name__} module, which "
            "cannot be resized; supported: Conv2d, Linear, LSTM, GRU, BatchNorm, LayerNorm, "
            "MultiheadAttention"
        )
    new = _like(mod, new)
    _transfer(new, mod, gates)
    return new


def _set_module(root: Any, path: str, new: Any) -> None:
    parent_path, _, leaf = path.rpartition(".")
    parent = root.get_submodule(parent_path) if parent_path else root
    setattr(parent, leaf, new)


def _get(root: Any, path: str) -> Any | None:
    try:
        return root.get_submodule(path)
    except AttributeError:
        return None


def _compare(planned: Network, imported: Network) -> None:
    """Every costed layer must match exactly (layout ops are free; the element counts
    of constants such as an LSTM's zero initial state are not tracked)."""
    got = {op.name: op for op in imported.layers}
    for op in planned.layers:
        other = got.get(op.name)
        skip = {"param_count", "elements"} if op.kind == "shape" else {"param_count"}
        want = op.model_dump(exclude=skip)
        if other is None or other.model_dump(exclude=skip) != want:
            have = other.shape_summary() if other is not None else "missing"
            raise CodesignError(
                f"resized module does not import to the planned shapes at layer '{op.name}': "
                f"planned {op.shape_summary()}, got {have}"
            )


def resize_module(
    module: Any,
    example_inputs: Any,
    widths: dict[str, int],
    *,
    network: Network | None = None,
) -> tuple[Any, Network]:
    """A reshaped copy of *module* with the IR layers *widths* (``{layer: width}``) moved.

    Keys are knob names as in :attr:`Plan.widths`: layer names, or residual groups by
    their knob name (``layer1 (residual group: ...)``) or short label (``layer1``); a
    group rebuilds every member, its normalizations and the consumers of the tied tensor.

    Returns ``(new_module, planned_network)``; *module* is left untouched. *network* is
    the module's IR import (imported here when not given). Raises
    :class:`~accelscope.codesign.propagate.CodesignError` for layers that cannot be
    resized or when the result does not import to exactly the planned shapes.
    """
    import torch

    from accelscope.workload import from_torch

    if network is None:
        network = from_torch(module, example_inputs)
    knobs, _ = select_knobs(network, list(widths))
    # A residual group may be given by its knob name or its short label.
    choices = [(k, int(widths[k.name] if k.name in widths else widths[k.group])) for k in knobs]
    changes = field_changes(choices)
    new_root = copy.deepcopy(module)
    for name, change in changes.items():
        op = network.layer(name)
        if op.kind in _STATELESS:
            continue
        if isinstance(op, Attention):
            path = name.rpartition(".")[0]
            mha = _get(new_root, path)
            if not isinstance(mha, torch.nn.MultiheadAttention):
                raise CodesignError(
                    f"layer '{name}': heads can be changed only in torch.nn.MultiheadAttention"
                )
            heads = change["=heads"]
            mha.num_heads = heads
            mha.head_dim = mha.embed_dim // heads
            continue
        mod = _get(new_root, name)
        if mod is None:
            raise CodesignError(
                f"layer '{name}' does not correspond to a submodule of "
                f"{type(module).__name__}, so it cannot be resized"
            )
        _set_module(new_root, name, _rebuild(mod, resized_op(op, change), torch))
    planned = resize(network, choices, name=network.name)
    imported = from_torch(new_root, example_inputs, name=network.name)
    _compare(planned, imported)
    return new_root, planned
