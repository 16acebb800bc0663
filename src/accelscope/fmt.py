"""Human-readable number formatting for tables (JSON output always carries raw numbers)."""

from __future__ import annotations

import math

_PREFIXES = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]


def si(value: float, unit: str = "", digits: int = 3) -> str:
    """Format *value* with an SI prefix: ``si(4.09e9, 'MAC') -> '4.09 GMAC'``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a" if value is None or math.isnan(value) else "inf"
    mag = abs(value)
    for scale, prefix in _PREFIXES:
        if mag >= scale:
            return f"{value / scale:.{digits}g} {prefix}{unit}".rstrip()
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value)} {unit}".rstrip()
    return f"{value:.{digits}g} {unit}".rstrip()


def sub_unit(value: float, unit: str) -> str:
    """Format a quantity given in base *unit* with m/u/n/p prefixes: ``0.0021 J -> 2.1 mJ``."""
    if not math.isfinite(value):
        return "inf"
    for scale, prefix in ((1.0, ""), (1e-3, "m"), (1e-6, "u"), (1e-9, "n"), (1e-12, "p")):
        if abs(value) >= scale:
            return f"{value / scale:.3g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def seconds(value_s: float) -> str:
    """Format a duration in s with a readable unit (s, ms, us, ns)."""
    return sub_unit(value_s, "s")


def joules(value_j: float) -> str:
    """Format an energy in J with a readable unit (J, mJ, uJ, nJ, pJ)."""
    return sub_unit(value_j, "J")


def percent(fraction: float) -> str:
    return f"{100.0 * fraction:.1f}%"
