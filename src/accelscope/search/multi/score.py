"""Multi-application scoring: per-network optima, cross-performance, selection, joint optimum.

Pure NumPy on arrays over configurations, independent of how they were evaluated:

* ``perf[n, c]`` — performance of network ``n`` on configuration ``c``, higher is better
  (``1 / latency_s`` for the latency objective; 0 where the network cannot be mapped).
* ``alone[n, c]`` — ``c`` is admissible for network ``n`` *alone*: the configuration-level
  constraints hold, ``n`` maps onto ``c``, and ``n``'s network-dependent constraints hold.
* ``together[c]`` — ``c`` is admissible for the whole set: ``alone[n, c]`` for every ``n``.

Definitions (``opt_n`` = per-network optimum, ``w`` = weights normalized to sum 1):

* ``opt_n = argmax_{c : alone[n, c]} perf[n, c]``; ties (configurations equally fast,
  e.g. differing only in a parameter the network does not feel) go, with
  ``tie_break="area"`` (default), to the smallest area, then the lowest position — the
  same design ``explore(objectives=[objective, "area"])`` reports as best; with
  ``tie_break="score"`` to the highest set score ``S`` first (the tied design that serves
  the other networks best), then area and position. The references ``perf[n, opt_n]``
  are the same under both rules; only which tied design stands for ``n`` changes.
* relative performance ``r[n, c] = perf[n, c] / perf[n, opt_n]`` (in (0, 1] on ``together``).
* score ``S(c)``: ``geomean`` — ``(prod_n r[n, c]) ** (1/N)``; ``weighted`` —
  ``prod_n r[n, c] ** w_n``; ``worst`` — ``min_{n : w_n > 0} r[n, c]``. Scores are
  compared in log space, so products of many small ratios never underflow.
* cross-performance ``X[i, j] = r[j, opt_i]`` (row: optimum of ``i``, column: network
  ``j``), defined only where ``opt_i`` is admissible for ``j`` (NaN otherwise: the optimum
  violates ``j``'s constraints), so ``X`` is in (0, 1] and ``X[j, j] = 1``.
* selection: the per-network optimum with the highest ``S`` among those admissible
  for the whole set (ties: the first network in the set).
* joint optimum ties, like per-network ties, go to the smallest area, then position.
* improvement of the selection over network ``n``'s optimum: ``100 (S(sel) / S(opt_n) - 1)``,
  only for optima admissible for the whole set (NaN otherwise: such an optimum is not a
  candidate, and its score would count performance gained by breaking a constraint).
* joint optimum: ``argmax_{c : together[c]} S(c)``; never below the selection, which is
  one of the configurations it maximizes over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from accelscope.errors import AccelscopeError, SpecError
from accelscope.search.pareto import pareto_mask

MODES: tuple[str, ...] = ("geomean", "weighted", "worst")
#: How ties between equally fast configurations pick a network's optimum (module docstring).
TIE_BREAKS: tuple[str, ...] = ("area", "score")


class NoAdmissibleDesignError(AccelscopeError):
    """No configuration satisfies the constraints (for one network, or for the whole set)."""


def normalize_weights(weights: Sequence[float] | None, n: int) -> np.ndarray:
    """Weights as a float array summing to 1 (equal weights when *weights* is None).

    Raises :class:`SpecError` for a count mismatch, a negative or non-finite weight, or
    weights that are all zero.
    """
    if weights is None:
        return np.full(n, 1.0 / n)
    w = np.asarray(list(weights), dtype=np.float64)
    if w.shape != (n,):
        raise SpecError(f"{w.size} weights given for {n} networks; give one weight per network")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        bad = next(float(x) for x in w if not np.isfinite(x) or x < 0)
        raise SpecError(f"weights must be non-negative numbers, got {bad:g}")
    total = float(w.sum())
    if total <= 0:
        raise SpecError("weights are all zero; at least one network needs a positive weight")
    return w / total


def log_scores(rel: np.ndarray, weights: np.ndarray, mode: str) -> np.ndarray:
    """``log S`` per column of *rel* ``[n_net, n]`` for *mode* (see the module docstring)."""
    if mode not in MODES:
        raise SpecError(f"unknown mode '{mode}'; expected one of {', '.join(MODES)}")
    r = np.asarray(rel, dtype=np.float64)
    with np.errstate(divide="ignore"):
        logs = np.log(r)
    if mode == "geomean":
        return logs.mean(axis=0)
    used = np.asarray(weights) > 0
    if mode == "weighted":
        # Zero-weight networks are left out, so 0 * log(0) never turns into NaN.
        return np.einsum("n,nc->c", np.asarray(weights)[used], logs[used])
    return logs[used].min(axis=0)


@dataclass
class MultiAnalysis:
    """Outcome of :func:`analyze`; indices are positions along the configuration axis."""

    mode: str
    weights: np.ndarray  # [N], sum 1
    optima: np.ndarray  # [N] configuration position of each per-network optimum
    rel: np.ndarray  # [N, C] relative performance
    log_score: np.ndarray  # [C] log S, -inf where not admissible for the set
    cross: np.ndarray  # [N, N] X[i, j] = r[j, opt_i]; NaN where opt_i violates j's constraints
    candidate_log_score: np.ndarray  # [N] log S(opt_i) (admissible or not)
    candidate_admissible: np.ndarray  # [N] bool: opt_i admissible for the whole set
    selected: int | None  # network position whose optimum is selected
    improvement_pct: np.ndarray  # [N] (NaN where S(opt_n) = 0)
    joint: int  # configuration position of the joint optimum
    pareto: np.ndarray  # configuration positions on the (S max, area min) front, by area
    feasible: int  # admissible configurations for the whole set
    feasible_alone: np.ndarray  # [N] admissible configurations per network alone
    alone: np.ndarray | None = None  # [N, C] admissible for network n alone

    @property
    def selected_position(self) -> int | None:
        return None if self.selected is None else int(self.optima[self.selected])

    @property
    def joint_gain_pct(self) -> float | None:
        """``100 (S(joint) / S(selected) - 1)`` (None without a selection)."""
        if self.selected is None:
            return None
        return float(100.0 * np.expm1(self.log_score[self.joint] - self.selected_log_score))

    @property
    def selected_log_score(self) -> float:
        return (
            float(self.candidate_log_score[self.selected]) if self.selected is not None else -np.inf
        )


def analyze(
    perf: np.ndarray,
    alone: np.ndarray,
    together: np.ndarray,
    *,
    weights: np.ndarray,
    mode: str,
    names: Sequence[str],
    area_mm2: np.ndarray,
    pareto: bool = False,
    tie_break: str = "area",
) -> MultiAnalysis:
    """Per-network optima, cross-performance, selection and joint optimum (module docstring).

    *area_mm2* ``[C]`` breaks ties; with *pareto* the front of (score, area) is computed. Raises
    :class:`NoAdmissibleDesignError` when a network has no admissible configuration alone,
    or no configuration is admissible for the whole set.
    """
    perf = np.asarray(perf, dtype=np.float64)
    alone = np.asarray(alone, dtype=bool)
    together = np.asarray(together, dtype=bool)
    n_net = perf.shape[0]
    feasible_alone = alone.sum(axis=1)
    for n in range(n_net):
        if feasible_alone[n] == 0:
            raise NoAdmissibleDesignError(
                f"network '{names[n]}' has no configuration that meets the constraints"
            )
    if tie_break not in TIE_BREAKS:
        raise SpecError(f"tie_break '{tie_break}': expected one of {', '.join(TIE_BREAKS)}")
    area = np.asarray(area_mm2, dtype=np.float64)
    best = np.array([perf[n][alone[n]].max() for n in range(n_net)])
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = perf / best[:, None]
    rel = np.where(np.isfinite(rel), rel, 0.0)
    scores_all = log_scores(rel, weights, mode)
    log_score = np.where(together, scores_all, -np.inf)
    prefer = log_score if tie_break == "score" else None
    optima = np.array(
        [_best(perf[n], alone[n], area, prefer) for n in range(n_net)], dtype=np.int64
    )
    cross = np.where(alone[:, optima], rel[:, optima], np.nan).T
    cand = scores_all[optima]
    cand_ok = together[optima]
    if not together.any():
        raise NoAdmissibleDesignError(
            "no configuration meets the constraints for every network of the set together"
        )
    selected = None
    if cand_ok.any():
        selected = int(np.argmax(np.where(cand_ok, cand, -np.inf)))
    joint = _best(log_score, together, area)
    if selected is not None:
        with np.errstate(invalid="ignore"):
            improvement = 100.0 * np.expm1(cand[selected] - cand)
        improvement = np.where(np.isfinite(cand) & cand_ok, improvement, np.nan)
    else:
        improvement = np.full(n_net, np.nan)
    front = np.empty(0, dtype=np.int64)
    if pareto:
        points = np.column_stack([-log_score, np.where(together, area, np.inf)])
        front = np.flatnonzero(pareto_mask(points))
        front = front[np.lexsort((front, -log_score[front], area[front]))]
    return MultiAnalysis(
        mode=mode,
        weights=np.asarray(weights, dtype=np.float64),
        optima=optima,
        rel=rel,
        log_score=log_score,
        cross=cross,
        candidate_log_score=cand,
        candidate_admissible=cand_ok,
        selected=selected,
        improvement_pct=improvement,
        joint=joint,
        pareto=front,
        feasible=int(together.sum()),
        feasible_alone=feasible_alone,
        alone=alone,
    )


def _best(
    value: np.ndarray, ok: np.ndarray, area: np.ndarray, prefer: np.ndarray | None = None
) -> int:
    """Position of the largest *value* where *ok*; ties: the largest *prefer* (when given),
    then the smallest area, then position."""
    cand = np.flatnonzero(ok)
    top = cand[value[cand] == value[cand].max()]
    if prefer is None:
        return int(top[np.lexsort((top, area[top]))[0]])
    return int(top[np.lexsort((top, area[top], -prefer[top]))[0]])
