"""JSON that every parser accepts: non-finite numbers become ``null``.

Python's ``json`` writes ``NaN`` and ``Infinity`` tokens, which are not JSON; a metric a
target does not model (FPGA energy) or a design that cannot run (infinite latency) must
still give a document that ``jq``, JavaScript and strict parsers read.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any


def finite(obj: Any) -> Any:
    """*obj* with NaN and infinities replaced by None (dicts, lists, tuples, NumPy)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    if hasattr(obj, "item") and hasattr(obj, "dtype"):  # NumPy scalar or array
        return finite(obj.tolist())
    if isinstance(obj, Path):
        return str(obj)
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`finite` (*obj*), refusing anything non-finite left over."""
    return json.dumps(finite(obj), allow_nan=False, default=str, **kwargs)
