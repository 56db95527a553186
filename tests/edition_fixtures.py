"""Changes the editions tests make to a throwaway copy of the data (a reworded CMO, a new source, a changed value)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

REWORDED_CMO = "CMO-2024-05"
OLD_WORD, NEW_WORD = "misunderstood", "overlooked"
ADDED_SOURCE = "SRC-900"
ADDED_SOURCE_BIBKEY = "cooper2024effectiveness"
CHANGED_VALUE = "e25.other.ppi.members.n"


def _edit_csv(path: Path, key: str, row_id: str, edit) -> None:
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    fields = list(rows[0].keys())
    hits = [row for row in rows if row[key] == row_id]
    assert len(hits) == 1, row_id
    edit(hits[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def reword_cmo(root: Path, old: str = OLD_WORD, new: str = NEW_WORD) -> None:
    """Replaces one word of CMO 5's statement (and of the component that quotes it)."""

    def edit(row):
        assert old in row["statement"] and old in row["mechanism_reasoning"]
        row["statement"] = row["statement"].replace(old, new)
        row["mechanism_reasoning"] = row["mechanism_reasoning"].replace(old, new)

    _edit_csv(root / "data" / "cmos.csv", "cmo_id", REWORDED_CMO, edit)


def change_value(root: Path) -> tuple[str, str]:
    """Adds one to a reported count; returns its old and new printed value."""
    seen = {}

    def edit(row):
        seen["old"] = row["value_reported"]
        new = str(int(row["value_reported"]) + 1)
        row["value_reported"], row["value"] = new, new
        seen["new"] = new

    _edit_csv(root / "data" / "reported_values.csv", "value_id", CHANGED_VALUE, edit)
    return seen["old"], seen["new"]


def add_source(root: Path) -> None:
    """A new source row for a bibliography entry no source uses yet (the rest copied from the first row)."""
    from helpers.data import bib

    entry = bib.load_bibliography(root / "bib" / "references.bib").set_index("bibkey").loc[ADDED_SOURCE_BIBKEY]
    path = root / "data" / "sources.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["sources"]
    header = [cell.value for cell in sheet[1]]
    values = [cell.value for cell in sheet[2]]
    row = dict(zip(header, values, strict=True))
    assert ADDED_SOURCE_BIBKEY not in [cell.value for cell in sheet["B"]]
    row.update(
        source_id=ADDED_SOURCE,
        bibkey=ADDED_SOURCE_BIBKEY,
        ref_number_2024=None,
        authors=entry["author"],
        year=str(entry["year"]),
        title=entry["title"],
        provenance=f"added 2026-11-24 by Report tests from {entry['doi']}",
    )
    sheet.append([row[column] for column in header])
    book.save(path)
