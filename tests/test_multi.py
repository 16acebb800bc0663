"""Multi-application optimization: hand-derived scoring, exactness against single-network
exploration and single-config evaluation, durability, executors, CLI and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from accelscope.errors import SpecError
from accelscope.search import load_space, space_from_dict
from accelscope.search.multi import multi_explore
from accelscope.search.multi.inputs import load_network_set, parse_weights, read_network_set
from accelscope.search.multi.score import (
    NoAdmissibleDesignError,
    analyze,
    normalize_weights,
)
from accelscope.search.runner import explore
from accelscope.targets.asic.cost import evaluate
from accelscope.workload import from_yaml, zoo
from tests.conftest import EXAMPLES

TINY_CNN = EXAMPLES / "networks" / "tiny-cnn.yaml"
TINY_LSTM = EXAMPLES / "networks" / "tiny-lstm.yaml"

# ---------------------------------------------------------------------------------------
# Hand-checkable case: 3 networks (A, B, C) x 5 configurations (c0..c4), areas 1..5 mm².
#
# latency (s)   c0    c1    c2    c3     c4        perf = 1 / latency
#   A           1     2     4     1.25   2         opt_A: c0 (c3 is not faster)
#   B           4     1     2     1.25   1         opt_B: c1 and c4 tie -> smaller area: c1
#   C           8     2     1     1.25   2         opt_C: c2
# relative performance r = perf / perf(opt):
#   A           1     .5    .25   .8     .5
#   B           .25   1     .5    .8     1
#   C           .125  .5    1     .8     .5
# geometric mean (prod^(1/3)):
#   c0 = (1/32)^(1/3) = 0.31498   c1 = (1/4)^(1/3) = 0.62996   c2 = (1/8)^(1/3) = 0.5
#   c3 = 0.8                      c4 = (1/4)^(1/3) = 0.62996
# Candidates: opt_A = c0 (0.315), opt_B = c1 (0.630), opt_C = c2 (0.5) -> selected: B's.
# Improvement over each optimum's geomean: A: ((1/4)/(1/32))^(1/3) - 1 = 8^(1/3) - 1 = 100%;
#   B: 0%; C: ((1/4)/(1/8))^(1/3) - 1 = 2^(1/3) - 1 = 25.992%.
# Joint optimum: c3 (0.8), gain over the selection 0.8 * 4^(1/3) - 1 = 26.992%.
# ---------------------------------------------------------------------------------------
LAT = np.array(
    [
        [1, 2, 4, 1.25, 2],
        [4, 1, 2, 1.25, 1],
        [8, 2, 1, 1.25, 2],
    ],
    dtype=float,
)
AREA = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
NAMES = ["A", "B", "C"]


def _hand(mode="geomean", weights=None, alone=None):
    alone = np.ones_like(LAT, dtype=bool) if alone is None else alone
    return analyze(
        1.0 / LAT,
        alone,
        weights=normalize_weights(weights, 3),
        mode=mode,
        names=NAMES,
        area_mm2=AREA,
        pareto=True,
    )


def test_hand_case_geomean():
    a = _hand()
    assert a.optima.tolist() == [0, 1, 2]  # B's tie c1/c4 went to the smaller area
    np.testing.assert_allclose(
        a.cross, [[1, 0.25, 0.125], [0.5, 1, 0.5], [0.25, 0.5, 1]], rtol=0, atol=1e-15
    )
    assert a.selected == 1
    np.testing.assert_allclose(
        np.exp(a.candidate_log_score), [32 ** (-1 / 3), 0.25 ** (1 / 3), 0.5]
    )
    np.testing.assert_allclose(a.improvement_pct, [100.0, 0.0, 100 * (2 ** (1 / 3) - 1)], atol=1e-9)
    assert a.joint == 3
    assert a.joint_gain_pct == pytest.approx(100 * (0.8 * 4 ** (1 / 3) - 1))
    # Pareto front of (score max, area min): c0 (1 mm², .315), c1 (2 mm², .630), c3 (4, .8);
    # c2 is dominated by c1, c4 by c3.
    assert a.pareto.tolist() == [0, 1, 3]


def test_hand_case_weighted_and_worst():
    # weights 2:1:1 -> w = (.5, .25, .25); log2 S = .5 log2 rA + .25 log2 rB + .25 log2 rC:
    #   c0: 0 - .5 - .75 = -1.25   c1: -.5 + 0 - .25 = -.75   c2: -1 - .25 + 0 = -1.25
    #   c3: log2 .8                c4: -.5 + 0 - .25 = -.75
    # selected: B (c1, 2^-.75); improvements: A, C: 2^(1.25-.75) - 1 = 41.42%; joint: c3.
    a = _hand("weighted", [2, 1, 1])
    np.testing.assert_allclose(
        a.log_score / math.log(2), [-1.25, -0.75, -1.25, math.log2(0.8), -0.75]
    )
    assert a.selected == 1
    np.testing.assert_allclose(a.improvement_pct, [100 * (2**0.5 - 1), 0, 100 * (2**0.5 - 1)])
    assert a.joint == 3
    # worst case: min_n r = (.125, .5, .25, .8, .5): selected B (c1, .5);
    # improvements A: .5/.125 - 1 = 300%, C: .5/.25 - 1 = 100%; joint c3 (.8).
    w = _hand("worst")
    np.testing.assert_allclose(np.exp(w.log_score), [0.125, 0.5, 0.25, 0.8, 0.5])
    assert w.selected == 1
    np.testing.assert_allclose(w.improvement_pct, [300.0, 0.0, 100.0])
    assert w.joint == 3


def test_hand_case_single_weight_and_admissibility():
    # Only C counts: score = r_C, so the joint optimum is C's own optimum c2 (score 1),
    # which is also the selection; improvements A: 1/.125 - 1 = 700%, B: 1/.5 - 1 = 100%.
    a = _hand("weighted", [0, 0, 1])
    assert a.joint == 2 == a.optima[2]
    assert a.selected == 2
    np.testing.assert_allclose(a.improvement_pct, [700.0, 100.0, 0.0])
    # If c3 is not admissible for the set, the joint optimum falls back to the tie
    # c1 = c4 = 0.630, broken by area: c1, the selection itself (gain 0). (c3 is no
    # network's optimum, so only its admissibility changes.)
    alone = np.ones_like(LAT, dtype=bool)
    alone[0, 3] = False
    b = _hand(alone=alone)
    assert b.joint == 1 and b.selected == 1 and b.joint_gain_pct == pytest.approx(0.0)
    assert b.feasible == 4


def test_hand_case_errors():
    alone = np.ones_like(LAT, dtype=bool)
    alone[2] = False
    with pytest.raises(NoAdmissibleDesignError, match="network 'C'"):
        analyze(
            1 / LAT,
            alone,
            weights=np.full(3, 1 / 3),
            mode="geomean",
            names=NAMES,
            area_mm2=AREA,
        )
    with pytest.raises(SpecError, match="3 weights given for 2 networks"):
        normalize_weights([1, 2, 3], 2)
    with pytest.raises(SpecError, match="non-negative"):
        normalize_weights([1, -1], 2)
    with pytest.raises(SpecError, match="all zero"):
        normalize_weights([0, 0], 2)
    with pytest.raises(SpecError, match="non-negative"):
        parse_weights("1,-2")
    with pytest.raises(SpecError, match="comma-separated numbers"):
        parse_weights("1,x")


# ---------------------------------------------------------------------------------------
# Real networks on a small grid: results must agree with single-network exploration and
# with the single-configuration evaluate() path.
# ---------------------------------------------------------------------------------------
SMALL = {
    "name": "small-multi",
    "parameters": {
        "rows": [8, 16, 32],
        "cols": [8, 32],
        "units": [1, 2],
        "dataflow": ["ws", "os"],
        "unified_kib": [64, 512],
        "dram_gbps": [8, 32],
        "clock_mhz": 1000,
        "lanes": 32,
    },
}  # 3 x 2 x 2 x 2 x 2 x 2 = 96 configurations


@pytest.fixture(scope="module")
def nets():
    return [from_yaml(TINY_CNN), from_yaml(TINY_LSTM), zoo.get("alexnet")]


@pytest.fixture(scope="module")
def small_space():
    return space_from_dict(SMALL)


@pytest.fixture(scope="module")
def budget(small_space, nets):
    """An area budget that cuts the space roughly in half."""
    cols = small_space.configs(small_space.all_indices())
    areas = [evaluate(nets[0], cols.to_arch(i)).area_mm2 for i in range(0, len(cols), 7)]
    return float(np.median(areas))


@pytest.fixture(scope="module")
def result(nets, small_space, budget):
    return multi_explore(
        nets, small_space, constraints=[f"area_mm2 <= {budget}"], objective=["latency", "area"]
    )


def test_optima_equal_single_network_exploration(result, nets, small_space, budget):
    for k, net in enumerate(nets):
        single = explore(
            net,
            small_space,
            objectives=["latency", "area"],
            constraints=[f"area_mm2 <= {budget}"],
            strategy="exhaustive",
        )
        expected = single.best["index"]
        got = result.to_dict()["per_network_optima"][result.names[k]]["index"]
        assert got == expected, net.name


def test_cross_performance_matches_evaluate(result, nets, small_space):
    doc = result.to_dict()
    lat = {}
    for row in result.names:
        idx = doc["per_network_optima"][row]["index"]
        arch = small_space.configs(np.array([idx])).to_arch(0)
        lat[row] = [evaluate(net, arch).latency_s for net in nets]
    for row in result.names:
        for j, col in enumerate(result.names):
            # r[j, opt_i] = latency of j on its own optimum / latency of j on opt_i
            expected = lat[col][j] / lat[row][j]
            assert doc["cross_performance"][row][col] == pytest.approx(expected, rel=1e-12)
        assert doc["cross_performance"][row][row] == 1.0


def test_selection_improvement_and_joint(result, nets, small_space, budget):
    doc = result.to_dict()
    names = result.names
    x = np.array([[doc["cross_performance"][r][c] for c in names] for r in names])
    geo = np.exp(np.log(x).mean(axis=1))  # geomean of each optimum's row
    assert doc["selected"]["optimum_of"] == names[int(np.argmax(geo))]
    best = geo.max()
    for i, n in enumerate(names):
        assert doc["improvement_pct"][n] == pytest.approx(100 * (best / geo[i] - 1), rel=1e-9)
    # The range leaves out networks whose optimum is the selected configuration itself.
    sel_index = doc["selected"]["index"]
    others = [
        doc["improvement_pct"][n]
        for n in names
        if doc["per_network_optima"][n]["index"] != sel_index
    ]
    assert doc["improvement_range_pct"] == [min(others), max(others)]
    # Brute-force joint optimum: every configuration, geomean of latency ratios.
    configs = small_space.configs(small_space.all_indices())
    own = np.array([doc["per_network_optima"][n]["networks"][n]["latency_s"] for n in names])
    scores = []
    for c in range(len(configs)):
        arch = configs.to_arch(c)
        reports = [evaluate(net, arch) for net in nets]
        if reports[0].area_mm2 > budget or not all(np.isfinite(r.latency_s) for r in reports):
            scores.append(-np.inf)
            continue
        scores.append(float(np.mean(np.log(own / np.array([r.latency_s for r in reports])))))
    scores = np.array(scores)
    joint = doc["joint_optimum"]
    assert math.log(joint["score"]) == pytest.approx(scores.max(), rel=1e-12)
    assert scores[joint["index"]] == pytest.approx(scores.max(), rel=1e-12)
    assert joint["score"] >= doc["selected"]["score"]
    assert joint["gain_over_selected_pct"] >= 0
    assert joint["area_mm2"] <= budget
    # Pareto front of (score, area): sorted by area, scores strictly increasing between
    # distinct areas; designs that tie on both (e.g. ws and os of one array) are all kept.
    front = doc["pareto"]
    assert front and all(p["area_mm2"] <= budget for p in front)
    for a, b in zip(front, front[1:], strict=False):
        if a["area_mm2"] == b["area_mm2"]:
            assert a["score"] == b["score"]
        else:
            assert a["area_mm2"] < b["area_mm2"] and a["score"] < b["score"]
    assert front[-1]["score"] == pytest.approx(joint["score"])


def test_weighted_single_weight_reduces_to_single_network_optimum(nets, small_space, budget):
    cons = [f"area_mm2 <= {budget}"]
    for k in (0, 2):
        w = [0.0] * len(nets)
        w[k] = 1.0
        res = multi_explore(nets, small_space, weights=w, constraints=cons)
        assert res.mode == "weighted"
        single = explore(
            nets[k],
            small_space,
            objectives=["latency", "area"],
            constraints=cons,
            strategy="exhaustive",
        )
        doc = res.to_dict()
        # Precondition of the reduction: that optimum also runs the other networks.
        assert doc["per_network_optima"][res.names[k]]["admissible"]
        assert doc["joint_optimum"]["index"] == single.best["index"]
        assert doc["joint_optimum"]["score"] == pytest.approx(1.0)
        # The selection is that network's optimum too (or an identical configuration that is
        # also the optimum of an earlier network in the set: ties go to the first).
        assert doc["selected"]["index"] == single.best["index"]
        assert doc["selected"]["score"] == pytest.approx(1.0)


def test_network_constraints_hold_for_every_network(nets, small_space, result):
    # A latency bound between the networks' best latencies binds the slowest network only.
    doc = result.to_dict()
    best = {n: doc["per_network_optima"][n]["networks"][n]["latency_s"] for n in result.names}
    bound = 1.5 * max(best.values())
    res = multi_explore(nets, small_space, constraints=[f"latency_s <= {bound}"])
    tab = res.to_pandas()
    ok = tab["admissible"].to_numpy()
    for k in range(len(nets)):
        lat = tab[f"n{k}_latency_s"].to_numpy()
        assert np.all(lat[ok] <= bound)
    admissible_by_hand = np.all(
        [tab[f"n{k}_latency_s"].to_numpy() <= bound for k in range(len(nets))], axis=0
    )
    np.testing.assert_array_equal(ok, admissible_by_hand)
    joint = res.to_dict()["joint_optimum"]
    assert all(v["latency_s"] <= bound for v in joint["networks"].values())


def test_no_feasible_configuration_is_one_clear_error(nets, small_space):
    with pytest.raises(NoAdmissibleDesignError, match="'area_mm2 <= 0.001' ruled out 96 of them"):
        multi_explore(nets, small_space, constraints=["area_mm2 <= 0.001"])


def test_resume_and_rescore(nets, small_space, tmp_path, budget):
    out = tmp_path / "run"
    first = multi_explore(nets, small_space, out_dir=out, chunk_size=32)
    parts = sorted((out / "parts").glob("*.parquet"))
    assert len(parts) == 3
    parts[1].unlink()  # as if killed before the second chunk was committed
    again = multi_explore(nets, small_space, out_dir=out, chunk_size=32)
    assert again.resumed_parts == 2
    assert again.table.equals(first.table)
    assert again.to_dict()["joint_optimum"] == first.to_dict()["joint_optimum"]
    # Another budget re-scores the same committed parts (constraints are not fingerprinted).
    tighter = multi_explore(
        nets, small_space, out_dir=out, chunk_size=32, constraints=[f"area_mm2 <= {budget}"]
    )
    assert tighter.resumed_parts == 3
    assert tighter.analysis.feasible < first.analysis.feasible


def _in_memory(res):
    """The analysis of *res* recomputed by analyze() on its whole table at once."""
    table = res.source.table()
    columns = {c: table.column(c).to_numpy() for c in res.criteria.needed}
    perf, alone, area = res.criteria.inputs(columns)
    kw = dict(weights=res.weights, mode=res.mode, names=res.names, area_mm2=area)
    return analyze(perf, alone, pareto=res.with_area, tie_break=res.tie_break, **kw)


def _same_analysis(streamed, whole) -> None:
    for name in ("optima", "best", "feasible_alone", "candidate_admissible", "pareto"):
        assert np.array_equal(getattr(streamed, name), getattr(whole, name)), name
    for name in ("cross", "candidate_log_score", "improvement_pct"):
        np.testing.assert_array_equal(getattr(streamed, name), getattr(whole, name), name)
    assert streamed.joint == whole.joint and streamed.selected == whole.selected
    assert streamed.joint_log_score == whole.log_score.max()
    assert streamed.feasible == whole.feasible


@pytest.mark.parametrize(
    ("mode", "objective", "tie_break"),
    [("geomean", "latency", "area"), ("worst", ["latency", "area"], "score")],
)
def test_streamed_scoring_equals_scoring_the_whole_table_at_once(
    nets, small_space, budget, tmp_path, mode, objective, tie_break
):
    # 96 configurations in 12 parts of 8: every optimum, tie, joint optimum and Pareto
    # point is merged across parts, and must equal analyze() on the whole table.
    cons = [f"area_mm2 <= {budget}"]
    res = multi_explore(
        nets, small_space, constraints=cons, mode=mode, objective=objective,
        tie_break=tie_break, chunk_size=8, out_dir=tmp_path / mode,
    )  # fmt: skip
    assert len(res.source.names) == 12
    _same_analysis(res.analysis, _in_memory(res))
    # A search (parts in any order, repeated designs) is mapped row by row instead.
    found = multi_explore(
        nets, small_space, constraints=cons, mode=mode, objective=objective,
        tie_break=tie_break, strategy="evolutionary", budget=60, population=12, seed=1,
    )  # fmt: skip
    assert found.source.counts is None
    _same_analysis(found.analysis, _in_memory(found))


def test_analysis_holds_no_per_configuration_array_and_results_file_streams_the_table(
    nets, small_space, tmp_path
):
    import pyarrow.parquet as pq

    res = multi_explore(nets, small_space, out_dir=tmp_path / "r", chunk_size=32)
    # Memory: after the run, nothing grows with the space -- only per-network vectors,
    # the N x N cross matrix and the front; the grid rows are located from part sizes.
    n = len(nets)
    for name, value in vars(res.analysis).items():
        if isinstance(value, np.ndarray):
            assert value.size <= max(n * n, res.analysis.pareto.size), name
        else:
            assert value is None or np.ndim(value) == 0 or name == "pareto", name
    assert res.source.part is None and res.source.counts.tolist() == [32, 32, 32]
    doc = res.to_dict()  # designs come from single rows of their parts
    res.write_outputs(doc)
    written = pq.read_table(tmp_path / "r" / "results.parquet")
    assert written.select(res.table.column_names).equals(res.table)  # table read lazily
    whole = _in_memory(res)
    score = written.column("score").to_numpy()
    assert np.array_equal(np.isfinite(whole.log_score), written.column("admissible"))
    assert np.allclose(np.log(score[score > 0]), whole.log_score[score > 0])
    for k, name in enumerate(res.names):
        assert np.array_equal(written.column(f"rel:{name}").to_numpy(), whole.rel[k])
    # Every design in the document matches its row of the full table.
    joint = doc["joint_optimum"]
    row = int(np.searchsorted(res.table.column("index").to_numpy(), joint["index"]))
    assert joint["area_mm2"] == res.table.column("area_mm2")[row].as_py()
    assert joint["score"] == pytest.approx(math.exp(whole.log_score[row]))


def test_process_executor_matches_serial(nets, small_space, result):
    par = multi_explore(
        nets,
        small_space,
        constraints=[c.text for c in result.constraints],
        objective=["latency", "area"],
        executor="processes",
        workers=2,
        chunk_size=24,
    )
    assert par.table.equals(result.table)
    assert par.to_dict()["cross_performance"] == result.to_dict()["cross_performance"]


# ---------------------------------------------------------------------------------------
# Network sets (YAML) and the CLI.
# ---------------------------------------------------------------------------------------
def test_network_set_yaml(tmp_path):
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "cnn.yaml").write_text(TINY_CNN.read_text())
    spec = {
        "networks": [
            "lstm-lm",
            {"model": "nets/cnn.yaml", "weight": 3, "name": "cnn"},
            {"model": "bert-base", "seq_len": 64, "weight": 2},
        ]
    }
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump(spec))
    entries = read_network_set(path)
    assert entries[1].model == str(tmp_path / "nets" / "cnn.yaml")
    nets, names, weights = load_network_set([str(path), "lstm-lm"], seq_len=16)
    assert names == ["lstm-lm", "cnn", "bert-base", "lstm-lm#2"]
    assert weights == [1.0, 3.0, 2.0, 1.0]  # entries without a weight count 1
    assert nets[0].seq_len == 16 and nets[2].seq_len == 64  # the entry's own seq_len wins
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"networks": [{"model": "alexnet", "weight": -1}]}))
    with pytest.raises(SpecError, match="bad.yaml"):
        read_network_set(bad)


CLI_SPACE = {
    "name": "cli-multi",
    "parameters": {
        "rows": [8, 32],
        "cols": {"tie": "rows"},
        "units": [1, 2],
        "dataflow": ["ws", "os"],
        "unified_kib": [256, 1024],
        "dram_gbps": 32,
        "clock_mhz": 1000,
        "lanes": 64,
    },
    "constraints": ["area_mm2 <= 50"],
}


@pytest.fixture
def cli_space(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump(CLI_SPACE))
    return path


def test_cli_json_document(cli, cli_space, tmp_path):
    out = tmp_path / "out"
    res = cli(
        "multi", "alexnet", "lstm-lm", str(TINY_CNN), "--space", str(cli_space),
        "--weights", "2,1,1", "--objective", "latency", "--objective", "area",
        "--out", str(out), "--json",
    )  # fmt: skip
    assert res.code == 0, res.stderr
    doc = res.json()
    for key in (
        "per_network_optima", "cross_performance", "selected", "improvement_pct",
        "joint_optimum", "weights", "mode", "constraints", "evaluated", "feasible", "pareto",
    ):  # fmt: skip
        assert key in doc, key
    assert doc["kind"] == "multi" and doc["provenance"]["command"].startswith("accelscope multi")
    assert doc["mode"] == "weighted"
    assert doc["weights"] == {"alexnet": 0.5, "lstm-lm": 0.25, "tiny-cnn": 0.25}
    assert set(doc["cross_performance"]) == {"alexnet", "lstm-lm", "tiny-cnn"}
    assert doc["evaluated"] == 16
    assert doc["joint_optimum"]["score"] >= doc["selected"]["score"]
    summary = (out / "summary.json").read_text()
    assert '"kind": "multi"' in summary
    assert (out / "results.parquet").exists()
    text = cli("multi", "alexnet", "lstm-lm", "--space", str(cli_space), "--mode", "worst")
    assert text.code == 0, text.stderr
    assert "cross-performance" in text.stdout and "joint optimum" in text.stdout


def test_cli_network_set_file(cli, cli_space, tmp_path):
    nets = tmp_path / "set.yaml"
    nets.write_text(
        yaml.safe_dump({"networks": [{"model": "alexnet", "weight": 3}, "lstm-lm", "lstm-lm"]})
    )
    res = cli("multi", str(nets), "--space", str(cli_space), "--json")
    assert res.code == 0, res.stderr
    doc = res.json()
    # Weights from the file (3, 1, 1 -> .6, .2, .2) switch the default mode to weighted.
    assert doc["mode"] == "weighted"
    assert doc["weights"] == pytest.approx({"alexnet": 0.6, "lstm-lm": 0.2, "lstm-lm#2": 0.2})
    # The same model twice has the same optimum and identical cross-performance rows.
    assert doc["cross_performance"]["lstm-lm"] == doc["cross_performance"]["lstm-lm#2"]
    assert doc["per_network_optima"]["lstm-lm"]["shares_config_with"][-1] == "lstm-lm#2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["alexnett", "lstm-lm"], "alexnett"),
        (["alexnet", "lstm-lm", "--weights", "1,2,3"], "--weights has 3 values but 2 networks"),
        (["alexnet", "lstm-lm", "--weights", "1,-1"], "non-negative"),
        (["alexnet", "lstm-lm", "--constraint", "area_mm2 <= 0.01"], "no configuration"),
        (["alexnet", "lstm-lm", "--mode", "best"], "unknown mode 'best'"),
        (["alexnet", "lstm-lm", "--objective", "areaa"], "unknown objective"),
    ],
)
def test_cli_bad_input(cli, cli_space, args, message):
    res = cli("multi", *args, "--space", str(cli_space))
    assert res.code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    assert message in lines[0]
    assert res.stdout == ""


# ---------------------------------------------------------------------------------------
# Evolutionary strategy (NSGA-II on the set score) for spaces too large to enumerate.
# ---------------------------------------------------------------------------------------
# 6 rows x 3 units x 3 dataflows x 6 buffers x 4 DRAM x 3 clocks x 5 lanes = 19,440 points.
MID = {
    "name": "mid-multi",
    "parameters": {
        "rows": {"pow2": [8, 256]},
        "cols": {"tie": "rows"},
        "units": [1, 2, 4],
        "dataflow": ["ws", "os", "is"],
        "unified_kib": {"pow2": [128, 4096]},
        "dram_gbps": [16, 32, 64, 128],
        "clock_mhz": [500, 800, 1000],
        "lanes": [16, 32, 64, 128, 256],
    },
    "constraints": ["area_mm2 <= 50"],
}
_RUN_KEYS = ("elapsed_s", "resumed_parts", "out_dir")


@pytest.fixture(scope="module")
def pair():
    return [from_yaml(TINY_CNN), from_yaml(TINY_LSTM)]


@pytest.fixture(scope="module")
def mid_space():
    space = space_from_dict(MID)
    assert space.size == 19_440
    return space


def _exhaustive_log_score(exhaustive, index: int) -> float:
    """log S of grid point *index* scored with the exhaustive run's (true) references."""
    position = int(np.searchsorted(exhaustive.table.column("index").to_numpy(), index))
    return exhaustive.judged(position)[2]


