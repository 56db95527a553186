"""One record shape for every API, and the rules that make a fetched record fit the screening log.

A fetched record becomes a :class:`Record` only if it can be screened: it has a title, its DOI (if any) is a DOI,
its address (if any) is an http(s) link, and no field would be read as a formula. Text is cleaned of control,
bidirectional and invisible characters and of markup (Crossref titles carry JATS tags such as ``<i>``), with
whitespace collapsed. A record that fails is a :class:`Malformed` with the reason, counted and reported, never
written.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date

from helpers.data import hygiene, urls
from helpers.data.schema import EARLIEST_YEAR

_DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:.-]*(?:\s[^<>]*)?/?>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Record:
    """A record one source returned, cleaned; ``source`` is the strategy's name for that source."""

    source: str
    title: str
    doi: str = ""
    authors: str = ""
    year: int | None = None
    venue: str = ""
    url: str = ""


class Malformed(ValueError):
    """A record that cannot be screened (its reason is the message)."""


def normalise_doi(value: object) -> str:
    """A bare, lower-case DOI (``10.xxxx/...``) from a DOI, a doi.org address or ``doi:...``; '' when empty."""
    text = _DOI_PREFIXES.sub("", clean_text(value)).strip().lower()
    return text


def clean_text(value: object) -> str:
    """Publishable one-line text: markup removed, entities decoded, refused characters removed, spaces collapsed."""
    if value is None:
        return ""
    text = html.unescape(_TAG.sub("", str(value)))
    return _SPACE.sub(" ", hygiene.cleaned(text)).strip()


def year_of(value: object) -> int | None:
    """A plausible year (the screening log schema's EARLIEST_YEAR to next year) from an int or a string such as
    '2024' or '2024-05-01', else None."""
    match = re.match(r"^\s*(\d{4})", str(value)) if value not in (None, "") else None
    year = int(match.group(1)) if match else None
    return year if year is not None and EARLIEST_YEAR <= year <= date.today().year + 1 else None


def make_record(
    source: str,
    *,
    title: object,
    doi: object = "",
    authors: list[str] = (),
    year: object = None,
    venue: object = "",
    url: object = "",
) -> Record:
    """A cleaned :class:`Record`, or :class:`Malformed` saying why the fetched fields cannot be screened."""
    cleaned_title = clean_text(title)
    if not cleaned_title:
        raise Malformed("it has no title")
    bare = normalise_doi(doi)
    if bare and not _DOI.match(bare):
        raise Malformed(f"its DOI {bare[:60]!r} is not a DOI (10.xxxx/...)")
    address = clean_text(url)
    if address and urls.url_scheme(address) not in ("http", "https") or address and urls.link_target(address) is None:
        raise Malformed(f"its address {address[:60]!r} is not an http(s) link")
    names = "; ".join(name for name in (clean_text(a) for a in authors) if name)
    record = Record(source, cleaned_title, bare, names, year_of(year), clean_text(venue), address)
    for field in ("title", "authors", "venue"):
        if hygiene.is_formula(getattr(record, field)):
            raise Malformed(f"its {field} starts with '=' and would be read as a formula")
    return record
