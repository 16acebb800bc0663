"""One scheduling window of a time-multiplexed mix: non-preemptive fixed priority, every
application released at time 0 (the critical instant) and then periodically; the
timeline a report draws."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    """One inference on the accelerator: application, release, start and end (s)."""

    app: int
    release_s: float
    start_s: float
    end_s: float


def simulate(
    latency_s: list[float],
    rates: list[float],
    priorities: list[int],
    window_s: float,
    max_runs: int = 2000,
) -> list[Run]:
    """Inferences started within *window_s* (an application without a rate is released
    once, at 0). Ties in priority go to the higher rate, then the lower index."""
    n = len(latency_s)
    rank = sorted(range(n), key=lambda a: (-priorities[a], -rates[a], a))
    order = {a: i for i, a in enumerate(rank)}
    next_release = [0.0] * n
    pending: list[tuple[int, float]] = []  # (app, release)
    runs: list[Run] = []
    t = 0.0
    while len(runs) < max_runs:
        for a in range(n):  # every release up to now joins the queue
            while next_release[a] is not None and next_release[a] <= t + 1e-15:
                pending.append((a, next_release[a]))
                next_release[a] = next_release[a] + 1.0 / rates[a] if rates[a] > 0 else None
        if not pending:
            upcoming = [r for r in next_release if r is not None]
            if not upcoming or min(upcoming) > window_s:
                break
            t = min(upcoming)
            continue
        pending.sort(key=lambda job: (order[job[0]], job[1]))
        app, release = pending.pop(0)
        if t > window_s:
            break
        runs.append(Run(app, release, t, t + latency_s[app]))
        t += latency_s[app]
    return runs
