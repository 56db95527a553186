"""The searches since the synthesis, as data: the declared search (``data/search/strategy.yml``), each completed
run (``data/search/runs.csv``) and the screening log (``data/screening/candidates.csv``).

:func:`load_strategy` reads and checks the declared search; a mistake is a :class:`DataError` naming the file, the
line and the key (``data/search/strategy.yml, row 12: key 'sources.1.name': ...``). The two CSV logs are loaded by
``helpers.data.loaders`` against their schemas; :func:`search_problems` checks the three files against each other
and against the sources sheet and the bibliography (see data/README.md, "Searches since the synthesis").
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.data import loaders as data
from helpers.data import urls
from helpers.data.errors import DataError, Problem, did_you_mean
from helpers.data.paths import dataset_path, note_read
from helpers.data.places import YamlReader, line_of, read_yaml
from helpers.data.readers import input_path, read_xlsx_cells
from helpers.data.schema import SEARCH_SOURCES, SOURCES


def curator_columns(row: dict[str, str]) -> list[str]:
    """The columns of a new source row that a curator must still fill: required by the sheet's schema, or
    :data:`CURATED_COLUMNS`, and empty in ``row``."""
    required = [c for c, declared in SOURCES.columns.items() if not declared.nullable or c in CURATED_COLUMNS]
    return [c for c in required if not str(row.get(c) or "").strip()]


KEYS = ("statement", "derived_from", "window_start", "last_search", "contact", "sources", "exclusion_reasons")
OPTIONAL_KEYS = ("contact",)
REASON_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# A run is named by its date: S-2027-01-01 is the search of 2027-01-01.
RUN_PREFIX = "S-"
SOURCE_SEPARATOR = "; "
# An excluded record that duplicates one already held may share its DOI with the bibliography.
DUPLICATE_REASON = "duplicate"
# A source included from the screening log is linked to the configurations it supports and the theory-area pages
# that list it by a curator, before validation passes (the sheet allows them empty for the synthesis's sources).
CURATED_COLUMNS = ("cmo_ids", "theory_areas")


@dataclass(frozen=True)
class Passage:
    """A verbatim passage of a paper the search is derived from."""

    paper: str
    location: str
    passage: str


@dataclass(frozen=True)
class SearchSource:
    """An open scholarly source and the exact query sent to it."""

    name: str
    query: str


@dataclass(frozen=True)
class Strategy:
    """The declared search, checked."""

    file: str
    statement: str
    derived_from: tuple[Passage, ...]
    window_start: _dt.date
    last_search: _dt.date | None
    contact: str | None
    sources: tuple[SearchSource, ...]
    reasons: dict[str, str]  # exclusion reason code -> label, in the file's order
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line(self, key: str) -> int | None:
        """The line of ``key`` (dotted, list items by index) in the file, or of the nearest key above it."""
        return line_of(self.lines, key)

    def query(self, source: str) -> str | None:
        return next((s.query for s in self.sources if s.name == source), None)


# --------------------------------------------------------------------------- reading and checking the file


def _shown(value) -> str:
    return "nothing" if value is None else repr(value)


class _Reader(YamlReader):
    """The places file's reader, with dates, lists of entries and whitespace-normalised texts."""

    def text(self, value, key: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"must be a text, not {_shown(value)}")
            return None
        return " ".join(value.split())

    def date(self, value, key: str) -> _dt.date | None:
        if isinstance(value, _dt.datetime):
            value = value.date()
        if isinstance(value, str):
            try:
                value = _dt.date.fromisoformat(value.strip())
            except ValueError:
                self.problem(key, f"{value!r} is not a date; write it as YYYY-MM-DD")
                return None
        if not isinstance(value, _dt.date):
            self.problem(key, f"must be a date written YYYY-MM-DD, not {_shown(value)}")
            return None
        if value > _dt.date.today():
            self.problem(key, f"the date {value.isoformat()} is in the future")
            return None
        return value

    def items(self, value, key: str, fields: tuple[str, ...]) -> list[tuple[str, dict]]:
        """(key of the item, item) for every item of a non-empty list of mappings holding exactly ``fields``."""
        if not isinstance(value, list) or not value:
            self.problem(key, f"must be a list of entries with {', '.join(fields)}, not {_shown(value)}")
            return []
        found = []
        for index, item in enumerate(value):
            item_key = f"{key}.{index}"
            if not isinstance(item, dict):
                self.problem(item_key, f"must be an entry with {', '.join(fields)}, not {_shown(item)}")
                continue
            for extra in sorted(set(map(str, item)) - set(fields)):
                self.problem(f"{item_key}.{extra}", f"is not a field of this entry (fields: {', '.join(fields)}); misspelt?")
            found.append((item_key, item))
        return found


