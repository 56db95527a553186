"""Read a data file as text cells: CSV and xlsx, every cell as the text a person sees, rows numbered as a
spreadsheet shows them. No types, no schema here: :mod:`helpers.data.loaders` checks and converts.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import os
import re
import stat
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import openpyxl
import pandas as pd

from helpers.data.errors import DataError, Problem
from helpers.data.paths import read_input, root

HEADER_ROW = 1  # row number of the header in every table; data start on the next row


def input_path(path: Path | str) -> Path:
    """``path`` made absolute with its folders resolved but not its last part: a file that is a symbolic
    link stays the link, so it is checked (and refused, :func:`check_regular_file`), never followed."""
    path = Path(path)
    return path.parent.resolve() / path.name


def display_name(path: Path) -> str:
    """The path as a contributor would type it: relative to the repository root where possible."""
    try:
        return str(input_path(path).relative_to(root()))
    except (ValueError, FileNotFoundError):
        return str(path)


# --------------------------------------------------------------------------- reading raw text

# A data file larger than this is refused before it is parsed: the largest file today is about 60 KB
# and an evidence base 100 times larger stays under 10 MB, so a bigger file is a runaway export or a
# paste error, and refusing it keeps validation within seconds. Workbooks are zip archives: their
# unpacked size is limited too, so a small file that unpacks to gigabytes is refused as well.
MAX_FILE_BYTES = 20_000_000
MAX_UNPACKED_XLSX_BYTES = 200_000_000


def column_letter(position: int) -> str:
    """1 -> 'A', 27 -> 'AA': the spreadsheet name of a column that has no header."""
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def special_file_problem(path: Path) -> str | None:
    """Why ``path`` is not a plain file the report may read (a symbolic link, a folder, a pipe, a device), or
    None. Asked of the entry itself (``lstat``): a link is never followed and what it points to never read."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return (
            "is a symbolic link; the report reads only regular files in data/ and bib/, never what a link points "
            "to: replace the link with the file itself"
        )
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a pipe" if stat.S_ISFIFO(mode) else "a device or socket"
        return f"is {kind}, not a regular file; the report reads only regular files in data/ and bib/"
    return None


def check_regular_file(path: Path, name: str) -> None:
    """Refuse ``path`` unless it is a regular file (not a link, folder, pipe or device); nothing is read."""
    problem = special_file_problem(path)
    if problem:
        raise DataError([Problem(name, None, None, problem)])
    if not path.is_file():
        raise DataError([Problem(name, None, None, "file not found")])


# The folders of the report's data; every entry in them must be a regular file (or a folder of them).
INPUT_FOLDERS = ("data", "bib")


def special_files(base: Path) -> list[Problem]:
    """Every symbolic link and other non-regular entry under ``data/`` and ``bib/`` of ``base``, each a problem
    naming it (without reading it or saying where a link points)."""
    problems = []
    for folder in INPUT_FOLDERS:
        for directory, dirnames, filenames in os.walk(base / folder):
            for entry in sorted([*dirnames, *filenames]):
                path = Path(directory) / entry
                problem = None if os.path.isdir(path) and not os.path.islink(path) else special_file_problem(path)
                if problem:
                    problems.append(Problem(path.relative_to(base).as_posix(), None, None, problem))
    return problems


def check_file_size(path: Path, name: str) -> None:
    check_regular_file(path, name)
    size = path.stat().st_size
    if size == 0:
        raise DataError([Problem(name, None, None, "file is empty; it needs a header row and data rows")])
    if size > MAX_FILE_BYTES:
        raise DataError(
            [
                Problem(
                    name,
                    None,
                    None,
                    f"is {size / 1e6:.1f} MB, over the limit of {MAX_FILE_BYTES / 1e6:.0f} MB for a data file; "
                    "is it a runaway export or a paste error? (raise helpers.data.readers.MAX_FILE_BYTES if it is real)",
                )
            ]
        )


