# ruff: noqa: E501  (one case per line reads best as a table)
"""Hostile and careless input, as a user would type it: every case ends in one line
``error: ...`` on stderr and exit status 2 -- never a traceback, never a silent run.

Cases cover CLI flags, network YAML, architecture YAML, design spaces, ONNX files and
result directories (issue 11). Usage errors raised by typer's bundled click are in
tests/test_cli.py.
"""

from __future__ import annotations

import pytest

NET_OK = "name: ok\nlayers:\n  - {name: a, op: linear, in_features: 4, out_features: 4}\n"
ARCH = (
    "spec_version: 1\nclock_mhz: {clock}\ntechnology: 28nm\n"
    "tensor_units: {{rows: {rows}, cols: 4}}\nbuffers: {{unified_kib: {kib}}}\n"
    "dram: {{bandwidth_gbps: {bw}, type: {dram}}}\n"
)
SPACE = (
    "name: s\nparameters:\n  clock_mhz: {clock}\n  rows: {rows}\n  cols: 16\n"
    "  dram_gbps: 10\n  unified_kib: 256\n"
)


CHIP_TABLE = (
    "spec_version: 1\nchips:\n  - {{chip: c, team: t, source: s, arch: {{preset: edge}}, rows: "
    "[{{metric: latency_ms, workload: {{model: alexnet}}, layer: {layer}, published: 1, "
    "source: s}}]}}\n"
)


def _arch(clock="1000", rows="4", kib="64", bw="10", dram="ddr4") -> str:
    return ARCH.format(clock=clock, rows=rows, kib=kib, bw=bw, dram=dram)


