"""Searches since the synthesis: the declared search against the paper, the logs' schemas and cross-checks, the
include command, the flow of each update, and the page with the shipped (empty) logs and with a fixture log."""

from __future__ import annotations

import calendar
import csv
import datetime as _dt
import re
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import copy_repo, run_helpers
from helpers import cli
from helpers.data import bib, errors, search
from helpers.data import loaders as data
from helpers.data import places as book_places
from helpers.data.validate import collect_problems
from helpers.search.flow import flows
from search_fixtures import CANDIDATES, FIRST, LOG, RUN_ROWS, RUNS, SECOND, STRATEGY, write_fixture_log

SHEET = "data/sources.xlsx"


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def fixture_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the report with the fixture's runs and screening log, as the working report of this process."""
    root = copy_repo(tmp_path / "report")
    write_fixture_log(root)
    monkeypatch.setenv("REPORT_ROOT", str(root))
    monkeypatch.chdir(root)
    _forget()
    yield root
    _forget()


def _forget() -> None:
    data.clear_cache()
    bib.clear_cache()
    search.clear_cache()
    book_places.clear_cache()


def _problems() -> list[str]:
    return [str(p) for p in collect_problems()]


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


# --------------------------------------------------------------------------- the declared search


def test_every_passage_of_the_declared_search_is_verbatim_in_the_paper(papers):
    strategy = search.load_strategy(Path(__file__).resolve().parents[1] / STRATEGY)
    paper = _normalised(papers[2024])
    assert strategy.derived_from
    for passage in strategy.derived_from:
        assert _normalised(passage.passage) in paper, passage.location


def test_the_window_starts_the_day_after_the_synthesis_searched_to(papers):
    """window_start is the day after the end of the month the paper's stated search window ends with."""
    strategy = search.load_strategy(Path(__file__).resolve().parents[1] / STRATEGY)
    stated = re.search(r"from ([A-Z][a-z]+) (\d{4}) to\s+([A-Z][a-z]+) (\d{4})", papers[2024])
    month, year = list(calendar.month_name).index(stated.group(3)), int(stated.group(4))
    end = _dt.date(year, month, calendar.monthrange(year, month)[1])
    assert strategy.window_start == end + _dt.timedelta(days=1)
    window = next(
        p.passage for p in strategy.derived_from if stated.group(0).split()[-1] in p.passage and "databases" in p.passage
    )
    assert _normalised(stated.group(0)) in _normalised(window)


def test_the_shipped_logs_are_empty_and_valid(repo):
    assert data.load_search_runs(repo / RUNS).empty
    assert data.load_screening(repo / LOG).empty
    strategy = search.load_strategy(repo / STRATEGY)
    assert strategy.last_search is None
    assert {s.name for s in strategy.sources} == {"openalex", "crossref", "europepmc"}
    assert "duplicate" in strategy.reasons


# --------------------------------------------------------------------------- schema and cross-checks


def test_the_fixture_log_validates(fixture_copy):
    assert _problems() == []


def _break_log(row: int, column: str, value: str):
    return lambda root: _set_cell(root / LOG, row, column, value)


def _break_runs(row: int, column: str, value: str):
    return lambda root: _set_cell(root / RUNS, row, column, value)


def _drop_line(path: Path, row: int) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[row - 1]
    path.write_text("".join(lines), encoding="utf-8")


def _replace(relative: str, old: str, new: str):
    def apply(root: Path) -> None:
        text = (root / relative).read_text(encoding="utf-8")
        assert old in text
        (root / relative).write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def _first_bib_doi(root: Path) -> str:
    return next(d for d in bib.load_bibliography(root / "bib/references.bib")["doi"] if d)


def _line(root: Path, relative: str, text: str) -> int:
    return next(n for n, line in enumerate((root / relative).read_text(encoding="utf-8").splitlines(), 1) if text in line)


