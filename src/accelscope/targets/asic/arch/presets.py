"""Loading accelerator specs: from a mapping, a YAML file or a bundled preset name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from accelscope.errors import SpecError, UnknownNameError, suggest
from accelscope.targets.asic.arch.spec import Arch
from accelscope.targets.asic.arch.technology import TECHNOLOGIES
from accelscope.workload.yaml_import import format_validation_error

PRESET_DIR = Path(__file__).with_name("presets")


def list_presets() -> list[str]:
    """Names of the bundled presets, sorted."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def preset_path(name: str) -> Path:
    """Path of the bundled preset *name*; :class:`UnknownNameError` if there is none."""
    path = PRESET_DIR / f"{name}.yaml"
    if "/" in name or "\\" in name or not path.is_file():
        known = list_presets()
        raise UnknownNameError(
            f"unknown architecture preset '{name}'{suggest(name, known)}; "
            f"available: {', '.join(known)}"
        )
    return path


def arch_from_dict(data: Any, source: str = "<dict>") -> Arch:
    """Validate a YAML-style mapping into an :class:`Arch`.

    Raises :class:`SpecError` naming *source* and the field path, or
    :class:`UnknownNameError` for an unknown ``technology``.
    """
    if not isinstance(data, dict):
        raise SpecError(
            f"{source}: expected a mapping with clock_mhz, tensor_units, buffers and dram "
            "at top level"
        )
    if "spec_version" in data and data["spec_version"] != 1:
        raise SpecError(
            f"{source}: spec_version: unsupported version {data['spec_version']!r}; expected 1"
        )
    tech = data.get("technology")
    if isinstance(tech, str) and tech not in TECHNOLOGIES:
        known = list(TECHNOLOGIES)
        raise UnknownNameError(
            f"{source}: technology: unknown technology '{tech}'{suggest(tech, known)}; "
            f"available: {', '.join(known)}"
        )
    try:
        return Arch.model_validate(data)
    except ValidationError as err:
        raise SpecError(format_validation_error(err, source, data)) from None


def _read_yaml(path: Path) -> Any:
    from accelscope.yamlfile import read_yaml

    return read_yaml(path)


def load_arch(name_or_path: str | Path) -> Arch:
    """Load an :class:`Arch` from a preset name (see :func:`list_presets`) or a YAML path.

    A :class:`~pathlib.Path`, or a string that contains a path separator, ends in
    ``.yaml``/``.yml`` or names an existing file, is read as a file; anything else is a
    preset name.
    """
    text = str(name_or_path)
    looks_like_file = (
        isinstance(name_or_path, Path)
        or "/" in text
        or "\\" in text
        or text.lower().endswith((".yaml", ".yml"))
        or Path(text).is_file()
    )
    if looks_like_file:
        path = Path(text)
        return arch_from_dict(_read_yaml(path), path.name)
    path = preset_path(text)
    return arch_from_dict(_read_yaml(path), path.name)
