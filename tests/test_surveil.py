"""The surveillance search (``python -m helpers surveil``), offline: each API's documented answers served by a local
server (tests/fixtures/surveil/, see its README), paging, 429 and 5xx retries, malformed records and pages,
duplicates across sources, against the bibliography and earlier candidates, and failures that change nothing."""

from __future__ import annotations

import csv
import json
import os
import socket
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from werkzeug import Response

from conftest import run_helpers
from helpers.search import clients, dedupe, files, http, records
from helpers.search.surveil import CONTACT_ENV, surveil, today_utc

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "surveil"
CONTACT = "surveil-test@example.invalid"
QUERY = "online forum peer support mental health"
EARLIER_DOI = "10.5555/surveil.0005"
WINDOW_START = date(2023, 6, 1)  # the test strategy's, not the report's
EARLIER_RUN = date(2024, 1, 15)  # the test copy's earlier search (it found EARLIER_DOI)
FIRST_DAY = date(2024, 1, 16)  # where the next search's window starts
SOURCES = ("openalex", "crossref", "europepmc")
# What each API's pages hold (tests/fixtures/surveil): returned, malformed, duplicates, added.
EXPECTED = {
    "openalex": {"identified": 6, "malformed": 2, "duplicates": 1, "added": 3},
    "crossref": {"identified": 5, "malformed": 1, "duplicates": 3, "added": 1},
    "europepmc": {"identified": 3, "malformed": 1, "duplicates": 1, "added": 1},
}
CURSOR = {"openalex": "cursor", "crossref": "cursor", "europepmc": "cursorMark"}
ENDPOINT = {"openalex": "/works", "crossref": "/works", "europepmc": "/search"}


def _next_cursor(source: str, page: dict):
    if source == "openalex":
        return page["meta"]["next_cursor"]
    if source == "crossref":
        return page["message"]["next-cursor"]
    return page["nextCursorMark"]


def strategy_text(repo: Path) -> str:
    """The repository's declared search (so the data layer accepts it), searching the test server from
    WINDOW_START with QUERY, last searched on EARLIER_RUN."""
    declared = yaml.safe_load((repo / files.STRATEGY_FILE).read_text(encoding="utf-8"))
    declared.update(
        window_start=WINDOW_START,
        last_search=EARLIER_RUN,
        sources=[{"name": source, "query": QUERY} for source in SOURCES],
    )
    text = yaml.safe_dump(declared, sort_keys=False, allow_unicode=True, width=100)
    # A comment on the line surveil edits: the edit keeps it.
    text = text.replace(f"last_search: {EARLIER_RUN}\n", f"last_search: {EARLIER_RUN}  # set by python -m helpers surveil\n")
    return "# The repository's declared search, pointed at the test server (test fixture).\n" + text


@pytest.fixture(scope="module")
def bib(repo) -> dict[str, str]:
    """A DOI, and a title with its year, from the repository's own bibliography (two different entries)."""
    from helpers.data.bib import load_bibliography

    entries = load_bibliography(repo / "bib" / "references.bib")
    with_doi = entries[entries["doi"] != ""].iloc[0]
    titled = entries[(entries["bibkey"] != with_doi["bibkey"]) & entries["year"].notna() & (entries["title"].str.len() > 40)]
    titled = titled.iloc[0]
    return {"doi": with_doi["doi"], "title": titled["title"], "year": str(int(titled["year"])), "title_key": titled["bibkey"]}


def page_text(name: str, bib: dict[str, str]) -> str:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    text = text.replace("@BIB_DOI@", json.dumps(bib["doi"])[1:-1]).replace("@BIB_TITLE@", json.dumps(bib["title"])[1:-1])
    return text.replace('"@BIB_YEAR@"', bib["year"]).replace("@EARLIER_DOI@", EARLIER_DOI)


