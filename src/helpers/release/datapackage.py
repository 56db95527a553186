"""An edition's data as a Frictionless data package: one zip with ``datapackage.json`` and every data file.

``write_package(base, out)`` packages the edition checked out (or exported with ``git archive``) at ``base``:

- every dataset of ``helpers.data.paths.DATASETS`` that ``base`` holds, at its path in the repository (an older
  edition lacks some): the CSVs as they are, ``data/sources.xlsx`` both as the workbook and exported to
  ``data/sources.csv`` (its sheet ``sources``, every cell as the text the report's loaders read), the BibTeX file
  and any other non-tabular file as plain resources, and ``data/README.md`` (the conventions of the data);
- ``datapackage.json`` (Data Package v2, as the ``frictionless`` 5 library reads and validates it): the edition's
  name, title, version and date (``CITATION.cff``), its data fingerprint, licence (``CITATION.cff``), the two
  papers as sources (``bib/references.bib``, with their DOIs and, where the entry records it in ``x-license``,
  their licence), the contributors (``CITATION.cff``) and one resource per file, each with its size and SHA-256.

The fields of each table are generated from the declared schemas (``helpers.data.schema.SCHEMAS``, pandera) and
the loaders' conversions (``helpers.data.loaders.CONVERSIONS``): type, required, unique, pattern, enum, minimum
and maximum where declared, and the rules frictionless cannot express (a custom check) in the field's description.
A column an older file has and today's schema does not declare is a string field that says so; a declared column
an older file lacks is left out. Nothing else describes the tables, so the package cannot disagree with validation.

The package is refused unless the data validate: ``python -m helpers validate`` runs on ``base`` with that
edition's own helpers (its ``src/``, as ``publish`` builds it; the running helpers when ``base`` has none).
The zip is deterministic (members sorted, timestamps the edition's date, permissions 0644, fixed compression):
the same tree gives the same bytes. It is written to a temporary file and renamed, so a failure leaves nothing.

Cells are as the data hold them, NOT formula-neutralised as the site's CSV downloads are: the package is for
machine reuse. Validation refuses cells starting ``=`` (or a fullwidth one); text starting ``+``, ``-`` or ``@``
can be valid data, so open the CSVs in a spreadsheet program only with care (import them as text).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandera.pandas as pa

import helpers
from helpers.data import bib, hygiene, loaders, readers, releases, schema
from helpers.data import citation as edition_file
from helpers.data.errors import DataError
from helpers.data.paths import DATASETS, ROOT_ENV
from helpers.release import artifacts
from helpers.release.git import ReleaseError

DESCRIPTOR = "datapackage.json"
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
# The workbook's table exported as CSV beside it, and the resource name of the workbook itself.
SHEET_EXPORT = "data/sources.csv"
WORKBOOK_RESOURCE = "sources-workbook"
# Documentation packaged with the data (not a dataset: outside the data fingerprint).
README = "data/README.md"
README_RESOURCE = "data-readme"
SPDX_URL = "https://spdx.org/licenses/{}.html"

# Format and media type by file suffix: a fixed table, not the machine's mime database, so every machine writes
# the same descriptor.
FORMATS = {
    ".csv": ("csv", "text/csv"),
    ".xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".bib": ("bib", "application/x-bibtex"),
    ".yml": ("yaml", "application/yaml"),
    ".yaml": ("yaml", "application/yaml"),
    ".md": ("md", "text/markdown"),
    ".json": ("json", "application/json"),
}
# Field types of the typed frames the loaders return (``loaders.CONVERSIONS``); every other column is text.
FIELD_TYPES = {"int64": "integer", "Int64": "integer", "float64": "number", "Float64": "number"}
# pandera's built-in checks that map onto a Frictionless constraint (by the check's name).
BOUNDS = {
    "greater_than_or_equal_to": ("minimum", "min_value"),
    "greater_than": ("exclusiveMinimum", "min_value"),
    "less_than_or_equal_to": ("maximum", "max_value"),
    "less_than": ("exclusiveMaximum", "max_value"),
}

NOT_NEUTRALISED = (
    "Cells are exactly as the report's data hold them: NOT formula-neutralised (unlike the site's CSV downloads), "
    "because this package is for machine reuse. Validation refuses cells starting '=' (or a fullwidth one); a cell "
    "may start with '+', '-' or '@', so import the CSV into a spreadsheet program as text."
)
BIBTEX = (
    "BibTeX: the references of both papers, deduplicated, and the two papers; its custom fields (x-cited-in, "
    "x-provenance, x-note, x-license) are explained in data/README.md."
)
UNDECLARED = "Not declared by the schema of this report's helpers (a column of an older edition): read as text."
MODE = 0o100644  # a regular file, rw-r--r--
MAX_DESCRIPTION_CHECKS = 8


@dataclass(frozen=True)
class EditionInfo:
    """Which edition ``base`` holds: its version (None: unreleased changes), date and data fingerprint."""

    version: str | None
    date: str
    fingerprint: str
    since: str | None  # for unreleased changes, the release they follow


def edition_version(base: Path) -> str | None:
    """The version ``CITATION.cff`` gives, when the data are that edition's; None for unreleased changes.

    The data are an edition's when their fingerprint is the newest release record's, or when ``CITATION.cff``
    names a version above the newest record (the release being cut, before its record is written).
    """
    return _edition_info(Path(base)).version


def _edition_info(base: Path) -> EditionInfo:
    edition_file.clear_cache()
    cff = edition_file.load_edition(base)
    state = releases.edition_state(base)
    newest = state.newest
    being_cut = newest is None or releases.version_key(cff.tag) > releases.version_key(newest["tag"])
    if state.released or being_cut:
        return EditionInfo(cff.version, cff.date_released, state.fingerprint, None)
    return EditionInfo(None, releases.snapshot_date(), state.fingerprint, state.since)


# --------------------------------------------------------------------------- validation


def check_valid(base: Path) -> None:
    """Refuse ``base`` unless ``python -m helpers validate`` passes on it, run with that edition's own helpers."""
    own = base / "src"
    package_dir = own if (own / "helpers" / "__main__.py").is_file() else Path(helpers.__file__).resolve().parents[1]
    env = {
        **os.environ,
        ROOT_ENV: str(base),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(package_dir), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-m", "helpers", "validate"], cwd=base, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        said = (result.stderr.strip() or result.stdout.strip())[-4000:]
        raise ReleaseError(f"the data of {base} do not validate, so no data package is written:\n{said}")


# --------------------------------------------------------------------------- fields from the schemas


def _full_match(pattern: str) -> str:
    """pandera's ``str_matches`` matches at the start (``re.match``); Frictionless matches the whole cell."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern
    return f"(?:{pattern})(?s:.*)"


def _typed(value: str, kind: str):
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    return value


def _bound(constraints: dict, key: str, value) -> None:
    """Set a bound; of two declared, the tighter one holds."""
    if key in constraints:
        value = max(constraints[key], value) if "inimum" in key else min(constraints[key], value)
    constraints[key] = value


def field_for(name: str, column: pa.Column | None, dtype: str | None = None) -> dict:
    """The Frictionless field of column ``name``: from its declared pandera column, or text when undeclared."""
    if column is None:
        return {"name": name, "type": "string", "description": UNDECLARED}
    kind = FIELD_TYPES.get(dtype or "", "string")
    constraints: dict = {}
    notes: list[str] = []
    if not column.nullable:
        constraints["required"] = True
    if column.unique:
        constraints["unique"] = True
    for check in column.checks:
        statistics = check.statistics or {}
        if check.name == "str_matches" and kind == "string":
            constraints["pattern"] = _full_match(statistics["pattern"])
        elif check.name == "str_matches":
            notes.append(f"as text, must match {statistics['pattern']}")
        elif check.name == "isin":
            constraints["enum"] = [_typed(str(v), kind) for v in statistics["allowed_values"]]
        elif check.name in BOUNDS:
            key, statistic = BOUNDS[check.name]
            _bound(constraints, key, statistics[statistic])
        elif check.name == "in_range":
            _bound(constraints, "minimum" if statistics.get("include_min", True) else "exclusiveMinimum", statistics["min_value"])
            _bound(constraints, "maximum" if statistics.get("include_max", True) else "exclusiveMaximum", statistics["max_value"])
        elif check.error:
            notes.append(str(check.error))
    field: dict = {"name": name, "type": kind}
    described = [column.description] if column.description else []
    if (column.metadata or {}).get(hygiene.ASCII_KEY):
        notes.append("every character must be ASCII")
    if notes:
        shown = "; ".join(f"'{note}'" for note in notes[:MAX_DESCRIPTION_CHECKS])
        described.append(f"Also checked by validation (python -m helpers validate), which reports: {shown}.")
    if described:
        field["description"] = " ".join(described)
    if constraints:
        field["constraints"] = constraints
    return field


def table_schema(dataset: str | None, header: list[str]) -> dict:
    """The Table Schema of a file with columns ``header``: fields in the file's order, keys where declared."""
    declared = schema.SCHEMAS.get(dataset) if dataset else None
    columns = declared.columns if declared is not None else {}
    conversions = loaders.CONVERSIONS.get(dataset, {}) if dataset else {}
    fields = [field_for(name, columns.get(name), conversions.get(name)) for name in header]
    result: dict = {"fields": fields}
    key = primary_key(declared, header) if declared is not None else None
    if key:
        result["primaryKey"] = key
    return result


def primary_key(declared: pa.DataFrameSchema, header: list[str]) -> list[str] | None:
    """The declared unique combination, else the first column declared unique and required; None without one."""
    if declared.unique:
        combined = list(declared.unique)
        return combined if set(combined) <= set(header) else None
    for name, column in declared.columns.items():
        if column.unique and not column.nullable and name in header:
            return [name]
    return None


# --------------------------------------------------------------------------- resources


def _resource_name(dataset: str) -> str:
    return dataset.replace("_", "-")


def _dataset_description(dataset: str) -> str | None:
    """The dataset's own description: its schema's, else the first line of its loader's docstring."""
    declared = schema.SCHEMAS.get(dataset)
    if declared is not None and declared.description:
        return declared.description
    loader = getattr(loaders, f"load_{dataset}", None) or getattr(bib, f"load_{dataset}", None)
    doc = (loader.__doc__ or "").strip() if loader else ""
    first = doc.split("\n\n")[0].replace("``", "")
    return " ".join(first.split()) or None


def _file_resource(name: str, path: str, content: bytes, description: str | None) -> dict:
    suffix = Path(path).suffix.lower()
    fmt, mediatype = FORMATS.get(suffix, (suffix.lstrip(".") or "bin", "application/octet-stream"))
    resource = {"name": name, "type": "file", "path": path, "format": fmt, "mediatype": mediatype}
    if description:
        resource["description"] = description
    return resource | _checksums(content)


def _table_resource(name: str, path: str, content: bytes, dataset: str | None, header: list[str], about: str | None) -> dict:
    described = " ".join(filter(None, [about, NOT_NEUTRALISED]))
    return {
        "name": name,
        "type": "table",
        "path": path,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "description": described,
        **_checksums(content),
        "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
        "schema": table_schema(dataset, header),
    }


def _checksums(content: bytes) -> dict:
    return {"hash": f"sha256:{hashlib.sha256(content).hexdigest()}", "bytes": len(content)}


def _header(frame) -> list[str]:
    return [str(c) for c in frame.columns]


def sheet_csv(path: Path) -> tuple[bytes, list[str]]:
    """The workbook's table (sheet ``loaders.SOURCES_SHEET``) as CSV: every cell as the text the loaders read."""
    frame = readers.read_xlsx_cells(path, loaders.SOURCES_SHEET)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_header(frame))
    writer.writerows(frame.itertuples(index=False, name=None))
    return buffer.getvalue().encode("utf-8"), _header(frame)


