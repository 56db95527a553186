"""The PDF of an edition (``python -m helpers pdf``, :mod:`helpers.release.pdf`), printed from the session's clean
build: every CMO statement and the cite block in its text, an outline that follows the table of contents, links
that stay inside the document, content notes kept, metadata and reproducible bytes, and a size within budget;
a missing site is a clear message, and a failed print leaves ``out`` untouched."""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import dataclasses
import io
import json
import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import chromium_path, run_helpers
from helpers.bench.report import PDF_BYTES
from helpers.data.citation import load_edition
from helpers.data.releases import edition_state
from helpers.release import pdf as printing


def normalised(text: str) -> str:
    """Text without whitespace, hyphens or soft hyphens (line breaks and hyphenation differ between HTML and PDF)."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text)


@pytest.fixture(scope="module")
def printed(built_site: Path, tmp_path_factory) -> dict:
    chromium_path()
    out = tmp_path_factory.mktemp("pdf") / "book.pdf"
    written = printing.write_pdf(built_site, out, built_site.parents[1])
    from pypdf import PdfReader

    reader = PdfReader(out)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return {"written": written, "out": out, "reader": reader, "text": normalised(text), "base": built_site.parents[1]}


def test_the_pdf_holds_every_cmo_statement(printed):
    with (printed["base"] / "data" / "cmos.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows, "data/cmos.csv has no rows"
    missing = [row["cmo_id"] for row in rows if normalised(row["statement"]) not in printed["text"]]
    assert not missing, f"CMO statements not found in the PDF's text: {', '.join(missing)}"


def test_the_title_page_tells_the_edition_and_how_to_cite_it(printed):
    base = printed["base"]
    edition = load_edition(base)
    state = edition_state(base, edition.fingerprint)
    first = normalised(printed["reader"].pages[0].extract_text())
    assert normalised(edition.fingerprint) in first
    if state.released:
        assert normalised(f"Edition {edition.version}, released {edition.date_released}") in first
        assert normalised(edition.reference()) in first
    else:
        assert normalised(f"Unreleased changes since {state.since}") in first
        if state.newest:
            released = dataclasses.replace(edition, version=state.newest["version"], date_released=state.newest["date"])
            assert normalised(released.reference(state.newest["data_fingerprint"])) in first
    if edition.doi:
        assert normalised(edition.doi) in first


def toc_titles(base: Path, site: Path) -> list[tuple[str | None, list[str]]]:
    """(part caption, page titles) in _toc.yml's order, titles read from each built page's <h1>."""
    toc = yaml.safe_load((base / "_toc.yml").read_text(encoding="utf-8"))

    def title(doc: str) -> str:
        soup = BeautifulSoup((site / f"{doc.removesuffix('.md')}.html").read_text(encoding="utf-8"), "html.parser")
        heading = soup.select_one("article.bd-article h1")
        for link in heading.select("a.headerlink"):
            link.extract()
        return " ".join(heading.get_text(" ", strip=True).split())

    parts = [(None, [title(toc["root"])])]
    for part in toc.get("parts", []):
        parts.append((part["caption"], [title(chapter["file"]) for chapter in part["chapters"]]))
    return parts


def test_the_outline_follows_the_table_of_contents(printed, built_site):
    reader = printed["reader"]
    entries: list[tuple[object, list]] = []  # top-level entries with their direct children
    for item in reader.outline:
        if isinstance(item, list):
            entries[-1][1].extend(child for child in item if not isinstance(child, list))
        else:
            entries.append((item, []))
    assert printed["written"]["outline"] == [item.title for item, _ in entries]
    expected = toc_titles(printed["base"], built_site)
    roots = [(None, [title]) for caption, titles in expected if caption is None for title in titles]
    expected = roots + [(caption, titles) for caption, titles in expected if caption]
    assert len(entries) == 1 + len(expected), [item.title for item, _ in entries]
    for (item, children), (caption, titles) in zip(entries[1:], expected, strict=True):
        if caption is None:
            assert item.title == titles[0]
        else:
            assert item.title == caption
            assert [child.title for child in children] == titles
    numbers = [reader.get_destination_page_number(item) for item, _ in entries]
    assert numbers == sorted(numbers), "outline entries out of page order"
    assert printed["written"]["pages"] == len(reader.pages)


def test_internal_links_lead_to_places_inside_the_pdf(printed):
    reader = printed["reader"]
    names = set(reader.named_destinations)
    internal, outside = 0, []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            if "/Dest" in annotation:
                destination = annotation["/Dest"]
                assert str(destination) in names, f"link to {destination}, which is no destination in the PDF"
                internal += 1
            else:
                uri = str(annotation.get("/A", {}).get("/URI", ""))
                if not uri.startswith(("https://", "http://", "mailto:")) or "127.0.0.1" in uri:
                    outside.append(uri[:80])
    assert internal > len(reader.pages), "expected the contents, cross-references and citations as internal links"
    assert not outside, f"links that lead nowhere outside the PDF: {outside[:5]}"
    bibliography = [name for name in names if name.startswith("/cite-") or "bibliography" in name]
    assert bibliography, "no citation leads into the bibliography"


def test_every_figure_is_printed_drawn(printed, built_site):
    """Each figure's title, drawn by plotly.js into its SVG (not in the page's HTML as text), is in the PDF's text."""
    titles = {}
    for part in printing.toc_parts(printed["base"]):
        for doc in part.docs:
            soup = BeautifulSoup((built_site / f"{doc}.html").read_text(encoding="utf-8"), "html.parser")
            for island in soup.select("script.report-figure-variants"):
                title = json.loads(island.string).get("wide", {}).get("layout", {}).get("title.text")
                if title:
                    titles[island["data-for"]] = re.sub(r"<[^>]+>", " ", title)
    assert titles, "no figure with a title in the built site"
    missing = [figure for figure, title in titles.items() if normalised(title) not in printed["text"]]
    assert not missing, f"figures not drawn in the PDF: {', '.join(missing)}"


