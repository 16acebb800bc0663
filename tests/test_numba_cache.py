"""numba's gufunc cache under concurrent processes (numba issue #10128, open).

Processes that start at different moments on a cold cache could leave a gufunc's kernel
from one process and its wrapper from another, and every later load crashed with a
segmentation fault. Without ``compile_lock`` this test reproduced that in 3 of 8 trials
of six processes started 0.25 s apart; with it, none of the processes may crash.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

EVALUATE = (
    "from accelscope.targets.asic.arch import load_arch;"
    "from accelscope.targets.asic.cost import evaluate;"
    "from accelscope.workload import zoo;"
    "evaluate(zoo.get('alexnet'), load_arch('edge'))"
)


@pytest.mark.slow
def test_staggered_processes_on_a_cold_cache_leave_a_loadable_cache(tmp_path):
    for trial in range(4):
        env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / f"cache-{trial}")}
        procs = []
        for _ in range(6):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", EVALUATE], env=env, stderr=subprocess.PIPE, text=True
                )
            )
            time.sleep(0.25)
        codes = [p.wait(timeout=300) for p in procs]
        later = subprocess.run(
            [sys.executable, "-c", EVALUATE], env=env, capture_output=True, text=True, timeout=300
        )
        assert codes == [0] * 6 and later.returncode == 0, (trial, codes, later.returncode)
