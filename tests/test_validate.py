"""`python -m helpers validate` passes on the shipped data (broken copies: the corpus in test_bad_inputs.py)."""

from __future__ import annotations

import openpyxl
import pytest

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


# --------------------------------------------------------------------------- chapters/places.yml


def _edit_places(root, old: str, new: str) -> None:
    path = root / "chapters" / "places.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_page_named_in_the_places_file_but_missing_from_the_toc_fails_validation(repo_copy):
    _edit_places(repo_copy, "    3: synthesis-3-service-use", "    3: synthesis-3-services")
    result = run_helpers(repo_copy, "validate")
    assert result.returncode == 1
    assert "chapters/places.yml, row " in result.stderr
    assert "key 'theory_areas.2024.3': page 'synthesis-3-services' is not in _toc.yml" in result.stderr


def test_a_page_in_the_places_file_and_the_toc_but_without_a_file_fails_validation(repo_copy):
    toc = repo_copy / "_toc.yml"
    toc.write_text(toc.read_text(encoding="utf-8") + "      - file: chapters/extra\n", encoding="utf-8")
    _edit_places(repo_copy, "  survey: survey#who-took-part", "  survey: extra#who-took-part")
    result = run_helpers(repo_copy, "validate")
    assert result.returncode == 1
    assert "key 'places.survey': page 'extra' has no file chapters/extra.md" in result.stderr
    assert "not in _toc.yml" not in result.stderr


def test_places_file_mistakes_name_file_line_and_key(repo_copy):
    from helpers.data import places

    path = repo_copy / "chapters" / "places.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  textbox-1: ", "  textbox-one: ").replace("#who-took-part", "#Who took part", 1))
    with pytest.raises(DataError) as error:
        places.load_places(path)
    lines = text.splitlines()
    messages = [str(p) for p in error.value.problems]
    assert any(m.endswith("key 'places.textbox-1': is missing: the audit links to this place") for m in messages), messages
    survey_row = next(i for i, line in enumerate(lines, start=1) if line.startswith("  survey: "))
    assert any(
        m.startswith(f"{path}, row {survey_row}: key 'places.survey': 'Who took part' is not a heading anchor") for m in messages
    ), messages


def test_a_cmo_whose_card_has_no_page_fails_validation(repo_copy):
    _edit_places(repo_copy, "    initial: theory-changes\n", "")
    result = run_helpers(repo_copy, "validate")
    assert result.returncode == 1
    assert "chapters/places.yml" in result.stderr and "key 'cmo_cards.2025': no page for the card of CMO-2025-I1" in result.stderr