def _run_fields(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in _RUN_KEYS}


@pytest.mark.parametrize("mode", ["geomean", "worst"])
def test_evolutionary_with_full_budget_finds_the_exhaustive_joint_optimum(
    nets, small_space, budget, mode
):
    cons = [f"area_mm2 <= {budget}"]
    full = multi_explore(nets, small_space, constraints=cons, mode=mode, strategy="exhaustive")
    # A population of 20 on 96 points: the search has to find the optimum, it does not get
    # the whole space in its first generation.
    found = multi_explore(
        nets, small_space, constraints=cons, mode=mode, strategy="evolutionary",
        budget=small_space.size, population=20, seed=3,
    )  # fmt: skip
    doc, ref = found.to_dict(), full.to_dict()
    assert doc["strategy"] == "evolutionary" and ref["strategy"] == "exhaustive"
    assert 20 <= doc["evaluated"] <= small_space.size
    assert doc["search"]["budget"] == small_space.size and doc["search"]["seed"] == 3
    assert ref["search"] is None
    assert doc["joint_optimum"]["index"] == ref["joint_optimum"]["index"]
    assert doc["joint_optimum"]["score"] == pytest.approx(ref["joint_optimum"]["score"])


def test_evolutionary_reaches_98_percent_of_exhaustive_set_score(pair, mid_space):
    for mode, objective in (("geomean", ["latency"]), ("worst", ["latency", "area"])):
        full = multi_explore(pair, mid_space, mode=mode, objective=objective)
        assert full.strategy == "exhaustive" and full.evaluated == mid_space.size
        found = multi_explore(
            pair, mid_space, mode=mode, objective=objective, strategy="evolutionary",
            budget=1_500, seed=0,
        )  # fmt: skip
        # The budget counts distinct designs; the last generation may overshoot it by
        # less than one population (100).
        assert found.evaluated < 1_500 + 100
        joint = found.to_dict()["joint_optimum"]
        # Score the found design with the true references (the exhaustive run's optima),
        # not with the search's own (the best it evaluated).
        ratio = math.exp(
            _exhaustive_log_score(full, joint["index"]) - full.analysis.joint_log_score
        )
        assert ratio >= 0.98, (mode, ratio)
        # Its own score uses the best evaluated performances as references, which are at
        # most the true optima, so it can only be higher than its true score.
        assert joint["score"] >= math.exp(_exhaustive_log_score(full, joint["index"])) - 1e-12
        if mode == "worst":  # the (score, area) front was searched
            assert found.to_dict()["pareto"]


