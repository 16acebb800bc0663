"""Reports: figures, escaping, PNGs and the ``accelscope report`` command (no browser here;
tests/test_report_browser.py opens the same reports in headless Chromium)."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from accelscope.report import build_model, load_result, write_report
from accelscope.report.layers import LayerArrays, Roofs, bound_shares
from accelscope.report.multi import cross_matrix
from tests.conftest import EXAMPLES, run_cli

XSS = "<script>alert(1)</script>"

# 3 x 2 x 2 x 2 x 2 x 2 = 96 grid points: every command below finishes in about a second.
SPACE_YAML = """\
spec_version: 1
name: report-test
parameters:
  rows: [8, 16, 32]
  cols: {tie: rows}
  units: [1, 2]
  dataflow: [ws, os]
  unified_kib: [256, 1024]
  dram_gbps: [16, 64]
  clock_mhz: 1000
  lanes: [16, 64]
  precision: int8
  technology: 28nm
constraints:
  - area_mm2 <= 20
"""

# A network whose layer names would run script if a report pasted them into the page.
XSS_NETWORK_YAML = f"""\
spec_version: 1
name: "<b>evil</b> & net"
family: cnn
batch: 1
layers:
  - {{name: "{XSS}", op: conv2d, in_channels: 3, out_channels: 32, in_h: 32, in_w: 32,
      kernel: 3, padding: 1, bias: false}}
  - {{name: "relu $x$ <img src=x onerror=alert(2)>", op: elementwise, function: relu,
      elements: batch * 32768}}
  - {{name: fc, op: linear, rows: batch, in_features: 32768, out_features: 10}}
