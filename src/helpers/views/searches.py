"""The page "Searches since the synthesis" and the evidence base's sources added since it, as escaped HTML.

The declared search (data/search/strategy.yml), each update's PRISMA 2020-style flow (helpers.search.flow) drawn
as HTML with real text (an ordered list of boxes, readable without styles and by a screen reader), the records
awaiting screening and the included ones, linked to their rows on the evidence-base page.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from helpers.data import loaders as data
from helpers.data import provenance
from helpers.data.search import Strategy, load_strategy
from helpers.search.flow import Flow, flows
from helpers.views.html import esc, link, slug
from helpers.views.places import place_href
from helpers.views.tables import html_table

# How the page names each open source the search queries.
SOURCE_NAMES = {"openalex": "OpenAlex", "crossref": "Crossref", "europepmc": "Europe PMC"}


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source)


def added_source_anchor(source_id: str) -> str:
    """The id of a source's row in the evidence base's table of sources added since the synthesis."""
    return slug(f"added-{source_id}")


def added_source_href(source_id: str) -> str:
    return f"{place_href('sources-added').split('#')[0]}#{added_source_anchor(source_id)}"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


# --------------------------------------------------------------------------- the declared search


def declared_search() -> HTML:
    """What the report searches, where and from when; the passages of the synthesis it is derived from."""
    strategy = load_strategy()
    last = (
        f"The newest search ran on {esc(strategy.last_search.isoformat())}." if strategy.last_search else "No search has run yet."
    )
    sources = "".join(
        f"<li><strong>{esc(source_name(s.name))}</strong>: <code class='report-query'>{esc(s.query)}</code></li>"
        for s in strategy.sources
    )
    passages = "".join(
        f"<li><blockquote class='report-passage'>{esc(p.passage)}</blockquote>"
        f"<p class='report-search-where'>{esc(p.location)} ({esc(p.paper)})</p></li>"
        for p in strategy.derived_from
    )
    reasons = "".join(f"<li><code>{esc(code)}</code>: {esc(label)}</li>" for code, label in strategy.reasons.items())
    return HTML(
        "<div class='report-search'>"
        f"<p>{esc(strategy.statement)}</p>"
        f"<p>Records published from <strong>{esc(strategy.window_start.isoformat())}</strong> on are searched "
        f"for. {last}</p>"
        f"<h3 id='search-sources'>Sources and queries</h3><ul class='report-search-sources'>{sources}</ul>"
        f"<details class='report-search-basis'><summary>The synthesis's text the search is derived from "
        f"({_plural(len(strategy.derived_from), 'passage')}, verbatim)</summary><ol>{passages}</ol></details>"
        f"<h3 id='exclusion-reasons'>Reasons for excluding a record</h3><ul>{reasons}</ul>"
        "</div>"
    )


# --------------------------------------------------------------------------- the flow of each update


def _box(title: str, count: int, detail: str = "", kind: str = "") -> str:
    extra = f" report-flow-{kind}" if kind else ""
    return (
        f"<div class='report-flow-box{extra}'><p class='report-flow-title'>{esc(title)}: "
        f"<strong class='report-flow-count'>{count}</strong></p>{detail}</div>"
    )


def _list(items: list[tuple[str, int]]) -> str:
    return "<ul>" + "".join(f"<li>{esc(label)}: <span class='report-flow-count'>{n}</span></li>" for label, n in items) + "</ul>"


def flow_html(flow: Flow, reasons: dict[str, str]) -> str:
    """One update's PRISMA 2020-style flow: identification, screening, included; each stage a box of real text."""
    anchor = slug(f"update-{flow.searched_on}")
    identified = _list([(source_name(s), n) for s, n in flow.identified.items()])
    excluded = _list([(reasons.get(code, code), n) for code, n in flow.excluded.items()]) if flow.excluded else ""
    stages = [
        (
            "Identification",
            _box("Records identified", flow.identified_total, identified, "main")
            + _box(
                "Records removed before screening",
                flow.duplicates_removed + flow.unusable,
                _list(
                    [
                        ("Duplicates", flow.duplicates_removed),
                        ("Without usable metadata (no title, a malformed DOI or an unsafe link)", flow.unusable),
                    ]
                ),
                "side",
            ),
        ),
        (
            "Screening",
            _box("Records added to the screening log", flow.added, "", "main")
            + _box("Awaiting screening", flow.awaiting, "", "side"),
        ),
        (
            "Screened",
            _box("Records screened", flow.screened, "", "main") + _box("Records excluded", flow.excluded_total, excluded, "side"),
        ),
        ("Included", _box("New sources included", flow.included, "", "main")),
    ]
    items = "".join(
        f"<li class='report-flow-stage'><p class='report-flow-stage-name'>{esc(name)}</p>"
        f"<div class='report-flow-row'>{boxes}</div></li>"
        for name, boxes in stages
    )
    caption = (
        f"Flow of records in the search of {flow.searched_on} (publication dates {flow.window_from} to "
        f"{flow.window_to}), in the style of a PRISMA 2020 flow diagram."
    )
    return (
        f"<figure class='report-flow' id='{anchor}' aria-labelledby='{anchor}-caption'>"
        f"<figcaption id='{anchor}-caption'>{esc(caption)}</figcaption><ol class='report-flow-stages'>{items}</ol></figure>"
    )


