"""Shared fixtures and helpers for the accelscope test suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


def run_cli(*args: str, timeout: float = 300, cwd: Path | None = None) -> CliResult:
    """Run ``python -m accelscope ARGS`` in a subprocess, as a user would."""
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    proc = subprocess.run(
        [sys.executable, "-m", "accelscope", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=cwd or REPO,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory):
    """Caches (the zoo catalogue) go to a fresh directory, never the user's own."""
    os.environ["ACCELSCOPE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES
