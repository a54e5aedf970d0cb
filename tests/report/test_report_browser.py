"""The report opened from disk in real headless Chromium (Debian's `chromium` package),
driven over the DevTools protocol: no console error, no request besides the file itself,
hostile prompt text inert, the script's filters working, readable with JavaScript off;
a screenshot is saved under the test's temporary directory.

Not skipped when Chromium is missing: it fails and says how to install it (CI does).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from report_builders import XSS_IMG, XSS_SCRIPT, make_ab_summary
from report_cdp import INSTALL_HINT, Browser, DevTools, find_chromium
from report_html import parse

LOAD_TIMEOUT_S = 60


@pytest.fixture
def browser(tmp_path: Path):
    executable = find_chromium()
    if executable is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    started = Browser(executable, tmp_path / "chromium-profile", tmp_path / "chromium.log")
    try:
        yield started
    finally:
        started.close()


@pytest.fixture
def report_file(sample_repo: Path, run_cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample repository's report, with hostile A/B outputs and title (written
    outside the repository, so neither is linted)."""
    out = tmp_path_factory.mktemp("report")
    run = out / "ab-run"
    run.mkdir()
    (run / "summary.json").write_text(json.dumps(make_ab_summary(before_text=XSS_SCRIPT, after_text=XSS_IMG)))
    result = run_cli(sample_repo, "report", "--no-cache", "-o", out / "report.html", "--ab", run,
                     "--title", "<img src=x onerror=window.__xss=8>")
    assert result.exit_code == 1, result.output
    return out / "report.html"


def open_page(page: DevTools, url: str) -> None:
    for domain in ("Page", "Network", "Runtime", "Log"):
        page.call(f"{domain}.enable")
    mark = len(page.events)
    page.call("Page.navigate", url=url)
    page.wait_for("Page.loadEventFired", timeout=LOAD_TIMEOUT_S, since=mark)
    page.drain(1.0)  # late requests and console messages


def problems(page: DevTools, url: str) -> tuple[list[str], list[str]]:
    """(requests other than the file itself and data: URIs, console errors)."""
    requests, errors = [], []
    for event in page.events:
        method, params = event["method"], event.get("params", {})
        if method == "Network.requestWillBeSent":
            target = params["request"]["url"]
            if target != url and not target.startswith("data:"):
                requests.append(target)
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            errors.append(json.dumps(params.get("exceptionDetails", {}))[:500])
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
            errors.append(f"{params['entry'].get('source')}: {params['entry'].get('text')} {params['entry'].get('url', '')}")
    return requests, errors


