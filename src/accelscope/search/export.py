"""A design of an exploration result as an accelerator spec that ``evaluate`` reproduces.

A result document (``summary.json`` of ``explore`` or ``multi``, or the ``--json``
output) names each design by its grid index and carries the design space
(``space_spec``); decoding the index in that space gives the full configuration, written
as an arch YAML that :func:`accelscope.targets.asic.arch.load_arch` reads back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from accelscope.errors import InputFileError, SpecError


def read_result_document(target: str | Path) -> tuple[dict[str, Any], int]:
    """``RUN_DIR``, ``RUN_DIR#RANK`` or a ``summary.json`` path -> (document, rank)."""
    text = str(target)
    base, _, rank_text = text.partition("#")
    rank = 1
    if rank_text:
        if not rank_text.isdigit() or int(rank_text) < 1:
            raise SpecError(f"'{text}': the rank after '#' must be a positive integer")
        rank = int(rank_text)
    path = Path(base)
    if path.is_dir():
        path = path / "summary.json"
    if not path.is_file():
        raise InputFileError(f"{path}: no such result (run explore or multi with --out)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError(f"{path}: not a result document ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") not in ("explore", "multi"):
        raise InputFileError(f"{path}: not an explore or multi result document")
    return doc, rank


def chosen_design(doc: dict[str, Any], rank: int = 1) -> dict[str, Any]:
    """The design of rank *rank*: explore's best (1) and its ``top`` list; multi's joint
    optimum (rank 1 only)."""
    if doc.get("kind") == "multi":
        if rank != 1:
            raise SpecError("a multi result has one design to export: its joint optimum (#1)")
        design = doc.get("joint_optimum")
    else:
        designs = doc.get("top") or []
        design = designs[rank - 1] if rank <= len(designs) else None
        if design is None and rank > 1:
            raise SpecError(
                f"rank {rank} asked but the result lists {len(designs)} designs "
                "(rerun explore with a larger --top)"
            )
        design = design or doc.get("best")
    if not design:
        raise SpecError("the result has no design that meets its constraints")
    return design


def design_arch(doc: dict[str, Any], rank: int = 1, name: str | None = None):
    """The :class:`~targets.asic.arch.Arch` of a result's design (see :func:`chosen_design`)."""
    from accelscope.search import space_from_dict

    design = chosen_design(doc, rank)
    if "space_spec" not in doc:
        raise SpecError("the result document has no space_spec (written by an older version)")
    space = space_from_dict(doc["space_spec"])
    label = name or f"{doc.get('network') or 'multi'}-{doc.get('kind')}-{rank}"
    return space.design_spec(int(design["index"]), label)


def write_arch_yaml(arch, path: str | Path, note: str = "") -> Path:
    """Write *arch* as an arch spec YAML (atomically), with a comment saying where it came
    from."""
    import yaml

    from accelscope import __version__
    from accelscope.store.parts import atomic_write_text

    header = f"# accelscope {__version__} design export{': ' + note if note else ''}\n"
    path = Path(path)
    atomic_write_text(path, header + yaml.safe_dump(arch.to_dict(), sort_keys=False))
    return path
