"""The zoo catalogue with each model's MACs and parameters, cached on disk.

Listing the zoo builds all its networks to count MACs and parameters (about 0.3 CPU-s with
NumPy and pydantic loaded). The rows are cached as JSON in the user's cache directory
(``$ACCELSCOPE_CACHE_DIR``, else ``$XDG_CACHE_HOME/accelscope``, else
``~/.cache/accelscope``) under a key that hashes the accelscope version and the source of
the whole workload package, so any change to a model or to the counting rules builds
them again. A missing, unreadable or damaged cache file is rebuilt; a cache directory that
cannot be written only costs the speed-up.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROW_KEYS = ("name", "family", "description", "batch", "seq_len", "macs", "params", "source")


def cache_dir() -> Path:
    """Where accelscope keeps caches that can be rebuilt at any time."""
    if os.environ.get("ACCELSCOPE_CACHE_DIR"):
        return Path(os.environ["ACCELSCOPE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "accelscope"


def source_key() -> str:
    """SHA-256 of the accelscope version and every source file of the workload package."""
    from accelscope.store.model_identity import sources_digest

    return sources_digest(("workload",), (".py",))


def build_rows() -> list[dict[str, Any]]:
    """Build every zoo model at its default batch and sequence length and count it."""
    from accelscope.workload import zoo

    rows = []
    for entry in zoo.list_models():
        net = zoo.get(entry.name)
        rows.append(
            {
                "name": entry.name,
                "family": entry.family,
                "description": entry.description,
                "batch": net.batch,
                "seq_len": net.seq_len,
                "macs": net.total_macs(),
                "params": net.total_params(),
                "source": entry.source,
            }
        )
    return rows


def _valid(rows: Any) -> bool:
    return (
        isinstance(rows, list)
        and bool(rows)
        and all(isinstance(r, dict) and set(r) == set(ROW_KEYS) for r in rows)
    )


def catalogue_rows() -> list[dict[str, Any]]:
    """The catalogue rows, from the cache when it is current, else built (and cached)."""
    path = cache_dir() / f"zoo-{source_key()[:24]}.json"
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        if _valid(rows):
            return rows
    except (OSError, ValueError):
        pass
    rows = build_rows()
    try:
        from accelscope.store.parts import atomic_write_text

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(rows))
    except OSError:
        pass  # an unwritable cache only costs speed
    return rows