# (name, break, file, row (or a function of the copy), column, fragment). Rows: the log's row 2 is C-0001
# (include), row 3 C-0002 (exclude), row 6 C-0005 (to screen); the runs' row 2 is the first run's OpenAlex row.
CROSS_CASES = [
    ("run id unknown", _break_log(3, "run_id", "S-2026-06-02"), LOG, 3, "run_id", "is not a run of data/search/runs.csv"),
    ("reason not declared", _break_log(3, "reason", "not-a-forun"), LOG, 3, "reason", "did you mean 'not-a-forum'?"),
    ("excluded without reason", _break_log(3, "reason", ""), LOG, 3, "reason", "an excluded record needs one of"),
    ("reason on a record to screen", _break_log(6, "reason", "duplicate"), LOG, 6, "reason", "only an excluded record"),
    ("screened without initials", _break_log(3, "screener", ""), LOG, 3, "screener", "says who made it and when"),
    ("initials not capitals", _break_log(3, "screener", "ab"), LOG, 3, "screener", "initials"),
    ("screened before the search", _break_log(3, "screened_on", "2026-05-01"), LOG, 3, "screened_on", "before the search"),
    ("screened in the future", _break_log(3, "screened_on", "2999-01-01"), LOG, 3, "screened_on", "in the future"),
    ("source id of no source", _break_log(2, "source_id", "SRC-N999"), LOG, 2, "source_id", "is not a source_id"),
    ("source id on an excluded record", _break_log(3, "source_id", "SRC-018"), LOG, 3, "source_id", "only an included record"),
    ("status misspelt", _break_log(3, "status", "excluded"), LOG, 3, "status", "screening statuses"),
    ("DOI not lower-case", _break_log(3, "doi", "10.5555/FORUM.2"), LOG, 3, "doi", "lower-case DOI"),
    ("url not a link", _break_log(3, "url", "javascript:alert(1)"), LOG, 3, "url", "is not a link the report publishes"),
    ("unknown source in found_in", _break_log(3, "found_in", "scopus"), LOG, 3, "found_in", "search sources"),
    ("found in a source the run did not search", lambda root: _drop_line(root / RUNS, 7), LOG, 8, "found_in", "was not searched"),
    ("e-mail in a title", _break_log(3, "title", "Write to jane.doe@example.org"), LOG, 3, "title", "holds an e-mail address"),
    ("records added disagree", _break_runs(2, "records_added", "4"), RUNS, 2, "records_added", "holds 3 record(s)"),
    ("count not a number", _break_runs(2, "duplicates_removed", "two"), RUNS, 2, "duplicates_removed", "whole number"),
    (
        "records identified not accounted for",
        _break_runs(2, "records_unusable", "0"),
        RUNS,
        2,
        "records_identified",
        "plus records_unusable (0)",
    ),
    ("run named for another day", _break_runs(2, "run_id", "S-2026-06-02"), RUNS, 2, "run_id", "names another day"),
    ("window before the declared start", _break_runs(2, "window_from", "2023-01-01"), RUNS, 2, "window_from", "window_start"),
    ("same run and source twice", _break_runs(3, "source", "openalex"), RUNS, 3, "run_id, source", "duplicate combination"),
    (
        "last search not the newest run",
        _replace(STRATEGY, "last_search: 2026-09-01", "last_search: 2026-06-01"),
        STRATEGY,
        lambda root: _line(root, STRATEGY, "last_search:"),
        None,
        "key 'last_search': 2026-06-01 must be 2026-09-01",
    ),
    (
        "source not searched by the strategy",
        _replace(STRATEGY, "  - name: crossref", "  - name: scopus"),
        STRATEGY,
        lambda root: _line(root, STRATEGY, "name: scopus"),
        None,
        "key 'sources.1.name': 'scopus' is not a source the search queries",
    ),
    (
        "unknown key in the strategy",
        _replace(STRATEGY, "window_start:", "window_begin:"),
        STRATEGY,
        lambda root: _line(root, STRATEGY, "window_begin:"),
        None,
        "key 'window_begin': is not a key this file has",
    ),
]


@pytest.mark.parametrize("case", CROSS_CASES, ids=[c[0] for c in CROSS_CASES])
def test_a_broken_search_file_is_named_by_file_row_and_column(case, fixture_copy):
    _name, breaks, file, row, column, fragment = case
    breaks(fixture_copy)
    row = row(fixture_copy) if callable(row) else row
    where = str(errors.Problem(file, row, column, "")).removesuffix(": ")
    found = _problems()
    assert any(p.startswith(where + ":") and fragment in p for p in found), f"expected '{where}: ...{fragment}' in {found}"


def test_a_doi_already_in_the_bibliography_is_refused_unless_excluded_as_duplicate(fixture_copy):
    doi = _first_bib_doi(fixture_copy)
    _set_cell(fixture_copy / LOG, 6, "doi", doi)
    assert any(p.startswith(f"{LOG}, row 6, column 'doi'") and "already in bib/references.bib" in p for p in _problems())
    for column, value in (("status", "exclude"), ("reason", "duplicate"), ("screener", "AB"), ("screened_on", "2026-09-02")):
        _set_cell(fixture_copy / LOG, 6, column, value)
    _forget()
    assert _problems() == []


def test_authors_and_titles_are_public_authorship_for_the_privacy_guard(fixture_copy):
    """A personal name next to a condition in a bibliographic record is authorship, not a forum user; the same
    sentence in a free-text column of another table is still refused."""
    sentence = "Sarah Jones on depression forums"
    _set_cell(fixture_copy / LOG, 3, "title", sentence)
    _set_cell(fixture_copy / LOG, 3, "authors", "Sarah Jones; depression study group")
    assert _problems() == []
    _set_cell(fixture_copy / "data/cmos.csv", 2, "split_note", sentence)
    _forget()
    assert any("data/cmos.csv, row 2, column 'split_note'" in p and "personal name" in p for p in _problems())


