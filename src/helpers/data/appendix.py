"""Read a "characteristics of included studies" spreadsheet laid out the way journal appendices are.

Such a sheet is made for reading, not loading: a title row (often merged across the table) above the
header, cells merged over several studies (one country or design for a group of rows), years printed
as "2021a" to tell apart two works of one author in one year, and notes rows under the table
("Note: ...", "Abbreviations: ..."). This module turns it into the report's sources table:

- cells read as text by the rule of every workbook the report reads (:func:`helpers.data.readers.cell_text`:
  a formula is its '=' text, which the loader refuses, naming the cell), padding around the text removed;
- the header is the first row holding at least two of the mapped header names (case and spacing ignored);
- a merged cell's value is copied into every cell it covers;
- a hidden row or column of the table is refused, named by its place (a reader would not see it);
- empty rows, and rows holding one merged text across the whole table (section or notes rows), are skipped;
  the first row starting "Note", "Notes", "Abbreviations", "Source" or "Key" ends the table;
- a year like "2021a" becomes 2021, and the letter is kept in ``inclusion_note``;
- columns the sheet lacks read "not reported"; unless a column is mapped to ``source_id``, sources get the
  ids ``SRC-A001``, ``SRC-A002``... in the sheet's order (an appendix's own numbering is not an id here).

The mapping of the 2024 synthesis's Multimedia Appendix 5 is ``APPENDIX_COLUMN_MAP`` below, and is
documented in ``data/README.md``. The appendix was not available when this was written: the header names
are those such appendices usually print; edit this one mapping if the real file names a column otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.data import provenance, schema
from helpers.data.errors import DataError, Problem
from helpers.data.readers import Layout, display_name, hidden_problems, open_workbook_with_layout, sheet_text

# Header text in the appendix -> column of data/sources.xlsx. One place: data/README.md shows this table.
APPENDIX_COLUMN_MAP: dict[str, str] = {
    "Author(s)": "authors",
    "Year": "year",
    "Title": "title",
    "Journal or source": "venue",
    "Document type": "document_type",
    "Study design": "study_design",
    "Platform": "platform",
    "Population": "population_or_condition",
    "Country": "country",
    "Moderation": "moderation_type",
}

# An appendix is part of its paper: its rows are transcribed from it (helpers.data.provenance).
ABSENT_DEFAULTS = {provenance.COLUMN: provenance.FROM_PAPER}
# What a column the sheet lacks holds: the characteristics read "not reported"; lists and notes stay empty.
NOT_REPORTED_IF_ABSENT = [
    "bibkey",
    "venue",
    "document_type",
    "study_design",
    "platform",
    "population_or_condition",
    "country",
    "moderation_type",
    "quoted",
]
PREFERRED_SHEET = "sources"
NOTES_ROW = re.compile(r"^\s*(?:notes?|abbreviations?|sources?|key)\b\s*[:.]?", re.IGNORECASE)
YEAR_WITH_SUFFIX = re.compile(r"^\s*(\d{4})\s*([a-z])\s*$")


def _normalise_header(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@dataclass
class AppendixTable:
    """The sheet as the report's sources table, each row with its own spreadsheet row number."""

    frame: pd.DataFrame
    row_numbers: list[int]
    headers: dict[str, str]  # report column -> the sheet's header text

    def explain(self, problem: Problem) -> Problem:
        """Name a problem's column as the contributor sees it in the sheet."""
        if problem.column in self.headers:
            column = problem.column
            return Problem(
                problem.file, problem.row, self.headers[column], f"{problem.message} (mapped to sources column '{column}')"
            )
        return problem


def _grid(path: Path, name: str) -> tuple[list[list[str]], Layout, str]:
    """The sheet as text cells (the cell rule of every workbook: :func:`helpers.data.readers.cell_text`), padding
    around a cell's text removed (typeset tables pad), and a merged cell's text copied into every cell it covers;
    with the workbook's layout (hidden rows and columns) and the sheet's name."""
    # merged cells are listed only outside read-only mode
    book, layout = open_workbook_with_layout(path, name, read_only=False)
    try:
        sheet = book[PREFERRED_SHEET] if PREFERRED_SHEET in book.sheetnames else book.worksheets[0]
        title = sheet.title
        rows = [[cell.strip() for cell in row] for row in sheet_text(sheet)]
        merged_ranges = list(sheet.merged_cells.ranges)
    finally:
        book.close()
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]
    for merged in merged_ranges:
        value = rows[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                rows[r][c] = value
    return rows, layout, title


def read_appendix(path: Path, column_map: Mapping[str, str]) -> AppendixTable:
    """The sources table held in an appendix-style sheet, mapped through ``column_map`` (header text -> column)."""
    name = display_name(path)
    unknown = sorted(set(column_map.values()) - set(schema.SOURCES.columns))
    if unknown:
        raise DataError(
            [Problem(name, None, None, f"the column map names columns the sources table lacks: {', '.join(unknown)}")]
        )
    wanted = {_normalise_header(k): v for k, v in column_map.items()}
    rows, layout, sheet = _grid(path, name)
    header_index = next((i for i, row in enumerate(rows) if sum(_normalise_header(c) in wanted for c in row) >= 2), None)
    if header_index is None:
        expected = ", ".join(repr(k) for k in column_map)
        raise DataError(
            [Problem(name, None, None, f"no header row found: no row holds two or more of the mapped headers {expected}")]
        )
    header = rows[header_index]
    columns = {i: wanted[_normalise_header(text)] for i, text in enumerate(header) if _normalise_header(text) in wanted}
    headers = {column: header[i] for i, column in columns.items()}
    records, row_numbers = [], []
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        filled = [c for c in row if c]
        if not filled:
            continue
        if NOTES_ROW.match(filled[0]):
            break
        if len(set(filled)) == 1 and len(filled) == len(row) > 1:
            continue  # one merged text across the table: a section heading or a note, not a source
        records.append({column: row[i] for i, column in columns.items()})
        row_numbers.append(offset)
    if not records:
        raise DataError([Problem(name, header_index + 1, None, "the header row has no data rows under it")])
    # A reader of the appendix would not see a hidden row or column of the table; the report would publish it.
    table_rows = [(number, rows[number - 1]) for number in row_numbers]
    hidden = hidden_problems(layout, sheet, name, header, table_rows, header_row=header_index + 1)
    if hidden:
        raise DataError(hidden)
    frame = pd.DataFrame(records, columns=list(dict.fromkeys(columns.values())))
    for column in schema.SOURCES.columns:
        if column not in frame.columns:
            frame[column] = schema.NOT_REPORTED if column in NOT_REPORTED_IF_ABSENT else ABSENT_DEFAULTS.get(column, "")
    if "source_id" not in headers:
        frame["source_id"] = [f"SRC-A{n:03d}" for n in range(1, len(frame) + 1)]
    if "document_type" in headers:
        frame["document_type"] = frame["document_type"].str.lower()
    notes = [f"imported from {path.name} row {n}" for n in row_numbers]
    for i, year in enumerate(frame["year"]):
        match = YEAR_WITH_SUFFIX.match(year)
        if match:
            frame.loc[i, "year"] = match.group(1)
            notes[i] += f"; year printed as {year.strip()!r} (suffix {match.group(2)!r} tells apart works of one author and year)"
    frame["inclusion_note"] = [
        f"{existing}; {note}" if existing else note for existing, note in zip(frame["inclusion_note"], notes, strict=True)
    ]
    return AppendixTable(frame[list(schema.SOURCES.columns)], row_numbers, headers)
