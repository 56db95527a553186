"""Load and validate each dataset once; return typed DataFrames.

A loader reads every cell as text, checks it against the declared schema (``helpers.data.schema``) and
only then converts types. Any problem raises :class:`helpers.data.errors.DataError` listing every bad cell
by file, row and column. Results are cached per file path for the life of the process.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from helpers.data import appendix, hygiene, privacy, provenance, schema
from helpers.data.errors import DataError, Problem
from helpers.data.paths import dataset_path, note_read
from helpers.data.readers import HEADER_ROW, display_name, input_path, read_csv_cells, read_xlsx_cells

SOURCES_SHEET = "sources"

MAX_CELL_CHARS = 5000


def _number_rows(frame: pd.DataFrame, row_numbers: list[int] | None = None) -> pd.DataFrame:
    """Rows numbered as a spreadsheet shows them (or as given), unless a reader has numbered them already."""
    frame = frame.copy()
    if row_numbers is not None:
        frame.index = pd.Index(row_numbers)
    elif frame.index.equals(pd.RangeIndex(len(frame))):
        frame.index = pd.RangeIndex(HEADER_ROW + 1, HEADER_ROW + 1 + len(frame))
    frame.columns = [str(c) for c in frame.columns]
    return frame


# --------------------------------------------------------------------------- checking


def _cell_problems(frame: pd.DataFrame, name: str, dataframe_schema: pa.DataFrameSchema | None = None) -> list[Problem]:
    """Checks every table shares: text hygiene (formulas, control and invisible characters, bidirectional
    controls, non-ASCII ids: ``helpers.data.hygiene``) and huge cells."""
    problems = []
    declared = dataframe_schema.columns if dataframe_schema is not None else {}
    for column in frame.columns:
        cells = frame[column]
        filled = cells[cells.map(lambda v: isinstance(v, str) and v != "")]
        if filled.empty:
            continue
        ascii_only = column in declared and bool((declared[column].metadata or {}).get(hygiene.ASCII_KEY))
        problems += [Problem(name, row, column, message) for row, message in hygiene.column_problems(filled, ascii_only)]
        for row, length in filled.str.len()[filled.str.len() > MAX_CELL_CHARS].items():
            problems.append(
                Problem(name, row, column, f"is {length} characters long (limit {MAX_CELL_CHARS}); is it a paste error?")
            )
    return problems


def _privacy_problems(frame: pd.DataFrame, dataframe_schema: pa.DataFrameSchema, name: str) -> list[Problem]:
    """The privacy guard over every column the schema declares (``helpers.data.privacy``)."""
    problems = []
    notes = frame[privacy.REVIEW_COLUMN] if privacy.REVIEW_COLUMN in frame.columns else pd.Series(dtype=object)
    reviewed = {row for row, note in notes.items() if isinstance(note, str) and not privacy.review_problem(note)}
    for column, declared in dataframe_schema.columns.items():
        kind = (declared.metadata or {}).get(privacy.PRIVACY_KEY)
        if column not in frame.columns or kind is None:
            continue
        for row, value in frame[column].items():
            if not isinstance(value, str) or not value.strip():
                continue
            if kind == privacy.PARTICIPANT_ID_COLUMN:
                why = privacy.participant_id_problem(value.strip())
                if why:
                    problems.append(Problem(name, row, column, why))
            elif column == privacy.REVIEW_COLUMN:
                why = privacy.review_problem(value)
                if why:
                    problems.append(Problem(name, row, column, why))
            else:
                for found, masked in privacy.findings(value):
                    if found == privacy.NAME_NEAR_CONDITION and (row in reviewed or kind == privacy.PUBLIC_AUTHORSHIP):
                        continue  # a curator checked this row's names (privacy.REVIEW_COLUMN), or authorship is public
                    problems.append(Problem(name, row, column, privacy.describe(found, masked)))
    return problems


def _schema_problems(frame: pd.DataFrame, dataframe_schema: pa.DataFrameSchema, name: str) -> list[Problem]:
    # Blank cells become missing values: required columns report them once, checks skip them.
    blanked = frame.apply(lambda column: column.mask(column.str.strip() == ""))
    if frame.empty:  # a log with a header only (LOGS): its columns are checked, and no cell can be of another type
        blanked = blanked.astype(str)
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
        elif check == "multiple_fields_uniqueness":
            # pandera reports each field of the combined key separately; the duplicate is the combination.
            columns = list(dataframe_schema.unique or [])
            if row is None or not set(columns) <= set(frame.columns):
                continue
            key = tuple(frame.loc[row, c] for c in columns)
            others = _duplicate_rows(frame, None, dataframe_schema, row)
            also = f" (also in row {', '.join(map(str, others))})" if others else ""
            problems.append(
                Problem(name, row, ", ".join(columns), f"duplicate combination {key!r}{also}; together these must be unique")
            )
        elif check == "field_uniqueness":
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
    frame = hygiene.normalise(_number_rows(frame, row_numbers))
    if frame.empty and dataset not in LOGS:
        raise DataError([Problem(name, None, None, "has a header but no data rows")])
    dataframe_schema = schema.SCHEMAS[dataset]
    if provenance.COLUMN in dataframe_schema.columns and provenance.COLUMN not in frame.columns:
        # A file from before rows recorded their provenance (the first edition's, read from its tag by the
        # changelog) was transcribed from the papers, all of it.
        frame[provenance.COLUMN] = provenance.FROM_PAPER
    problems = (
        _cell_problems(frame, name, dataframe_schema)
        + _schema_problems(frame, dataframe_schema, name)
        + _privacy_problems(frame, dataframe_schema, name)
    )
    if problems:
        raise DataError(problems)
    return frame


# --------------------------------------------------------------------------- loaders


# Logs that start empty (a header and no rows until the first search runs): an empty one is valid.
LOGS = frozenset({"search_runs", "screening"})

# How each dataset's checked text columns become typed ("Int64" and "Float64" allow empty cells).
CONVERSIONS: dict[str, dict[str, str]] = {
    "sources": {"year": "Int64", "ref_number_2024": "Int64"},
    "cmos": {"study": "int64", "theory_area_number": "int64"},
    "reported_values": {"paper": "int64", "wave": "Int64", "value": "Float64"},
    "reference_map": {"paper": "int64", "ref_number": "int64"},
    "design_implications": {"paper": "int64", "theory_area_number": "int64"},
    "value_relations": {},
    "cross_checks": {"paper": "int64"},
    "claims": {"paper": "int64"},
    "staff_quotes": {"paper": "int64"},
    "evaluation_findings": {"paper": "int64"},
    "search_runs": {
        "records_identified": "int64",
        "duplicates_removed": "int64",
        "records_unusable": "int64",
        "records_added": "int64",
    },
    "screening": {"year": "Int64"},
}


def _typed(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    for column, dtype in CONVERSIONS[dataset].items():
        frame[column] = pd.to_numeric(frame[column].replace("", None)).astype(dtype)
    return frame


def _resolve(dataset: str, path: Path | str | None) -> Path:
    resolved = input_path(Path(path) if path else dataset_path(dataset))
    note_read(resolved)  # a chapter depends on this file even when it is served from the cache
    return resolved


@functools.cache
def _load_csv(dataset: str, path: Path) -> pd.DataFrame:
    return _typed(check_table(read_csv_cells(path), dataset, display_name(path)), dataset)


@functools.cache
def _load_sources(path: Path, column_map: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    if not column_map:
        return _typed(check_table(read_xlsx_cells(path, SOURCES_SHEET), "sources", display_name(path)), "sources")
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
    ``helpers.data.appendix``; ``appendix.APPENDIX_COLUMN_MAP`` is the mapping for the 2024 synthesis's
    Multimedia Appendix 5. Columns the file lacks read "not reported".
    """
    return _load_sources(_resolve("sources", path), tuple(sorted((column_map or {}).items()))).copy()


