"""Speed of multi-application optimization (run on purpose, not in the test suite).

The reference experiment of ``experiments/multi_app.py``: eight networks over a
70,560-point space, one evaluation pass with results committed durably, then the
scoring. Target on a 2-core machine: <= 60 s end to end. Also times re-scoring the
committed parts for another budget, and the 2-process executor.

    .venv/bin/python benchmarks/bench_multi.py [--skip-processes]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "experiments"))

from multi_app import BUDGET_MM2, NETWORKS, SPACE  # noqa: E402

from accelscope.search import space_from_dict  # noqa: E402
from accelscope.search.multi import multi_explore  # noqa: E402
from accelscope.workload import zoo  # noqa: E402


def timed(label: str, nets, space, out: Path, **kwargs) -> float:
    t0 = time.perf_counter()
    res = multi_explore(
        nets, space, constraints=[f"area_mm2 <= {BUDGET_MM2:g}"], out_dir=out, **kwargs
    )
    dt = time.perf_counter() - t0
    n = space.size * len(nets)
    print(
        f"{label:<36} {space.size:>7,} configs x {len(nets)} nets  {dt:6.2f} s  "
        f"{n / dt:>9,.0f} network-evaluations/s  admissible {res.analysis.feasible:,}  "
        f"selected: optimum of {res.selected_name}",
        flush=True,
    )
    return dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-processes", action="store_true")
    args = parser.parse_args()
    space = space_from_dict(SPACE)
    nets = [zoo.get(n) for n in NETWORKS]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "serial"
        total = timed("serial, durable parts", nets, space, out)
        timed("re-score committed parts", nets, space, out)
        if not args.skip_processes:
            timed("processes (2 workers)", nets, space, Path(tmp) / "proc", executor="processes")
    verdict = "meets" if total <= 60 else "MISSES"
    print(f"reference experiment: {total:.1f} s ({verdict} the 60 s target)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(f"peak resident memory of this process: {rss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
