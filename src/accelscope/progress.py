"""The live progress bar of long runs (exploration, multi-application), on stderr."""

from __future__ import annotations

from typing import Any


def progress_bar(label: str, *extra: str) -> Any:
    """A rich ``Progress`` on stderr: LABEL, bar, done/total, *extra* text columns (format
    strings over the task, e.g. ``"feasible {task.fields[feasible]}"``), elapsed time, ETA.
    The caller starts and stops it."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from accelscope.console import SafeConsole

    return Progress(
        TextColumn(label, markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        *(TextColumn(text, markup=False) for text in extra),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=SafeConsole(stderr=True, markup=False, highlight=False),
    )
