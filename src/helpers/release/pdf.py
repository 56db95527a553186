"""The PDF of an edition: its built site printed as one document by the local chromium.

:func:`write_pdf` joins the main article of every page of the built site, in ``_toc.yml`` order (its parts as
sections), behind a title page (edition, release date or unreleased snapshot, data fingerprint, DOI, how to
cite), into one print document, serves the site with it on loopback (:mod:`helpers.server`), lets Debian's
chromium (through Playwright; nothing fetched from outside the site) draw every figure, and prints it once:
page numbers in the footer, a PDF outline from the headings (parts, then pages, then their sections), links
between pages turned into links inside the document, ``<details>`` opened (a citable record shows the source
passages each finding rests on, and the audit's rows, without a click). The PDF is then given its metadata
(title, author, fixed dates from the edition's release date, or ``SOURCE_DATE_EPOCH`` for a snapshot) with
pypdf, and written atomically: on any failure nothing is left at ``out``.

Only the article of each page is printed: sidebars, navigation, search, the edition switcher, filter forms and
copy buttons are not part of it (or are removed), and no theme script runs; plotly.js and the report's figure
script are the only scripts loaded, so figures are drawn as vector SVG in the light colour mode.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import hashlib
import html
import io
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

from helpers.data.citation import Edition, load_edition
from helpers.data.errors import DataError, Problem
from helpers.data.releases import edition_state, snapshot_date

CHROMIUM = "/usr/bin/chromium"
PRINT_PAGE = "__report-print__.html"  # the joined document, served beside the site's own pages (never written into it)
TITLE_ANCHOR = "report-print-title"
PAGE_FORMAT = "A4"
MARGIN = {"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}
# The width the figures are drawn at: A4's 210 mm less the side margins, in CSS pixels (96 per inch).
CONTENT_PX = round((210 - 32) / 25.4 * 96)
TIMEOUT_MS = 120_000
# The only scripts of a page the print keeps (from ``_static``): plotly.js and the report's figure script.
KEPT_SCRIPTS = re.compile(r"^_static/(plotly[^/]*|report-figures[^/]*)\.js$")
# Inside an article: what a reader clicks on screen and what has no meaning on paper.
REMOVED = ", ".join(("a.headerlink", "form.report-filter", "button", ".d-print-none"))
ALL_FIGURES_DRAWN = """() => [...document.querySelectorAll('.plotly-graph-div')]
    .every(div => div.querySelector('svg.main-svg'))"""
# What would be cut at the page's right edge, or make chromium shrink every page to fit it: elements (not inside a
# figure's drawing, which scales to fit) reaching more than 4 px (about 1 mm) past the content width, the outermost
# of each, named by tag, class and the printed page they are on.
TOO_WIDE = """(width) => [...document.querySelectorAll('body *')]
    .filter(el => !el.closest('.plotly-graph-div, .visually-hidden, .sr-only, [hidden]'))
    .filter(el => { const box = el.getBoundingClientRect(); return box.width > 0 && box.right > width + 4; })
    .filter((el, _, all) => !all.includes(el.parentElement))  // the outermost of each: the table, not its cells
    .slice(0, 5)
    .map(el => {
        const page = el.closest('[data-report-doc]');
        return `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string'
            ? '.' + el.className.trim().split(/\\s+/).join('.') : ''} on ${page ? page.dataset.reportDoc : 'the title page'}`
            + ` (${Math.round(el.getBoundingClientRect().right)} px of ${width})`;
    })"""
ID_ATTRIBUTES = ("aria-describedby", "aria-labelledby", "aria-controls", "for", "data-for", "headers")

# The print styles: only for the joined document (never part of the site), so any edition's site can be printed.
PRINT_CSS = """
@page { size: A4; }
html, body { background: #fff !important; color: #111 !important; }
body { margin: 0; padding: 0; font-size: 10.5pt; line-height: 1.45; }
.report-print-title-page { break-after: page; padding-top: 30mm; }
.report-print-title-page h1 { font-size: 24pt; line-height: 1.2; margin: 0 0 8mm; border: 0; }
.report-print-title-page .report-print-edition { font-size: 14pt; margin: 0 0 4mm; }
.report-print-title-page dl { display: grid; grid-template-columns: max-content 1fr; gap: 1.5mm 5mm; margin: 8mm 0; }
.report-print-title-page dt { font-weight: 600; }
.report-print-title-page dd { margin: 0; }
.report-print-cite { border-left: 3px solid #0072B2; padding: 2mm 4mm; background: #f4f7fa; }
.report-print-contents ol { padding-left: 5mm; }
.report-print-contents li { margin: 0.5mm 0; }
.report-print-part-title { break-before: page; font-size: 22pt; margin: 40mm 0 0; border: 0; }
.report-print-page { break-before: page; }
.report-print-part + .report-print-page { break-before: avoid; }
.report-print-part { break-after: avoid; }
article.bd-article { padding: 0 !important; max-width: none !important; }
h1, h2, h3, h4, h5, h6 { break-after: avoid; break-inside: avoid; }
figure, .report-figure, img, tr, blockquote, .admonition { break-inside: avoid; }
.report-figure-plot, .plotly-graph-div { max-width: 100%; }
details > summary { list-style: none; font-weight: 600; break-after: avoid; }
.report-figure-cite, .report-cite-bibtex { break-inside: avoid; }
details > summary::-webkit-details-marker { display: none; }
pre, code, .highlight pre { white-space: pre-wrap !important; overflow-wrap: anywhere; word-break: break-word; }
pre { font-size: 8.5pt; }
code.literal, p code, li code, td code { white-space: normal !important; overflow-wrap: anywhere !important; }
.report-table-wrap, .table-wrapper, .pst-scrollable-table-container, .output {
  overflow: visible !important; max-height: none !important;
}
table { width: 100% !important; max-width: 100%; table-layout: auto; border-collapse: collapse; }
table, table th, table td, .report-table, .report-table th, .report-table td, .report-table caption {
  font-size: 7.5pt !important; line-height: 1.3;
}
/* break-word, not anywhere: a column is never narrower than its longest word (a year never breaks digit by digit) */
th, td, .report-table th, .report-table td {
  overflow-wrap: break-word !important; word-break: normal; hyphens: auto; padding: 0.8mm 1.2mm !important;
}
/* The site keeps wide tables legible on a screen with minimum widths and a sideways scroll; a page cannot scroll. */
table, th, td, .report-findable, .report-findable td, .report-table th, .report-table td, .report-glance td {
  min-width: 0 !important;
}
thead { display: table-header-group; }
a { color: #0b5394 !important; text-decoration: none; }
.visually-hidden, .sr-only { position: absolute !important; }
[hidden] { display: none !important; }
figcaption, figcaption *, .report-figure p, .report-figure details { color: #222 !important; }
"""
FOOTER = (
    '<div style="font-size:8px;width:100%;padding:0 16mm;color:#444;display:flex;justify-content:space-between;">'
    '<span>{label}</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
)


class PdfError(RuntimeError):
    """The PDF could not be made: a missing or incomplete site, a figure that did not draw, a browser failure."""


@dataclass(frozen=True)
class Part:
    caption: str | None  # None: the root page, before the first part
    docs: tuple[str, ...]  # 'chapters/methods', in order


def toc_parts(base: Path) -> list[Part]:
    """The pages of ``_toc.yml`` in order: its root first, then each part with its chapters (and their sections)."""
    path = base / "_toc.yml"
    try:
        toc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError([Problem("_toc.yml", None, None, f"cannot be read: {exc}")]) from None
    if not isinstance(toc, dict) or not isinstance(toc.get("root"), str):
        raise DataError([Problem("_toc.yml", None, "root", "is required: the first page of the book")])

    def name(entry: str) -> str:
        return entry.strip().removesuffix(".md").removesuffix(".ipynb").removesuffix(".rst")

    def files(entries) -> list[str]:
        found = []
        for entry in entries or []:
            if isinstance(entry, dict):
                if isinstance(entry.get("file"), str):
                    found.append(name(entry["file"]))
                found += files(entry.get("sections"))
        return found

    parts = [Part(None, (name(toc["root"]),))]
    for part in toc.get("parts") or []:
        parts.append(Part(str(part.get("caption") or ""), tuple(files(part.get("chapters")))))
    if toc.get("chapters"):
        parts.append(Part(None, tuple(files(toc["chapters"]))))
    return parts


def _slug(doc: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", doc.lower()).strip("-")


def _part_anchor(caption: str) -> str:
    return f"report-print-part-{_slug(caption)}"


def _page_anchor(doc: str) -> str:
    return f"report-print-page-{_slug(doc)}"


@dataclass
class _Page:
    doc: str
    title: str
    article: object  # a bs4 Tag
    sections: list[tuple[str, str]] = field(default_factory=list)  # (title, id) of its top-level sections


@dataclass(frozen=True)
class Bookmark:
    """One entry of the PDF's outline: a title and the id of the element it opens at, with its children."""

    title: str
    anchor: str
    children: tuple[Bookmark, ...] = ()


def _read_pages(site: Path, docs: list[str]) -> tuple[list[_Page], list[str], list[str]]:
    """Each page's article, title, and the stylesheets and kept scripts of all pages (site-absolute, in order)."""
    from bs4 import BeautifulSoup

    pages, styles, scripts = [], [], []
    for doc in docs:
        path = site / f"{doc}.html"
        if not path.is_file():
            raise PdfError(f"{path}: the built site has no page for {doc!r} (in _toc.yml); build the book first")
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article.bd-article")
        heading = article.find("h1") if article else None
        if article is None or heading is None:
            raise PdfError(f"{path}: no main article with a title (<article class='bd-article'> and <h1>) in this page")
        for link in soup.select("link[rel~=stylesheet][href]"):
            href = _site_path(doc, link["href"])
            if href and href not in styles:
                styles.append(href)
        for script in soup.select("script[src]"):
            src = _site_path(doc, script["src"])
            if src and KEPT_SCRIPTS.match(src.split("?")[0]) and src not in scripts:
                scripts.append(src)
        pages.append(_Page(doc, _text(heading), article))
    # plotly.js before the figure script that wraps it
    scripts.sort(key=lambda s: 0 if s.startswith("_static/plotly") else 1)
    return pages, styles, scripts


def _text(tag) -> str:
    """A heading's text on one line, without its "#" permalink."""
    for link in tag.select("a.headerlink"):
        link.extract()
    return re.sub(r"\s+", " ", tag.get_text(" ", strip=True)).strip()


def _site_path(doc: str, href: str) -> str | None:
    """A relative URL of page ``doc`` as a path from the site's root (with its query and fragment); None if absolute."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("#", "data:", "/")):
        return None
    resolved = urljoin(f"/{doc}.html", href)
    return resolved.lstrip("/")


def _join(site: Path, base: Path, edition: Edition, parts: list[Part]) -> tuple[str, list[Bookmark]]:
    """The print document: title page, then every page's article (ids made unique, links made internal)."""
    docs = [doc for part in parts for doc in part.docs]
    pages, styles, scripts = _read_pages(site, docs)
    by_doc = {page.doc: page for page in pages}
    ids = {page.doc: [tag["id"] for tag in page.article.select("[id]")] for page in pages}
    counts = Counter(i for found in ids.values() for i in set(found))
    renamed = {doc: {i: (f"{_slug(doc)}--{i}" if counts[i] > 1 else i) for i in found} for doc, found in ids.items()}
    published = f"{edition.url.rstrip('/')}/{edition.tag}/" if edition.url else None

    for page in pages:
        names = renamed[page.doc]
        article = page.article
        for tag in article.select(REMOVED):
            tag.decompose()
        for details in article.find_all("details"):
            details["open"] = ""
        for tag in article.select("[id]"):
            tag["id"] = names.get(tag["id"], tag["id"])
        for attribute in ID_ATTRIBUTES:
            for tag in article.select(f"[{attribute}]"):
                value = tag[attribute]
                words = value.split() if isinstance(value, str) else value
                tag[attribute] = " ".join(names.get(w, w) for w in words)
        for script in article.find_all("script", src=False):
            text = script.string or ""
            for old, new in names.items():
                if old != new and f'"{old}"' in text:
                    text = text.replace(f'"{old}"', f'"{new}"')
            if script.string is not None:
                script.string.replace_with(text)
        for tag in article.select("[src]"):
            path = _site_path(page.doc, tag["src"])
            if path:
                tag["src"] = "/" + path
        for link in article.select("a[href]"):
            href = link["href"]
            target = _internal_target(page.doc, href, by_doc, renamed)
            if target is not None:
                link["href"] = f"#{target}"
                continue
            if href.startswith("data:"):
                link.unwrap()  # a figure's data as a download: the published site and the data package hold it
                continue
            path = _site_path(page.doc, href)
            if path is None:
                continue  # an address outside the site: kept as it is
            if published:
                link["href"] = published + path
            else:
                link.unwrap()  # a page or file of the site that the PDF does not hold, and no address to point at

    for page in pages:
        headings = [
            (section, section.find(["h1", "h2", "h3", "h4", "h5", "h6"])) for section in page.article.select("section[id]")
        ]
        page.sections = [(_text(h), section["id"]) for section, h in headings if h is not None and h.name == "h2"]
    body = [_title_page(base, edition, parts, by_doc)]
    for part in parts:
        if part.caption:
            body.append(
                f'<section class="report-print-part" id="{_part_anchor(part.caption)}">'
                f'<h1 class="report-print-part-title">{html.escape(part.caption)}</h1></section>'
            )
        for doc in part.docs:
            article = by_doc[doc].article
            if part.caption:
                _demote(article)
            _breakable_cells(article)
            article.name = "div"
            body.append(
                f'<section class="report-print-page" id="{_page_anchor(doc)}" data-report-doc="{html.escape(doc)}">'
                f"{article.decode()}</section>"
            )
    head = "".join(f'<link rel="stylesheet" href="/{html.escape(s)}">' for s in styles)
    head += f"<style>{PRINT_CSS}</style>"
    head += "".join(f'<script src="/{html.escape(s)}"></script>' for s in scripts)
    title = html.escape(edition.title)
    document = (
        '<!DOCTYPE html><html lang="en" data-theme="light" data-mode="light"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>{head}</head>'
        f'<body class="report-print"><main class="bd-content"><div class="bd-article-container">'
        f'<article class="bd-article" role="main">{"".join(body)}</article></div></main></body></html>'
    )
    return document, _bookmarks(edition, parts, by_doc)


def _bookmarks(edition: Edition, parts: list[Part], by_doc: dict) -> list[Bookmark]:
    """The outline: the title page; the root page; each part with its pages, each page with its sections."""

    def page(doc: str) -> Bookmark:
        found = by_doc[doc]
        return Bookmark(found.title, _page_anchor(doc), tuple(Bookmark(t, i) for t, i in found.sections))

    marks = [Bookmark(f"{edition.title}: title page and how to cite", TITLE_ANCHOR)]
    for part in parts:
        if part.caption:
            marks.append(Bookmark(part.caption, _part_anchor(part.caption), tuple(page(d) for d in part.docs)))
        else:
            marks += [page(d) for d in part.docs]
    return marks


# A word in a table cell longer than this may break (an id, a file name, an address): a table's narrowest width is
# the sum of its columns' longest words, and a page cannot scroll sideways as the site's tables do.
LONGEST_UNBROKEN = 24
_LONG_WORD = re.compile(rf"\S{{{LONGEST_UNBROKEN + 1},}}")


def _breakable_cells(article) -> None:
    """Let the long words of table cells break: a ``<wbr>`` after each ``/ _ . - , ;`` in them, and after every
    LONGEST_UNBROKEN characters without one (no character is added to the text a reader copies)."""
    from bs4 import NavigableString

    document = article
    while document.parent is not None:
        document = document.parent
    for cell in article.select("td, th"):
        for string in list(cell.find_all(string=_LONG_WORD)):
            if string.find_parent(["script", "style"]) is not None:
                continue
            nodes, position = [], 0
            for match in _LONG_WORD.finditer(string):
                nodes.append(NavigableString(string[position : match.start()]))
                for index, piece in enumerate(_pieces(match.group(0))):
                    if index:
                        nodes.append(document.new_tag("wbr"))
                    nodes.append(NavigableString(piece))
                position = match.end()
            nodes.append(NavigableString(string[position:]))
            string.replace_with(*nodes)


def _pieces(word: str) -> list[str]:
    """``word`` cut after each ``/ _ . - , ;`` and into runs of at most LONGEST_UNBROKEN characters."""
    chunks = re.split(r"(?<=[/_.\-,;])", word)
    return [chunk[i : i + LONGEST_UNBROKEN] for chunk in chunks if chunk for i in range(0, len(chunk), LONGEST_UNBROKEN)]


def _demote(article) -> None:
    """A page inside a part: its headings one level down (the part is the h1), so the outline nests them."""
    for level in range(6, 0, -1):
        for heading in article.find_all(f"h{level}"):
            heading.name = f"h{min(level + 1, 6)}"


def _internal_target(doc: str, href: str, by_doc: dict, renamed: dict) -> str | None:
    """The id in the print document that ``href`` (on page ``doc``) points to, or None if it is not a printed page."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    path = urljoin(f"/{doc}.html", parts.path).lstrip("/") if parts.path else f"{doc}.html"
    target = path.removesuffix(".html")
    if target.endswith("/index") is False and path.endswith("/"):
        target = path + "index"
    if target not in by_doc:
        return None
    if parts.fragment and parts.fragment in renamed[target]:
        return renamed[target][parts.fragment]
    return _page_anchor(target)


def _released(edition: Edition, newest: dict) -> Edition:
    return replace(edition, version=newest["version"], date_released=newest["date"])


def _title_page(base: Path, edition: Edition, parts: list[Part], by_doc: dict) -> str:
    esc = html.escape
    state = edition_state(base, edition.fingerprint)
    rows = []
    if state.released:
        what = f"Edition {esc(edition.version)}, released {esc(edition.date_released)}"
        cite = f'<p class="report-print-cite">{esc(edition.reference())}</p>'
        doi = edition.doi
    else:
        since = f"Unreleased changes since {esc(state.since)}" if state.since else "Unreleased draft: no edition released yet"
        what = f"{since}, snapshot of {esc(snapshot_date())}"
        cite = "<p>These data are not those of any released edition. Cite this snapshot by its data fingerprint and date" + (
            f", or the released edition {esc(state.since)}:</p>" if state.since else ":</p>"
        )
        snapshot = f"{edition.title} ({since.lower()}; data fingerprint {edition.fingerprint}, snapshot of {snapshot_date()})."
        cite += f'<p class="report-print-cite">{esc(snapshot)}</p>'
        if state.newest:
            released = _released(edition, state.newest)
            cite += f'<p class="report-print-cite">{esc(released.reference(state.newest["data_fingerprint"]))}</p>'
        doi = edition.doi if state.newest else None
    rows.append(("Data fingerprint", f"<code>{esc(edition.fingerprint)}</code>"))
    if doi:
        rows.append(("DOI", f'<a href="https://doi.org/{esc(doi)}">https://doi.org/{esc(doi)}</a>'))
    if edition.url:
        rows.append(("Online", f'<a href="{esc(edition.url)}">{esc(edition.url)}</a>'))
    if edition.license:
        rows.append(("Licence", esc(edition.license)))
    rows.append(("Authors", esc(", ".join(edition.authors))))
    facts = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    contents = []
    for part in parts:
        items = "".join(f'<li><a href="#{_page_anchor(d)}">{esc(by_doc[d].title)}</a></li>' for d in part.docs)
        caption = f'<a href="#{_part_anchor(part.caption)}">{esc(part.caption)}</a>' if part.caption else ""
        contents.append(f"<li>{caption}<ol>{items}</ol></li>" if part.caption else items)
    return (
        f'<section class="report-print-title-page" id="{TITLE_ANCHOR}">'
        f"<h1>{esc(edition.title)}</h1>"
        f'<p class="report-print-edition"><strong>{what}</strong></p>'
        f"<dl>{facts}</dl><h2>How to cite</h2>{cite}"
        f'<nav class="report-print-contents" aria-label="Contents"><h2>Contents</h2><ol>{"".join(contents)}</ol></nav>'
        "</section>"
    )


def _fixed_date(edition: Edition, released: bool) -> datetime.datetime:
    """The PDF's creation date: ``SOURCE_DATE_EPOCH`` where set, else a release's date (noon UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    day = edition.date_released if released else snapshot_date()
    return datetime.datetime.fromisoformat(day).replace(hour=12, tzinfo=datetime.UTC)


def _pdf_date(moment: datetime.datetime) -> str:
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def _print(site: Path, document: str, label: str) -> bytes:
    """Print ``document`` (see :func:`_print_here`) in a thread of its own: Playwright's sync API refuses to start in a
    thread where an asyncio loop runs (a notebook's kernel, or another Playwright session such as a test's browser)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-print") as worker:
        return worker.submit(_print_here, site, document, label).result()


def _print_here(site: Path, document: str, label: str) -> bytes:
    """Serve the site with the print document beside it; chromium draws every figure and prints the document."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from helpers.server import serve

    if not Path(CHROMIUM).is_file():
        raise PdfError(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="report-print-") as folder:
        served = Path(folder)
        for entry in site.iterdir():
            (served / entry.name).symlink_to(entry.resolve(), target_is_directory=entry.is_dir())
        (served / PRINT_PAGE).write_text(document, encoding="utf-8")
        try:
            with serve(served) as url, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                try:
                    context = browser.new_context(
                        viewport={"width": CONTENT_PX, "height": 1100}, color_scheme="light", reduced_motion="reduce"
                    )
                    outside = []

                    def only_the_site(route):
                        if route.request.url.startswith(url + "/"):
                            return route.continue_()
                        outside.append(route.request.url)
                        return route.abort()

                    context.route("**/*", only_the_site)
                    page = context.new_page()
                    errors: list[str] = []
                    page.on("pageerror", lambda exc: errors.append(str(exc)))
                    page.emulate_media(media="print", color_scheme="light")
                    page.goto(f"{url}/{PRINT_PAGE}", wait_until="load", timeout=TIMEOUT_MS)
                    page.wait_for_function(ALL_FIGURES_DRAWN, timeout=TIMEOUT_MS)
                    page.evaluate("() => document.fonts.ready.then(() => true)")
                    if errors:
                        raise PdfError(f"a script of the print document failed: {errors[0]}")
                    too_wide = page.evaluate(TOO_WIDE, CONTENT_PX)
                    if too_wide:
                        raise PdfError(f"wider than the printed page, so it would be cut: {'; '.join(too_wide)}")
                    if outside:
                        raise PdfError(f"the print document asked for a file outside the site: {outside[0]}")
                    return page.pdf(
                        format=PAGE_FORMAT,
                        margin=MARGIN,
                        print_background=True,
                        display_header_footer=True,
                        header_template="<span></span>",
                        footer_template=FOOTER.format(label=html.escape(label)),
                        outline=False,  # written from the table of contents in _finish
                        tagged=True,
                    )
                finally:
                    browser.close()
        except PlaywrightError as exc:
            raise PdfError(f"chromium could not print the book: {str(exc).splitlines()[0]}") from None


_NODE_ID = re.compile(rb"\(node(\d+)\)")


def _stable_ids(raw: bytes) -> bytes:
    """Chromium names the tagged PDF's structure elements after its DOM nodes (``(node00000715)``), whose numbers
    differ from run to run; renumber them in their order, keeping each one's length (so no offset moves)."""
    found = sorted({m.group(1) for m in _NODE_ID.finditer(raw)}, key=int)
    numbers = {old: str(index).zfill(len(old)).encode() for index, old in enumerate(found, start=1)}
    if any(len(new) != len(old) for old, new in numbers.items()):
        return raw  # more nodes than the width holds: leave them (never seen; the PDF stays valid)
    return _NODE_ID.sub(lambda m: b"(node" + numbers[m.group(1)] + b")", raw)


def _finish(
    raw: bytes, edition: Edition, subject: str, moment: datetime.datetime, marks: list[Bookmark]
) -> tuple[bytes, int, list[str]]:
    """The outline from the table of contents, metadata and fixed dates (pypdf); the page count and top-level titles."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError
    from pypdf.generic import Fit

    try:
        reader = PdfReader(io.BytesIO(_stable_ids(raw)))
        destinations = reader.named_destinations
    except PyPdfError as exc:
        raise PdfError(f"chromium's output is not a PDF pypdf can read: {exc}") from None
    writer = PdfWriter(clone_from=reader)

    def add(mark: Bookmark, parent=None) -> None:
        destination = destinations.get(f"/{mark.anchor}") or destinations.get(mark.anchor)
        if destination is None and mark.anchor == TITLE_ANCHOR:
            writer.add_outline_item(title=mark.title, page_number=0, parent=parent)
            return
        if destination is None:
            if parent is None or mark.children:
                raise PdfError(f"the printed document has no destination for {mark.title!r} (#{mark.anchor})")
            return  # a section nothing links to: its page's bookmark leads there
        number = reader.get_destination_page_number(destination)
        top = destination.get("/Top")
        fit = Fit.xyz(top=float(top)) if top is not None else Fit.fit()
        item = writer.add_outline_item(title=mark.title, page_number=number, parent=parent, fit=fit)
        for child in mark.children:
            add(child, item)

    for mark in marks:
        add(mark)
    writer.page_mode = "/UseOutlines"
    stamp = _pdf_date(moment)
    writer.metadata = {
        "/Title": edition.title,
        "/Author": ", ".join(edition.authors),
        "/Subject": subject,
        "/Keywords": ", ".join(edition.keywords),
        "/Creator": "python -m helpers pdf (chromium)",
        "/Producer": "chromium, pypdf",
        "/CreationDate": stamp,
        "/ModDate": stamp,
    }
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    return data, len(writer.pages), [mark.title for mark in marks]


def default_name(base: Path) -> str:
    """The file name of ``base``'s PDF: its version when the data are that release's, else "unreleased"."""
    from helpers.release.artifacts import pdf_name

    edition = load_edition(base)
    state = edition_state(base, edition.fingerprint)
    return pdf_name(edition.version if state.released else None)


def write_pdf(site: Path, out: Path, base: Path) -> dict:
    """Print the built site ``site`` of the edition whose sources are at ``base`` into ``out`` (atomically).

    Returns ``{"name", "bytes", "sha256", "pages", "outline"}`` (the outline's top-level titles). Raises
    :class:`PdfError` (or :class:`helpers.data.errors.DataError` for the edition's sources); ``out`` is then untouched.
    """
    site, out, base = Path(site), Path(out), Path(base)
    if not (site / "index.html").is_file():
        raise PdfError(f"{site}: no built site here (no index.html); build it first with `python -m helpers build`")
    edition = load_edition(base)
    state = edition_state(base, edition.fingerprint)
    parts = toc_parts(base)
    document, marks = _join(site, base, edition, parts)
    if state.released:
        label = f"{edition.title} · edition {edition.version}"
        subject = f"Edition {edition.version}, released {edition.date_released}; data fingerprint {edition.fingerprint}"
    else:
        since = f"unreleased changes since {state.since}" if state.since else "unreleased draft"
        label = f"{edition.title} · {since}"
        subject = f"{since[0].upper()}{since[1:]}, snapshot of {snapshot_date()}; data fingerprint {edition.fingerprint}"
    raw = _print(site, document, label)
    data, pages, outline = _finish(raw, edition, subject, _fixed_date(edition, state.released), marks)
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)  # a published file every reader may fetch (mkstemp makes it owner-only)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {"name": out.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "pages": pages, "outline": outline}
