"""Terminal output that shows user-provided text as text.

Layer, network and file names come from user files; printed through rich they could be
read as markup (``[/bold]`` raises an error) or carry ANSI escape sequences to the
terminal. :class:`SafeConsole` disables markup and escapes control characters.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console


class SafeConsole(Console):
    """A console that shows every string as text: no rich markup is interpreted (layer
    names such as ``[/bold]`` print as they are) and control characters (ANSI escapes,
    carriage returns) are shown escaped, ``\\x1b``, instead of reaching the terminal.
    Styled output passes :class:`rich.text.Text` objects."""

    def render_str(self, text: str, **kwargs: Any):  # type: ignore[override]
        return super().render_str(escape_controls(text), **kwargs)


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if c not in (9, 10)}


def escape_controls(text: str) -> str:
    """*text* with control characters (except tab and newline) as visible ``\\xNN``."""
    return text.translate(_CONTROL)


def _table_class():
    from rich.table import Table as RichTable

    class Table(RichTable):
        """A rich table whose cells wrap (fold) when the terminal is narrow, instead of
        being cut with an ellipsis: a value is never shown half."""

        def add_column(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
            kwargs.setdefault("overflow", "fold")
            super().add_column(*args, **kwargs)

    return Table


Table = _table_class()
