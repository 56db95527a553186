"""``python -m helpers include C-0001``: a record screened ``include`` becomes a source row and a BibTeX entry.

The new row of ``data/sources.xlsx`` and the new entry of ``bib/references.bib`` are pre-filled from the record's
metadata (title, authors, year, venue, DOI, URL) with their provenance (``added <today> by <screener> from <DOI>``);
what only a curator can say (document type, design, platform, population, CMO links, theory areas ...) is left
empty, so ``python -m helpers validate`` fails naming exactly those cells until a curator completes them. The
record's ``source_id`` is set in the screening log. Nothing is written unless all three files can be.
"""

from __future__ import annotations

import copy
import csv
import datetime as _dt
import io
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from helpers.data import bib
from helpers.data import loaders as data
from helpers.data.errors import DataError
from helpers.data.paths import dataset_path
from helpers.data.readers import display_name
from helpers.data.search import curator_columns

SHEET = "sources"
NEW_SOURCE_PREFIX = "SRC-N"  # a source outside the synthesis's reference list and appendix (CONTRIBUTING.md)
SOURCE_ID = re.compile(r"^SRC-[A-Z0-9]{3,6}$")


class IncludeError(ValueError):
    """Why a record cannot be included (a message for the command line)."""


@dataclass(frozen=True)
class Included:
    candidate_id: str
    source_id: str
    bibkey: str
    sheet_row: int
    to_fill: list[str]


def next_source_id(used: set[str]) -> str:
    """The next free id in the sheet's pattern for sources found since the synthesis: SRC-N001, SRC-N002 ..."""
    numbers = [int(i.removeprefix(NEW_SOURCE_PREFIX)) for i in used if re.fullmatch(r"SRC-N[0-9]{3,5}", i)]
    return f"{NEW_SOURCE_PREFIX}{max(numbers, default=0) + 1:03d}"


