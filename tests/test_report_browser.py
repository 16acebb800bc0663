"""Open generated reports in a real browser (headless Debian Chromium driven by Playwright):
no JavaScript errors, every plot drawn, hover text present, user strings shown as text,
nothing fetched from the network. Screenshots go to test-artifacts/ for a person to look at.

`make test` installs Chromium (apt-get install chromium) when it is missing; set
ACCELSCOPE_CHROMIUM to use another Chromium binary.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli
from tests.test_report import XSS, make_results

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"

#: Per result kind: the figure whose hover is checked, how to find the hovered point
#: (trace name, point index) and texts the hover label must show.
HOVER = {
    # the bar of the layer named <script>...: its x category is the escaped name
    "evaluate": (
        "layers-latency",
        "*",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        (f"{XSS} (conv2d)", "bound"),
    ),
    "explore": ("pareto", "best (meets constraints)", 0, ("Best", "latency:", "area:")),
    "multi": ("cross", None, (0, 1), ("on the optimum of", "of its own optimum")),
    # the first recommendation marker, whichever advice it carries
    "codesign": ("staircases", ["grow", "shrink", "dominated"], 0, ("to", "% latency")),
}

# Pixel position (viewport) of point `idx` of trace `name` (or heat-map cell) of a figure.
POINT_JS = """
([key, name, idx]) => {
  const gd = document.getElementById("fig-" + key);
  const names = Array.isArray(name) ? name : [name];
  let k = name === null ? 0 : gd._fullData.findIndex((t) => names.includes(t.name));
  if (name === "*") {  // the trace holding category `idx`, and its position there
    k = gd._fullData.findIndex((t) => t.x.indexOf(idx) >= 0);
    idx = gd._fullData[k].x.indexOf(idx);
  }
  const t = gd._fullData[k];
  const xa = gd._fullLayout[t.xaxis === "x" ? "xaxis" : "xaxis" + t.xaxis.slice(1)];
  const ya = gd._fullLayout[t.yaxis === "y" ? "yaxis" : "yaxis" + t.yaxis.slice(1)];
  let x, y;
  if (t.type === "heatmap") {
    x = xa.d2p(t.x[idx[1]]); y = ya.d2p(t.y[idx[0]]);
  } else if (t.type === "bar") {
    x = xa.d2p(t.x[idx]); y = ya.d2p(t.y[idx] / 2);
  } else {
    x = xa.d2p(t.x[idx]); y = ya.d2p(t.y[idx]);
  }
  const r = gd.getBoundingClientRect();
  return [r.left + xa._offset + x, r.top + ya._offset + y];
}
"""

# Per figure: is it drawn (rendered flag, a non-empty SVG, at least one trace drawn)?
DRAWN_JS = """
(el) => {
  const svg = el.querySelector("svg.main-svg");
  const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
  return {
    rendered: el.getAttribute("data-rendered") === "true",
    width: box.width,
    height: box.height,
    traces: el.querySelectorAll(".cartesianlayer .trace, .heatmaplayer .hm").length,
    marks: el.querySelectorAll("path.point, .bars path, path.js-line, .hm image").length,
    data: el.data ? el.data.length : 0,
  };
}
"""


def _chromium() -> str:
    path = (
        os.environ.get("ACCELSCOPE_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail(
            "Chromium not found: `make test` installs it (apt-get install chromium), or set "
            "ACCELSCOPE_CHROMIUM"
        )
    return path


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, tuple[Path, list[str]]]:
    """Per kind: (HTML report written by `accelscope report`, expected figure keys)."""
    root = tmp_path_factory.mktemp("browser-reports")
    out = {}
    for kind, result in make_results(root).items():
        html = root / f"report-{kind}.html"
        res = run_cli("report", str(result), "-o", str(html), "--json")
        assert res.code == 0, res.stderr
        out[kind] = (html, res.json()["figures"])
    return out


def _open(browser, html: Path):
    """Load a report offline; collect console errors, page errors, dialogs and requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    log: dict[str, list[str]] = {"errors": [], "dialogs": [], "requests": []}
    page.on("console", lambda m: log["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.goto(html.as_uri())
    page.wait_for_selector("body[data-figures-rendered]", timeout=60_000)
    return context, page, log


@pytest.mark.parametrize("kind", ["evaluate", "explore", "multi", "codesign"])
def test_report_in_browser(browser, reports, kind):
    html, figures = reports[kind]
    context, page, log = _open(browser, html)
    try:
        assert page.get_attribute("body", "data-figures-rendered") == str(len(figures))
        assert page.get_attribute("body", "data-report-kind") == kind
        for key in figures:
            el = page.query_selector(f"#fig-{key}")
            assert el is not None, key
            drawn = el.evaluate(DRAWN_JS)
            assert drawn["rendered"], key
            assert drawn["width"] > 300 and drawn["height"] > 150, (key, drawn)
            assert drawn["data"] > 0 and drawn["traces"] > 0 and drawn["marks"] > 0, (key, drawn)

        # hover a point with the real mouse: plotly's hover label shows its details
        key, trace, idx, expect = HOVER[kind]
        page.query_selector(f"#fig-{key}").scroll_into_view_if_needed()
        x, y = page.evaluate(POINT_JS, [key, trace, idx])
        page.mouse.move(x, y)
        page.wait_for_selector(f"#fig-{key} .hovertext", timeout=10_000)
        label = page.text_content(f"#fig-{key} .hovertext")
        assert all(e in label for e in expect), label

        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"report-{kind}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000

        assert log["errors"] == []
        assert log["dialogs"] == []
        # self-contained: the page asked for nothing but itself
        assert all(u.startswith(("file:", "data:", "blob:")) for u in log["requests"]), log
    finally:
        context.close()


def test_script_in_a_layer_name_is_shown_as_text(browser, reports):
    html, _ = reports["evaluate"]
    context, page, log = _open(browser, html)
    try:
        text = page.evaluate("() => document.body.innerText")
        assert XSS in text  # in the layer tables, literally
        assert "relu $x$ <img src=x onerror=alert(2)>" in text
        assert "<b>evil</b> & net on default" in page.inner_text("#report-title")
        ticks = page.eval_on_selector_all(
            "#fig-layers-latency .xtick text", "els => els.map((e) => e.textContent)"
        )
        assert XSS in ticks  # the plot's axis label too
        assert page.evaluate("() => document.scripts.length") == 3  # only the report's own
        assert page.query_selector("img") is None
        assert page.query_selector("b") is None or "evil" not in page.inner_text("b")
        assert log["dialogs"] == [] and log["errors"] == []
    finally:
        context.close()


def test_fpga_report_in_browser(browser, tmp_path):
    """The FPGA evaluate report: resource bars and the stage-balance chart drawn, the
    hover of a pipeline stage names its lanes, nothing fetched."""
    html = tmp_path / "fpga.html"
    res = run_cli(
        "evaluate", "alexnet", "--board", "zc706", "--paradigm", "hybrid", "--report", str(html)
    )
    assert res.code == 0, res.stderr
    context, page, log = _open(browser, html)
    try:
        assert page.get_attribute("body", "data-figures-rendered") == "2"
        for key in ("resources", "stages"):
            drawn = page.query_selector(f"#fig-{key}").evaluate(DRAWN_JS)
            assert drawn["rendered"] and drawn["traces"] > 0 and drawn["marks"] > 0, (key, drawn)
        text = page.evaluate("() => document.body.innerText").lower()  # labels may be in caps
        assert "dsp efficiency" in text and "bram18" in text and "lut (est.)" in text
        page.query_selector("#fig-stages").scroll_into_view_if_needed()
        x, y = page.evaluate(POINT_JS, ["stages", "pipeline", 0])
        page.mouse.move(x, y)
        page.wait_for_selector("#fig-stages .hovertext", timeout=10_000)
        label = page.text_content("#fig-stages .hovertext")
        assert "features.0" in label and "lanes" in label, label
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-fpga.png"), full_page=True)
        assert log["errors"] == [] and log["dialogs"] == []
        assert all(u.startswith(("file:", "data:", "blob:")) for u in log["requests"]), log
    finally:
        context.close()


def test_compare_report_in_browser(browser, tmp_path):
    """The compare report: the relative-metrics chart drawn per network, its hover names
    the design and the multiple, nothing fetched."""
    html = tmp_path / "compare.html"
    res = run_cli("compare", "edge", "tpu-v1", "fpga:zc706:generic", "--model", "alexnet",
                  "--report", str(html))  # fmt: skip
    assert res.code == 0, res.stderr
    context, page, log = _open(browser, html)
    try:
        assert page.get_attribute("body", "data-report-kind") == "compare"
        drawn = page.query_selector("#fig-relative-0").evaluate(DRAWN_JS)
        assert drawn["rendered"] and drawn["traces"] == 3 and drawn["marks"] > 0, drawn
        # Grouped bars on a log axis: read the drawn traces rather than aim the mouse.
        traces = page.evaluate(
            "() => document.getElementById('fig-relative-0')._fullData"
            ".map((t) => [t.name, t.y[0], t.hovertemplate])"
        )
        assert [t[0] for t in traces] == ["edge", "tpu-v1", "fpga:zc706:generic"]
        assert traces[0][1] == pytest.approx(1.0) and "tpu-v1" in traces[1][2]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-compare.png"), full_page=True)
        assert log["errors"] == [] and log["dialogs"] == []
        assert all(u.startswith(("file:", "data:", "blob:")) for u in log["requests"]), log
    finally:
        context.close()


def test_reports_sharing_one_plotly_file(browser, tmp_path):
    """--plotly-js file: reports in one folder share one plotly.js beside them (each
    report is then small) and still draw offline."""
    for model in ("alexnet", "lstm-lm"):
        res = run_cli("evaluate", model, "--arch", "edge", "--report",
                      str(tmp_path / f"{model}.html"), "--plotly-js", "file")  # fmt: skip
        assert res.code == 0, res.stderr
    shared = list(tmp_path.glob("plotly-*.min.js"))
    assert len(shared) == 1 and shared[0].stat().st_size > 1_000_000
    html = tmp_path / "alexnet.html"
    assert html.stat().st_size < 500_000
    assert f'src="{shared[0].name}"' in html.read_text(encoding="utf-8")
    context, page, log = _open(browser, html)
    try:
        figures = page.get_attribute("body", "data-figures-rendered")
        assert figures is not None and int(figures) >= 2
        assert log["errors"] == []
        assert all(u.startswith("file:") for u in log["requests"]), log
    finally:
        context.close()