def test_report_opens_offline_without_errors_and_works(browser: Browser, report_file: Path, tmp_path: Path):
    url = report_file.resolve().as_uri()
    page = browser.page()
    open_page(page, url)
    requests, errors = problems(page, url)
    assert [e for e in page.events if e["method"] == "Network.requestWillBeSent"], "the page load itself was not seen"
    assert requests == [], f"the report made requests: {requests}"
    assert errors == [], f"console errors: {errors}"

    # The policy let our inline style and script run (and nothing else).
    assert page.evaluate("getComputedStyle(document.querySelector('.sev-error')).color") == "rgb(255, 255, 255)"
    assert page.evaluate("document.getElementById('filters').hidden") is False
    # None of the hostile strings ran.
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("document.title") == "<img src=x onerror=window.__xss=8>"

    # Filtering by severity hides the warnings; by rule, everything else.
    total = page.evaluate("document.querySelectorAll('.finding').length")
    visible = "Array.from(document.querySelectorAll('.finding')).filter(f => !f.closest('[hidden]')).length"
    assert page.evaluate(visible) == total
    page.evaluate("document.querySelector('input[value=warning]').click()")
    warnings = page.evaluate("document.querySelectorAll('.finding[data-severity=warning]').length")
    assert warnings > 0 and page.evaluate(visible) == total - warnings
    status = page.evaluate("document.querySelector('[data-filter-status]').textContent")
    assert status.startswith("Showing ") and status.endswith(f" of {total} findings")
    page.evaluate("document.querySelector('input[value=warning]').click()")
    page.evaluate(
        "(() => { const s = document.querySelector('select[data-filter-rule]'); s.value = 'outdated-model';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    shown_groups = page.evaluate(
        "Array.from(document.querySelectorAll('.rule-group')).filter(g => !g.hidden).map(g => g.dataset.rule)"
    )
    assert shown_groups == ["outdated-model"]
    page.evaluate("document.querySelector('[data-action=collapse]').click()")
    assert page.evaluate("Array.from(document.querySelectorAll('#findings details')).every(d => !d.open)")
    page.evaluate("document.querySelector('[data-action=expand]').click()")
    assert page.evaluate("Array.from(document.querySelectorAll('#findings details')).every(d => d.open)")

    # Nothing the interactions did made a request or an error either.
    requests, errors = problems(page, url)
    assert requests == [] and errors == []

    metrics = page.call("Page.getLayoutMetrics")
    height = min(int(metrics["cssContentSize"]["height"]), 12000)
    shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                     clip={"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1})
    png = base64.b64decode(shot["data"])
    path = tmp_path / "report.png"
    path.write_bytes(png)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    page.ws.close()


def test_report_reads_fully_with_javascript_off(browser: Browser, report_file: Path, tmp_path: Path):
    url = report_file.resolve().as_uri()
    page = browser.page()
    page.call("Emulation.setScriptExecutionDisabled", value=True)
    open_page(page, url)
    requests, errors = problems(page, url)
    assert requests == [] and errors == []
    document = page.call("DOM.getDocument", depth=-1)
    html = page.call("DOM.getOuterHTML", nodeId=document["root"]["nodeId"])["outerHTML"]
    tree, _ = parse("<!DOCTYPE html>" + html)
    assert "hidden" in tree.by_id("filters").attrs  # the script did not run ...
    articles = tree.find_all("article", cls="finding")
    assert len(articles) == 8  # ... and every finding is there anyway
    assert all(a.find("p", cls="message").text() for a in articles)
    assert len(tree.by_id("ab").find_all("pre")) == 2
    shot = page.call("Page.captureScreenshot", format="png")
    (tmp_path / "report-no-js.png").write_bytes(base64.b64decode(shot["data"]))
    page.ws.close()


# Elements whose content may be wider than the page: they scroll it inside their own box.
OVERFLOW_REPORT = """(() => {
  const width = document.documentElement.clientWidth;
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const boxed = e => { for (let p = e.parentElement; p; p = p.parentElement) if (scrolls(p)) return true; return false; };
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (!r.width || boxed(e)) continue;
    if (r.right > width + 1 || r.left < -1) out.push(`${e.tagName.toLowerCase()}.${e.className}#${e.id}: ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, overflowing: out.slice(0, 20)};
})()"""

CODE_BLOCKS = """Array.from(document.querySelectorAll('pre.code-block, table.excerpt td.code, table.diff td')).map(e => ({
  kind: e.tagName.toLowerCase() + '.' + (e.className || e.closest('table').className),
  whiteSpace: getComputedStyle(e).whiteSpace,
  lines: e.textContent.split('\\n').length,
  tall: e.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(e).lineHeight),
}))"""


@pytest.mark.parametrize("width, height, mobile", [(1280, 900, False), (400, 800, True)], ids=["desktop", "phone"])
def test_report_fits_desktop_and_phone_widths(browser: Browser, report_file: Path, tmp_path: Path, width, height, mobile):
    """Nothing pushes the page sideways (wide tables and code scroll inside their own box),
    and multi-line code keeps its line breaks, at a desktop and a 400 px phone width."""
    url = report_file.resolve().as_uri()
    page = browser.page()
    page.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)
    open_page(page, url)
    page.evaluate("document.querySelector('[data-action=expand]').click()")  # every panel open
    page.drain(0.3)
    layout = page.evaluate(OVERFLOW_REPORT)
    assert width - 20 <= layout["width"] <= width  # less a desktop scroll bar
    assert layout["scrollWidth"] <= layout["width"], f"the page scrolls sideways: {layout}"
    assert layout["overflowing"] == [], f"elements past the viewport at {width} px: {layout['overflowing']}"
    boxes = page.evaluate("Array.from(document.querySelectorAll('.table-wrap')).map(e => e.getBoundingClientRect().right)")
    assert boxes and all(right <= layout["width"] for right in boxes)

    blocks = page.evaluate(CODE_BLOCKS)
    panels = [b for b in blocks if b["kind"] == "pre.code-block"]
    assert panels, "the rule panels show their examples as code blocks"
    assert all(b["whiteSpace"] == "pre" for b in blocks), blocks
    multi = [b for b in panels if b["lines"] > 2]
    assert multi and all(b["tall"] for b in multi), "a multi-line example renders on several lines"
    # the severity table's counts sit under their headings
    columns = page.evaluate(
        "(() => { const t = document.getElementById('by-severity');"
        " const centre = e => { const r = e.getBoundingClientRect(); return r.left + r.width / 2; };"
        " return [Array.from(t.querySelectorAll('thead th')).map(centre), Array.from(t.querySelectorAll('tbody td')).map(centre)]; })()"
    )
    assert len(columns[0]) == len(columns[1]) == 4
    assert all(abs(head - cell) < 2 for head, cell in zip(*columns)), columns

    metrics = page.call("Page.getLayoutMetrics")
    shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                     clip={"x": 0, "y": 0, "width": width, "height": min(int(metrics["cssContentSize"]["height"]), 9000), "scale": 1})
    (tmp_path / f"report-{width}px.png").write_bytes(base64.b64decode(shot["data"]))
    page.ws.close()
