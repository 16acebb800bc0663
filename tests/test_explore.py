"""Design-space exploration: exactness, NSGA-II quality, durability, executors, errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

from accelscope.errors import SpecError
from accelscope.search import load_space, space_from_dict
from accelscope.search.pareto import hypervolume_2d, pareto_mask
from accelscope.search.runner import explore
from accelscope.targets.asic.cost import evaluate
from accelscope.workload import from_yaml
from tests.conftest import EXAMPLES, REPO

DATA = REPO / "tests" / "data"
TINY_CNN = EXAMPLES / "networks" / "tiny-cnn.yaml"

SMALL_SPACE = {
    "name": "small",
    "parameters": {
        "rows": [8, 16, 32],
        "cols": {"tie": "rows"},
        "units": [1, 2],
        "dataflow": ["ws", "os"],
        "unified_kib": [64, 256],
        "dram_gbps": [8, 32],
        "clock_mhz": 1000,
        "lanes": 32,
    },
}


@pytest.fixture(scope="module")
def tiny_cnn():
    return from_yaml(TINY_CNN)


def test_exhaustive_optimum_equals_brute_force(tiny_cnn):
    space = space_from_dict(SMALL_SPACE)
    configs = space.configs(space.all_indices())
    # Brute force: one evaluate() per configuration, the constraint checked by hand.
    latency = []
    area = []
    for i in range(len(configs)):
        report = evaluate(tiny_cnn, configs.to_arch(i))
        latency.append(report.latency_s)
        area.append(report.area_mm2)
    latency, area = np.array(latency), np.array(area)
    budget_mm2 = float(np.median(area))
    ok = area <= budget_mm2
    expected = int(np.flatnonzero(ok)[np.argmin(latency[ok])])

    result = explore(
        tiny_cnn,
        space,
        objectives=["latency"],
        constraints=[f"area_mm2 <= {budget_mm2!r}"],
        strategy="exhaustive",
    )
    assert result.evaluated == space.size == 48
    assert result.feasible == int(ok.sum())
    assert result.best["index"] == expected
    assert result.best["latency_s"] == latency[expected]
    # Two objectives: the marked front equals the brute-force non-dominated set.
    two = explore(
        tiny_cnn, space, objectives=["latency", "area"], constraints=[], strategy="exhaustive"
    )
    brute = set(np.flatnonzero(pareto_mask(np.column_stack([latency, area]))).tolist())
    assert {d["index"] for d in two.pareto} == brute


@pytest.mark.slow
def test_nsga2_reaches_95_percent_of_exhaustive_hypervolume(tiny_cnn):
    space = load_space(DATA / "space-20k.yaml")
    assert 20_000 <= space.size <= 25_000
    objectives = ["latency", "area"]
    full = explore(tiny_cnn, space, objectives=objectives, strategy="exhaustive")
    evo = explore(
        tiny_cnn, space, objectives=objectives, strategy="evolutionary", budget=2000, seed=7
    )
    rnd = explore(tiny_cnn, space, objectives=objectives, strategy="random", budget=2000, seed=7)
    assert (
        evo.evaluated < 2000 + 100
    )  # budget counts distinct designs; last generation may overshoot

    def points(result):
        t = result.table
        ok = t.column("meets_constraints").to_numpy(zero_copy_only=False)
        xy = np.column_stack([t.column("latency_s").to_numpy(), t.column("area_mm2").to_numpy()])
        return np.log10(xy[ok])

    # Objectives span orders of magnitude, so the hypervolume is taken on log10 values
    # normalized to the exhaustive set's range, reference point (1, 1).
    exact = points(full)
    lo, hi = exact.min(axis=0), exact.max(axis=0)

    def hv(p):
        return hypervolume_2d((p - lo) / (hi - lo), np.array([1.0, 1.0]))

    assert hv(points(evo)) >= 0.95 * hv(exact)
    # Hypervolume alone is lenient (a 2,000-point random sample also scores ~98%), so the
    # search must also recover the exact Pareto designs, and far more of them than random
    # sampling with the same budget (measured: NSGA-II 12 of 12, random 0-2).
    front = {d["index"] for d in full.pareto}
    found_evo = front & set(evo.table.column("index").to_pylist())
    found_rnd = front & set(rnd.table.column("index").to_pylist())
    assert len(found_evo) >= 0.9 * len(front)
    assert len(found_evo) > len(found_rnd)


def test_strategies_are_deterministic(tiny_cnn):
    space = load_space()
    a = explore(
        tiny_cnn,
        space,
        objectives=["latency", "energy"],
        strategy="evolutionary",
        budget=300,
        seed=3,
    )
    b = explore(
        tiny_cnn,
        space,
        objectives=["latency", "energy"],
        strategy="evolutionary",
        budget=300,
        seed=3,
    )
    assert a.table.equals(b.table)
    r1 = explore(tiny_cnn, space, strategy="random", budget=200, seed=5)
    r2 = explore(tiny_cnn, space, strategy="random", budget=200, seed=5)
    assert r1.table.equals(r2.table) and r1.evaluated == 200


def _explore_cmd(out_dir, *extra):
    return [
        sys.executable,
        "-m",
        "accelscope",
        "explore",
        "alexnet",
        "--space",
        str(DATA / "space-resume.yaml"),
        "--objective",
        "latency",
        "--objective",
        "area",
        "--out",
        str(out_dir),
        "--json",
        *extra,
    ]


@pytest.mark.slow
def test_sigkill_then_resume_gives_identical_results(tmp_path):
    env = dict(os.environ)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        _explore_cmd(killed),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parts = killed / "parts"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if parts.exists() and len(list(parts.glob("chunk-*.parquet"))) >= 2:
            break
        if proc.poll() is not None:
            pytest.fail("the exploration finished before it could be killed")
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    committed = len(list(parts.glob("chunk-*.parquet")))
    assert 2 <= committed < 7  # 110,592 points in 16,384-point chunks = 7 parts
    assert not (killed / "results.parquet").exists()

    resumed = subprocess.run(
        _explore_cmd(killed), cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert resumed.returncode == 0, resumed.stderr
    import json

    doc = json.loads(resumed.stdout)
    assert doc["resumed_parts"] == committed
    clean = tmp_path / "clean"
    fresh = subprocess.run(
        _explore_cmd(clean), cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert fresh.returncode == 0, fresh.stderr
    a = pq.read_table(killed / "results.parquet")
    b = pq.read_table(clean / "results.parquet")
    assert a.num_rows == b.num_rows == 110_592
    assert len(np.unique(a.column("index").to_numpy())) == a.num_rows  # none duplicated
    assert a.equals(b)


@pytest.mark.slow
def test_executors_give_identical_tables(tiny_cnn):
    space = space_from_dict(SMALL_SPACE)
    kwargs = dict(objectives=["latency", "area"], strategy="exhaustive", chunk_size=10)
    serial = explore(tiny_cnn, space, executor="serial", **kwargs)
    procs = explore(tiny_cnn, space, executor="processes", workers=2, **kwargs)
    dask = explore(tiny_cnn, space, executor="dask", workers=2, **kwargs)
    assert serial.table.equals(procs.table)
    assert serial.table.equals(dask.table)
    evo = dict(
        objectives=["latency", "area"], strategy="evolutionary", budget=60, seed=1, population=20
    )
    assert explore(tiny_cnn, space, executor="serial", **evo).table.equals(
        explore(tiny_cnn, space, executor="dask", workers=2, **evo).table
    )


def test_out_dir_from_a_different_run_is_refused(tiny_cnn, tmp_path):
    space = space_from_dict(SMALL_SPACE)
    explore(tiny_cnn, space, out_dir=tmp_path / "r")
    with pytest.raises(SpecError, match="holds results of a different run"):
        explore(tiny_cnn, space, strategy="random", budget=5, out_dir=tmp_path / "r")
    again = explore(
        tiny_cnn, space, strategy="random", budget=5, out_dir=tmp_path / "r", overwrite=True
    )
    assert again.evaluated == 5


def test_cli_explore_json_and_no_feasible_message(cli, tmp_path):
    res = cli(
        "explore",
        str(TINY_CNN),
        "--objective",
        "latency",
        "--objective",
        "area",
        "--constraint",
        "area_mm2 <= 20",
        "--out",
        str(tmp_path / "o"),
        "--json",
    )
    assert res.code == 0, res.stderr
    doc = res.json()
    assert {"best", "pareto", "evaluated", "feasible"} <= set(doc)
    assert doc["evaluated"] == load_space().size
    assert doc["best"]["area_mm2"] <= 20 and doc["best"]["pareto"]
    assert all(p["pareto"] for p in doc["pareto"])
    assert doc["best_layers"] and (tmp_path / "o" / "summary.json").exists()
    res = cli("explore", str(TINY_CNN), "--constraint", "area_mm2 <= 0.01")
    assert res.code == 2
    assert res.stderr.startswith(
        "error: no configuration satisfies the constraints: 'area_mm2 <= 0.01' ruled out"
    )
    res = cli("explore", str(TINY_CNN), "--constraint", "aera_mm2 <= 3")
    assert res.code == 2 and "did you mean: area_mm2" in res.stderr
    res = cli("explore", str(TINY_CNN), "--strategy", "exhaustive", "--budget", "10")
    assert res.code == 2 and "needs 9720 evaluations" in res.stderr


@pytest.mark.slow
def test_existing_dask_scheduler_and_pandas(tiny_cnn, tmp_path):
    from distributed import LocalCluster

    space = space_from_dict(SMALL_SPACE)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        # Without --out the workers send their columns back; with a shared --out they
        # commit the parts themselves.
        remote = explore(
            tiny_cnn, space, executor="dask", scheduler=cluster.scheduler_address, chunk_size=16
        )
        shared = explore(
            tiny_cnn,
            space,
            executor="dask",
            scheduler=cluster.scheduler_address,
            chunk_size=16,
            out_dir=tmp_path / "shared",
        )
    local = explore(tiny_cnn, space, chunk_size=16)
    assert remote.table.equals(local.table)
    assert shared.table.equals(local.table)
    assert len(list((tmp_path / "shared" / "parts").glob("chunk-*.parquet"))) == -(
        -space.size // 16
    )
    df = local.to_pandas()
    assert len(df) == space.size and {"latency_s", "area_mm2", "pareto", "rows"} <= set(df)
    # One objective: no Pareto front; the best design is the fastest admissible one.
    assert not df["pareto"].any()
    assert df.loc[df["meets_constraints"], "latency_s"].min() == local.best["latency_s"]
    with pytest.raises(SpecError, match="--scheduler needs --executor dask"):
        explore(tiny_cnn, space, executor="processes", scheduler="tcp://127.0.0.1:1")


def test_time_budget_keeps_finished_work_and_resumes(tiny_cnn, tmp_path):
    space = load_space()  # 9,720 points, chunks of 100 -> 98 parts
    partial = explore(tiny_cnn, space, chunk_size=100, time_budget_s=0.0, out_dir=tmp_path)
    # A zero budget stops after the first committed chunk: results are partial but valid.
    assert 0 < partial.evaluated < space.size
    full = explore(tiny_cnn, space, chunk_size=100, out_dir=tmp_path)
    assert full.resumed_parts >= 1 and full.evaluated == space.size
    assert full.table.equals(explore(tiny_cnn, space, chunk_size=100).table)


@pytest.mark.slow
def test_ctrl_c_keeps_finished_work_and_says_how_to_resume(tmp_path):
    out = tmp_path / "interrupted"
    # A shell that starts jobs in the background (CI may) makes them ignore SIGINT, and
    # children inherit that; restore the default so Python raises KeyboardInterrupt.
    proc = subprocess.Popen(
        _explore_cmd(out),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    parts = out / "parts"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if parts.exists() and list(parts.glob("chunk-*.parquet")):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted: finished work is kept in" in stderr and "rerun the same command" in stderr
    assert "Traceback" not in stderr
    kept = sorted(parts.glob("chunk-*.parquet"))
    assert kept and all(pq.read_table(p).num_rows == 16_384 for p in kept)


def test_cli_explore_without_out_prints_no_warnings(cli):
    # The parts of a run without --out live in a scratch directory as long as the result;
    # removing it must not print a ResourceWarning (it did, through the CLI's warning relay).
    res = cli("explore", str(TINY_CNN), "--top", "1", "--json")
    assert res.code == 0, res.stderr
    assert "warning" not in res.stderr.lower(), res.stderr


def test_one_objective_has_no_pareto_front_and_ties_go_to_the_smallest_area(cli, tmp_path):
    # Issue 15: a latency-only explore printed a "Pareto front" and flagged a tied design
    # with 39% more area as Pareto-optimal.
    import pyarrow.parquet as pq

    res = cli("explore", str(TINY_CNN), "--out", str(tmp_path / "o"), "--json")
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["objectives"] == ["min:latency_s"] and doc["pareto"] == []
    table = pq.read_table(tmp_path / "o" / "results.parquet").to_pandas()
    assert not table["pareto"].any()
    ok = table[table["meets_constraints"]]
    fastest = ok[ok["latency_s"] == ok["latency_s"].min()]
    assert len(fastest) > 1  # the default space has ties at the best latency ...
    assert doc["best"]["area_mm2"] == fastest["area_mm2"].min()  # ... the smallest wins
    assert doc["top"][0]["index"] == doc["best"]["index"]
    text = cli("explore", str(TINY_CNN), "--top", "2")
    assert text.code == 0 and "Pareto front" not in text.stdout
    assert "best by the one objective (ties: the smallest area)" in text.stdout


def test_tables_carry_labelled_categoricals(tmp_path):
    """dataflow, precision, technology ... come out as their names (dictionary-encoded),
    in the result table, pandas and results.parquet -- not as integer codes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from accelscope.search import explore, space_from_dict
    from accelscope.search.report import write_outputs
    from accelscope.workload import load_model

    space = space_from_dict(
        {"parameters": {"rows": [16, 32], "cols": {"tie": "rows"}, "clock_mhz": 800,
                        "dram_gbps": 32, "unified_kib": 512, "dataflow": ["ws", "os"],
                        "precision": "int8"}}
    )  # fmt: skip
    result = explore(load_model("alexnet"), space, out_dir=tmp_path)
    column = result.table.column("dataflow")
    assert pa.types.is_dictionary(column.type)
    assert sorted(set(column.to_pylist())) == ["os", "ws"]
    assert set(result.to_pandas()["precision"].astype(str)) == {"int8"}
    write_outputs(result, {"kind": "explore"})
    stored = pq.read_table(tmp_path / "results.parquet")
    assert sorted(set(stored.column("dataflow").to_pylist())) == ["os", "ws"]


