"""When two records are the same work: by DOI first, then by normalised title and year.

- **DOI**: the bare, lower-case DOI (:func:`helpers.search.records.normalise_doi`) is equal.
- **Title**: titles are normalised (:func:`title_key`: NFKC, case-folded, BibTeX braces, punctuation and symbols
  turned into spaces, whitespace collapsed) and compared with rapidfuzz's ``fuzz.ratio`` (normalised Indel
  similarity, 0-100). At or above :data:`TITLE_THRESHOLD` **and** publication years at most one apart (a preprint or
  online-first version and its issue) they are the same work. When either year is missing, only an identical
  normalised title counts.

Why 95: the differences between two copies of one title in these APIs are a spelling variant (behaviour/behavior),
a dropped article or a changed separator before the subtitle, each a character or two in a 60-150 character title
(ratio 97-99); two different studies of the same topic differ in at least one content word (depression/anxiety,
young people/older adults), which in a title of that length costs more than five points. A short title is held to
the same 95, so it has to be nearly identical. The tests check both sides of the line.

Records are compared against what is already known (the bibliography and earlier candidates: a match is a
duplicate removed, attributed to the source that returned it) and against each other within the run (the first
source in the strategy's order keeps the record; a later source that returns it again is counted as a duplicate
for that source and added to the record's ``found_in``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from helpers.search.records import Record, normalise_doi

TITLE_THRESHOLD = 95.0
YEAR_TOLERANCE = 1
_NOT_WORD = re.compile(r"[\W_]+")


def title_key(title: object) -> str:
    """The normalised title two records are compared by."""
    text = unicodedata.normalize("NFKC", str(title or "")).casefold()
    return _NOT_WORD.sub(" ", text).strip()


@dataclass
class Known:
    """One work already known (or found earlier in this run): its DOI, title key and year, and what it is."""

    doi: str
    key: str
    year: int | None
    what: str  # "the bibliography (key)", "candidate C-0003", or the index of a new candidate in this run


def same_year(a: int | None, b: int | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= YEAR_TOLERANCE


class Index:
    """Works to compare against, by DOI and by title."""

    def __init__(self, works: Iterable[Known] = ()):
        self.by_doi: dict[str, Known] = {}
        self.works: list[Known] = []
        for work in works:
            self.add(work)

    def add(self, work: Known) -> None:
        if work.doi:
            self.by_doi.setdefault(work.doi, work)
        if work.key:
            self.works.append(work)

    def match(self, doi: str, title: str, year: int | None) -> Known | None:
        """The known work this record is, or None."""
        if doi and doi in self.by_doi:
            return self.by_doi[doi]
        key = title_key(title)
        if not key:
            return None
        choices = [work.key for work in self.works]
        for _, _score, position in process.extract(key, choices, scorer=fuzz.ratio, score_cutoff=TITLE_THRESHOLD, limit=None):
            work = self.works[position]
            undated = work.year is None or year is None
            if same_year(work.year, year) or (undated and work.key == key):
                return work
        return None


@dataclass
class Counts:
    identified: int = 0
    duplicates: int = 0
    added: int = 0
    malformed: int = 0


@dataclass
class Candidate:
    """A new record for the screening log, with every source that returned it."""

    record: Record
    found_in: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    candidates: list[Candidate]
    counts: dict[str, Counts]
    duplicates: list[str]  # one line per duplicate removed: which source, which record, what it duplicates


def deduplicate(fetched: Iterable, known: Index) -> Outcome:
    """New candidates from ``fetched`` (each a :class:`helpers.search.clients.Fetched`, in the strategy's order)."""
    candidates: list[Candidate] = []
    in_run = Index()
    counts: dict[str, Counts] = {}
    lines: list[str] = []
    for result in fetched:
        count = counts.setdefault(result.source, Counts())
        count.identified += result.identified
        count.malformed += len(result.malformed)
        for record in result.records:
            doi = normalise_doi(record.doi)
            earlier = known.match(doi, record.title, record.year)
            twin = None if earlier else in_run.match(doi, record.title, record.year)
            if earlier or twin:
                count.duplicates += 1
                if twin is not None:
                    candidate = candidates[int(twin.what)]
                    if record.source not in candidate.found_in:
                        candidate.found_in.append(record.source)
                    what = f"a record {candidate.found_in[0]} returned in this run"
                else:
                    what = earlier.what
                lines.append(f"{record.source}: {record.title[:80]!r} duplicates {what}")
                continue
            count.added += 1
            in_run.add(Known(doi, title_key(record.title), record.year, str(len(candidates))))
            candidates.append(Candidate(record, [record.source]))
    return Outcome(candidates, counts, lines)
