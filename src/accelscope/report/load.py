"""Load a result to report on: a JSON document or a result directory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelscope.errors import InputFileError, SpecError

#: Result kinds a report can be made of.
KINDS = ("evaluate", "explore", "multi", "codesign", "compare", "mix")


@dataclass
class LoadedResult:
    """A result document, the directory it came from (if any) and where it was read."""

    doc: dict[str, Any]
    directory: Path | None
    source: Path


def load_result(path: str | Path) -> LoadedResult:
    """Read ``summary.json`` from a result directory, or a ``--json`` document file.

    Raises :class:`InputFileError` for a missing or unreadable file and
    :class:`SpecError` for a document that is not an accelscope result.
    """
    p = Path(path)
    if p.is_dir():
        source = p / "summary.json"
        if not source.is_file():
            raise InputFileError(
                f"result directory '{p}' has no summary.json (expected the --out directory of "
                "an accelscope command)"
            )
        directory: Path | None = p
    elif p.is_file():
        source, directory = p, None
    else:
        raise InputFileError(f"result '{p}' does not exist")
    try:
        doc = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read result file '{source}': {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"result file '{source}' is not valid JSON (line {exc.lineno}: {exc.msg})"
        ) from None
    check_document(doc, str(source))
    return LoadedResult(doc=doc, directory=directory, source=source)


def check_document(doc: Any, where: str = "result document") -> None:
    """Raise :class:`SpecError` unless *doc* is a result document of a known kind."""
    if not isinstance(doc, dict):
        raise SpecError(f"{where}: expected a JSON object with a 'kind' field")
    kind = doc.get("kind")
    if kind is None:
        raise SpecError(
            f"{where}: field 'kind' is missing (expected one of: {', '.join(KINDS)}; produce it "
            "with an accelscope command's --json or --out)"
        )
    if kind not in KINDS:
        raise SpecError(f"{where}: field 'kind' is '{kind}', expected one of: {', '.join(KINDS)}")


def results_table_path(doc: dict[str, Any], directory: Path | None) -> Path | None:
    """``results.parquet`` next to the document: in *directory*, else in the document's
    own ``out_dir`` (explore results written with ``--out``); None when absent."""
    for base in (directory, doc.get("out_dir")):
        if base:
            candidate = Path(base) / "results.parquet"
            if candidate.is_file():
                return candidate
    return None
