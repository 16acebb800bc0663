"""End-to-end speed of design-space exploration (run on purpose, not in the test suite).

1. ResNet-50, exhaustive over a 116,640-point grid, results written durably (`--out`),
   serial and with a 2-process pool. Target on a 2-core machine: <= 10 s end to end.
2. A 987,840-point grid (AlexNet): serial, a 2-process pool and a 2-worker dask
   LocalCluster; prints dask's speed relative to the process pool (target >= 0.9).

    .venv/bin/python benchmarks/bench_explore.py [--skip-dask]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from accelscope.search import space_from_dict
from accelscope.search.runner import explore
from accelscope.workload import zoo

SPACE_100K = {
    "name": "bench-116k",
    "parameters": {
        "rows": {"pow2": [8, 256]},
        "cols": {"pow2": [8, 256]},
        "units": [1, 2, 4],
        "dataflow": ["ws", "os", "is"],
        "unified_kib": {"pow2": [256, 8192]},
        "dram_gbps": [8, 16, 32, 64, 128],
        "clock_mhz": [500, 800, 1000, 1200],
        "lanes": [16, 64, 256],
    },
    "constraints": ["area_mm2 <= 50"],
}

SPACE_1M = {
    "name": "bench-988k",
    "parameters": {
        "rows": {"pow2": [4, 256]},
        "cols": {"pow2": [4, 256]},
        "units": [1, 2, 3, 4],
        "dataflow": ["ws", "os", "is"],
        "unified_kib": {"pow2": [128, 8192]},
        "dram_gbps": [8, 16, 32, 64, 128],
        "clock_mhz": [500, 800, 1000, 1200],
        "lanes": [16, 64, 256],
        "double_buffering": [True, False],
        "technology": ["28nm", "7nm"],
    },
    "constraints": ["area_mm2 <= 50"],
}


def timed(label: str, net, space, **kwargs) -> float:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        res = explore(net, space, objectives=["latency", "area"], out_dir=out, **kwargs)
        dt = time.perf_counter() - t0
    print(
        f"{label:<34} {space.size:>9,} points  {dt:7.2f} s  "
        f"{space.size / dt:>10,.0f} configs/s  feasible {res.feasible:,}  "
        f"pareto {len(res.pareto_rows)}",
        flush=True,
    )
    return dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()

    resnet = zoo.get("resnet-50")
    space = space_from_dict(SPACE_100K)
    print(f"ResNet-50 ({len(resnet.layers)} layers), exhaustive, results written:")
    timed("serial", resnet, space, strategy="exhaustive", executor="serial")
    timed(
        "processes (2 workers)",
        resnet,
        space,
        strategy="exhaustive",
        executor="processes",
        workers=2,
    )

    if args.skip_dask:
        return
    alexnet = zoo.get("alexnet")
    big = space_from_dict(SPACE_1M)
    print(f"\nAlexNet ({len(alexnet.layers)} layers), exhaustive, results written:")
    serial = timed("serial", alexnet, big, strategy="exhaustive", executor="serial")
    procs = timed(
        "processes (2 workers)",
        alexnet,
        big,
        strategy="exhaustive",
        executor="processes",
        workers=2,
    )
    dask = timed(
        "dask LocalCluster (2 workers)",
        alexnet,
        big,
        strategy="exhaustive",
        executor="dask",
        workers=2,
    )
    print(f"dask speed-up over serial: {serial / dask:.2f}x; dask / processes speed: "
          f"{procs / dask:.2f} (target >= 0.9)")  # fmt: skip


if __name__ == "__main__":
    main()
