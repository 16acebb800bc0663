"""Render a :class:`ReportModel` to one self-contained HTML file.

The page embeds plotly.js (from the ``plotly`` Python package, no CDN) and the figure
specifications as JSON; a jinja2 template with autoescaping renders every text, so user
strings (model and layer names) are shown as text, never interpreted as HTML.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from accelscope.report.deps import require
from accelscope.report.model import ReportModel

_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(obj: Any) -> str:
    """JSON safe to place inside a ``<script>`` element (no ``</script>``, no ``<!--``)."""
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).translate(_JSON_ESCAPES)


@lru_cache(maxsize=1)
def _plotly_bundle() -> tuple[str, str]:
    require("plotly", "HTML reports")
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    return get_plotlyjs(), get_plotlyjs_version()


@lru_cache(maxsize=1)
def _template() -> Any:
    require("jinja2", "HTML reports")
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("accelscope.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2")


#: How a report gets plotly.js: embedded (one self-contained file), one shared file
#: beside the report (a set of reports in one folder shares it), or the plotly CDN (needs
#: the network when the report is opened).
PLOTLY_JS_MODES: tuple[str, ...] = ("inline", "file", "cdn")


def plotly_file_name() -> str:
    """The shared plotly.js file's name (versioned, so reports of different versions can
    share a folder)."""
    return f"plotly-{_plotly_bundle()[1]}.min.js"


def plotly_source(mode: str) -> str | None:
    """The ``src`` of the plotly.js script for *mode* (None: embedded)."""
    if mode == "inline":
        return None
    if mode == "file":
        return plotly_file_name()
    if mode == "cdn":
        return f"https://cdn.plot.ly/plotly-{_plotly_bundle()[1]}.min.js"
    from accelscope.errors import SpecError

    raise SpecError(f"--plotly-js '{mode}': expected one of {', '.join(PLOTLY_JS_MODES)}")


def plotly_js_text() -> str:
    """The plotly.js bundle (for ``--plotly-js file``)."""
    return _plotly_bundle()[0]


def render_html(model: ReportModel, plotly_js: str = "inline") -> str:
    """The report page as a string; *plotly_js* as in :data:`PLOTLY_JS_MODES`."""
    from markupsafe import Markup

    from accelscope import __version__

    src = plotly_source(plotly_js)
    js, js_version = _plotly_bundle()
    figures = {f.key: f.plotly_spec() for f in model.figures}
    return _template().render(
        model=model,
        version=__version__,
        plotly_js=Markup(js) if src is None else "",
        plotly_src=src,
        plotly_version=js_version,
        figures_json=Markup(script_json(figures)),
    )
