# ruff: noqa: E402  (BLAS thread limits must be set before NumPy is imported)
"""Speed and memory benchmark of the vectorized cost model.

Evaluates ResNet-50 and BERT-base (model zoo) on N random configurations (seeded) and
prints (configuration x layer) evaluations per second -- mapping search included -- and
the peak memory. Run on purpose (not part of the test suite)::

    .venv/bin/python benchmarks/bench_cost_model.py [--configs 100000] [--chunk N]

Targets on a 2-core machine: >= 2,000,000 evaluations per CPU-second on ResNet-50 and
< 2 GB peak memory. BLAS is limited to one thread (the cost model's matrix products are small; idle
BLAS threads only spin and inflate the CPU time), and the compiled inner loops are warmed
up before timing (numba compiles them once per installation).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import resource
import sys
import time
import tracemalloc

import numpy as np

from accelscope.targets.asic.cost import ConfigBatch, evaluate_batch
from accelscope.workload import zoo


def random_configs(n: int, seed: int = 0) -> ConfigBatch:
    """*n* random configurations over a broad design space (half unified buffers)."""
    rng = np.random.default_rng(seed)
    pow2 = lambda lo, hi: 2 ** rng.integers(lo, hi + 1, n)  # noqa: E731
    unified = rng.random(n) < 0.5
    nan = np.full(n, np.nan)
    return ConfigBatch.from_columns(
        clock_mhz=rng.choice([500.0, 700.0, 1000.0, 1500.0], n),
        rows=pow2(3, 8),
        cols=pow2(3, 8),
        units=rng.choice([1, 2, 4], n),
        dataflow=rng.integers(0, 4, n),
        lanes=pow2(2, 8),
        precision=rng.choice([0, 2], n),
        unified_kib=np.where(unified, pow2(7, 14), nan),
        input_kib=np.where(unified, nan, pow2(5, 12)),
        weight_kib=np.where(unified, nan, pow2(5, 12)),
        output_kib=np.where(unified, nan, pow2(5, 12)),
        double_buffering=rng.random(n) < 0.7,
        dram_gbps=rng.choice([4.0, 16.0, 34.0, 64.0, 256.0], n),
        technology=rng.integers(0, 4, n),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=None)
    parser.add_argument("--models", nargs="*", default=["resnet50", "bert-base"])
    parser.add_argument("--tracemalloc", action="store_true", help="also trace NumPy peaks")
    args = parser.parse_args(argv)

    configs = random_configs(args.configs)
    evaluate_batch(zoo.get("alexnet"), random_configs(64, seed=1))  # warm up the compiled loops
    print(f"{args.configs:,} random configurations (seed 0)")
    for name in args.models:
        net = zoo.get(name)
        table = net.kernel_table
        n_layers = len(net.layers)
        if args.tracemalloc:
            tracemalloc.start()
        t0, c0 = time.perf_counter(), time.process_time()
        res = evaluate_batch(net, configs, chunk_size=args.chunk)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        traced = ""
        if args.tracemalloc:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            traced = f", traced peak {peak / 2**20:.0f} MiB"
        evals = args.configs * n_layers
        print(
            f"{name:10s} {n_layers} layers ({table.n_gemm} unique GEMMs, {table.n_vec} vector "
            f"kernels): {dt:.2f} s wall, {evals / dt:,.0f} (config x layer) evaluations/s "
            f"({evals / cpu:,.0f} per CPU-second; wall time suffers when other processes "
            f"share the cores), {res.feasible.mean():.1%} feasible{traced}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    print(f"peak resident memory (whole process): {rss * scale / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