def _frame(records: list[tuple[int, list[str]]], header: list[str], name: str) -> pd.DataFrame:
    """Rows numbered as a spreadsheet shows them; ragged rows are problems naming the first odd cell."""
    problems = []
    for position, column in enumerate(header, start=1):
        if not column.strip():
            problems.append(Problem(name, HEADER_ROW, column_letter(position), "header cell is empty; every column needs a name"))
    duplicated = sorted({c for c in header if c.strip() and header.count(c) > 1})
    for column in duplicated:
        problems.append(Problem(name, HEADER_ROW, column, "the header names this column twice"))
    rows, numbers = [], []
    for number, cells in records:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            extra = next(i for i, c in enumerate(cells) if i >= len(header) and c.strip())
            problems.append(
                Problem(
                    name,
                    number,
                    column_letter(extra + 1),
                    f"has a cell beyond the last named column ('{header[-1]}'); a stray comma or a cell pasted one "
                    "column too far?",
                )
            )
        elif len(cells) < len(header):
            problems.append(
                Problem(
                    name,
                    number,
                    header[len(cells)] if len(cells) < len(header) else None,
                    f"has {len(cells)} cells but the header has {len(header)}: this and the following columns are missing "
                    "(a line break or an unclosed quote in the cell before?)",
                )
            )
        rows.append((cells + [""] * len(header))[: len(header)])
        numbers.append(number)
    if problems:
        raise DataError(problems)
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(numbers, dtype="int64"), dtype=object)
    return frame


