"""Simultaneous applications (``accelscope mix``): partitions, time multiplexing, the
search and the CLI."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as hst

from accelscope.mix.execution import compositions, response_times, time_multiplexed
from accelscope.targets.asic.cost import ConfigBatch, evaluate_batch
from accelscope.targets.asic.partition import partition_configs
from accelscope.workload import load_model
from tests.conftest import REPO


def test_a_partition_costs_what_the_network_costs_alone_on_that_share():
    """Two of four units with half the buffer and half the bandwidth is the 2-unit
    accelerator with 512 KiB and 32 GB/s, evaluated on its own."""
    whole = ConfigBatch.from_columns(rows=32, cols=32, units=4, clock_mhz=800,
                                     unified_kib=1024, dram_gbps=64)  # fmt: skip
    alone = ConfigBatch.from_columns(rows=32, cols=32, units=2, clock_mhz=800,
                                     unified_kib=512, dram_gbps=32)  # fmt: skip
    net = load_model("resnet-18")
    part = evaluate_batch(net, partition_configs(whole, np.array([2])))
    ref = evaluate_batch(net, alone)
    assert part.latency_s[0] == ref.latency_s[0]
    assert part.energy_j[0] == ref.energy_j[0]


def test_time_multiplexing_by_hand():
    """Two applications, latencies 10 and 20 ms on the whole chip, 30/s and 10/s:
    utilization 0.3 + 0.2 = 0.5, headroom 2. The first (higher priority) waits at worst
    for one 20 ms inference of the second: 30 ms; the second waits for one 10 ms
    inference of the first: 30 ms."""
    lat = np.array([[0.010], [0.020]])
    energy = np.array([[1e-3], [2e-3]])
    rates = np.array([30.0, 10.0])
    prios = np.array([1, 0])
    ok = time_multiplexed(lat, energy, rates, np.array([0.035, 0.1]), prios)
    assert ok.feasible[0] and ok.headroom[0] == pytest.approx(2.0)  # utilization binds
    assert ok.response_s[:, 0] == pytest.approx([0.030, 0.030])
    assert ok.power_w[0] == pytest.approx(30 * 1e-3 + 10 * 2e-3)
    tight = time_multiplexed(lat, energy, rates, np.array([0.025, 0.1]), prios)
    assert not tight.feasible[0]  # 30 ms response against a 25 ms bound


@settings(max_examples=60, deadline=None)
@given(
    lat=hst.lists(hst.floats(1e-3, 5e-2), min_size=2, max_size=4),
    rate=hst.lists(hst.floats(0.5, 40.0), min_size=4, max_size=4),
    slack=hst.floats(1.0, 4.0),
)
def test_headroom_is_the_largest_feasible_rate_factor(lat, rate, slack):
    n = len(lat)
    lat_a = np.array(lat)[:, None]
    rates = np.array(rate[:n])
    prios = np.arange(n)[::-1]
    bounds = response_times(lat_a, rates, prios)[:, 0] * slack
    res = time_multiplexed(lat_a, lat_a, rates, bounds, prios)
    if not res.feasible[0]:
        return
    h = res.headroom[0]
    assert h >= 1.0 - 1e-9

    def meets(factor: float) -> bool:
        resp = response_times(lat_a, rates, prios, factor)[:, 0]
        return (
            bool((resp <= bounds * (1 + 1e-12)).all()) and (rates * lat).sum() * factor <= 1 + 1e-12
        )

    assert meets(h * (1 - 1e-6))
    assert not meets(h * 1.01)


def test_compositions():
    assert compositions(4, 2) == [(1, 3), (2, 2), (3, 1)]
    assert compositions(2, 3) == []
    assert len(compositions(8, 3)) == 21  # C(7, 2)


def test_search_finds_the_exhaustive_optimum_on_a_small_space():
    """Brute force, independently of the vectorized search: every configuration, time
    multiplexing and every unit split (each share evaluated as an accelerator of its
    own), the least area that runs the mix."""
    from accelscope.mix import mix_from_dict, run_mix
    from accelscope.mix.execution import compositions as splits
    from accelscope.search.space import space_from_dict

    space = space_from_dict({"parameters": {
        "rows": [8, 16, 32], "cols": {"tie": "rows"}, "units": [1, 2, 4],
        "clock_mhz": 800, "dram_gbps": [16, 64], "unified_kib": 512,
    }})  # fmt: skip
    mix = mix_from_dict({"applications": [
        {"name": "cnn", "model": "resnet-18", "rate_per_s": 60, "latency_ms": 40},
        {"name": "lm", "model": "lstm-lm", "rate_per_s": 20, "latency_ms": 60},
    ]})  # fmt: skip
    result = run_mix(mix, space, objective="area", constraints=[])
    nets = [load_model("resnet-18"), load_model("lstm-lm")]
    rates, bounds = np.array([60.0, 20.0]), np.array([0.040, 0.060])
    best_area = np.inf
    for i in range(space.size):
        p = space.columns(np.array([i]))
        row = {k: v[0].item() for k, v in p.items()}
        cfg = ConfigBatch.from_columns(**{k: [v] for k, v in row.items()})
        lat = np.array([evaluate_batch(n, cfg).latency_s[0] for n in nets])[:, None]
        area = float(evaluate_batch(nets[0], cfg).area_mm2[0])
        ok = time_multiplexed(lat, lat, rates, bounds, np.zeros(2, int)).feasible[0]
        for split in splits(int(row["units"]), 2):
            share = []
            for u, net in zip(split, nets, strict=True):
                f = u / row["units"]
                sub = ConfigBatch.from_columns(**{**{k: [v] for k, v in row.items()},
                                                  "units": [u], "unified_kib": [512 * f],
                                                  "dram_gbps": [row["dram_gbps"] * f]})  # fmt: skip
                share.append(evaluate_batch(net, sub).latency_s[0])
            share = np.array(share)
            ok |= bool(((rates * share) <= 1).all() and (share <= bounds).all())
        if ok:
            best_area = min(best_area, area)
    assert result.best is not None
    assert result.design(result.best)["area_mm2"] == pytest.approx(best_area)


def test_mix_cli_json_and_errors(cli, tmp_path):
    mix = tmp_path / "mix.yaml"
    mix.write_text(yaml.safe_dump({"name": "cam", "applications": [
        {"name": "detect", "model": "tiny-yolov2", "rate_per_s": 30, "latency_ms": 40,
         "priority": 1},
        {"name": "speech", "model": "lstm-lm", "latency_ms": 100},
    ]}))  # fmt: skip
    res = cli("mix", str(mix), "--json", "--out", str(tmp_path / "run"))
    assert res.code == 0, res.stderr
    doc = res.json()
    assert {"evaluated", "feasible", "best", "pareto"} <= set(doc)
    best = doc["best"]
    assert {"area_mm2", "power_w", "execution", "applications", "configuration"} <= set(best)
    assert best["configuration"]["rows"] >= 8 and "units" in best["configuration"]
    detect = best["applications"]["detect"]
    assert {"share", "latency_s", "rate_per_s", "required_rate_per_s", "latency_bound_s"} <= set(
        detect
    )
    assert detect["response_s"] <= detect["latency_bound_s"]
    assert (tmp_path / "run" / "summary.json").is_file()
    assert doc["execution"] == "best"
    spatial = cli("mix", str(mix), "--json", "--execution", "spatial")
    assert spatial.code == 0, spatial.stderr
    assert spatial.json()["execution"] == "spatial"
    assert spatial.json()["best"]["execution"] == "spatial"
    assert spatial.json()["best"]["limited_by"].startswith("the share of ")
    assert doc["best"]["limited_by"]  # time: the accelerator's time or a latency bound
    areas = [p["area_mm2"] for p in doc["pareto"]]
    assert areas == sorted(areas)

    bad = tmp_path / "bad.yaml"
    for apps, fragment in (
        ([{"model": "resnet-18", "rate_per_s": 0}], "rate_per_s"),
        ([{"model": "nope", "rate_per_s": 1}], "application 'nope'"),
        ([{"model": "resnet-18", "latency_ms": 0.001}], "application 'resnet-18' needs 0.001 ms"),
        ([{"model": "resnet-18"}], "give rate_per_s, latency_ms or both"),
        ([{"model": "lstm-lm", "rate_per_s": 1}, {"model": "lstm-lm", "rate_per_s": 2}], "unique"),
    ):
        bad.write_text(yaml.safe_dump({"applications": apps}))
        res = cli("mix", str(bad))
        assert res.code == 2, (apps, res.stderr)
        assert res.stderr.startswith("error: ") and fragment in res.stderr, res.stderr


@pytest.mark.slow
def test_concurrent_experiment_document_is_current():
    """docs/experiments/concurrent.md must be what experiments/concurrent_mixes.py renders
    now (rerun the script and reread its text when the model changes)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "experiments" / "concurrent_mixes.py"
    spec = importlib.util.spec_from_file_location("concurrent_mixes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.run()
    expected = [x for x in module.render(rows).splitlines() if not x.startswith("Generated by")]
    current = module.DOC.read_text(encoding="utf-8").splitlines()
    assert [x for x in current if not x.startswith("Generated by")] == expected
    for entry in rows:  # best of both is never worse than either model alone
        areas = {
            k: (d["best"] or {}).get("area_mm2", float("inf"))
            for k, (d, _) in entry["results"].items()
        }
        assert areas["best"] <= min(areas["time"], areas["spatial"]) + 1e-9


def test_timeline_by_hand():
    """A (10 ms, 30/s, high priority) and B (20 ms, 10/s): at 0 A runs 0-10, B 10-30; A is
    released again at 33.3 ms and runs 33.3-43.3, and so on; B again at 100 ms."""
    from accelscope.mix.timeline import simulate

    runs = simulate([0.010, 0.020], [30.0, 10.0], [1, 0], window_s=0.1)
    first = [(r.app, round(r.start_s, 4), round(r.end_s, 4)) for r in runs[:4]]
    assert first == [(0, 0.0, 0.01), (1, 0.01, 0.03), (0, 0.0333, 0.0433), (0, 0.0667, 0.0767)]
    assert all(b.start_s >= a.end_s - 1e-12 for a, b in zip(runs, runs[1:], strict=False))


def test_mix_report_draws_targets_timeline_and_front(cli, tmp_path):
    from tests.conftest import REPO

    html = tmp_path / "mix.html"
    res = cli("mix", str(REPO / "examples" / "mixes" / "camera.yaml"), "--report", str(html),
              "--out", str(tmp_path / "run"))  # fmt: skip
    assert res.code == 0, res.stderr
    rep = cli("report", str(tmp_path / "run" / "summary.json"), "-o", str(tmp_path / "r.html"),
              "--json")  # fmt: skip
    assert rep.code == 0, rep.stderr
    assert {"targets", "timeline", "front"} <= set(rep.json()["figures"])
    assert "Schedule of one window" in html.read_text(encoding="utf-8")


def test_greedy_split_matches_the_enumeration_on_a_small_space(monkeypatch):
    """Above MAX_SPLITS the split is greedy: on this space it finds the same feasible
    configurations and headroom as enumerating every split."""
    import accelscope.mix.execution as execution
    from accelscope.mix import mix_from_dict, run_mix
    from accelscope.search.space import space_from_dict
    from tests.conftest import REPO

    space = space_from_dict({"parameters": {
        "rows": [16, 32, 64], "cols": {"tie": "rows"}, "units": [4, 8, 16],
        "clock_mhz": [800, 1000], "dram_gbps": [32, 128], "unified_kib": [1024, 4096],
    }})  # fmt: skip
    mix = mix_from_dict(yaml.safe_load((REPO / "examples/mixes/camera.yaml").read_text()))
    enumerated = run_mix(mix, space, execution="spatial", constraints=[]).per_configuration()
    monkeypatch.setattr(execution, "MAX_SPLITS", 0)
    greedy = run_mix(mix, space, execution="spatial", constraints=[]).per_configuration()
    assert enumerated["feasible"].sum() > 0
    assert (greedy["feasible"] == enumerated["feasible"]).all()
    ok = enumerated["feasible"]
    assert greedy["headroom"][ok] == pytest.approx(enumerated["headroom"][ok])


def test_mix_resumes_from_its_parts_and_gives_the_same_result(tmp_path):
    """With out_dir every chunk is a committed part: a rerun evaluates nothing again
    (an interrupted run keeps what it finished) and re-scores with other objectives."""
    from accelscope.mix import mix_from_dict, run_mix
    from accelscope.mix import run as mix_run
    from accelscope.search import load_space

    mix = mix_from_dict(yaml.safe_load((REPO / "examples/mixes/camera.yaml").read_text()))
    space = load_space()
    first = run_mix(mix, space, out_dir=tmp_path)
    parts = sorted((tmp_path / "parts").glob("*.parquet"))
    assert first.resumed_parts == 0 and len(parts) == -(-space.size // mix_run.CHUNK)
    parts[-1].unlink()  # as if the run had been killed before its last chunk
    calls = []
    real = mix_run.evaluate_chunk

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    mix_run.evaluate_chunk = counting
    try:
        again = run_mix(mix, space, out_dir=tmp_path)
        rescored = run_mix(mix, space, out_dir=tmp_path, objective="headroom")
    finally:
        mix_run.evaluate_chunk = real
    assert len(calls) == 1  # only the missing chunk
    assert again.resumed_parts == len(parts) - 1
    assert again.to_dict()["best"] == first.to_dict()["best"]
    assert rescored.best != first.best and rescored.resumed_parts == len(parts)


@pytest.mark.parametrize("objective", ["area", "headroom"])
def test_mix_choice_is_merged_part_by_part(monkeypatch, tmp_path, objective):
    """The run reads its parts one at a time: the best configuration and the (area,
    headroom) front merged part by part equal the choice over every configuration at
    once, and the result keeps no array over the space."""
    from accelscope.mix import mix_from_dict, run_mix
    from accelscope.mix import run as mix_run
    from accelscope.search.pareto import pareto_mask
    from accelscope.search.space import space_from_dict
    from tests.conftest import REPO

    monkeypatch.setattr(mix_run, "CHUNK", 10)
    space = space_from_dict({"parameters": {
        "rows": [16, 32, 64], "cols": {"tie": "rows"}, "units": [4, 8, 16],
        "clock_mhz": [800, 1000], "dram_gbps": [32, 128], "unified_kib": [1024, 4096],
    }})  # fmt: skip
    mix = mix_from_dict(yaml.safe_load((REPO / "examples/mixes/camera.yaml").read_text()))
    res = run_mix(mix, space, objective=objective, constraints=[], out_dir=tmp_path)
    assert len(res.source.names) == -(-space.size // 10) > 3
    whole = res.per_configuration()
    ok = whole["feasible"]
    assert 0 < ok.sum() == res.feasible_count
    area, power, head = whole["area_mm2"], whole["power_w"], whole["headroom"]
    assert res.best == mix_run._choose(objective, ok, area, power, head)
    rows = np.flatnonzero(ok)
    front = rows[pareto_mask(np.column_stack([area[rows], -head[rows]]))]
    assert res.pareto.tolist() == front[np.argsort(area[front], kind="stable")].tolist()
    for name, value in vars(res).items():
        if isinstance(value, np.ndarray):
            assert value.size <= max(res.pareto.size, 1), name
    # A design record is the same row, read back from its part.
    best = res.to_dict()["best"]
    assert best["area_mm2"] == pytest.approx(area[res.best])
    assert best["headroom"] == pytest.approx(head[res.best]) and best["runs_mix"]


def test_mix_on_worker_processes_equals_serial(monkeypatch, tmp_path, cli):
    """--executor processes: the workers commit the parts, and the result is the serial
    run's (same choice, front and records)."""
    from accelscope.mix import mix_from_dict, run_mix
    from accelscope.mix import run as mix_run
    from accelscope.search.space import space_from_dict
    from tests.conftest import REPO

    monkeypatch.setattr(mix_run, "CHUNK", 10)
    params = {
        "rows": [16, 32, 64], "cols": {"tie": "rows"}, "units": [4, 8, 16],
        "clock_mhz": [800, 1000], "dram_gbps": [32, 128], "unified_kib": [1024, 4096],
    }  # fmt: skip
    space = space_from_dict({"parameters": params})
    camera = REPO / "examples/mixes/camera.yaml"
    mix = mix_from_dict(yaml.safe_load(camera.read_text()))
    serial = run_mix(mix, space, constraints=[], out_dir=tmp_path / "s").to_dict()
    pooled = run_mix(
        mix, space, constraints=[], out_dir=tmp_path / "p", executor="processes", workers=2
    ).to_dict()
    assert len(list((tmp_path / "p" / "parts").glob("*.parquet"))) == 8
    for key in ("best", "pareto", "feasible", "feasible_by_execution", "evaluated"):
        assert pooled[key] == serial[key], key
    # The CLI takes the same options; a bad executor is one line, exit 2.
    bad = cli("mix", str(camera), "--executor", "threads")
    assert bad.code == 2 and "unknown executor 'threads'" in bad.stderr
