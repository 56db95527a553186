"""Every page of the built site in a real browser, light and dark, on a desktop (1280 px) and a phone (390 px):
figures drawn, no console errors, nothing fetched from outside the site, and no serious or critical accessibility
violation found by the current axe-core release (4.14.1, vendored in tests/vendor with its licence; WCAG 2.5.3
"label in name" included). Figures follow the colour mode, live when the reader switches it."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers.sphinxext import assets
from helpers.views.figures.theme import PAGE, TEXT_CONTRAST, contrast

# Every figure container holds plotly's drawn SVG (plotly.js replaced the empty div).
ALL_FIGURES_DRAWN = """() => [...document.querySelectorAll('.plotly-graph-div')]
    .every(div => div.querySelector('svg.main-svg'))"""
BLOCKING_IMPACTS = {"serious", "critical"}

# The axe-core release the tests run: vendored, not the older one inside axe-playwright-python (in which WCAG 2.5.3's
# rule is still experimental and skipped). Vendored rather than installed by .ci/run: the tests run offline, on a
# laptop as in CI, against exactly this file (README.md beside it says where it comes from).
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_JS = Path(__file__).resolve().parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    # No CSS preload: axe would re-fetch @import-ed stylesheets from a wrongly resolved URL (a false 404).
    "preload": False,
    # WCAG 2.5.3 (label in name), explicitly: the rule the theme's buttons failed.
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}
MODES = ("light", "dark")
WIDTHS = {"desktop": 1280, "phone": 390}
VARIANTS = [(mode, width) for mode in MODES for width in WIDTHS]


@dataclass
class Visit:
    url: str
    theme: str = ""
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


def new_page(browser, mode: str, width: int):
    """A fresh context in colour mode ``mode`` (the reader's system setting and the theme's stored choice)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
    context.add_init_script(f"localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}');")
    return context, context.new_page()


def run_axe(page) -> list[dict]:
    """Serious and critical violations axe-core (the vendored release) finds on the page as it is now."""
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    found = page.evaluate("options => axe.run(document, options).then(r => r.violations)", AXE_OPTIONS)
    return [v for v in found if v["impact"] in BLOCKING_IMPACTS]


def visit(browser, base: str, page_path: str, mode: str, width: int) -> Visit:
    result = Visit(url=f"{base}/{page_path}")
    context, page = new_page(browser, mode, width)

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
    result.theme = page.evaluate("document.documentElement.dataset.theme")
    result.figures = page.evaluate("document.querySelectorAll('.plotly-graph-div').length")
    result.drawn = page.evaluate("document.querySelectorAll('.plotly-graph-div svg.main-svg').length")
    result.violations = run_axe(page)
    context.close()
    return result


@pytest.fixture(scope="module")
def visits(browser, served_site, built_site) -> dict[tuple[str, str, int], Visit]:
    return {
        (path, mode, width): visit(browser, served_site, path, mode, width)
        for path in site_pages(built_site)
        for mode, width in ((m, WIDTHS[w]) for m, w in VARIANTS)
    }


def test_axe_is_the_vendored_current_release():
    source = AXE_JS.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256, f"{AXE_JS} is not the vendored axe-core {AXE_VERSION}"
    assert source.startswith(f"/*! axe v{AXE_VERSION}".encode())
    assert "Mozilla Public License" in (AXE_JS.parent / "LICENSE").read_text(encoding="utf-8")


def test_every_page_was_opened_in_every_mode_and_width(visits, built_site):
    pages = {path for path, _, _ in visits}
    assert len(pages) >= 15
    assert "chapters/survey.html" in pages and "search.html" in pages
    assert len(visits) == len(pages) * len(VARIANTS)
    wrong_mode = {key: v.theme for key, v in visits.items() if v.theme != key[1]}
    assert not wrong_mode, "pages not shown in the colour mode asked for"