def _parse(content, name: str, lines: dict[str, int]) -> Strategy:
    read = _Reader(name, lines)
    if not isinstance(content, dict):
        read.problem("(top level)", f"must be a mapping of {', '.join(KEYS)}, not {_shown(content)}")
        raise DataError(read.problems)
    for key in KEYS:
        if key not in content and key not in OPTIONAL_KEYS:
            read.problem(key, "is missing; see data/README.md, 'Searches since the synthesis', for what it holds")
    for key in content:
        if key not in KEYS:
            read.problem(str(key), f"is not a key this file has (keys: {', '.join(KEYS)}); misspelt?")
    statement = read.text(content.get("statement"), "statement") if "statement" in content else None

    passages = []
    for key, item in read.items(content.get("derived_from"), "derived_from", ("paper", "location", "passage")):
        values = [read.text(item.get(f), f"{key}.{f}") for f in ("paper", "location", "passage")]
        if all(values):
            passages.append(Passage(*values))

    window_start = read.date(content.get("window_start"), "window_start") if "window_start" in content else None
    last_search = content.get("last_search")
    if last_search is not None:
        last_search = read.date(last_search, "last_search")
        if last_search and window_start and last_search < window_start:
            read.problem("last_search", f"{last_search} is before window_start {window_start}")

    contact = content.get("contact")
    if contact is not None and (not isinstance(contact, str) or not EMAIL.match(contact.strip())):
        read.problem("contact", f"must be the maintainers' e-mail address (or left out), not {_shown(contact)}")
        contact = None

    sources: list[SearchSource] = []
    for key, item in read.items(content.get("sources"), "sources", ("name", "query")):
        source, query = item.get("name"), read.text(item.get("query"), f"{key}.query")
        if source not in SEARCH_SOURCES:
            read.problem(f"{key}.name", f"{_shown(source)} is not a source the search queries ({', '.join(SEARCH_SOURCES)})")
        elif any(s.name == source for s in sources):
            read.problem(f"{key}.name", f"{source!r} is named twice; give each source one query")
        elif query:
            sources.append(SearchSource(source, query))

    reasons: dict[str, str] = {}
    for key, item in read.items(content.get("exclusion_reasons"), "exclusion_reasons", ("code", "label")):
        code, label = item.get("code"), read.text(item.get("label"), f"{key}.label")
        if not isinstance(code, str) or not REASON_CODE.match(code):
            read.problem(f"{key}.code", f"{_shown(code)} is not a short code: lower-case words joined by '-', e.g. 'not-a-forum'")
        elif code in reasons:
            read.problem(f"{key}.code", f"{code!r} is declared twice")
        elif label:
            reasons[code] = label

    if read.problems:
        raise DataError(read.problems)
    return Strategy(name, statement, tuple(passages), window_start, last_search, contact, tuple(sources), reasons, lines)


@functools.cache
def _load(path: Path) -> Strategy:
    content, name, lines = read_yaml(path)
    return _parse(content, name, lines)


def load_strategy(path: Path | str | None = None) -> Strategy:
    """The declared search (``data/search/strategy.yml``), checked; a DataError names file, line and key."""
    resolved = input_path(Path(path) if path else dataset_path("search_strategy"))
    note_read(resolved)  # a chapter that shows the search depends on this file
    return _load(resolved)


def clear_cache() -> None:
    _load.cache_clear()


# --------------------------------------------------------------------------- the files against each other


def run_date(run_id: str) -> str:
    """'S-2027-01-01' -> '2027-01-01'."""
    return run_id.removeprefix(RUN_PREFIX)


def first_source(found_in: str) -> str:
    """The source a candidate is counted under in runs.csv: the first of its ``found_in``."""
    return found_in.split(SOURCE_SEPARATOR)[0].strip()


