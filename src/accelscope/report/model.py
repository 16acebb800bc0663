"""What a report shows, independent of how it is rendered (HTML or PNG files)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accelscope.report.figure import Figure


@dataclass
class Card:
    """A headline number with its unit, e.g. ("latency", "1.64 ms")."""

    label: str
    value: str
    note: str = ""


@dataclass
class Table:
    """A small table; ``numeric[i]`` right-aligns column i. Cells are plain strings."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    numeric: list[bool] = field(default_factory=list)
    collapsed: bool = False
    compact: bool = False
    key: str = ""


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class ReportModel:
    """Everything a report shows: headline cards, facts, sections of figures and tables,
    notes, and the provenance needed to reproduce the result."""

    kind: str
    title: str
    subtitle: str = ""
    cards: list[Card] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    provenance: list[tuple[str, str]] = field(default_factory=list)
    specs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def figures(self) -> list[Figure]:
        return [f for s in self.sections for f in s.figures]


def provenance_rows(doc: dict[str, Any], source: str | None = None) -> list[tuple[str, str]]:
    """(label, value) rows: the command, version and Python that produced *doc*."""
    from accelscope import __version__

    prov = doc.get("provenance") or {}
    rows = [
        ("command", str(prov.get("command", "unknown"))),
        ("accelscope version", str(prov.get("accelscope_version", "unknown"))),
        ("Python", str(prov.get("python", "unknown"))),
    ]
    if source:
        rows.append(("result file", source))
    rows.append(("report written by", f"accelscope {__version__}"))
    return rows


def spec_yaml(spec: dict[str, Any] | None) -> str:
    """A spec document as YAML text (block style, keys in their original order)."""
    import yaml

    if not spec:
        return ""
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True).rstrip()