def test_evolutionary_is_deterministic_and_resumes_identically(pair, mid_space, tmp_path):
    kw = dict(
        objective=["latency", "area"], strategy="evolutionary", budget=400, seed=5, population=40
    )
    first = multi_explore(pair, mid_space, out_dir=tmp_path / "a", **kw)
    again = multi_explore(pair, mid_space, **kw)
    assert again.table.equals(first.table)
    assert _run_fields(again.to_dict()) == _run_fields(first.to_dict())
    other = multi_explore(pair, mid_space, **{**kw, "seed": 6})
    assert not other.table.equals(first.table)
    # "Killed" by a zero time budget: only the first generation is committed.
    out = tmp_path / "b"
    partial = multi_explore(pair, mid_space, out_dir=out, time_budget_s=0.0, **kw)
    assert partial.evaluated == 40 and len(list((out / "parts").glob("gen-*.parquet"))) == 1
    resumed = multi_explore(pair, mid_space, out_dir=out, **kw)
    assert resumed.resumed_parts == 1
    assert resumed.table.equals(first.table)
    assert _run_fields(resumed.to_dict()) == _run_fields(first.to_dict())
    # The search columns stay in the parts (a resumed search reads them back), not in
    # the result table.
    assert "feasible" not in first.table.column_names
    assert not any(c.startswith("search_") for c in first.table.column_names)
    # A different search into the same directory is refused, not mixed.
    with pytest.raises(SpecError, match="different run"):
        multi_explore(pair, mid_space, out_dir=out, **{**kw, "mode": "worst"})


