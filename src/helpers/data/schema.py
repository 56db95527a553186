"""Declared schemas of the report's tables (pandera), checked on the raw text of each cell.

Every cell is read as text and checked here before anything is converted, so a bad cell is
reported with its own row and column instead of failing a whole-column type conversion.
"""

from __future__ import annotations

import datetime as _dt

import pandera.pandas as pa

from helpers.data import provenance as where_from
from helpers.data.hygiene import ASCII_KEY
from helpers.data.privacy import FREE_TEXT, PRIVACY_KEY, PUBLIC_AUTHORSHIP, REVIEW_COLUMN

NOT_REPORTED = "not reported"
# The four parts of a CMO configuration; a part the text labels more than once holds its
# verbatim clauses joined by SEGMENT_SEPARATOR.
CMO_COMPONENTS = ["context", "mechanism_resource", "mechanism_reasoning", "outcome"]
SEGMENT_SEPARATOR = " | "
THIS_YEAR = _dt.date.today().year
# The earliest year a source or a screened record may have (online forums postdate it).
EARLIEST_YEAR = 1950

CMO_ID = r"CMO-(?:2024-[0-9]{2}(?:\.[0-9])?|2025-(?:I[0-9]|SE[0-9]|UA[0-9]|HO[0-9]|CS[0-9]))"
CMO_ID_LIST = rf"^(?:{CMO_ID}(?:; {CMO_ID})*)?$"
# A list of ids in another table, checked for its shape only: whether each id exists is checked against that
# table (helpers.data.validate), whose message suggests the closest id for a mistyped one.
ID_LIST_SHAPE = r"^(?:[^;\s]+(?:; [^;\s]+)*)?$"
BIBKEY = r"[a-z][a-z0-9]*"

SOURCE_DOCUMENT_TYPES = [
    "journal article",
    "conference paper",
    "thesis",
    "report",
    "book",
    "book chapter",
    "web page",
    "preprint",
    NOT_REPORTED,
]
CMO_KINDS = ["synthesis", "initial", "refined", "new"]
# Which text of a paper a verbatim statement or passage is taken from (the 2024 text is the submitted manuscript).
TEXT_VERSIONS = ["submitted manuscript", "published article"]
REPORTED_DOMAINS = [
    "sample",
    "demographics",
    "caseness",
    "growth_curve",
    "correlation",
    "t_test",
    "item_response",
    "isolation_stigma",
    "reliability",
    "interviews",
    "forum_posts",
    "search",
    "synthesis",
    "other",
]


def _text(
    *checks: pa.Check, required: bool = True, unique: bool = False, privacy: str | None = FREE_TEXT, ascii_only: bool = False
) -> pa.Column:
    """A text column. Empty cells arrive as missing values, so ``checks`` see only filled cells and a
    required column reports an empty cell once, as empty.

    ``privacy`` is what the privacy guard (``helpers.data.privacy``) checks in it: ``FREE_TEXT`` (the
    default: no contact details, profile links, handles or non-pseudonymous participant ids) or
    ``PARTICIPANT_ID`` (every cell a study pseudonym such as Magpie_100; for quote attributions).
    ``ascii_only``: every character ASCII (ids; ``helpers.data.hygiene`` names any other by its code point).
    Patterns write digits as ``[0-9]``, never ``\\d`` (which matches any script's digits).
    """
    metadata = {PRIVACY_KEY: privacy, ASCII_KEY: ascii_only}
    return pa.Column(str, checks=list(checks), nullable=not required, unique=unique, metadata=metadata)


def _id(*checks: pa.Check, required: bool = True, unique: bool = False) -> pa.Column:
    """A column of ids (join keys): ASCII only, and no stray whitespace around them."""
    return _text(*checks, _no_surrounding_space(), required=required, unique=unique, ascii_only=True)


def _matches(pattern: str, error: str) -> pa.Check:
    return pa.Check.str_matches(pattern, error=error)


def _one_of(values: list[str], what: str) -> pa.Check:
    return pa.Check.isin(values, error=f"must be one of the {what}: {', '.join(repr(v) for v in values)}")


def _provenance() -> pa.Column:
    """Where the row comes from (``helpers.data.provenance``): ``paper``, or who added or changed it, when, from what."""
    return _text(
        pa.Check(
            lambda v: where_from.problem(v) is None,
            element_wise=True,
            error=where_from.HINT + ", with a real date, not in the future",
        )
    )


