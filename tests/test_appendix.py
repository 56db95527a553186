"""The full appendix ("characteristics of included studies") loads through the documented column mapping.

The spreadsheet is made here with openpyxl the way journal appendices are laid out: a merged title row
above the header, cells merged over several studies, years like "2021a", and notes rows under the table.
Its rows are invented test fixtures, not facts about the synthesis's sources.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from helpers.data import appendix, schema
from helpers.data import loaders as data
from helpers.data.errors import DataError

HEADER = ["No.", "Author(s)", "Year", "Title", "Journal or source", "Document type", "Study design", "Country", "Population"]


def appendix_workbook(path: Path, rows: list[list], notes: bool = True) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Appendix 5"
    sheet.append(["Multimedia Appendix 5. Characteristics of included evidence sources"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append([])
    sheet.append(HEADER)  # row 3
    for row in rows:
        sheet.append(row)
    if notes:
        sheet.append([])
        sheet.append(["Note: sources are listed in order of first author."])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=len(HEADER))
        sheet.append(["Abbreviations: RCT, randomised controlled trial."])
    book.save(path)
    return path


ROWS = [
    [1, "Author A", "2021a", "First test title", "Test Journal", "Journal article", "Qualitative", "UK", "Adults"],
    [2, "Author A", "2021b", "Second test title", "Test Journal", "Journal article", "Survey", None, "Young people"],
    [3, "Author B", 2019, "Third test title", "Test University", "Thesis", "Mixed methods", "Australia", "Adults"],
]


@pytest.fixture
def appendix_file(tmp_path) -> Path:
    path = appendix_workbook(tmp_path / "appendix5.xlsx", ROWS)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    sheet.merge_cells("H4:H5")  # one country for the first two sources
    book.save(path)
    return path


def test_appendix_layout_loads_through_the_mapping(appendix_file):
    loaded = data.load_sources(appendix_file, column_map=appendix.APPENDIX_COLUMN_MAP)
    assert len(loaded) == 3, "the title, blank and notes rows must not become sources"
    assert loaded["source_id"].tolist() == ["SRC-A001", "SRC-A002", "SRC-A003"]
    assert loaded["year"].tolist() == [2021, 2021, 2019]
    assert str(loaded["year"].dtype) == "Int64"
    assert loaded["country"].tolist() == ["UK", "UK", "Australia"], "a merged cell fills every row it covers"
    assert loaded["document_type"].tolist() == ["journal article", "journal article", "thesis"]
    assert loaded["population_or_condition"].tolist() == ["Adults", "Young people", "Adults"]
    first, second, third = loaded["inclusion_note"].tolist()
    assert "row 4" in first and "'2021a'" in first and "suffix 'a'" in first
    assert "row 5" in second and "suffix 'b'" in second
    assert "row 6" in third and "suffix" not in third
    # What the appendix does not give is "not reported", never a guess.
    for column in ("platform", "moderation_type", "quoted", "bibkey"):
        assert set(loaded[column]) == {schema.NOT_REPORTED}, column
    assert set(loaded["cmo_ids"]) == {""}


def test_empty_characteristic_is_reported_with_its_row_and_the_sheets_column(tmp_path):
    rows = [*ROWS[:2], [*ROWS[2][:-1], None]]  # the third source (row 6) has no population
    path = appendix_workbook(tmp_path / "appendix5.xlsx", rows)
    with pytest.raises(DataError) as caught:
        data.load_sources(path, column_map=appendix.APPENDIX_COLUMN_MAP)
    text = str(caught.value)
    assert re.search(r"appendix5\.xlsx, row 6, column 'Population': is empty.*sources column 'population_or_condition'", text), (
        text
    )


def test_unreadable_year_names_row_and_column(tmp_path):
    rows = [ROWS[0], [9, "Author C", "n.d.", "Undated title", "A site", "Web page", "Blog", "UK", "Adults"]]
    path = appendix_workbook(tmp_path / "appendix5.xlsx", rows, notes=False)
    with pytest.raises(DataError) as caught:
        data.load_sources(path, column_map=appendix.APPENDIX_COLUMN_MAP)
    assert "row 5, column 'Year': must be a four-digit year" in str(caught.value)


def test_mapping_is_documented_in_data_readme(repo):
    readme = (repo / "data" / "README.md").read_text(encoding="utf-8")
    for header, column in appendix.APPENDIX_COLUMN_MAP.items():
        assert f"| {header} | `{column}` |" in readme, header


def test_the_appendix_reads_cells_by_the_rule_of_every_workbook(tmp_path):
    """One cell-to-text rule (helpers.data.readers.cell_text) for data/sources.xlsx and appendix sheets alike:
    a whole number without '.0', a date as YYYY-MM-DD, TRUE/FALSE, and a formula as its text, which is refused."""
    import datetime as dt

    from helpers.data.readers import cell_text

    assert [cell_text(v) for v in (None, 2019.0, True, dt.datetime(2021, 3, 1), dt.date(2021, 3, 1), " x ")] == [
        "",
        "2019",
        "TRUE",
        "2021-03-01",
        "2021-03-01",
        " x ",
    ]
    rows = [ROWS[0], [*ROWS[1][:3], "=UPPER(D4)", *ROWS[1][4:]]]
    path = appendix_workbook(tmp_path / "appendix5.xlsx", rows)
    with pytest.raises(DataError) as caught:
        data.load_sources(path, column_map=appendix.APPENDIX_COLUMN_MAP)
    assert "row 5, column 'Title': holds a formula" in str(caught.value)


@pytest.mark.parametrize(
    ("hide", "expected"),
    [
        ("row", r"appendix5\.xlsx, row 5: is a hidden row"),
        ("column", r"appendix5\.xlsx, row 3, column 'Country': is a hidden column"),
    ],
)
def test_a_hidden_row_or_column_of_the_appendix_is_refused_by_its_place(tmp_path, hide, expected):
    """A reader of the appendix would not see what the report would publish from a hidden row or column."""
    path = appendix_workbook(tmp_path / "appendix5.xlsx", ROWS)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    if hide == "row":
        sheet.row_dimensions[5].hidden = True
    else:
        sheet.column_dimensions[openpyxl.utils.get_column_letter(HEADER.index("Country") + 1)].hidden = True
    book.save(path)
    with pytest.raises(DataError) as caught:
        data.load_sources(path, column_map=appendix.APPENDIX_COLUMN_MAP)
    assert re.search(expected, str(caught.value)), str(caught.value)
