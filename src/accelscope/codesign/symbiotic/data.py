"""The offline corpus of the symbiotic experiment: English text that ships with CPython.

``pydoc_data/topics.py`` holds the Python reference documentation's help topics as plain
English text (about 0.7 MB in CPython 3.10-3.13), so every machine with Python has it and
nothing is downloaded. Characters are the tokens (a character-level language model); the
last ``val_chars`` characters are the validation text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

CORPUS_SOURCE = "CPython's pydoc_data/topics.py (the Python reference documentation as text)"


@dataclass(frozen=True)
class Corpus:
    train: Any  # torch.LongTensor of character ids
    val: Any
    chars: list[str]

    @property
    def vocab(self) -> int:
        return len(self.chars)


def load_corpus(val_chars: int, train_chars: int | None = None) -> Corpus:
    """The pydoc topic texts joined in sorted key order (deterministic), as ids."""
    from pydoc_data.topics import topics

    import torch

    text = "\n".join(topics[k] for k in sorted(topics))
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    train = data[:-val_chars]
    if train_chars:
        train = train[:train_chars]
    return Corpus(train=train, val=data[-val_chars:], chars=chars)


def random_batch(data: Any, batch: int, seq_len: int, generator: Any) -> tuple[Any, Any]:
    """*batch* random windows of *seq_len* characters and their next characters."""
    import torch

    idx = torch.randint(0, len(data) - seq_len - 1, (batch,), generator=generator).tolist()
    x = torch.stack([data[i : i + seq_len] for i in idx])
    y = torch.stack([data[i + 1 : i + seq_len + 1] for i in idx])
    return x, y


def perplexity(model: Any, data: Any, seq_len: int) -> float:
    """Per-character perplexity on consecutive windows of *data*."""
    import torch

    model.eval()
    n = (len(data) - 1) // seq_len
    x = data[: n * seq_len].view(n, seq_len)
    y = data[1 : n * seq_len + 1].view(n, seq_len)
    with torch.no_grad():
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), y.reshape(-1)
        )
    model.train()
    return math.exp(float(loss))
