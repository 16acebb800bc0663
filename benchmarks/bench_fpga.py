"""FPGA cost model speed: designs evaluated per CPU-second, per paradigm.

    .venv/bin/python benchmarks/bench_fpga.py

Evaluates the packaged `fpga` space's grid (60,750 points: pipeline, generic and hybrid
designs) for AlexNet, VGG-16 and ResNet-50 on a KU115, in chunks of 16,384 as explore
does, and prints designs per CPU-second for each paradigm and in total.
"""

from __future__ import annotations

import time

import numpy as np

from accelscope.search import load_space
from accelscope.search.space import space_from_dict
from accelscope.targets import get_target
from accelscope.workload import load_model

CHUNK = 16_384


def main() -> None:
    base = load_space("fpga").model_dump(mode="json")
    base["parameters"]["board"] = {"value": "ku115"}
    fpga = get_target("fpga")
    for model in ("alexnet", "vgg-16", "resnet-50"):
        net = load_model(model)
        line = [f"{model:10s}"]
        total_points, total_s = 0, 0.0
        for paradigm in ("pipeline", "generic", "hybrid"):
            data = {**base, "parameters": {**base["parameters"], "paradigm": paradigm}}
            space = space_from_dict(data)
            t0 = time.process_time()
            for start in range(0, space.size, CHUNK):
                idx = np.arange(start, min(start + CHUNK, space.size))
                fpga.evaluate_points(net, space.columns(idx))
            elapsed = time.process_time() - t0
            total_points += space.size
            total_s += elapsed
            line.append(f"{paradigm} {space.size / elapsed:,.0f}/s")
        line.append(f"all {total_points / total_s:,.0f} designs/CPU-s")
        print("  ".join(line))


if __name__ == "__main__":
    main()
