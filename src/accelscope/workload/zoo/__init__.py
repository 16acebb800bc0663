"""Built-in model zoo: IR networks built from published layer shapes.

``list_models()`` lists the catalogue; ``get(name, batch, seq_len)`` builds a
:class:`~accelscope.workload.network.Network`. Every model mirrors the operators its
PyTorch reference implementation executes in inference (torchvision, HuggingFace,
PyTorch examples); deviations are listed in docs/zoo.md.
"""

from __future__ import annotations

from accelscope.errors import SpecError, UnknownNameError, suggest
from accelscope.workload.network import Network
from accelscope.workload.zoo import cnn, detector, rnn, transformer  # noqa: F401  (registers)
from accelscope.workload.zoo._registry import REGISTRY, ZooEntry

__all__ = ["ZooEntry", "list_models", "get"]


def list_models() -> list[ZooEntry]:
    """All built-in models, in catalogue order (CNNs, detector, RNNs, transformers)."""
    return [entry for entry, _ in REGISTRY.values()]


def _canonical(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _resolve(name: str) -> str:
    key = _canonical(name)
    if key in REGISTRY:
        return key
    # Accept spellings without dashes ("resnet50", "mobilenetv2").
    compact = {n.replace("-", ""): n for n in REGISTRY}
    if key.replace("-", "") in compact:
        return compact[key.replace("-", "")]
    names = list(REGISTRY)
    raise UnknownNameError(
        f"unknown zoo model '{name}'{suggest(key, names)}; see 'accelscope zoo list'"
    )


def _check_positive(field: str, value: object, model: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise SpecError(f"zoo model '{model}': {field} must be a positive integer, got {value!r}")
    return value


def get(name: str, batch: int | None = None, seq_len: int | None = None) -> Network:
    """Build zoo model *name* for *batch* samples (and *seq_len* tokens/steps/frames).

    Defaults come from the catalogue entry. Raises :class:`UnknownNameError` for an
    unknown name and :class:`SpecError` for a non-positive batch or sequence length, a
    sequence length given to a model without one, or one beyond the model's position table.
    """
    key = _resolve(name)
    entry, factory = REGISTRY[key]
    b = entry.default_batch if batch is None else _check_positive("batch", batch, key)
    if seq_len is not None and entry.default_seq_len is None:
        raise SpecError(
            f"zoo model '{key}' has no sequence dimension; leave seq_len unset (got {seq_len!r})"
        )
    t = entry.default_seq_len if seq_len is None else _check_positive("seq_len", seq_len, key)
    if t is not None and entry.max_seq_len is not None and t > entry.max_seq_len:
        raise SpecError(
            f"zoo model '{key}': seq_len {t} exceeds the maximum of {entry.max_seq_len} "
            "allowed by its position embeddings"
        )
    return factory(b, t)