#: (id, files to write {name: text or bytes}, arguments with {dir} for the temp directory,
#: a fragment the one-line message must contain)
CASES: list[tuple[str, dict, list[str], str]] = [
    # ---- CLI flags -------------------------------------------------------------------
    ("batch-beyond-int64", {}, ["evaluate", "resnet50", "--batch", str(10**20)], "--batch"),
    ("batch-zero", {}, ["codesign", "lstm-lm", "--arch", "edge", "--batch", "0"], "--batch"),
    ("seq-len-negative", {}, ["evaluate", "bert-base", "--seq-len", "-3"], "--seq-len"),
    ("seed-negative", {}, ["explore", "alexnet", "--seed", "-1"], "--seed"),
    ("seed-huge", {}, ["multi", "alexnet", "--seed", str(2**40)], "--seed"),
    ("top-negative", {}, ["explore", "alexnet", "--top", "-5"], "--top"),
    ("time-budget-nan", {}, ["explore", "alexnet", "--time-budget", "nan"], "--time-budget"),
    ("time-budget-inf", {}, ["multi", "alexnet", "--time-budget", "inf"], "--time-budget"),
    ("time-budget-zero", {}, ["explore", "alexnet", "--time-budget", "0"], "--time-budget"),
    ("workers-zero", {}, ["explore", "alexnet", "--workers", "0"], "--workers"),
    ("budget-zero", {}, ["explore", "alexnet", "--budget", "0"], "--budget"),
    ("budget-text", {}, ["explore", "alexnet", "--budget", "abc"], "--budget"),
    ("strategy-unknown", {}, ["explore", "alexnet", "--strategy", "greedy"], "greedy"),
    ("arch-unknown", {}, ["evaluate", "alexnet", "--arch", "tpu_v1"], "tpu_v1"),
    ("mode-unknown", {}, ["multi", "alexnet", "vgg-16", "--mode", "median"], "median"),
    ("tie-break-unknown", {}, ["multi", "alexnet", "--tie-break", "size"], "size"),
    ("min-params-nan", {}, ["codesign", "lstm-lm", "--min-params", "nan"], "--min-params"),
    ("multiple-zero", {}, ["codesign", "lstm-lm", "--multiple", "0"], "--multiple"),
    ("constraint-garbage", {}, ["explore", "alexnet", "--constraint", "area <<< 3"], "area"),
    ("model-unknown", {}, ["evaluate", "resnet5O"], "resnet5O"),
    # ---- network YAML ----------------------------------------------------------------
    ("yaml-empty", {"n.yaml": ""}, ["workload", "show", "{dir}/n.yaml"], "n.yaml"),
    ("yaml-syntax", {"n.yaml": "name: [a\n"}, ["workload", "show", "{dir}/n.yaml"], "YAML"),
    ("yaml-binary", {"n.yaml": bytes(range(256))}, ["workload", "show", "{dir}/n.yaml"], "text"),
    (
        "yaml-layers-not-list",
        {"n.yaml": "name: x\nlayers: 3\n"},
        ["workload", "show", "{dir}/n.yaml"],
        "layers",
    ),  # noqa: E501
    (
        "yaml-unknown-op",
        {"n.yaml": "name: x\nlayers:\n  - {name: a, op: warp}\n"},
        ["workload", "show", "{dir}/n.yaml"],
        "warp",
    ),  # noqa: E501
    (
        "yaml-duplicate-names",
        {"n.yaml": NET_OK + "  - {name: a, op: linear, in_features: 4, out_features: 4}\n"},
        ["workload", "show", "{dir}/n.yaml"],
        "duplicate",
    ),  # noqa: E501
    (
        "yaml-dim-2p63",
        {
            "n.yaml": "name: x\nlayers:\n  - {name: a, op: linear, in_features: 9223372036854775808, out_features: 4}\n"
        },
        ["workload", "show", "{dir}/n.yaml"],
        "in_features",
    ),  # noqa: E501
    (
        "yaml-batch-string-expression",
        {
            "n.yaml": "name: x\nbatch: zzzzzzzz\nlayers:\n  - {name: a, op: linear, in_features: 'batch * 100000000', out_features: 4}\n"
        },
        ["workload", "show", "{dir}/n.yaml"],
        "batch",
    ),  # noqa: E501
    (
        "yaml-batch-list-expression",
        {
            "n.yaml": "name: x\nbatch: [1, 2]\nlayers:\n  - {name: a, op: linear, in_features: 'batch * 100000000', out_features: 4}\n"
        },
        ["workload", "show", "{dir}/n.yaml"],
        "batch",
    ),  # noqa: E501
    (
        "yaml-macs-overflow",
        {
            "n.yaml": "name: x\nlayers:\n  - {name: a, op: linear, rows: 1000000000, in_features: 1000000000, out_features: 1000000000000}\n"
        },
        ["workload", "show", "{dir}/n.yaml"],
        "MACs",
    ),  # noqa: E501
    (
        "yaml-expression-overflow",
        {
            "n.yaml": "name: x\nbatch: 1099511627776\nlayers:\n  - {name: a, op: linear, in_features: 'batch * batch', out_features: 4}\n"
        },
        ["workload", "show", "{dir}/n.yaml"],
        "batch",
    ),  # noqa: E501
    # ---- architecture YAML -----------------------------------------------------------
    (
        "arch-rows-2p63",
        {"a.yaml": _arch(rows=str(2**63))},
        ["evaluate", "alexnet", "--arch", "{dir}/a.yaml"],
        "rows",
    ),  # noqa: E501
    (
        "arch-kib-inf",
        {"a.yaml": _arch(kib=".inf")},
        ["evaluate", "alexnet", "--arch", "{dir}/a.yaml"],
        "unified_kib",
    ),  # noqa: E501
    (
        "arch-bandwidth-nan",
        {"a.yaml": _arch(bw=".nan")},
        ["evaluate", "alexnet", "--arch", "{dir}/a.yaml"],
        "bandwidth_gbps",
    ),  # noqa: E501
    (
        "arch-clock-too-fast",
        {"a.yaml": _arch(clock="3000")},
        ["evaluate", "alexnet", "--arch", "{dir}/a.yaml"],
        "clock",
    ),  # noqa: E501
    (
        "arch-dram-type",
        {"a.yaml": _arch(dram="gddr9")},
        ["evaluate", "alexnet", "--arch", "{dir}/a.yaml"],
        "gddr9",
    ),  # noqa: E501
    (
        "arch-port-negative",
        {
            "a.yaml": _arch().replace(
                "unified_kib: 64}", "unified_kib: 64, port_bytes_per_cycle: -3}"
            )
        },
        ["evaluate", "alexnet", "--arch", "{dir}/a.yaml"],
        "port_bytes_per_cycle",
    ),
    (
        "arch-staging-zero",
        {"a.yaml": _arch().replace("unified_kib: 64}", "unified_kib: 64, staging_kib: 0}")},
        ["evaluate", "alexnet", "--arch", "{dir}/a.yaml"],
        "staging_kib",
    ),
    (
        "arch-execution-unknown",
        {"a.yaml": _arch() + "execution: {fusion: max}\n"},
        ["evaluate", "alexnet", "--arch", "{dir}/a.yaml"],
        "execution.fusion",
    ),
    (
        "arch-winograd-unknown",
        {"a.yaml": _arch() + "execution: {winograd: yes}\n"},
        ["evaluate", "alexnet", "--arch", "{dir}/a.yaml"],
        "execution.winograd",
    ),
    (
        "arch-winograd-number",
        {"a.yaml": _arch() + "execution: {winograd: 3}\n"},
        ["evaluate", "alexnet", "--arch", "{dir}/a.yaml"],
        "execution.winograd",
    ),
    # ---- design spaces ---------------------------------------------------------------
    (
        "space-winograd-unknown",
        {"s.yaml": SPACE.format(clock=1000, rows=16) + "  winograd: [none, f4x4]\n"},
        ["explore", "alexnet", "--space", "{dir}/s.yaml"],
        "winograd",
    ),
    (
        "space-tiny-step",
        {"s.yaml": SPACE.format(clock="{range: [100, 1000, 0.0000001]}", rows=16)},
        ["explore", "alexnet", "--space", "{dir}/s.yaml"],
        "larger step",
    ),  # noqa: E501
    (
        "space-too-big",
        {
            "s.yaml": SPACE.format(clock="{range: [1, 90000, 1]}", rows="{range: [1, 90000, 1]}")
            .replace("cols: 16", "cols: {range: [1, 90000, 1]}")
            .replace("dram_gbps: 10", "dram_gbps: {range: [1, 90000, 1]}")
        },
        ["explore", "alexnet", "--space", "{dir}/s.yaml"],
        "2^53",
    ),  # noqa: E501
    (
        "space-value-2p63",
        {"s.yaml": SPACE.format(clock=1000, rows=2**63)},
        ["explore", "alexnet", "--space", "{dir}/s.yaml"],
        "rows",
    ),  # noqa: E501
    (
        "space-not-numbers",
        {"s.yaml": SPACE.format(clock=1000, rows="[16, abc]")},
        ["explore", "alexnet", "--space", "{dir}/s.yaml"],
        "rows",
    ),  # noqa: E501
    (
        "space-unknown-parameter",
        {"s.yaml": SPACE.format(clock=1000, rows=16) + "  colums: 3\n"},
        ["explore", "alexnet", "--space", "{dir}/s.yaml"],
        "colums",
    ),  # noqa: E501
    # ---- ONNX --------------------------------------------------------------------------
    (
        "onnx-garbage",
        {"m.onnx": bytes(range(7, 250))},
        ["workload", "show", "{dir}/m.onnx"],
        "m.onnx",
    ),  # noqa: E501
    ("onnx-empty", {"m.onnx": b""}, ["workload", "show", "{dir}/m.onnx"], "m.onnx"),
    ("model-extension", {"m.txt": "x"}, ["evaluate", "{dir}/m.txt"], "m.txt"),
    # ---- result directories and outputs ----------------------------------------------
    (
        "explore-out-is-file",
        {"f": "x"},
        ["explore", "alexnet", "--out", "{dir}/f"],
        "not a directory",
    ),  # noqa: E501
    (
        "codesign-out-is-file",
        {"f": "x"},
        ["codesign", "lstm-lm", "--arch", "edge", "--out", "{dir}/f"],
        "not a directory",
    ),  # noqa: E501
    ("report-missing-dir", {}, ["report", "{dir}/nothing", "-o", "{dir}/r.html"], "does not exist"),  # noqa: E501
    (
        "report-empty-dir",
        {"d/.keep": ""},
        ["report", "{dir}/d", "-o", "{dir}/r.html"],
        "summary.json",
    ),  # noqa: E501
    (
        "report-to-directory",
        {"d/.keep": ""},
        ["evaluate", "alexnet", "--report", "{dir}/d"],
        "directory",
    ),  # noqa: E501
    (
        "out-parent-missing",
        {},
        ["evaluate", "alexnet", "--report", "/proc/no/such/r.html"],
        "/proc/no",
    ),  # noqa: E501
    # ---- FPGA designs, spaces and flags -----------------------------------------------
    (
        "fpga-board-unknown",
        {"d.yaml": "target: fpga\nboard: nope\n"},
        ["evaluate", "alexnet", "--arch", "d.yaml"],
        "d.yaml: board: unknown board 'nope'",
    ),
    (
        "fpga-board-list",
        {"d.yaml": "target: fpga\nboard: [1, 2]\n"},
        ["evaluate", "alexnet", "--arch", "d.yaml"],
        "d.yaml: board",
    ),
    (
        "fpga-unrolling-negative",
        {
            "d.yaml": "target: fpga\nboard: zc706\nparadigm: generic\ngeneric: {pixel_par: -1, ci_par: 1, co_par: 1, input_kib: 1, weight_kib: 1, output_kib: 1}\n"
        },
        ["evaluate", "alexnet", "--arch", "d.yaml"],
        "generic.pixel_par",
    ),
    (
        "fpga-buffer-missing",
        {
            "d.yaml": "target: fpga\nboard: zc706\nparadigm: generic\ngeneric: {pixel_par: 1, ci_par: 1, co_par: 1, input_kib: 1, weight_kib: 1}\n"
        },
        ["evaluate", "alexnet", "--arch", "d.yaml"],
        "generic.output_kib",
    ),
    (
        "fpga-precision-bf16",
        {},
        ["evaluate", "alexnet", "--board", "zc706", "--precision", "bf16"],
        "precision",
    ),
    (
        "fpga-clock-huge",
        {"d.yaml": "target: fpga\nboard: zc706\nclock_mhz: 1e20\n"},
        ["evaluate", "alexnet", "--arch", "d.yaml"],
        "clock_mhz",
    ),
    (
        "fpga-huge-engine",
        {
            "d.yaml": "target: fpga\nname: huge\nboard: zc706\nparadigm: generic\ngeneric: {pixel_par: 4096, ci_par: 4096, co_par: 4096, input_kib: 1000000, weight_kib: 1000000, output_kib: 1000000}\n"
        },
        ["evaluate", "alexnet", "--arch", "d.yaml"],
        "does not fit zc706",
    ),
    (
        "fpga-tiny-buffers",
        {
            "d.yaml": "target: fpga\nname: tiny\nboard: zc706\nparadigm: generic\ngeneric: {pixel_par: 1, ci_par: 1, co_par: 1, input_kib: 0.0001, weight_kib: 0.0001, output_kib: 0.0001}\n"
        },
        ["evaluate", "alexnet", "--arch", "d.yaml"],
        "buffers cannot hold",
    ),
    (
        "fpga-space-board-value",
        {"s.yaml": "target: fpga\nparameters:\n  board: [zc706, zz]\n"},
        ["explore", "alexnet", "--space", "s.yaml"],
        "parameters.board: unknown value 'zz'",
    ),
    (
        "fpga-space-no-board",
        {"s.yaml": "target: fpga\nparameters:\n  paradigm: generic\n"},
        ["explore", "alexnet", "--space", "s.yaml"],
        "'board' is required",
    ),
    (
        "fpga-space-asic-parameter",
        {"s.yaml": "target: fpga\nparameters:\n  board: zc706\n  rows: 8\n"},
        ["explore", "alexnet", "--space", "s.yaml"],
        "unknown parameter 'rows' for the fpga target",
    ),
    (
        "space-target-unknown",
        {"s.yaml": "target: gpu\nparameters:\n  board: zc706\n"},
        ["explore", "alexnet", "--space", "s.yaml"],
        "target",
    ),
    (
        "fpga-board-with-asic-space",
        {},
        ["explore", "alexnet", "--board", "zc706", "--space", "default"],
        "is for the asic target",
    ),
    (
        "fpga-objective-area",
        {},
        ["explore", "alexnet", "--board", "zc706", "--objective", "energy"],
        "unknown objective 'energy'",
    ),
    (
        "fpga-constraint-unknown",
        {},
        ["explore", "alexnet", "--board", "zc706", "--constraint", "area_mm2 <= 5"],
        "unknown name 'area_mm2'",
    ),
    (
        "fpga-multi-pipeline",
        {},
        ["multi", "alexnet", "vgg-16", "--space", "fpga"],
        "generic engine",
    ),
    (
        "fpga-codesign-hybrid",
        {},
        ["codesign", "alexnet", "--board", "zc706", "--paradigm", "hybrid"],
        "generic paradigm",
    ),
    ("board-show-unknown", {}, ["board", "show", "zc70"], "unknown board 'zc70'"),
    # ---- published-chip tables (accelscope validate --table) -------------------------
    (
        "table-layer-empty",
        {"t.yaml": CHIP_TABLE.format(layer='""')},
        ["validate", "--table", "{dir}/t.yaml", "--gemms", "0", "--no-rtl"],
        "rows[0].layer",
    ),
    (
        "table-layer-number",
        {"t.yaml": CHIP_TABLE.format(layer="5")},
        ["validate", "--table", "{dir}/t.yaml", "--gemms", "0", "--no-rtl"],
        "rows[0].layer: Input should be a valid string",
    ),
    (
        "table-layer-unknown",
        {"t.yaml": CHIP_TABLE.format(layer="conv99")},
        ["validate", "--table", "{dir}/t.yaml", "--gemms", "0", "--no-rtl"],
        "no layer 'conv99'",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("files", "args", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_hostile_input_is_one_line_and_exit_2(cli, tmp_path, files, args, fragment):
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    res = cli(*(a.replace("{dir}", str(tmp_path)) for a in args), cwd=tmp_path)
    assert res.code == 2, (args, res.stdout[-500:], res.stderr)
    lines = res.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("error: ") and len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert fragment in lines[0], lines[0]


def test_corpus_size():
    assert len(CASES) >= 40


def test_names_are_shown_as_text_not_markup_or_escape_codes(cli, tmp_path):
    # A layer named like rich markup with an ANSI clear-screen code: printed verbatim
    # (markup not interpreted) with the escape shown as \x1b, exit 0.
    net = tmp_path / "n.yaml"
    net.write_text(
        'name: "n[red]x"\nlayers:\n'
        '  - {name: "[/bold]\\x1b[2Jboom", op: linear, in_features: 4, out_features: 4}\n'
    )
    res = cli("workload", "show", str(net))
    assert res.code == 0, res.stderr
    assert "[/bold]\\x1b[2Jboom" in res.stdout and "\x1b" not in res.stdout