def test_auto_strategy_and_strategy_errors(pair, small_space, monkeypatch):
    from accelscope.search.multi import strategies as multi_search

    assert multi_search.resolve_strategy("auto", small_space, None) == "exhaustive"
    assert multi_search.resolve_strategy("auto", small_space, 50) == "evolutionary"
    monkeypatch.setattr(multi_search, "EXHAUSTIVE_LIMIT", small_space.size - 1)
    assert multi_search.resolve_strategy("auto", small_space, None) == "evolutionary"
    with pytest.raises(SpecError, match="unknown strategy 'random'"):
        multi_explore(pair, small_space, strategy="random")
    with pytest.raises(SpecError, match="needs 96 evaluations but --budget is 10"):
        multi_explore(pair, small_space, strategy="exhaustive", budget=10)
    with pytest.raises(SpecError, match="--budget must be positive"):
        multi_explore(pair, small_space, strategy="evolutionary", budget=0)


def test_search_constraints_hold_for_every_network():
    from accelscope.search.constraints import Constraint, parse_objective
    from accelscope.search.evolutionary import _objectives_and_constraints
    from accelscope.search.multi.strategies import (
        search_columns,
        search_constraints,
        search_objectives,
    )

    # Three configurations, two networks: latency_s n0 = (1, 3, 1), n1 = (2, 1, inf);
    # n1 does not map onto c2. Bound latency_s <= 2.5: c0 holds (max 2), c1 fails (3).
    cols = {
        "index": np.arange(3),
        "area_mm2": np.array([1.0, 2.0, 3.0]),
        "n0_latency_s": np.array([1.0, 3.0, 1.0]),
        "n1_latency_s": np.array([2.0, 1.0, np.inf]),
        "n0_feasible": np.array([True, True, True]),
        "n1_feasible": np.array([True, True, False]),
    }
    obj = parse_objective("latency")
    cons = [Constraint("latency_s", "<=", 2.5, "latency_s <= 2.5")]
    w = np.array([0.5, 0.5])
    out = search_columns(cols, 2, w, "geomean", obj, cons)
    assert out["feasible"].tolist() == [True, True, False]
    # absolute log score = mean of log(1 / latency): c0 = -(log 1 + log 2) / 2
    assert out["search_log_score"][0] == pytest.approx(-math.log(2) / 2)
    assert out["search_log_score"][1] == pytest.approx(-math.log(3) / 2)
    assert out["search_log_score"][2] == -np.inf
    f, g = _objectives_and_constraints(
        out, search_objectives(2, w, "geomean", False), search_constraints(cons)
    )
    assert (g <= 0).all(axis=1).tolist() == [True, False, False]
    worst = search_columns(cols, 2, np.array([1.0, 0.0]), "worst", obj, cons)
    assert "search_log_perf_0" in worst and "search_log_perf_1" not in worst
    assert [o.metric for o in search_objectives(2, np.array([1.0, 0.0]), "worst", True)] == [
        "search_log_perf_0",
        "area_mm2",
    ]


