"""The bad-input corpus: every way a contributor can break the data, and the exact place each message names.

Each case breaks one thing in a throwaway copy of the repository, then runs ``python -m helpers validate``
and ``python -m helpers build`` on it (in this process, through the command line's ``main``; a few cases
also as real subprocesses). Each must exit non-zero, print a line naming the exact file, row and column
(``row`` is the row a spreadsheet shows, header = row 1; None where the problem is the whole file) and
publish nothing: the build stops before Sphinx starts, so no ``_build`` appears.
"""

from __future__ import annotations

import csv
import os
import subprocess
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from conftest import copy_repo, run_helpers
from helpers import cli
from helpers.data import loaders as data
from helpers.data import readers
from helpers.data.errors import Problem

CMOS, VALUES, REFMAP = "data/cmos.csv", "data/reported_values.csv", "bib/reference_map.csv"
SOURCES, BIB = "data/sources.xlsx", "bib/references.bib"
CLAIMS = "data/claims.csv"


# --------------------------------------------------------------------------- ways to break a copy


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_csv(relative: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell of a CSV by its spreadsheet row number (header = row 1)."""

    def apply(root: Path) -> None:
        rows = read_rows(root / relative)
        rows[row - 1][rows[0].index(column)] = value
        write_rows(root / relative, rows)

    return apply


def edit_csv_rows(relative: str, change: Callable[[list[list[str]]], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        rows = read_rows(root / relative)
        change(rows)
        write_rows(root / relative, rows)

    return apply


def replace_text(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def latin1_edit(relative: str, old: str, new: str) -> Callable[[Path], None]:
    """Replace ``old`` by ``new`` written in Latin-1, as a Latin-1 editor saves a retyped cell."""

    def apply(root: Path) -> None:
        path = root / relative
        raw = path.read_bytes()
        assert old.encode("utf-8") in raw
        path.write_bytes(raw.replace(old.encode("utf-8"), new.encode("latin-1"), 1))

    return apply


def write_bytes(relative: str, content: bytes) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / relative).write_bytes(content)

    return apply


def set_xlsx(row: int, column: str, value) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        book = openpyxl.load_workbook(root / SOURCES)
        sheet = book["sources"]
        header = [c.value for c in sheet[1]]
        # Assigned, not passed to cell(): openpyxl's cell(value=None) leaves the old value in place.
        sheet.cell(row=row, column=header.index(column) + 1).value = value
        book.save(root / SOURCES)

    return apply


def rename_sheet(root: Path) -> None:
    book = openpyxl.load_workbook(root / SOURCES)
    book["sources"].title = "Sheet1"
    book.save(root / SOURCES)


def insert_blank_line_then_break(root: Path) -> None:
    """A blank line after row 3 of cmos.csv (a spreadsheet shows it as empty row 4), then a bad cell in row 6."""
    lines = (root / CMOS).read_text(encoding="utf-8").split("\n")
    lines.insert(3, "")
    (root / CMOS).write_text("\n".join(lines), encoding="utf-8")
    rows = read_rows(root / CMOS)
    rows[5][rows[0].index("study")] = "2023"
    write_rows(root / CMOS, rows)


def append_bib(entry: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / BIB
        path.write_text(path.read_text(encoding="utf-8") + "\n" + entry, encoding="utf-8")

    return apply


def append_text(relative: str, text: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return apply


def last_line(relative: str) -> Callable[[Path], int]:
    """The number of the last non-empty line of a text file (after a case has changed it)."""

    def find(root: Path) -> int:
        lines = (root / relative).read_text(encoding="utf-8").splitlines()
        return max(i for i, line in enumerate(lines, start=1) if line.strip())

    return find


def bib_line(text: str) -> Callable[[Path], int]:
    """The line number of the (last) line of the BibTeX file that starts with ``text``."""

    def find(root: Path) -> int:
        lines = (root / BIB).read_text(encoding="utf-8").splitlines()
        return max(i for i, line in enumerate(lines, start=1) if line.startswith(text))

    return find


def huge_csv(root: Path) -> None:
    """A 30 MB reported_values.csv (a runaway export): valid rows repeated with fresh ids."""
    path = root / VALUES
    rows = read_rows(path)
    template = rows[1]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(rows[0])
        for i in range(100_000):
            writer.writerow([f"e25.synthetic.row{i}.n", *template[1:]])


def zip_bomb_xlsx(root: Path) -> None:
    """A small .xlsx whose members unpack to more than the workbook limit."""
    path = root / SOURCES
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.bin", b"\0" * (readers.MAX_UNPACKED_XLSX_BYTES + 1))


@dataclass(frozen=True)
class Case:
    name: str
    breaks: Callable[[Path], None]
    file: str
    row: int | None | Callable[[Path], int]
    column: str | None
    fragment: str

    def expected_line(self, root: Path) -> str:
        row = self.row(root) if callable(self.row) else self.row
        return str(Problem(self.file, row, self.column, "")).removesuffix(": ")


def _percent_case() -> Case:
    """e25.demog.gender.female.percent printed as 66% while its count is 475 of 791 (60.1%)."""
    rows = read_rows(Path(__file__).resolve().parents[1] / VALUES)
    row = next(i for i, r in enumerate(rows, start=1) if r[0] == "e25.demog.gender.female.percent")
    value_reported = set_csv(VALUES, row, "value_reported", "66%")
    value = set_csv(VALUES, row, "value", "66")
    return Case(
        "percentage disagrees with its count",
        lambda root: (value_reported(root), value(root)),
        VALUES,
        row,
        "value",
        "66% disagrees with its count: e25.demog.gender.female.n / e25.demog.gender.denominator = 475 / 791 = 60.1%",
    )


# Rows below are those the shipped data hold: cmos.csv row 3 is CMO-2024-02, row 30 CMO-2025-SE1;
# reported_values.csv row 2 is e25.sample.forums.n (7); sources.xlsx has 42 sources in rows 2-43.
CASES = [
    # ---- columns
    Case(
        "renamed required column",
        replace_text(CMOS, ",statement,", ",statment,"),
        CMOS,
        1,
        "statement",
        "required column is missing",
    ),
    Case(
        "renamed column shows up as unexpected",
        replace_text(CMOS, ",statement,", ",statment,"),
        CMOS,
        1,
        "statment",
        "unexpected column",
    ),
    Case(
        "deleted required column",
        edit_csv_rows(VALUES, lambda rows: [r.pop(rows[0].index("measure")) for r in rows[::-1]]),
        VALUES,
        1,
        "measure",
        "required column is missing",
    ),
    Case(
        "missing column in the spreadsheet",
        set_xlsx(1, "venue", None),
        SOURCES,
        1,
        "G",
        "header cell is empty",
    ),
    Case(
        "column named twice",
        replace_text(REFMAP, "paper,ref_number,bibkey", "paper,ref_number,paper"),
        REFMAP,
        1,
        "paper",
        "names this column twice",
    ),
    # ---- ids and cross-references
    Case("duplicate CMO id", set_csv(CMOS, 3, "cmo_id", "CMO-2024-01"), CMOS, 3, "cmo_id", "duplicate value 'CMO-2024-01'"),
    Case(
        "duplicate value id",
        set_csv(VALUES, 3, "value_id", "e25.sample.forums.n"),
        VALUES,
        3,
        "value_id",
        "duplicate value 'e25.sample.forums.n' (also in row 2)",
    ),
    Case("duplicate source id", set_xlsx(6, "source_id", "SRC-018"), SOURCES, 6, "source_id", "duplicate value 'SRC-018'"),
    Case(
        "duplicate reference number",
        set_csv(REFMAP, 3, "ref_number", "1"),
        REFMAP,
        3,
        "paper, ref_number",
        "duplicate combination ('2024', '1') (also in row 2)",
    ),
    Case(
        "source cites a CMO that does not exist",
        set_xlsx(7, "cmo_ids", "CMO-2024-01; CMO-2024-23"),
        SOURCES,
        7,
        "cmo_ids",
        "CMO-2024-23 is not a CMO in data/cmos.csv",
    ),
    Case(
        "CMO refines a CMO that does not exist",
        set_csv(CMOS, 30, "refines", "CMO-2025-I9"),
        CMOS,
        30,
        "refines",
        "CMO-2025-I9 is not a CMO in this table",
    ),
    # CMOs do not cite sources in this data model (sources name their CMOs); what cites a source is a
    # numbered reference of a paper, and a source's reference number.
    Case(
        "numbered reference cites a source (BibTeX key) that does not exist",
        set_csv(REFMAP, 4, "bibkey", "nobody2020nothing"),
        REFMAP,
        4,
        "bibkey",
        "BibTeX key 'nobody2020nothing' is not defined in bib/references.bib",
    ),
    Case(
        "source's reference number is not in the reference map",
        set_xlsx(9, "ref_number_2024", "999"),
        SOURCES,
        9,
        "ref_number_2024",
        "reference 999 is not in bib/reference_map.csv",
    ),
    Case(
        "BibTeX key used but not defined",
        set_xlsx(9, "bibkey", "nobody2020nothing"),
        SOURCES,
        9,
        "bibkey",
        "BibTeX key 'nobody2020nothing' is not defined",
    ),
    Case(
        "component not a verbatim part of the statement",
        set_csv(CMOS, 4, "outcome", "an outcome the paper never wrote"),
        CMOS,
        4,
        "outcome",
        "'an outcome the paper never wrote' is not a verbatim part",
    ),
    # ---- stray whitespace and invisible characters in ids
    Case(
        "trailing space in a CMO id",
        set_csv(CMOS, 5, "cmo_id", "CMO-2024-04 "),
        CMOS,
        5,
        "cmo_id",
        "has leading or trailing whitespace",
    ),
    Case(
        "leading non-breaking space in a value id",
        set_csv(VALUES, 4, "value_id", "\u00a0e25.sample.survey.wave1.n"),
        VALUES,
        4,
        "value_id",
        "has leading or trailing whitespace",
    ),
    Case(
        "zero-width space inside a BibTeX key in the spreadsheet",
        set_xlsx(8, "bibkey", "hanley\u200b2019systematic"),
        SOURCES,
        8,
        "bibkey",
        "holds an invisible character",
    ),
    Case(
        "byte-order mark pasted into a CMO list",
        set_xlsx(10, "cmo_ids", "\ufeffCMO-2024-14"),
        SOURCES,
        10,
        "cmo_ids",
        "holds an invisible character",
    ),
    Case(
        "control character in a cell",
        set_csv(CMOS, 6, "location", "Table 1\x07"),
        CMOS,
        6,
        "location",
        "holds a control character",
    ),
    # ---- values
    Case("year not a number", set_xlsx(5, "year", "20x1"), SOURCES, 5, "year", "must be a four-digit year"),
    Case("year out of range", set_xlsx(11, "year", 1850), SOURCES, 11, "year", "must be between 1950 and"),
    Case("year in the future", set_xlsx(12, "year", 2999), SOURCES, 12, "year", "must be between 1950 and"),
    Case("value not a number", set_csv(VALUES, 5, "value", "seven"), VALUES, 5, "value", "must be a plain number"),
    Case(
        "value disagrees with the printed value",
        set_csv(VALUES, 2, "value", "792"),
        VALUES,
        2,
        "value",
        "disagrees with value_reported '7'",
    ),
    _percent_case(),
    Case("wave out of range", set_csv(VALUES, 4, "wave", "4"), VALUES, 4, "wave", "must be 1, 2, 3 or empty"),
    Case("unknown kind of CMO", set_csv(CMOS, 7, "kind", "synthesised"), CMOS, 7, "kind", "must be one of the kinds"),
    Case("empty required cell", set_csv(CMOS, 8, "label", ""), CMOS, 8, "label", "is empty; this column is required"),
    Case(
        "very long cell",
        set_csv(CMOS, 9, "split_note", "x" * (data.MAX_CELL_CHARS + 1)),
        CMOS,
        9,
        "split_note",
        f"is {data.MAX_CELL_CHARS + 1} characters long",
    ),
    Case(
        "formula in a CSV cell",
        set_csv(VALUES, 6, "note", '=HYPERLINK("http://example.org")'),
        VALUES,
        6,
        "note",
        "holds a formula",
    ),
    Case("formula in a spreadsheet cell", set_xlsx(13, "label_note", "=1+1"), SOURCES, 13, "label_note", "holds a formula"),
    Case(
        "formula in a required spreadsheet cell",
        set_xlsx(14, "title", '=CONCATENATE("A","B")'),
        SOURCES,
        14,
        "title",
        "holds a formula",
    ),
    # ---- files
    Case("empty CSV", write_bytes(CMOS, b""), CMOS, None, None, "file is empty"),
    Case("CSV with a header only", write_bytes(REFMAP, b"paper,ref_number,bibkey\n"), REFMAP, None, None, "no data rows"),
    Case("empty workbook file", write_bytes(SOURCES, b""), SOURCES, None, None, "file is empty"),
    Case(
        "xlsx that is not an xlsx",
        write_bytes(SOURCES, b"source_id,bibkey\nSRC-001,x\n"),
        SOURCES,
        None,
        None,
        "is not an .xlsx workbook",
    ),
    Case(
        "truncated xlsx",
        lambda root: (root / SOURCES).write_bytes((root / SOURCES).read_bytes()[:4000]),
        SOURCES,
        None,
        None,
        "is not",
    ),
    Case("workbook without the sources sheet", rename_sheet, SOURCES, None, None, "has no sheet 'sources'"),
    Case(
        "CSV in Latin-1",
        latin1_edit(CMOS, "Mental health self-efficacy", "Mental health self-efficacy \u00e9"),
        CMOS,
        2,
        "theory_area",
        "is not UTF-8 (byte 0xe9",
    ),
    Case(
        "CSV in UTF-16",
        lambda root: (root / REFMAP).write_bytes((root / REFMAP).read_text(encoding="utf-8").encode("utf-16")),
        REFMAP,
        1,
        None,
        "is UTF-16 text",
    ),
    Case(
        "row with a cell too many",
        edit_csv_rows(REFMAP, lambda rows: rows[5].append("extra")),
        REFMAP,
        6,
        "D",
        "has a cell beyond the last named column ('bibkey')",
    ),
    Case(
        "row with cells missing",
        edit_csv_rows(REFMAP, lambda rows: rows[6].pop()),
        REFMAP,
        7,
        "bibkey",
        "has 2 cells but the header has 3",
    ),
    Case(
        "unclosed quote",
        replace_text(REFMAP, "\n2024,2,lattie2022overview\n", '\n2024,2,"lattie2022overview\n'),
        REFMAP,
        3,
        "bibkey",
        "is not a well-formed CSV",
    ),
    Case(
        "blank line counts as a spreadsheet row",
        insert_blank_line_then_break,
        CMOS,
        6,
        "study",
        "must be one of the study years",
    ),
    Case("huge file", huge_csv, VALUES, None, None, "over the limit of 20 MB"),
    Case("workbook that unpacks to a huge size", zip_bomb_xlsx, SOURCES, None, None, "unpacks to"),
    # ---- BibTeX
    Case(
        "duplicate BibTeX key",
        append_bib("@misc{ali2015online,\n  title = {Again},\n  url = {https://example.org}\n}\n"),
        BIB,
        bib_line("@misc{ali2015online"),
        "key",
        "duplicate BibTeX key 'ali2015online'",
    ),
    Case(
        "malformed BibTeX",
        append_bib("@article{broken2020entry,\n  title = {Unclosed,\n  year = {2020}\n"),
        BIB,
        bib_line("@article{broken2020entry"),
        None,
        "malformed BibTeX entry",
    ),
    Case(
        "comma missing between BibTeX fields",
        append_bib("@misc{nocomma2021x,\n  title = {Fine},\n  year = {2021}\n  author = {Someone, A.}\n}\n"),
        BIB,
        bib_line("  author = {Someone, A.}"),
        "author",
        "is the comma after the previous field missing?",
    ),
    Case(
        "BibTeX year not a number",
        append_bib("@misc{someone2020thing,\n  author = {Someone, A.},\n  title = {A thing},\n  year = {20x0}\n}\n"),
        BIB,
        bib_line("@misc{someone2020thing"),
        "year",
        "has year '20x0'",
    ),
    Case(
        "BibTeX year out of range",
        append_bib("@misc{someone1850thing,\n  author = {Someone, A.},\n  title = {A thing},\n  year = {1850}\n}\n"),
        BIB,
        bib_line("@misc{someone1850thing"),
        "year",
        "has year '1850'",
    ),
    Case(
        "BibTeX entry without a title",
        append_bib("@article{notitle2020x,\n  author = {Someone, A.},\n  year = {2020}\n}\n"),
        BIB,
        bib_line("@article{notitle2020x"),
        "title",
        "has no title",
    ),
    Case(
        "BibTeX in Latin-1",
        latin1_edit(BIB, "  title = {Effectiveness, acceptability", "  title = {\u00c9ffectiveness, acceptability"),
        BIB,
        7,
        "title",
        "is not UTF-8 (byte 0xc9",
    ),
    # ---- privacy
    Case(
        "e-mail address in a note",
        set_csv(VALUES, 7, "note", "ask jane.doe@example.org for the raw counts"),
        VALUES,
        7,
        "note",
        "holds an e-mail address (j***@example.org)",
    ),
    Case(
        "UK phone number in a note",
        set_csv(CMOS, 10, "split_note", "the participant can be reached on 07700 900123"),
        CMOS,
        10,
        "split_note",
        "holds a phone number",
    ),
    Case(
        "international phone number in a title",
        set_xlsx(15, "title", "Peer support line +44 20 7946 0958"),
        SOURCES,
        15,
        "title",
        "holds a phone number",
    ),
    Case(
        "link to a Reddit user profile",
        set_xlsx(16, "inclusion_note", "posted by https://www.reddit.com/user/someone_sad/"),
        SOURCES,
        16,
        "inclusion_note",
        "holds a link to a user profile (reddit.com/***)",
    ),
    Case(
        "link to a forum member profile",
        set_csv(CMOS, 11, "refines_basis", "see https://forum.example.org/members/bluebird.1234/"),
        CMOS,
        11,
        "refines_basis",
        "holds a link to a user profile",
    ),
    Case(
        "@handle in a note",
        set_csv(VALUES, 8, "note", "as @sadgirl99 wrote"),
        VALUES,
        8,
        "note",
        "holds an @handle (@s***)",
    ),
    Case(
        "participant id that is not a study pseudonym",
        set_csv(CMOS, 12, "split_note", "quoted from [Jenny_004]"),
        CMOS,
        12,
        "split_note",
        "holds a participant id that is not a study pseudonym (J***_004)",
    ),
    Case(
        "participant id with a bird the study does not use",
        set_xlsx(17, "label_note", "interview with Pigeon_001"),
        SOURCES,
        17,
        "label_note",
        "holds a participant id that is not a study pseudonym",
    ),
    Case(
        "profile link in a BibTeX url",
        append_bib("@misc{someone2021post,\n  title = {A post},\n  url = {https://twitter.com/someone}\n}\n"),
        BIB,
        bib_line("@misc{someone2021post"),
        "url",
        "holds a link to a user profile (twitter.com/***)",
    ),
    # ---- content: what the data say, beyond each file's schema (helpers.data.content)
    Case(
        "mistyped CMO id gets a suggestion",
        set_xlsx(3, "cmo_ids", "CMO-2042-14"),
        SOURCES,
        3,
        "cmo_ids",
        "CMO-2042-14 is not a CMO in data/cmos.csv; did you mean 'CMO-2024-14'?",
    ),
    Case(
        "mistyped BibTeX key gets a suggestion",
        set_xlsx(3, "bibkey", "hanly2019systematic"),
        SOURCES,
        3,
        "bibkey",
        "BibTeX key 'hanly2019systematic' is not defined in bib/references.bib; did you mean 'hanley2019systematic'?",
    ),
    Case(
        "source id that is not its reference number",
        set_xlsx(3, "source_id", "SRC-N001"),
        SOURCES,
        3,
        "source_id",
        "SRC-N001 is reference 25 of the 2024 synthesis, so its id is SRC-025",
    ),
    Case(
        "theory_areas misses the area of a cited CMO",
        set_xlsx(3, "theory_areas", "1"),
        SOURCES,
        3,
        "theory_areas",
        "cmo_ids cites CMOs of theory area(s) 4",
    ),
    Case(
        "theory_areas lists an area no CMO or citation explains",
        set_xlsx(3, "theory_areas", "1; 4"),
        SOURCES,
        3,
        "theory_areas",
        "lists theory area 1, but no CMO in cmo_ids belongs to it",
    ),
    Case(
        "sheet year disagrees with the BibTeX entry",
        set_xlsx(3, "year", "2018"),
        SOURCES,
        3,
        "year",
        "2018 disagrees with the BibTeX entry 'hanley2019systematic' (bib/references.bib, row ",
    ),
    Case(
        "sheet title disagrees with the BibTeX entry",
        set_xlsx(3, "title", "A systematic review of young people"),
        SOURCES,
        3,
        "title",
        "disagrees with the BibTeX entry 'hanley2019systematic'",
    ),
    Case(
        "provenance that is neither the paper nor a dated change",
        set_csv(CMOS, 3, "provenance", "reworded by me"),
        CMOS,
        3,
        "provenance",
        "must be 'paper' (transcribed from the paper) or '<added|reworded|corrected> <YYYY-MM-DD> by <who> from",
    ),
    Case(
        "provenance dated in the future",
        set_csv(VALUES, 3, "provenance", "corrected 2999-01-01 by A. Curator from erratum"),
        VALUES,
        3,
        "provenance",
        "with a real date, not in the future",
    ),
    Case(
        "BibTeX entry that says neither paper nor provenance",
        append_bib("@article{curator2026new,\n  author = {Curator, A.},\n  title = {New},\n  year = {2026}\n}\n"),
        BIB,
        bib_line("@article{curator2026new"),
        "x-provenance",
        "has neither x-cited-in (a reference of the papers) nor x-provenance",
    ),
    Case(
        "chapter mentions self-harm without a content note",
        append_text("chapters/methods.md", "\nSome members wrote about self-harm in their posts.\n"),
        "chapters/methods.md",
        last_line("chapters/methods.md"),
        None,
        "mentions 'self-harm' in the sentence 'Some members wrote about self-harm in their posts.' but has no content note",
    ),
    # ---- label disagreements and finding claims
    Case(
        "printed CMO label with no note on its disagreement",
        set_xlsx(34, "label_note", None),
        SOURCES,
        34,
        "label_note",
        "is not among the CMOs its passages describe",
    ),
    Case(
        "claim override without its reviewer",
        set_csv(CLAIMS, 2, "hedge_override", "reviewed"),
        CLAIMS,
        2,
        "override_by",
        "needs its reviewer",
    ),
    Case(
        "claim of an unknown text version",
        set_csv(CLAIMS, 3, "text_version", "preprint"),
        CLAIMS,
        3,
        "text_version",
        "must be one of the text versions",
    ),
    Case(
        "claim sentence the chapter does not write",
        set_csv(CLAIMS, 4, "sentence", "Forums cure loneliness."),
        CLAIMS,
        4,
        "sentence",
        "does not end with this sentence before the claim role",
    ),
]


# --------------------------------------------------------------------------- safe in, safe out (issue 15)


def link_to(relative: str, target: str) -> Callable[[Path], None]:
    """Replace a data file by a symbolic link to ``target`` (a system file, or another file of the copy)."""

    def apply(root: Path) -> None:
        (root / relative).unlink(missing_ok=True)
        (root / relative).symlink_to(target if target.startswith("/") else root / target)

    return apply


def make_fifo(relative: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / relative).unlink()
        os.mkfifo(root / relative)

    return apply


def make_folder(relative: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        (root / relative).unlink()
        (root / relative).mkdir()

    return apply


def rewrite_xlsx(change: Callable[[str, bytes], bytes], compression: int = zipfile.ZIP_DEFLATED) -> Callable[[Path], None]:
    """Rewrite every part of the workbook through ``change(part name, bytes)``."""

    def apply(root: Path) -> None:
        with zipfile.ZipFile(root / SOURCES) as archive:
            parts = [(info.filename, archive.read(info)) for info in archive.infolist()]
        with zipfile.ZipFile(root / SOURCES, "w", compression=compression) as archive:
            for part, content in parts:
                archive.writestr(part, change(part, content))

    return apply


SHEET = "xl/worksheets/sheet1.xml"  # the sheet 'sources' of the shipped workbook
ENTITY_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8))
    + b"]>"
)


def entity_bomb(part: str, content: bytes) -> bytes:
    """A billion-laughs DTD before the sheet, and its largest entity in a cell."""
    if part != SHEET:
        return content
    return ENTITY_BOMB + content.replace(b"<t>", b"<t>&i;", 1)


def broken_sheet_xml(part: str, content: bytes) -> bytes:
    return content[: len(content) // 2] if part == SHEET else content


def too_many_rows(part: str, content: bytes) -> bytes:
    if part != SHEET:
        return content
    rows = b"".join(b'<row r="%d"/>' % n for n in range(1, readers.MAX_SHEET_ROWS + 2))
    return (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + rows
        + b"</sheetData></worksheet>"
    )


def bad_crc(root: Path) -> None:
    """A stored (uncompressed) workbook with one letter of a cell changed after its checksum was written."""
    rewrite_xlsx(lambda part, content: content, zipfile.ZIP_STORED)(root)
    raw = (root / SOURCES).read_bytes()
    assert b"Effectiveness" in raw
    (root / SOURCES).write_bytes(raw.replace(b"Effectiveness", b"Effectivenesz", 1))


def hide_xlsx(row: int | None = None, column: str | None = None) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        book = openpyxl.load_workbook(root / SOURCES)
        sheet = book["sources"]
        if row is not None:
            sheet.row_dimensions[row].hidden = True
        if column is not None:
            header = [c.value for c in sheet[1]]
            sheet.column_dimensions[readers.column_letter(header.index(column) + 1)].hidden = True
        book.save(root / SOURCES)

    return apply


def add_review_column(row: int, note: str) -> Callable[[Path], None]:
    def change(rows: list[list[str]]) -> None:
        for number, cells in enumerate(rows, start=1):
            cells.append("privacy_reviewed" if number == 1 else note if number == row else "")

    return edit_csv_rows(CMOS, change)


def misc_entry(key: str, **fields: str) -> str:
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in {"title": "A page", **fields}.items())
    return f"@misc{{{key},\n{body}\n}}\n"


NOT_A_LINK = "is not a link the report publishes"
CASES += [
    # ---- links from BibTeX: only http, https and doi become links
    Case(
        "javascript: URL in BibTeX",
        append_bib(misc_entry("script2024link", url="javascript:alert(document.domain)")),
        BIB,
        bib_line("@misc{script2024link"),
        "url",
        f"{NOT_A_LINK} (its scheme is 'javascript:')",
    ),
    Case(
        "javascript: URL hidden by a tab and capitals",
        append_bib(misc_entry("script2024tab", url="JaVa\tScRiPt:alert(1)")),
        BIB,
        bib_line("@misc{script2024tab"),
        "url",
        "(its scheme is 'javascript:')",
    ),
    Case(
        "data: URL in BibTeX",
        append_bib(misc_entry("data2024link", url="data:text/html;base64,PHNjcmlwdD4=")),
        BIB,
        bib_line("@misc{data2024link"),
        "url",
        "(its scheme is 'data:')",
    ),
    Case(
        "URL without a scheme in BibTeX",
        append_bib(misc_entry("relative2024link", url="//evil.example/x")),
        BIB,
        bib_line("@misc{relative2024link"),
        "url",
        "(it has no scheme)",
    ),
    # ---- formulas, invisible characters, bidirectional controls, lookalike ids
    Case("fullwidth formula in a CSV cell", set_csv(VALUES, 6, "note", "\uff1dSUM(1,2)"), VALUES, 6, "note", "holds a formula"),
    Case(
        "right-to-left override in a CMO label",
        set_csv(CMOS, 5, "label", "Peer \u202esupport"),
        CMOS,
        5,
        "label",
        "U+202E RIGHT-TO-LEFT OVERRIDE",
    ),
    Case(
        "bidirectional isolate in a source title",
        set_xlsx(6, "title", "Online \u2066support\u2069 forums"),
        SOURCES,
        6,
        "title",
        "U+2066 LEFT-TO-RIGHT ISOLATE",
    ),
    Case(
        "zero-width joiner in a note",
        set_csv(VALUES, 9, "note", "as print\u200bed"),
        VALUES,
        9,
        "note",
        "holds an invisible character, U+200B ZERO WIDTH SPACE",
    ),
    Case(
        "Hangul filler as a label",
        set_csv(CMOS, 6, "label", "\u3164"),
        CMOS,
        6,
        "label",
        "U+3164 HANGUL FILLER",
    ),
    Case(
        "halfwidth Hangul filler in a design implication",
        set_csv("data/design_implications.csv", 3, "implication", "Moderation\uffa0matters"),
        "data/design_implications.csv",
        3,
        "implication",
        "U+FFA0 HALFWIDTH HANGUL FILLER",
    ),
    Case(
        "invisible tag characters in a relation's basis",
        set_csv("data/value_relations.csv", 2, "basis", "sum \U000e0041\U000e0042 as printed"),
        "data/value_relations.csv",
        2,
        "basis",
        "U+E0041 TAG LATIN CAPITAL LETTER A",
    ),
    Case(
        "non-breaking space inside free text",
        set_csv(CMOS, 7, "location", "Table\u00a01"),
        CMOS,
        7,
        "location",
        "holds a space other than the ordinary one, U+00A0 NO-BREAK SPACE",
    ),
    Case(
        "line separator in a cross-check",
        set_csv("data/cross_checks.csv", 2, "basis", "first line\u2028second line"),
        "data/cross_checks.csv",
        2,
        "basis",
        "U+2028 LINE SEPARATOR",
    ),
    Case(
        "Arabic-Indic digits in a CMO id",
        set_csv(CMOS, 3, "cmo_id", "CMO-2024-\u0660\u0661"),
        CMOS,
        3,
        "cmo_id",
        "holds U+0660 ARABIC-INDIC DIGIT ZERO, which is not ASCII",
    ),
    Case(
        "fullwidth digits in a source id",
        set_xlsx(7, "source_id", "SRC-\uff10\uff14\uff10"),
        SOURCES,
        7,
        "source_id",
        "holds U+FF10 FULLWIDTH DIGIT ZERO, which is not ASCII",
    ),
    Case(
        "right-to-left override in a BibTeX title",
        append_bib(misc_entry("bidi2024title", title="Forum \u202egnitsop", url="https://example.org/")),
        BIB,
        bib_line("@misc{bidi2024title"),
        "title",
        "U+202E RIGHT-TO-LEFT OVERRIDE",
    ),
    Case(
        "control character in a BibTeX field",
        append_bib(misc_entry("control2024note", note="a\x07b", url="https://example.org/")),
        BIB,
        bib_line("@misc{control2024note"),
        "note",
        "holds a control character",
    ),
    # ---- files that are not what they seem
    Case("data file that is a link to a system file", link_to(CMOS, "/etc/passwd"), CMOS, None, None, "is a symbolic link"),
    Case("BibTeX file that is a link", link_to(BIB, "data/README.md"), BIB, None, None, "is a symbolic link"),
    Case("stray link in data/", link_to("data/extra.csv", "/etc/hostname"), "data/extra.csv", None, None, "is a symbolic link"),
    Case("data file that is a pipe", make_fifo(REFMAP), REFMAP, None, None, "is a pipe, not a regular file"),
    Case("workbook that is a folder", make_folder(SOURCES), SOURCES, None, None, "is a folder, not a regular file"),
    Case(
        "workbook with broken sheet XML",
        rewrite_xlsx(broken_sheet_xml),
        SOURCES,
        None,
        None,
        f"part {SHEET} is not well-formed XML (line 1, column",
    ),
    Case(
        "workbook with XML entity expansion",
        rewrite_xlsx(entity_bomb),
        SOURCES,
        None,
        None,
        f"part {SHEET} declares a DTD or entities",
    ),
    Case("workbook part with a bad checksum", bad_crc, SOURCES, None, None, f"part {SHEET} cannot be unpacked"),
    Case("sheet with too many rows", rewrite_xlsx(too_many_rows), SOURCES, None, None, "over the limit for a sheet"),
    Case("hidden row in the spreadsheet", hide_xlsx(row=18), SOURCES, 18, None, "is a hidden row"),
    Case("hidden column in the spreadsheet", hide_xlsx(column="venue"), SOURCES, 1, "venue", "is a hidden column"),
    # ---- the stronger privacy guard
    Case(
        "obfuscated e-mail address with [at] and [dot]",
        set_csv(VALUES, 10, "note", "write to jane.doe [at] example [dot] org"),
        VALUES,
        10,
        "note",
        "holds an e-mail address (j***@example.org)",
    ),
    Case(
        "e-mail address spelled with dot and at",
        set_csv(CMOS, 14, "split_note", "contact jane dot doe at example dot com"),
        CMOS,
        14,
        "split_note",
        "holds an e-mail address (j***@example.com)",
    ),
    Case(
        "e-mail address with a fullwidth at sign",
        set_xlsx(19, "inclusion_note", "author: jane\uff20example.org"),
        SOURCES,
        19,
        "inclusion_note",
        "holds an e-mail address (j***@example.org)",
    ),
    Case(
        "phone number with non-breaking hyphens",
        set_csv(CMOS, 15, "split_note", "call 07700\u2011900\u2011123"),
        CMOS,
        15,
        "split_note",
        "holds a phone number (0***23)",
    ),
    Case(
        "phone number spelled digit by digit",
        set_csv(VALUES, 11, "note", "ring zero seven seven zero zero nine zero zero one two three"),
        VALUES,
        11,
        "note",
        "holds a phone number",
    ),
    Case(
        "phone number spaced digit by digit",
        set_csv(VALUES, 12, "note", "ring 0 7 7 0 0 9 0 0 1 2 3"),
        VALUES,
        12,
        "note",
        "holds a phone number",
    ),
    Case(
        "Irish phone number in national format",
        set_csv(CMOS, 16, "split_note", "helpline (01) 234 5678"),
        CMOS,
        16,
        "split_note",
        "holds a phone number",
    ),
    Case(
        "North American phone number",
        set_xlsx(20, "label_note", "text (415) 555-0100"),
        SOURCES,
        20,
        "label_note",
        "holds a phone number",
    ),
    Case(
        "Reddit username",
        set_csv(CMOS, 17, "split_note", "as u/sad_throwaway99 put it"),
        CMOS,
        17,
        "split_note",
        "holds a username (u/***)",
    ),
    Case(
        "Discord username",
        set_csv(VALUES, 13, "note", "posted by bluebird#1234"),
        VALUES,
        13,
        "note",
        "holds a username",
    ),
    Case(
        "username named as such",
        set_xlsx(21, "label_note", "username: moonchild77"),
        SOURCES,
        21,
        "label_note",
        "holds a username",
    ),
    Case(
        "full name next to a diagnosis",
        set_csv(CMOS, 18, "split_note", "Sarah Jones was diagnosed with bipolar disorder"),
        CMOS,
        18,
        "split_note",
        "holds a personal name next to a health condition (S*** J***)",
    ),
    Case(
        "date of birth",
        set_csv(VALUES, 14, "note", "respondent DOB 12/03/1990"),
        VALUES,
        14,
        "note",
        "holds a date of birth",
    ),
    Case(
        "postcode",
        set_csv(VALUES, 15, "note", "lives near SW1A 1AA"),
        VALUES,
        15,
        "note",
        "holds a postcode (S***)",
    ),
    Case(
        "privacy review note without who, when and why",
        add_review_column(5, "fine"),
        CMOS,
        5,
        "privacy_reviewed",
        "must read 'reviewed by <who> on <YYYY-MM-DD>: <why>'",
    ),
]


# ---- searches since the synthesis (issue 18): the fixture's two searches and screening log, then one thing broken
SCREENING_LOG, SEARCH_RUNS, STRATEGY = "data/screening/candidates.csv", "data/search/runs.csv", "data/search/strategy.yml"


def with_search_log(*changes: Callable[[Path], None]) -> Callable[[Path], None]:
    from search_fixtures import write_fixture_log

    def apply(root: Path) -> None:
        write_fixture_log(root)
        for change in changes:
            change(root)

    return apply


def strategy_line(text: str) -> Callable[[Path], int]:
    return lambda root: next(
        n for n, line in enumerate((root / STRATEGY).read_text(encoding="utf-8").splitlines(), 1) if text in line
    )


CASES += [
    Case(
        "screening: exclusion reason not declared",
        with_search_log(set_csv(SCREENING_LOG, 3, "reason", "off-topic")),
        SCREENING_LOG,
        3,
        "reason",
        "is not an exclusion reason of data/search/strategy.yml",
    ),
    Case(
        "screening: run that never happened",
        with_search_log(set_csv(SCREENING_LOG, 2, "run_id", "S-2026-01-01")),
        SCREENING_LOG,
        2,
        "run_id",
        "is not a run of data/search/runs.csv",
    ),
    Case(
        "screening: included record names no source",
        with_search_log(set_csv(SCREENING_LOG, 2, "source_id", "SRC-N404")),
        SCREENING_LOG,
        2,
        "source_id",
        "is not a source_id of data/sources.xlsx",
    ),
    Case(
        "search runs: records added disagree with the log",
        with_search_log(set_csv(SEARCH_RUNS, 2, "records_added", "5")),
        SEARCH_RUNS,
        2,
        "records_added",
        "found first in openalex",
    ),
    Case(
        "search strategy: last search not recorded",
        with_search_log(replace_text(STRATEGY, "last_search: 2026-09-01", "last_search: null")),
        STRATEGY,
        strategy_line("last_search:"),
        None,
        "key 'last_search': null must be 2026-09-01",
    ),
]


def test_the_corpus_is_large_and_every_case_distinct():
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


def _problem_lines(stderr: str) -> list[str]:
    return [line.removeprefix("  - ") for line in stderr.splitlines() if line.startswith("  - ")]


def _assert_names_the_place(case: Case, root: Path, stderr: str) -> None:
    where = case.expected_line(root)
    # Exactly this place: a whole-file message does not count for a cell, nor a cell for the whole file.
    matching = [line for line in _problem_lines(stderr) if line.split(": ", 1)[0] == where]
    assert any(case.fragment in line for line in matching), f"expected '{where}: ...{case.fragment}...' in:\n{stderr}"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_refused_naming_file_row_and_column(case, tmp_path, monkeypatch, capsys):
    root = copy_repo(tmp_path / "report")
    case.breaks(root)
    monkeypatch.setenv("REPORT_ROOT", str(root))
    monkeypatch.chdir(root)

    assert cli.main(["validate"]) == 1
    _assert_names_the_place(case, root, capsys.readouterr().err)

    def sphinx_must_not_start(*args, **kwargs):
        raise AssertionError("the build started Sphinx on invalid data")

    monkeypatch.setattr(subprocess, "call", sphinx_must_not_start)
    assert cli.main(["build"]) == 1
    err = capsys.readouterr().err
    _assert_names_the_place(case, root, err)
    assert "nothing was published" in err
    assert not (root / "_build").exists()


@pytest.mark.parametrize("name", ["CSV in Latin-1", "huge file", "formula in a spreadsheet cell"])
def test_the_real_command_line_refuses_to_build(name, tmp_path):
    """The same through ``python -m helpers build`` as a contributor runs it: exit 1, the place named, no site."""
    case = next(c for c in CASES if c.name == name)
    root = copy_repo(tmp_path / "report")
    case.breaks(root)
    result = run_helpers(root, "build", timeout=120)
    assert result.returncode == 1
    _assert_names_the_place(case, root, result.stderr)
    assert not (root / "_build").exists()


def test_huge_file_is_refused_quickly(tmp_path):
    root = copy_repo(tmp_path / "report")
    huge_csv(root)
    assert (root / VALUES).stat().st_size > readers.MAX_FILE_BYTES
    started = time.perf_counter()
    with pytest.raises(data.DataError):
        data.load_reported_values(root / VALUES)
    assert time.perf_counter() - started < 2


def test_a_large_file_under_the_limit_validates_in_seconds(tmp_path):
    """10 000 valid rows (50 times today's file) validate, row by row, within a few seconds."""
    root = copy_repo(tmp_path / "report")
    path = root / VALUES
    rows = read_rows(path)
    body = [[f"e25.synthetic.row{i}.n", *rows[1][1:]] for i in range(10_000)]
    write_rows(path, [rows[0], *body])
    data.clear_cache()
    started = time.perf_counter()
    loaded = data.load_reported_values(path)
    elapsed = time.perf_counter() - started
    assert len(loaded) == 10_000 and loaded.index[-1] == 10_001
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_utf8_with_bom_and_windows_line_ends_is_accepted(tmp_path, monkeypatch, capsys):
    """What Excel writes for 'CSV UTF-8' is valid input, not a false alarm."""
    root = copy_repo(tmp_path / "report")
    text = (root / REFMAP).read_text(encoding="utf-8")
    (root / REFMAP).write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    monkeypatch.setenv("REPORT_ROOT", str(root))
    assert cli.main(["validate"]) == 0, capsys.readouterr().err


def test_a_formula_in_the_workbook_is_not_read_as_an_empty_cell(tmp_path):
    """openpyxl stores a typed formula without a computed value; reading values only would see an empty cell."""
    root = copy_repo(tmp_path / "report")
    set_xlsx(13, "label_note", "=1+1")(root)
    with pytest.raises(data.DataError) as error:
        data.load_sources(root / SOURCES)
    assert [(p.row, p.column) for p in error.value.problems] == [(13, "label_note")]


def test_messages_never_echo_identifying_text(tmp_path, monkeypatch, capsys):
    root = copy_repo(tmp_path / "report")
    set_csv(VALUES, 7, "note", "jane.doe@example.org, 07700 900123, @sadgirl99, reddit.com/u/someone_sad, [Jenny_004]")(root)
    monkeypatch.setenv("REPORT_ROOT", str(root))
    assert cli.main(["validate"]) == 1
    err = capsys.readouterr().err
    assert len(_problem_lines(err)) == 5
    for secret in ("jane.doe", "900123", "sadgirl", "someone_sad", "Jenny"):
        assert secret not in err


def test_a_linked_file_is_neither_read_nor_named(tmp_path, monkeypatch, capsys):
    """A data file linked to a system file: refused, and nothing of the target (its path, its first line) shown."""
    root = copy_repo(tmp_path / "report")
    link_to(CMOS, "/etc/passwd")(root)
    monkeypatch.setenv("REPORT_ROOT", str(root))
    assert cli.main(["validate"]) == 1
    err = capsys.readouterr().err
    assert "data/cmos.csv: is a symbolic link" in err
    first_line = Path("/etc/passwd").read_text(encoding="utf-8").splitlines()[0]
    assert "/etc/passwd" not in err and first_line not in err


@pytest.mark.parametrize("fraction", [i / 16 for i in range(1, 16)])
def test_a_workbook_cut_anywhere_is_one_message_never_a_traceback(fraction, tmp_path):
    """The workbook truncated at fifteen points: each time one problem naming the file, as a DataError."""
    root = copy_repo(tmp_path / "report")
    raw = (root / SOURCES).read_bytes()
    (root / SOURCES).write_bytes(raw[: int(len(raw) * fraction)])
    with pytest.raises(data.DataError) as error:
        data.load_sources(root / SOURCES)
    assert len(error.value.problems) == 1 and error.value.problems[0].file.endswith(SOURCES), error.value.problems


def test_new_privacy_findings_are_masked_in_messages(tmp_path, monkeypatch, capsys):
    root = copy_repo(tmp_path / "report")
    note = (
        "jane.doe [at] example [dot] org; 07700\u2011900\u2011123; u/sad_throwaway99; Sarah Jones was diagnosed "
        "with bipolar disorder; DOB 12/03/1990; SW1A 1AA"
    )
    set_csv(VALUES, 7, "note", note)(root)
    monkeypatch.setenv("REPORT_ROOT", str(root))
    assert cli.main(["validate"]) == 1
    err = capsys.readouterr().err
    assert len(_problem_lines(err)) == 6, err
    for secret in ("jane.doe", "900", "sad_throwaway", "Sarah", "Jones", "03/1990", "SW1A", "1AA"):
        assert secret not in err