# --------------------------------------------------------------------------- include


def _sheet_rows(root: Path) -> list[dict]:
    book = openpyxl.load_workbook(root / SHEET)
    sheet = book["sources"]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, (c.value for c in row), strict=False)) for row in sheet.iter_rows(min_row=2) if row[0].value]


def test_include_makes_a_source_row_and_bibtex_entry_for_a_curator_to_complete(fixture_copy, capsys):
    before = _sheet_rows(fixture_copy)
    assert cli.main(["include", "C-0001"]) == 0
    out = capsys.readouterr().out
    after = _sheet_rows(fixture_copy)
    assert len(after) == len(before) + 1
    row, record = after[-1], next(c for c in CANDIDATES if c[0] == "C-0001")
    assert row["source_id"] == "SRC-N001" and row["title"] == record[4] and str(row["year"]) == record[6]
    assert row["provenance"] == f"added {_dt.date.today().isoformat()} by {record[10]} from {record[3]}"
    text = (fixture_copy / "bib/references.bib").read_text(encoding="utf-8")
    assert f"@article{{{row['bibkey']}," in text and f"doi = {{{record[3]}}}" in text and row["provenance"] in text
    with (fixture_copy / LOG).open(encoding="utf-8") as handle:
        log = {r["candidate_id"]: r for r in csv.DictReader(handle)}
    assert log["C-0001"]["source_id"] == "SRC-N001"
    # The workbook keeps its look: the new row is styled like the one above it.
    sheet = openpyxl.load_workbook(fixture_copy / SHEET)["sources"]
    last = sheet.max_row
    original = openpyxl.load_workbook(Path(__file__).resolve().parents[1] / SHEET)["sources"]
    assert all(c.style_id == a.style_id for c, a in zip(sheet[last], sheet[last - 1], strict=True))
    assert [c.style_id for c in sheet[1]] == [c.style_id for c in original[1]] and sheet.freeze_panes == original.freeze_panes

    # validate fails naming exactly the cells a curator must fill, which the command listed.
    _forget()
    found = collect_problems()
    assert found and {(p.file, p.row) for p in found} == {(SHEET, last)}
    cells = sorted(p.column for p in found)
    listed = out.split("before `python -m helpers validate` passes: ")[1].strip().rstrip(".").split(", ")
    assert cells == sorted(listed)
    assert {"study_design", "cmo_ids", "theory_areas"} <= set(cells)

    # A curator fills them: validation passes.
    _complete(fixture_copy, last, cells)
    _forget()
    assert _problems() == []
    entry = bib.load_bibliography().set_index("bibkey").loc[row["bibkey"]]
    assert entry["doi"] == record[3] and entry["provenance"] == row["provenance"]


def _complete(root: Path, row: int, cells: list[str]) -> None:
    cmo = data.load_cmos(root / "data/cmos.csv").query("study == 2024").iloc[0]
    values = {
        "document_type": "journal article",
        "quoted": "no",
        "cmo_ids": cmo["cmo_id"],
        "theory_areas": str(cmo["theory_area_number"]),
    }
    book = openpyxl.load_workbook(root / SHEET)
    sheet = book["sources"]
    header = [c.value for c in sheet[1]]
    for column in cells:
        sheet.cell(row=row, column=header.index(column) + 1).value = values.get(column, "not reported")
    book.save(root / SHEET)


def test_include_refuses_what_it_must_not_include(fixture_copy, capsys):
    assert cli.main(["include", "C-0002"]) == 1
    assert "is 'exclude'" in capsys.readouterr().err
    assert cli.main(["include", "C-0005"]) == 1
    assert "is 'to screen'" in capsys.readouterr().err
    assert cli.main(["include", "C-0099"]) == 1
    assert "has no record C-0099" in capsys.readouterr().err
    used = _sheet_rows(fixture_copy)[0]["source_id"]
    assert cli.main(["include", "C-0001", "--id", used]) == 1
    err = capsys.readouterr().err
    assert f"{used} is already a source" in err and "the next free id is SRC-N001" in err
    unchanged = (fixture_copy / SHEET).read_bytes(), (fixture_copy / "bib/references.bib").read_bytes()
    assert cli.main(["include", "C-0001", "--id", "SRC-N007"]) == 0
    _forget()
    assert cli.main(["include", "C-0001"]) == 1
    assert "already included, as SRC-N007" in capsys.readouterr().err
    assert unchanged != ((fixture_copy / SHEET).read_bytes(), (fixture_copy / "bib/references.bib").read_bytes())


# --------------------------------------------------------------------------- the flow of each update