def test_cli_evolutionary_flags(cli, cli_space, tmp_path):
    args = ["multi", "alexnet", "lstm-lm", "--space", str(cli_space)]
    res = cli(*args, "--strategy", "evolutionary", "--budget", "16", "--seed", "2", "--json")
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["strategy"] == "evolutionary" and doc["search"]["seed"] == 2
    assert doc["search"]["reference"] == "best evaluated performance of each network"
    assert 0 < doc["evaluated"] <= 16
    exhaustive = multi_explore(
        [zoo.get("alexnet"), zoo.get("lstm-lm")], load_space(str(cli_space))
    ).to_dict()
    assert exhaustive["strategy"] == "exhaustive" and exhaustive["evaluated"] == 16
    assert doc["joint_optimum"]["index"] == exhaustive["joint_optimum"]["index"]
    text = cli(*args, "--strategy", "evolutionary", "--budget", "16")
    assert text.code == 0, text.stderr
    assert "evolutionary search, budget 16, seed 0" in text.stdout
    for bad, message in (
        (["--strategy", "random"], "unknown strategy 'random'"),
        (["--strategy", "exhaustive", "--budget", "4"], "needs 16 evaluations"),
    ):  # --budget 0 and the rest: test_auto_strategy_and_strategy_errors
        res = cli(*args, *bad)
        assert res.code == 2, (bad, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]