def load_cmos(path: Path | str | None = None) -> pd.DataFrame:
    """Every CMO configuration of both studies, verbatim, with its components split out."""
    return _load_csv("cmos", _resolve("cmos", path)).copy()


def load_reported_values(path: Path | str | None = None) -> pd.DataFrame:
    """Every number the papers report about their samples and survey, one value per row, as printed."""
    return _load_csv("reported_values", _resolve("reported_values", path)).copy()


def reported(value_ids: list[str]) -> pd.DataFrame:
    """Rows of the reported values, in the order asked (each once); a missing id is an error, not a gap."""
    value_ids = list(dict.fromkeys(value_ids))
    values = load_reported_values().set_index("value_id", drop=False)
    missing = [v for v in value_ids if v not in values.index]
    if missing:
        raise KeyError(f"data/reported_values.csv lacks value_id(s): {', '.join(missing)}")
    return values.loc[value_ids].reset_index(drop=True)


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


def load_claims(path: Path | str | None = None) -> pd.DataFrame:
    """The report's own finding sentences, each with the verbatim passage of a paper it rests on."""
    return _load_csv("claims", _resolve("claims", path)).copy()


def load_search_runs(path: Path | str | None = None) -> pd.DataFrame:
    """Every completed surveillance search, one row per source queried: the query, the window and the counts."""
    return _load_csv("search_runs", _resolve("search_runs", path)).copy()


def load_screening(path: Path | str | None = None) -> pd.DataFrame:
    """The screening log: every candidate record a search found, and the decision on it (empty until a search runs)."""
    return _load_csv("screening", _resolve("screening", path)).copy()


# A source's label_note holds one note per passage whose printed CMO label differs from its content.
LABEL_NOTE_SEPARATOR = " | "


def label_disagreements(sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per cited passage whose printed CMO label differs from the configuration it describes.

    The one place that says which labels disagree (data/sources.xlsx, column ``label_note``, one note per passage):
    the evidence-base page lists these rows and the audit's verdict on each source counts them. Columns: the
    source's ``source_id``, ``bibkey``, ``ref_number_2024``, ``authors``, ``year``, ``cmo_ids_as_labelled``,
    ``cmo_ids``, and ``passage_note``.
    """
    sources = load_sources() if sources is None else sources
    columns = ["source_id", "bibkey", "ref_number_2024", "authors", "year", "cmo_ids_as_labelled", "cmo_ids"]
    rows = [
        {**{c: source[c] for c in columns}, "passage_note": note.strip()}
        for _, source in sources.iterrows()
        for note in str(source["label_note"]).split(LABEL_NOTE_SEPARATOR)
        if note.strip()
    ]
    return pd.DataFrame(rows, columns=[*columns, "passage_note"])


def load_staff_quotes(path: Path | str | None = None) -> pd.DataFrame:
    """Quotes from the 2024 synthesis's staff interviews, verbatim, with the role label as printed and the
    configuration the narrative ties each to."""
    return _load_csv("staff_quotes", _resolve("staff_quotes", path)).copy()


def load_evaluation_findings(path: Path | str | None = None) -> pd.DataFrame:
    """Passages of the 2025 evaluation's results that name one of its initial theories, verbatim."""
    return _load_csv("evaluation_findings", _resolve("evaluation_findings", path)).copy()


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
