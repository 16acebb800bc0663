"""User-facing errors. Each carries one clear sentence; the CLI prints it and exits 2."""

from __future__ import annotations


class AccelscopeError(Exception):
    """Base class for every error caused by user input (bad file, bad spec, bad name)."""

    exit_code: int = 2


class InputFileError(AccelscopeError):
    """A model/spec file is missing, unreadable, or not in the expected format."""


class SpecError(AccelscopeError):
    """A YAML/JSON spec has a wrong type, a missing field, or an out-of-range value."""


class UnknownNameError(AccelscopeError):
    """A zoo model, preset or technology name does not exist."""


class UnsupportedOperatorError(AccelscopeError):
    """A model contains an operator accelscope cannot lower to kernels."""


class ShapeInferenceError(AccelscopeError):
    """A tensor shape could not be determined (dynamic dimension, failed inference)."""


class MappingError(AccelscopeError):
    """A layer cannot be mapped onto an architecture (e.g. buffers too small for one tile)."""


class MissingDependencyError(AccelscopeError):
    """An optional package a feature needs is not installed (the message says which)."""


def require_pandas():
    """The pandas module, or :class:`MissingDependencyError` saying how to install it."""
    try:
        import pandas
    except ImportError:
        raise MissingDependencyError(
            "tables as DataFrames need pandas: pip install pandas (or 'accelscope[dev]')"
        ) from None
    return pandas


def suggest(name: str, choices: list[str]) -> str:
    """Return ' (did you mean: a, b?)' for close matches of *name*, or ''."""
    import difflib

    close = difflib.get_close_matches(name.lower(), [c.lower() for c in choices], n=3, cutoff=0.5)
    lookup = {c.lower(): c for c in choices}
    if not close:
        return ""
    return " (did you mean: " + ", ".join(lookup[c] for c in close) + "?)"