def test_every_figure_is_drawn(visits):
    with_figures = {key: v for key, v in visits.items() if v.figures}
    assert len({path for path, _, _ in with_figures}) >= 3
    for key, v in with_figures.items():
        assert v.drawn >= v.figures, f"{key}: {v.figures} figure containers, {v.drawn} drawn SVGs"


def test_no_console_errors(visits):
    errors = {key: v.console_errors for key, v in visits.items() if v.console_errors}
    assert not errors


def test_nothing_is_requested_from_outside_the_site(visits):
    outside = {key: v.outside_requests for key, v in visits.items() if v.outside_requests}
    assert not outside


def test_no_broken_requests_inside_the_site(visits):
    broken = {key: v.failed_requests for key, v in visits.items() if v.failed_requests}
    assert not broken


def test_no_serious_or_critical_accessibility_violation(visits):
    found = {
        key: [(v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3]) for v in visit.violations]
        for key, visit in visits.items()
        if visit.violations
    }
    assert not found


def test_axe_finds_what_the_theme_buttons_did(browser, served_site):
    """The check can fail: the theme's own search button (name "Search", visible "Search Ctrl+K") is reported."""
    context, page = new_page(browser, "light", WIDTHS["desktop"])
    page.goto(f"{served_site}/search.html", wait_until="load")
    page.evaluate(
        """() => document.querySelectorAll('.search-button-field').forEach(b => b.setAttribute('aria-label', 'Search'))"""
    )
    found = {v["id"] for v in run_axe(page)}
    context.close()
    assert "label-content-name-mismatch" in found


# ---------------------------------------------------------------- figures in both colour modes

FIGURE_TEXT = """() => [...document.querySelectorAll('.plotly-graph-div svg text')]
    .filter(t => t.textContent.trim() && t.getBBox().width > 0)
    .map(t => getComputedStyle(t).fill)"""


