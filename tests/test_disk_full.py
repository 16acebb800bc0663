"""Writes that fail part-way (a full disk, a file-size limit): one error line naming the
path, exit 2, nothing half-written left behind, and the run resumes afterwards."""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from accelscope.store import parts
from tests.conftest import EXAMPLES, REPO

TINY_CNN = EXAMPLES / "networks" / "tiny-cnn.yaml"


def _limited(max_bytes: int):
    """preexec_fn: files may not grow past *max_bytes* (writes fail with EFBIG, as on a
    full disk writes fail with ENOSPC); SIGXFSZ ignored so the write returns an error."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


def _run(args: list[str], max_bytes: int | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "accelscope", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=REPO,
        preexec_fn=_limited(max_bytes) if max_bytes else None,
    )


def _leftovers(root) -> list[str]:
    return sorted(p.name for p in root.rglob(".tmp-*"))


def test_explore_on_a_full_disk_fails_cleanly_then_resumes(tmp_path):
    out = tmp_path / "run"
    args = ["explore", str(TINY_CNN), "--out", str(out), "--json"]
    # run.json (~2 KB) fits; the first part (~100 KB) does not.
    res = _run(args, max_bytes=20_000)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in res.stderr
    assert str(out / "parts") in lines[0] and "too large" in lines[0].lower()
    assert _leftovers(out) == [] and not (out / "results.parquet").exists()
    again = _run(args)
    assert again.returncode == 0, again.stderr
    clean = _run(["explore", str(TINY_CNN), "--out", str(tmp_path / "clean"), "--json"])
    assert clean.returncode == 0, clean.stderr
    assert pq.read_table(out / "results.parquet").equals(
        pq.read_table(tmp_path / "clean" / "results.parquet")
    )


def test_results_file_on_a_full_disk_keeps_the_parts(tmp_path):
    out = tmp_path / "run"
    args = ["explore", str(TINY_CNN), "--out", str(out), "--json"]
    assert _run(args).returncode == 0
    (out / "results.parquet").unlink()
    # Resuming only writes results.parquet (as large as the one part): it fails half-way.
    size = max(p.stat().st_size for p in (out / "parts").iterdir())
    res = _run(args, max_bytes=size // 2)
    assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
    assert "results.parquet" in res.stderr
    assert _leftovers(out) == [] and not (out / "results.parquet").exists()
    assert len(list((out / "parts").glob("*.parquet"))) >= 1


def test_codesign_on_a_full_disk_leaves_no_truncated_file(tmp_path):
    out = tmp_path / "cd"
    res = _run(["codesign", "lstm-lm", "--arch", "edge", "--out", str(out)], max_bytes=4_000)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("error: ") and res.stderr.count("\n") == 1
    assert _leftovers(out) == []
    # Every file that exists is complete: the same run without a limit writes the same bytes.
    full = tmp_path / "full"
    assert _run(["codesign", "lstm-lm", "--arch", "edge", "--out", str(full)]).returncode == 0
    for path in out.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (full / path.relative_to(out)).read_bytes(), path


def test_enospc_while_writing_names_the_path_and_cleans_up(tmp_path, monkeypatch):
    real_fsync = os.fsync

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    target = tmp_path / "summary.json"
    with pytest.raises(OSError) as info:
        parts.atomic_write_bytes(target, b"{}")
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(target)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(os, "fsync", real_fsync)
