"""Static PNG versions of the report figures (matplotlib, Agg backend), for papers."""

from __future__ import annotations

import io
from pathlib import Path

from accelscope.report.deps import require
from accelscope.report.figure import Figure

#: Resolution of the PNG files (dots per inch).
PNG_DPI = 150


def write_pngs(figures: list[Figure], directory: Path) -> list[Path]:
    """Draw every figure into ``DIRECTORY/<key>.png`` (atomically); returns the paths.

    Each PNG is ``png_size_in`` inches at :data:`PNG_DPI`; no timestamp is embedded, so
    the same figures give the same files.
    """
    require("matplotlib", "PNG figures")
    from matplotlib.figure import Figure as MplFigure

    from accelscope.store.parts import atomic_write_bytes

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for fig in figures:
        mpl = MplFigure(figsize=fig.png_size_in, layout="constrained")
        fig.draw(mpl)
        buf = io.BytesIO()
        mpl.savefig(buf, format="png", dpi=PNG_DPI, metadata={"Software": None})
        path = directory / f"{fig.key}.png"
        atomic_write_bytes(path, buf.getvalue())
        paths.append(path)
    return paths