class Api:
    """One API on the local server: its recorded pages by cursor; failures answered first, in order."""

    def __init__(self, server, source: str, bib: dict[str, str]):
        self.source = source
        self.pages = [page_text(f"{source}_{n}.json", bib) for n in (1, 2, 3)]
        self.cursors = ["*"] + [_next_cursor(source, json.loads(p)) for p in self.pages[:-1]]
        self.failures: list[tuple[int, dict[str, str], str]] = []
        self.replace: dict[int, str] = {}  # page index -> body served instead
        self.seen: list = []
        server.expect_request(f"/{source}{ENDPOINT[source]}").respond_with_handler(self.handle)
        self.base = server.url_for(f"/{source}")

    def handle(self, request):
        self.seen.append({"args": dict(request.args), "headers": dict(request.headers)})
        if self.failures:
            status, headers, body = self.failures.pop(0)
            return Response(body, status=status, headers=headers)
        index = self.cursors.index(request.args[CURSOR[self.source]])
        return Response(self.replace.get(index, self.pages[index]), status=200, content_type="application/json")


@pytest.fixture
def apis(httpserver, bib) -> dict[str, Api]:
    return {source: Api(httpserver, source, bib) for source in SOURCES}


def earlier_candidate(bib) -> dict[str, str]:
    return {
        "candidate_id": "C-0001",
        "run_id": f"S-{EARLIER_RUN}",
        "found_in": "openalex",
        "doi": EARLIER_DOI,
        "title": "Lurking and posting in a depression forum: a mixed-methods study",
        "authors": "Example, Cam",
        "year": "2024",
        "venue": "Journal of Example Studies",
        "url": f"https://doi.org/{EARLIER_DOI}",
        "status": "to screen",
    }


def earlier_run() -> dict[str, object]:
    return {
        "run_id": f"S-{EARLIER_RUN}", "source": "openalex", "searched_on": EARLIER_RUN, "window_from": WINDOW_START,
        "window_to": EARLIER_RUN, "query": f"search={QUERY}", "records_identified": 1, "duplicates_removed": 0,
        "records_unusable": 0, "records_added": 1,
    }  # fmt: skip


@pytest.fixture
def report(repo_copy, bib, monkeypatch) -> Path:
    """A copy of the report with a strategy in the contract's shape and one earlier candidate and run; the contact
    e-mail in the environment, as the workflow sets it."""
    monkeypatch.setenv(CONTACT_ENV, CONTACT)
    (repo_copy / files.STRATEGY_FILE).parent.mkdir(parents=True, exist_ok=True)
    (repo_copy / files.STRATEGY_FILE).write_text(strategy_text(repo_copy), encoding="utf-8")
    for relative, columns, row in (
        (files.CANDIDATES_FILE, files.CANDIDATE_COLUMNS, earlier_candidate(bib)),
        (files.RUNS_FILE, files.RUN_COLUMNS, earlier_run()),
    ):
        (repo_copy / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo_copy / relative).unlink(missing_ok=True)
        (repo_copy / relative).write_text(files.appended(repo_copy, relative, columns, [row]), encoding="utf-8")
    return repo_copy


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        relative: (root / relative).read_bytes() for relative in (files.STRATEGY_FILE, files.RUNS_FILE, files.CANDIDATES_FILE)
    }


def polite(**kwargs) -> http.Polite:
    slept: list[float] = []
    return http.Polite(CONTACT, min_interval=0, sleep=slept.append, **kwargs)


def run(report: Path, apis: dict[str, Api], client=None, **kwargs) -> tuple[int, list[str], list[str]]:
    out, err = [], []
    code = surveil(
        report, bases={s: a.base for s, a in apis.items()}, http=client or polite(), page_size=3, out=out.append,
        err=err.append, **kwargs,
    )  # fmt: skip
    return code, out, err


def rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [dict(zip(header, row, strict=True)) for row in reader]


# ------------------------------------------------------------------ a whole run


