"""The identity of the model that computed a run's results.

A run directory is resumed only by the same model: its fingerprint includes the package
version and a SHA-256 of the sources that decide the numbers and the result columns
(``targets/`` -- cost models, technology tables, design-space columns -- and
``workload/`` -- lowering to kernels). After an upgrade that changes the model or adds a
column, a rerun with the same ``--out`` is refused with one line instead of mixing parts
of two models (``--overwrite`` recomputes them).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

#: Package directories whose sources decide a run's numbers and columns.
MODEL_PACKAGES: tuple[str, ...] = ("targets", "workload")


def sources_digest(packages: tuple[str, ...], suffixes: tuple[str, ...] = (".py", ".yaml")) -> str:
    """SHA-256 (hex) of the accelscope version and every file ending in *suffixes* under
    the accelscope sub-packages *packages* (paths included, in sorted order)."""
    from accelscope import __version__

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(__version__.encode())
    for package in packages:
        for path in sorted((root / package).rglob("*")):
            if path.suffix not in suffixes or not path.is_file():
                continue
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def model_identity() -> str:
    """``"<version>+<sha256 prefix>"`` of the model sources (cached per process)."""
    from accelscope import __version__

    return f"{__version__}+{sources_digest(MODEL_PACKAGES)[:16]}"
