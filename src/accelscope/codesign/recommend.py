"""Per-layer advice from a latency-vs-width curve.

* **dominated** — a larger width is at least as fast as the current one: "grow to W: at
  least as fast, +P parameters" (W = the largest such width);
* **grow** — the largest width of the current plateau that costs at most ``free_pct``
  (default 0.1) percent of network latency: "grow to W at (almost) no latency cost" (the
  exact latency change is given; inside a plateau it is the small per-column term);
* **shrink** — just below the nearest cliff under the current width: "shrink to W' to
  save X% latency";
* **flat** — the whole sweep changes network latency by at most ``FLAT_PCT`` percent:
  the width is not a hardware lever ("choose it for accuracy"), and the curve has no
  plateau (a plateau is never the whole sweep);
* a curve without cliffs that is not flat is **smooth** (latency follows width without
  steps): no plateau; "grow" advice only as far as the cost stays within ``free_pct``;
* no "grow" advice for a width that adds no parameters (attention heads at a fixed
  model width): growing it buys no capacity, and plans leave such layers alone.

Latency changes are of the whole network, in percent of its current latency.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from accelscope.codesign.curves import REL_TOL, CurveAnalysis, analyze
from accelscope.codesign.sweep import Curve


@dataclass(frozen=True)
class Recommendation:
    """One piece of advice for one layer."""

    action: str  # "dominated" | "grow" | "shrink"
    width: int
    latency_change_pct: float
    params_change: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: A curve whose network latency varies by at most this percent over the sweep is flat.
FLAT_PCT = 0.1


def curve_shape(curve: Curve, an: CurveAnalysis) -> str:
    """``flat``, ``smooth`` (no cliffs) or ``staircase`` (module docstring)."""
    lat = curve.latency_s[np.isfinite(curve.latency_s)]
    lat0 = float(curve.latency_s[curve.current])
    if lat.size and lat0 > 0 and (lat.max() - lat.min()) / lat0 * 100.0 <= FLAT_PCT:
        return "flat"
    return "staircase" if an.cliffs.size else "smooth"


def plateaus(curve: Curve, an: CurveAnalysis) -> list[tuple[int, int]]:
    """The plateaus of a staircase (runs between cliffs); none for flat or smooth curves."""
    return list(an.plateaus) if curve_shape(curve, an) == "staircase" else []


def curve_analysis(curve: Curve) -> CurveAnalysis:
    """Analysis of the changed layers' latency (same steps as the network curve, scaled
    to the layer so cliffs of small layers are found too)."""
    return analyze(curve.group_latency_s, noise=curve.noise_s)


def _rec(curve: Curve, action: str, j: int, text: str) -> Recommendation:
    i0 = curve.current
    lat0 = float(curve.latency_s[i0])
    pct = (float(curve.latency_s[j]) - lat0) / lat0 * 100.0
    dp = int(curve.params[j] - curve.params[i0])
    return Recommendation(action, int(curve.widths[j]), pct, dp, text.format(pct=pct, dp=dp))


def recommend(
    curve: Curve, analysis: CurveAnalysis | None = None, free_pct: float = 0.1
) -> list[Recommendation]:
    """Recommendations for the layer of *curve* (possibly none).

    "Grow" targets stay inside the current plateau and cost at most *free_pct* percent of
    the network latency (the rise inside a plateau; memory-bound layers have no plateau
    worth the name and get no "grow" advice beyond that).
    """
    an = analysis or curve_analysis(curve)
    i0 = curve.current
    lat = curve.latency_s
    w0 = int(curve.widths[i0])
    out: list[Recommendation] = []
    shape = curve_shape(curve, an)
    if shape == "flat":
        lo, hi = int(curve.widths[0]), int(curve.widths[-1])
        return [
            Recommendation(
                "flat",
                w0,
                0.0,
                0,
                f"latency changes by at most {FLAT_PCT:g}% over {lo}-{hi}: not a hardware "
                "lever, choose this width for accuracy",
            )
        ]
    # measured curves: comparisons allow both points' measurement margins
    tol = np.zeros(len(lat)) if curve.noise_s is None else np.asarray(curve.noise_s)
    dom_target = -1
    if an.dominated[i0]:
        ok = np.flatnonzero(lat[i0 + 1 :] <= lat[i0] * (1 + REL_TOL) + tol[i0] + tol[i0 + 1 :])
        dom_target = i0 + 1 + int(ok[-1])
        out.append(
            _rec(
                curve,
                "dominated",
                dom_target,
                f"grow to {int(curve.widths[dom_target])}: at least as fast "
                "({pct:+.3f}% latency) with {dp:+,} parameters; the current width "
                f"{w0} is dominated",
            )
        )
    # Staircase: up to the end of the current plateau; smooth: as far as the cost stays
    # within free_pct (the curve rises with width, there is no plateau to name).
    _, end = an.plateau_of(i0) if shape == "staircase" else (i0, len(lat) - 1)
    cheap = np.flatnonzero(
        lat[i0 : end + 1] <= lat[i0] * (1 + free_pct / 100.0) + tol[i0] + tol[i0 : end + 1]
    )
    end = i0 + int(cheap[-1])
    adds_params = curve.params[end] > curve.params[i0]  # growing only pays in capacity
    if end > i0 and end > dom_target and np.isfinite(lat[end]) and adds_params:
        where = (
            "end of the current plateau"
            if shape == "staircase"
            else "latency rises smoothly with width here, no plateau"
        )
        out.append(
            _rec(
                curve,
                "grow",
                end,
                f"grow to {int(curve.widths[end])} at (almost) no latency cost "
                "({pct:+.3f}% latency, {dp:+,} parameters; " + where + ")",
            )
        )
    below = an.cliffs[an.cliffs < i0]
    if below.size:
        j = int(below[-1])
        if lat[j] < lat[i0] * (1 - REL_TOL) - tol[i0] - tol[j]:
            saving = (float(lat[i0]) - float(lat[j])) / float(lat[i0]) * 100.0
            out.append(
                _rec(
                    curve,
                    "shrink",
                    j,
                    f"shrink to {int(curve.widths[j])} to save {saving:.2f}% latency "
                    f"({{dp:+,}} parameters; just below the step at {int(curve.widths[j + 1])})",
                )
            )
    return out
