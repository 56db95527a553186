"""The report's BibTeX: parsed with bibtexparser 2, cross-checked with pybtex (which renders it).

The two parsers disagree on some malformed input, so a file is accepted only when both read it
and agree on the set of keys.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

import bibtexparser
import pandas as pd

from helpers.data import hygiene, privacy, provenance, urls
from helpers.data.errors import DataError, Problem
from helpers.data.paths import dataset_path, note_read, read_input
from helpers.data.readers import check_file_size, display_name, input_path
from helpers.data.schema import BIBKEY, THIS_YEAR

REQUIRED_FIELDS = ("author", "title", "year")
# A web page may lack an author and a date; the bibliography then shows neither, and nothing is guessed.
WEB_TYPES = ("misc", "online")
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
VENUE_FIELDS = ("journal", "booktitle", "publisher", "school", "institution", "howpublished")
_KEY = re.compile(rf"^{BIBKEY}$")
# Fields the privacy guard scans (names, DOIs and ISBNs are public bibliographic data).
FREE_TEXT_FIELDS = ("title", "note", "x-note", "url", "howpublished", "annote", "abstract")
# An entry's own licence, where the work states one (an SPDX id such as CC-BY-4.0): field and loaded column.
LICENSE_FIELD = "x-license"
LICENSE_COLUMN = "license"
SPDX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")


def _field_problems(name: str, line: int, key: str, fields: dict) -> list[Problem]:
    """Text hygiene of every field (``helpers.data.hygiene``) and the URL scheme allow-list (``helpers.data.urls``)."""
    problems = []
    for field, value in fields.items():
        text = str(value.value)
        for message in hygiene.control_problems(text) + hygiene.character_problems(text):
            problems.append(Problem(name, line, field, f"entry {key!r} {message}"))
        if field == "url" and urls.url_problem(text.strip()):
            problems.append(Problem(name, line, field, f"entry {key!r}: the url {urls.url_problem(text.strip())}"))
        if field == LICENSE_FIELD and not SPDX_ID.match(text.strip()):
            problems.append(
                Problem(name, line, field, f"entry {key!r}: {text.strip()!r} is not an SPDX licence id such as CC-BY-4.0")
            )
    return problems


def _problems(path: Path, text: str) -> tuple[list[Problem], list]:
    name = display_name(path)
    try:
        library = bibtexparser.parse_string(text)
    except Exception as exc:  # noqa: BLE001 - a damaged file: one message naming it, never a traceback
        return [Problem(name, None, None, f"bibtexparser cannot read it ({type(exc).__name__}: {exc})")], []
    problems: list[Problem] = []
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, bibtexparser.model.DuplicateBlockKeyBlock):
            problems.append(Problem(name, line, "key", f"duplicate BibTeX key {block.key!r}; keys must be unique"))
        else:
            key = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]*)", block.raw)
            reason = (str(block.error).strip().splitlines() or [type(block.error).__name__])[0]
            problems.append(
                Problem(
                    name,
                    line,
                    None,
                    f"malformed BibTeX entry {key.group(1) if key else ''!r} ({reason}): "
                    "a brace or quote is not closed, or a comma is missing between fields",
                )
            )
    for entry in library.entries:
        line = entry.start_line + 1
        if not _KEY.match(entry.key):
            problems.append(
                Problem(
                    name,
                    line,
                    "key",
                    f"key {entry.key!r} must be lowercase letters and digits: "
                    "name + year + word, e.g. griffiths2012effectiveness",
                )
            )
        fields = entry.fields_dict
        problems += _field_problems(name, line, entry.key, fields)
        required = ("title",) if entry.entry_type.lower() in WEB_TYPES and "url" in fields else REQUIRED_FIELDS
        for field in required:
            if field not in fields or not str(fields[field].value).strip():
                problems.append(Problem(name, line, field, f"entry {entry.key!r} has no {field}"))
        year = str(fields["year"].value).strip() if "year" in fields else ""
        if year and not (year.isdigit() and len(year) == 4 and 1900 <= int(year) <= THIS_YEAR):
            problems.append(
                Problem(
                    name, line, "year", f"entry {entry.key!r} has year {year!r}; it must be a four-digit year up to {THIS_YEAR}"
                )
            )
        for field in FREE_TEXT_FIELDS:
            for kind, masked in privacy.findings(str(fields[field].value)) if field in fields else ():
                problems.append(Problem(name, line, field, f"entry {entry.key!r} {privacy.describe(kind, masked)}"))
        where_from = provenance.bibtex_problem({k.lower(): str(v.value) for k, v in fields.items()})
        if where_from:
            problems.append(Problem(name, line, provenance.BIBTEX_FIELD, f"entry {entry.key!r} {where_from}"))
        if "doi" in fields and not DOI.match(str(fields["doi"].value).strip()):
            problems.append(
                Problem(
                    name, line, "doi", f"entry {entry.key!r} has DOI {fields['doi'].value!r}; write it bare, e.g. 10.2196/79289"
                )
            )
    # Imported here: importing this module loads no pybtex (whose plugin registry the Sphinx extension uses).
    import pybtex.database
    import pybtex.scanner

    try:
        pybtex_keys = set(pybtex.database.parse_string(text, "bibtex").entries.keys())
    except Exception as exc:  # noqa: BLE001 - PybtexError, BibliographyDataError or whatever a hostile file raises
        line_match = re.search(r"line (\d+)", str(exc))
        line = int(line_match.group(1)) if line_match else None
        lines = text.splitlines()
        field = re.match(r"\s*([A-Za-z][\w-]*)\s*=", lines[line - 1]) if line and line <= len(lines) else None
        problems.append(
            Problem(
                name,
                line,
                field.group(1).lower() if field else None,
                f"pybtex (which renders the bibliography) cannot read it: {exc}"
                + ("; is the comma after the previous field missing?" if field else ""),
            )
        )
    else:
        bibtexparser_keys = {e.key for e in library.entries}
        for key in sorted(bibtexparser_keys ^ pybtex_keys):
            problems.append(Problem(name, None, "key", f"parsers disagree about entry {key!r}; check its braces and quotes"))
    return problems, library.entries


@functools.cache
def _load_bibliography(path: Path) -> pd.DataFrame:
    name = display_name(path)
    check_file_size(path, name)
    raw = read_input(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        field = re.search(rb"(?m)^\s*([A-Za-z-]+)\s*=[^\n]*\Z", raw[: exc.start])
        raise DataError(
            [
                Problem(
                    name,
                    line,
                    field.group(1).decode("ascii").lower() if field else None,
                    f"is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}, perhaps Latin-1); save the file as UTF-8",
                )
            ]
        ) from None
    if not text.strip():
        raise DataError([Problem(name, None, None, "file is empty")])
    problems, entries = _problems(path, text)
    if problems:
        raise DataError(problems)
    rows = []
    for entry in entries:
        fields = {k: hygiene.nfc(str(v.value)) for k, v in entry.fields_dict.items()}
        rows.append(
            {
                "bibkey": entry.key,
                "entry_type": entry.entry_type.lower(),
                "author": fields.get("author", ""),
                "editor": fields.get("editor", ""),
                "organization": fields.get("organization", ""),
                "title": fields.get("title", ""),
                "year": int(fields["year"]) if "year" in fields else pd.NA,
                "venue": next((fields[f] for f in VENUE_FIELDS if fields.get(f)), ""),
                "doi": fields.get("doi", ""),
                "cited_in": fields.get(provenance.BIBTEX_PAPER_FIELD, ""),
                "provenance": provenance.FROM_PAPER
                if provenance.BIBTEX_PAPER_FIELD in fields
                else fields.get(provenance.BIBTEX_FIELD, ""),
                LICENSE_COLUMN: fields.get(LICENSE_FIELD, "").strip(),
                "line": entry.start_line + 1,
            }
        )
    return pd.DataFrame(rows).astype({"year": "Int64"})


def load_bibliography(path: Path | None = None) -> pd.DataFrame:
    """One row per BibTeX entry: key, type, author, editor, organization, title, year, venue, DOI, where each
    paper cites it, its provenance (``paper`` for a reference of the papers, else its ``x-provenance``) and its
    licence (``x-license``, an SPDX id, where the work states one)."""
    path = input_path(Path(path) if path else dataset_path("bibliography"))
    note_read(path)  # a chapter depends on this file even when it is served from the cache
    return _load_bibliography(path).copy()


def clear_cache() -> None:
    """Forget the parsed bibliography (validation re-reads every file)."""
    _load_bibliography.cache_clear()


# ---------------------------------------------------------------- the one author-year rule
# The bibliography page's labels (helpers.sphinxext.bibliography) and the in-text citations (helpers.views.tables)
# both come from author_year, so a citation always reads as the entry it links to.
OTHERS = "others"  # BibTeX's "and others": more authors than are named


def family_name(prelast: Sequence[str], last: Sequence[str]) -> str:
    """A person's family name with its von part, as pybtex splits a BibTeX name: 'van Dijk', 'Figueras Bates'."""
    return " ".join([*prelast, *last])


