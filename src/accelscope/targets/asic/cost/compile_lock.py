"""One process at a time compiles or loads the cached numba gufuncs.

numba's on-disk cache stores a gufunc as two entries, its kernel and its wrapper, and the
wrapper names the kernel by a symbol that depends on how many functions the writing
process had compiled before it. Processes that start at different moments on a cold cache
(several ``accelscope`` commands, dask workers, test workers) can leave the kernel from one
process and the wrapper from another; every later load then crashes with a segmentation
fault (numba issue #10128, open; reproduced here with six staggered processes). Holding
this lock while the gufunc is defined -- compiled and written, or loaded -- keeps both
entries from one process. Loading a warm cache takes milliseconds, so waiting is short.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def numba_compile_lock() -> Iterator[None]:
    """An exclusive lock shared by this user's processes (a file in the temporary
    directory); a no-op where ``fcntl`` is missing or the file cannot be opened."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path = Path(tempfile.gettempdir()) / f"accelscope-numba-{os.getuid()}.lock"
    try:
        handle = open(path, "a")  # noqa: SIM115 - held across the yield
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
