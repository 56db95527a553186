"""One client per scholarly API: send the strategy's query for a publication-date window, page through every answer
with the API's own cursor, and turn each returned item into a :class:`~helpers.search.records.Record`.

- **OpenAlex** ``GET /works?search=...&filter=from_publication_date:A,to_publication_date:B&per_page=N&cursor=*``;
  the next page's cursor is ``meta.next_cursor``, null (or an empty ``results``) at the end. ``mailto`` names the
  caller; ``OPENALEX_API_KEY``, if set, is sent as ``api_key`` (never recorded): since February 2026 OpenAlex
  gives a caller without a key a very small daily allowance (developers.openalex.org, "Authentication & Pricing").
- **Crossref** ``GET /works?query=...&filter=from-pub-date:A,until-pub-date:B&rows=N&cursor=*``; the next cursor is
  ``message.next-cursor``; the end is a page with no ``items``. ``mailto`` joins the polite pool.
- **Europe PMC** ``GET /search?query=(...) AND FIRST_PDATE:[A TO B]&format=json&resultType=lite&pageSize=N&cursorMark=*``;
  the next cursor is ``nextCursorMark``, the same mark as sent (or no results) at the end. ``email`` names the caller.

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


# ------------------------------------------------------------------ paging through each API


def _openalex_pages(
    http: Polite, base: str, query: str, start: str, end: str, contact: str | None, size: int
) -> tuple[str, Iterator[list]]:
    fixed = {"search": query, "filter": f"from_publication_date:{start},to_publication_date:{end}"}
    extra = {"per_page": str(size), **({"mailto": contact} if contact else {})}
    if os.environ.get("OPENALEX_API_KEY"):
        extra["api_key"] = os.environ["OPENALEX_API_KEY"]

    def pages():
        cursor, page = "*", 0
        while cursor:
            page += 1
            body = http.get_json(f"{base}/works", {**fixed, **extra, "cursor": cursor})
            results = _get(body, "results")
            if not isinstance(results, list) or not isinstance(_get(body, "meta"), dict):
                raise _shape("openalex", page, "no meta object or results list")
            yield results
            cursor = body["meta"].get("next_cursor") if results else None

    return _sent(fixed), pages()


def _crossref_pages(
    http: Polite, base: str, query: str, start: str, end: str, contact: str | None, size: int
) -> tuple[str, Iterator[list]]:
    fixed = {"query": query, "filter": f"from-pub-date:{start},until-pub-date:{end}"}
    extra = {"rows": str(size), **({"mailto": contact} if contact else {})}

    def pages():
        cursor, page = "*", 0
        while cursor:
            page += 1
            body = http.get_json(f"{base}/works", {**fixed, **extra, "cursor": cursor})
            items = _get(body, "message", "items")
            if _get(body, "status") != "ok" or not isinstance(items, list):
                raise _shape("crossref", page, "status is not ok or message.items is not a list")
            yield items
            cursor = _get(body, "message", "next-cursor") if items else None

    return _sent(fixed), pages()


def _europepmc_pages(
    http: Polite, base: str, query: str, start: str, end: str, contact: str | None, size: int
) -> tuple[str, Iterator[list]]:
    fixed = {"query": f"({query}) AND FIRST_PDATE:[{start} TO {end}]", "resultType": "lite", "format": "json"}
    extra = {"pageSize": str(size), **({"email": contact} if contact else {})}

    def pages():
        cursor, page = "*", 0
        while cursor:
            page += 1
            body = http.get_json(f"{base}/search", {**fixed, **extra, "cursorMark": cursor})
            results = _get(body, "resultList", "result")
            if not isinstance(results, list):
                raise _shape("europepmc", page, "resultList.result is not a list")
            yield results
            following = _get(body, "nextCursorMark")
            cursor = following if results and following and following != cursor else None

    return _sent(fixed), pages()


def _sent(params: dict[str, str]) -> str:
    return " & ".join(f"{key}={value}" for key, value in params.items())


PAGERS: dict[str, Callable] = {"openalex": _openalex_pages, "crossref": _crossref_pages, "europepmc": _europepmc_pages}
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
    if source not in PAGERS:
        raise SourceError(f"{source}: not a source this search knows ({', '.join(PAGERS)})")
    sent, pages = PAGERS[source](http, base_url(source, base), query, start, end, contact, page_size)
    fetched = Fetched(source, sent)
    try:
        for items in pages:
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