def test_a_run_pages_through_each_api_and_records_everything(report, apis, bib):
    before = snapshot(report)
    code, out, err = run(report, apis)
    assert code == 0, err
    today = today_utc()
    for source, api in apis.items():
        # Every page of every API, cursor after cursor, up to the documented end.
        assert [seen["args"][CURSOR[source]] for seen in api.seen] == api.cursors
        first = api.seen[0]
        assert CONTACT in first["headers"]["User-Agent"] and http.PROJECT in first["headers"]["User-Agent"]
        assert CONTACT in first["args"].values()  # mailto (OpenAlex, Crossref) or email (Europe PMC)
        sent = " ".join(first["args"].values())
        assert FIRST_DAY.isoformat() in sent and today.isoformat() in sent and QUERY in sent

    header, runs = rows(report / files.RUNS_FILE)
    assert tuple(header) == files.RUN_COLUMNS
    new_runs = [r for r in runs if r["run_id"] == f"S-{today}"]
    assert [r["source"] for r in new_runs] == list(SOURCES)
    for row in new_runs:
        expected = EXPECTED[row["source"]]
        assert int(row["records_identified"]) == expected["identified"]
        assert int(row["duplicates_removed"]) == expected["duplicates"]
        assert int(row["records_unusable"]) == expected["malformed"]
        assert int(row["records_added"]) == expected["added"]
        assert (row["searched_on"], row["window_from"], row["window_to"]) == (str(today), str(FIRST_DAY), str(today))
        assert QUERY in row["query"] and CONTACT not in row["query"]
    assert sum(int(r["records_added"]) for r in new_runs) == sum(e["added"] for e in EXPECTED.values())

    header, candidates = rows(report / files.CANDIDATES_FILE)
    assert tuple(header) == files.CANDIDATE_COLUMNS
    added = candidates[1:]
    assert [c["candidate_id"] for c in added] == [f"C-{n:04d}" for n in range(2, 2 + len(added))]
    assert {c["status"] for c in added} == {"to screen"} and {c["run_id"] for c in added} == {f"S-{today}"}
    by_doi = {c["doi"]: c for c in added}
    # The same DOI from OpenAlex and Crossref (upper case, markup in the title): one candidate, both sources.
    assert by_doi["10.5555/surveil.0001"]["found_in"] == "openalex; crossref"
    assert by_doi["10.5555/surveil.0001"]["authors"] == "Alex Example; Sam Sample"
    # The same title from OpenAlex and Europe PMC (hyphen and full stop differ), no DOI: one candidate.
    (help_seeking,) = [c for c in added if "help-seeking" in c["title"] or "help seeking" in c["title"]]
    assert help_seeking["found_in"] == "openalex; europepmc"
    # Against the bibliography (by DOI and by title) and the earlier candidate: none of them is added again.
    assert bib["doi"].lower() not in by_doi and EARLIER_DOI not in [c["doi"] for c in added]
    assert dedupe.title_key(bib["title"]) not in {dedupe.title_key(c["title"]) for c in added}
    # Text cleaned: no control or bidirectional characters, no non-breaking space; DOIs bare and lower-case.
    cleaned = by_doi["10.5555/surveil.0006"]
    assert cleaned["title"] == "Reciprocity in anonymous forums for young people" and cleaned["authors"] == "Robin Example"
    assert by_doi["10.5555/surveil.0004"]["authors"] == "Sample, Ash; Example Forum Research Group"
    assert all(c["url"].startswith(("https://", "http://")) for c in added)
    # Malformed records skipped, each with a message naming source, page and item.
    assert len(err) == sum(e["malformed"] for e in EXPECTED.values())
    assert any("openalex: page 1, item 3" in line and "not an http(s) link" in line for line in err)
    assert any("crossref" in line and "not a DOI" in line for line in err)
    assert any("europepmc" in line and "no title" in line for line in err)

    # The earlier rows are kept byte for byte; strategy.yml changes in its last_search line only.
    after = snapshot(report)
    assert after[files.CANDIDATES_FILE].startswith(before[files.CANDIDATES_FILE])
    assert after[files.RUNS_FILE].startswith(before[files.RUNS_FILE])
    old_lines, new_lines = before[files.STRATEGY_FILE].decode().splitlines(), after[files.STRATEGY_FILE].decode().splitlines()
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    comment = "  # set by python -m helpers surveil"
    assert changed == [(f"last_search: {EARLIER_RUN}{comment}", f"last_search: {today}{comment}")]
    assert files.read_strategy(report).last_search == today