def _no_surrounding_space() -> pa.Check:
    return pa.Check(
        lambda s: s == s.str.strip(),
        element_wise=False,
        error="has leading or trailing whitespace",
    )


SOURCES = pa.DataFrameSchema(
    {
        "source_id": _id(_matches(r"^SRC-[A-Z0-9]{3,6}$", "must look like SRC-040"), unique=True),
        "bibkey": _id(
            _matches(
                rf"^(?:{BIBKEY}|{NOT_REPORTED})$", "must be a BibTeX key such as griffiths2012effectiveness, or 'not reported'"
            )
        ),
        "ref_number_2024": _id(
            _matches(r"^(?:[1-9][0-9]{0,2})?$", "must be a reference number (1-999) or empty"), required=False
        ),
        "authors": _text(),
        "year": _text(
            _matches(r"^[0-9]{4}$", "must be a four-digit year"),
            # The message names no current year: a data package written next year is byte-identical.
            pa.Check(
                lambda v: not v.isdigit() or EARLIEST_YEAR <= int(v) <= THIS_YEAR,
                element_wise=True,
                error=f"must be between {EARLIEST_YEAR} and the current year",
            ),
        ),
        "title": _text(),
        "venue": _text(),
        "document_type": _text(_one_of(SOURCE_DOCUMENT_TYPES, "document types")),
        "document_type_basis": _text(required=False),
        "study_design": _text(),
        "study_design_basis": _text(required=False),
        "platform": _text(),
        "platform_basis": _text(required=False),
        "population_or_condition": _text(),
        "population_basis": _text(required=False),
        "country": _text(),
        "moderation_type": _text(),
        "cmo_ids": _id(
            _matches(ID_LIST_SHAPE, "must be CMO ids separated by '; ', e.g. 'CMO-2024-01; CMO-2024-07.1'"), required=False
        ),
        "cmo_ids_as_labelled": _id(_matches(ID_LIST_SHAPE, "must be CMO ids separated by '; '"), required=False),
        "theory_areas": _text(
            _matches(r"^(?:[1-5](?:; [1-5])*)?$", "must be theory area numbers 1-5 separated by '; '"), required=False
        ),
        "cited_where": _text(required=False),
        "quoted": _text(_one_of(["yes", "no", NOT_REPORTED], "values")),
        "label_note": _text(required=False),
        "inclusion_note": _text(required=False),
        "provenance": _provenance(),
    },
    strict=True,
    ordered=False,
    name="sources",
)

CMOS = pa.DataFrameSchema(
    {
        "cmo_id": _id(_matches(rf"^{CMO_ID}$", "must look like CMO-2024-07.1 or CMO-2025-SE1"), unique=True),
        "study": _text(_one_of(["2024", "2025"], "study years")),
        "kind": _text(_one_of(CMO_KINDS, "kinds")),
        "label": _text(),
        "theory_area_number": _text(_matches(r"^[1-5]$", "must be a theory area number 1-5")),
        "theory_area": _text(),
        "statement": _text(),
        "context": _text(required=False),
        "mechanism_resource": _text(required=False),
        "mechanism_reasoning": _text(required=False),
        "outcome": _text(required=False),
        "stated_2024_equivalent": _id(_matches(CMO_ID_LIST, "must be a CMO id"), required=False),
        "content_2024_equivalent": _id(_matches(CMO_ID_LIST, "must be a CMO id"), required=False),
        "refines": _id(_matches(CMO_ID_LIST, "must be CMO ids separated by '; '"), required=False),
        "refines_basis": _text(required=False),
        "location": _text(),
        "text_version": _text(_one_of(TEXT_VERSIONS, "text versions")),
        "split_note": _text(required=False),
        "provenance": _provenance(),
    },
    strict=True,
    ordered=False,
    name="cmos",
)

NUMBER = r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"

