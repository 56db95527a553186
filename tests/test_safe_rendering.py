"""Text from data is shown as text, never run: markup and script payloads through every renderer.

One strict build of a copy whose data carry payloads in fields that pass validation (a source title and
venue, a CMO label, statement, theory area and notes, a printed value, a BibTeX title and URL, spreadsheet
formulas in figure data). Every page of that build is opened in chromium: nothing may run
(``window.__pwned`` stays undefined, no dialog), no element the payloads describe may exist, every
figure's hover labels are drawn and checked too, and the payloads must be visible as text. Every link of
every page has an allowed scheme (the bibliography's included), and every "Download the data (CSV)" is
decoded: no cell can run as a formula, and numbers stay numbers. Pages added later are covered
automatically. Output encoding that validation normally keeps from ever seeing a payload (a
``javascript:`` URL in BibTeX, a formula cell) is also tested directly, below.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest

from conftest import copy_repo, run_helpers, serve_directory
from helpers.data import loaders as data
from helpers.views import html
from test_browser import site_pages

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = '"><svg onload=window.__pwned=1>'
LINK = '<a href="javascript:window.__pwned=1">click me</a>'
TEX = r"\(\href{javascript:window.__pwned=1}{tex}\)"
PAYLOADS = [SCRIPT, IMG, SVG, LINK, TEX]
# Spreadsheet formulas (OWASP CSV injection) that pass validation and reach figure data, so its downloads.
FORMULAS = ["-2+3+cmd|' /C calc'!A0", '+HYPERLINK("https://example.org/x","click")', "\uff0bcmd|' /C calc'!A0"]
BIB_URL = 'https://example.org/?q="><script>window.__pwned=1</script>'

# Elements or attributes that exist only if a payload became markup.
INJECTED = """() => document.querySelectorAll(
    'img[src="x"], [onerror], [onload], a[href^="javascript:" i], [*|href^="javascript:" i]').length"""
SVG_TEXT = "() => [...document.querySelectorAll('svg text')].map(t => t.textContent).join('\\n')"


def _set_csv(path: Path, key: str, column: str, change) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    row = next(r for r in rows if r[0] == key)
    row[rows[0].index(column)] = change(row[rows[0].index(column)])
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _inject(root: Path) -> None:
    cmos, values = root / "data/cmos.csv", root / "data/reported_values.csv"
    _set_csv(cmos, "CMO-2024-01", "theory_area", lambda v: f"{v} {IMG}")  # figure tick labels, hover, card heading
    _set_csv(cmos, "CMO-2024-02", "label", lambda v: f"{v} {SCRIPT}")  # card title, aria-label, CMO columns of tables
    _set_csv(cmos, "CMO-2024-03", "statement", lambda v: f"{v} {SVG}")  # verbatim statement (components stay parts of it)
    _set_csv(cmos, "CMO-2024-04", "split_note", lambda v: f"{LINK} {TEX}")
    _set_csv(cmos, "CMO-2025-SE1", "refines_basis", lambda v: f"{v} {SCRIPT}")
    _set_csv(values, "e25.sample.survey.wave1.n", "value_reported", lambda v: f"{v} {IMG}")  # figure bar text
    _set_csv(values, "e25.sample.survey.wave1.n", "note", lambda v: f"{LINK} {TEX}")
    _set_csv(cmos, "CMO-2024-06", "theory_area", lambda v: FORMULAS[2])  # the CMO figure's data
    book = openpyxl.load_workbook(root / "data/sources.xlsx")
    sheet = book["sources"]
    header = [c.value for c in sheet[1]]
    for column, payload in (("title", SCRIPT), ("venue", SVG), ("label_note", f"{IMG} {LINK}")):
        cell = sheet.cell(row=4, column=header.index(column) + 1)
        cell.value = f"{cell.value} {payload}"
    titled = {row[header.index("bibkey")].value: row[header.index("title")] for row in sheet.iter_rows(min_row=2)}
    # validate checks the sheet's titles against the BibTeX titles: each payload goes into both, as a contributor's would
    bib_title_payload = "<img src=x onerror=window.__pwned=1> "
    titled["abouseif2022effectiveness"].value = bib_title_payload + titled["abouseif2022effectiveness"].value
    for row, column, formula in ((5, "platform", FORMULAS[0]), (6, "study_design", FORMULAS[1])):
        sheet.cell(row=row, column=header.index(column) + 1).value = formula  # the characteristics figure's data
    book.save(root / "data/sources.xlsx")
    bib = root / "bib/references.bib"
    text = bib.read_text(encoding="utf-8")
    old = "  title = {Effectiveness, acceptability"
    assert old in text
    text = text.replace(old, "  title = {" + bib_title_payload + "Effectiveness, acceptability", 1)
    liu = "empowerment theory perspective},"
    assert text.count(liu) == 1
    text = text.replace(liu, f"empowerment theory perspective {SCRIPT}}},", 1)
    provenance = "added 2026-12-01 by A. Tester from a hostile-input test"
    entry = f"\n@misc{{payload2024link,\n  title = {{A page}},\n  url = {{{BIB_URL}}},\n  x-provenance = {{{provenance}}}\n}}\n"
    bib.write_text(text + entry, encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory, offline_build) -> Path:
    root = copy_repo(tmp_path_factory.mktemp("hostile") / "report")
    _inject(root)
    result = run_helpers(root, "build", offline=offline_build)
    assert result.returncode == 0, f"strict build of the payload copy failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return root / "_build" / "html"


def test_no_payload_reaches_the_html_unescaped(hostile_site):
    for path in hostile_site.rglob("*.html"):
        markup = path.read_text(encoding="utf-8")
        for payload in (SCRIPT, IMG, "<svg onload", LINK, "<img src=x onerror=window"):
            assert payload not in markup, (path.name, payload)


@pytest.fixture(scope="module")
def hostile_visits(hostile_site, browser) -> dict[str, dict]:
    found = {}
    with serve_directory(hostile_site) as base:
        for page_path in site_pages(hostile_site):
            context = browser.new_context()
            page = context.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()))
            page.route(lambda url, base=base: not url.startswith((base, "data:", "blob:")), lambda route: route.abort())
            page.goto(f"{base}/{page_path}", wait_until="load")
            page.wait_for_function("() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('svg'))")
            hover = []
            # The mouse over every bar of every figure, as a reader would: plotly draws the hover label.
            for bar in page.query_selector_all(".js-plotly-plot .point path"):
                bar.hover(force=True)
                page.wait_for_timeout(100)  # plotly draws hover labels on the next animation frame
                hover.append(
                    page.evaluate("() => [...document.querySelectorAll('.hoverlayer')].map(h => h.textContent).join(' ')")
                )
            links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
            downloads = page.evaluate(
                "() => [...document.querySelectorAll('a[download]')].map(a => [a.textContent, a.getAttribute('href')])"
            )
            found[page_path] = {
                "links": links,
                "downloads": downloads,
                "figures": page.evaluate("() => document.querySelectorAll('figure.report-figure').length"),
                "pwned": page.evaluate("() => typeof window.__pwned !== 'undefined'"),
                "dialogs": dialogs,
                "injected": page.evaluate(INJECTED),
                "text": page.evaluate("() => document.body ? document.body.innerText : ''") + "\n" + page.evaluate(SVG_TEXT),
                "hover": "\n".join(hover),
            }
            context.close()
    return found


def test_nothing_from_data_runs_in_the_browser(hostile_visits):
    assert len(hostile_visits) >= 15
    ran = {path: v for path, v in hostile_visits.items() if v["pwned"] or v["dialogs"] or v["injected"]}
    assert not ran, {path: (v["pwned"], v["dialogs"], v["injected"]) for path, v in ran.items()}


def test_every_payload_is_shown_as_text(hostile_visits):
    text = "\n".join(v["text"] for v in hostile_visits.values())
    for payload in PAYLOADS:
        assert payload in text, payload


def test_figure_labels_and_hover_text_show_payloads_as_text(hostile_visits):
    hover = "\n".join(v["hover"] for v in hostile_visits.values())
    assert IMG in hover  # theory area in the CMO figure's hover labels
    assert f"Mental health self-efficacy {IMG}" in hover
    svg_text = "\n".join(v["text"] for v in hostile_visits.values())
    assert f"791 {IMG}" in svg_text  # the survey figure's bar text (the printed value)


def test_every_link_on_every_page_has_an_allowed_scheme(hostile_visits):
    """http, https, or none (a page of the site, an anchor); data: only for the CSV downloads; nothing else."""
    shown = []
    for path, visit in hostile_visits.items():
        downloads = {href for _, href in visit["downloads"]}
        for href in visit["links"]:
            scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):", href)
            if scheme and href not in downloads:
                shown.append(href)
                assert scheme.group(1).lower() in ("http", "https", "mailto"), (path, href)
    assert any(href.startswith("https://example.org/?q=") for href in shown)  # the bibliography's payload URL
    bibliography = next(v for p, v in hostile_visits.items() if p.endswith("bibliography.html"))
    assert BIB_URL in bibliography["text"]


def _downloaded_cells(hostile_visits) -> list[str]:
    cells = []
    for path, visit in hostile_visits.items():
        assert len(visit["downloads"]) == visit["figures"], f"{path}: every figure offers its data"
        for text, href in visit["downloads"]:
            assert text == "Download the data (CSV)" and href.startswith("data:text/csv;charset=utf-8;base64,"), href[:60]
            content = base64.b64decode(href.split(",", 1)[1]).decode("utf-8")
            cells += [cell for row in csv.reader(io.StringIO(content, newline="")) for cell in row]
    return cells


def test_no_downloaded_cell_can_run_as_a_formula(hostile_visits):
    cells = _downloaded_cells(hostile_visits)
    assert cells
    for cell in cells:
        if cell.startswith(html.FORMULA_STARTS):
            assert re.fullmatch(r"[+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?", cell), cell
    for formula in FORMULAS:
        assert "'" + formula in cells, formula


def test_negative_numbers_stay_numbers_in_downloads(hostile_visits):
    cells = _downloaded_cells(hostile_visits)
    assert not [cell for cell in cells if re.fullmatch(r"'[+-]?[0-9.]+", cell)]
    if (data.load_reported_values()["value"].dropna() < 0).any():
        assert any(re.fullmatch(r"-[0-9.]+", cell) for cell in cells)


# --------------------------------------------------------------------------- the encoders themselves


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
        ("http://example.org", "http://example.org"),
        ("doi:10.2196/79289", "https://doi.org/10.2196/79289"),
        ("javascript:alert(1)", None),
        (" JaVa\tScRiPt:alert(1)", None),
        ("\uff4aavascript:alert(1)", None),
        ("data:text/html,<script>x</script>", None),
        ("vbscript:x", None),
        ("file:///etc/passwd", None),
        ("//evil.example/", None),
        ("https:/no-host", None),
        ("doi:javascript:x", None),
    ],
)
def test_link_allows_only_http_https_and_doi(url, target):
    made = html.link(url, "text")
    if target is None:
        assert "<a" not in made and "href" not in made and "text" in made
    else:
        assert made.startswith(f'<a href="{html.esc(target)}"')


def test_csv_downloads_neutralise_formulas_but_keep_numbers():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "label": [
                "=1+1",
                "+cmd",
                "-x",
                "@SUM(A1)",
                "\tx",
                "\rx",
                "\uff1d1",
                "\uff0b1",
                "\uff0d1",
                "\uff20x",
                "-0.12",
                "ok",
                None,
            ],
            "value": [-1.5, 2, -3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        }
    )
    rows = list(csv.reader(io.StringIO(html.csv_text(frame), newline="")))
    labels, values = [r[0] for r in rows[1:]], [r[1] for r in rows[1:]]
    assert labels[:10] == ["'" + v for v in frame["label"][:10]]
    assert labels[10:] == ["-0.12", "ok", ""]
    assert values[0] == "-1.5" and values[2] == "-3.0"


def test_every_csv_download_is_made_by_the_one_function(repo):
    """No view writes CSV or a data: URL of its own: each goes through helpers.views.html.csv_download_href."""
    views = repo / "src" / "helpers" / "views"
    for path in views.rglob("*.py"):
        if path.name == "html.py":
            continue
        source = path.read_text(encoding="utf-8")
        assert ".to_csv(" not in source and "data:text/csv" not in source, path


def test_the_bibliography_style_shows_a_disallowed_url_as_text():
    """Should a javascript: URL get past validation, the bibliography shows it as text, not as a link."""
    from pybtex.database import Entry
    from pybtex.richtext import Text

    from helpers.sphinxext.bibliography import AuthorYearStyle

    style = AuthorYearStyle()
    for url, linked in (("javascript:alert(document.domain)", False), ("https://example.org/page", True)):
        entry = Entry("misc", fields={"title": "A page", "url": url, "year": "2024"})
        entry.key = f"k{int(linked)}"
        rendered = style.format_url(entry).format_data({"entry": entry}).render_as("html")
        assert ("href=" in rendered) is linked and url.split(":")[0] in rendered
        assert isinstance(style.format_url(entry).format_data({"entry": entry}), Text)


def test_links_with_other_schemes_become_text_on_every_page():
    from docutils import nodes
    from docutils.utils import new_document

    from helpers.sphinxext.bibliography import _unlink_disallowed_schemes

    document = new_document("page")
    paragraph = nodes.paragraph()
    for uri in ("javascript:alert(1)", "https://example.org/", "other.html#anchor", "DATA:text/html,x"):
        paragraph += nodes.reference("", uri, refuri=uri)
    document += paragraph
    _unlink_disallowed_schemes(None, document, "page")
    assert [r["refuri"] for r in document.findall(nodes.reference)] == ["https://example.org/", "other.html#anchor"]
    assert "javascript:alert(1)" in document.astext()
