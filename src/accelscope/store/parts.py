"""A directory of Parquet part files committed atomically, for resumable runs.

Layout of ``OUT_DIR``::

    run.json            what produced the results (fingerprint of the command and of the
                        model version, store/model_identity.py), written first
    parts/NAME.parquet  one committed unit of work each (a chunk, a generation)

A part is written to a temporary file in ``parts/``, flushed and fsynced, then renamed
into place with :func:`os.replace`, which is atomic on POSIX: after a crash at any
moment (SIGKILL included) a part either exists completely or not at all. Restarting the
same command skips the parts that exist, so no row is lost and none is duplicated.
Stale temporary files from a killed run are removed on open.

Every part carries, in its Parquet key-value metadata, the run fingerprint, its own name,
its row count and a SHA-256 of its data (the Arrow IPC serialization of the table). On
open every committed part is verified: a part that cannot be read (truncated, empty,
damaged), whose data no longer matches its checksum (a flipped bit), or that belongs to
another run or another part name (copied in, or left behind with ``run.json`` deleted) is
reported with one warning line naming the part and the reason, deleted, and computed
again by the run. A part is never trusted on its name alone.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from accelscope.errors import InputFileError, SpecError
from accelscope.jsonsafe import dumps
from accelscope.store.model_identity import model_identity

PARTS_DIR = "parts"
RUN_FILE = "run.json"
_TMP_PREFIX = ".tmp-"


def fingerprint(spec: dict[str, Any]) -> str:
    """Stable SHA-256 of a JSON-serializable run description."""
    text = json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class PartStore:
    """Atomic Parquet parts under *out_dir*, tied to one run description.

    Opening a directory that holds results of a *different* run description raises
    :class:`SpecError` (pass ``overwrite=True`` to clear it) rather than mixing results.
    """

    def __init__(self, out_dir: str | Path, run_spec: dict[str, Any], *, overwrite: bool = False):
        self.root = Path(out_dir)
        self.parts = self.root / PARTS_DIR
        self.run_spec = run_spec
        self.model = model_identity()
        self.fingerprint = fingerprint({"run": run_spec, "model": self.model})
        if self.root.exists() and not self.root.is_dir():
            raise InputFileError(f"{self.root}: exists and is not a directory")
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputFileError(
                f"{self.root}: cannot create output directory ({exc.strerror})"
            ) from None
        run_file = self.root / RUN_FILE
        if run_file.exists():
            try:
                previous = json.loads(run_file.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError):
                previous = {}
            if previous.get("fingerprint") != self.fingerprint:
                if not overwrite:
                    same_run = previous.get("spec") == json.loads(dumps(run_spec))
                    what = (
                        f"results of another model version ({previous.get('model', 'unknown')}"
                        f", this is {self.model})"
                        if same_run
                        else "results of a different run"
                    )
                    raise SpecError(
                        f"{self.root}: holds {what}; use another --out directory or "
                        "--overwrite to replace them"
                    )
                self.clear()
        if not run_file.exists():
            write_json(
                run_file, {"fingerprint": self.fingerprint, "model": self.model, "spec": run_spec}
            )
        for stale in self.parts.glob(_TMP_PREFIX + "*"):
            stale.unlink(missing_ok=True)
        self.discarded: list[tuple[str, str]] = self._verify_parts()

    def _verify_parts(self) -> list[tuple[str, str]]:
        """Check every committed part; delete (and report) those that fail."""
        bad = []
        for path in sorted(self.parts.glob("*.parquet")):
            reason = self._problem(path)
            if reason is None:
                continue
            path.unlink(missing_ok=True)
            bad.append((path.stem, reason))
            warnings.warn(
                f"{path}: discarded and recomputed ({reason})", PartDiscardedWarning, stacklevel=2
            )
        return bad

    def _problem(self, path: Path) -> str | None:
        """Why the part at *path* cannot be trusted, or None."""

        try:
            table = read_parquet(path)
        except Exception as exc:  # truncated, empty, not Parquet, damaged pages
            return f"unreadable: {type(exc).__name__}"
        meta = table.schema.metadata or {}
        fields = {k.decode(): v.decode() for k, v in meta.items() if k.startswith(b"accelscope.")}
        if not fields:
            return "no accelscope checksum (written by another program or version)"
        if fields.get("accelscope.fingerprint") != self.fingerprint:
            return "belongs to a different run"
        if fields.get("accelscope.part") != path.stem:
            return f"holds part '{fields.get('accelscope.part')}', not '{path.stem}'"
        if fields.get("accelscope.rows") != str(table.num_rows):
            return "row count does not match its metadata"
        if fields.get("accelscope.sha256") != table_checksum(table):
            return "data does not match its checksum"
        return None

    # ---- parts -----------------------------------------------------------------------
    def path(self, name: str) -> Path:
        return self.parts / f"{name}.parquet"

    def has(self, name: str) -> bool:
        return self.path(name).exists()

    def names(self) -> list[str]:
        """Committed part names, sorted."""
        return sorted(p.stem for p in self.parts.glob("*.parquet"))

    def write(self, name: str, table) -> None:
        """Commit *table* (a ``pyarrow.Table``) as part *name*, atomically."""
        self.writer.write(name, table)

    @property
    def writer(self) -> PartWriter:
        """A small picklable handle that commits parts of this store from any process
        that sees the same directory (a worker of a pool or a dask cluster)."""
        return PartWriter(self.parts, self.fingerprint)

    def read(self, name: str, columns: list[str] | None = None):
        """Part *name* as a ``pyarrow.Table`` (without the store's own metadata); only
        *columns* when given."""
        table = read_parquet(self.path(name), columns)
        meta = {
            k: v
            for k, v in (table.schema.metadata or {}).items()
            if not k.startswith(b"accelscope.")
        }
        return table.replace_schema_metadata(meta or None)

    def num_rows(self, name: str) -> int:
        """Rows of part *name*, from its Parquet footer (no data read)."""
        import pyarrow.parquet as pq

        with pq.ParquetFile(self.path(name)) as handle:
            return int(handle.metadata.num_rows)

    def read_all(self, names: list[str] | None = None):
        """All committed parts (or *names*) concatenated in name order."""
        import pyarrow as pa

        tables = [self.read(n) for n in (names if names is not None else self.names())]
        if not tables:
            return None
        return pa.concat_tables(tables, promote_options="default")

    def clear(self) -> None:
        for p in self.parts.glob("*"):
            p.unlink(missing_ok=True)
        (self.root / RUN_FILE).unlink(missing_ok=True)


class PartWriter:
    """Commits parts into a store's ``parts/`` directory, atomically, with the store's
    checksum metadata. Picklable: worker processes write their own parts."""

    def __init__(self, parts_dir: Path, run_fingerprint: str):
        self.parts_dir = Path(parts_dir)
        self.fingerprint = run_fingerprint

    def write(self, name: str, table) -> None:
        """Commit *table* (a ``pyarrow.Table``) as part *name* (:func:`atomic_path`)."""
        import pyarrow.parquet as pq

        stamp = {
            "accelscope.fingerprint": self.fingerprint,
            "accelscope.part": name,
            "accelscope.rows": str(table.num_rows),
            "accelscope.sha256": table_checksum(table),
        }
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **stamp})
        with atomic_path(self.parts_dir / f"{name}.parquet") as tmp:
            pq.write_table(table, tmp, compression="zstd")

    def write_columns(self, name: str, columns: dict[str, Any]) -> None:
        """Commit a dict of equally long arrays as part *name*."""
        self.write(name, columns_table(columns))


def columns_table(columns: dict[str, Any]):
    """A ``pyarrow.Table`` of a dict of equally long arrays (column order kept)."""
    import numpy as np
    import pyarrow as pa

    return pa.table({k: np.asarray(v) for k, v in columns.items()})


class ScratchDir:
    """A temporary directory removed when :meth:`cleanup` is called or when the object is
    garbage-collected, silently (``tempfile.TemporaryDirectory`` warns when collected,
    and the parts of a run without ``out_dir`` live as long as its result)."""

    def __init__(self, prefix: str) -> None:
        import shutil
        import tempfile
        import weakref

        self.name = tempfile.mkdtemp(prefix=prefix)
        self._finalizer = weakref.finalize(self, shutil.rmtree, self.name, True)

    def cleanup(self) -> None:
        self._finalizer()


class PartDiscardedWarning(UserWarning):
    """A committed part failed verification and will be computed again."""


def table_checksum(table) -> str:
    """SHA-256 of a ``pyarrow.Table``'s data: its Arrow IPC stream with the schema metadata
    removed and the chunks combined, so the same data always gives the same digest."""
    import pyarrow as pa

    plain = table.replace_schema_metadata(None).combine_chunks()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, plain.schema) as writer:
        writer.write_table(plain)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def read_parquet(path: Path, columns: list[str] | None = None):
    """One Parquet file (its *columns*, default all) as a ``pyarrow.Table``.
    ``ParquetFile.read`` rather than ``read_table``: the latter loads ``pyarrow.dataset``
    and pandas (0.6 CPU-s) first."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as handle:
        return handle.read(columns=columns)


def fsync_dir(path: Path) -> None:
    """Flush a directory entry (makes a rename durable); best effort."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside *path* to write the new file to. When the block ends
    normally the file is fsynced and renamed onto *path* (atomic on POSIX) and the
    directory entry flushed; on any failure it is removed, so a crash, a full disk or an
    interrupt leaves the previous file or the new one, never half of one. An ``OSError``
    is raised again naming *path*."""
    path = Path(path)
    tmp = path.with_name(f"{_TMP_PREFIX}{path.name}-{os.getpid()}")
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # disk full, permission, ...
        reason = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc))
        raise OSError(exc.errno, reason, str(path)) from None
    finally:
        with suppress(OSError):  # nothing to remove (its folder is missing or not one)
            tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write *data* to *path* so that a crash leaves the old file or the new one, whole."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


