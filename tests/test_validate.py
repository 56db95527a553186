"""`python -m helpers validate` passes on the shipped data (broken copies: the corpus in test_bad_inputs.py)."""

from __future__ import annotations

import openpyxl

from conftest import run_helpers
from helpers.data import loaders as data
from helpers.data.errors import DataError, Problem


def test_shipped_data_validate(repo):
    result = run_helpers(repo, "validate")
    assert result.returncode == 0, result.stderr
    assert "Validation passed" in result.stdout


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
