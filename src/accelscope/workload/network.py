"""The :class:`Network`: an ordered list of typed operators with concrete shapes."""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from accelscope.limits import MAX_BATCH, MAX_NETWORK_MACS, MAX_SEQ_LEN
from accelscope.workload.kernels import Kernel, KernelTable
from accelscope.workload.ops import AnyOp, OpBase, Unsupported, WeightSparsity

Family = Literal["cnn", "rnn", "transformer", "detector", "custom"]


class Network(BaseModel):
    """A DNN workload: named layers in execution order, each with concrete shapes.

    Everything downstream (cost model, search, reports) works on this IR only.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    spec_version: Literal[1] = 1
    name: str = Field(min_length=1)
    family: Family = "custom"
    batch: int = Field(default=1, gt=0, le=MAX_BATCH)
    seq_len: int | None = Field(default=None, gt=0, le=MAX_SEQ_LEN)
    source: str = ""
    layers: tuple[AnyOp, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Network:
        seen: set[str] = set()
        for op in self.layers:
            if op.name in seen:
                raise ValueError(f"duplicate layer name '{op.name}'")
            seen.add(op.name)
        macs = self.total_macs()
        if macs > MAX_NETWORK_MACS:
            raise ValueError(
                f"the network needs {macs:.3g} MACs, more than the {MAX_NETWORK_MACS:.3g} "
                "the cost model supports"
            )
        return self

    # ---- totals ---------------------------------------------------------------------
    def total_macs(self) -> int:
        return sum(op.macs() for op in self.layers)

    def total_params(self) -> int:
        return sum(op.params() for op in self.layers)

    def total_other_ops(self) -> int:
        return sum(op.other_ops() for op in self.layers)

    @property
    def placeholders(self) -> list[Unsupported]:
        """Zero-cost stand-ins for unsupported operators (empty for a clean import)."""
        return [op for op in self.layers if isinstance(op, Unsupported)]

    def layer(self, name: str) -> OpBase:
        for op in self.layers:
            if op.name == name:
                return op
        from accelscope.errors import UnknownNameError, suggest

        raise UnknownNameError(
            f"network '{self.name}' has no layer '{name}'"
            f"{suggest(name, [o.name for o in self.layers])}"
        )

    def with_batch(self, batch: int) -> Network:
        """The same network run on *batch* inferences instead of ``self.batch``.

        Every batch-proportional size (conv/pool/LSTM/attention batch, linear rows,
        element counts, tokens) is scaled by ``batch / self.batch``. Raises ValueError
        when a size is not a multiple of the old batch (the network cannot be re-batched).
        """
        if batch == self.batch:
            return self
        old = self.batch

        def scale(value: int, what: str) -> int:
            if (value * batch) % old:
                raise ValueError(f"{what} = {value} is not proportional to batch {old}")
            return value * batch // old

        fields = {
            "conv2d": ("batch",),
            "pool2d": ("batch",),
            "lstm": ("batch",),
            "gru": ("batch",),
            "rnn": ("batch",),
            "attention": ("batch",),
            "matmul": ("batch",),
            "linear": ("rows",),
            "embedding": ("tokens",),
            "elementwise": ("elements",),
            "norm": ("elements",),
            "softmax": ("rows",),
            "shape": ("elements",),
        }
        layers = []
        for op in self.layers:
            names = fields.get(op.kind, ())
            update = {n: scale(getattr(op, n), f"layer '{op.name}' {n}") for n in names}
            if op.kind == "shape" and op.elements == 0:
                update = {}
            layers.append(op.model_copy(update=update) if update else op)
        data = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self)(**{**data, "batch": batch, "layers": tuple(layers)})

    def with_sparsity(self, sparsity: dict[str, WeightSparsity | dict[str, Any] | None]) -> Network:
        """The same network with the weight sparsity of the named layers set
        (``{layer: WeightSparsity | {"density": d, "block": [k, n]} | None}``; None makes a
        layer dense again). Raises UnknownNameError for a missing layer and ValueError for
        a layer without weights or an invalid density/block."""
        wanted = {
            name: v if v is None or isinstance(v, WeightSparsity) else WeightSparsity(**v)
            for name, v in sparsity.items()
        }
        for name in wanted:
            self.layer(name)  # raises for unknown names
        layers = []
        for op in self.layers:
            if op.name in wanted:
                if wanted[op.name] is not None and op.weight_elements() == 0:
                    raise ValueError(
                        f"layer '{op.name}' ({op.kind}) reads no weights, so 'sparsity' "
                        "does not apply"
                    )
                op = op.model_copy(update={"sparsity": wanted[op.name]})
            layers.append(op)
        data = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self)(**{**data, "layers": tuple(layers)})

    # ---- lowering -------------------------------------------------------------------
    def layer_kernels(self) -> list[tuple[str, list[Kernel]]]:
        """``(layer name, kernels)`` for every layer, in order."""
        return [(op.name, op.kernels()) for op in self.layers]

    def kernels(self) -> list[Kernel]:
        """All kernels of the network, flattened in layer order (with repeats)."""
        return [k for _, ks in self.layer_kernels() for k in ks]

    def kernel_multiset(self) -> Counter:
        return Counter(self.kernels())

    @cached_property
    def kernel_table(self) -> KernelTable:
        """Deduplicated kernels as arrays (cached; networks are immutable)."""
        return KernelTable.from_layers(self.layer_kernels())

    # ---- views ----------------------------------------------------------------------
    def layer_rows(self, precision: str = "int8") -> list[dict[str, Any]]:
        return [
            {
                "name": op.name,
                "op": op.kind,
                "shape": op.shape_summary(),
                "macs": op.macs(),
                "other_ops": op.other_ops(),
                "params": op.params(),
                "input_bytes": op.input_bytes(precision),
                "output_bytes": op.output_bytes(precision),
                "weight_bytes": op.weight_bytes(precision),
            }
            for op in self.layers
        ]

    def summary(self, precision: str = "int8") -> dict[str, Any]:
        """JSON-ready description: totals, layers and deduplicated kernels."""
        table = self.kernel_table
        gemm = [
            {**k.as_dict(), "count": int(c)}
            for k, c in zip(table.unique_gemms(), table.gemm_count, strict=True)
        ]
        vec = [
            {**k.as_dict(), "count": int(c)}
            for k, c in zip(table.unique_vectors(), table.vec_count, strict=True)
        ]
        return {
            "name": self.name,
            "family": self.family,
            "batch": self.batch,
            "seq_len": self.seq_len,
            "source": self.source,
            "precision": precision,
            "total_macs": self.total_macs(),
            "total_params": self.total_params(),
            "total_other_ops": self.total_other_ops(),
            "layers": self.layer_rows(precision),
            "kernels": gemm + vec,
            "unsupported": [
                {"name": p.name, "op_type": p.op_type, "reason": p.reason}
                for p in self.placeholders
            ],
        }

    def to_yaml_dict(self) -> dict[str, Any]:
        """A dict that :func:`accelscope.workload.from_yaml` loads back unchanged."""
        return self.model_dump(mode="json", exclude_defaults=False)
