"""Workloads: the IR, lowering to kernels, importers and the model zoo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from accelscope.lazy import lazy_getattr

#: Public names imported on first use, so importing a submodule (the zoo catalogue,
#: say) does not load NumPy and pydantic.
_LAZY: dict[str, str] = {
    "ConvGeometry": "accelscope.workload.kernels",
    "GemmKernel": "accelscope.workload.kernels",
    "KernelTable": "accelscope.workload.kernels",
    "VectorKernel": "accelscope.workload.kernels",
    "Network": "accelscope.workload.network",
    "from_yaml": "accelscope.workload.yaml_import",
    **{
        name: "accelscope.workload.ops"
        for name in (
            "GRU", "LSTM", "RNN", "Attention", "Conv2d", "Elementwise", "Embedding", "Linear",
            "MatMul", "Norm", "Pool2d", "ShapeOp", "Softmax", "Unsupported",
        )
    },
}  # fmt: skip

if TYPE_CHECKING:  # pragma: no cover
    from accelscope.workload.kernels import ConvGeometry, GemmKernel, KernelTable, VectorKernel
    from accelscope.workload.network import Network
    from accelscope.workload.ops import (
        GRU,
        LSTM,
        RNN,
        Attention,
        Conv2d,
        Elementwise,
        Embedding,
        Linear,
        MatMul,
        Norm,
        Pool2d,
        ShapeOp,
        Softmax,
        Unsupported,
    )
    from accelscope.workload.yaml_import import from_yaml


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


__all__ = [
    "Network",
    "ConvGeometry",
    "GemmKernel",
    "VectorKernel",
    "KernelTable",
    "Conv2d",
    "Linear",
    "MatMul",
    "LSTM",
    "GRU",
    "RNN",
    "Attention",
    "Embedding",
    "Elementwise",
    "Pool2d",
    "Norm",
    "Softmax",
    "ShapeOp",
    "Unsupported",
    "from_yaml",
    "from_onnx",
    "from_torch",
    "load_model",
]


def from_onnx(path: str | Path, **kwargs: Any) -> Network:
    """Import an ONNX file (see :func:`accelscope.workload.onnx_import.from_onnx`)."""
    from accelscope.workload.onnx_import import from_onnx as _from_onnx

    return _from_onnx(path, **kwargs)


def from_torch(module: Any, example_inputs: Any, **kwargs: Any) -> Network:
    """Import a PyTorch module (see :func:`accelscope.workload.torch_import.from_torch`)."""
    from accelscope.workload.torch_import import from_torch as _from_torch

    return _from_torch(module, example_inputs, **kwargs)


def load_model(
    spec: str | Path,
    *,
    batch: int | None = None,
    seq_len: int | None = None,
    allow_unsupported: bool = False,
    input_shapes: dict[str, list[int]] | None = None,
) -> Network:
    """Load a network from a zoo name, an ``.onnx`` file or a ``.yaml``/``.yml`` file."""
    from accelscope.errors import InputFileError

    text = str(spec)
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return from_onnx(
            path, allow_unsupported=allow_unsupported, input_shapes=input_shapes, batch=batch
        )
    if suffix in (".yaml", ".yml"):
        from accelscope.workload.yaml_import import from_yaml

        return from_yaml(path, batch=batch, seq_len=seq_len)
    if path.exists() or "/" in text or suffix:
        if not path.exists():
            raise InputFileError(f"{text}: no such file")
        raise InputFileError(
            f"{text}: unrecognized model file type '{suffix or '(none)'}'; "
            "expected .onnx, .yaml or .yml, or a zoo name (see 'accelscope zoo list')"
        )
    from accelscope.workload import zoo

    return zoo.get(text, batch=batch, seq_len=seq_len)