def test_the_openalex_key_is_sent_and_never_recorded(report, apis, monkeypatch):
    monkeypatch.setenv("OPENALEX_API_KEY", "key-for-the-test")
    assert run(report, apis)[0] == 0
    assert {seen["args"].get("api_key") for seen in apis["openalex"].seen} == {"key-for-the-test"}
    assert not any("api_key" in seen["args"] for source in ("crossref", "europepmc") for seen in apis[source].seen)
    assert not any(b"key-for-the-test" in data for data in snapshot(report).values())


def test_a_second_run_on_the_same_day_is_refused(report, apis):
    assert run(report, apis)[0] == 0
    before, requests = snapshot(report), sum(len(a.seen) for a in apis.values())
    code, out, _ = run(report, apis)
    assert code == 0 and "Already searched" in out[0]
    assert snapshot(report) == before and sum(len(a.seen) for a in apis.values()) == requests


def test_the_next_run_starts_the_day_after_the_last_search(report, apis):
    assert run(report, apis, today=date(2026, 1, 31))[0] == 0
    for api in apis.values():
        api.seen.clear()
    assert run(report, apis, today=date(2026, 2, 28))[0] == 0
    sent = " ".join(apis["openalex"].seen[0]["args"].values())
    assert "from_publication_date:2026-02-01,to_publication_date:2026-02-28" in sent
    _, runs = rows(report / files.RUNS_FILE)
    assert {r["window_from"] for r in runs if r["run_id"] == "S-2026-02-28"} == {"2026-02-01"}
    # Everything the second run found, the first had added: all duplicates of earlier candidates.
    assert {r["records_added"] for r in runs if r["run_id"] == "S-2026-02-28"} == {"0"}


def test_the_first_run_starts_at_the_window_start_and_makes_the_logs(report, apis):
    """No search yet: last_search is null, the logs do not exist; the window opens at window_start."""
    strategy = report / files.STRATEGY_FILE
    strategy.write_text(strategy.read_text(encoding="utf-8").replace(f"last_search: {EARLIER_RUN}", "last_search: null"))
    (report / files.RUNS_FILE).unlink()
    (report / files.CANDIDATES_FILE).unlink()
    assert run(report, apis)[0] == 0
    assert f"from_publication_date:{WINDOW_START}," in apis["openalex"].seen[0]["args"]["filter"]
    header, candidates = rows(report / files.CANDIDATES_FILE)
    assert tuple(header) == files.CANDIDATE_COLUMNS and candidates[0]["candidate_id"] == "C-0001"
    # Without the earlier candidate, the record it duplicated is new.
    assert EARLIER_DOI in {c["doi"] for c in candidates}
    assert tuple(rows(report / files.RUNS_FILE)[0]) == files.RUN_COLUMNS


def test_nothing_to_search_when_the_window_is_empty(report, apis):
    before = snapshot(report)
    code, out, _ = run(report, apis, today=date(2024, 2, 1), until=EARLIER_RUN)
    assert code == 0 and "Nothing to search" in out[0] and snapshot(report) == before
    assert not any(api.seen for api in apis.values())


def test_a_run_with_until_leaves_no_gap_before_the_next(report, apis):
    assert run(report, apis, today=date(2026, 3, 10), until=date(2026, 2, 28))[0] == 0
    for api in apis.values():
        api.seen.clear()
    assert run(report, apis, today=date(2026, 4, 10))[0] == 0
    assert "from-pub-date:2026-03-01,until-pub-date:2026-04-10" in apis["crossref"].seen[0]["args"]["filter"]
    assert files.read_strategy(report).last_search == date(2026, 4, 10)


