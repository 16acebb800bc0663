"""Bounds on every size and count a user can give (flags, specs, networks, spaces).

Values beyond these are rejected with one line naming the flag or field, instead of
overflowing int64 arrays or exhausting memory. They are far above any real accelerator or
network; docs/architectures.md and docs/workloads.md list them.
"""

from __future__ import annotations

import math

#: Batch size and sequence length (flags and specs).
MAX_BATCH = 1 << 20
MAX_SEQ_LEN = 1 << 24
#: One tensor dimension or element count in the IR (2^40, about 1.1e12).
MAX_DIMENSION = 1 << 40
#: Multiply-accumulates of one network (int64-safe sums and products).
MAX_NETWORK_MACS = 1 << 62
#: Worker processes / dask workers.
MAX_WORKERS = 1024
#: Random seeds (NumPy's SeedSequence takes non-negative integers; 32 bits are plenty).
MAX_SEED = (1 << 32) - 1
#: Designs an evolutionary or random search may evaluate.
MAX_SEARCH_BUDGET = 1 << 40
#: Rows of a result table printed.
MAX_TOP = 1 << 20
#: Points of a design space, and values one parameter's range may expand to.
MAX_SPACE_POINTS = 1 << 53
MAX_VALUES_PER_PARAMETER = 100_000


def check_time_budget(value: float | None) -> float | None:
    """``--time-budget``: a finite positive number of seconds (typer callback)."""
    if value is None:
        return None
    if not math.isfinite(value) or value <= 0:
        import typer

        raise typer.BadParameter(f"expected a finite number of seconds > 0, got {value}")
    return value