def test_content_notes_are_kept(printed, built_site):
    base = printed["base"]
    docs = [doc for part in printing.toc_parts(base) for doc in part.docs]
    with_note = [doc for doc in docs if ">Content note<" in (built_site / f"{doc}.html").read_text(encoding="utf-8")]
    assert with_note, "no page of the site has a content note"
    text = "\n".join(page.extract_text() or "" for page in printed["reader"].pages)
    assert text.count("Content note") >= len(with_note)


def test_metadata_and_size(printed):
    edition = load_edition(printed["base"])
    metadata = printed["reader"].metadata
    assert metadata.title == edition.title
    assert metadata.author == ", ".join(edition.authors)
    assert metadata["/CreationDate"] == metadata["/ModDate"]
    written = printed["written"]
    assert written["bytes"] == printed["out"].stat().st_size
    assert written["bytes"] <= PDF_BYTES, f"the PDF is {written['bytes']} bytes, over its budget of {PDF_BYTES}"


def test_the_same_site_prints_the_same_bytes(printed, built_site, tmp_path):
    again = printing.write_pdf(built_site, tmp_path / "again.pdf", printed["base"])
    assert again["sha256"] == printed["written"]["sha256"]


def test_a_missing_site_is_a_clear_message(repo_copy, tmp_path):
    result = run_helpers(repo_copy, "pdf", "--site", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.pdf"))
    assert result.returncode == 1
    assert "no built site" in result.stderr and "python -m helpers build" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_a_failed_print_leaves_out_untouched(repo, tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "chapters").mkdir(parents=True)
    (site / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    out = tmp_path / "book.pdf"
    out.write_bytes(b"the previous PDF")
    with pytest.raises(printing.PdfError, match="no page for"):
        printing.write_pdf(site, out, repo)  # the site lacks the pages _toc.yml lists
    assert out.read_bytes() == b"the previous PDF"

    monkeypatch.setattr(printing, "_join", lambda *args: ("<html></html>", []))
    monkeypatch.setattr(printing, "_print", lambda *args: b"%PDF-1.4 not a real pdf")
    with pytest.raises(printing.PdfError, match="not a PDF"):
        printing.write_pdf(site, out, repo)  # the printed bytes are not a PDF: nothing written
    assert out.read_bytes() == b"the previous PDF"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".book.pdf")] == []


def test_links_to_other_pages_become_links_inside_the_document():
    by_doc = {"chapters/a": object(), "chapters/b": object()}
    renamed = {"chapters/a": {"x": "x"}, "chapters/b": {"intro": "chapters-b--intro"}}
    assert printing._internal_target("chapters/a", "b.html#intro", by_doc, renamed) == "chapters-b--intro"
    assert printing._internal_target("chapters/a", "#x", by_doc, renamed) == "x"
    assert printing._internal_target("chapters/a", "b.html", by_doc, renamed) == printing._page_anchor("chapters/b")
    assert printing._internal_target("chapters/a", "../genindex.html", by_doc, renamed) is None
    assert printing._internal_target("chapters/a", "https://example.org/b.html", by_doc, renamed) is None