def collect(base: Path) -> tuple[dict[str, bytes], list[dict]]:
    """Every member of the package but the descriptor (path -> bytes) and its resources, in DATASETS order."""
    members: dict[str, bytes] = {}
    resources: list[dict] = []
    for dataset, relative in DATASETS.items():
        path = base / relative
        if not path.is_file():
            continue  # an older edition, before this dataset was declared
        content = path.read_bytes()
        members[relative] = content
        about = _dataset_description(dataset)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            header = _header(readers.read_csv_cells(path))
            resources.append(_table_resource(_resource_name(dataset), relative, content, dataset, header, about))
        elif suffix == ".xlsx" and dataset == "sources":
            exported, header = sheet_csv(path)
            members[SHEET_EXPORT] = exported
            sheet = f"Sheet '{loaders.SOURCES_SHEET}' of {relative}, exported to CSV."
            resources.append(
                _table_resource(_resource_name(dataset), SHEET_EXPORT, exported, dataset, header, f"{about} {sheet}")
            )
            workbook = (
                f"{about} The workbook as curated: sheet '{loaders.SOURCES_SHEET}' (the table, also as "
                f"{SHEET_EXPORT}) and the sheets that explain it."
            )
            resources.append(_file_resource(WORKBOOK_RESOURCE, relative, content, workbook))
        elif suffix == ".bib":
            resources.append(_file_resource(_resource_name(dataset), relative, content, BIBTEX))
        else:
            resources.append(_file_resource(_resource_name(dataset), relative, content, about))
    readme = base / README
    if readme.is_file():
        members[README] = readme.read_bytes()
        resources.append(_file_resource(README_RESOURCE, README, members[README], "The conventions of the data files."))
    return members, resources


