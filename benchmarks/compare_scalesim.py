"""Compute cycles of a few small GEMMs: SCALE-Sim 3.0 next to accelscope's two fold
conventions (docs/assumptions.md, part 3, "Comparison with SCALE-Sim").

SCALE-Sim (``pip install scalesim``) is run in its own interpreter: version 3.0.0 needs
NumPy < 2, which accelscope's environment does not have. Set one up once::

    python3 -m venv /tmp/scalesim && /tmp/scalesim/bin/pip install scalesim 'numpy<2'
    .venv/bin/python benchmarks/compare_scalesim.py --scalesim-python /tmp/scalesim/bin/python

SCALE-Sim runs in GEMM mode with large buffers and computed (stall-free) bandwidth, so its
"Total Cycles" are compute cycles: each fold pays preload, fill and drain, like
``fold_overlap: none``. Not part of the test suite (SCALE-Sim is not a dependency).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from accelscope.targets.asic.cost.systolic import gemm_compute_cycles

#: (M, N, K): SCALE-Sim's GEMM-mode order (M x K input, K x N weights).
GEMMS: tuple[tuple[int, int, int], ...] = ((16, 24, 20), (64, 64, 64), (49, 32, 144), (100, 20, 75))
ARRAYS: tuple[tuple[int, int], ...] = ((8, 8), (16, 16), (8, 16))
DATAFLOWS: tuple[str, ...] = ("ws", "os", "is")

_CONFIG = """[general]
run_name = cmp

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: 4096
FilterSramSzkB: 4096
OfmapSramSzkB: 4096
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth : 100
Dataflow : {dataflow}
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
"""

_RUNNER = """
import sys
from scalesim.scale_sim import scalesim
s = scalesim(save_disk_space=True, verbose=False, config=sys.argv[1], topology=sys.argv[2],
             layout=sys.argv[3], input_type_gemm=True)
s.run_scale(top_path=sys.argv[4])
"""


def run_scalesim(python: str, rows: int, cols: int, dataflow: str, work: Path) -> list[int]:
    """Total cycles of every GEMM of :data:`GEMMS` on one array and dataflow."""
    tag = f"{rows}x{cols}-{dataflow}"
    cfg, topo, layout = work / f"{tag}.cfg", work / f"{tag}.csv", work / f"{tag}-layout.csv"
    cfg.write_text(_CONFIG.format(rows=rows, cols=cols, dataflow=dataflow))
    rows_csv = "".join(f"g{i}, {m}, {n}, {k},\n" for i, (m, n, k) in enumerate(GEMMS))
    topo.write_text("Layer, M, N, K,\n" + rows_csv)
    layout.write_text(
        "Layer,a,b,c,d,e,f,g,h,\n" + "".join(f"g{i},1,1,1,1,1,1,1,1,\n" for i in range(len(GEMMS)))
    )
    out = work / tag
    subprocess.run(
        [python, "-c", _RUNNER, str(cfg), str(topo), str(layout), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    report = next(out.rglob("COMPUTE_REPORT.csv"))
    with report.open() as fh:
        rows_ = list(csv.reader(fh))[1:]
    return [int(r[2]) for r in rows_ if r]  # "Total Cycles" (without prefetch)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scalesim-python", required=True, help="interpreter with scalesim")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    records = []
    with tempfile.TemporaryDirectory(prefix="scalesim-") as tmp:
        for rows, cols in ARRAYS:
            for df in DATAFLOWS:
                try:
                    theirs = run_scalesim(args.scalesim_python, rows, cols, df, Path(tmp))
                except (subprocess.CalledProcessError, FileNotFoundError, StopIteration) as exc:
                    print(f"error: SCALE-Sim failed on {rows}x{cols} {df}: {exc}", file=sys.stderr)
                    return 2
                for (m, n, k), cyc in zip(GEMMS, theirs, strict=True):
                    none = int(gemm_compute_cycles(df, m, k, n, rows, cols, pipelined=False))
                    pipe = int(gemm_compute_cycles(df, m, k, n, rows, cols, pipelined=True))
                    records.append(
                        {"m": m, "n": n, "k": k, "rows": rows, "cols": cols, "dataflow": df,
                         "scalesim": cyc, "none": none, "pipelined": pipe}
                    )  # fmt: skip
    if args.json:
        print(json.dumps(records, indent=2))
        return 0
    print(f"{'GEMM (M,N,K)':>16} {'array':>6} {'df':>3} {'SCALE-Sim':>10} {'none':>8} "
          f"{'diff':>7} {'pipelined':>10} {'vs SCALE-Sim':>12}")  # fmt: skip
    for r in records:
        d_none = 100.0 * (r["none"] - r["scalesim"]) / r["scalesim"]
        d_pipe = 100.0 * (r["pipelined"] - r["scalesim"]) / r["scalesim"]
        gemm = f"({r['m']},{r['n']},{r['k']})"
        array = f"{r['rows']}x{r['cols']}"
        print(
            f"{gemm:>16} {array:<6} {r['dataflow']:>3} {r['scalesim']:>10} {r['none']:>8} "
            f"{d_none:>+6.1f}% {r['pipelined']:>10} {d_pipe:>+11.1f}%"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