def family_names(author_field: str) -> list[str]:
    """The family names of a BibTeX name list, read as pybtex (which renders the bibliography) reads them.

    'Ali, K. and Farrer, L. and others' -> ['Ali', 'Farrer', 'others']; '{World Health Organization}' ->
    ['{World Health Organization}'] (braces are dropped by ``author_year``).
    """
    return list(_family_names(author_field or ""))


@functools.lru_cache(maxsize=65536)  # a pure function of the text; a long table cites the same works again
def _family_names(author_field: str) -> tuple[str, ...]:
    from pybtex.bibtex.utils import split_name_list
    from pybtex.database import Person

    people = (Person(name) for name in split_name_list(author_field) if name.strip())
    return tuple(family_name(person.prelast_names, person.last_names) for person in people)


def no_author(organization: str | None, title: str | None) -> str:
    """What an entry without author or editor is labelled by: its organisation, else its title's first sentence."""
    return organization or (title or "Anonymous").split(".")[0]


def author_year(families: Sequence[str], year: object, no_author: str = "Anonymous") -> str:
    """The report's author-year label: 'Smith 2021', 'Smith and Jones 2021', 'Smith et al. 2021'.

    ``families`` are the authors' family names in order (``family_names``); a list that ends in ``OTHERS``
    names fewer authors than there are, so it is 'et al.' whatever its length. With no author the label
    starts with ``no_author`` (an organisation, a title); with no year it ends 'n.d.'. BibTeX's braces go.
    """
    names = [name for name in families if name != OTHERS]
    more = len(names) < len(families)
    if not names:
        who = no_author
    elif len(names) == 1 and not more:
        who = names[0]
    elif len(names) == 2 and not more:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    who = who.replace("{", "").replace("}", "")
    when = "" if year is None or (not isinstance(year, str) and pd.isna(year)) else str(year).strip()
    return f"{who} {when or 'n.d.'}"
