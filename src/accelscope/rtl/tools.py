"""Finding the external hardware tools (Debian packages) the RTL flow runs."""

from __future__ import annotations

import shutil

from accelscope.errors import MissingDependencyError


def debian_tool(executable: str, option: str, package: str, purpose: str) -> str:
    """Path of *executable*, or MissingDependencyError: one line saying that *option*
    needs it for *purpose* and which Debian *package* to install."""
    path = shutil.which(executable)
    if path is None:
        raise MissingDependencyError(
            f"{option} needs {purpose}: install the Debian package '{package}' "
            f"(apt-get install {package}; `make test` does)"
        )
    return path