def _run_problems(strategy: Strategy, runs: pd.DataFrame, name: str) -> list[Problem]:
    problems = []
    for row, run in runs.iterrows():
        if run_date(run["run_id"]) != run["searched_on"]:
            problems.append(
                Problem(name, row, "run_id", f"{run['run_id']} names another day than searched_on {run['searched_on']}")
            )
        if strategy.query(run["source"]) is None:
            declared = ", ".join(s.name for s in strategy.sources)
            problems.append(Problem(name, row, "source", f"{run['source']!r} is not a source of {strategy.file} ({declared})"))
        if run["window_from"] > run["window_to"]:
            problems.append(Problem(name, row, "window_to", f"{run['window_to']} is before window_from {run['window_from']}"))
        if run["window_to"] > run["searched_on"]:
            problems.append(Problem(name, row, "window_to", f"{run['window_to']} is after the search ({run['searched_on']})"))
        if run["window_from"] < strategy.window_start.isoformat():
            problems.append(
                Problem(
                    name,
                    row,
                    "window_from",
                    f"{run['window_from']} is before the declared window_start {strategy.window_start} of {strategy.file}",
                )
            )
        accounted = run["records_added"] + run["duplicates_removed"] + run["records_unusable"]
        if accounted != run["records_identified"]:
            problems.append(
                Problem(
                    name,
                    row,
                    "records_identified",
                    f"{run['records_identified']} is not records_added ({run['records_added']}) plus duplicates_removed "
                    f"({run['duplicates_removed']}) plus records_unusable ({run['records_unusable']}); every record a "
                    "source returned is added, or removed as a duplicate or as unusable",
                )
            )
    newest = max(runs["searched_on"], default=None)
    declared = strategy.last_search.isoformat() if strategy.last_search else None
    if newest != declared:
        should = f"be {newest}, the newest searched_on of {name}" if newest else f"be null: {name} records no search"
        problems.append(
            Problem(strategy.file, strategy.line("last_search"), None, f"key 'last_search': {declared or 'null'} must {should}")
        )
    return problems


def _candidate_problems(
    strategy: Strategy,
    runs: pd.DataFrame,
    candidates: pd.DataFrame,
    name: str,
    sources: pd.DataFrame | None,
    bibliography: pd.DataFrame | None,
) -> list[Problem]:
    problems = []
    run_ids = set(runs["run_id"])
    searched = dict(zip(runs["run_id"], runs["searched_on"], strict=True))
    run_sources = set(zip(runs["run_id"], runs["source"], strict=True))
    source_ids = set(sources["source_id"]) if sources is not None else None
    in_bib = (
        {str(doi).lower(): key for key, doi in zip(bibliography["bibkey"], bibliography["doi"], strict=True) if doi}
        if bibliography is not None
        else {}
    )
    previous_id = 0
    seen_dois: dict[str, int] = {}
    seen_sources: dict[str, int] = {}
    for row, c in candidates.iterrows():
        number = int(c["candidate_id"].removeprefix("C-"))
        if number <= previous_id:
            problems.append(
                Problem(
                    name,
                    row,
                    "candidate_id",
                    f"{c['candidate_id']} is out of order; ids are C-0001, C-0002 ... in order of addition",
                )
            )
        previous_id = max(previous_id, number)
        if c["run_id"] not in run_ids:
            problems.append(
                Problem(
                    name, row, "run_id", f"{c['run_id']} is not a run of data/search/runs.csv{did_you_mean(c['run_id'], run_ids)}"
                )
            )
        elif (c["run_id"], first_source(c["found_in"])) not in run_sources:
            problems.append(
                Problem(
                    name,
                    row,
                    "found_in",
                    f"{first_source(c['found_in'])!r} was not searched in {c['run_id']} (data/search/runs.csv)",
                )
            )
        if len(set(c["found_in"].split(SOURCE_SEPARATOR))) != len(c["found_in"].split(SOURCE_SEPARATOR)):
            problems.append(Problem(name, row, "found_in", "names a source twice"))
        status, reason = c["status"], c["reason"]
        if status == "exclude" and not reason:
            problems.append(
                Problem(name, row, "reason", f"is empty; an excluded record needs one of: {', '.join(strategy.reasons)}")
            )
        elif status != "exclude" and reason:
            problems.append(
                Problem(name, row, "reason", f"is set, but the record is {status!r}; only an excluded record has a reason")
            )
        elif reason and reason not in strategy.reasons:
            problems.append(
                Problem(
                    name,
                    row,
                    "reason",
                    f"{reason!r} is not an exclusion reason of {strategy.file} ({', '.join(strategy.reasons)})"
                    f"{did_you_mean(reason, strategy.reasons)}",
                )
            )
        for column in ("screener", "screened_on"):
            if status == "to screen" and c[column]:
                problems.append(Problem(name, row, column, "is set, but the record is still 'to screen'; set its status too"))
            elif status != "to screen" and not c[column]:
                problems.append(
                    Problem(name, row, column, f"is empty; a screening decision ({status}) says who made it and when")
                )
        if c["screened_on"] and c["run_id"] in searched and c["screened_on"] < searched[c["run_id"]]:
            problems.append(
                Problem(
                    name, row, "screened_on", f"{c['screened_on']} is before the search that found it ({searched[c['run_id']]})"
                )
            )
        if c["url"] and urls.url_problem(c["url"]):
            problems.append(Problem(name, row, "url", urls.url_problem(c["url"])))
        if c["source_id"]:
            if status != "include":
                problems.append(
                    Problem(
                        name, row, "source_id", f"is set, but the record is {status!r}; only an included record becomes a source"
                    )
                )
            elif source_ids is not None and c["source_id"] not in source_ids:
                problems.append(
                    Problem(
                        name,
                        row,
                        "source_id",
                        f"{c['source_id']} is not a source_id of data/sources.xlsx{did_you_mean(c['source_id'], source_ids)}",
                    )
                )
            if c["source_id"] in seen_sources:
                problems.append(
                    Problem(name, row, "source_id", f"{c['source_id']} is also the source of row {seen_sources[c['source_id']]}")
                )
            seen_sources.setdefault(c["source_id"], row)
        doi = c["doi"]
        if doi:
            settled = (status == "include" and c["source_id"]) or reason == DUPLICATE_REASON
            if doi in in_bib and not settled:
                problems.append(
                    Problem(
                        name,
                        row,
                        "doi",
                        f"{doi} is already in bib/references.bib (entry {in_bib[doi]!r}); a search does not add what the "
                        f"report holds: exclude it with reason '{DUPLICATE_REASON}'",
                    )
                )
            if doi in seen_dois and reason != DUPLICATE_REASON:
                problems.append(
                    Problem(
                        name,
                        row,
                        "doi",
                        f"{doi} is also the DOI of row {seen_dois[doi]}; exclude one with reason '{DUPLICATE_REASON}'",
                    )
                )
            seen_dois.setdefault(doi, row)
    return problems


