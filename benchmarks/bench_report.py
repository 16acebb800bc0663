"""Peak memory and time of ``accelscope report`` on a large exploration (not a test).

Explores AlexNet over the 987,840-point space of ``bench_explore.py`` (``--points 1m``) or
the 9,878,400-point space of ``bench_memory.py`` (``--points 10m``) with 2 worker
processes into a temporary directory (or reuses ``--run DIR``), then renders its HTML
report in a fresh process and prints that process's peak RSS. Target: the report's memory
does not grow with the run (it reads ``results.parquet`` row group by row group).

    .venv/bin/python benchmarks/bench_report.py [--points 1m|10m] [--run DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from bench_explore import SPACE_1M  # same folder: run as a script
from bench_memory import SPACE_10M

#: Runs the report in a child and prints that child's peak RSS (KiB on Linux).
MEASURE = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def explore(space: dict, run: Path) -> None:
    path = run.parent / "space.yaml"
    path.write_text(yaml.safe_dump(space))
    cmd = [
        sys.executable, "-m", "accelscope", "explore", "alexnet", "--space", str(path),
        "--objective", "latency", "--objective", "area", "--out", str(run),
        "--executor", "processes", "--strategy", "exhaustive", "--json",
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)


def report(run: Path) -> None:
    html = run.parent / "report.html"
    cmd = [sys.executable, "-m", "accelscope", "report", str(run), "-o", str(html)]
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *cmd], check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - t0
    rows = _rows(run / "results.parquet")
    print(
        f"report of {rows:,} designs: {wall:.1f} s wall, peak RSS "
        f"{int(out.stdout.strip()) / 1024:.0f} MiB, {html.stat().st_size / 2**20:.1f} MiB HTML"
    )


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as handle:
        return handle.metadata.num_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", choices=("1m", "10m"), default="1m")
    parser.add_argument("--run", type=Path, help="an existing explore --out directory")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.run is not None:
        report(args.run)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        explore(SPACE_1M if args.points == "1m" else SPACE_10M, run)
        report(run)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
