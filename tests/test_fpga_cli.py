"""FPGA target through the CLI: board, evaluate, explore, export, validate, errors."""

from __future__ import annotations

import yaml


def test_board_list_and_show(cli):
    res = cli("board", "list", "--json")
    assert res.code == 0, res.stderr
    names = [b["name"] for b in res.json()["boards"]]
    required = {"zc706", "vc707", "vc709", "ku115", "vu9p", "u250", "zcu102", "zcu104"}
    assert required | {"ultra96", "pynq-z1"} <= set(names)
    show = cli("board", "show", "ku115", "--json")
    assert show.code == 0, show.stderr
    doc = show.json()
    assert doc["dsp"] == 5520 and doc["bram18"] == 4320 and "DS890" in doc["source"]
    bad = cli("board", "show", "zc70")
    assert bad.code == 2
    assert bad.stderr.strip().startswith("error: unknown board 'zc70'")
    assert "zc706" in bad.stderr and "Traceback" not in bad.stderr


def test_evaluate_fpga_json_has_common_keys_and_resources(cli):
    res = cli("evaluate", "alexnet", "--board", "zc706", "--paradigm", "generic", "--json")
    assert res.code == 0, res.stderr
    doc = res.json()
    assert {"latency_s", "throughput_per_s", "gops", "dsp_efficiency", "layers"} <= set(doc)
    assert doc["target"] == "fpga" and doc["paradigm"] == "generic"
    for name in ("dsp", "bram18", "lut", "ff"):
        assert {"used", "available"} <= set(doc["resources"][name])
    assert doc["resources"]["dsp"]["available"] == 900
    assert doc["resources"]["dsp"]["used"] <= 900
    assert all(layer["engine"] in ("generic", "in line") for layer in doc["layers"])
    table = cli("evaluate", "alexnet", "--board", "zc706", "--paradigm", "hybrid")
    assert table.code == 0, table.stderr
    assert "pipeline" in table.stdout and "generic" in table.stdout and "GOP/s" in table.stdout


def test_evaluate_over_budget_is_one_line_exit_2(cli, tmp_path):
    design = {
        "target": "fpga",
        "name": "too-big",
        "board": "pynq-z1",
        "paradigm": "generic",
        "generic": {"pixel_par": 8, "ci_par": 16, "co_par": 16, "input_kib": 4,
                    "weight_kib": 4, "output_kib": 4},
    }  # fmt: skip
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(design))
    res = cli("evaluate", "alexnet", "--arch", str(path))
    assert res.code == 2
    # 8 x 16 x 16 = 2,048 int16 lanes, one DSP each; the XC7Z020 has 220.
    assert res.stderr.strip() == (
        "error: design 'too-big' does not fit pynq-z1: it needs 2,048 DSP of 220 (+831%)"
    )


def test_fpga_option_mistakes_are_clear(cli):
    cases = [
        (("--arch", "tpu-v1", "--board", "zc706"), "--arch tpu-v1 is an ASIC preset"),
        (("--board", "zc706", "--paradigm", "systolic"), "paradigm"),
        (("--board", "zc706", "--precision", "bf16"), "precision"),
        (("--target", "fpga"), "--target fpga needs --board"),
        (("--target", "gpu"), "unknown target 'gpu'"),
        (("--paradigm", "generic"), "--paradigm and --precision apply to the fpga target"),
    ]
    for args, expected in cases:
        res = cli("evaluate", "alexnet", *args)
        assert res.code == 2, (args, res.stderr)
        assert res.stderr.startswith("error: ") and expected in res.stderr, res.stderr
        assert "Traceback" not in res.stderr
    res = cli("explore", "alexnet", "--target", "fpga", "--space", "default")
    assert res.code == 2 and "is for the asic target" in res.stderr
    res = cli("explore", "alexnet", "--board", "zc706", "--objective", "area")
    assert res.code == 2 and "unknown objective 'area'" in res.stderr


def test_explore_fpga_and_export_reproduces_the_best(cli, tmp_path):
    space = {
        "target": "fpga",
        "name": "small-fpga",
        "parameters": {
            "board": "zc706",
            "paradigm": ["generic", "hybrid"],
            "pipeline_layers": [1, 3],
            "ci_par": [8, 16],
            "co_par": [16, 32],
            "pixel_par": [1, 2],
            "input_kib": 64,
            "weight_kib": 128,
            "output_kib": 64,
        },
    }
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump(space))
    best_yaml = tmp_path / "best.yaml"
    res = cli(
        "explore", "alexnet", "--space", str(path), "--board", "ku115",
        "--objective", "throughput", "--objective", "dsp",
        "--save-best", str(best_yaml), "--json",
    )  # fmt: skip
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["target"] == "fpga" and doc["evaluated"] == 2 * 2 * 2 * 2 * 2
    assert {"best", "pareto", "evaluated", "feasible"} <= set(doc)
    best = doc["best"]
    assert best["board"] == "ku115"  # --board replaced the space's board
    assert {"gops", "dsp", "bram18", "dsp_efficiency"} <= set(best)
    exported = yaml.safe_load(best_yaml.read_text())
    assert exported["target"] == "fpga" and exported["board"] == "ku115"
    again = cli("evaluate", "alexnet", "--arch", str(best_yaml), "--json")
    assert again.code == 0, again.stderr
    assert again.json()["latency_s"] == best["latency_s"]
    assert again.json()["resources"]["dsp"]["used"] == best["dsp"]


