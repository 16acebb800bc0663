"""Hardware-aware model co-design: latency-vs-width curves, recommendations, reshaped models.

* :func:`sweep` — whole-network latency/energy/parameters as each layer's main width
  varies (one vectorized cost-model pass per call); layers tied by residual adds are
  swept together as residual groups (:attr:`Knob.members`);
* :func:`analyze` — plateaus, cliffs and non-monotonic points of a curve;
* :func:`recommend` — per-layer advice ("grow to W at no latency cost", "shrink to W'");
* :func:`make_plan` — a whole-network plan under a goal, applied to the IR (:func:`resize`)
  and to PyTorch modules (:func:`accelscope.codesign.resize_torch.resize_module`).
"""

from accelscope.codesign.curves import CurveAnalysis, analyze
from accelscope.codesign.plan import Plan, make_plan
from accelscope.codesign.propagate import CodesignError, Excluded, Knob, find_knobs, select_knobs
from accelscope.codesign.recommend import Recommendation, recommend
from accelscope.codesign.resize_ir import resize
from accelscope.codesign.sweep import Curve, SweepResult, candidate_widths, sweep, sweep_knobs

__all__ = [
    "CodesignError",
    "Curve",
    "CurveAnalysis",
    "Excluded",
    "Knob",
    "Plan",
    "Recommendation",
    "SweepResult",
    "analyze",
    "candidate_widths",
    "find_knobs",
    "make_plan",
    "recommend",
    "resize",
    "select_knobs",
    "sweep",
    "sweep_knobs",
]
