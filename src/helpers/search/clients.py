"""One client per scholarly API: send the strategy's query for a publication-date window, page through every answer
with the API's own cursor, and turn each returned item into a :class:`~helpers.search.records.Record`.

- **OpenAlex** ``GET /works?search=...&filter=from_publication_date:A,to_publication_date:B&per_page=N&cursor=*``;
  the next page's cursor is ``meta.next_cursor``, null (or an empty ``results``) at the end. ``mailto`` names the
  caller; ``OPENALEX_API_KEY``, if set, is sent as ``api_key`` (never recorded): since February 2026 OpenAlex
  gives a caller without a key a very small daily allowance (developers.openalex.org, "Authentication & Pricing").
- **Crossref** ``GET /works?query=...&filter=from-pub-date:A,until-pub-date:B&rows=N&cursor=*``; the next cursor is
  ``message.next-cursor``; the end is a page with no ``items``. ``mailto`` joins the polite pool.
- **Europe PMC** ``GET /search?query=(...) AND FIRST_PDATE:[A TO B]&format=json&resultType=lite&pageSize=N&cursorMark=*``;
  the next cursor is ``nextCursorMark``; at the end it is absent (Europe PMC web services 6.6 release notes) or the
  mark that was sent, or the page has no results. ``email`` names the caller.

What a source returned that cannot be screened is counted and reported (:class:`Fetched.malformed`); an answer
that is not the documented shape fails the whole source (:class:`SourceError`), so nothing half-read is written.
Base addresses default to the public APIs and are overridden per source by ``SURVEIL_<NAME>_URL`` (the tests'
local server) or an argument.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from helpers.search.http import FetchError, Polite
from helpers.search.records import Malformed, Record, make_record

DEFAULT_BASES = {
    "openalex": "https://api.openalex.org",
    "crossref": "https://api.crossref.org",
    "europepmc": "https://www.ebi.ac.uk/europepmc/webservices/rest",
}
BASE_ENV = "SURVEIL_{}_URL"  # e.g. SURVEIL_OPENALEX_URL
PAGE_SIZE = 100  # every API's documented maximum or within it (OpenAlex 100, Crossref 1000, Europe PMC 1000)
OPENALEX_KEY_ENV = "OPENALEX_API_KEY"
MAX_PAGES = 100  # a query that needs more than 10,000 records is not a monthly surveillance query: fail, say so


class SourceError(Exception):
    """A source could not be searched to the end (network, status, or an answer not in the documented shape)."""


@dataclass
class Fetched:
    """What one source returned for one window."""

    source: str
    sent: str  # the query as sent: every parameter but paging, page size and the contact
    records: list[Record] = field(default_factory=list)
    identified: int = 0  # items returned, well-formed or not
    malformed: list[str] = field(default_factory=list)  # one message per skipped item
    pages: int = 0


def base_url(source: str, override: str | None = None) -> str:
    return (override or os.environ.get(BASE_ENV.format(source.upper())) or DEFAULT_BASES[source]).rstrip("/")


def _shape(source: str, page: int, what: str) -> SourceError:
    return SourceError(f"{source}: page {page} is not in the documented format ({what})")


def _get(mapping: object, *keys, default=None):
    for key in keys:
        if not isinstance(mapping, dict):
            return default
        mapping = mapping.get(key)
    return default if mapping is None else mapping


# ------------------------------------------------------------------ parsing one item of each API


def _openalex_record(item: dict) -> Record:
    authors = [_get(a, "author", "display_name", default="") for a in item.get("authorships") or [] if isinstance(a, dict)]
    location = item.get("primary_location") or {}
    doi = item.get("doi") or ""
    url = _get(location, "landing_page_url", default="") or (f"https://doi.org/{doi.split('doi.org/')[-1]}" if doi else "")
    return make_record(
        "openalex",
        title=item.get("title") or item.get("display_name"),
        doi=doi,
        authors=authors,
        year=item.get("publication_year"),
        venue=_get(location, "source", "display_name", default=""),
        url=url or item.get("id") or "",
    )


def _crossref_name(author: dict) -> str:
    if author.get("family"):
        return f"{author['family']}, {author['given']}" if author.get("given") else str(author["family"])
    return str(author.get("name") or "")


def _first(value: object) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return "" if value is None else str(value)


def _crossref_record(item: dict) -> Record:
    parts = next(
        (
            _get(item, key, "date-parts")
            for key in ("issued", "published", "published-print", "published-online")
            if _get(item, key, "date-parts")
        ),
        None,
    )
    year = parts[0][0] if parts and isinstance(parts[0], list) and parts[0] else None
    return make_record(
        "crossref",
        title=_first(item.get("title")),
        doi=item.get("DOI") or "",
        authors=[_crossref_name(a) for a in item.get("author") or [] if isinstance(a, dict)],
        year=year,
        venue=_first(item.get("container-title")),
        url=item.get("URL") or "",
    )


def _europepmc_record(item: dict) -> Record:
    authors = [name.strip() for name in str(item.get("authorString") or "").rstrip(".").split(",")]
    source, ident = item.get("source"), item.get("id")
    return make_record(
        "europepmc",
        title=item.get("title"),
        doi=item.get("doi") or "",
        authors=authors,
        year=item.get("pubYear"),
        venue=item.get("journalTitle") or _get(item, "bookOrReportDetails", "publisher", default=""),
        url=f"https://europepmc.org/article/{source}/{ident}" if source and ident else "",
    )


# ------------------------------------------------------------------ what differs between the APIs' paging


@dataclass(frozen=True)
class Paging:
    """How one API is asked for a window and paged through (one loop, :func:`_pages`, walks all three)."""

    path: str  # the list endpoint, after the base address
    cursor: str  # the parameter that carries the cursor ("*" first)
    size: str  # the parameter that carries the page size
    contact: str  # the parameter that names the caller
    query: Callable[[str, str, str], dict[str, str]]  # (query, start, end) -> the parameters that select records
    items: Callable[[object], object]  # the page's list of records (anything else is not the documented format)
    following: Callable[[object, str], object]  # (page, cursor sent) -> the next cursor, or a false value at the end
    shape: str  # what a page must hold, for the message when it does not


def _europepmc_next(body: object, sent: str) -> object:
    following = _get(body, "nextCursorMark")
    return following if following != sent else None  # the documented end: the same mark comes back


PAGING = {
    "openalex": Paging(
        "/works", "cursor", "per_page", "mailto",
        lambda q, a, b: {"search": q, "filter": f"from_publication_date:{a},to_publication_date:{b}"},
        lambda body: _get(body, "results") if isinstance(_get(body, "meta"), dict) else None,
        lambda body, sent: _get(body, "meta", "next_cursor"),
        "a meta object and a results list",
    ),
    "crossref": Paging(
        "/works", "cursor", "rows", "mailto",
        lambda q, a, b: {"query": q, "filter": f"from-pub-date:{a},until-pub-date:{b}"},
        lambda body: _get(body, "message", "items") if _get(body, "status") == "ok" else None,
        lambda body, sent: _get(body, "message", "next-cursor"),
        "status ok and a message.items list",
    ),
    "europepmc": Paging(
        "/search", "cursorMark", "pageSize", "email",
        lambda q, a, b: {"query": f"({q}) AND FIRST_PDATE:[{a} TO {b}]", "resultType": "lite", "format": "json"},
        lambda body: _get(body, "resultList", "result"),
        _europepmc_next,
        "a resultList.result list",
    ),
}  # fmt: skip


def _pages(http: Polite, source: str, base: str, selection: dict[str, str], extra: dict[str, str]) -> Iterator[list]:
    """Each page's records, following the API's cursor until its documented end (or an empty page)."""
    paging = PAGING[source]
    cursor, page = "*", 0
    while cursor:
        page += 1
        body = http.get_json(f"{base}{paging.path}", {**selection, **extra, paging.cursor: cursor})
        items = paging.items(body)
        if not isinstance(items, list):
            raise _shape(source, page, f"it needs {paging.shape}")
        yield items
        cursor = paging.following(body, cursor) if items else None


def _sent(params: dict[str, str]) -> str:
    return " & ".join(f"{key}={value}" for key, value in params.items())


PARSERS: dict[str, Callable[[dict], Record]] = {
    "openalex": _openalex_record,
    "crossref": _crossref_record,
    "europepmc": _europepmc_record,
}


def fetch(
    http: Polite,
    source: str,
    query: str,
    start: str,
    end: str,
    contact: str | None = None,
    base: str | None = None,
    page_size: int = PAGE_SIZE,
    max_pages: int = MAX_PAGES,
) -> Fetched:
    """Every record ``source`` returns for ``query`` published from ``start`` to ``end`` (YYYY-MM-DD, inclusive)."""
    if source not in PAGING:
        raise SourceError(f"{source}: not a source this search knows ({', '.join(PAGING)})")
    paging = PAGING[source]
    selection = paging.query(query, start, end)
    extra = {paging.size: str(page_size), **({paging.contact: contact} if contact else {})}
    if source == "openalex" and os.environ.get(OPENALEX_KEY_ENV):
        extra["api_key"] = os.environ[OPENALEX_KEY_ENV]
    fetched = Fetched(source, _sent(selection))
    try:
        for items in _pages(http, source, base_url(source, base), selection, extra):
            fetched.pages += 1
            if fetched.pages > max_pages:
                raise SourceError(f"{source}: more than {max_pages} pages of {page_size}; narrow the query")
            for number, item in enumerate(items, start=1):
                fetched.identified += 1
                if not isinstance(item, dict):
                    fetched.malformed.append(f"{source}: page {fetched.pages}, item {number}: not a record")
                    continue
                try:
                    fetched.records.append(PARSERS[source](item))
                except Malformed as exc:
                    fetched.malformed.append(f"{source}: page {fetched.pages}, item {number}: skipped, {exc}")
    except FetchError as exc:
        raise SourceError(f"{source}: {exc}") from None
    return fetched
