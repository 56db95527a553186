"""Where a row of the data comes from: transcribed from a paper, or added or changed later by a contributor.

Every table whose rows carry facts has a ``provenance`` column (declared in :mod:`helpers.data.schema`, explained
in ``data/README.md``); a BibTeX entry says it with its fields. Two kinds, told apart by the text:

- ``paper``: the row is transcribed from the paper it names (``study`` or ``paper``, and ``location``; for a
  source, the 2024 reference list entry ``ref_number_2024``). Only these rows are checked against the papers
  (verbatim statements, printed values, titles), by the tests that have the papers.
- ``<what> <YYYY-MM-DD> by <who> from <DOI or document>``, ``<what>`` one of ``added``, ``reworded``,
  ``corrected``: e.g. ``reworded 2026-12-01 by A. Curator from 10.2196/55750 (published version)``. Such rows
  are checked for their schema and their agreement with the other tables, never against the papers.

A BibTeX entry with an ``x-cited-in`` field is transcribed from the papers' reference lists (an empty one: a
paper of the report itself); any other entry says where it comes from in ``x-provenance``, in the second form.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

COLUMN = "provenance"
FROM_PAPER = "paper"
CHANGES = ("added", "reworded", "corrected")
BIBTEX_FIELD = "x-provenance"
BIBTEX_PAPER_FIELD = "x-cited-in"
EXAMPLE = "added 2025-06-30 by A. Curator from 10.1234/example.5678"
_LATER = re.compile(rf"^({'|'.join(CHANGES)}) (\d{{4}}-\d{{2}}-\d{{2}}) by (\S.*?) from (\S.*)$")
# The schema's pattern: either kind (the date's validity is checked by ``problem``).
PATTERN = rf"^(?:{FROM_PAPER}|(?:{'|'.join(CHANGES)}) \d{{4}}-\d{{2}}-\d{{2}} by \S.* from \S.*)$"
HINT = (
    f"must be '{FROM_PAPER}' (transcribed from the paper) or "
    f"'<{'|'.join(CHANGES)}> <YYYY-MM-DD> by <who> from <DOI or document>', e.g. '{EXAMPLE}'"
)


@dataclass(frozen=True)
class Later:
    """A row added or changed after its transcription from the papers."""

    change: str
    date: _dt.date
    who: str
    source: str


def is_from_paper(value: str) -> bool:
    return str(value).strip() == FROM_PAPER


def parse(value: str) -> Later | None:
    """The contributor's record of a later row (None for ``paper`` or text that is neither kind)."""
    match = _LATER.match(str(value).strip())
    if not match:
        return None
    try:
        date = _dt.date.fromisoformat(match.group(2))
    except ValueError:
        return None
    return Later(match.group(1), date, match.group(3).strip(), match.group(4).strip())


def problem(value: str, today: _dt.date | None = None) -> str | None:
    """Why ``value`` is not a provenance (None when it is one): the form, an impossible or future date."""
    text = str(value).strip()
    if text == FROM_PAPER:
        return None
    match = _LATER.match(text)
    if not match:
        return f"{text[:60]!r} {HINT}"
    try:
        date = _dt.date.fromisoformat(match.group(2))
    except ValueError:
        return f"{match.group(2)!r} is not a date; write it as YYYY-MM-DD"
    if date > (today or _dt.date.today()):
        return f"the date {date.isoformat()} is in the future"
    return None


def bibtex_problem(fields: dict[str, str]) -> str | None:
    """Why a BibTeX entry's fields do not say where it comes from (None when they do)."""
    if BIBTEX_PAPER_FIELD in fields:
        return None
    if BIBTEX_FIELD not in fields:
        return (
            f"has neither {BIBTEX_PAPER_FIELD} (a reference of the papers) nor {BIBTEX_FIELD}; an entry added later "
            f"says where it comes from, e.g. {BIBTEX_FIELD} = {{{EXAMPLE}}}"
        )
    if is_from_paper(fields[BIBTEX_FIELD]):
        return (
            f"{BIBTEX_FIELD} = {{{FROM_PAPER}}} needs {BIBTEX_PAPER_FIELD}, the paper and reference number it is transcribed from"
        )
    return problem(fields[BIBTEX_FIELD])
