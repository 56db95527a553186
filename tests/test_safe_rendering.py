"""Text from data is shown as text, never run: markup and script payloads through every renderer.

One strict build of a copy whose data carry payloads in fields that pass validation (a source title and
venue, a CMO label, statement, theory area and notes, a printed value, a BibTeX title). Every page of
that build is opened in chromium: nothing may run (``window.__pwned`` stays undefined, no dialog), no
element the payloads describe may exist, every figure's hover labels are drawn and checked too, and the
payloads must be visible as text. Pages added later are covered automatically.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from conftest import copy_repo, run_helpers, serve_directory
from test_browser import site_pages

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = '"><svg onload=window.__pwned=1>'
LINK = '<a href="javascript:window.__pwned=1">click me</a>'
TEX = r"\(\href{javascript:window.__pwned=1}{tex}\)"
PAYLOADS = [SCRIPT, IMG, SVG, LINK, TEX]

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
    book = openpyxl.load_workbook(root / "data/sources.xlsx")
    sheet = book["sources"]
    header = [c.value for c in sheet[1]]
    for column, payload in (("title", SCRIPT), ("venue", SVG), ("label_note", f"{IMG} {LINK}")):
        cell = sheet.cell(row=4, column=header.index(column) + 1)
        cell.value = f"{cell.value} {payload}"
    book.save(root / "data/sources.xlsx")
    bib = root / "bib/references.bib"
    text = bib.read_text(encoding="utf-8")
    old = "  title = {Effectiveness, acceptability"
    assert old in text
    bib.write_text(text.replace(old, "  title = {<img src=x onerror=window.__pwned=1> Effectiveness, acceptability", 1))


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
            found[page_path] = {
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
