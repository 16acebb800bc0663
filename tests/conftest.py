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


def cli_imports(args: list[str], modules: tuple[str, ...]):
    """Run ``accelscope ARGS`` through ``cli.main`` in a fresh interpreter; returns the
    completed process (its stderr without the report line) and which of *modules* the
    command imported -- the start-up cost tests."""
    code = (
        "import json, sys; from accelscope.cli import main; "
        f"rc = main({list(args)!r}); "
        f"print('IMPORTED', json.dumps([m for m in {tuple(modules)!r} if m in sys.modules]), "
        "file=sys.stderr); sys.exit(rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    lines = proc.stderr.splitlines()
    report = next((ln for ln in reversed(lines) if ln.startswith("IMPORTED ")), None)
    assert report is not None, proc.stderr
    proc.stderr = "\n".join(ln for ln in lines if ln is not report)
    return proc, json.loads(report.removeprefix("IMPORTED "))


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory):
    """Caches (the zoo catalogue, synthesis results) go to a fresh directory, never the
    user's own. Under pytest-xdist the workers of one run share it (their base temporary
    directories have a common parent), so a synthesis one worker ran is not repeated by the
    other; cache files are written atomically, so concurrent writers are safe."""
    base = tmp_path_factory.getbasetemp()
    shared = os.environ.get("PYTEST_XDIST_WORKER") is not None
    cache = (base.parent if shared else base) / "accelscope-cache"
    cache.mkdir(exist_ok=True)
    os.environ["ACCELSCOPE_CACHE_DIR"] = str(cache)
    yield


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES
