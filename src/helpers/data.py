"""Load and validate each dataset once; return typed DataFrames.

A loader reads every cell as text, checks it against the declared schema (``helpers.schema``) and
only then converts types. Any problem raises :class:`helpers.errors.DataError` listing every bad cell
by file, row and column. Results are cached per file path for the life of the process.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from . import appendix, schema
from .errors import DataError, Problem
from .paths import dataset_path, root

SOURCES_SHEET = "sources"
HEADER_ROW = 1  # row number of the header in every table; data start on the next row

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_CELL_CHARS = 5000


def display_name(path: Path) -> str:
    """The path as a contributor would type it: relative to the repository root where possible."""
    try:
        return str(path.resolve().relative_to(root()))
    except (ValueError, FileNotFoundError):
        return str(path)


# --------------------------------------------------------------------------- reading raw text


def _read_csv(path: Path) -> pd.DataFrame:
    name = display_name(path)
    if not path.is_file():
        raise DataError([Problem(name, None, None, "file not found")])
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError([Problem(name, None, None, "file is empty; it needs a header row and data rows")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            [Problem(name, line, None, f"is not UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8 CSV")]
        ) from None

    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = int(match.group(1)) if match else None
        raise DataError([Problem(name, line, None, f"is not a well-formed CSV: {exc}")]) from None
    return frame


def _read_xlsx(path: Path, sheet: str) -> pd.DataFrame:
    name = display_name(path)
    if not path.is_file():
        raise DataError([Problem(name, None, None, "file not found")])
    if path.stat().st_size == 0:
        raise DataError([Problem(name, None, None, "file is empty")])
    if not zipfile.is_zipfile(path):
        raise DataError([Problem(name, None, None, "is not an .xlsx workbook (not a zip archive); save it from Excel as .xlsx")])
    try:
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False, na_filter=False, engine="openpyxl")
    except ValueError as exc:
        raise DataError([Problem(name, None, None, f"cannot read sheet {sheet!r}: {exc}")]) from None
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise DataError([Problem(name, None, None, f"is not a readable .xlsx workbook: {exc}")]) from None
    return frame


def _number_rows(frame: pd.DataFrame, row_numbers: list[int] | None = None) -> pd.DataFrame:
    frame = frame.copy()
    frame.index = pd.Index(row_numbers) if row_numbers is not None else pd.RangeIndex(HEADER_ROW + 1, HEADER_ROW + 1 + len(frame))
    frame.columns = [str(c) for c in frame.columns]
    return frame


# --------------------------------------------------------------------------- checking


def _cell_problems(frame: pd.DataFrame, name: str) -> list[Problem]:
    """Checks every table shares: no formulas, invisible characters, control characters, huge cells."""
    problems = []
    for column in frame.columns:
        for row, value in frame[column].items():
            if not isinstance(value, str) or not value:
                continue
            if value.startswith("="):
                problems.append(Problem(name, row, column, f"holds a formula ({value[:40]!r}); paste the value instead"))
            if _INVISIBLE.search(value):
                problems.append(
                    Problem(
                        name, row, column, "holds an invisible character (zero-width space, soft hyphen or BOM); retype the cell"
                    )
                )
            if _CONTROL.search(value):
                problems.append(Problem(name, row, column, "holds a control character; retype the cell"))
            if len(value) > MAX_CELL_CHARS:
                problems.append(
                    Problem(name, row, column, f"is {len(value)} characters long (limit {MAX_CELL_CHARS}); is it a paste error?")
                )
    return problems


def _schema_problems(frame: pd.DataFrame, dataframe_schema: pa.DataFrameSchema, name: str) -> list[Problem]:
    # Blank cells become missing values: required columns report them once, checks skip them.
    blanked = frame.apply(lambda column: column.mask(column.str.strip() == ""))
    try:
        dataframe_schema.validate(blanked, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return _describe_failures(exc.failure_cases, frame, dataframe_schema, name)
    return []


def _describe_failures(cases: pd.DataFrame, frame: pd.DataFrame, dataframe_schema, name: str) -> list[Problem]:
    problems = []
    expected = ", ".join(dataframe_schema.columns)
    for case in cases.to_dict("records"):
        check = str(case["check"])
        column = case["column"] if isinstance(case["column"], str) else None
        value = case["failure_case"]
        index = case["index"]
        row = int(index) if index is not None and not pd.isna(index) else None
        if check == "column_in_schema":
            problems.append(Problem(name, HEADER_ROW, str(value), f"unexpected column; the columns are: {expected}"))
        elif check == "column_in_dataframe":
            problems.append(Problem(name, HEADER_ROW, str(value), "required column is missing (renamed or deleted?)"))
        elif check in ("field_uniqueness", "multiple_fields_uniqueness"):
            target = column or ", ".join(dataframe_schema.unique or [])
            others = _duplicate_rows(frame, column, dataframe_schema, row)
            also = f" (also in row {', '.join(map(str, others))})" if others else ""
            problems.append(Problem(name, row, target, f"duplicate value {value!r}{also}; ids must be unique"))
        elif check == "not_nullable":
            problems.append(Problem(name, row, column, "is empty; this column is required"))
        elif check.startswith("dtype(") or check.startswith("coerce_dtype("):
            problems.append(Problem(name, row, column, f"holds a non-text value {value!r}"))
        else:
            shown = value if not isinstance(value, str) or len(value) < 80 else value[:77] + "..."
            problems.append(Problem(name, row, column, f"{check} (found {shown!r})"))
    return problems


def _duplicate_rows(frame: pd.DataFrame, column: str | None, dataframe_schema, row: int | None) -> list[int]:
    columns = [column] if column else list(dataframe_schema.unique or [])
    if row is None or not set(columns) <= set(frame.columns):
        return []
    key = tuple(frame.loc[row, c] for c in columns)
    same = frame[columns].apply(tuple, axis=1) == key
    return [int(r) for r in frame.index[same] if r != row]


def check_table(frame: pd.DataFrame, dataset: str, name: str, row_numbers: list[int] | None = None) -> pd.DataFrame:
    """Validate raw text cells of ``frame`` against the schema of ``dataset``; raise DataError on problems.

    Rows are numbered as in the file (header in row 1) unless ``row_numbers`` gives each row's own number.
    """
    frame = _number_rows(frame, row_numbers)
    if frame.empty:
        raise DataError([Problem(name, None, None, "has a header but no data rows")])
    problems = _cell_problems(frame, name) + _schema_problems(frame, schema.SCHEMAS[dataset], name)
    if problems:
        raise DataError(problems)
    return frame


# --------------------------------------------------------------------------- loaders


# How each dataset's checked text columns become typed ("Int64" and "Float64" allow empty cells).
CONVERSIONS: dict[str, dict[str, str]] = {
    "sources": {"year": "Int64", "ref_number_2024": "Int64"},
    "cmos": {"study": "int64", "theory_area_number": "int64"},
    "reported_values": {"paper": "int64", "wave": "Int64", "value": "Float64"},
    "reference_map": {"paper": "int64", "ref_number": "int64"},
    "design_implications": {"paper": "int64", "theory_area_number": "int64"},
    "value_relations": {},
    "cross_checks": {"paper": "int64"},
}


def _typed(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    for column, dtype in CONVERSIONS[dataset].items():
        frame[column] = pd.to_numeric(frame[column].replace("", None)).astype(dtype)
    return frame


def _resolve(dataset: str, path: Path | str | None) -> Path:
    return (Path(path) if path else dataset_path(dataset)).resolve()


@functools.cache
def _load_csv(dataset: str, path: Path) -> pd.DataFrame:
    return _typed(check_table(_read_csv(path), dataset, display_name(path)), dataset)


@functools.cache
def _load_sources(path: Path, column_map: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    if not column_map:
        return _typed(check_table(_read_xlsx(path, SOURCES_SHEET), "sources", display_name(path)), "sources")
    table = appendix.read_appendix(path, dict(column_map))
    try:
        checked = check_table(table.frame, "sources", display_name(path), table.row_numbers)
    except DataError as exc:
        raise DataError([table.explain(p) for p in exc.problems]) from None
    return _typed(checked, "sources")


def load_sources(path: Path | str | None = None, column_map: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The included evidence sources (one row per source), from ``data/sources.xlsx``.

    With ``column_map`` (the file's header text -> a column of the sources schema), any spreadsheet laid
    out like a journal's "characteristics of included studies" appendix loads: title rows above the
    header, merged cells, years such as "2021a" and notes rows below the table are handled by
    ``helpers.appendix``; ``appendix.APPENDIX_COLUMN_MAP`` is the mapping for the 2024 synthesis's
    Multimedia Appendix 5. Columns the file lacks read "not reported".
    """
    return _load_sources(_resolve("sources", path), tuple(sorted((column_map or {}).items()))).copy()


