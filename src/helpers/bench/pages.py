"""What each page of the built site costs a reader: bytes, requests and time until its figures are drawn.

``measure_site(html_dir, runs=3)`` serves ``html_dir`` on 127.0.0.1 (a free port) with :mod:`helpers.server`,
answering like GitHub Pages does for caching (``Cache-Control: max-age=600``, ``ETag``,
``Last-Modified``, 304 on ``If-None-Match``/``If-Modified-Since``), opens every page in Debian's
chromium through Playwright and returns plain JSON-able dicts:

- per page: HTML bytes (raw, gzip), figures on the page, and two views, each with the requests the
  browser made over the network, the bytes of what they loaded (raw, and gzip: the sum of
  ``len(gzip.compress(body, 6))`` over the responses) and the time from navigation start until every
  ``.plotly-graph-div`` holds its drawn ``svg.main-svg`` (median, min, max over ``runs`` loads; on a
  page without figures, until its document is parsed):

  - ``cold``: a fresh browser context (empty cache) opening the page;
  - ``warm``: "a chapter page after the first": a fresh context opens the landing page (``index.html``,
    which redirects to the first chapter) and then this page; only the second navigation counts.

- site-wide: the distinct addresses of plotly.js that the pages reference (resolved against each
  page), and how often plotly.js was fetched over the network while one context visited every page.

How "transferred" is decided: Chrome DevTools Protocol ``Network.*`` events of the page (a CDP
session per page). A response counts when ``Network.responseReceived`` reports it neither
``fromDiskCache`` nor ``fromPrefetchCache`` nor ``fromServiceWorker`` and no
``Network.requestServedFromCache`` (memory cache) was reported for its request. A 304 (revalidated)
counts as a request with no body. Bytes are those of the served file (the server reads files from
``html_dir``), so raw and gzip sizes do not depend on what the server compresses.

Command line: ``python -m helpers bench --site _build/html [--pages-runs N] [--page P] [--json out.json]``.

``compare_plotly_bundles(html_dir, runs)`` measures the site's plotly.js (the partial bundle) side by side with the
full plotly.js the Python package ships, in one run, on plain static servers: ``python -m helpers bench --site
_build/html --plotly-bundles [--pages-runs N] [--json out.json]``.
"""

from __future__ import annotations

import functools
import gzip
import re
import shutil
import statistics
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from helpers.server import CACHE_MAX_AGE, serve

LANDING = "index.html"
PLOTLY_NAME = re.compile(r"plotly[^/]*\.js$")
# Records performance.now() (ms since navigation start) when the last figure was drawn, once the document
# is parsed (so no figure is still to come); null until then. Each figure's moment is taken when its
# drawn SVG appears (a MutationObserver), not when the check next runs: scripts that run later (the
# theme's deferred icon script) do not count against the figures. A page without figures records the
# moment its document was parsed.
DRAWN_PROBE = """(() => {
  window.__reportFiguresDrawnAt = null;
  const drawn = new Map();
  const mark = () => {
    document.querySelectorAll('.plotly-graph-div').forEach(d => {
      if (!drawn.has(d) && d.querySelector('svg.main-svg')) drawn.set(d, performance.now());
    });
    if (window.__reportFiguresDrawnAt !== null || document.readyState === 'loading') return;
    const divs = [...document.querySelectorAll('.plotly-graph-div')];
    if (divs.every(d => drawn.has(d))) {
      window.__reportFiguresDrawnAt = divs.length ? Math.max(...divs.map(d => drawn.get(d))) : performance.now();
    }
  };
  new MutationObserver(mark).observe(document, {childList: true, subtree: true});
  document.addEventListener('readystatechange', mark);
  window.addEventListener('load', mark);
})();"""
DRAWN_TIMEOUT_MS = 60_000
# Nothing may leave the site: every host but the loopback server fails to resolve. (Not Playwright's
# request routing: routing turns the browser's HTTP cache off, and the cache is what is measured.)
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


# --------------------------------------------------------------------------- the site on disk


def site_pages(html_dir: Path) -> list[str]:
    """Every HTML page a reader can reach (the theme's template fragments in _static are not pages)."""
    html_dir = Path(html_dir)
    return sorted(
        path.relative_to(html_dir).as_posix()
        for path in html_dir.rglob("*.html")
        if path.relative_to(html_dir).parts[0] != "_static"
    )


@functools.cache
def _file_sizes(path: Path) -> tuple[int, int]:
    body = path.read_bytes()
    return len(body), len(gzip.compress(body, 6))


def file_sizes(path: Path) -> tuple[int, int]:
    """(raw bytes, gzip level 6 bytes) of a file."""
    return _file_sizes(Path(path).resolve())


SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.IGNORECASE)


