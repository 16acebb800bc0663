"""Hardware-guided symbiotic training (after Yin et al., "Hardware-guided symbiotic
training for compact, accurate, yet execution-efficient LSTM"): grow-and-prune of a
stacked LSTM language model with block sparsity the accelerator can skip, and hidden-size
moves on the accelerator's latency staircase. See :mod:`.loop` and docs/codesign.md."""

from __future__ import annotations

from accelscope.codesign.symbiotic.loop import (
    TINY,
    SymbioticConfig,
    SymbioticResult,
    density_schedule,
    run_symbiotic,
    train_dense,
)

__all__ = [
    "TINY",
    "SymbioticConfig",
    "SymbioticResult",
    "density_schedule",
    "run_symbiotic",
    "train_dense",
]