def test_toc_parts_reads_the_order_and_rejects_a_toc_without_root(repo, tmp_path):
    parts = printing.toc_parts(repo)
    toc = yaml.safe_load((repo / "_toc.yml").read_text(encoding="utf-8"))
    assert parts[0].docs == (toc["root"],)
    assert [p.caption for p in parts[1:]] == [p["caption"] for p in toc["parts"]]
    (tmp_path / "_toc.yml").write_text("format: jb-book\nparts: []\n", encoding="utf-8")
    from helpers.data.errors import DataError

    with pytest.raises(DataError, match="root"):
        printing.toc_parts(tmp_path)


def test_stable_ids_renumber_structure_nodes_without_moving_offsets():
    raw = b"<< /ID (node00000719) >> << /ID (node00000722) >> [(node00000719)]"
    fixed = printing._stable_ids(raw)
    assert len(fixed) == len(raw)
    assert fixed == b"<< /ID (node00000001) >> << /ID (node00000002) >> [(node00000001)]"
    assert io.BytesIO(fixed).read() == fixed


def test_the_title_page_of_a_released_edition_names_it_and_its_doi(repo_copy):
    """Data that are the newest release's: "Edition X, released D", that edition's reference and its DOI."""
    from helpers.data.citation import clear_cache

    edition = load_edition(repo_copy)
    record_path = max((repo_copy / "releases").glob("v*.json"))
    record = json.loads(record_path.read_text(encoding="utf-8"))
    record.update(version=edition.version, tag=f"v{edition.version}", data_fingerprint=edition.fingerprint)
    record_path.unlink()
    (repo_copy / "releases" / f"v{edition.version}.json").write_text(json.dumps(record), encoding="utf-8")
    citation = repo_copy / "CITATION.cff"
    citation.write_text(citation.read_text(encoding="utf-8") + 'doi: "10.5281/zenodo.1234567"\n', encoding="utf-8")
    clear_cache()
    try:
        edition = load_edition(repo_copy)
        assert edition_state(repo_copy, edition.fingerprint).released
        parts = printing.toc_parts(repo_copy)
        pages = {doc: printing._Page(doc, f"Title of {doc}", None) for part in parts for doc in part.docs}
        page = BeautifulSoup(printing._title_page(repo_copy, edition, parts, pages), "html.parser").get_text(" ")
    finally:
        clear_cache()
    text = normalised(page)
    assert normalised(f"Edition {edition.version}, released {edition.date_released}") in text
    assert normalised(edition.reference()) in text and normalised("https://doi.org/10.5281/zenodo.1234567") in text
    assert "Unreleased" not in page


def test_what_would_be_cut_at_the_right_edge_is_refused_by_its_page(repo, tmp_path, monkeypatch):
    """A page cannot scroll sideways: something wider than it is named, and nothing is written (chromium would
    otherwise shrink every page of the book to fit it, or cut it)."""
    chromium_path()
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    wide = '<section data-report-doc="chapters/wide"><p>Fits.</p><div style="width: 1200px">Does not fit.</div></section>'
    document = f"<!DOCTYPE html><html><head><style>{printing.PRINT_CSS}</style></head><body>{wide}</body></html>"
    monkeypatch.setattr(printing, "_join", lambda *args: (document, []))
    out = tmp_path / "book.pdf"
    with pytest.raises(printing.PdfError, match=r"wider than the printed page.* on chapters/wide"):
        printing.write_pdf(site, out, repo)
    assert not out.exists()


def test_long_words_in_table_cells_may_break_and_keep_their_text():
    soup = BeautifulSoup(
        "<article><table><tr><td>see figuerasbates2020cognitive (10.2196/preprints.58891)</td><td>short</td></tr></table>"
        "<p>figuerasbates2020cognitive stays whole outside tables</p></article>",
        "html.parser",
    )
    printing._breakable_cells(soup.article)
    cell = soup.find("td")
    assert cell.find_all("wbr") and cell.get_text() == "see figuerasbates2020cognitive (10.2196/preprints.58891)"
    assert not soup.find("p").find_all("wbr")
    assert all(len(piece) <= printing.LONGEST_UNBROKEN for piece in printing._pieces("x" * 100))


def test_printing_works_inside_another_playwright_session(repo, tmp_path, monkeypatch):
    """A notebook's kernel, or a test's browser, runs an asyncio loop in the calling thread; printing must not mind."""
    chromium_path()
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    document = f"<!DOCTYPE html><html><head><style>{printing.PRINT_CSS}</style></head><body><p>Printed.</p></body></html>"

    def in_a_running_loop() -> bytes:  # a thread of its own, whatever this one runs (the suite's browser session)
        async def call() -> bytes:
            return printing._print(site, document, "a label")

        return asyncio.run(call())

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as thread:
        raw = thread.submit(in_a_running_loop).result()
    assert raw.startswith(b"%PDF-")