def plotly_references(html_dir: Path) -> dict[str, list[str]]:
    """Each distinct plotly.js address (site-relative, query dropped) -> the pages whose scripts load it."""
    html_dir = Path(html_dir)
    found: dict[str, list[str]] = {}
    for page in site_pages(html_dir):
        text = (html_dir / page).read_text(encoding="utf-8", errors="replace")
        for src in SCRIPT_SRC.findall(text):
            address = urlsplit(urljoin(f"http://site/{page}", src))
            if address.netloc != "site" and PLOTLY_NAME.search(address.path):
                found.setdefault(src, []).append(page)  # outside the site: kept as written
            elif PLOTLY_NAME.search(address.path):
                found.setdefault(address.path.lstrip("/"), []).append(page)
    return found


# --------------------------------------------------------------------------- the browser


def chromium_executable() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
    if not Path(browser).exists():
        raise FileNotFoundError("chromium not found; install Debian's chromium (apt-get install chromium)")
    return browser


class NetworkLog:
    """What the page fetched over the network, from CDP Network.* events (see the module docstring)."""

    def __init__(self, context, page):
        self.cdp = context.new_cdp_session(page)
        self.responses: dict[str, dict] = {}
        self.from_cache: set[str] = set()
        self.cdp.on("Network.responseReceived", self._response)
        self.requested: list[str] = []
        self.cdp.on("Network.requestWillBeSent", lambda e: self.requested.append(e["request"]["url"]))
        self.cdp.on("Network.requestServedFromCache", lambda e: self.from_cache.add(e["requestId"]))
        self.cdp.send("Network.enable")

    def _response(self, event):
        response = event["response"]
        self.responses[event["requestId"]] = {
            "url": response["url"],
            "status": response["status"],
            "cached": bool(
                response.get("fromDiskCache") or response.get("fromPrefetchCache") or response.get("fromServiceWorker")
            ),
        }

    def clear(self):
        self.responses.clear()
        self.from_cache.clear()
        self.requested.clear()

    def transferred(self) -> list[dict]:
        return [
            r
            for rid, r in self.responses.items()
            if not r["cached"] and rid not in self.from_cache and r["url"].startswith("http")
        ]


def _local_file(url: str, base: str, html_dir: Path) -> Path | None:
    if not url.startswith(base):
        return None
    path = unquote(urlsplit(url).path).lstrip("/")
    candidate = html_dir / path
    if candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate if candidate.is_file() else None


def _summarise(log: NetworkLog, base: str, html_dir: Path) -> dict:
    transferred = log.transferred()
    raw = gz = 0
    for response in transferred:
        local = _local_file(response["url"], base, html_dir)
        if local is not None and response["status"] == 200:
            size, size_gz = file_sizes(local)
            raw += size
            gz += size_gz
    return {
        "requests": len(transferred),
        "bytes": raw,
        "gzip_bytes": gz,
        "plotly_fetches": sum(1 for r in transferred if r["status"] == 200 and PLOTLY_NAME.search(urlsplit(r["url"]).path)),
        "not_modified": sum(1 for r in transferred if r["status"] == 304),
        "outside_site": sorted({u for u in log.requested if not u.startswith((base, "data:", "blob:"))}),
    }


def _new_page(browser, base: str):
    context = browser.new_context()
    context.add_init_script(DRAWN_PROBE)
    page = context.new_page()
    return context, page, NetworkLog(context, page)


def _open(page, url: str) -> float:
    """Navigate and wait until every figure is drawn; seconds from navigation start."""
    page.goto(url, wait_until="load")
    page.wait_for_function("() => window.__reportFiguresDrawnAt !== null", timeout=DRAWN_TIMEOUT_MS)
    return page.evaluate("window.__reportFiguresDrawnAt") / 1000


REFRESH = re.compile(r'<meta\s+http-equiv="refresh"\s+content="\d+;\s*url=([^"]+)"', re.IGNORECASE)


def _open_landing(page, base: str, html_dir: Path) -> None:
    """Open ``index.html`` and, where it redirects (Jupyter Book's root page does), wait for where it leads."""
    redirect = REFRESH.search((html_dir / LANDING).read_text(encoding="utf-8", errors="replace"))
    if not redirect:
        _open(page, f"{base}/{LANDING}")
        return
    page.goto(f"{base}/{LANDING}", wait_until="commit")
    page.wait_for_url(urljoin(f"{base}/{LANDING}", redirect.group(1)), wait_until="load", timeout=DRAWN_TIMEOUT_MS)
    page.wait_for_function("() => window.__reportFiguresDrawnAt !== null", timeout=DRAWN_TIMEOUT_MS)