def rgb_hex(css: str) -> str:
    r, g, b = (int(float(x)) for x in re.findall(r"[\d.]+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def figure_text_colours(page) -> set[str]:
    return {rgb_hex(fill) for fill in page.evaluate(FIGURE_TEXT)}


@pytest.mark.parametrize("mode", MODES)
def test_figure_text_is_readable_in_both_modes(browser, served_site, built_site, mode):
    """Every text of every figure (titles, ticks, legends, labels) keeps 4.5:1 against the page behind it."""
    pages = [p for p in site_pages(built_site) if 'class="plotly-graph-div"' in (built_site / p).read_text(encoding="utf-8")]
    poor = {}
    for path in pages:
        context, page = new_page(browser, mode, WIDTHS["desktop"])
        page.goto(f"{served_site}/{path}", wait_until="load")
        page.wait_for_function(ALL_FIGURES_DRAWN, timeout=15_000)
        for colour in figure_text_colours(page):
            if contrast(colour, PAGE[mode]) < TEXT_CONTRAST:
                poor.setdefault(path, []).append(colour)
        context.close()
    assert not poor, f"figure text below {TEXT_CONTRAST}:1 on the {mode} page"


def test_figures_follow_the_theme_switch_live(browser, served_site):
    """The reader presses the theme's colour-mode button: the drawn figures change to the dark colours, no reload."""
    context, page = new_page(browser, "light", WIDTHS["desktop"])
    page.goto(f"{served_site}/chapters/survey.html", wait_until="load")
    page.wait_for_function(ALL_FIGURES_DRAWN, timeout=15_000)
    before = figure_text_colours(page)
    # The button cycles through the theme's modes (auto, light, dark, in an order that depends on the system's).
    for _ in range(3):
        page.locator(".theme-switch-button:visible").first.click()
        if page.evaluate("document.documentElement.dataset.theme") == "dark":
            break
    page.wait_for_timeout(500)
    after = figure_text_colours(page)
    context.close()
    assert all(contrast(c, PAGE["light"]) >= TEXT_CONTRAST for c in before)
    assert after != before and all(contrast(c, PAGE["dark"]) >= TEXT_CONTRAST for c in after)


# ---------------------------------------------------------------- the plotly.js bundle draws every trace the report uses

NEW_PLOT = re.compile(r'Plotly\.newPlot\(\s*"[^"]+",\s*')


def trace_types(html: str) -> set[str]:
    """The trace types of every figure in a page's HTML (each ``Plotly.newPlot(id, data, ...)``'s data parsed)."""
    decoder = json.JSONDecoder()
    types = set()
    for call in NEW_PLOT.finditer(html):
        data, _ = decoder.raw_decode(html, call.end())
        types |= {trace.get("type", "scatter") for trace in data}
    return types


def test_trace_types_are_read_from_the_figures():
    page = 'Plotly.newPlot( "a", [{"type": "bar", "x": [1]}, {"x": [2]}], {"xaxis": {"type": "category"}}, {})'
    assert trace_types(page) == {"bar", "scatter"}


def test_every_trace_type_drawn_is_in_the_served_bundle(browser, served_site, built_site):
    drawn = set()
    for path in site_pages(built_site):
        drawn |= trace_types((built_site / path).read_text(encoding="utf-8"))
    assert drawn, "no figure found in the built site"
    context, page = new_page(browser, "light", WIDTHS["desktop"])
    page.goto(f"{served_site}/chapters/survey.html", wait_until="load")
    page.wait_for_function(ALL_FIGURES_DRAWN, timeout=15_000)
    registered = set(page.evaluate("Object.keys(Plotly.PlotSchema.get().traces)"))
    served = page.evaluate("[...document.scripts].map(s => s.src).filter(s => /plotly/.test(s))")
    context.close()
    assert any(assets.PLOTLY_STATIC_NAME in src for src in served)
    assert drawn <= registered, f"drawn but not in {assets.PLOTLY_STATIC_NAME}: {sorted(drawn - registered)}"
    assert registered == set(assets.PLOTLY_BUNDLE["traces"]), "PLOTLY_BUNDLE's list of traces is not the bundle's"


# ---------------------------------------------------------------- figures at every width: no text runs into another

TEXT_OVERLAPS = """() => {
  const boxes = [...document.querySelectorAll('.plotly-graph-div svg text')]
    .filter(t => t.textContent.trim() && !t.closest('.hoverlayer, .modebar') && getComputedStyle(t).opacity !== '0')
    .map(t => [t.textContent.trim(), t.getBoundingClientRect(), t.closest('.plotly-graph-div').getBoundingClientRect()])
    .filter(([, r]) => r.width > 0 && r.height > 0);
  const overlaps = boxes
    .filter(([, r, f]) => r.left < f.left - 1 || r.right > f.right + 1 || r.top < f.top - 1 || r.bottom > f.bottom + 1)
    .map(([a]) => [a, '(edge of the figure)']);
  for (let i = 0; i < boxes.length; i += 1) {
    for (let j = i + 1; j < boxes.length; j += 1) {
      const [a, r] = boxes[i], [b, s] = boxes[j];
      const x = Math.min(r.right, s.right) - Math.max(r.left, s.left);
      const y = Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top);
      if (x > 2 && y > 2) overlaps.push([a, b]);
    }
  }
  return overlaps;
}"""
FIGURE_WIDTHS = (390, 768, 1280)


@pytest.mark.parametrize("width", FIGURE_WIDTHS)
def test_figure_texts_do_not_overlap(browser, served_site, built_site, width):
    """Titles, subplot titles, tick labels, legends and node labels of every figure sit clear of each other and
    inside their figure (a figure wider than a phone scrolls in its own box, its drawing whole)."""
    pages = [p for p in site_pages(built_site) if 'class="plotly-graph-div"' in (built_site / p).read_text(encoding="utf-8")]
    found = {}
    for path in pages:
        context, page = new_page(browser, "light", width)
        page.goto(f"{served_site}/{path}", wait_until="load")
        page.wait_for_function(ALL_FIGURES_DRAWN, timeout=15_000)
        page.wait_for_timeout(300)
        if overlaps := page.evaluate(TEXT_OVERLAPS):
            found[path] = overlaps[:5]
        context.close()
    assert not found
