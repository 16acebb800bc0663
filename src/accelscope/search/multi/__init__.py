"""One accelerator for a set of networks (``accelscope multi``).

* :mod:`~accelscope.search.multi.inputs` — reading the set (models, names, weights);
* :mod:`~accelscope.search.multi.evaluate` — one pass over the space, every network on
  the same configurations;
* :mod:`~accelscope.search.multi.strategies` — exhaustive and NSGA-II passes;
* :mod:`~accelscope.search.multi.criteria` — stored columns to performance and
  admissibility (objective, constraints);
* :mod:`~accelscope.search.multi.score` — relative performance, set scores, selection,
  merged part by part in two passes;
* :mod:`~accelscope.search.multi.run` — the run: parts, resume, analysis, result.
"""

from __future__ import annotations

from accelscope.search.multi.run import (
    MODES,
    MultiResult,
    NoAdmissibleDesignError,
    known_names,
    multi_explore,
    parse_objectives,
    resolve_mode,
)

__all__ = [
    "MODES",
    "MultiResult",
    "NoAdmissibleDesignError",
    "known_names",
    "multi_explore",
    "parse_objectives",
    "resolve_mode",
]