def _spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _view(loads: list[tuple[float, dict]]) -> dict:
    """Bytes and requests of the median-time load (they do not vary between loads), times over all loads."""
    times = [t for t, _ in loads]
    median_load = sorted(loads, key=lambda item: item[0])[len(loads) // 2][1]
    return {
        **median_load,
        "figures_drawn_s": _spread(times),
        "bytes_stable": len({(s["bytes"], s["requests"]) for _, s in loads}) == 1,
    }


def measure_page(browser, base: str, html_dir: Path, page_path: str, runs: int) -> dict:
    cold, warm = [], []
    for _ in range(runs):
        context, page, log = _new_page(browser, base)
        seconds = _open(page, f"{base}/{page_path}")
        cold.append((seconds, _summarise(log, base, html_dir)))
        context.close()
        context, page, log = _new_page(browser, base)
        _open_landing(page, base, html_dir)
        log.clear()
        seconds = _open(page, f"{base}/{page_path}")
        warm.append((seconds, _summarise(log, base, html_dir)))
        context.close()
    raw, gz = file_sizes(html_dir / page_path)
    text = (html_dir / page_path).read_text(encoding="utf-8", errors="replace")
    return {
        "html_bytes": raw,
        "html_gzip_bytes": gz,
        "figures": text.count('class="plotly-graph-div"'),
        "cold": _view(cold),
        "warm": _view(warm),
    }


def visit_all(browser, base: str, html_dir: Path, pages: list[str]) -> dict:
    """One reader's visit of every page in one context: how often plotly.js crossed the network."""
    context, page, log = _new_page(browser, base)
    fetches = 0
    for path in [LANDING, *pages]:
        log.clear()
        if path == LANDING:
            _open_landing(page, base, html_dir)
        else:
            _open(page, f"{base}/{path}")
        fetches += _summarise(log, base, html_dir)["plotly_fetches"]
    context.close()
    return {"pages_visited": len(pages) + 1, "plotly_fetches": fetches}


@contextmanager
def _chromium(browser_type):
    """A function that launches chromium: the given Playwright's, or one of a Playwright started here."""
    if browser_type is not None:
        yield browser_type.launch
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright.chromium.launch


def measure_site(html_dir: Path, runs: int = 3, pages: list[str] | None = None, browser_type=None) -> dict:
    """Per-page and site-wide costs to a reader of the built site in ``html_dir`` (see the module docstring).

    ``browser_type``: a Playwright ``BrowserType`` to launch chromium with (for a caller that already
    runs Playwright, such as the tests' session browser: ``browser.browser_type``); by default this
    function starts Playwright itself.
    """
    html_dir = Path(html_dir).resolve()
    if not (html_dir / LANDING).is_file():
        raise FileNotFoundError(f"{html_dir} holds no {LANDING}; build the book first (python -m helpers build)")
    chosen = pages or site_pages(html_dir)
    references = plotly_references(html_dir)
    results: dict = {"html_dir": str(html_dir), "runs": runs, "cache_max_age_s": CACHE_MAX_AGE, "pages": {}}
    with serve(html_dir, caching=True) as base, _chromium(browser_type) as launch:
        browser = launch(executable_path=chromium_executable(), args=BROWSER_ARGS)
        try:
            for path in chosen:
                results["pages"][path] = measure_page(browser, base, html_dir, path, runs)
            visit = visit_all(browser, base, html_dir, chosen)
        finally:
            browser.close()
    results["site"] = {
        "plotly_urls": sorted(references),
        "plotly_url_count": len(references),
        "plotly_local": all(url.startswith("_static/") for url in references),
        "pages_with_plotly": sorted({p for pages_ in references.values() for p in pages_}),
        **visit,
    }
    return results


# --------------------------------------------------------------------------- the command line


def _kb(n: int) -> str:
    return f"{n / 1024:.1f}"


def text_table(results: dict) -> str:
    lines = [
        f"{'page':<45} {'HTML KB':>8} {'gz':>6} {'fig':>3} | {'cold req':>8} {'KB gz':>7} {'drawn s':>7}"
        f" | {'warm req':>8} {'KB gz':>7} {'drawn s':>7}",
    ]
    for path, r in results["pages"].items():
        cold, warm = r["cold"], r["warm"]
        lines.append(
            f"{path:<45} {_kb(r['html_bytes']):>8} {_kb(r['html_gzip_bytes']):>6} {r['figures']:>3} | "
            f"{cold['requests']:>8} {_kb(cold['gzip_bytes']):>7} {cold['figures_drawn_s']['median']:>7.2f} | "
            f"{warm['requests']:>8} {_kb(warm['gzip_bytes']):>7} {warm['figures_drawn_s']['median']:>7.2f}"
        )
    site = results["site"]
    lines.append(
        f"plotly.js addresses: {site['plotly_url_count']} ({', '.join(site['plotly_urls'])}); "
        f"fetched {site['plotly_fetches']} time(s) over a visit of {site['pages_visited']} pages"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- partial vs full plotly.js

# Budgets of issue 19: plotly.js a reader downloads, and every figure drawn after navigation on a cold first visit.
PLOTLY_JS_BUDGET_BYTES = 1.5 * 1024 * 1024
FIGURES_DRAWN_BUDGET_S = 2.0


def _full_bundle_copy(html_dir: Path, target: Path, plotly_path: str) -> Path:
    """A copy of the built site whose plotly.js (same address) is the full bundle the Python plotly package ships."""
    from plotly.offline import get_plotlyjs

    shutil.copytree(html_dir, target)
    (target / plotly_path).write_bytes(get_plotlyjs().encode("utf-8"))
    return target


def _cold_load(browser, base: str, html_dir: Path, page_path: str) -> tuple[float, dict]:
    context, page, log = _new_page(browser, base)
    seconds = _open(page, f"{base}/{page_path}")
    summary = _summarise(log, base, html_dir)
    context.close()
    return seconds, summary


def compare_plotly_bundles(html_dir: Path, runs: int = 3, browser_type=None, scratch: Path | None = None) -> dict:
    """The site's plotly.js (the partial bundle) and the full plotly.js side by side, in one run.

    The full variant is a copy of the same site with the full bundle at the same address. Both are served by
    plain loopback static servers (no caching headers, no compression, :func:`helpers.server.serve`); each
    figure page is opened cold (a fresh browser context) ``runs`` times per variant, the two variants
    alternating. Per variant: plotly.js bytes (raw, gzip), and per figure page the bytes of its first visit
    (raw, gzip) and the time from navigation start until every figure is drawn (median, min, max).
    """
    import tempfile

    html_dir = Path(html_dir).resolve()
    references = plotly_references(html_dir)
    if len(references) != 1:
        raise ValueError(f"{html_dir}: expected one plotly.js address, found {sorted(references)}")
    ((plotly_path, pages),) = references.items()
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        sites = {"partial": html_dir, "full": _full_bundle_copy(html_dir, Path(tmp) / "full", plotly_path)}
        loads: dict[str, dict[str, list]] = {name: {page: [] for page in pages} for name in sites}
        with serve(sites["partial"]) as partial_base, serve(sites["full"]) as full_base, _chromium(browser_type) as launch:
            bases = {"partial": partial_base, "full": full_base}
            browser = launch(executable_path=chromium_executable(), args=BROWSER_ARGS)
            try:
                for _ in range(runs):
                    for page in pages:
                        for name in sites:
                            loads[name][page].append(_cold_load(browser, bases[name], sites[name], page))
            finally:
                browser.close()
        results: dict = {
            "runs": runs,
            "plotly_path": plotly_path,
            "budget_plotly_js_bytes": PLOTLY_JS_BUDGET_BYTES,
            "budget_figures_drawn_s": FIGURES_DRAWN_BUDGET_S,
        }
        for name, site in sites.items():
            size, size_gz = file_sizes(site / plotly_path)
            results[name] = {
                "plotly_js_bytes": size,
                "plotly_js_gzip_bytes": size_gz,
                "pages": {
                    page: {
                        "first_visit_bytes": sorted(found, key=lambda item: item[0])[len(found) // 2][1]["bytes"],
                        "first_visit_gzip_bytes": sorted(found, key=lambda item: item[0])[len(found) // 2][1]["gzip_bytes"],
                        "figures_drawn_s": _spread([seconds for seconds, _ in found]),
                    }
                    for page, found in loads[name].items()
                },
            }
    return results


def bundles_table(results: dict) -> str:
    """The comparison as text: one line per figure page and bundle."""
    lines = []
    for name in ("partial", "full"):
        r = results[name]
        lines.append(
            f"{name:<8} plotly.js {r['plotly_js_bytes'] / 1024 / 1024:.2f} MiB ({r['plotly_js_bytes']} bytes; "
            f"gzip {_kb(r['plotly_js_gzip_bytes'])} KB)"
        )
    lines.append(f"{'page':<32} {'bundle':<8} {'first visit KB':>14} {'(gzip)':>8} {'drawn s median (min-max)':>26}")
    for page in results["partial"]["pages"]:
        for name in ("partial", "full"):
            p = results[name]["pages"][page]
            t = p["figures_drawn_s"]
            lines.append(
                f"{page:<32} {name:<8} {_kb(p['first_visit_bytes']):>14} {_kb(p['first_visit_gzip_bytes']):>8} "
                f"{t['median']:>10.2f} ({t['min']:.2f}-{t['max']:.2f})"
            )
    return "\n".join(lines)