"""


def make_results(root: Path) -> dict[str, Path]:
    """Run evaluate / explore / multi / codesign as a user would; return their results
    (JSON files or --out directories)."""
    root.mkdir(parents=True, exist_ok=True)
    space = root / "space.yaml"
    space.write_text(SPACE_YAML)
    xss = root / "xss.yaml"
    xss.write_text(XSS_NETWORK_YAML)
    cnn, lstm = str(EXAMPLES / "networks/tiny-cnn.yaml"), str(EXAMPLES / "networks/tiny-lstm.yaml")
    out: dict[str, Path] = {}

    res = run_cli("evaluate", str(xss), "--arch", "default", "--json")
    assert res.code == 0, res.stderr
    out["evaluate"] = root / "evaluate.json"
    out["evaluate"].write_text(res.stdout)

    out["explore"] = root / "explore"
    res = run_cli(
        "explore", cnn, "--space", str(space), "--objective", "latency", "--objective", "energy",
        "--out", str(out["explore"]), "--json",
    )  # fmt: skip
    assert res.code == 0, res.stderr

    out["multi"] = root / "multi"
    res = run_cli("multi", cnn, lstm, "--space", str(space), "--out", str(out["multi"]), "--json")
    assert res.code == 0, res.stderr

    # tpu-v1 makes the plan reshape both layers of tiny-cnn (a grow and a shrink).
    out["codesign"] = root / "codesign"
    res = run_cli("codesign", cnn, "--arch", "tpu-v1", "--out", str(out["codesign"]), "--json")
    assert res.code == 0, res.stderr
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, Path]:
    return make_results(tmp_path_factory.mktemp("report-results"))


def _doc(path: Path) -> dict:
    return load_result(path).doc


def _figures(model) -> dict:
    return {f.key: f for f in model.figures}


# ----------------------------------------------------------------------------- evaluate
def test_roofs_of_default_preset(results):
    doc = _doc(results["evaluate"])
    roofs = Roofs.from_arch_spec(doc["arch_spec"])
    # default preset: 2 units x 64 x 64 PEs at 1000 MHz = 8192 MAC/cycle -> 8.192e12 MAC/s;
    # 64 GB/s DRAM sustains 0.7 x 64 = 44.8 GB/s (the cost model's transfer rate) -> ridge
    # at 8.192e12 / 44.8e9 = 182.9 MAC per byte.
    assert roofs.peak_macs_per_s == pytest.approx(8.192e12)
    assert roofs.dram_gbps == pytest.approx(44.8)
    assert roofs.ridge_macs_per_byte == pytest.approx(8.192e12 / 44.8e9)


def test_roofline_points_lie_under_both_roofs():
    """Every layer's achieved MAC/s is at most the compute peak and at most bandwidth x
    intensity (cycles >= compute and memory cycles in the cost model); a unit slip in the
    figure (MHz vs Hz, GB vs GiB) would push points above a roof."""
    from accelscope.targets.asic.arch import load_arch
    from accelscope.targets.asic.cost import evaluate
    from accelscope.workload import load_model

    arch = load_arch("default")
    doc = evaluate(load_model("resnet50"), arch).to_dict()
    doc.update(kind="evaluate", arch_spec=arch.model_dump(mode="json"), provenance={})
    fig = _figures(build_model(doc))["layers-roofline"]
    roofs = fig.extra["roofs"]
    ai, achieved = fig.extra["intensity"], fig.extra["achieved"]
    assert ai.size == sum(1 for lay in doc["layers"] if lay["macs"] > 0 and lay["dram_bytes"] > 0)
    assert np.all(achieved <= roofs.peak_macs_per_s * (1 + 1e-9))
    assert np.all(achieved <= roofs.dram_gbps * 1e9 * ai * (1 + 1e-9))
    # ...and the plotted markers are exactly those points.
    xs = np.concatenate([t["x"] for t in fig.data if t.get("mode") == "markers"])
    assert sorted(xs) == pytest.approx(sorted(ai))


def test_latency_breakdown_bars_add_up_and_carry_their_bound(results):
    doc = _doc(results["evaluate"])
    model = build_model(doc)
    fig = _figures(model)["layers-latency"]
    clock = doc["arch_spec"]["clock_mhz"]
    by_layer = {}
    for trace in fig.data:
        bound = trace["name"].removesuffix("-bound")
        for x, y in zip(trace["x"], trace["y"], strict=True):
            by_layer[x] = (bound, y)
    for layer in doc["layers"]:
        if layer["cycles"] == 0:
            continue
        import html

        bound, y = by_layer[html.escape(layer["name"])]
        assert bound == layer["bound"]
        assert y == pytest.approx(layer["cycles"] / clock)  # cycles / MHz = µs
    total_us = sum(y for _, y in by_layer.values())
    assert total_us == pytest.approx(sum(lay["cycles"] for lay in doc["layers"]) / clock)


def test_bound_shares_sum_to_one():
    layers = [
        {"name": "a", "cycles": 300, "bound": "compute", "macs": 1, "dram_bytes": 1},
        {"name": "b", "cycles": 100, "bound": "memory", "macs": 1, "dram_bytes": 1},
        {"name": "c", "cycles": 100, "bound": "compute", "macs": 0, "dram_bytes": 0},
        {"name": "d", "cycles": 0, "bound": "none", "macs": 0, "dram_bytes": 0},
    ]
    shares = bound_shares(LayerArrays.from_records(layers, clock_mhz=500.0))
    # compute 400 of 500 cycles, memory 100; the zero-cycle 'none' layer gets no share.
    assert shares == {"compute": pytest.approx(0.8), "memory": pytest.approx(0.2)}


def test_user_strings_are_escaped_in_html_and_png_labels(results, tmp_path):
    doc = _doc(results["evaluate"])
    html_text = write_report(doc, tmp_path / "r.html").read_text()
    # Our own three scripts only: plotly.js, the figure data, the renderer.
    assert len(re.findall(r"<script\b", html_text)) == 3
    assert XSS not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text  # table cell, as text
    assert "<img src=x" not in html_text
    assert "<b>evil</b>" not in html_text and "&lt;b&gt;evil&lt;/b&gt; &amp; net" in html_text
    data = re.search(
        r'<script type="application/json" id="report-figures">(.*?)</script>', html_text, re.S
    ).group(1)
    assert "<" not in data  # the JSON cannot close its script element
    figures = json.loads(data)
    ticks = figures["layers-latency"]["layout"]["xaxis"]["ticktext"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ticks  # plotly shows entities as text


def test_png_figures_match_html_figures(results, tmp_path):
    doc = _doc(results["evaluate"])
    model = build_model(doc)
    write_report(doc, None, png_dir=tmp_path / "png")
    pngs = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert pngs == sorted(f"{f.key}.png" for f in model.figures)
    for fig in model.figures:
        raw = (tmp_path / "png" / f"{fig.key}.png").read_bytes()
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", raw[16:24])
        # figure size in inches x 150 dpi (constrained layout keeps the canvas size)
        assert (width, height) == (round(fig.png_size_in[0] * 150), round(fig.png_size_in[1] * 150))


def test_report_is_deterministic(results, tmp_path):
    doc = _doc(results["explore"])
    a = write_report(doc, tmp_path / "a.html", results=results["explore"] / "results.parquet")
    b = write_report(doc, tmp_path / "b.html", results=results["explore"] / "results.parquet")
    assert a.read_bytes() == b.read_bytes()


# ----------------------------------------------------------------------------- explore
def test_explore_pareto_figure_shows_the_front_and_the_best(results):
    loaded = load_result(results["explore"])
    doc = loaded.doc
    model = build_model(doc, results=results["explore"] / "results.parquet")
    fig = _figures(model)["pareto"]
    traces = {t["name"]: t for t in fig.data}
    front, best = traces["Pareto front"], traces["best (meets constraints)"]
    assert len(front["x"]) == len(doc["pareto"]) > 0
    # latency (x) and energy (y) in the display units chosen for the axes
    fx = front["x"][0] / min(d["latency_s"] for d in doc["pareto"])
    fy = best["y"][0] / doc["best"]["energy_j"]
    assert best["x"][0] == pytest.approx(doc["best"]["latency_s"] * fx)
    assert sorted(front["y"]) == pytest.approx(sorted(d["energy_j"] * fy for d in doc["pareto"]))
    # all 96 designs are drawn once (below the sampling limit): the Pareto set and the best
    # by their own traces, the others split by the constraints
    marked = {d["index"] for d in doc["pareto"]} | {doc["best"]["index"]}
    feasible_marked = {d["index"] for d in doc["pareto"] if d["meets_constraints"]}
    feasible_marked.add(doc["best"]["index"])
    n_meets = len(traces["meets constraints"]["x"])
    n_drawn = n_meets + len(traces.get("violates constraints", {"x": []})["x"]) + len(marked)
    assert n_drawn == doc["evaluated"] == 96
    assert n_meets + len(feasible_marked) == doc["feasible"]
    # hover: configuration and metrics of the best design
    hover = best["hovertext"][0]
    assert "Best:" in hover and "latency:" in hover and "area:" in hover
    assert f"{doc['best']['units']}x{doc['best']['rows']}x{doc['best']['cols']}" in hover


def test_parameter_effects_match_a_direct_count(results):
    """The best latency per parameter value equals a plain loop over the result rows."""
    import pyarrow.parquet as pq

    from accelscope.report.designs import load_table
    from accelscope.report.explore import parameter_effects

    doc = _doc(results["explore"])
    cols = load_table(results["explore"] / "results.parquet")
    params, effects, obj = parameter_effects(doc, cols)
    assert obj.metric == "latency_s" and obj.direction == "min"
    # rows/cols are tied: one panel; clock/precision/technology are fixed: none
    assert set(params) == {"rows", "units", "dataflow", "unified_kib", "dram_gbps", "lanes"}
    rows = pq.read_table(results["explore"] / "results.parquet").to_pylist()
    for p in ("rows", "unified_kib", "lanes"):
        for value, best in zip(effects[p]["values"], effects[p]["best"], strict=True):
            direct = min(r["latency_s"] for r in rows if r[p] == value and r["meets_constraints"])
            assert best == pytest.approx(direct)


def test_a_large_table_is_sampled_with_exact_statistics(results, monkeypatch):
    """Above SAMPLE_ROWS rows the report keeps a random sample, read batch by batch, but
    the values, counts and bests of every parameter and the counts the captions quote
    are exact: equal to reading the whole table."""
    import accelscope.report.results_table as results_table
    from accelscope.report.explore import parameter_effects, pareto_front

    doc = _doc(results["explore"])
    path = results["explore"] / "results.parquet"
    whole = results_table.load_results(path, "asic", doc)
    assert not whole.sampled
    monkeypatch.setattr(results_table, "SAMPLE_ROWS", whole.total_rows // 4)
    monkeypatch.setattr(results_table, "BATCH_ROWS", 7)  # many batches
    part = results_table.load_results(path, "asic", doc)
    assert part.sampled and part.total_rows == whole.total_rows
    assert 0 < len(part["index"]) < whole.total_rows // 2
    assert part.distinct == whole.distinct and part.counts == whole.counts
    params, exact, _ = parameter_effects(doc, whole)
    assert parameter_effects(doc, part)[0] == params
    for p in params:
        for key in ("values", "count", "best"):
            assert parameter_effects(doc, part)[1][p][key] == exact[p][key], (p, key)
    # The front's caption counts every design, not the sample's.
    n_all = whole.counts["finite_meets"] + whole.counts["finite_violates"]
    assert f"of the other {n_all:,} evaluated designs" in pareto_front(doc, part, "p").caption
    model = build_model(doc, results=None)
    assert model.figures  # the full path still builds
    # multi: the score-area scatter's caption counts every admissible design.
    from accelscope.report.multi import score_vs_area

    mdoc = _doc(results["multi"])
    mpath = results["multi"] / "results.parquet"
    monkeypatch.setattr(results_table, "SAMPLE_ROWS", 10**9)
    mwhole = results_table.load_results(mpath, "asic", mdoc)
    monkeypatch.setattr(results_table, "SAMPLE_ROWS", mwhole.total_rows // 4)
    mpart = results_table.load_results(mpath, "asic", mdoc)
    assert mpart.sampled and mpart.counts == mwhole.counts
    n = mwhole.counts["admissible_finite"]
    assert n == int(np.sum(mwhole["admissible"].astype(bool)))  # every score is finite
    assert f"for {n} admissible designs" in score_vs_area(mdoc, mpart, "s").caption


def test_explore_report_without_table_still_draws_front(results, tmp_path):
    doc = dict(_doc(results["explore"]), out_dir=None)
    model = build_model(doc)
    assert [f.key for f in model.figures] == [
        "pareto",
        "best-layers-latency",
        "best-layers-roofline",
    ]
    assert any("results.parquet" in n for n in model.notes)


def test_explore_report_when_no_design_meets_the_constraints(tmp_path):
    space = tmp_path / "space.yaml"
    space.write_text(SPACE_YAML)
    out = tmp_path / "run"
    cnn = str(EXAMPLES / "networks/tiny-cnn.yaml")
    res = run_cli("explore", cnn, "--space", str(space), "--constraint", "area_mm2 <= 0.01",
                  "--out", str(out))  # fmt: skip
    assert res.code == 2 and "no configuration satisfies" in res.stderr
    res = run_cli("report", str(out), "--json")
    assert res.code == 0, res.stderr
    assert res.json()["figures"] == ["pareto"]  # no best design, nothing to break down
    html_text = Path(res.json()["html"]).read_text()
    assert "No evaluated design meets the constraints" in html_text


# ----------------------------------------------------------------------------- multi
def test_multi_cross_matrix_orientation(results):
    doc = _doc(results["multi"])
    rows, cols, z = cross_matrix(doc)
    names = [n["name"] for n in doc["networks"]]
    assert cols == names and rows[: len(names)] == [f"optimum of {n}" for n in names]
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            # row = configuration (a's optimum), column = network evaluated on it
            expect = doc["per_network_optima"][a]["networks"][b]["relative_performance"]
            assert z[i, j] == pytest.approx(expect)
        assert z[i, i] == pytest.approx(1.0)  # every network is at 1.0 on its own optimum
    assert rows[-1] == "joint optimum"


def test_multi_improvement_bars(results):
    doc = _doc(results["multi"])
    fig = _figures(build_model(doc, results=results["multi"] / "results.parquet"))["improvement"]
    bars = fig.data[0]
    by_label = dict(zip(bars["y"], bars["x"], strict=True))
    for n, pct in doc["improvement_pct"].items():
        assert by_label[f"over the optimum of {n}"] == pytest.approx(pct)
    joint = doc["joint_optimum"]["gain_over_selected_pct"]
    assert by_label["joint optimum over the selection"] == pytest.approx(joint)


# ----------------------------------------------------------------------------- codesign
def test_codesign_staircases_mark_current_width_and_advice(results):
    doc = _doc(results["codesign"])
    fig = _figures(build_model(doc))["staircases"]
    curves = [t for t in fig.data if t["name"] == "network latency"]
    assert len(curves) == len([lay for lay in doc["layers"] if lay["curve"]])
    current = [t for t in fig.data if t["name"] == "current width"]
    assert all(t["y"] == [pytest.approx(0.0)] for t in current)  # change vs itself
    recs = [(lay["name"], r) for lay in doc["layers"] for r in lay["recommendations"]]
    marks = [t for t in fig.data if t["name"] in ("grow", "shrink", "dominated")]
    assert len(marks) == len(recs) > 0
    for name, rec in recs:
        # a marker at the recommended width whose hover names the layer and gives the advice
        hits = [t for t in marks if t["x"] == [rec["width"]] and name in t["hovertext"][0]]
        assert len(hits) == 1 and rec["text"] in hits[0]["hovertext"][0]
    plan = [t for t in fig.data if t["name"] == "plan"]
    assert {t["x"][0] for t in plan} == {c["to"] for c in doc["plan"]["changes"]}


# ----------------------------------------------------------------------------- CLI
def test_report_command_writes_html_and_pngs(results, tmp_path):
    out = tmp_path / "x" / "report.html"
    res = run_cli(
        "report", str(results["explore"]), "-o", str(out), "--png", str(tmp_path / "p"), "--json"
    )
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["kind"] == "report" and doc["result_kind"] == "explore"
    assert doc["provenance"]["command"].startswith("accelscope report ")
    assert Path(doc["html"]) == out and out.stat().st_size > 1_000_000  # plotly.js inline
    assert sorted(Path(p).name for p in doc["png"]) == sorted(f"{k}.png" for k in doc["figures"])
    text = out.read_text()
    assert "cdn" not in re.sub(r"<script>.*?</script>", "", text, flags=re.S).lower()
    # provenance: the command that produced the result, and the space spec
    summary = json.loads((results["explore"] / "summary.json").read_text())
    assert summary["provenance"]["command"].replace("'", "&#39;") in text
    assert "report-test" in text and "area_mm2 &lt;= 20" in text


def test_report_default_output_and_text(results):
    res = run_cli("report", str(results["codesign"]))
    assert res.code == 0, res.stderr
    assert (results["codesign"] / "report.html").is_file()
    assert res.stdout.strip().splitlines()[-1] == f"report: {results['codesign'] / 'report.html'}"


def test_evaluate_report_option(tmp_path):
    path = tmp_path / "eval.html"
    res = run_cli(
        "evaluate", str(EXAMPLES / "networks/tiny-cnn.yaml"), "--report", str(path),
        "--png", str(tmp_path / "png"),
    )  # fmt: skip
    assert res.code == 0, res.stderr
    assert path.is_file() and "tiny-cnn on default" in path.read_text()
    assert (tmp_path / "png" / "layers-roofline.png").is_file()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "is not valid JSON"),
        ('{"a": 1}', "field 'kind' is missing"),
        ('{"kind": "sweep"}', "field 'kind' is 'sweep'"),
    ],
)
def test_report_bad_input_is_one_line_error(tmp_path, content, message):
    path = tmp_path / "r.json"
    if content is not None:
        path.write_text(content)
    res = run_cli("report", str(path))
    assert res.code == 2
    assert (
        res.stderr.count("\n") == 1 and res.stderr.startswith("error: ") and message in res.stderr
    )
    assert "Traceback" not in res.stderr


def test_report_dir_without_summary(tmp_path):
    res = run_cli("report", str(tmp_path))
    assert res.code == 2 and "has no summary.json" in res.stderr


@pytest.mark.parametrize("damage", ["truncated", "flipped"])
def test_a_damaged_results_table_is_one_error_line(results, tmp_path, damage):
    """A results.parquet cut short or with damaged pages: report says which file and why,
    exit 2, no traceback (and nothing is written)."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(results["explore"], run)
    table = run / "results.parquet"
    data = bytearray(table.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:  # the footer stays valid, the pages do not
        for i in range(200, len(data) // 2, 7):
            data[i] = 0xAB
    table.write_bytes(bytes(data))
    html = tmp_path / "r.html"
    res = run_cli("report", str(run), "-o", str(html))
    assert res.code == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {table}: cannot read the result")
    assert "Traceback" not in res.stderr and not html.exists()
