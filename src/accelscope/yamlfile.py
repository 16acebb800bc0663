"""Reading a user's YAML file: ``yaml.safe_load`` (no code runs), and one clear error
naming the file for every way it can fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accelscope.errors import InputFileError


def read_yaml(path: str | Path) -> Any:
    """The parsed content of the YAML file *path*.

    Raises :class:`InputFileError` naming the file: missing, a directory, unreadable, not
    text, or not valid YAML (with the line)."""
    import yaml

    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory, expected a YAML file")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not a text file (expected YAML)") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputFileError(f"{path}: not valid YAML{where}") from None
