"""Module attributes imported on first use (keeps ``import accelscope`` and the CLI's
start-up free of NumPy and pydantic)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_getattr(
    module: str, table: dict[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``table[name]`` (a module path) on first use
    of *name*, caches the value in the module's *namespace*, and otherwise raises the
    usual AttributeError naming *module*."""

    def __getattr__(name: str) -> Any:
        if name in table:
            value = getattr(importlib.import_module(table[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module '{module}' has no attribute '{name}'")

    return __getattr__