def test_why_this_design_matches_the_table():
    """The sensitivity of each parameter is read off the evaluated table: the designs that
    equal the best everywhere else (checked here by brute force), and the runner-up's
    ratios are its metrics over the best's."""
    import numpy as np

    from accelscope.search import explore, space_from_dict
    from accelscope.search.report import result_document
    from accelscope.workload import load_model

    space = space_from_dict(
        {"parameters": {"rows": [16, 32, 64], "cols": {"tie": "rows"}, "clock_mhz": [500, 800],
                        "dram_gbps": [16, 64], "unified_kib": 512}}
    )  # fmt: skip
    result = explore(load_model("alexnet"), space, objectives=["latency", "area"])
    doc = result_document(result)
    why = doc["why"]
    best = doc["best"]
    assert sum(why["latency_by_bound"].values()) == pytest.approx(1.0)
    df = result.to_pandas()
    ok = df[df["meets_constraints"]]
    for entry in why["sensitivity"]:
        p = entry["parameter"]
        others = [q for q in ("rows", "clock_mhz", "dram_gbps") if q != p]
        mask = np.logical_and.reduce([ok[q] == best[q] for q in others])
        expected = ok[mask].groupby(p)["latency_s"].min()
        got = {v["value"]: v["latency_s"] for v in entry["values"]}
        assert got == pytest.approx(dict(expected))
        assert entry["spread"] == pytest.approx(expected.max() / expected.min())
    ru = why["runner_up"]
    second = next(d for d in doc["top"] if d["index"] != best["index"])
    assert ru["relative"]["area_mm2"] == pytest.approx(second["area_mm2"] / best["area_mm2"])


def test_results_have_short_reprs_and_html_views():
    """A result in a notebook or a terminal shows a summary line (not the table's schema
    or the whole space) and an HTML table."""
    from accelscope.search import explore, load_space
    from accelscope.targets.asic.arch import load_arch
    from accelscope.targets.asic.cost import evaluate
    from accelscope.workload import load_model

    net = load_model("alexnet")
    result = explore(net, load_space(), objectives=["latency"])
    text = repr(result)
    assert text.startswith("ExploreResult(network=alexnet, space=default (asic)")
    assert "evaluated=9,720" in text and len(text) < 300 and "pyarrow" not in text
    assert result._repr_html_().startswith("<table>")
    report = evaluate(net, load_arch("edge"))
    assert repr(report).startswith("NetworkReport(network=alexnet, arch=edge, batch=1, latency_s=")
    assert "<td" in report._repr_html_()
