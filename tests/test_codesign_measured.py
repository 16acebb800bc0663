"""Measured latency as the co-design backend: noise-aware staircase analysis, the
agreement of measured and modeled staircases, and ``codesign --latency measured``."""

from __future__ import annotations

import math

import numpy as np
import pytest

from accelscope.codesign.curves import analyze
from accelscope.codesign.measured import agreement
from accelscope.codesign.propagate import Knob
from accelscope.codesign.sweep import Curve
from tests.conftest import run_cli


def test_noise_margins_hide_unresolved_steps_and_make_near_ties_dominated():
    lat = np.array([1.0, 1.01, 2.0, 2.02])
    exact = analyze(lat)
    noisy = analyze(lat, noise=np.full(4, 0.05))
    assert exact.cliffs.tolist() == [1] and noisy.cliffs.tolist() == [1]
    # 1.01 is within the two margins (0.1) of 1.0: as fast, so width 0 is dominated
    assert not exact.dominated[0] and noisy.dominated[0]
    # a step smaller than the margins is not a cliff: 1.0 -> 1.3 with margins 0.2 each
    small = analyze(np.array([1.0, 1.0, 1.3, 1.3]), noise=np.full(4, 0.2), min_step=0)
    assert small.cliffs.tolist() == []
    assert analyze(np.array([1.0, 1.0, 1.3, 1.3]), min_step=0).cliffs.tolist() == [1]


def _curve(lat, noise=None) -> Curve:
    n = len(lat)
    knob = Knob(name="fc", op="linear", field="out_features", width=20, updates=(), layers=("fc",))
    return Curve(
        knob=knob,
        widths=np.arange(10, 10 + 5 * n, 5),
        latency_s=np.asarray(lat, dtype=float),
        energy_j=np.full(n, math.nan),
        params=np.arange(n),
        group_latency_s=np.asarray(lat, dtype=float),
        noise_s=None if noise is None else np.full(n, noise),
    )


def test_agreement_of_measured_and_modeled_staircases():
    # widths 10, 15, 20, 25, 30; modeled steps after 15 and after 25, measured after 15 only
    modeled = _curve([1.0, 1.0, 2.0, 2.0, 3.0])
    measured = _curve([1.1, 1.05, 2.1, 2.05, 2.12], noise=0.02)
    a = agreement(measured, modeled)
    assert a["modeled_cliffs"] == [[15, 20], [25, 30]]
    assert a["measured_cliffs"] == [[15, 20]]
    assert a["shared_cliffs"] == [[15, 20]]
    # ranks: measured [1, 0, 3, 2, 4]; modeled [0.5, 0.5, 2.5, 2.5, 4] -> Pearson of ranks
    r1, r2 = np.array([1, 0, 3, 2, 4.0]), np.array([0.5, 0.5, 2.5, 2.5, 4])
    assert a["rank_correlation"] == pytest.approx(np.corrcoef(r1, r2)[0, 1])
    flat = agreement(_curve([1.0] * 5, noise=0.0), modeled)
    assert flat["rank_correlation"] is None


@pytest.mark.slow
def test_codesign_latency_measured_cli():
    r = run_cli(
        "codesign", "lstm-lm", "--latency", "measured", "--range", "0.97:1.03",
        "--multiple", "16", "--runs", "3", "--threads", "1", "--arch", "edge", "--json",
    )  # fmt: skip
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc["latency_backend"] == "measured" and doc["arch"] == "this machine (cpu)"
    assert doc["measurement"]["runs"] == 3 and doc["measurement"]["model_compared"] == "edge"
    (layer,) = doc["layers"]
    assert layer["name"] == "rnn" and [w for w, _ in layer["curve"]] == [640, 650, 656]
    assert all(lat > 0 for _, lat in layer["curve"])
    assert layer["latency_share"] is None and doc["energy_j"] is None  # not measured
    (agree,) = doc["agreement"]
    assert agree["layer"] == "rnn" and set(agree) >= {"measured_cliffs", "modeled_cliffs"}
    plan = doc["plan"]
    assert plan["widths"]["rnn"] in (640, 650, 656) and plan["latency_s"] > 0


def test_codesign_latency_bad_values_are_one_line_errors():
    r = run_cli("codesign", "lstm-lm", "--latency", "measure")
    assert r.code == 2 and "--latency 'measure'" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("codesign", "bert-base", "--latency", "measured")
    assert r.code == 2 and "no PyTorch module to measure" in r.stderr
    r = run_cli("codesign", "lstm-lm", "--latency", "measured", "--range", "0.5:1.5", "--runs", "3")
    assert r.code == 2 and "widths to time" in r.stderr and "--multiple" in r.stderr
    # one line: no progress bar is shown before the sweep's checks have passed
    assert r.stderr.strip().startswith("error: ") and "\n" not in r.stderr.strip()
