"""Execution plan of a network: fused groups, tensors, lifetimes and residency priority.

Everything here is independent of the hardware configuration, so it is computed once per
network and fusion mode (and cached) and then applied to arrays of configurations by
:mod:`accelscope.targets.asic.cost.evaluate`. Rules (docs/assumptions.md, part 2, "Fusion" and
"On-chip residency"):

* **Aliases.** Shape-only operators (reshape, transpose, concat, ...) and unsupported
  placeholders move no data: their output *is* their input tensor(s).
* **Fusion** (``standard``). A BatchNorm whose input is the output of a conv/linear group
  that nothing else reads is folded into that layer's weights (zero cost). An element-wise
  operator (activation, bias, residual add, scale) whose input is the output of a GEMM
  group (conv, linear, matmul) that nothing else reads runs on the vector unit per output
  tile, overlapped with the array; its other inputs (the skip branch of a residual add)
  are read by the host layer. Fused work never writes its intermediate to memory.
* **Tensors** are the outputs of unfused layers (a fused group's output is its last
  member's output), the network inputs, and tensors internal to one layer (attention
  scores, LSTM gate pre-activations). Network inputs are read from DRAM and network
  outputs written to DRAM (*pinned*).
* **Residency priority.** Each tensor is live from the layer that produces it to its last
  consumer. Tensors are ranked by lifetime (shortest first), then size, then position; a
  tensor may stay on chip iff it fits together with every *higher-ranked* tensor live at
  any point of its lifetime: ``need[t] = max over its lifetime of the elements of the
  live tensors ranked at or above t``. A configuration keeps ``t`` on chip iff
  ``need[t] * bytes_per_element <= residency capacity``; the resident set then never
  exceeds the capacity, and growing the capacity only adds tensors (so DRAM traffic never
  grows with the buffer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelscope.workload.kernels import GemmKernel, KernelTable
from accelscope.workload.network import Network

#: Layer roles.
COMPUTE, FUSED, FOLDED, FREE = 0, 1, 2, 3
ROLE_NAMES: tuple[str, ...] = ("compute", "fused", "folded", "free")

_GEMM_HOSTS = ("conv2d", "linear", "matmul")
_BN_HOSTS = ("conv2d", "linear")
_ALIAS_KINDS = ("shape", "unsupported")


@dataclass(frozen=True)
class Schedule:
    """Config-independent plan (see module docstring). Tensor ids index ``tensor_*``;
    ``chip_id`` (always on chip) and ``dram_id`` (never) are the two extra ids."""

    fusion: bool
    layer_role: np.ndarray  # int8 [L]
    layer_host: np.ndarray  # int64 [L]: layer whose work includes this one (-1: free)
    tensor_names: tuple[str, ...]
    tensor_elements: np.ndarray  # float64 [T]
    tensor_need: np.ndarray  # float64 [T]; inf = pinned to DRAM
    # GEMM occurrences: one per (layer, GEMM kernel, operand roles)
    g_layer: np.ndarray
    g_kernel: np.ndarray  # index into KernelTable's unique GEMMs
    g_count: np.ndarray  # float64
    g_a: np.ndarray  # [Og, W] tensor ids of operand A (all must be on chip), padded chip_id
    g_b: np.ndarray  # [Og, W] tensor ids of an activation operand B (padded chip_id)
    g_b_weight: np.ndarray  # bool: B is a weight (from DRAM)
    g_out: np.ndarray  # [Og] tensor id of the output
    # vector occurrences
    v_layer: np.ndarray  # layer that pays for it (the host when fused)
    v_kernel: np.ndarray
    v_count: np.ndarray
    v_in: np.ndarray  # [Ov, W] tensor ids read (padded chip_id)
    v_in_share: np.ndarray  # [Ov, W] share of the tensor one occurrence reads
    v_weight: np.ndarray  # [Ov] bool: reads parameters from DRAM (embedding rows)
    v_out: np.ndarray  # [Ov]
    v_out_share: np.ndarray  # [Ov] share of the output tensor one occurrence writes
    v_fused: np.ndarray  # bool: overlapped with the host's GEMM, no memory traffic
    # extra reads of fused groups (skip branches), charged to a GEMM occurrence
    x_occurrence: np.ndarray  # index into the GEMM occurrences
    x_tensor: np.ndarray
    # GEMM occurrences with identical selection problems share one representative
    g_rep: np.ndarray  # [Og] index of the representative occurrence
    g_rep_list: np.ndarray  # [R] the representatives
    # report
    layer_in_tensor: np.ndarray  # [L] a representative input tensor (-1 none)
    layer_out_tensor: np.ndarray  # [L] the tensor holding the layer's result (-1 none)
    fused_members: dict[int, list[int]] = field(default_factory=dict)

    @property
    def n_tensors(self) -> int:
        return int(self.tensor_elements.shape[0])

    @property
    def chip_id(self) -> int:
        return self.n_tensors

    @property
    def dram_id(self) -> int:
        return self.n_tensors + 1


def _pad(rows: list[list[int]], fill: int) -> np.ndarray:
    width = max([1, *(len(r) for r in rows)])
    out = np.full((len(rows), width), fill, dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out


def _need(
    elements: np.ndarray, start: np.ndarray, end: np.ndarray, pinned: np.ndarray, n_pos: int
) -> np.ndarray:
    """Priority-based residency need of every tensor (module docstring), elements."""
    n = elements.shape[0]
    if n == 0:
        return np.zeros(0)
    length = end - start
    order = np.lexsort((np.arange(n), start, elements, length))  # last key is primary
    pos = np.arange(n_pos)
    live = (pos[None, :] >= start[:, None]) & (pos[None, :] <= end[:, None]) & ~pinned[:, None]
    cum = np.cumsum((live * elements[:, None])[order], axis=0)
    need_sorted = np.where(live[order], cum, 0.0).max(axis=1)
    need = np.empty(n)
    need[order] = need_sorted
    return np.where(pinned, np.inf, need)


def build_schedule(network: Network, fusion: bool) -> Schedule:
    """The execution plan of *network* with or without fusion (module docstring)."""
    layers = network.layers
    n = len(layers)
    index = {op.name: i for i, op in enumerate(layers)}
    kinds = [op.kind for op in layers]
    alias = [k in _ALIAS_KINDS for k in kinds]

    # ---- producers: each input resolves (through aliases) to real layers / graph inputs
    graph_inputs: dict[str, int] = {}  # name -> producer id (encoded as -(1 + j))

    def resolve_name(name: str, seen: set[int]) -> frozenset[int]:
        if name not in index:
            return frozenset({-(1 + graph_inputs.setdefault(name, len(graph_inputs)))})
        j = index[name]
        if alias[j]:
            return value_of(j, seen)
        return frozenset({j})

    def input_names(i: int) -> tuple[str, ...]:
        op = layers[i]
        if op.inputs:
            return op.inputs
        return (layers[i - 1].name,) if i > 0 else ("input",)

    cache: dict[int, frozenset[int]] = {}

    def value_of(j: int, seen: set[int]) -> frozenset[int]:
        if j in cache:
            return cache[j]
        if j in seen:  # malformed cycle: treat as a graph input
            return frozenset()
        seen = seen | {j}
        out: frozenset[int] = frozenset()
        for name in input_names(j):
            out = out | resolve_name(name, seen)
        cache[j] = out
        return out

    inputs: list[list[frozenset[int]]] = [
        [resolve_name(name, set()) for name in input_names(i)] for i in range(n)
    ]
    consumers: dict[int, set[int]] = {}
    for i in range(n):
        if alias[i]:
            continue
        for prods in inputs[i]:
            for p in prods:
                consumers.setdefault(p, set()).add(i)

    # ---- fusion groups ---------------------------------------------------------------
    role = np.full(n, COMPUTE, dtype=np.int8)
    group = np.arange(n)
    tail = np.arange(n)
    extra: dict[int, list[frozenset[int]]] = {}
    members: dict[int, list[int]] = {}
    for i in range(n):
        if alias[i]:
            role[i] = FREE
            group[i] = -1
            continue
        if not fusion:
            continue
        op = layers[i]
        host_candidates = []
        for pos, prods in enumerate(inputs[i]):
            if len(prods) != 1:
                continue
            (p,) = prods
            if p < 0 or consumers.get(p) != {i}:
                continue
            h = group[p]
            if tail[h] != p:
                continue
            if kinds[i] == "norm" and getattr(op, "norm", "") == "batch" and pos == 0:
                if kinds[h] in _BN_HOSTS:
                    host_candidates.append((h, pos, FOLDED))
            elif kinds[i] == "elementwise" and kinds[h] in _GEMM_HOSTS:
                host_candidates.append((h, pos, FUSED))
        if not host_candidates:
            continue
        h, pos, r = max(host_candidates)
        role[i] = r
        group[i] = h
        tail[h] = i
        members.setdefault(h, []).append(i)
        others = [prods for q, prods in enumerate(inputs[i]) if q != pos]
        extra.setdefault(h, []).extend(others)

    # ---- tensors ---------------------------------------------------------------------
    names: list[str] = []
    elems: list[float] = []
    start: list[int] = []
    end: list[int] = []
    pinned: list[bool] = []

    def new_tensor(name: str, n_elem: float, pos: int, pin: bool) -> int:
        names.append(name)
        elems.append(float(n_elem))
        start.append(pos)
        end.append(pos)
        pinned.append(pin)
        return len(names) - 1

    # A network input's size: what its first reader takes per input (ops know their input
    # element counts, the IR does not name input tensors' shapes).
    first_reader: dict[int, float] = {}
    for i in range(n):
        if alias[i]:
            continue
        for prods in inputs[i]:
            for p in prods:
                if p < 0 and p not in first_reader:
                    per_input = layers[i].input_elements() / max(1, len(inputs[i]))
                    first_reader[p] = float(per_input)
    graph_tensor = {
        j: new_tensor(name, first_reader.get(-(1 + j), 0.0), 0, True)
        for name, j in graph_inputs.items()
    }
    group_tensor: dict[int, int] = {}
    for h in range(n):
        if alias[h] or group[h] != h:
            continue
        last = layers[tail[h]]
        group_tensor[h] = new_tensor(last.name, last.output_elements(), h, False)

    def tensor_of(p: int) -> int:
        return graph_tensor[-(1 + p)] if p < 0 else group_tensor[group[p]]

    def use(t: int, pos: int) -> None:
        end[t] = max(end[t], pos)

    for i in range(n):
        if alias[i]:
            continue
        where = group[i]
        for prods in inputs[i]:
            for p in prods:
                if p >= 0 and group[p] == where:
                    continue  # inside the fused group
                use(tensor_of(p), where)
    read_by = np.zeros(len(names), dtype=bool)
    for i in range(n):
        if alias[i]:
            continue
        for prods in inputs[i]:
            for p in prods:
                if p < 0 or group[p] != group[i]:
                    read_by[tensor_of(p)] = True
    for t in group_tensor.values():
        if not read_by[t]:
            pinned[t] = True  # a network output: written to DRAM

    # ---- occurrences -----------------------------------------------------------------
    table: KernelTable = network.kernel_table
    gemm_index = {k: u for u, k in enumerate(table.unique_gemms())}
    vec_index = {k: u for u, k in enumerate(table.unique_vectors())}
    chip_id_placeholder = -2  # replaced once the tensor count is final
    dram_placeholder = -3
    g_rows: dict[tuple, float] = {}
    v_rows: dict[tuple, float] = {}
    x_rows: list[tuple[tuple, int]] = []
    host_gemm_key: dict[int, tuple] = {}
    layer_in = np.full(n, -1, dtype=np.int64)
    layer_out = np.full(n, -1, dtype=np.int64)

    for i in range(n):
        if alias[i]:
            continue
        op = layers[i]
        h = group[i]
        tmps: dict[str, int] = {}

        def ref(r: tuple, i: int = i, op=op, tmps: dict[str, int] = tmps) -> tuple[int, ...]:
            kind = r[0]
            if kind == "in":
                prods = inputs[i][min(r[1], len(inputs[i]) - 1)]
                return tuple(sorted(tensor_of(p) for p in prods)) or (dram_placeholder,)
            if kind == "out":
                return (group_tensor[group[i]],)
            if kind == "chip":
                return (chip_id_placeholder,)
            if kind == "w":
                return (dram_placeholder,)
            name = f"{op.name}:{r[1]}"
            if name not in tmps:
                tmps[name] = new_tensor(name, r[2], i, False)
            return (tmps[name],)

        if inputs[i] and inputs[i][0]:
            layer_in[i] = tensor_of(min(inputs[i][0]))
        layer_out[i] = group_tensor[h] if role[i] != FOLDED else group_tensor[h]
        if role[i] == FOLDED:
            continue
        roles = op.kernel_roles()
        for kern, rl in zip(op.kernels(), roles, strict=True):
            if isinstance(kern, GemmKernel):
                if role[i] != COMPUTE:
                    continue
                a, b, out = rl
                b_weight = b[0] == "w"
                key = (i, gemm_index[kern], ref(a), () if b_weight else ref(b), b_weight, ref(out))
                g_rows[key] = g_rows.get(key, 0.0) + 1.0
                host_gemm_key.setdefault(i, key)
            else:
                ins, out = rl
                fused = role[i] == FUSED
                read: tuple[int, ...] = ()
                if not fused:
                    read = tuple(t for r in ins for t in ref(r))
                key = (h if fused else i, vec_index[kern], read, ref(out)[0], fused)
                v_rows[key] = v_rows.get(key, 0.0) + 1.0
    for h, prods_list in extra.items():
        if h not in host_gemm_key:
            continue
        for prods in prods_list:
            for p in prods:
                if p >= 0 and group[p] == h:
                    continue
                x_rows.append((host_gemm_key[h], tensor_of(p)))

    n_t = len(names)
    chip_id, dram_id = n_t, n_t + 1

    def fix(ids: tuple[int, ...]) -> list[int]:
        return [
            chip_id if t == chip_id_placeholder else dram_id if t == dram_placeholder else t
            for t in ids
        ]

    g_keys = list(g_rows)
    v_keys = list(v_rows)
    g_pos = {k: j for j, k in enumerate(g_keys)}
    elements = np.asarray(elems, dtype=np.float64)
    need = _need(
        elements,
        np.asarray(start, dtype=np.int64),
        np.asarray(end, dtype=np.int64),
        np.asarray(pinned, dtype=bool),
        max(n, 1),
    )
    # A layer's vector kernels read each input tensor and write each output tensor once in
    # total: every occurrence carries its share (LSTM: 1/T of the gate pre-activations).
    v_in = _pad([fix(k[2]) for k in v_keys], chip_id)
    v_out = np.asarray([fix((k[3],))[0] for k in v_keys], dtype=np.int64)
    v_cnt = np.asarray([v_rows[k] for k in v_keys], dtype=np.float64)
    v_lay = np.asarray([k[0] for k in v_keys], dtype=np.int64)
    readers: dict[tuple[int, int], float] = {}
    writers: dict[tuple[int, int], float] = {}
    for j in range(len(v_keys)):
        for t in set(v_in[j].tolist()):
            readers[(v_lay[j], t)] = readers.get((v_lay[j], t), 0.0) + v_cnt[j]
        writers[(v_lay[j], v_out[j])] = writers.get((v_lay[j], v_out[j]), 0.0) + v_cnt[j]
    v_in_share = np.zeros(v_in.shape)
    for j in range(len(v_keys)):
        seen: set[int] = set()
        for w, t in enumerate(v_in[j].tolist()):
            if t < n_t and t not in seen:
                v_in_share[j, w] = 1.0 / readers[(v_lay[j], t)]
                seen.add(t)
    v_out_share = np.asarray(
        [1.0 / writers[(v_lay[j], v_out[j])] for j in range(len(v_keys))], dtype=np.float64
    )
    g_rep, g_rep_list = _representatives(
        g_keys, g_pos, x_rows, elements, need, members, layers, n_t, chip_id
    )
    return Schedule(
        fusion=fusion,
        layer_role=role,
        layer_host=np.where(np.asarray(alias), -1, group).astype(np.int64),
        tensor_names=tuple(names),
        tensor_elements=elements,
        tensor_need=need,
        g_layer=np.asarray([k[0] for k in g_keys], dtype=np.int64),
        g_kernel=np.asarray([k[1] for k in g_keys], dtype=np.int64),
        g_count=np.asarray([g_rows[k] for k in g_keys], dtype=np.float64),
        g_a=_pad([fix(k[2]) for k in g_keys], chip_id),
        g_b=_pad([fix(k[3]) for k in g_keys], chip_id),
        g_b_weight=np.asarray([k[4] for k in g_keys], dtype=bool),
        g_out=np.asarray([fix(k[5])[0] for k in g_keys], dtype=np.int64),
        v_layer=np.asarray([k[0] for k in v_keys], dtype=np.int64),
        v_kernel=np.asarray([k[1] for k in v_keys], dtype=np.int64),
        v_count=np.asarray([v_rows[k] for k in v_keys], dtype=np.float64),
        v_in=v_in,
        v_in_share=v_in_share,
        v_weight=np.asarray([dram_placeholder in k[2] for k in v_keys], dtype=bool),
        v_out=v_out,
        v_out_share=v_out_share,
        v_fused=np.asarray([k[4] for k in v_keys], dtype=bool),
        x_occurrence=np.asarray([g_pos[k] for k, _ in x_rows], dtype=np.int64),
        g_rep=g_rep,
        g_rep_list=g_rep_list,
        x_tensor=np.asarray([t for _, t in x_rows], dtype=np.int64),
        layer_in_tensor=layer_in,
        layer_out_tensor=layer_out,
        fused_members=members,
    )


def _representatives(g_keys, g_pos, x_rows, elements, need, members, layers, n_t, chip_id):
    """Group GEMM occurrences whose mapping choice is the same problem in every
    configuration: same kernel, same operand tensors up to (size, residency need), same
    extra reads, same fused element-wise work. Returns (representative of each, list)."""

    def tensor_sig(t: int) -> tuple:
        if t < 0:  # placeholders: -2 on-chip state, -3 a DRAM operand (weight)
            return ("chip" if t == -2 else "dram",)
        return (float(elements[t]), float(need[t]))

    extra: dict[int, list[tuple]] = {}
    for key, t in x_rows:
        extra.setdefault(g_pos[key], []).append(tensor_sig(t))
    sigs: dict[tuple, int] = {}
    rep = np.zeros(len(g_keys), dtype=np.int64)
    for j, key in enumerate(g_keys):
        layer, kernel, a, b, b_weight, out = key
        fused = tuple(
            (layers[f].kind, tuple(map(repr, layers[f].kernels()))) for f in members.get(layer, [])
        )
        sig = (
            kernel,
            tuple(tensor_sig(t) for t in a),
            tuple(tensor_sig(t) for t in b),
            b_weight,
            tensor_sig(out[0]),
            tuple(sorted(extra.get(j, []))),
            fused,
        )
        rep[j] = sigs.setdefault(sig, j)
    return rep, np.asarray(sorted(set(rep.tolist())), dtype=np.int64)


_CACHE: dict[tuple[int, bool], tuple[Network, Schedule]] = {}


def schedule_for(network: Network, fusion: bool) -> Schedule:
    """:func:`build_schedule`, cached per network object (networks are immutable)."""
    key = (id(network), fusion)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is network:
        return hit[1]
    sched = build_schedule(network, fusion)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = (network, sched)
    return sched