def test_exhaustive_time_budget_keeps_committed_chunks_and_completes(pair, small_space, tmp_path):
    partial = multi_explore(pair, small_space, out_dir=tmp_path, chunk_size=32, time_budget_s=0.0)
    assert partial.evaluated == 32 and partial.to_dict()["search"] is None
    full = multi_explore(pair, small_space, out_dir=tmp_path, chunk_size=32)
    assert full.resumed_parts == 1 and full.evaluated == small_space.size
    assert full.table.equals(multi_explore(pair, small_space, chunk_size=32).table)


def test_tie_break_by_set_score_picks_the_tied_design_that_serves_the_set():
    # Network 0 is equally fast on configurations 0 and 1 (perf 2); configuration 0 is
    # smaller, but network 1 runs at half speed on it. Area rule: opt_0 = 0; score rule:
    # opt_0 = 1 (log S = 0 there, log(0.5)/2 on configuration 0). References are the same.
    perf = np.array([[2.0, 2.0, 1.0], [1.0, 2.0, 2.0]])
    ok = np.ones((2, 3), dtype=bool)
    kw = dict(weights=np.array([0.5, 0.5]), mode="geomean", names=["a", "b"])
    area = np.array([1.0, 2.0, 3.0])
    by_area = analyze(perf, ok, area_mm2=area, **kw)
    by_score = analyze(perf, ok, area_mm2=area, tie_break="score", **kw)
    assert by_area.optima.tolist() == [0, 1]
    assert by_score.optima.tolist() == [1, 1]
    assert np.array_equal(by_area.rel, by_score.rel)
    # With the area rule the selection "improves" on a's optimum by sqrt(2) - 1 = 41.4 %,
    # a tie artefact; with the score rule both networks share one optimum: 0 %.
    assert by_area.improvement_pct[0] == pytest.approx(100 * (math.sqrt(2) - 1))
    assert by_score.improvement_pct.tolist() == [0.0, 0.0]
    with pytest.raises(SpecError, match="tie_break 'size'"):
        analyze(perf, ok, area_mm2=area, tie_break="size", **kw)


