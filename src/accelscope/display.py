"""Short text and HTML views of result objects, for the terminal and notebooks."""

from __future__ import annotations

import html
from typing import Any


def _fmt(metric: str, value: Any) -> str:
    from accelscope.report.units import format_value

    if isinstance(value, float | int) and not isinstance(value, bool):
        return format_value(metric, value)
    return "-" if value is None else str(value)


def summary_rows(pairs: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """(metric, value) pairs as (metric, formatted value with its unit)."""
    return [(metric, _fmt(metric, value)) for metric, value in pairs]


def html_table(title: str, rows: list[tuple[str, str]]) -> str:
    """A two-column HTML table (label, value), everything escaped."""
    cells = "".join(
        f"<tr><td style='text-align:left'>{html.escape(k)}</td>"
        f"<td style='text-align:right'>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table><caption>{html.escape(title)}</caption>{cells}</table>"


def text_line(title: str, rows: list[tuple[str, str]]) -> str:
    """``Title(key=value, ...)`` on one line."""
    return f"{title}(" + ", ".join(f"{k}={v}" for k, v in rows) + ")"