def test_validate_json_has_an_fpga_section(cli):
    res = cli("validate", "--gemms", "0", "--json", "--no-rtl")
    assert res.code == 0, res.stderr
    fpga = res.json()["fpga"]
    rows = {(r["chip"], r["metric"]): r for r in fpga["rows"]}
    zhang = rows[("Zhang et al. 2015", "throughput_per_s")]
    # Loop nest by hand (docs/fpga.md): 2,005,892 cycles at 100 MHz for the five layers.
    assert abs(zhang["predicted"] - 100e6 / 2_005_892) < 1e-6
    assert abs(zhang["error_pct"]) <= 15.0
    assert rows[("Zhang et al. 2015", "dsp")]["predicted"] == 2240
    # The Xilinx DPU (a generic engine in production) is judged on four networks; its
    # 8 x 16 x 16 = 2,048 int8 lanes take two per DSP48 slice (WP486): 1,024 (published
    # 710: the DPU double-pumps its slices). Its rows miss and are reported as misses.
    dpu = "Xilinx DPU B4096 (ZCU102)"
    nets = {r["workload"].split(" ")[0] for r in fpga["rows"] if r["chip"] == dpu}
    assert nets == {"resnet50", "googlenet", "vgg-16", "mobilenet-v2"}
    assert rows[(dpu, "dsp")]["predicted"] == 1024
    assert dpu not in fpga["summary"]["designs_throughput_within_15pct"]
    assert {m["design"] for m in fpga["summary"]["missing"]} >= {
        "HybridDNN (VGG16 on VU9P and PYNQ-Z1)"
    }


def test_fpga_explore_report_draws_its_figures(cli, tmp_path):
    run = tmp_path / "run"
    res = cli(
        "explore", "alexnet", "--board", "zc706", "--objective", "throughput",
        "--objective", "dsp", "--out", str(run),
    )  # fmt: skip
    assert res.code == 0, res.stderr
    html = tmp_path / "r.html"
    rep = cli("report", str(run), "-o", str(html), "--json")
    assert rep.code == 0, rep.stderr
    figures = rep.json()["figures"]
    assert {"pareto", "sensitivity", "stages"} <= set(figures)
    text = html.read_text(encoding="utf-8")
    assert "DSP slices" in text and " on zc706" in text  # axis label, design titles


def test_multi_on_fpga_is_one_generic_engine_for_the_set(cli, tmp_path):
    """With --board, multi searches the fpga space restricted to the generic engine, with
    DSPs in the role area has for the ASIC; a space with a pipeline is refused."""
    res = cli(
        "multi", "alexnet", "resnet-18", "--board", "zc706", "--objective", "throughput",
        "--objective", "dsp", "--json", "--report", str(tmp_path / "m.html"),
    )  # fmt: skip
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["target"] == "fpga" and doc["cost_metric"] == "dsp"
    assert doc["objectives"] == ["max:throughput_per_s", "min:dsp"]
    joint = doc["joint_optimum"]
    assert joint["paradigm"] == "generic" and joint["board"] == "zc706"
    assert 0 < joint["dsp"] <= 900
    for name in ("alexnet", "resnet-18"):
        rel = joint["networks"][name]["relative_performance"]
        assert 0 < rel <= 1.0 + 1e-12
    # Every design on the printed (score, DSP) front: more DSPs never lower the score.
    front = sorted(doc["pareto"], key=lambda d: (d["dsp"], d["score"]))
    assert all(a["score"] <= b["score"] + 1e-12 for a, b in zip(front, front[1:], strict=False))
    assert (tmp_path / "m.html").stat().st_size > 100_000
    refused = cli("multi", "alexnet", "resnet-18", "--space", "fpga")
    assert refused.code == 2
    assert "one FPGA design for a set of networks is a generic engine" in refused.stderr


def test_codesign_on_an_fpga_generic_engine(cli):
    res = cli("codesign", "lstm-lm", "--board", "zcu104", "--precision", "int8",
              "--multiple", "8", "--json")  # fmt: skip
    assert res.code == 0, res.stderr
    doc = res.json()  # strict JSON: energy is not modelled and comes out as null
    assert doc["arch"] == "zcu104-generic" and doc["energy_j"] is None
    assert doc["layers"] and doc["plan"] is not None
    refused = cli("codesign", "lstm-lm", "--board", "zcu104", "--paradigm", "hybrid")
    assert refused.code == 2 and "codesign needs the generic paradigm" in refused.stderr
