"""accelscope: application-driven design-space exploration of DNN accelerators.

The public names below are imported on first use, so ``import accelscope`` (and the
command line's start-up) does not load NumPy, pydantic or the workload package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accelscope.errors import AccelscopeError
from accelscope.lazy import lazy_getattr

__version__ = "0.1.0"

__all__ = ["AccelscopeError", "Network", "from_yaml", "load_model", "__version__"]

_LAZY = {"Network": "accelscope.workload", "from_yaml": "accelscope.workload",
         "load_model": "accelscope.workload"}  # fmt: skip

if TYPE_CHECKING:  # pragma: no cover
    from accelscope.workload import Network, from_yaml, load_model


__getattr__ = lazy_getattr(__name__, _LAZY, globals())