def test_dry_run_prints_what_would_be_added_and_writes_nothing(report, apis):
    before = snapshot(report)
    code, out, _ = run(report, apis, dry_run=True)
    assert code == 0 and snapshot(report) == before
    assert "Dry run: would add" in "\n".join(out) and any("10.5555/surveil.0004" in line for line in out)


# ------------------------------------------------------------------ politeness: retries, waits, timeouts


def test_429_with_retry_after_and_a_500_are_retried(report, apis):
    apis["openalex"].failures.append((429, {"Retry-After": "7"}, "slow down"))
    apis["crossref"].failures.append((500, {}, "oops"))
    client = polite()
    code, _, err = run(report, apis, client=client)
    assert code == 0, err
    assert client.waits == [7.0, 1.0]  # the server's Retry-After, then the first exponential backoff
    _, runs = rows(report / files.RUNS_FILE)
    assert sum(int(r["records_added"]) for r in runs if r["run_id"].endswith(str(today_utc()))) == 5


def test_retry_after_as_an_http_date():
    now = time.time()
    header = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 30))
    assert 28 <= http.retry_after(header, now=now) <= 31
    assert http.retry_after("", now=now) is None and http.retry_after("soon", now=now) is None


def test_requests_are_paced(httpserver):
    httpserver.expect_request("/ping").respond_with_json({"ok": True})
    waited: list[float] = []
    client = http.Polite(CONTACT, min_interval=0.5, sleep=waited.append, clock=lambda: 100.0)
    for _ in range(3):
        client.get_json(httpserver.url_for("/ping"), {})
    assert waited == [0.5, 0.5]  # the clock stands still: every request after the first waits the whole interval


def test_a_request_that_hangs_times_out(httpserver):
    def slow(request):
        time.sleep(1.0)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    client = http.Polite(CONTACT, timeout=(2.0, 0.2), min_interval=0)
    with pytest.raises(http.FetchError, match="Timeout"):
        client.get_json(httpserver.url_for("/slow"), {})


# ------------------------------------------------------------------ failures change nothing


def _dead_address() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/crossref"  # nothing listens there any more


def _assert_nothing_changed(report: Path, before: dict[str, bytes], code: int, err: list[str], source: str):
    assert code == 1
    assert snapshot(report) == before
    message = "\n".join(err)
    assert f"source '{source}'" in message and "Nothing was changed" in message and "Traceback" not in message


def test_the_network_failing_mid_run_changes_nothing(report, apis):
    before = snapshot(report)
    apis["crossref"].base = _dead_address()  # OpenAlex answered; then the network is gone
    code, _, err = run(report, apis)
    assert apis["openalex"].seen, "the run failed before it started"
    _assert_nothing_changed(report, before, code, err, "crossref")


def test_a_server_error_that_lasts_changes_nothing(report, apis):
    before = snapshot(report)
    apis["europepmc"].failures.extend([(503, {}, "down")] * 3)
    code, _, err = run(report, apis, client=polite(retries=2))
    _assert_nothing_changed(report, before, code, err, "europepmc")
    assert "HTTP 503 after 3 request(s)" in "\n".join(err)


@pytest.mark.parametrize(
    ("source", "body"),
    [
        ("europepmc", '{"hitCount": 3, "resultList": {}}'),
        ("openalex", "<html>maintenance</html>"),
        ("crossref", '{"status": "failed"}'),
    ],
)
def test_a_malformed_page_changes_nothing(report, apis, source, body):
    before = snapshot(report)
    apis[source].replace[1] = body  # the second page
    code, _, err = run(report, apis)
    _assert_nothing_changed(report, before, code, err, source)


def test_a_write_that_fails_says_what_changed(report, apis, monkeypatch):
    """The temporary files are written first; if even the first swap fails, nothing changed and no temporary is left."""
    before, real = snapshot(report), os.replace
    calls = []

    def failing(source, target):
        calls.append(target)
        if len(calls) == 1:
            raise PermissionError(13, "read-only", str(target))
        return real(source, target)

    monkeypatch.setattr(files.os, "replace", failing)
    code, _, err = run(report, apis)
    assert code == 1 and snapshot(report) == before and "Nothing was changed" in err[-1]
    assert not list((report / "data").rglob("*.tmp"))


