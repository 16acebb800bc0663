"""Zoo catalogue entries and the registry that family modules fill."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from accelscope.workload.network import Network

#: A model factory: ``(batch, seq_len) -> Network``; ``seq_len`` is None for CNNs.
Factory = Callable[[int, int | None], Network]


@dataclass(frozen=True)
class ZooEntry:
    """Catalogue row of one built-in model.

    ``default_seq_len`` is None for models without a sequence dimension; ``max_seq_len``
    is the longest sequence the model's position table allows (None: unbounded).
    ``source`` cites the paper / reference implementation the layer shapes follow.
    """

    name: str
    family: str
    description: str
    default_batch: int
    default_seq_len: int | None
    source: str
    max_seq_len: int | None = None


REGISTRY: dict[str, tuple[ZooEntry, Factory]] = {}


def register(entry: ZooEntry) -> Callable[[Factory], Factory]:
    """Decorator: add the factory to :data:`REGISTRY` under ``entry.name``."""

    def deco(factory: Factory) -> Factory:
        if entry.name in REGISTRY:
            raise ValueError(f"duplicate zoo model name '{entry.name}'")
        REGISTRY[entry.name] = (entry, factory)
        return factory

    return deco
