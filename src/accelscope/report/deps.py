"""Optional dependencies of reports (plotly, jinja2, matplotlib), with a clear error."""

from __future__ import annotations

import importlib.util

from accelscope.errors import AccelscopeError


class MissingDependencyError(AccelscopeError):
    """A package needed for reports is not installed."""


def require(package: str, what: str) -> None:
    """Raise :class:`MissingDependencyError` unless *package* can be imported."""
    if importlib.util.find_spec(package) is None:
        raise MissingDependencyError(
            f"{what} need the '{package}' package: pip install 'accelscope[report]' "
            "(plotly, jinja2, matplotlib)"
        )