def _no_search_yet(strategy: Strategy) -> str:
    return (
        "<p class='report-search-none'><strong>No search has run yet.</strong> The first runs with the monthly "
        "scheduled search, which queries the sources above for records published from "
        f"{esc(strategy.window_start.isoformat())} on and proposes what it finds, as records to screen, in a pull "
        "request. Each search then appears here with its flow of records.</p>"
    )


def updates() -> HTML:
    """Each search's date and flow diagram, newest first (or that no search has run yet)."""
    strategy = load_strategy()
    runs, candidates = data.load_search_runs(), data.load_screening()
    if runs.empty:
        return HTML(_no_search_yet(strategy))
    found = flows(runs, candidates)
    dates = ", ".join(f"<a href='#{slug('update-' + f.searched_on)}'>{esc(f.searched_on)}</a>" for f in found)
    intro = f"<p>{_plural(len(found), 'search', 'searches')} so far, newest first: {dates}.</p>"
    return HTML(intro + "".join(flow_html(f, strategy.reasons) for f in found))


# --------------------------------------------------------------------------- the records


def _title(record: pd.Series) -> str:
    return link(record["url"], record["title"]) if record["url"] else esc(record["title"])


def _record_frame(records: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Record": records["candidate_id"],
            "Search": records["run_id"].str.removeprefix("S-"),
            "Found in": records["found_in"].map(lambda cell: "; ".join(source_name(s) for s in cell.split("; "))),
            "Title": records.apply(_title, axis=1),
            "Authors": records["authors"],
            "Year": records["year"].map(lambda y: "" if pd.isna(y) else str(y)),
            "Venue": records["venue"],
        }
    )


def awaiting() -> HTML:
    """The records a search found that no one has screened yet."""
    candidates = data.load_screening()
    waiting = candidates[candidates["status"] == "to screen"]
    if waiting.empty:
        what = (
            "No record is awaiting screening."
            if not candidates.empty
            else "No record is awaiting screening: no search has run yet."
        )
        return HTML(f"<p>{what}</p>")
    caption = f"Records awaiting screening ({len(waiting)}; data/screening/candidates.csv, status 'to screen')"
    return HTML(html_table(_record_frame(waiting), caption, "records-awaiting", html_columns=("Title",)))


def included() -> HTML:
    """The records screened 'include', each linked to its row on the evidence-base page once it is a source."""
    candidates = data.load_screening()
    chosen = candidates[candidates["status"] == "include"]
    if chosen.empty:
        return HTML("<p>No record found by a search has been included yet.</p>")
    frame = _record_frame(chosen)
    frame["Screened"] = chosen["screener"] + ", " + chosen["screened_on"]
    frame["Source"] = chosen["source_id"].map(
        lambda sid: f"<a href='{esc(added_source_href(sid))}'>{esc(sid)}</a>" if sid else "not yet a source row"
    )
    caption = f"Records included ({len(chosen)}), with the source row each became on the evidence-base page"
    return HTML(html_table(frame, caption, "records-included", html_columns=("Title", "Source")))


# --------------------------------------------------------------------------- the evidence base


def added_sources() -> HTML:
    """Sources added since the synthesis (a provenance other than 'paper'), with where each came from."""
    sources = data.load_sources()
    later = sources[~sources[provenance.COLUMN].map(provenance.is_from_paper)]
    if later.empty:
        return HTML("<p>None yet: every source held is one the 2024 synthesis cites.</p>")
    log = data.load_screening().set_index("source_id", drop=False)
    rows = []
    for _, source in later.iterrows():
        record = provenance.parse(source[provenance.COLUMN])
        found = log.loc[source["source_id"]] if source["source_id"] in log.index else None
        if record:
            origin = link(_doi_or_url(record.source), record.source)
            how = f"{esc(record.change)} {esc(record.date.isoformat())} by {esc(record.who)} from {origin}"
        else:
            how = esc(source[provenance.COLUMN])
        if found is not None:
            how += (
                f"; found by the <a href='{esc(place_href('searches'))}#{slug('update-' + found['run_id'].removeprefix('S-'))}'>"
                f"search of {esc(found['run_id'].removeprefix('S-'))}</a> ({esc(found['candidate_id'])})"
            )
        rows.append(
            f"<tr id='{added_source_anchor(source['source_id'])}'><td>{esc(source['source_id'])}</td>"
            f"<td>{esc(source['authors'])} ({esc('n.d.' if pd.isna(source['year']) else str(source['year']))}). "
            f"{esc(source['title'])}</td><td>{how}</td></tr>"
        )
    return HTML(
        "<div class='report-table-wrap' tabindex='0' role='region' aria-labelledby='sources-added-caption'>"
        "<table class='report-table' id='sources-added'><caption id='sources-added-caption'>Sources added since the synthesis "
        f"({len(later)}; data/sources.xlsx, column provenance)</caption><thead><tr><th scope='col'>Source</th>"
        "<th scope='col'>Reference</th><th scope='col'>Added</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"
    )


def _doi_or_url(text: str) -> str:
    return f"doi:{text}" if text.startswith("10.") else text
