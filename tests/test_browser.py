"""Every page of the built site in a real browser: figures drawn, no console errors, nothing fetched
from outside the site, and no serious or critical accessibility violation (axe-core)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Every figure container holds plotly's drawn SVG (plotly.js replaced the empty div).
ALL_FIGURES_DRAWN = """() => [...document.querySelectorAll('.plotly-graph-div')]
    .every(div => div.querySelector('svg.main-svg'))"""
BLOCKING_IMPACTS = {"serious", "critical"}


@dataclass
class Visit:
    url: str
    figures: int = 0
    drawn: int = 0
    console_errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)


def site_pages(built_site: Path) -> list[str]:
    """Every HTML page a reader can reach (the theme's template fragments in _static are not pages)."""
    return sorted(
        str(path.relative_to(built_site)) for path in built_site.rglob("*.html") if path.parts[len(built_site.parts)] != "_static"
    )


def visit(browser, base: str, page_path: str) -> Visit:
    from axe_playwright_python.sync_playwright import Axe

    result = Visit(url=f"{base}/{page_path}")
    context = browser.new_context()
    page = context.new_page()

    def outside(url: str) -> bool:
        return not url.startswith((base, "data:", "blob:"))

    def refuse(request_route):
        result.outside_requests.append(request_route.request.url)
        request_route.abort()

    # Only requests leaving the site are intercepted (and refused); the site's own load untouched.
    page.route(outside, refuse)
    page.on("console", lambda message: message.type == "error" and result.console_errors.append(message.text))
    page.on("pageerror", lambda error: result.console_errors.append(f"uncaught: {error}"))
    page.on("response", lambda response: response.status >= 400 and result.failed_requests.append(response.url))
    page.goto(result.url, wait_until="load")
    page.wait_for_function(ALL_FIGURES_DRAWN, timeout=15_000)
    result.figures = page.evaluate("document.querySelectorAll('.plotly-graph-div').length")
    result.drawn = page.evaluate("document.querySelectorAll('.plotly-graph-div svg.main-svg').length")
    # No CSS preload: axe would re-fetch @import-ed stylesheets from a wrongly resolved URL (a false 404).
    axe = Axe().run(page, options={"preload": False, "resultTypes": ["violations"]})
    result.violations = [v for v in axe.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    context.close()
    return result


@pytest.fixture(scope="module")
def visits(browser, served_site, built_site) -> dict[str, Visit]:
    return {path: visit(browser, served_site, path) for path in site_pages(built_site)}


def test_every_page_was_opened(visits, built_site):
    assert len(visits) >= 15
    assert "chapters/survey.html" in visits and "search.html" in visits


def test_every_figure_is_drawn(visits):
    with_figures = {path: v for path, v in visits.items() if v.figures}
    assert len(with_figures) >= 3
    for path, v in with_figures.items():
        assert v.drawn >= v.figures, f"{path}: {v.figures} figure containers, {v.drawn} drawn SVGs"


def test_no_console_errors(visits):
    errors = {path: v.console_errors for path, v in visits.items() if v.console_errors}
    assert not errors


def test_nothing_is_requested_from_outside_the_site(visits):
    outside = {path: v.outside_requests for path, v in visits.items() if v.outside_requests}
    assert not outside


def test_no_broken_requests_inside_the_site(visits):
    broken = {path: v.failed_requests for path, v in visits.items() if v.failed_requests}
    assert not broken


def test_no_serious_or_critical_accessibility_violation(visits):
    found = {
        path: [(v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3]) for v in visit.violations]
        for path, visit in visits.items()
        if visit.violations
    }
    assert not found
