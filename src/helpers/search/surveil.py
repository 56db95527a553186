"""``python -m helpers surveil``: run the declared search for records published since the last one.

1. Read the strategy: the window runs from ``window_start`` (first run) or the day after ``last_search`` to today
   (or ``--until``; the next run then starts the day after that, see :func:`window_start`). One run is one date
   (``S-YYYY-MM-DD``): a second run on a day that already has one is refused.
2. Query every declared source (:mod:`helpers.search.clients`), politely (:mod:`helpers.search.http`).
3. Remove duplicates against the bibliography, earlier candidates and each other (:mod:`helpers.search.dedupe`).
4. Append the new records to the screening log with status ``to screen``, one row per source to the log of runs,
   and set ``last_search``: all three files together, or none (:func:`helpers.search.files.replace_all`). A source
   that fails, a page not in the documented format or an interruption changes nothing; rerunning redoes the run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from helpers.search import clients, dedupe, files
from helpers.search.http import Polite
from helpers.search.records import normalise_doi

CONTACT_ENV = "REPORT_CONTACT_EMAIL"
TO_SCREEN = "to screen"
NOTHING_CHANGED = f"Nothing was changed: {files.CANDIDATES_FILE}, {files.RUNS_FILE} and {files.STRATEGY_FILE} are as they were."


def today_utc() -> date:
    return datetime.now(UTC).date()


def run_id(day: date) -> str:
    return f"S-{day.isoformat()}"


def _known(root: Path, earlier: list[dict[str, str]]) -> dedupe.Index:
    from helpers.data.bib import load_bibliography

    index = dedupe.Index()
    bibliography = load_bibliography(root / "bib" / "references.bib")
    for entry in bibliography.itertuples():
        year = int(entry.year) if str(entry.year).isdigit() else None
        key = dedupe.title_key(entry.title)
        index.add(dedupe.Known(normalise_doi(entry.doi), key, year, f"bibliography entry {entry.bibkey}"))
    for row in earlier:
        year = int(row["year"]) if row.get("year", "").isdigit() else None
        known = dedupe.Known(
            normalise_doi(row.get("doi", "")), dedupe.title_key(row.get("title", "")), year, f"candidate {row['candidate_id']}"
        )
        index.add(known)
    return index


def window_start(strategy: files.Strategy, runs: list[dict[str, str]]) -> date:
    """The first publication date to search: ``window_start`` before any search, else the day after ``last_search``,
    or after the last window searched when that ended earlier (a run with ``--until``), so no day is left out."""
    if strategy.last_search is None:
        return strategy.window_start
    covered = strategy.last_search
    ends = [row["window_to"] for row in runs if row.get("window_to")]
    if ends:
        try:
            covered = min(covered, date.fromisoformat(max(ends)))
        except ValueError:
            pass  # validation names the broken date; the strategy's date stands
    return covered + timedelta(days=1)


def _next_number(rows: list[dict[str, str]]) -> int:
    numbers = [int(row["candidate_id"][2:]) for row in rows if row.get("candidate_id", "")[2:].isdigit()]
    return max(numbers, default=0) + 1


def surveil(
    root: Path,
    *,
    until: date | None = None,
    dry_run: bool = False,
    today: date | None = None,
    bases: dict[str, str] | None = None,
    http: Polite | None = None,
    page_size: int = clients.PAGE_SIZE,
    out: Callable[[str], None] = print,
    err: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> int:
    """Run the search for the report at ``root``; 0 when done (or nothing to do), 1 when it failed (nothing changed)."""
    from helpers.data.errors import DataError

    today = today or today_utc()
    try:
        strategy = files.read_strategy(root)
        runs = files.read_rows(root, files.RUNS_FILE, files.RUN_COLUMNS)
        earlier = files.read_rows(root, files.CANDIDATES_FILE, files.CANDIDATE_COLUMNS)
        known = _known(root, earlier)
    except (files.SearchFileError, DataError) as exc:
        err(f"Search not run: {exc}")
        return 1
    run = run_id(today)
    start = window_start(strategy, runs)
    end = until or today
    if any(row["run_id"] == run for row in runs) or (strategy.last_search is not None and strategy.last_search >= today):
        out(f"Already searched on {today.isoformat()} (run {run}); one run per day. Nothing to do.")
        return 0
    if end > today:
        err(f"Search not run: --until {end.isoformat()} is in the future (today is {today.isoformat()}).")
        return 1
    if start > end:
        out(f"Nothing to search: the last search covered publications up to {start - timedelta(days=1)}.")
        return 0
    contact = strategy.contact or os.environ.get(CONTACT_ENV) or None
    if contact is None:
        err(
            f"Note: no contact e-mail ({CONTACT_ENV} or 'contact' in {files.STRATEGY_FILE}); "
            "the APIs' polite pools are not joined."
        )
    http = http or Polite(contact)
    out(f"Searching {len(strategy.sources)} source(s) for records published {start} to {end} (run {run}).")
    fetched = []
    for source in strategy.sources:
        name, query = source.name, source.query
        try:
            result = clients.fetch(
                http, name, query, start.isoformat(), end.isoformat(), contact, (bases or {}).get(name), page_size
            )
        except clients.SourceError as exc:
            err(f"Search failed at source '{name}': {exc}")
            err(f"{NOTHING_CHANGED} Run `python -m helpers surveil` again later: the whole run is redone.")
            return 1
        for message in result.malformed:
            err(f"  {message}")
        out(f"  {name}: {result.identified} record(s) in {result.pages} page(s), {len(result.malformed)} malformed and skipped")
        fetched.append(result)
    outcome = dedupe.deduplicate(fetched, known)
    number = _next_number(earlier)
    new_rows = []
    for offset, candidate in enumerate(outcome.candidates):
        record = candidate.record
        new_rows.append(
            {
                "candidate_id": f"C-{number + offset:04d}",
                "run_id": run,
                "found_in": "; ".join(candidate.found_in),
                "doi": record.doi,
                "title": record.title,
                "authors": record.authors,
                "year": record.year,
                "venue": record.venue,
                "url": record.url,
                "status": TO_SCREEN,
            }
        )
    run_rows = [
        {
            "run_id": run,
            "source": result.source,
            "searched_on": today.isoformat(),
            "window_from": start.isoformat(),
            "window_to": end.isoformat(),
            "query": result.sent,
            "records_identified": outcome.counts[result.source].identified,
            "duplicates_removed": outcome.counts[result.source].duplicates,
            "records_unusable": outcome.counts[result.source].malformed,
            "records_added": outcome.counts[result.source].added,
        }
        for result in fetched
    ]
    for line in outcome.duplicates:
        out(f"  duplicate removed: {line}")
    summary = ", ".join(
        f"{name}: {c.identified} identified, {c.duplicates} duplicate(s), {c.malformed} malformed, {c.added} added"
        for name, c in outcome.counts.items()
    )
    if dry_run:
        out(f"Dry run: would add {len(new_rows)} candidate(s) to {files.CANDIDATES_FILE} ({summary}):")
        for row in new_rows:
            year, doi = row["year"] or "----", row["doi"] or "(no DOI)"
            out(f"  {row['candidate_id']}  [{row['found_in']}]  {year}  {doi}  {row['title']}")
        out(f"and set last_search to {today}. Nothing was written.")
        return 0
    strategy_path = root / files.STRATEGY_FILE
    try:
        texts = {
            files.CANDIDATES_FILE: files.appended(root, files.CANDIDATES_FILE, files.CANDIDATE_COLUMNS, new_rows),
            files.RUNS_FILE: files.appended(root, files.RUNS_FILE, files.RUN_COLUMNS, run_rows),
            files.STRATEGY_FILE: files.with_last_search(strategy_path.read_text(encoding="utf-8"), today),
        }
        files.replace_all(root, texts)
    except (files.SearchFileError, OSError) as exc:
        err(f"Search not recorded: {exc}")
        if not isinstance(exc, files.PartlyWritten):
            err(NOTHING_CHANGED)
        return 1
    out(f"Run {run}: added {len(new_rows)} candidate(s) to screen ({summary}); last_search is now {today}.")
    return 0
