"""Exhaustive evaluation in chunks of the grid, generated lazily.

A chunk is ``(name, range(start, stop))``: the worker turns the range into grid indices,
so a space of any size costs nothing before it is evaluated and a time budget on a huge
space stops cleanly (memory does not grow with the space). Committed chunks (parts of a
:class:`~accelscope.store.parts.PartStore`) are skipped on resume.
"""

from __future__ import annotations

from collections.abc import Iterator

PREFIX = "chunk-"


def chunk_name(number: int) -> str:
    return f"{PREFIX}{number:06d}"


def chunk_tasks(
    size: int, chunk: int, skip: frozenset[str] = frozenset()
) -> Iterator[tuple[str, range]]:
    """``(name, range)`` of every chunk of a *size*-point grid not in *skip*."""
    for number, start in enumerate(range(0, size, chunk)):
        name = chunk_name(number)
        if name not in skip:
            yield name, range(start, min(start + chunk, size))


def grid_chunks(names: list[str], size: int, chunk: int) -> list[str]:
    """The names among *names* that are chunks of this grid, sorted."""
    n_chunks = -(-size // chunk)
    return sorted(
        n for n in names if n.startswith(PREFIX) and int(n.removeprefix(PREFIX)) < n_chunks
    )


def rows_in(names: list[str] | frozenset[str], size: int, chunk: int) -> int:
    """Grid points covered by the chunks *names*."""
    return sum(
        min(chunk, size - int(n.removeprefix(PREFIX)) * chunk)
        for n in grid_chunks(list(names), size, chunk)
    )
