"""The measurement protocol (with a fake clock) and ``accelscope measure``."""

from __future__ import annotations

import itertools

import pytest

from accelscope.measure.protocol import Measurement, summarize_times, time_callable
from tests.conftest import run_cli


class FakeClock:
    """A clock that advances by a scripted duration during each timed call, and not at
    all between calls: the protocol must report exactly the scripted durations."""

    def __init__(self, durations_s: list[float]) -> None:
        self.now = 0.0
        self.durations = iter(durations_s)
        self.calls = 0

    def __call__(self) -> float:
        return self.now

    def work(self) -> None:
        self.calls += 1
        self.now += next(self.durations)


def test_fake_clock_gives_median_percentiles_and_spread():
    # No-op: 5 warm-up + 5 timed calls cost nothing on this clock (floor 0); the
    # function: 2 warm-up calls of 100 s (must be ignored), then 5 timed runs.
    clock = FakeClock([100.0, 100.0, 1.0, 5.0, 2.0, 3.0, 4.0])
    m = time_callable(clock.work, runs=5, warmup=2, clock=clock)
    assert clock.calls == 7  # warm-up is run, then exactly `runs` timed calls
    assert m.median_s == 3.0 and m.runs == 5 and m.noise_floor_s == 0.0
    # Linear interpolation on sorted [1,2,3,4,5]: p10 at position 0.4 -> 1.4, p90 at 3.6 -> 4.6
    assert m.p10_s == pytest.approx(1.4) and m.p90_s == pytest.approx(4.6)
    assert m.spread == pytest.approx((4.6 - 1.4) / 3.0)


def test_noise_floor_is_the_no_op_measured_the_same_way():
    ticks = itertools.count()
    clock = lambda: float(next(ticks))  # noqa: E731 - every reading advances 1 s
    # Each timed call reads the clock twice, so the no-op and fn both measure 1 s.
    m = time_callable(lambda: None, runs=3, warmup=0, clock=clock)
    assert m.noise_floor_s == 1.0 and m.median_s == 1.0


def test_resolves_needs_more_than_floor_and_spreads():
    a = Measurement(median_s=1.0, p10_s=0.9, p90_s=1.1, spread=0.2, runs=9, noise_floor_s=0.01)
    near = Measurement(median_s=1.15, p10_s=1.1, p90_s=1.2, spread=0.17, runs=9, noise_floor_s=0.01)
    far = Measurement(median_s=1.5, p10_s=1.45, p90_s=1.55, spread=0.07, runs=9, noise_floor_s=0.01)
    # margin to `near` = 0.01 + (0.2 + 0.1) / 2 = 0.16 > 0.15; to `far` = 0.16 < 0.5
    assert not a.resolves(near) and a.resolves(far)


def test_summarize_rejects_empty_and_protocol_needs_three_runs():
    with pytest.raises(ValueError):
        summarize_times([])
    with pytest.raises(ValueError):
        time_callable(lambda: None, runs=2)


def test_measure_cli_sweeps_lstm_widths_as_json():
    r = run_cli(
        "measure", "lstm-lm", "--widths", "64,128", "--runs", "3", "--warmup", "1", "--json"
    )
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc["kind"] == "measure" and doc["threads"] == 2 and doc["runs"] == 3
    rows = doc["measurements"]
    assert [row["width"] for row in rows] == [64, 128]
    for row in rows:
        assert row["runs"] == 3
        assert 0 < row["p10_s"] <= row["median_s"] <= row["p90_s"]
        assert row["noise_floor_s"] >= 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["lstm-lm", "--widths", "64,abc"], "--widths '64,abc'"),
        (["lstm-lm", "--widths", "0"], "between 1 and 65536"),
        (["lstm-lm", "--device", "tpu"], "--device 'tpu'"),
        (["resnet-18", "--widths", "32"], "has no width to sweep"),
        (["resnet-81"], "no PyTorch module to measure for 'resnet-81'"),
    ],
)
def test_measure_cli_bad_input_is_one_line_exit_2(args, needle):
    r = run_cli("measure", *args, "--runs", "3")
    assert r.code == 2, r.stderr
    assert needle in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("error:")