def test_an_interruption_changes_nothing(report, apis, monkeypatch):
    from helpers import cli

    before, calls = snapshot(report), []
    real = clients.fetch

    def interrupted(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(clients, "fetch", interrupted)
    monkeypatch.setenv("REPORT_ROOT", str(report))
    for source, api in apis.items():
        monkeypatch.setenv(clients.BASE_ENV.format(source.upper()), api.base)
    assert cli.main(["surveil"]) == 130
    assert snapshot(report) == before and calls == ["openalex", "crossref"]


def test_bad_arguments_and_a_missing_strategy_are_refused_with_a_message(report, apis, capsys, monkeypatch):
    from helpers import cli

    monkeypatch.setenv("REPORT_ROOT", str(report))
    assert cli.main(["surveil", "--until", "2024-02-30"]) == 2
    assert "not a date" in capsys.readouterr().err
    code, _, err = run(report, apis, until=date(2999, 1, 1))
    assert code == 1 and "in the future" in err[0]
    (report / files.STRATEGY_FILE).unlink()
    code, _, err = run(report, apis)
    assert code == 1 and files.STRATEGY_FILE in err[0] and "missing" in err[0]


# ------------------------------------------------------------------ the rules, one by one


def test_records_that_cannot_be_screened_are_refused():
    assert records.normalise_doi("https://doi.org/10.1000/ABC") == "10.1000/abc"
    assert records.normalise_doi("doi: 10.1000/x.Y") == "10.1000/x.y"
    with pytest.raises(records.Malformed, match="no title"):
        records.make_record("crossref", title="<i> </i>")
    with pytest.raises(records.Malformed, match="not a DOI"):
        records.make_record("crossref", title="T", doi="11.1/x")
    with pytest.raises(records.Malformed, match="http"):
        records.make_record("openalex", title="T", url=" JaVa\tscript:alert(1)")
    with pytest.raises(records.Malformed, match="formula"):
        records.make_record("openalex", title="=HYPERLINK(1)")
    kept = records.make_record("crossref", title="A <sub>2</sub> &amp; B\u200b\n C", doi="10.1000/Z", year="2024-05")
    assert (kept.title, kept.doi, kept.year) == ("A 2 & B C", "10.1000/z", 2024)
    assert records.make_record("crossref", title="T", year="0001").year is None  # a year no record of the window has
    assert records.make_record("crossref", title="T", year=9999).year is None


def test_fetched_text_is_cleaned_to_what_validation_accepts():
    from helpers.data import hygiene

    dirty = "Peer\u00a0support\u202e in \u200bforums\x07\u2028 \u3164online\ufe0f"
    assert hygiene.character_problems(dirty) and hygiene.control_problems(dirty)
    clean = hygiene.cleaned(dirty)
    assert not hygiene.character_problems(clean) and not hygiene.control_problems(clean)
    assert records.clean_text(dirty) == "Peer support in forums online"


@pytest.mark.parametrize(
    ("title", "year", "same"),
    [
        ("Online peer support forums and the behaviour of young people: a qualitative study", 2024, True),
        ("Online peer support forums and the behavior of young people - A qualitative study.", 2025, True),
        ("Online peer support forums and the behaviour of older adults: a qualitative study", 2024, False),
        ("Online peer support forums and the behaviour of young people: a qualitative study", 2026, False),
        ("Online peer support forums and the behaviour of young people: a qualitative study", None, True),
        ("Online peer support forums and the behaviour of young people: qualitative study", None, False),
    ],
)
def test_titles_match_above_the_threshold_and_within_a_year(title, year, same):
    index = dedupe.Index(
        [
            dedupe.Known(
                "",
                dedupe.title_key("Online peer support forums and the behaviour of young people: a qualitative study"),
                2024,
                "x",
            )
        ]
    )
    assert (index.match("", title, year) is not None) is same
    if year is not None and same is False and "older" in title:
        score = dedupe.fuzz.ratio(dedupe.title_key(title), index.works[0].key)
        assert score < dedupe.TITLE_THRESHOLD  # the content word costs more than the threshold allows


def test_dois_match_whatever_their_form():
    index = dedupe.Index([dedupe.Known("10.1000/abc", "", None, "x")])
    assert index.match(records.normalise_doi("https://doi.org/10.1000/ABC"), "Another title", 1999) is not None


# ------------------------------------------------------------------ the command line, as the monthly workflow runs it


def test_a_simulated_monthly_run_adds_candidates_offline(report, apis, tmp_path, monkeypatch):
    """`python -m helpers surveil` in a fresh process, its network guarded: only the local server is reached."""
    log = tmp_path / "network.log"
    for source, api in apis.items():
        monkeypatch.setenv(clients.BASE_ENV.format(source.upper()), api.base)
    result = run_helpers(report, "surveil", guard_log=log, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    today = today_utc()
    _, candidates = rows(report / files.CANDIDATES_FILE)
    assert len([c for c in candidates if c["run_id"] == f"S-{today}"]) == sum(e["added"] for e in EXPECTED.values())
    assert yaml.safe_load((report / files.STRATEGY_FILE).read_text(encoding="utf-8"))["last_search"] == today
    lines = log.read_text(encoding="utf-8").splitlines()
    assert any("helpers surveil" in line for line in lines if line.startswith("armed "))
    assert not [line for line in lines if line.startswith("attempt ")]

    # What it wrote passes validation as it stands, and each update's flow adds up to what the sources returned.
    checked = run_helpers(report, "validate")
    assert checked.returncode == 0, checked.stderr
    import pandas as pd

    from helpers.search.flow import flows

    runs = pd.read_csv(report / files.RUNS_FILE, dtype={"run_id": str})
    log = pd.read_csv(report / files.CANDIDATES_FILE, dtype=str, keep_default_na=False)
    (flow,) = [f for f in flows(runs, log) if f.searched_on == today.isoformat()]
    assert flow.identified == {source: e["identified"] for source, e in EXPECTED.items()}
    assert flow.duplicates_removed == sum(e["duplicates"] for e in EXPECTED.values())
    assert flow.unusable == sum(e["malformed"] for e in EXPECTED.values())
    assert flow.added == flow.awaiting == sum(e["added"] for e in EXPECTED.values())

    # A screener includes one; `include` makes its source row and BibTeX entry, which wait for a curator.
    new = next(c for c in candidates if c["run_id"] == f"S-{today}" and c["doi"])
    screened = (
        (report / files.CANDIDATES_FILE)
        .read_text(encoding="utf-8")
        .replace(f"{new['url']},to screen,,,,", f"{new['url']},include,,AB,{today},")
    )
    (report / files.CANDIDATES_FILE).write_text(screened, encoding="utf-8")
    included = run_helpers(report, "include", new["candidate_id"])
    assert included.returncode == 0, included.stderr
    assert new["doi"] in (report / "bib" / "references.bib").read_text(encoding="utf-8")
    waiting = run_helpers(report, "validate")
    assert waiting.returncode == 1 and "study_design" in waiting.stderr and "Traceback" not in waiting.stderr


def test_the_network_guard_still_blocks_the_real_apis(report, tmp_path):
    """Without the local server's addresses the search would reach the real APIs: the guard refuses, nothing changes."""
    assert not any(key.startswith("SURVEIL_") for key in os.environ)
    before, log = snapshot(report), tmp_path / "network.log"
    result = run_helpers(report, "surveil", guard_log=log, timeout=300)
    assert result.returncode == 1 and "Nothing was changed" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(report) == before
    attempts = [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("attempt ")]
    assert attempts and "api.openalex.org" in attempts[0]
