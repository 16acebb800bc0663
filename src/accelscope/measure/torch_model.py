"""Measuring the PyTorch reference modules of the zoo on the CPU (or a GPU when present),
optionally over widths (the hidden size of the LSTM language model)."""

from __future__ import annotations

from typing import Any

from accelscope.errors import MissingDependencyError, SpecError, UnknownNameError, suggest
from accelscope.measure.protocol import Measurement, time_callable

#: Zoo names with a PyTorch reference module -> the module's key in ``zoo_torch``.
MEASURABLE: dict[str, str] = {
    "resnet-18": "resnet18",
    "alexnet": "alexnet",
    "mobilenet-v2": "mobilenetv2",
    "lstm-lm": "lstm-lm",
}
#: Zoo models whose ``--widths`` sweep a constructor argument.
WIDTHS: dict[str, str] = {"lstm-lm": "hidden"}


def _torch():
    try:
        import torch
    except ImportError:
        raise MissingDependencyError(
            "measuring needs PyTorch: pip install 'accelscope[torch]'"
        ) from None
    return torch


def reference_key(name: str) -> str:
    """The ``zoo_torch`` key of measurable zoo model *name* (UnknownNameError if none)."""
    key = MEASURABLE.get(name)
    if key is None:
        known = list(MEASURABLE)
        raise UnknownNameError(
            f"no PyTorch module to measure for '{name}'{suggest(name, known)}; "
            f"measurable: {', '.join(known)}"
        )
    return key


def check_device(device: str) -> None:
    torch = _torch()
    if device not in ("cpu", "cuda"):
        raise SpecError(f"--device '{device}': expected cpu or cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise SpecError("--device cuda: no GPU is available on this machine")


def time_module(
    module: Any, x: Any, *, device: str = "cpu", runs: int = 30, warmup: int = 5
) -> Measurement:
    """Latency of ``module(x)`` in inference mode (module moved to *device*, eval mode)
    with the protocol of :mod:`accelscope.measure.protocol`."""
    torch = _torch()
    module = module.to(device).eval()
    x = x.to(device)

    def call() -> Any:
        with torch.inference_mode():
            out = module(x)
        if device == "cuda":
            torch.cuda.synchronize()
        return out

    return time_callable(call, runs=runs, warmup=warmup)


def measure_model(
    name: str,
    *,
    device: str = "cpu",
    threads: int = 2,
    runs: int = 30,
    warmup: int = 5,
    width: int | None = None,
    batch: int = 1,
    seq_len: int = 35,
    seed: int = 0,
) -> Measurement:
    """Latency of zoo model *name*'s PyTorch module (random weights, inference mode) with
    the protocol of :mod:`accelscope.measure.protocol`, on *threads* CPU threads."""
    torch = _torch()
    from accelscope.workload import zoo_torch

    key = reference_key(name)
    check_device(device)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    builder = zoo_torch.REFERENCE_MODULES[key]
    if width is not None:
        if key not in WIDTHS:
            raise SpecError(f"--widths: '{name}' has no width to sweep (only {', '.join(WIDTHS)})")
        module = builder(**{WIDTHS[key]: int(width)})
    else:
        module = builder()
    x = zoo_torch.example_input(key, batch, seq_len)
    return time_module(module, x, device=device, runs=runs, warmup=warmup)
