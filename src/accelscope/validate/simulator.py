"""Closed-form compute timing versus the cycle-level simulators (``accelscope validate``,
part 1): random GEMMs on random array shapes, every dataflow, both fold conventions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelscope.targets.asic.cost.reference_sim import simulate_gemm
from accelscope.targets.asic.cost.reference_sim_pipelined import (
    simulate_output_stationary,
    simulate_stationary,
)
from accelscope.targets.asic.cost.systolic import DATAFLOWS, gemm_compute_cycles

#: Array shapes: square, tall, wide, odd, a single PE column/row, larger than the GEMMs.
SHAPES: tuple[tuple[int, int], ...] = (
    (4, 4),
    (8, 8),
    (4, 8),
    (8, 4),
    (16, 3),
    (3, 16),
    (2, 5),
    (12, 14),
    (1, 6),
    (5, 1),
    (64, 64),
    (96, 80),
)


@dataclass
class SimulatorCheck:
    """Outcome of the comparison: counts, and the cases that differed (should be none)."""

    gemms: int
    cases: int
    exact: int
    mismatches: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "gemms": self.gemms,
            "cases": self.cases,
            "exact": self.exact,
            "array_shapes": len(SHAPES),
            "dataflows": list(DATAFLOWS),
            "fold_conventions": ["none", "pipelined"],
            "mismatches": self.mismatches,
        }


def _dims(rng: np.random.Generator, largest: int) -> tuple[int, int, int]:
    dims = np.exp(rng.uniform(0.0, np.log(largest + 1.0), size=3)).astype(np.int64)
    m, k, n = np.clip(dims, 1, largest)
    return int(m), int(k), int(n)


def check_simulators(gemms: int = 60, seed: int = 0, largest: int = 48) -> SimulatorCheck:
    """Simulate *gemms* random GEMMs (M, K, N up to *largest*, log-uniform) cycle by cycle,
    cycling through :data:`SHAPES`, under 3 dataflows x 2 fold conventions; compare the
    products with NumPy and the cycle counts with the closed form."""
    rng = np.random.default_rng(seed)
    check = SimulatorCheck(gemms=gemms, cases=0, exact=0)
    for case in range(gemms):
        m, k, n = _dims(rng, largest)
        rows, cols = SHAPES[case % len(SHAPES)]
        a = rng.integers(-64, 64, size=(m, k))
        b = rng.integers(-64, 64, size=(k, n))
        ref = a @ b
        for df in DATAFLOWS:
            for pipelined in (False, True):
                if pipelined:
                    if df == "os":
                        out, cycles, _ = simulate_output_stationary(a, b, rows, cols)
                    else:
                        out, cycles, _ = simulate_stationary(a, b, rows, cols, df)
                else:
                    sim = simulate_gemm(a, b, rows, cols, df)
                    out, cycles = sim.output, sim.cycles
                closed = int(gemm_compute_cycles(df, m, k, n, rows, cols, pipelined=pipelined))
                check.cases += 1
                if closed == cycles and np.array_equal(out, ref):
                    check.exact += 1
                else:
                    check.mismatches.append(
                        {
                            "m": m,
                            "k": k,
                            "n": n,
                            "rows": rows,
                            "cols": cols,
                            "dataflow": df,
                            "pipelined": pipelined,
                            "simulated": int(cycles),
                            "closed_form": closed,
                            "product_ok": bool(np.array_equal(out, ref)),
                        }
                    )
    return check