REPORTED_VALUES = pa.DataFrameSchema(
    {
        "value_id": _id(
            _matches(r"^[a-z0-9]+(?:\.[a-z0-9_\-]+)+$", "must be lowercase dot-separated, e.g. e25.sample.survey.wave1.n"),
            unique=True,
        ),
        "paper": _text(_one_of(["2024", "2025"], "paper years")),
        "section": _text(),
        "location": _text(),
        "also_reported_at": _text(required=False),
        "domain": _text(_one_of(REPORTED_DOMAINS, "domains")),
        "measure": _text(),
        "group": _text(required=False),
        "category": _text(required=False),
        "wave": _text(_matches(r"^[123]?$", "must be 1, 2, 3 or empty"), required=False),
        "statistic": _text(_matches(r"^[a-zA-Z][a-zA-Z0-9_]*$", "must be a short statistic name such as n, percent, p")),
        "value_reported": _text(),
        "value": _text(_matches(rf"^(?:{NUMBER})?$", "must be a plain number (use . for decimals) or empty"), required=False),
        "tails": _text(_one_of(["one", "two"], "values"), required=False),
        "note": _text(required=False),
        "provenance": _provenance(),
    },
    strict=True,
    ordered=False,
    name="reported_values",
)

REFERENCE_MAP = pa.DataFrameSchema(
    {
        "paper": _text(_one_of(["2024", "2025"], "paper years")),
        "ref_number": _id(_matches(r"^[1-9][0-9]{0,2}$", "must be a reference number")),
        "bibkey": _id(_matches(rf"^{BIBKEY}$", "must be a BibTeX key")),
    },
    strict=True,
    unique=["paper", "ref_number"],
    name="reference_map",
)

DESIGN_IMPLICATIONS = pa.DataFrameSchema(
    {
        "implication_id": _id(_matches(r"^DI-2025-[0-9]{2}$", "must look like DI-2025-01"), unique=True),
        "paper": _text(_one_of(["2025"], "paper years")),
        "theory_area_number": _text(_matches(r"^[1-4]$", "must be a 2025 theory area number 1-4")),
        "theory_area": _text(),
        "implication": _text(),
        "provenance": _provenance(),
        "location": _text(),
    },
    strict=True,
    ordered=False,
    name="design_implications",
)

RELATION_KINDS = ["sum", "product", "chi_square", "cramers_v", "at_most", "equals_one_of", "union_of", "repeated"]
VALUE_ID_OR_NUMBER = rf"(?:[a-z0-9]+(?:\.[a-z0-9_\-]+)+|{NUMBER})"

# Relations between reported values that the audit recomputes (helpers.audit.checks); ids must exist in reported_values.
VALUE_RELATIONS = pa.DataFrameSchema(
    {
        "relation_id": _id(_matches(r"^[a-z0-9_]+$", "must be lowercase letters, digits and _"), unique=True),
        "kind": _text(_one_of(RELATION_KINDS, "relation kinds")),
        "target": _id(_matches(r"^[a-z0-9]+(?:\.[a-z0-9_\-]+)+$", "must be a value_id of data/reported_values.csv")),
        "inputs": _id(
            _matches(
                rf"^{VALUE_ID_OR_NUMBER}(?:; {VALUE_ID_OR_NUMBER})*$", "must be value ids or plain numbers separated by '; '"
            )
        ),
        "topic": _text(),
        "what": _text(),
        "reported": _text(required=False),
        "basis": _text(),
    },
    strict=True,
    ordered=False,
    name="value_relations",
)

CROSS_CHECK_KINDS = ["same", "distinct", "no_repeats"]

# Printed labels, citations and reference details compared with what they should agree with (helpers.audit.checks).
CROSS_CHECKS = pa.DataFrameSchema(
    {
        "check_id": _id(_matches(r"^[a-z0-9]+(?:\.[a-z0-9_\-]+)+$", "must be lowercase dot-separated"), unique=True),
        "paper": _text(_one_of(["2024", "2025"], "paper years")),
        "section": _text(),
        "topic": _text(),
        "what": _text(),
        "kind": _text(_one_of(CROSS_CHECK_KINDS, "kinds")),
        "printed": _text(),
        "location": _text(),
        "compared_with": _text(required=False),
        "compared_location": _text(required=False),
        "place": _id(_matches(rf"^{BIBKEY}(?:-[0-9a-z]+)*$", "must be a place of helpers.data.places.PLACES or a BibTeX key")),
        "basis": _text(),
    },
    strict=True,
    ordered=False,
    name="cross_checks",
)

CLAIM_ID = r"[a-z0-9]+(?:[.-][a-z0-9]+)+"

