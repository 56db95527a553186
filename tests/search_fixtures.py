"""A screening log to test with: two searches, three sources, duplicates, excluded records with reasons, one
record included and others awaiting screening. Invented records (DOIs under Crossref's test prefix 10.5555),
written into a throwaway copy of the report; nothing here is a fact of the report."""

from __future__ import annotations

import csv
from pathlib import Path

RUNS = "data/search/runs.csv"
LOG = "data/screening/candidates.csv"
STRATEGY = "data/search/strategy.yml"
FIRST, SECOND = "S-2026-06-01", "S-2026-09-01"

COUNTS = ("records_identified", "duplicates_removed", "records_added", "records_unusable")
RUN_ROWS = [
    # run_id, source, searched_on, window_from, window_to, records_identified, duplicates_removed, records_added,
    # records_unusable
    (FIRST, "openalex", "2026-06-01", "2023-06-01", "2026-06-01", 6, 2, 3, 1),
    (FIRST, "crossref", "2026-06-01", "2023-06-01", "2026-06-01", 3, 2, 1, 0),
    (FIRST, "europepmc", "2026-06-01", "2023-06-01", "2026-06-01", 2, 2, 0, 0),
    (SECOND, "openalex", "2026-09-01", "2026-06-01", "2026-09-01", 2, 0, 2, 0),
    (SECOND, "crossref", "2026-09-01", "2026-06-01", "2026-09-01", 1, 1, 0, 0),
    (SECOND, "europepmc", "2026-09-01", "2026-06-01", "2026-09-01", 3, 1, 1, 1),
]
# candidate_id, run_id, found_in, doi, title, authors, year, venue, status, reason, screener, screened_on
CANDIDATES = [
    (
        "C-0001",
        FIRST,
        "openalex; crossref",
        "10.5555/forum.0001",
        "Peer support between carers in an online forum: a qualitative study",
        "Example, Alex; Sample, Bo",
        "2025",
        "Journal of Example Studies",
        "include",
        "",
        "AB",
        "2026-06-10",
    ),
    (
        "C-0002",
        FIRST,
        "openalex",
        "10.5555/forum.0002",
        "Live chat counselling for young adults",
        "Other, Cy",
        "2024",
        "Example Health",
        "exclude",
        "not-a-forum",
        "AB",
        "2026-06-10",
    ),
    (
        "C-0003",
        FIRST,
        "openalex",
        "",
        "A training platform for mental health nurses",
        "Third, Di",
        "2024",
        "",
        "exclude",
        "professional-practice",
        "CD",
        "2026-06-11",
    ),
    (
        "C-0004",
        FIRST,
        "crossref",
        "10.5555/forum.0004",
        "Image sharing and wellbeing",
        "Fourth, Ed",
        "2025",
        "Example Media",
        "exclude",
        "not-a-forum",
        "CD",
        "2026-06-11",
    ),
    (
        "C-0005",
        SECOND,
        "openalex",
        "10.5555/forum.0005",
        "Moderating a peer forum for people who hear voices",
        "Fifth, Fa",
        "2026",
        "Example Journal of Forums",
        "to screen",
        "",
        "",
        "",
    ),
    ("C-0006", SECOND, "openalex", "", "Helping others on a recovery forum", "Sixth, Gi", "2026", "", "to screen", "", "", ""),
    (
        "C-0007",
        SECOND,
        "europepmc; openalex",
        "10.5555/forum.0007",
        "Forum use and loneliness in later life",
        "Seventh, Ha",
        "2026",
        "Example Ageing",
        "to screen",
        "",
        "",
        "",
    ),
]


def _write(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_fixture_log(root: Path) -> None:
    """Put the fixture's runs and screening log in the copy at ``root`` (and the date of its newest search)."""
    strategy = root / STRATEGY
    queries = {}
    import yaml

    declared = yaml.safe_load(strategy.read_text(encoding="utf-8"))
    queries = {s["name"]: " ".join(s["query"].split()) for s in declared["sources"]}
    header = [*"run_id,source,searched_on,window_from,window_to,query".split(","), *COUNTS]
    _write(root / RUNS, header, [(*r[:5], queries[r[1]], *r[5:]) for r in RUN_ROWS])
    log_header = (root / LOG).read_text(encoding="utf-8").splitlines()[0].split(",")
    rows = []
    for c in CANDIDATES:
        doi = c[3]
        url = f"https://doi.org/{doi}" if doi else "https://example.org/record"
        rows.append((*c[:8], url, *c[8:], ""))
    _write(root / LOG, log_header, rows)
    text = strategy.read_text(encoding="utf-8").replace("last_search: null", "last_search: 2026-09-01")
    strategy.write_text(text, encoding="utf-8")
