"""Peak memory of big explorations, run through the CLI as a user would (not a test).

1. A complete exhaustive run over a 9,878,400-point space (AlexNet, results written to
   ``--out``, 2 worker processes). Target: peak RSS <= 1 GB in every process.
2. A 1.2e8-point space under a 60 s ``--time-budget``: the run stops cleanly, keeps its
   parts and summarizes them. Target: peak RSS <= 1 GB.
3. ``multi`` for two networks (AlexNet, VGG-16) over the same 9,878,400 points, with the
   (score, area) front. Target: peak RSS <= 1 GB.
4. ``mix`` (the camera mix of examples/mixes) over 725,760 configurations (serial).

Peak RSS is ``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the largest resident set of any
finished descendant (the CLI process or one of its workers).

    .venv/bin/python benchmarks/bench_memory.py [--skip-full] [--executor processes]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from bench_explore import SPACE_1M  # same folder: run as a script

# The 987,840-point space of bench_explore.py, grown by a DRAM energy axis (x10) and, for
# the budgeted case, finer clock and lane axes.
BASE = SPACE_1M["parameters"]
SPACE_10M = {
    "name": "bench-9.9m",
    "parameters": {**BASE, "dram_pj_per_byte": [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]},
    "constraints": ["area_mm2 <= 50"],
}
SPACE_100M = {
    "name": "bench-100m",
    "parameters": {
        **SPACE_10M["parameters"],
        "clock_mhz": {"range": [400, 1400, 50]},  # 21 values
        "lanes": [8, 16, 32, 64, 128, 256, 512],
    },
    "constraints": ["area_mm2 <= 50"],
}


#: A mix's grid: the camera mix (examples/mixes) over 725,760 configurations; a mix
#: evaluates both execution models and every spatial split, about 4,000 configurations/s.
SPACE_MIX = {
    "name": "bench-mix",
    "parameters": {
        "rows": {"pow2": {"min": 8, "max": 256}}, "cols": {"tie": "rows"},
        "units": [1, 2, 4, 8], "dataflow": ["ws", "os", "is"],
        "unified_kib": {"pow2": {"min": 256, "max": 8192}},
        "dram_gbps": [16, 24, 32, 48, 64, 96, 128],
        "clock_mhz": [500, 600, 700, 800, 900, 1000], "lanes": [16, 32, 64, 128, 256],
        "dram_pj_per_byte": [5, 10, 15, 20, 25, 30, 40, 50],
    },
}  # fmt: skip
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(label: str, space: dict, args: list[str]) -> None:
    """Run ``accelscope *args`` (``{space}`` and ``{out}`` filled in) and print its peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "space.yaml"
        path.write_text(yaml.safe_dump(space))
        out = Path(tmp) / "out"
        filled = [a.format(space=path, out=out) for a in args]
        cmd = [sys.executable, "-m", "accelscope", *filled, "--json"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            print(f"{label}: exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
            return
        doc = json.loads(proc.stdout)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        results = out / "results.parquet"
        size = ""
        if results.exists():
            size = f"; results.parquet {results.stat().st_size / 2**20:.0f} MiB"
        print(
            f"{label}: {doc['evaluated']:,} points evaluated, "
            f"{doc['feasible']:,} feasible, {len(doc['pareto'])} on the front; {wall:.0f} s wall, "
            f"{cpu:.0f} CPU-s; peak RSS {after.ru_maxrss / 2**10:.0f} MiB{size}"
        )


def search_args(command: list[str], executor: str) -> list[str]:
    return [
        *command, "--space", "{space}", "--objective", "latency", "--objective", "area",
        "--out", "{out}", "--executor", executor, "--strategy", "exhaustive",
    ]  # fmt: skip


CASES = {
    "full": ("complete 9.9e6-point run", SPACE_10M, False, ["explore", "alexnet"]),
    "budget": ("1.2e8-point space, --time-budget", SPACE_100M, True, ["explore", "alexnet"]),
    "multi": ("multi, 2 networks, 9.9e6 points", SPACE_10M, False, ["multi", "alexnet", "vgg-16"]),
    "mix": ("mix (camera), 725,760 points", SPACE_MIX, False, None),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-full", action="store_true", help="skip the ~10M-point run")
    parser.add_argument("--executor", default="processes")
    parser.add_argument("--time-budget", type=float, default=60.0)
    parser.add_argument("--case", choices=sorted(CASES), help="run one case only")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.case:  # one case per process, so each peak RSS is its own
        label, space, budgeted, command = CASES[args.case]
        if command is None:  # mix: serial, its own options
            mix = str(EXAMPLES / "mixes" / "camera.yaml")
            run(label, space, ["mix", mix, "--space", "{space}", "--out", "{out}"])
            return 0
        extra = ["--time-budget", str(args.time_budget)] if budgeted else []
        label = f"{label} {args.time_budget:g} s" if budgeted else label
        run(label, space, [*search_args(command, args.executor), *extra])
        return 0
    for case in ("budget",) if args.skip_full else ("full", "budget", "multi", "mix"):
        subprocess.run(
            [sys.executable, __file__, "--case", case, "--executor", args.executor,
             "--time-budget", str(args.time_budget)],
            check=False,
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