# The report's own sentences that state a finding, each with the passage of a paper it rests on
# (helpers.data.claims checks them against the chapters; the tests check each passage against the papers).
CLAIMS = pa.DataFrameSchema(
    {
        "claim_id": _id(
            _matches(rf"^{CLAIM_ID}$", "must be lowercase words joined by '.' or '-', e.g. survey.caseness-comparison"),
            unique=True,
        ),
        "page": _id(_matches(r"^[a-z0-9][a-z0-9-]*$", "must be a chapter name as in _toc.yml, e.g. survey")),
        "sentence": _text(),
        "paper": _text(_one_of(["2024", "2025"], "paper years")),
        "text_version": _text(_one_of(TEXT_VERSIONS, "text versions")),
        "location": _text(),
        "passage": _text(),
        "hedge_override": _text(required=False),
        "override_by": _text(required=False),
    },
    strict=True,
    ordered=False,
    name="claims",
)

# Quotes from the 2024 synthesis's staff interviews, each with the configuration its passage ties it to.
STAFF_QUOTES = pa.DataFrameSchema(
    {
        "quote_id": _id(_matches(r"^SQ-2024-[0-9]{2}$", "must look like SQ-2024-01"), unique=True),
        "paper": _text(_one_of(["2024"], "paper years")),
        "cmo_ids": _id(_matches(CMO_ID_LIST, "must be CMO ids separated by '; ', e.g. 'CMO-2024-07.1'")),
        "cmo_ids_as_labelled": _id(_matches(CMO_ID_LIST, "must be CMO ids separated by '; '"), required=False),
        "role": _text(_matches(r"^[a-z][a-z ]* [0-9]+$", "must be the role and number as printed, e.g. 'forum moderator 1'")),
        "quote": _text(),
        "location": _text(),
        "label_note": _text(required=False),
        "note": _text(required=False),
    },
    strict=True,
    ordered=False,
    name="staff_quotes",
)

FINDING_STRANDS = ["survey", "interviews", "forum posts", "theory area overview"]
# Elided words inside a verbatim passage: each part between these markers is verbatim, in order.
ELISION = " […] "

# Passages of the 2025 evaluation's results that name one of its initial theories (Textbox 1), verbatim.
EVALUATION_FINDINGS = pa.DataFrameSchema(
    {
        "finding_id": _id(_matches(r"^EF-2025-[0-9]{2}$", "must look like EF-2025-01"), unique=True),
        "paper": _text(_one_of(["2025"], "paper years")),
        "cmo_ids": _id(_matches(CMO_ID_LIST, "must be CMO ids separated by '; ', e.g. 'CMO-2025-I1'")),
        "labels_as_printed": _text(),
        "strand": _text(_one_of(FINDING_STRANDS, "strands")),
        "passage": _text(),
        "value_ids": _id(
            _matches(
                r"^(?:[a-z0-9]+(?:\.[a-z0-9_\-]+)+(?:; [a-z0-9]+(?:\.[a-z0-9_\-]+)+)*)?$", "must be value ids separated by '; '"
            ),
            required=False,
        ),
        "location": _text(),
    },
    strict=True,
    ordered=False,
    name="evaluation_findings",
)


# --------------------------------------------------------------------------- searches since the synthesis

# The open scholarly sources the surveillance search queries (data/search/strategy.yml names the query sent to each).
SEARCH_SOURCES = ["openalex", "crossref", "europepmc"]
SCREENING_STATUSES = ["to screen", "include", "exclude"]
RUN_ID = r"S-[0-9]{4}-[0-9]{2}-[0-9]{2}"
CANDIDATE_ID = r"C-[0-9]{4,}"


def _real_date(value: str) -> bool:
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _date(required: bool = True, not_future: bool = True) -> pa.Column:
    """A date written YYYY-MM-DD that exists (and, by default, is not in the future)."""
    checks = [
        _matches(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "must be a date written YYYY-MM-DD"),
        pa.Check(lambda v: not v[:4].isdigit() or _real_date(v), element_wise=True, error="is not a real date (YYYY-MM-DD)"),
    ]
    if not_future:
        checks.append(
            pa.Check(
                lambda v: not _real_date(v) or _dt.date.fromisoformat(v) <= _dt.date.today(),
                element_wise=True,
                error="is in the future",
            )
        )
    return _id(*checks, required=required)


def _count() -> pa.Column:
    return _id(_matches(r"^(?:0|[1-9][0-9]*)$", "must be a whole number (0 or more)"))