def test_flow_numbers_come_from_the_runs_and_the_log(fixture_copy):
    computed = {f.run_id: f for f in flows(data.load_search_runs(), data.load_screening())}
    assert list(computed) == [SECOND, FIRST]  # newest first
    for run_id, flow in computed.items():
        runs = [r for r in RUN_ROWS if r[0] == run_id]
        records = [c for c in CANDIDATES if c[1] == run_id]
        assert flow.identified == {r[1]: r[5] for r in runs}
        assert flow.duplicates_removed == sum(r[6] for r in runs)
        assert flow.added == len(records) == sum(r[7] for r in runs)
        assert flow.unusable == sum(r[8] for r in runs)
        assert flow.screened == sum(c[8] != "to screen" for c in records)
        assert flow.included == sum(c[8] == "include" for c in records)
        assert flow.awaiting == sum(c[8] == "to screen" for c in records)
        reasons = [c[9] for c in records if c[8] == "exclude"]
        assert flow.excluded == {r: reasons.count(r) for r in set(reasons)}
    assert computed[FIRST].excluded and list(computed[FIRST].excluded.values()) == sorted(
        computed[FIRST].excluded.values(), reverse=True
    )


# --------------------------------------------------------------------------- the page


def _text(html: str) -> str:
    return _normalised(re.sub(r"<[^>]+>", " ", html))


def test_the_page_says_no_search_has_run_with_the_shipped_logs(built_site):
    page = (built_site / "chapters" / "searches.html").read_text(encoding="utf-8")
    text = _text(page)
    assert "No search has run yet." in text and "monthly" in text
    strategy = search.load_strategy(Path(__file__).resolve().parents[1] / STRATEGY)
    for source in strategy.sources:
        assert _normalised(source.query).replace('"', "&quot;") in page or _normalised(source.query) in text
    assert "No record is awaiting screening" in text
    evidence = _text((built_site / "chapters" / "evidence-base.html").read_text(encoding="utf-8"))
    assert "Sources added since the synthesis" in evidence and "None yet" in evidence


def test_the_page_the_evidence_base_and_the_changelog_show_a_fixture_log(fixture_copy):
    """One strict build of a copy with two searches, one record included and completed by a curator."""
    assert cli.main(["include", "C-0001"]) == 0
    row = openpyxl.load_workbook(fixture_copy / SHEET)["sources"].max_row
    _forget()
    _complete(fixture_copy, row, sorted(p.column for p in collect_problems()))
    _forget()
    assert _problems() == []
    result = run_helpers(fixture_copy, "build")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    site = fixture_copy / "_build" / "html" / "chapters"
    page = (site / "searches.html").read_text(encoding="utf-8")
    text = _text(page)
    computed = flows(data.load_search_runs(), data.load_screening())
    strategy = search.load_strategy()
    for flow in computed:
        found = re.search(rf"""<figure[^>]*id=["']update-{flow.searched_on}["'].*?</figure>""", page, re.S)
        assert found, flow.searched_on
        figure = _text(found.group(0))
        assert f"Records identified: {flow.identified_total}" in figure
        assert f"Records removed before screening: {flow.duplicates_removed + flow.unusable}" in figure
        assert f"Duplicates: {flow.duplicates_removed}" in figure and f"unsafe link): {flow.unusable}" in figure
        assert f"Records screened: {flow.screened}" in figure and f"Awaiting screening: {flow.awaiting}" in figure
        assert f"Records excluded: {flow.excluded_total}" in figure and f"New sources included: {flow.included}" in figure
        for code, count in flow.excluded.items():
            assert f"{_normalised(strategy.reasons[code])}: {count}" in figure
    waiting = [c for c in CANDIDATES if c[8] == "to screen"]
    assert all(c[4] in text for c in waiting)
    assert "No search has run yet" not in text
    # The included record links to its row on the evidence base, which says where it came from.
    assert "evidence-base.html#added-src-n001" in page
    evidence = (site / "evidence-base.html").read_text(encoding="utf-8")
    assert 'id="added-src-n001"' in evidence or "id='added-src-n001'" in evidence
    assert f"search of {FIRST.removeprefix('S-')}" in _text(evidence)
    # The changelog names the included record as evidence added.
    changelog = _text((site / "changelog.html").read_text(encoding="utf-8"))
    title = next(c[4] for c in CANDIDATES if c[0] == "C-0001")
    assert f"(found by the search of {FIRST.removeprefix('S-')}, record C-0001)" in changelog
    assert changelog.count(title) == 1, "the work is named once: its summary, then where it was found"
    (fixture_copy.parent / "site-path.txt").write_text(str(site.parent), encoding="utf-8")


def test_the_strategy_file_is_plain_yaml(repo):
    content = yaml.safe_load((repo / STRATEGY).read_text(encoding="utf-8"))
    assert set(content) <= set(search.KEYS)
