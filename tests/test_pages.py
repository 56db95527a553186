"""What a page costs a reader (issue 7): cheap invariants of the built site, the findable table, and the
synthetic evidence bases the scaling benchmark builds. Timing budgets live in the benchmark, not here."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import REPO, serve_directory
from helpers import server
from helpers.bench import pages as bench_pages
from helpers.bench import synthetic
from helpers.sphinxext.assets import FINDABLE_JS, FINDABLE_JS_SOURCE, PLOTLY_STATIC_NAME
from helpers.views import tables

# The largest page of the real book is the evidence base, about 200 KB of HTML (its figures' data and the
# table of sources). The ceiling leaves room to double it; a page that grows past it is carrying something
# it should not (per-cell text in a figure, a table that repeats itself). At 100x sources the budget
# is 1.5 MB, which the benchmark checks on a synthetic copy.
PAGE_CEILING_BYTES = 400_000
WARM_PAGE_BUDGET_GZIP = 150 * 1024


def test_plotly_js_is_one_local_address_loaded_only_by_pages_with_figures(built_site):
    references = bench_pages.plotly_references(built_site)
    assert list(references) == [f"_static/{PLOTLY_STATIC_NAME}"]
    assert (built_site / "_static" / PLOTLY_STATIC_NAME).is_file()
    with_figures = {
        page for page in bench_pages.site_pages(built_site) if 'class="plotly-graph-div"' in (built_site / page).read_text()
    }
    assert len(with_figures) >= 3
    assert set(references[f"_static/{PLOTLY_STATIC_NAME}"]) == with_figures


def test_every_page_is_under_the_size_ceiling(built_site):
    sizes = {page: (built_site / page).stat().st_size for page in bench_pages.site_pages(built_site)}
    assert len(sizes) >= 15
    assert max(sizes.values()) > 100_000  # the ceiling is checked against pages of real weight
    assert {page: size for page, size in sizes.items() if size >= PAGE_CEILING_BYTES} == {}


def test_the_table_script_is_served_once_and_only_where_a_table_needs_it(built_site):
    assert (built_site / "_static" / FINDABLE_JS).read_bytes() == FINDABLE_JS_SOURCE.read_bytes()
    users = {page for page in bench_pages.site_pages(built_site) if FINDABLE_JS in (built_site / page).read_text()}
    assert users == {"chapters/evidence-base.html"}
    assert not any("dt_bundle.js" in (built_site / page).read_text() for page in bench_pages.site_pages(built_site))


def test_a_chapter_after_the_first_stays_within_its_budget_and_plotly_crosses_the_network_once(browser, built_site):
    """Byte budgets, measured the way the benchmark measures them (one load each: bytes do not vary)."""
    pages = ["chapters/evidence-base.html", "chapters/survey.html", "chapters/methods.html"]
    # Its own chromium (no request routing, which would turn the cache off), from the session's Playwright.
    results = bench_pages.measure_site(built_site, runs=1, pages=pages, browser_type=browser.browser_type)
    for page in pages:
        cold, warm = results["pages"][page]["cold"], results["pages"][page]["warm"]
        assert warm["gzip_bytes"] <= WARM_PAGE_BUDGET_GZIP, (page, warm)
        assert 0 < warm["gzip_bytes"] < cold["gzip_bytes"], (page, cold, warm)
        assert warm["plotly_fetches"] == 0 and not warm["outside_site"], (page, warm)
    assert results["pages"]["chapters/survey.html"]["cold"]["plotly_fetches"] == 1
    assert results["site"]["plotly_fetches"] == 1
    json.dumps(results)  # plain data the benchmark can write


def test_the_partial_and_the_full_plotly_bundle_are_measured_side_by_side(browser, built_site, tmp_path):
    """One cold load of each figure page per bundle (times are the benchmark's to judge, not this test's)."""
    from plotly.offline import get_plotlyjs

    results = bench_pages.compare_plotly_bundles(built_site, runs=1, browser_type=browser.browser_type, scratch=tmp_path)
    assert results["partial"]["plotly_js_bytes"] == (built_site / "_static" / PLOTLY_STATIC_NAME).stat().st_size
    assert results["full"]["plotly_js_bytes"] == len(get_plotlyjs().encode("utf-8"))
    figure_pages = {p for p in bench_pages.site_pages(built_site) if 'class="plotly-graph-div"' in (built_site / p).read_text()}
    assert set(results["partial"]["pages"]) == set(results["full"]["pages"]) == figure_pages
    for page in figure_pages:
        partial, full = results["partial"]["pages"][page], results["full"]["pages"][page]
        assert (
            full["first_visit_bytes"] - partial["first_visit_bytes"]
            == results["full"]["plotly_js_bytes"] - results["partial"]["plotly_js_bytes"]
        )
        assert partial["figures_drawn_s"]["median"] > 0
    assert "partial" in bench_pages.bundles_table(results)
    json.dumps(results)


def test_the_server_answers_like_github_pages(tmp_path):
    import urllib.error
    import urllib.request

    (tmp_path / "page.html").write_text("<p>hello</p>")
    with server.serve(tmp_path, caching=True) as base:
        with urllib.request.urlopen(f"{base}/page.html") as response:
            etag = response.headers["ETag"]
            assert response.headers["Cache-Control"] == f"max-age={server.CACHE_MAX_AGE}"
            assert etag and response.headers["Last-Modified"]
        request = urllib.request.Request(f"{base}/page.html", headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request)
        answer.value.close()
        assert answer.value.code == 304


# --------------------------------------------------------------------------- the findable table


def long_frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Source": [f'<a href="bibliography.html#cite-k{i}">Author {i}</a>' for i in range(rows)],
            "Year": [2000 + i % 20 for i in range(rows)],
            "Title": [f"Title {i}" if i != 7 else "</script><img src=x onerror=alert(1)> & more" for i in range(rows)],
            "Type": ["journal article" if i % 3 else "report" for i in range(rows)],
        }
    )


def test_a_long_table_travels_as_escaped_json_with_each_distinct_cell_once():
    rows = tables.FINDABLE_HTML_MAX_ROWS + 100
    markup = tables.findable_table(long_frame(rows), "Caption", "long", html_columns=("Source",), without_script="elsewhere")
    assert "<tbody></tbody>" in markup and 'data-rows="long-rows"' in markup
    island = re.search(r'<script type="application/json" id="long-rows">(.*?)</script>', markup, re.S).group(1)
    assert "<" not in island and ">" not in island  # nothing inside can end the script or open markup
    parsed = json.loads(island)
    assert len(parsed["rows"]) == rows and parsed["html"] == [True, False, False, False]
    assert parsed["strings"].count("journal article") == 1
    assert parsed["strings"][parsed["rows"][7][2]] == "</script><img src=x onerror=alert(1)> & more"
    assert "<noscript>" in markup and "elsewhere" in markup


def test_a_short_table_is_plain_html_that_reads_without_javascript():
    markup = tables.findable_table(long_frame(30), "Caption", "short", html_columns=("Source",))
    assert markup.count("<tr>") == 31 and "application/json" not in markup
    assert "&lt;/script&gt;&lt;img" in markup and "<img" not in markup


@pytest.mark.parametrize("rows", [40, tables.FINDABLE_HTML_MAX_ROWS + 100])
def test_the_table_searches_sorts_and_pages_in_the_browser(browser, tmp_path, rows):
    script = FINDABLE_JS_SOURCE.read_text(encoding="utf-8")
    markup = tables.findable_table(long_frame(rows), "Caption", "t", html_columns=("Source",), without_script="elsewhere")
    (tmp_path / "index.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title></head><body>{markup}'
        f"<script>{script}</script></body></html>",
        encoding="utf-8",
    )
    with serve_directory(tmp_path) as base:
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
        page.goto(f"{base}/index.html")
        status = page.locator("[role=status]")
        shown = rows if rows <= 100 else 25  # a short table shows every row, a long one pages of 25
        assert status.inner_text() == f"Rows 1 to {shown} of {rows}"
        assert page.locator("#t tbody tr").count() == shown
        page.fill("#t-search", "REPORT")
        page.wait_for_function("document.querySelector('[role=status]').textContent.includes('filtered')")
        assert status.inner_text().endswith(f"of {len(range(0, rows, 3))} (filtered from {rows})")
        page.fill("#t-search", "onerror")
        page.wait_for_function(f"document.querySelector('[role=status]').textContent.endsWith('of 1 (filtered from {rows})')")
        assert page.locator("#t tbody td:nth-child(3)").inner_text() == "</script><img src=x onerror=alert(1)> & more"
        assert page.locator("#t tbody img").count() == 0
        page.fill("#t-search", "")
        page.wait_for_function(f"document.querySelector('[role=status]').textContent === 'Rows 1 to {shown} of {rows}'")
        page.click("#t thead th:nth-child(2) button")
        page.click("#t thead th:nth-child(2) button")
        assert page.locator("#t thead th:nth-child(2)").get_attribute("aria-sort") == "descending"
        assert page.locator("#t tbody tr:first-child td:nth-child(2)").inner_text() == "2019"
        assert page.locator("#t tbody tr:first-child td:nth-child(1) a").get_attribute("href").startswith("bibliography.html#")
        page.select_option("#t-size", "25")
        page.click("text=Next page")
        assert status.inner_text() == f"Rows 26 to {min(rows, 50)} of {rows}"
        page.fill("#t-search", "2019 journal")  # every word must begin a word of the row
        expected = sum(1 for i in range(rows) if i % 20 == 19 and i % 3)
        page.wait_for_function(
            f"document.querySelector('[role=status]').textContent.endsWith('of {expected} (filtered from {rows})')"
        )
        page.fill("#t-search", '"Title 1"')  # a phrase: Title 1, 10-19, 100-..., not 21 or 31
        expected = sum(1 for i in range(rows) if str(i).startswith("1") and i != 7)
        page.wait_for_function(
            f"document.querySelector('[role=status]').textContent.endsWith('of {expected} (filtered from {rows})')"
        )
        page.close()
        assert errors == []


# --------------------------------------------------------------------------- synthetic evidence bases


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def sheet_rows(path: Path) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book["sources"].iter_rows(values_only=True))
    finally:
        book.close()


def test_a_tenfold_synthetic_copy_validates_and_marks_every_made_up_row(tmp_path):
    before = {name: _digest(REPO / name) for name in ("data", "bib")}
    copy = synthetic.make_scaled_copy(REPO, 10, tmp_path / "scaled")
    assert {name: _digest(REPO / name) for name in ("data", "bib")} == before  # the real data untouched
    values, real = sheet_rows(copy / "data" / "sources.xlsx"), sheet_rows(REPO / "data" / "sources.xlsx")
    header, rows = values[0], [dict(zip(values[0], r, strict=True)) for r in values[1:]]
    real_count = sum(1 for r in real[1:] if any(r))
    assert real_count > 0 and len(rows) == 10 * real_count
    made_up = [r for r in rows if str(r["source_id"]).startswith(synthetic.SYNTHETIC_ID_PREFIX)]
    assert len(made_up) == 9 * real_count and all(synthetic.is_synthetic(r) for r in made_up)
    assert not any(synthetic.is_synthetic(r) for r in rows if r not in made_up)
    assert len({r["document_type"] for r in made_up}) > 1 and len({r["year"] for r in made_up}) > 1
    bib_text = (copy / "bib" / "references.bib").read_text(encoding="utf-8")
    assert bib_text.count("@misc{synthetic") == len(made_up)
    assert bib_text.count("SYNTHETIC: generated by helpers.bench.synthetic") == len(made_up)
    assert header[0] == "source_id"
    # Validated as the build would be: from the copy's own folder, with no REPORT_ROOT to point it there.
    environment = {k: v for k, v in os.environ.items() if k != "REPORT_ROOT"}
    result = subprocess.run(
        [sys.executable, "-m", "helpers", "validate"], cwd=copy, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "Validation passed" in result.stdout
    with pytest.raises(ValueError, match="already holds synthetic sources"):
        synthetic.make_scaled_copy(copy, 2, tmp_path / "twice")
