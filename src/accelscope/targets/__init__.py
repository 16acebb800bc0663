"""Hardware targets: each turns (network, configurations) into columns of metrics.

``asic`` is the systolic-array template of :mod:`accelscope.targets.asic.cost` and
:mod:`accelscope.targets.asic.arch`; ``fpga`` models FPGA boards (:mod:`accelscope.targets.fpga`).
Everything above the targets (design spaces, explore, multi, reports) reaches a target
through :func:`get_target` and the :class:`~accelscope.targets.base.Target` interface.
"""

from __future__ import annotations

from accelscope.targets.base import TARGETS, Target, get_target

__all__ = ["TARGETS", "Target", "get_target"]