#: Rows per row group of a streamed Parquet file (about 40 MB of columns held while
#: writing; row groups of one 16,384-row part each compress 35% worse).
ROW_GROUP_ROWS = 131_072


def write_parquet_stream(path: Path, pieces) -> None:
    """Write the ``pyarrow.Table`` *pieces* (same columns) as one Parquet file, streamed in
    row groups of about :data:`ROW_GROUP_ROWS`, then fsync and rename it into place: a
    crash or a full disk leaves the previous file or the new one, never half of one, and
    an ``OSError`` names *path*. Nothing is written when there are no pieces."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pieces = iter(pieces)
    first = next(pieces, None)
    if first is None:
        return
    pending: list = []
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, first.schema, compression="zstd") as w:
        for piece in itertools.chain([first], pieces):
            pending.append(piece.cast(w.schema))
            if sum(p.num_rows for p in pending) >= ROW_GROUP_ROWS:
                w.write_table(pa.concat_tables(pending))
                pending.clear()
        if pending:
            w.write_table(pa.concat_tables(pending))


def write_json(path: Path, doc: Any) -> None:
    """:func:`atomic_write_bytes` of *doc* as indented JSON (``run.json``, ``summary.json``)."""
    atomic_write_bytes(path, dumps(doc, indent=2).encode())


def atomic_write_text(path: Path, text: str) -> None:
    """:func:`atomic_write_bytes` of UTF-8 *text*."""
    atomic_write_bytes(path, text.encode("utf-8"))


def write_csv_stream(path: Path, pieces) -> int:
    """Write the ``pyarrow.Table`` *pieces* (same columns) as one CSV file with a header,
    streamed, atomically (as :func:`write_parquet_stream`); dictionary-encoded columns
    are written as their labels. Returns the number of data rows."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def plain(table):
        for i, field in enumerate(table.schema):
            if pa.types.is_dictionary(field.type):
                table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
        return table

    rows = 0
    pieces = iter(pieces)
    first = next(pieces, None)
    with atomic_path(path) as tmp:
        if first is None:
            tmp.write_text("")
            return 0
        first = plain(first)
        with pacsv.CSVWriter(str(tmp), first.schema) as writer:
            for piece in itertools.chain([first], (plain(p) for p in pieces)):
                writer.write_table(piece.cast(first.schema))
                rows += piece.num_rows
    return rows


def write_csv_rows(path: Path, rows: list[dict]) -> int:
    """Write *rows* (dicts of scalars; the first row's keys are the columns, missing
    values empty) as a CSV file with a header, atomically. Returns the row count."""
    import csv
    import io

    columns = list(dict.fromkeys(k for row in rows for k in row))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    atomic_write_text(path, text.getvalue())
    return len(rows)