def _count_problems(runs: pd.DataFrame, candidates: pd.DataFrame, name: str, log_name: str) -> list[Problem]:
    """records_added of each run and source = the candidates of that run counted under that source (the first of
    their found_in)."""
    counted = candidates.groupby([candidates["run_id"], candidates["found_in"].map(first_source)]).size().to_dict()
    problems = []
    for row, run in runs.iterrows():
        found = counted.get((run["run_id"], run["source"]), 0)
        if found != run["records_added"]:
            problems.append(
                Problem(
                    name,
                    row,
                    "records_added",
                    f"{run['records_added']}, but {log_name} holds {found} record(s) of {run['run_id']} found first in "
                    f"{run['source']} (the first source of found_in)",
                )
            )
    return problems


def included_source_problems(candidates: pd.DataFrame, sources: pd.DataFrame) -> list[Problem]:
    """A source made from a screened record names the configurations it supports and its theory areas."""
    name = data.display_name(dataset_path("sources"))
    from_search = set(candidates["source_id"]) - {""}
    problems = []
    for row, source in sources[sources["source_id"].isin(from_search)].iterrows():
        for column in CURATED_COLUMNS:
            if not str(source[column]).strip():
                problems.append(
                    Problem(
                        name,
                        row,
                        column,
                        f"is empty; {source['source_id']} was included from the screening log "
                        "(data/screening/candidates.csv) and a curator must fill this cell",
                    )
                )
    return problems


def search_problems(
    strategy: Strategy | None,
    runs: pd.DataFrame | None,
    candidates: pd.DataFrame | None,
    sources: pd.DataFrame | None,
    bibliography: pd.DataFrame | None,
) -> list[Problem]:
    """The declared search, the runs and the screening log against each other, the sources sheet and the bibliography."""
    problems = []
    if strategy is not None and bibliography is not None:
        keys = set(bibliography["bibkey"])
        for index, passage in enumerate(strategy.derived_from):
            if passage.paper not in keys:
                key = f"derived_from.{index}.paper"
                problems.append(
                    Problem(
                        strategy.file,
                        strategy.line(key),
                        None,
                        f"key '{key}': {passage.paper!r} is not a BibTeX key of bib/references.bib"
                        + did_you_mean(passage.paper, keys),
                    )
                )
    if sources is None:  # the sheet has problems of its own: its cells as text still say which sources exist
        try:
            sources = read_xlsx_cells(dataset_path("sources"), data.SOURCES_SHEET)
        except DataError:
            sources = None
    if strategy is None or runs is None:
        return problems
    runs_name = data.display_name(dataset_path("search_runs"))
    problems += _run_problems(strategy, runs, runs_name)
    if candidates is not None:
        log_name = data.display_name(dataset_path("screening"))
        problems += _candidate_problems(strategy, runs, candidates, log_name, sources, bibliography)
        problems += _count_problems(runs, candidates, runs_name, log_name)
        if sources is not None:
            problems += included_source_problems(candidates, sources)
    return problems