def _ascii_word(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def bibkey_for(authors: str, year: str, title: str, used: set[str]) -> str:
    """First author's family name, year, first title word, lowercase (CONTRIBUTING.md); a letter added if taken."""
    first = authors.split(";")[0].strip()
    family = _ascii_word(first.split(",")[0] if "," in first else (first.split() or [""])[-1]) or "anon"
    word = next((w for w in (_ascii_word(w) for w in title.split()) if len(w) > 3), "") or "record"
    base = re.sub(r"^[^a-z]+", "", f"{family}{year}{word}") or f"record{year}"
    key, suffix = base, iter("bcdefghijklmnopqrstuvwxyz")
    while key in used:
        key = base + next(suffix)
    return key


def _braced(text: str) -> str:
    """A field value safe inside BibTeX braces: no braces or backslashes of its own, one line."""
    return " ".join(str(text).replace("{", "").replace("}", "").replace("\\", "").split())


def bibtex_entry(key: str, record: dict, provenance: str) -> str:
    fields = {"author": " and ".join(a.strip() for a in record["authors"].split(";") if a.strip())}
    fields["title"] = record["title"]
    if record["venue"]:
        fields["journal"] = record["venue"]
    if record["year"]:
        fields["year"] = record["year"]
    if record["doi"]:
        fields["doi"] = record["doi"]
    if record["url"]:
        fields["url"] = record["url"]
    fields["x-provenance"] = provenance
    kind = "article" if record["venue"] else "misc"
    body = ",\n".join(f"  {name} = {{{_braced(value)}}}" for name, value in fields.items() if str(value).strip())
    return f"@{kind}{{{key},\n{body}\n}}\n"


def _candidate(candidate_id: str) -> tuple[dict, list[list[str]], int]:
    """The record (as text cells), the log's rows as read, and the record's index among them."""
    data.load_screening()  # validated first: a broken log is reported, never edited
    path = dataset_path("screening")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for index, cells in enumerate(rows[1:], start=1):
        if cells and cells[0] == candidate_id:
            return dict(zip(header, cells, strict=False)), rows, index
    raise IncludeError(f"{display_name(path)} has no record {candidate_id}")


def _check(record: dict, source_id: str | None, used_ids: set[str], in_bib: dict[str, str]) -> str:
    log = display_name(dataset_path("screening"))
    cid = record["candidate_id"]
    if record["status"] != "include":
        raise IncludeError(
            f"{cid} is {record['status']!r} in {log}; only a record screened 'include' (with screener and "
            "screened_on) becomes a source"
        )
    if record["source_id"]:
        raise IncludeError(f"{cid} is already included, as {record['source_id']}")
    if record["doi"] and record["doi"] in in_bib:
        raise IncludeError(f"{cid}'s DOI {record['doi']} is already in bib/references.bib (entry {in_bib[record['doi']]!r})")
    suggestion = next_source_id(used_ids)
    if source_id is None:
        return suggestion
    if not SOURCE_ID.match(source_id):
        raise IncludeError(f"{source_id!r} is not a source id like {suggestion}")
    if source_id in used_ids:
        raise IncludeError(f"{source_id} is already a source of data/sources.xlsx; the next free id is {suggestion}")
    return source_id


def _append_row(book: openpyxl.Workbook, values: dict) -> int:
    """Append ``values`` (column -> value) to the sources sheet, styled like the row above; the new row's number."""
    sheet = book[SHEET]
    header = [cell.value for cell in sheet[1]]
    last = max((r for r in range(2, sheet.max_row + 1) if any(c.value not in (None, "") for c in sheet[r])), default=1)
    new = last + 1
    for position, column in enumerate(header, start=1):
        cell = sheet.cell(row=new, column=position)
        cell.value = values.get(column) or None
        above = sheet.cell(row=last, column=position)
        if above.has_style:
            cell._style = copy.copy(above._style)
    if sheet.row_dimensions[last].height is not None:
        sheet.row_dimensions[new].height = sheet.row_dimensions[last].height
    return new


def _write_atomically(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary neighbour first, then move them all into place."""
    temporary = {}
    try:
        for path, content in files.items():
            tmp = path.with_name(f".{path.name}.include-tmp")
            tmp.write_bytes(content)
            temporary[path] = tmp
        for path, tmp in temporary.items():
            os.replace(tmp, path)
    finally:
        for tmp in temporary.values():
            tmp.unlink(missing_ok=True)


def include(candidate_id: str, source_id: str | None = None, today: _dt.date | None = None) -> Included:
    """Turn the screened record ``candidate_id`` into a source row and a BibTeX entry (see the module's docstring)."""
    today = today or _dt.date.today()
    record, rows, index = _candidate(candidate_id)
    _check(record, None, set(), {})  # refused before the other files are read: not screened 'include', or included
    sources = data.load_sources()
    bibliography = bib.load_bibliography()
    in_bib = {str(d).lower(): k for k, d in zip(bibliography["bibkey"], bibliography["doi"], strict=True) if d}
    new_id = _check(record, source_id, set(sources["source_id"]), in_bib)
    key = bibkey_for(record["authors"], record["year"], record["title"], set(bibliography["bibkey"]))
    origin = record["doi"] or record["url"] or f"{candidate_id} of {display_name(dataset_path('screening'))}"
    provenance = f"added {today.isoformat()} by {record['screener']} from {origin}"
    row = {
        "source_id": new_id,
        "bibkey": key,
        "authors": record["authors"],
        "year": int(record["year"]) if record["year"].isdigit() else None,
        "title": record["title"],
        "venue": record["venue"],
        "provenance": provenance,
    }

    sheet_path, bib_path, log_path = dataset_path("sources"), dataset_path("bibliography"), dataset_path("screening")
    book = openpyxl.load_workbook(sheet_path)
    sheet_row = _append_row(book, row)
    workbook = io.BytesIO()
    book.save(workbook)

    bib_text = bib_path.read_text(encoding="utf-8")
    bib_text = bib_text.rstrip("\n") + "\n\n" + bibtex_entry(key, record, provenance)

    header = rows[0]
    rows[index][header.index("source_id")] = new_id
    log = io.StringIO()
    csv.writer(log, lineterminator="\n").writerows(rows)

    _write_atomically(
        {sheet_path: workbook.getvalue(), bib_path: bib_text.encode("utf-8"), log_path: log.getvalue().encode("utf-8")}
    )
    data.clear_cache()
    bib.clear_cache()
    return Included(candidate_id, new_id, key, sheet_row, curator_columns(row))


def main(candidate_id: str, source_id: str | None) -> int:
    """The command: include the record, say what a curator must fill; 1 with a message on refusal or bad data."""
    import sys

    try:
        done = include(candidate_id, source_id)
    except (IncludeError, DataError) as exc:
        print(f"Not included: {exc}", file=sys.stderr)
        return 1
    sheet = display_name(dataset_path("sources"))
    print(
        f"Included {done.candidate_id} as {done.source_id} ({sheet}, row {done.sheet_row}) with BibTeX entry "
        f"{done.bibkey!r} (bib/references.bib).\nA curator completes these cells of row {done.sheet_row} before "
        f"`python -m helpers validate` passes: {', '.join(done.to_fill)}."
    )
    return 0
