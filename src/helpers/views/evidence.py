"""The evidence behind each 2024 configuration: a panel on its card and the "evidence at a glance" page.

For each configuration of the 2024 synthesis it gathers, from the data alone: the sources the synthesis cites
for it (data/sources.xlsx, by content), the staff-interview quotes its narrative ties to it
(data/staff_quotes.csv), what the 2025 evaluation did with it (the Textbox 1 theory whose text matches it and
the refined theories that develop that one, data/cmos.csv) and the 2025 results passages that name that
Textbox 1 theory (data/evaluation_findings.csv). Where the papers say nothing the page says "not reported";
nothing is scored or graded.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML

from helpers.data import loaders as data
from helpers.data.schema import ELISION, NOT_REPORTED
from helpers.views.citations import cite_link
from helpers.views.html import esc
from helpers.views.places import cmo_evidence_anchor, cmo_evidence_href, cmo_href, place_href, study_name, value_href

# Where the glance page is (chapters/places.yml, places) and where the Textbox 1 mapping is checked.
GLANCE_PLACE = "evidence-at-a-glance"
MAPPING_PLACE = "textbox-1"


@dataclass(frozen=True)
class Evidence:
    """What the data hold about one 2024 configuration, each part a table of rows (empty: nothing reported)."""

    cmo: pd.Series
    sources: pd.DataFrame  # data/sources.xlsx rows citing it by content
    quotes: pd.DataFrame  # data/staff_quotes.csv rows tied to it
    tested_as: pd.DataFrame  # Textbox 1 theories whose text matches it (data/cmos.csv, content_2024_equivalent)
    stated_only: pd.DataFrame  # Textbox 1 theories the printed mapping ties to it though their text does not match
    refined_into: pd.DataFrame  # 2025 refined or new theories that refine one of tested_as
    findings: pd.DataFrame  # data/evaluation_findings.csv rows naming one of tested_as


def _naming(frame: pd.DataFrame, column: str, cmo_ids: set[str]) -> pd.DataFrame:
    """Rows whose ``column`` (a '; '-list of CMO ids) names any of ``cmo_ids``."""
    return frame[frame[column].map(lambda cell: bool(cmo_ids & set(data.split_ids(cell))))]


def gather() -> dict[str, Evidence]:
    """CMO id -> its evidence, for every configuration of the 2024 synthesis, in the order of data/cmos.csv."""
    cmos = data.load_cmos()
    sources = data.load_sources().sort_values(["year", "authors"], kind="stable")
    quotes = data.load_staff_quotes()
    findings = data.load_evaluation_findings()
    initial = cmos[cmos["kind"] == "initial"]
    later = cmos[cmos["kind"].isin(["refined", "new"])]
    gathered = {}
    for _, cmo in cmos[cmos["study"] == 2024].iterrows():
        this = {cmo["cmo_id"]}
        tested = _naming(initial, "content_2024_equivalent", this)
        stated = _naming(initial, "stated_2024_equivalent", this)
        tested_ids = set(tested["cmo_id"])
        gathered[cmo["cmo_id"]] = Evidence(
            cmo=cmo,
            sources=_naming(sources, "cmo_ids", this),
            quotes=_naming(quotes, "cmo_ids", this),
            tested_as=tested,
            stated_only=stated[~stated["cmo_id"].isin(tested_ids)],
            refined_into=_naming(later, "refines", tested_ids),
            findings=_naming(findings, "cmo_ids", tested_ids),
        )
    return gathered


# --------------------------------------------------------------------------- small pieces


def _not_reported(why: str = "") -> str:
    return f'<span class="report-missing">{NOT_REPORTED}{esc(why)}</span>'


def _counted(items: pd.Series) -> str:
    """'qualitative study (2), not reported (1)': each distinct value with how often it occurs, most often first."""
    counts = items.value_counts(sort=False)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] == NOT_REPORTED, str(item[0])))
    return ", ".join(f"{esc(str(value))} ({count})" for value, count in ordered)


def _years(years: pd.Series) -> str:
    known = sorted(int(y) for y in years.dropna())
    if not known:
        return NOT_REPORTED
    return str(known[0]) if known[0] == known[-1] else f"{known[0]}–{known[-1]}"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _cmo_link(cmo: pd.Series, text: str | None = None) -> str:
    return f'<a href="{esc(cmo_href(cmo))}">{esc(text or cmo["label"])}</a>'


def _textbox_label(cmo: pd.Series) -> str:
    """How the page names a 2025 theory: 'Textbox 1 CMO 2' for an initial one, its own label otherwise."""
    return f"Textbox 1 {cmo['label']}" if cmo["kind"] == "initial" else cmo["label"]


def _source_link(source, bibliography: pd.DataFrame) -> str:
    if source.bibkey in bibliography.index:
        return cite_link(source.bibkey, bibliography)
    return esc(f"{source.authors} {source.year}")


def _value_text(value: pd.Series) -> str:
    """'r = 0.414', 'p <.001': a reported value as printed, with its statistic."""
    printed = value["value_reported"]
    joiner = " " if printed[:1] in "<>≤≥" else " = "
    return f"{value['statistic']}{joiner}{printed}"


def _passage(text: str) -> str:
    """A verbatim passage; its elisions ([…]) are marked up as such."""
    return ' <span class="report-elision" title="words left out">[…]</span> '.join(esc(p) for p in text.split(ELISION))


# --------------------------------------------------------------------------- the panel on a card


def _sources_html(evidence: Evidence, bibliography: pd.DataFrame) -> str:
    sources = evidence.sources
    if sources.empty:
        return _not_reported(": the synthesis's text cites no source for it")
    links = "; ".join(_source_link(s, bibliography) for s in sources.itertuples())
    return (
        f"<p><strong>{_plural(len(sources), 'source', 'sources')}</strong>, published {esc(_years(sources['year']))}. "
        f"Designs as reported: {_counted(sources['study_design'])}.</p><p>{links}</p>"
    )


def _quotes_html(evidence: Evidence) -> str:
    if evidence.quotes.empty:
        return _not_reported(": the synthesis's narrative quotes no staff interview for it")
    items = []
    for quote in evidence.quotes.itertuples():
        notes = "".join(f" {esc(note)}" for note in (quote.label_note, quote.note) if note)
        items.append(
            f'<li><blockquote class="report-quote">{esc(quote.quote)}</blockquote>'
            f'<p class="report-cmo-location">— <strong>{esc(quote.role)}</strong>; {esc(quote.location)}.{notes}</p></li>'
        )
    return f'<ul class="report-quotes">{"".join(items)}</ul>'


def _evaluation_html(evidence: Evidence) -> str:
    checked = f'(<a href="{esc(place_href(MAPPING_PLACE))}">the mapping, checked</a>)'
    parts = []
    if evidence.tested_as.empty and evidence.stated_only.empty:
        parts.append(_not_reported(": it is not among the 2025 evaluation's initial theories (Textbox 1)"))
    elif evidence.tested_as.empty:
        parts.append(_not_reported(": the text of no initial theory of the 2025 evaluation (Textbox 1) matches it."))
    else:
        tested = ", ".join(_cmo_link(c, _textbox_label(c)) for _, c in evidence.tested_as.iterrows())
        refined = ", ".join(_cmo_link(c) for _, c in evidence.refined_into.iterrows()) or _not_reported()
        parts.append(f"Tested as {tested} (by its text); refined into {refined}.")
    for _, initial in evidence.tested_as.iterrows():
        if initial["stated_2024_equivalent"] != initial["content_2024_equivalent"]:
            parts.append(
                f"Textbox 1 itself states that its {esc(initial['label'])} corresponds to "
                f"{_labels(initial['stated_2024_equivalent'])} of the {esc(study_name(2024))} {checked}."
            )
    for _, initial in evidence.stated_only.iterrows():
        parts.append(
            f"Textbox 1 states that its {esc(initial['label'])} corresponds to this configuration, but the text of that "
            f"theory matches {_labels(initial['content_2024_equivalent'])} of the {esc(study_name(2024))} {checked}."
        )
    return "<p>" + " ".join(parts) + "</p>"


def _labels(cmo_ids: str) -> str:
    """'CMO-2024-02; CMO-2024-05' -> links to the cards, labelled 'CMO 2', 'CMO 5'."""
    cmos = data.load_cmos().set_index("cmo_id", drop=False)
    return ", ".join(_cmo_link(cmos.loc[i]) for i in data.split_ids(cmo_ids))


def _findings_html(evidence: Evidence) -> str:
    if evidence.findings.empty:
        return _not_reported(": the 2025 evaluation's results name no theory tested from it")
    values = data.load_reported_values().set_index("value_id")
    items = []
    for finding in evidence.findings.itertuples():
        cited = data.split_ids(finding.value_ids)
        numbers = ", ".join(f'<a href="{esc(value_href(v))}">{esc(_value_text(values.loc[v]))}</a>' for v in cited)
        numbers_html = f" Values as printed: {numbers}." if numbers else ""
        items.append(
            f'<li><blockquote class="report-quote">{_passage(finding.passage)}</blockquote>'
            f'<p class="report-cmo-location">{esc(finding.strand.capitalize())}; {esc(finding.location)}.{numbers_html}</p></li>'
        )
    return f'<ul class="report-quotes">{"".join(items)}</ul>'


PANEL_PARTS = (
    ("Sources the synthesis cites for it", _sources_html),
    ("Staff-interview quotes its narrative ties to it", lambda evidence, _: _quotes_html(evidence)),
    ("What the 2025 evaluation did with it", lambda evidence, _: _evaluation_html(evidence)),
    ("2025 findings whose text names that theory", lambda evidence, _: _findings_html(evidence)),
)


def evidence_panel(evidence: Evidence, bibliography: pd.DataFrame) -> str:
    """The panel on a 2024 card: each kind of evidence the papers give for the configuration, from data."""
    anchor = cmo_evidence_anchor(evidence.cmo["cmo_id"])
    rows = "".join(f"<dt>{esc(title)}</dt><dd>{render(evidence, bibliography)}</dd>" for title, render in PANEL_PARTS)
    return (
        f'<section class="report-evidence" id="{anchor}" aria-labelledby="{anchor}-title">'
        f'<h4 id="{anchor}-title" class="report-evidence-title">Evidence behind {esc(evidence.cmo["label"])}</h4>'
        f'<dl class="report-evidence-parts">{rows}</dl>'
        f'<p class="report-cmo-location">Every configuration side by side: '
        f'<a href="{esc(place_href(GLANCE_PLACE))}">evidence at a glance</a>. Nothing here is a score or a grade: '
        "the papers give none.</p></section>"
    )


# --------------------------------------------------------------------------- the glance page

GLANCE_COLUMNS = (
    "Configuration",
    "Sources cited (designs; years)",
    "Staff-interview quotes",
    "Tested in 2025 as",
    "Refined into",
    "2025 findings naming it",
)


def _glance_cells(evidence: Evidence) -> list[str]:
    panel = esc(cmo_evidence_href(evidence.cmo))
    label = esc(evidence.cmo["label"])
    sources, quotes, findings = evidence.sources, evidence.quotes, evidence.findings
    if sources.empty:
        source_cell = _not_reported()
    else:
        source_cell = (
            f'<a href="{panel}" aria-label="{_plural(len(sources), "source", "sources")} for {label}">'
            f"{len(sources)}</a>: {_counted(sources['study_design'])}; {esc(_years(sources['year']))}"
        )
    if quotes.empty:
        quote_cell = _not_reported()
    else:
        roles = ", ".join(esc(role) for role in quotes["role"])
        quote_cell = (
            f'<a href="{panel}" aria-label="{_plural(len(quotes), "quote", "quotes")} for {label}">{len(quotes)}</a>: {roles}'
        )
    tested = ", ".join(_cmo_link(c, _textbox_label(c)) for _, c in evidence.tested_as.iterrows())
    if evidence.stated_only.size:
        stated = ", ".join(esc(_textbox_label(c)) for _, c in evidence.stated_only.iterrows())
        tested = (tested + "; " if tested else _not_reported() + " by its text; ") + f"stated as {stated}"
    refined = ", ".join(_cmo_link(c) for _, c in evidence.refined_into.iterrows())
    if findings.empty:
        finding_cell = _not_reported()
    else:
        strands = ", ".join(esc(s) for s in dict.fromkeys(findings["strand"]))
        finding_cell = (
            f'<a href="{panel}" aria-label="{_plural(len(findings), "finding", "findings")} for {label}">'
            f"{len(findings)}</a>: {strands}"
        )
    return [source_cell, quote_cell, tested or _not_reported(), refined or _not_reported(), finding_cell]


def _glance_summary(gathered: dict[str, Evidence]) -> str:
    every = list(gathered.values())
    total = len(every)

    def having(part: str) -> int:
        return sum(not getattr(e, part).empty for e in every)

    return (
        f'<p class="report-generated">Of the {total} configurations of the {esc(study_name(2024))}, '
        f"<strong>{having('sources')}</strong> have at least one evidence source cited for them in its text, "
        f"<strong>{having('quotes')}</strong> a staff-interview quote, <strong>{having('tested_as')}</strong> were "
        f"tested in the {esc(study_name(2025))} (by the text of its Textbox 1), and <strong>{having('findings')}</strong> "
        "have a finding of that evaluation that names the theory they were tested as.</p>"
    )


def at_a_glance() -> HTML:
    """Every 2024 configuration by the kinds of evidence the two papers give for it: a table, then a sentence of counts."""
    gathered = gather()
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in GLANCE_COLUMNS)
    body = ""
    area = None
    for evidence in gathered.values():
        cmo = evidence.cmo
        if cmo["theory_area"] != area:
            area = cmo["theory_area"]
            body += (
                f'<tr class="report-glance-area"><th scope="rowgroup" colspan="{len(GLANCE_COLUMNS)}">'
                f"Theory area {int(cmo['theory_area_number'])}: {esc(area)}</th></tr>"
            )
        cells = "".join(f"<td>{cell}</td>" for cell in _glance_cells(evidence))
        body += f'<tr><th scope="row">{_cmo_link(cmo)}</th>{cells}</tr>'
    table_id = "glance-table"
    caption = (
        f"The {len(gathered)} configurations of the {study_name(2024)} by kind of evidence (data/sources.xlsx, "
        "data/staff_quotes.csv, data/cmos.csv, data/evaluation_findings.csv). Each number links to the "
        "configuration's evidence panel."
    )
    table = (
        f'<div class="report-table-wrap" tabindex="0" role="region" aria-labelledby="{table_id}-caption">'
        f'<table class="report-table report-glance" id="{table_id}"><caption id="{table_id}-caption">{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )
    return HTML(_glance_summary(gathered) + table)