def read_csv_cells(path: Path) -> pd.DataFrame:
    """Every cell as text, indexed by spreadsheet row number (header = row 1; blank lines count as rows)."""
    name = display_name(path)
    check_file_size(path, name)
    raw = read_input(path)
    if not raw.strip():
        raise DataError([Problem(name, None, None, "file is empty; it needs a header row and data rows")])
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(
            [Problem(name, HEADER_ROW, None, "is UTF-16 text (byte-order mark at the start); save the file as UTF-8 CSV")]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError([_decoding_problem(raw, exc, name)]) from None
    records = _csv_records(text, name)
    if not records:
        raise DataError([Problem(name, None, None, "file is empty; it needs a header row and data rows")])
    (_, header), body = records[0], records[1:]
    return _frame([(n, cells) for n, cells in body if any(c.strip() for c in cells)], header, name)


def _csv_records(text: str, name: str) -> list[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) for every record; a blank line is a row of its own."""
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end_line = 0
    try:
        for cells in reader:
            records.append((len(records) + 1, cells))
            end_line = reader.line_num
    except csv.Error as exc:
        # The record that failed starts on the line after the last good one; the quote that goes
        # wrong is in the last cell that line holds when read leniently.
        lines = text.splitlines()
        first = lines[end_line] if end_line < len(lines) else ""
        position = len(next(csv.reader([first]), [""]))
        header = records[0][1] if records else []
        column = header[position - 1] if records and position <= len(header) else column_letter(position)
        raise DataError(
            [
                Problem(
                    name,
                    len(records) + 1,
                    column,
                    f"is not a well-formed CSV ({exc}): a quote opened in this cell is never closed, "
                    "or a quote sits inside an unquoted cell",
                )
            ]
        ) from None
    return records


def _decoding_problem(raw: bytes, exc: UnicodeDecodeError, name: str) -> Problem:
    """Where a file stops being UTF-8: its spreadsheet row and column, found by reading it leniently."""
    text = raw.decode("utf-8-sig", errors="replace")
    row, column = None, None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        records = []
    header = records[0] if records else []
    for number, cells in enumerate(records, start=1):
        position = next((i for i, cell in enumerate(cells) if "\ufffd" in cell), None)
        if position is not None:
            row = number
            column = header[position] if position < len(header) and number > HEADER_ROW else column_letter(position + 1)
            break
    return Problem(
        name,
        row,
        column,
        f"is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}, perhaps Latin-1 or Windows-1252); "
        "save the file as UTF-8 CSV",
    )


def cell_text(value) -> str:
    """A workbook cell as the text a person sees: the one rule for every workbook the report reads.

    Empty -> ''; TRUE/FALSE as a spreadsheet shows them; a whole number without '.0'; a date (or a date and
    time at midnight) as YYYY-MM-DD; a formula as its '=' text, never a computed value (the loaders refuse
    formulas, naming the cell); anything else as typed, spaces included (the loaders report stray ones).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time(0) else str(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


# Limits on a workbook's structure, checked on its XML before openpyxl builds it in memory: today's
# sources sheet has under a hundred rows and about 25 columns, so these leave a hundredfold margin and
# more, while refusing a sheet that would take minutes or gigabytes to load.
MAX_SHEETS = 50
MAX_PARTS = 1_000  # files inside the workbook (a spreadsheet program writes a few dozen)
MAX_SHEET_ROWS = 100_000
MAX_SHEET_CELLS = 2_000_000
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")


class _Refused(Exception):
    """A part declares a DTD or an entity (raised from inside the XML parser)."""


@dataclass
class Layout:
    """What a workbook's XML says beyond its cells: hidden rows and columns, by sheet name (1-based numbers)."""

    hidden_rows: dict[str, set[int]] = field(default_factory=dict)
    hidden_columns: dict[str, set[int]] = field(default_factory=dict)


def _refuse(*_args) -> None:
    raise _Refused


def _scan_part(archive: zipfile.ZipFile, part: str, name: str, found: dict) -> None:
    """Parse one XML part with expat as a stream, refusing any DTD or entity (so no entity expansion), counting
    a sheet's rows and cells against the limits, and noting hidden rows and columns and the sheet names."""
    is_sheet = bool(_WORKSHEET.match(part))
    counts = {"row": 0, "c": 0}
    hidden_rows, hidden_columns = found["rows"].setdefault(part, set()), found["columns"].setdefault(part, set())

    def start(tag: str, attributes: dict) -> None:
        local = tag.rsplit(":", 1)[-1]
        if is_sheet and local in counts:
            counts[local] += 1
            if counts["row"] > MAX_SHEET_ROWS or counts["c"] > MAX_SHEET_CELLS:
                raise DataError(
                    [
                        Problem(
                            name,
                            None,
                            None,
                            f"part {part} holds over {MAX_SHEET_ROWS:,} rows or {MAX_SHEET_CELLS:,} cells, over the "
                            "limit for a sheet; is it a runaway export?",
                        )
                    ]
                )
            if local == "row" and attributes.get("hidden") in ("1", "true") and attributes.get("r", "").isdigit():
                hidden_rows.add(int(attributes["r"]))
        elif is_sheet and local == "col" and attributes.get("hidden") in ("1", "true"):
            low, high = int(attributes.get("min", "0") or 0), int(attributes.get("max", "0") or 0)
            hidden_columns.update(range(low, min(high, low + 16384) + 1))
        elif part == "xl/workbook.xml" and local == "sheet":
            relation = next((v for k, v in attributes.items() if k.rsplit(":", 1)[-1] == "id"), "")
            found["sheets"][relation] = attributes.get("name", "")
        elif part == "xl/_rels/workbook.xml.rels" and local == "Relationship":
            target = attributes.get("Target", "")
            found["targets"][attributes.get("Id", "")] = target.lstrip("/") if target.startswith("/") else "xl/" + target

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = parser.UnparsedEntityDeclHandler = _refuse
    parser.StartElementHandler = start
    try:
        with archive.open(part) as handle:
            parser.ParseFile(handle)
    except _Refused:
        raise DataError(
            [
                Problem(
                    name,
                    None,
                    None,
                    f"part {part} declares a DTD or entities, which no spreadsheet program writes (an XML "
                    "entity-expansion attack?); the workbook is refused",
                )
            ]
        ) from None
    except expat.ExpatError as exc:
        raise DataError(
            [
                Problem(
                    name,
                    None,
                    None,
                    f"part {part} is not well-formed XML (line {exc.lineno}, column {exc.offset}); the workbook is "
                    "damaged: open it in a spreadsheet program and save it again as .xlsx",
                )
            ]
        ) from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise DataError([Problem(name, None, None, f"part {part} cannot be unpacked ({exc}); the workbook is damaged")]) from None


def _check_parts(archive: zipfile.ZipFile, name: str) -> Layout:
    """Every XML part of the workbook parses (no DTD, so no entity expansion) and no sheet is beyond the limits;
    a failure is one problem naming the part, and the line and column within it. Returns the hidden rows and
    columns of each sheet."""
    if len(archive.infolist()) > MAX_PARTS:
        raise DataError([Problem(name, None, None, f"holds {len(archive.infolist())} parts, over the limit of {MAX_PARTS}")])
    sheets = [m for m in archive.namelist() if _WORKSHEET.match(m)]
    if len(sheets) > MAX_SHEETS:
        raise DataError([Problem(name, None, None, f"has {len(sheets)} sheets, over the limit of {MAX_SHEETS}")])
    found: dict[str, dict] = {"rows": {}, "columns": {}, "sheets": {}, "targets": {}}
    for part in archive.namelist():
        if part.endswith((".xml", ".rels")):
            _scan_part(archive, part, name, found)
    layout = Layout()
    for relation, sheet in found["sheets"].items():
        part = found["targets"].get(relation, "")
        layout.hidden_rows[sheet] = found["rows"].get(part, set())
        layout.hidden_columns[sheet] = found["columns"].get(part, set())
    return layout


def _workbook(path: Path, name: str, read_only: bool = True):
    """The openpyxl workbook and its :class:`Layout`, after every check (see :func:`open_workbook`)."""
    check_file_size(path, name)
    raw = io.BytesIO(read_input(path))  # parsed from these bytes, whose hash the build records
    if not zipfile.is_zipfile(raw):
        raise DataError([Problem(name, None, None, "is not an .xlsx workbook (not a zip archive); save it from Excel as .xlsx")])
    try:
        with zipfile.ZipFile(raw) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
            if unpacked > MAX_UNPACKED_XLSX_BYTES:
                raise DataError(
                    [
                        Problem(
                            name,
                            None,
                            None,
                            f"unpacks to {unpacked / 1e6:.0f} MB, over the limit of {MAX_UNPACKED_XLSX_BYTES / 1e6:.0f} MB "
                            "for a workbook; is it a runaway export?",
                        )
                    ]
                )
            layout = _check_parts(archive, name)
        with warnings.catch_warnings():
            # openpyxl warns about workbook features it ignores (data validation, conditional formats).
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(raw, read_only=read_only, data_only=False), layout
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - a hostile or damaged file: one message naming it, never a traceback
        raise DataError([Problem(name, None, None, f"is not a readable .xlsx workbook ({type(exc).__name__}: {exc})")]) from None


def open_workbook(path: Path, name: str, read_only: bool = True):
    """An .xlsx workbook, formulas as formulas, after the checks every workbook gets (a regular file, size, zip,
    unpacked size, every XML part well-formed and without a DTD or entities, limits on parts, sheets, rows and
    cells).

    Read with openpyxl directly, formulas as formulas: a formula typed into a cell has no computed value until
    a spreadsheet program saves it, and reading values only would make it an empty cell. ``read_only=False``
    when merged cells matter (read-only sheets do not list them). The caller closes the workbook. Whatever
    else goes wrong reading the file is one problem naming it, never a traceback.
    """
    return _workbook(path, name, read_only)[0]


def open_workbook_with_layout(path: Path, name: str, read_only: bool = True):
    """:func:`open_workbook` and the workbook's :class:`Layout` (its hidden rows and columns, by sheet name)."""
    return _workbook(path, name, read_only)


def sheet_text(sheet) -> list[list[str]]:
    """Every row of a worksheet as the text of its cells (:func:`cell_text`), row 1 first."""
    return [[cell_text(v) for v in values] for values in sheet.iter_rows(values_only=True)]


def hidden_problems(
    layout: Layout, sheet: str, name: str, header: list[str], rows: list[tuple[int, list[str]]], header_row: int = HEADER_ROW
) -> list[Problem]:
    """A hidden column of the table, or a hidden row holding data: each a problem naming it (a reader of the
    spreadsheet would not see what the report publishes)."""
    problems = []
    for position in sorted(layout.hidden_columns.get(sheet, set())):
        if 1 <= position <= len(header):
            column = header[position - 1].strip() or column_letter(position)
            problems.append(Problem(name, header_row, column, "is a hidden column; unhide it or delete it"))
    hidden_rows = layout.hidden_rows.get(sheet, set())
    for number, cells in rows:
        if number in hidden_rows and any(c.strip() for c in cells):
            problems.append(
                Problem(name, number, None, "is a hidden row; unhide it (or delete it) so the sheet shows what is published")
            )
    return problems


def read_xlsx_cells(path: Path, sheet: str) -> pd.DataFrame:
    """Every cell of ``sheet`` as text, indexed by its row number in the workbook (header = row 1).

    Hidden rows that hold data and hidden columns of the table are refused, naming them."""
    name = display_name(path)
    book, layout = _workbook(path, name)
    try:
        if sheet not in book.sheetnames:
            raise DataError(
                [Problem(name, None, None, f"has no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)}); rename the sheet")]
            )
        rows = list(enumerate(sheet_text(book[sheet]), start=1))
    finally:
        book.close()
    if not rows or not any(c.strip() for c in rows[0][1]):
        raise DataError([Problem(name, HEADER_ROW, None, f"sheet {sheet!r} has no header row in row 1")])
    hidden = hidden_problems(layout, sheet, name, rows[0][1], rows[1:])
    if hidden:
        raise DataError(hidden)
    header = rows[0][1]
    while header and not header[-1].strip():
        header = header[:-1]
    return _frame([(n, cells) for n, cells in rows[1:] if any(c.strip() for c in cells)], header, name)
