"""Multi-application scoring: per-network optima, cross-performance, selection, joint optimum.

Pure NumPy, independent of how configurations were evaluated, and in two passes over
blocks of configurations, so a run never holds arrays over the whole space:
:class:`ReferencePass` finds each network's reference (its best admissible performance),
then :class:`ScorePass` scores every block against the references and merges the optima,
the joint optimum and the Pareto front block by block. :func:`analyze` runs both passes
over one in-memory block. The inputs of a block:

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

from collections.abc import Callable, Sequence
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
    """Outcome of the scoring; indices are positions along the configuration axis.

    Holds no array over configurations unless built by :func:`analyze` from in-memory
    arrays (``rel``, ``log_score``, ``alone``); a streamed analysis scores any block of
    configurations again with :meth:`block_scores` from the references ``best``.
    """

    mode: str
    weights: np.ndarray  # [N], sum 1
    best: np.ndarray  # [N] reference performance: each network's best admissible
    optima: np.ndarray  # [N] configuration position of each per-network optimum
    cross: np.ndarray  # [N, N] X[i, j] = r[j, opt_i]; NaN where opt_i violates j's constraints
    candidate_log_score: np.ndarray  # [N] log S(opt_i) (admissible or not)
    candidate_admissible: np.ndarray  # [N] bool: opt_i admissible for the whole set
    selected: int | None  # network position whose optimum is selected
    improvement_pct: np.ndarray  # [N] (NaN where S(opt_n) = 0)
    joint: int  # configuration position of the joint optimum
    joint_log_score: float  # log S(joint)
    pareto: np.ndarray  # configuration positions on the (S max, area min) front, by area
    feasible: int  # admissible configurations for the whole set
    feasible_alone: np.ndarray  # [N] admissible configurations per network alone
    rel: np.ndarray | None = None  # [N, C] relative performance (analyze() only)
    log_score: np.ndarray | None = None  # [C] log S, -inf where not admissible for the set
    alone: np.ndarray | None = None  # [N, C] admissible for network n alone

    @property
    def selected_position(self) -> int | None:
        return None if self.selected is None else int(self.optima[self.selected])

    @property
    def joint_gain_pct(self) -> float | None:
        """``100 (S(joint) / S(selected) - 1)`` (None without a selection)."""
        if self.selected is None:
            return None
        return float(100.0 * np.expm1(self.joint_log_score - self.selected_log_score))

    @property
    def selected_log_score(self) -> float:
        return (
            float(self.candidate_log_score[self.selected]) if self.selected is not None else -np.inf
        )

    def block_scores(self, perf: np.ndarray, alone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(rel [N, c], log S [c])`` of any configurations from their ``perf`` and
        ``alone`` (``log S`` is -inf where a configuration is not admissible for the set)."""
        rel = relative(perf, self.best)
        together = np.asarray(alone, dtype=bool).all(axis=0)
        return rel, np.where(together, log_scores(rel, self.weights, self.mode), -np.inf)