def load_cmos(path: Path | str | None = None) -> pd.DataFrame:
    """Every CMO configuration of both studies, verbatim, with its components split out."""
    return _load_csv("cmos", _resolve("cmos", path)).copy()


def load_reported_values(path: Path | str | None = None) -> pd.DataFrame:
    """Every number the papers report about their samples and survey, one value per row, as printed."""
    return _load_csv("reported_values", _resolve("reported_values", path)).copy()


def load_reference_map(path: Path | str | None = None) -> pd.DataFrame:
    """Which BibTeX key each numbered reference of each paper is."""
    return _load_csv("reference_map", _resolve("reference_map", path)).copy()


def load_design_implications(path: Path | str | None = None) -> pd.DataFrame:
    """The 2025 evaluation's design suggestions for forums (its Textbox 6), verbatim, by theory area."""
    return _load_csv("design_implications", _resolve("design_implications", path)).copy()


def load_value_relations(path: Path | str | None = None) -> pd.DataFrame:
    """Relations between reported values that the audit recomputes (sums, chi-square tables, statements)."""
    return _load_csv("value_relations", _resolve("value_relations", path)).copy()


def load_cross_checks(path: Path | str | None = None) -> pd.DataFrame:
    """Printed labels, citation brackets and reference details, each with what it should agree with."""
    return _load_csv("cross_checks", _resolve("cross_checks", path)).copy()


def split_ids(cell: str) -> list[str]:
    """'CMO-2024-01; CMO-2024-02' -> ['CMO-2024-01', 'CMO-2024-02'] (empty cell -> [])."""
    return [part for part in (p.strip() for p in str(cell).split(";")) if part]


def clear_cache() -> None:
    """Forget every loaded dataset (tests and long-running sessions that edit data call this)."""
    _load_sources.cache_clear()
    _load_csv.cache_clear()


def denominator_id(value_id: str, known_ids) -> str | None:
    """The denominator row of a count or percent: the nearest enclosing ``<prefix>.denominator``.

    ``e25.demog.gender.female.percent`` -> ``e25.demog.gender.denominator``;
    ``e25.interviews.demog.age.16_25.n`` -> ``e25.interviews.demog.denominator``.
    """
    parts = value_id.split(".")[:-2]
    while parts:
        candidate = ".".join(parts) + ".denominator"
        if candidate in known_ids:
            return candidate
        parts.pop()
    return None