# --------------------------------------------------------------------------- the descriptor


def _license(spdx: str) -> dict:
    return {"name": spdx, "path": SPDX_URL.format(spdx)}


def _paper_sources(base: Path) -> list[dict]:
    """The two papers (``helpers.data.citation.SOURCE_PAPERS``) as read from the edition's BibTeX, with DOIs."""
    path = base / DATASETS["bibliography"]
    entries = bib.load_bibliography(path).set_index("bibkey")
    found = []
    for key in edition_file.SOURCE_PAPERS:
        if key not in entries.index:
            continue
        entry = entries.loc[key]
        families = bib.family_names(entry["author"])
        label = bib.author_year(families, entry["year"]).replace("{", "").replace("}", "")
        title = f"{label}. {entry['title']}. {entry['venue']}".replace("{", "").replace("}", "")
        source = {"title": title}
        if entry["doi"]:
            source["path"] = f"https://doi.org/{entry['doi']}"
        if entry.get(bib.LICENSE_COLUMN):
            source["licenses"] = [_license(entry[bib.LICENSE_COLUMN])]
        found.append(source)
    return found


def descriptor(base: Path, info: EditionInfo, resources: list[dict]) -> dict:
    cff = edition_file.load_edition(base)
    raw = edition_file.read_citation(base)
    which = f"edition {info.version}" if info.version else f"unreleased changes since edition {info.since or '-'}"
    described = (
        f"The data of {cff.title}, {which} ({info.date}; data fingerprint {info.fingerprint}). "
        "Every file as the report's repository holds it, with the spreadsheet's table also as CSV; each table's "
        "fields are generated from the report's declared schemas. " + NOT_NEUTRALISED
    )
    result: dict = {
        "$schema": PROFILE,
        "name": artifacts.STEM,
        "title": f"{cff.title} (data, {which})",
        "description": described,
    }
    if info.version:
        result["version"] = info.version
    result["created"] = f"{info.date}T00:00:00Z"
    link = cff.link
    if link:
        result["homepage"] = link
    if cff.keywords:
        result["keywords"] = list(cff.keywords)
    if cff.license:
        result["licenses"] = [_license(str(cff.license))]
    result["sources"] = _paper_sources(base)
    result["contributors"] = [{"title": name, "roles": ["author"]} for name in cff.authors]
    if raw.get("doi"):
        result["id"] = f"https://doi.org/{raw['doi']}"
    result["dataFingerprint"] = info.fingerprint
    result["resources"] = resources
    return result