def relative(perf: np.ndarray, best: np.ndarray) -> np.ndarray:
    """``perf / best`` per network; 0 where undefined (no performance, no reference)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.asarray(perf, dtype=np.float64) / np.asarray(best)[:, None]
    return np.where(np.isfinite(rel), rel, 0.0)


class ReferencePass:
    """First pass over blocks of configurations: each network's best admissible
    performance (the reference of relative performance) and the admissible counts."""

    def __init__(self, n_net: int):
        self.best = np.full(n_net, -np.inf)
        self.feasible_alone = np.zeros(n_net, dtype=np.int64)
        self.feasible = 0

    def add(self, perf: np.ndarray, alone: np.ndarray) -> None:
        if perf.shape[1] == 0:
            return
        self.best = np.maximum(self.best, np.where(alone, perf, -np.inf).max(axis=1))
        self.feasible_alone += alone.sum(axis=1)
        self.feasible += int(alone.all(axis=0).sum())

    def check(self, names: Sequence[str], detail: Callable[[int], str] | None = None) -> None:
        """Raise :class:`NoAdmissibleDesignError` when a network alone, or the set, has
        no admissible configuration; ``detail(row)`` (row ``n`` for network ``n``, ``N``
        for the set) is appended to the sentence."""
        more = detail or (lambda row: "")
        for n, count in enumerate(self.feasible_alone):
            if count == 0:
                raise NoAdmissibleDesignError(
                    f"network '{names[n]}' has no configuration that meets the constraints{more(n)}"
                )
        if self.feasible == 0:
            raise NoAdmissibleDesignError(
                "no configuration meets the constraints for every network of the set together"
                f"{more(len(names))}"
            )


@dataclass
class _Pick:
    """The best configuration seen so far under a lexicographic key (smaller wins)."""

    key: tuple = ()
    position: int = -1
    rel: np.ndarray | None = None  # [N] relative performances of every network on it
    alone: np.ndarray | None = None  # [N] admissible for each network alone
    score: float = -np.inf  # log S whether or not admissible for the set
    together: bool = False

    def offer(self, key: tuple, position: int, **values) -> None:
        if self.position < 0 or key < self.key:
            self.key, self.position = key, position
            for name, value in values.items():
                setattr(self, name, value)


class ScorePass:
    """Second pass over blocks, with the references known: per-network optima (ties
    broken as the module docstring says), the joint optimum and the Pareto front of
    (score, area), each merged block by block, so nothing grows with the space."""

    def __init__(
        self,
        reference: ReferencePass,
        *,
        weights: np.ndarray,
        mode: str,
        pareto: bool = False,
        tie_break: str = "area",
    ):
        if mode not in MODES:
            raise SpecError(f"unknown mode '{mode}'; expected one of {', '.join(MODES)}")
        if tie_break not in TIE_BREAKS:
            raise SpecError(f"tie_break '{tie_break}': expected one of {', '.join(TIE_BREAKS)}")
        self.reference = reference
        self.best = reference.best
        self.weights = np.asarray(weights, dtype=np.float64)
        self.mode, self.pareto, self.tie_break = mode, pareto, tie_break
        self.optima = [_Pick() for _ in range(self.best.shape[0])]
        self.joint = _Pick()
        self.front = (np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))  # pos, log S, area

    def add(
        self, positions: np.ndarray, perf: np.ndarray, alone: np.ndarray, area: np.ndarray
    ) -> None:
        """Score one block: configurations at *positions* with ``perf`` / ``alone``
        ``[N, c]`` and ``area`` ``[c]``."""
        positions = np.asarray(positions, dtype=np.int64)
        alone = np.asarray(alone, dtype=bool)
        area = np.asarray(area, dtype=np.float64)
        rel = relative(perf, self.best)
        scores_all = log_scores(rel, self.weights, self.mode)
        together = alone.all(axis=0)
        log_score = np.where(together, scores_all, -np.inf)
        for n, pick in enumerate(self.optima):
            top = np.flatnonzero(alone[n] & (perf[n] == self.best[n]))
            if top.size == 0:
                continue
            if self.tie_break == "score":
                i = top[np.lexsort((positions[top], area[top], -log_score[top]))[0]]
                key = (-log_score[i], area[i], positions[i])
            else:
                i = top[np.lexsort((positions[top], area[top]))[0]]
                key = (area[i], positions[i])
            pick.offer(
                key,
                int(positions[i]),
                rel=rel[:, i],
                alone=alone[:, i],
                score=float(scores_all[i]),
                together=bool(together[i]),
            )
        ok = np.flatnonzero(together)
        if ok.size:
            top = ok[log_score[ok] == log_score[ok].max()]
            i = top[np.lexsort((positions[top], area[top]))[0]]
            self.joint.offer(
                (-log_score[i], area[i], positions[i]), int(positions[i]), score=log_score[i]
            )
            if self.pareto:
                self._merge_front(positions[ok], log_score[ok], area[ok])

    def _merge_front(self, positions: np.ndarray, log_score: np.ndarray, area: np.ndarray):
        """Front of (front so far + this block): exact, since a point dominated anywhere is
        dominated by a point of the final front."""
        pos = np.concatenate([self.front[0], positions])
        logs = np.concatenate([self.front[1], log_score])
        areas = np.concatenate([self.front[2], area])
        keep = pareto_mask(np.column_stack([-logs, areas]))
        self.front = (pos[keep], logs[keep], areas[keep])

    def finish(self) -> MultiAnalysis:
        n_net = len(self.optima)
        optima = np.array([p.position for p in self.optima], dtype=np.int64)
        cross = np.array(
            [np.where(p.alone, p.rel, np.nan) for p in self.optima], dtype=np.float64
        ).reshape(n_net, n_net)
        cand = np.array([p.score for p in self.optima], dtype=np.float64)
        cand_ok = np.array([p.together for p in self.optima], dtype=bool)
        selected = None
        if cand_ok.any():
            selected = int(np.argmax(np.where(cand_ok, cand, -np.inf)))
        if selected is not None:
            with np.errstate(invalid="ignore"):
                improvement = 100.0 * np.expm1(cand[selected] - cand)
            improvement = np.where(np.isfinite(cand) & cand_ok, improvement, np.nan)
        else:
            improvement = np.full(n_net, np.nan)
        pos, logs, areas = self.front
        front = pos[np.lexsort((pos, -logs, areas))] if self.pareto else pos[:0]
        return MultiAnalysis(
            mode=self.mode,
            weights=self.weights,
            best=self.best,
            optima=optima,
            cross=cross,
            candidate_log_score=cand,
            candidate_admissible=cand_ok,
            selected=selected,
            improvement_pct=improvement,
            joint=self.joint.position,
            joint_log_score=float(self.joint.score),
            pareto=front,
            feasible=self.reference.feasible,
            feasible_alone=self.reference.feasible_alone,
        )


def analyze(
    perf: np.ndarray,
    alone: np.ndarray,
    *,
    weights: np.ndarray,
    mode: str,
    names: Sequence[str],
    area_mm2: np.ndarray,
    pareto: bool = False,
    tie_break: str = "area",
) -> MultiAnalysis:
    """Per-network optima, cross-performance, selection and joint optimum (module
    docstring) of configurations held in memory: both passes over one block, with the
    per-configuration ``rel``, ``log_score`` and ``alone`` kept in the result.

    *area_mm2* ``[C]`` breaks ties; with *pareto* the front of (score, area) is computed.
    A configuration is admissible for the set where ``alone`` holds for every network. Raises
    :class:`NoAdmissibleDesignError` when a network has no admissible configuration
    alone, or no configuration is admissible for the whole set.
    """
    perf = np.asarray(perf, dtype=np.float64)
    alone = np.asarray(alone, dtype=bool)
    if tie_break not in TIE_BREAKS:
        raise SpecError(f"tie_break '{tie_break}': expected one of {', '.join(TIE_BREAKS)}")
    reference = ReferencePass(perf.shape[0])
    reference.add(perf, alone)
    reference.check(names)
    scoring = ScorePass(reference, weights=weights, mode=mode, pareto=pareto, tie_break=tie_break)
    positions = np.arange(perf.shape[1])
    scoring.add(positions, perf, alone, area_mm2)
    result = scoring.finish()
    result.rel, result.log_score = result.block_scores(perf, alone)
    result.alone = alone
    return result
