"""Simultaneous applications on one accelerator: a mix of networks with rate and latency
targets, time multiplexing or spatial partitioning (``accelscope mix``)."""

from __future__ import annotations

from accelscope.mix.run import MixResult, NoFeasibleMixError, run_mix
from accelscope.mix.spec import Application, MixSpec, load_mix, mix_from_dict

__all__ = [
    "Application",
    "MixResult",
    "MixSpec",
    "NoFeasibleMixError",
    "load_mix",
    "mix_from_dict",
    "run_mix",
]