# --------------------------------------------------------------------------- the zip


def _date_time(date: str) -> tuple[int, int, int, int, int, int]:
    day = datetime.date.fromisoformat(date)
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)  # zip dates start in 1980


def write_zip(out: Path, members: dict[str, bytes], date: str) -> None:
    """``members`` into ``out``, deterministically; written to a temporary file and renamed (nothing on failure)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with zipfile.ZipFile(partial, "w") as archive:
            for name in sorted(members):
                info = zipfile.ZipInfo(name, date_time=_date_time(date))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # unix, so the permissions below are read
                info.external_attr = MODE << 16
                archive.writestr(info, members[name], compresslevel=9)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def _digests(base: Path) -> dict[str, str | None]:
    return {
        relative: hashlib.sha256((base / relative).read_bytes()).hexdigest() if (base / relative).is_file() else None
        for relative in DATASETS.values()
    }


def write_package(base: Path, out: Path) -> dict:
    """Write the data package of the edition at ``base`` to the zip ``out``; what a release record keeps about it.

    Raises ``ReleaseError`` (nothing written) when the data do not validate or cannot be read.
    """
    base, out = Path(base).resolve(), Path(out).resolve()
    before = _digests(base)
    check_valid(base)
    try:
        info = _edition_info(base)
        members, resources = collect(base)
        packaged = {r: hashlib.sha256(members[r]).hexdigest() if r in members else None for r in DATASETS.values()}
        if packaged != before or edition_file.data_fingerprint_of(packaged) != info.fingerprint:
            raise ReleaseError(f"the data of {base} changed while they were packaged; run the command again")
        members[DESCRIPTOR] = (json.dumps(descriptor(base, info, resources), indent=2, ensure_ascii=False) + "\n").encode()
    except DataError as exc:
        raise ReleaseError(f"the data of {base} cannot be packaged:\n{exc}") from None
    write_zip(out, members, info.date)
    content = out.read_bytes()
    return {
        "name": out.name,
        "bytes": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "resources": [r["name"] for r in resources],
    }


def default_out(base: Path) -> Path:
    """Where ``python -m helpers datapackage`` writes: ``_build/downloads/<artifacts.data_package_name(version)>``."""
    return Path(base) / "_build" / artifacts.DOWNLOADS / artifacts.data_package_name(edition_version(base))


def command(out: str | None, base: Path) -> int:
    """``python -m helpers datapackage [--out FILE]``: 0 when written, 1 (the reason on stderr) when refused."""
    try:
        target = Path(out) if out else default_out(base)
        written = write_package(base, target)
    except (ReleaseError, DataError) as exc:
        print(f"Data package not written: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Data package not written: cannot write {out or default_out(base)}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Wrote {target} ({written['bytes']:,} bytes, sha256 {written['sha256'][:12]}): {', '.join(written['resources'])}.")
    return 0
