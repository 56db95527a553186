"""`python -m helpers validate` passes on the shipped data and names file, row and column on broken copies."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from conftest import run_helpers
from helpers import data
from helpers.errors import DataError, Problem


def set_csv_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV by its spreadsheet row number (header = row 1)."""
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_xlsx_cell(path: Path, row: int, column: str, value) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["sources"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=row, column=header.index(column) + 1, value=value)
    book.save(path)


def test_shipped_data_validate(repo):
    result = run_helpers(repo, "validate")
    assert result.returncode == 0, result.stderr
    assert "Validation passed" in result.stdout


def _break(root: Path, case: str) -> str:
    """Break one thing in the copy at ``root``; return the exact location the message must name."""
    cmos, values = root / "data/cmos.csv", root / "data/reported_values.csv"
    sources, bibfile = root / "data/sources.xlsx", root / "bib/references.bib"
    if case == "duplicate CMO id":
        set_csv_cell(cmos, 3, "cmo_id", "CMO-2024-01")
        return "data/cmos.csv, row 3, column 'cmo_id': duplicate value 'CMO-2024-01' (also in row 2)"
    if case == "renamed required column":
        text = cmos.read_text(encoding="utf-8").replace(",statement,", ",statment,", 1)
        cmos.write_text(text, encoding="utf-8")
        return "data/cmos.csv, row 1, column 'statement': required column is missing"
    if case == "component not in statement":
        set_csv_cell(cmos, 4, "outcome", "an outcome the paper never wrote")
        return "data/cmos.csv, row 4, column 'outcome': 'an outcome the paper never wrote' is not a verbatim part"
    if case == "refines an unknown CMO":
        set_csv_cell(cmos, 30, "refines", "CMO-2025-I9")
        return "data/cmos.csv, row 30, column 'refines': CMO-2025-I9 is not a CMO in this table"
    if case == "value not a number":
        set_csv_cell(values, 5, "value", "seven")
        return "data/reported_values.csv, row 5, column 'value': must be a plain number"
    if case == "value disagrees with printed value":
        set_csv_cell(values, 2, "value", "792")
        return "data/reported_values.csv, row 2, column 'value'"
    if case == "year not a year":
        set_xlsx_cell(sources, 5, "year", "20x1")
        return "data/sources.xlsx, row 5, column 'year': must be a four-digit year"
    if case == "source cites unknown CMO":
        set_xlsx_cell(sources, 7, "cmo_ids", "CMO-2024-01; CMO-2024-23")
        return "data/sources.xlsx, row 7, column 'cmo_ids': CMO-2024-23 is not a CMO in data/cmos.csv"
    if case == "source key not in bibliography":
        set_xlsx_cell(sources, 9, "bibkey", "nobody2020nothing")
        return "data/sources.xlsx, row 9, column 'bibkey': BibTeX key 'nobody2020nothing' is not defined"
    if case == "xlsx that is not an xlsx":
        sources.write_text("source_id,bibkey\nSRC-001,x\n", encoding="utf-8")
        return "data/sources.xlsx: is not an .xlsx workbook"
    if case == "duplicate BibTeX key":
        text = bibfile.read_text(encoding="utf-8")
        bibfile.write_text(
            text + "\n@misc{ali2015online,\n  title = {Again},\n  url = {https://example.org}\n}\n", encoding="utf-8"
        )
        line = text.count("\n") + 2
        return f"bib/references.bib, row {line}, column 'key': duplicate BibTeX key 'ali2015online'"
    raise AssertionError(case)


CASES = [
    "duplicate CMO id",
    "renamed required column",
    "component not in statement",
    "refines an unknown CMO",
    "value not a number",
    "value disagrees with printed value",
    "year not a year",
    "source cites unknown CMO",
    "source key not in bibliography",
    "xlsx that is not an xlsx",
    "duplicate BibTeX key",
]


@pytest.mark.parametrize("case", CASES)
def test_broken_copy_fails_naming_file_row_and_column(repo_copy, case):
    expected = _break(repo_copy, case)
    result = run_helpers(repo_copy, "validate")
    assert result.returncode == 1
    assert expected in result.stderr, result.stderr


def test_build_refuses_invalid_data(repo_copy):
    _break(repo_copy, "duplicate CMO id")
    result = run_helpers(repo_copy, "build")
    assert result.returncode == 1
    assert "nothing was published" in result.stderr
    assert not (repo_copy / "_build").exists()


def test_problem_reads_file_row_column():
    assert str(Problem("data/x.csv", 4, "year", "bad")) == "data/x.csv, row 4, column 'year': bad"
    assert str(Problem("data/x.csv", None, None, "file is empty")) == "data/x.csv: file is empty"
    error = DataError([Problem("b", 2, "c", "m"), Problem("a", 1, None, "m"), Problem("a", 1, None, "m")])
    assert [p.file for p in error.problems] == ["a", "b"]


def test_appendix_through_column_map(tmp_path):
    """A spreadsheet with the appendix's own headers loads through a column map; missing traits are 'not reported'."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "sources"
    sheet.append(["Study ID", "Key", "Author(s)", "Year", "Title", "Journal", "Type", "Country"])
    sheet.append(
        [
            "SRC-A001",
            "ali2015online",
            "Ali K, Farrer L",
            "2015",
            "Online peer-to-peer support",
            "JMIR Ment Health",
            "journal article",
            "Australia",
        ]
    )
    path = tmp_path / "appendix.xlsx"
    book.save(path)
    mapping = {
        "Study ID": "source_id",
        "Key": "bibkey",
        "Author(s)": "authors",
        "Year": "year",
        "Title": "title",
        "Journal": "venue",
        "Type": "document_type",
        "Country": "country",
    }
    loaded = data.load_sources(path, column_map=mapping)
    row = loaded.iloc[0]
    assert (row["source_id"], row["year"], row["country"]) == ("SRC-A001", 2015, "Australia")
    assert row["platform"] == "not reported" and row["study_design"] == "not reported"
    assert row["cmo_ids"] == ""
