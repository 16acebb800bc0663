"""Measured latency of PyTorch modules on this machine (``accelscope measure``): a
hardware backend next to the analytical model."""

from __future__ import annotations

from accelscope.measure.protocol import Measurement, summarize_times, time_callable

__all__ = ["Measurement", "summarize_times", "time_callable"]