def test_output_never_contradicts_itself_with_area_and_a_power_constraint():
    """issue 15: with an area objective and a power constraint, relative performances stay
    in (0, 1] (an optimum that breaks another network's constraints is marked, not scored
    above 1), improvements are only given for admissible optima, and a selection that a
    printed Pareto design dominates is flagged."""
    from accelscope.search import load_space
    from accelscope.workload import load_model

    nets = [load_model(m) for m in ("alexnet", "lstm-lm", "bert-base")]
    res = multi_explore(
        nets, load_space(), objective=["latency", "area"], constraints=["power_w <= 1"]
    )
    doc = res.to_dict()
    marked = 0
    for opt, row in doc["cross_performance"].items():
        for net, value in row.items():
            optimum = doc["per_network_optima"][opt]
            if value is None:
                marked += 1
                assert net in optimum["violates_constraints_of"]
                assert optimum["networks"][net]["relative_performance"] is None
            else:
                assert 0 < value <= 1.0 + 1e-12
        if not doc["per_network_optima"][opt]["admissible"]:
            assert doc["improvement_pct"][opt] is None
            assert doc["per_network_optima"][opt]["score"] is None
    assert marked >= 1  # this setting has an optimum that breaks another's power budget
    sel = doc["selected"]
    dominating = [
        p for p in doc["pareto"]
        if p["score"] >= sel["score"] and p["area_mm2"] <= sel["area_mm2"]
        and (p["score"] > sel["score"] or p["area_mm2"] < sel["area_mm2"])
    ]  # fmt: skip
    assert doc["selected_dominated_by"] == len(dominating)
    assert all(v is None or v >= 0 for v in doc["improvement_pct"].values())