# One row per source per completed surveillance search (data/search/runs.csv; written by `python -m helpers surveil`).
SEARCH_RUNS = pa.DataFrameSchema(
    {
        "run_id": _id(_matches(rf"^{RUN_ID}$", "must look like S-2027-01-01 (S- and the date of the search)")),
        "source": _id(_one_of(SEARCH_SOURCES, "search sources")),
        "searched_on": _date(),
        "window_from": _date(),
        "window_to": _date(),
        "query": _text(),
        "records_identified": _count(),
        "duplicates_removed": _count(),
        # Records a source returned that could not be screened: no title, a malformed DOI, an unsafe link (each
        # named in the search's output); PRISMA's "records removed for other reasons".
        "records_unusable": _count(),
        "records_added": _count(),
    },
    strict=True,
    unique=["run_id", "source"],
    ordered=False,
    name="search_runs",
)

# The screening log: one row per candidate record a search found, and the decision on it (data/screening/candidates.csv).
SCREENING = pa.DataFrameSchema(
    {
        "candidate_id": _id(_matches(rf"^{CANDIDATE_ID}$", "must look like C-0001"), unique=True),
        "run_id": _id(_matches(rf"^{RUN_ID}$", "must be a run_id of data/search/runs.csv, e.g. S-2027-01-01")),
        "found_in": _id(
            _matches(
                rf"^(?:{'|'.join(SEARCH_SOURCES)})(?:; (?:{'|'.join(SEARCH_SOURCES)}))*$",
                f"must be search sources separated by '; ' ({', '.join(SEARCH_SOURCES)}), e.g. 'openalex; crossref'",
            )
        ),
        "doi": _id(
            _matches(r"^10\.[0-9]{4,9}/[^\sA-Z]+$", "must be a bare lower-case DOI such as 10.2196/55750"), required=False
        ),
        "title": _text(privacy=PUBLIC_AUTHORSHIP),
        "authors": _text(privacy=PUBLIC_AUTHORSHIP, required=False),
        "year": _text(
            _matches(r"^[0-9]{4}$", "must be a four-digit year"),
            pa.Check(
                lambda v: not v.isdigit() or EARLIEST_YEAR <= int(v) <= THIS_YEAR + 1,
                element_wise=True,
                error=f"must be between {EARLIEST_YEAR} and next year",
            ),
            required=False,
        ),
        "venue": _text(privacy=PUBLIC_AUTHORSHIP, required=False),
        "url": _text(required=False),
        "status": _text(_one_of(SCREENING_STATUSES, "screening statuses")),
        "reason": _id(
            _matches(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "must be an exclusion reason code of data/search/strategy.yml"),
            required=False,
        ),
        "screener": _id(
            _matches(r"^[A-Z]{2,4}$", "must be the screener's initials: 2 to 4 capital letters, e.g. 'AB'"), required=False
        ),
        "screened_on": _date(required=False),
        "source_id": _id(
            _matches(r"^SRC-[A-Z0-9]{3,6}$", "must be a source_id of data/sources.xlsx, e.g. SRC-N001"), required=False
        ),
    },
    strict=True,
    ordered=False,
    name="screening",
)


def _reviewable(table: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """``table`` with the optional curator's column ``privacy_reviewed`` (``helpers.data.privacy``): a row whose
    'personal name next to a health condition' finding a curator has checked says so there."""
    reviewed = _text(required=False)
    reviewed.required = False  # the column itself may be absent: only a table that needs it has it
    return table.add_columns({REVIEW_COLUMN: reviewed})


# Every table but the reference map holds free text a curator may mark as privacy-reviewed.
SCHEMAS = {
    name: table if name == "reference_map" else _reviewable(table)
    for name, table in {
        "sources": SOURCES,
        "cmos": CMOS,
        "reported_values": REPORTED_VALUES,
        "reference_map": REFERENCE_MAP,
        "design_implications": DESIGN_IMPLICATIONS,
        "value_relations": VALUE_RELATIONS,
        "cross_checks": CROSS_CHECKS,
        "claims": CLAIMS,
        "staff_quotes": STAFF_QUOTES,
        "evaluation_findings": EVALUATION_FINDINGS,
        "search_runs": SEARCH_RUNS,
        "screening": SCREENING,
    }.items()
}
SOURCES = SCHEMAS["sources"]  # with its review column: the appendix importer maps a sheet onto these columns
