"""HTML for CMO configurations and source tables; every value from data is escaped."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from helpers.data import bib
from helpers.data import loaders as data
from helpers.data.schema import CMO_COMPONENTS as COMPONENTS
from helpers.data.schema import SEGMENT_SEPARATOR
from helpers.views.citations import citation_text, cite_link
from helpers.views.evidence import Evidence, evidence_panel, gather
from helpers.views.filters import filter_form, row_attributes
from helpers.views.html import esc, json_island, slug
from helpers.views.places import cmo_anchor, cmo_href, place_href, study_name, theory_area_href

COMPONENT_LABELS = {
    "context": "Context",
    "mechanism_resource": "Mechanism (resource)",
    "mechanism_reasoning": "Mechanism (reasoning or response)",
    "outcome": "Outcome",
}


def cmo_labels(cells: pd.Series, cmos: pd.DataFrame) -> pd.Series:
    """Cells of CMO ids as the papers' own labels: 'CMO-2024-07.1; CMO-2024-12' -> 'CMO 7.1; CMO 12'."""
    labels = cmos.set_index("cmo_id")["label"]
    return cells.map(lambda cell: "; ".join(labels[i] for i in data.split_ids(cell)))


def source_citations(bibkeys: pd.Series) -> pd.Series:
    """Author-year text for each BibTeX key, e.g. 'Griffiths et al. 2012'."""
    bibliography = bib.load_bibliography().set_index("bibkey")
    return bibkeys.map(lambda key: citation_text(bibliography.loc[key]))


def _component_html(cmo: pd.Series, column: str) -> str:
    segments = [s for s in cmo[column].split(SEGMENT_SEPARATOR) if s]
    if not segments:
        return '<span class="report-missing">not labelled in the paper</span>'
    return " <span class='report-sep' aria-hidden='true'>|</span> ".join(esc(s) for s in segments)


def cmo_card(cmo: pd.Series, supporting: list[str], bibliography: pd.DataFrame, evidence: Evidence | None = None) -> str:
    """One CMO as an HTML section: heading with anchor, the four components, verbatim statement, evidence.

    A 2024 configuration's card carries its evidence panel (``evidence``, from :func:`helpers.views.evidence.gather`).
    """
    anchor = cmo_anchor(cmo["cmo_id"])
    rows = "".join(
        f'<div class="report-cmo-part report-cmo-{column.replace("_", "-")}"><dt>{COMPONENT_LABELS[column]}</dt>'
        f"<dd>{_component_html(cmo, column)}</dd></div>"
        for column in COMPONENTS
    )
    if evidence is not None:
        evidence_html = evidence_panel(evidence, bibliography)
    elif supporting:
        links = "; ".join(cite_link(key, bibliography) for key in supporting)
        evidence_html = f'<p class="report-cmo-evidence"><strong>Evidence sources cited for it:</strong> {links}</p>'
    else:
        evidence_html = (
            '<p class="report-cmo-evidence"><strong>Evidence:</strong> the 2025 evaluation\'s survey, '
            "interviews and forum posts.</p>"
        )
    notes = (
        f'<details class="report-cmo-note"><summary>Notes on the published text and how it was split</summary>'
        f"<p>{esc(cmo['split_note'])}</p></details>"
        if cmo["split_note"]
        else ""
    )
    return (
        f'<section class="report-cmo" id="{anchor}" aria-labelledby="{anchor}-title">'
        f'<h3 id="{anchor}-title" class="report-cmo-title">{esc(cmo["label"])} '
        f'<a class="report-cmo-link" href="#{anchor}" aria-label="Link to {esc(cmo["label"])}">#</a>'
        f'<span class="report-cmo-study">{esc(study_name(cmo["study"]))}, {esc(cmo["theory_area"])}</span></h3>'
        f'<dl class="report-cmo-parts">{rows}</dl>'
        f'<details class="report-cmo-verbatim">'
        f"<summary>Full statement, word for word from the {esc(cmo['text_version'])}</summary>"
        f'<blockquote>{esc(cmo["statement"])}</blockquote><p class="report-cmo-location">{esc(cmo["location"])}</p></details>'
        f"{evidence_html}{notes}</section>"
    )


def supporting_sources(sources: pd.DataFrame) -> dict[str, list[str]]:
    """CMO id -> BibTeX keys of the sources the synthesis cites for it (by content)."""
    found: dict[str, list[str]] = {}
    for source in sources.itertuples():
        for cmo_id in data.split_ids(source.cmo_ids):
            if source.bibkey != "not reported":
                found.setdefault(cmo_id, []).append(source.bibkey)
    return found


def cmo_cards(study: int, theory_area_number: int, kinds: tuple[str, ...] | None = None) -> HTML:
    """Every CMO of one theory area of one study, rendered as cards."""
    cmos = data.load_cmos()
    chosen = cmos[(cmos["study"] == study) & (cmos["theory_area_number"] == theory_area_number)]
    if kinds:
        chosen = chosen[chosen["kind"].isin(kinds)]
    if chosen.empty:
        raise ValueError(f"No CMOs for study {study}, theory area {theory_area_number}, kinds {kinds}")
    support = supporting_sources(data.load_sources())
    bibliography = bib.load_bibliography().set_index("bibkey")
    panels = gather() if (chosen["study"] == 2024).any() else {}
    cards = "".join(
        cmo_card(cmo, support.get(cmo["cmo_id"], []), bibliography, panels.get(cmo["cmo_id"])) for _, cmo in chosen.iterrows()
    )
    return HTML(f'<div class="report-cmo-list">{cards}</div>')


def html_table(
    frame: pd.DataFrame,
    caption: str,
    table_id: str,
    html_columns: tuple[str, ...] = (),
    row_attributes: list[str] | None = None,
) -> str:
    """A plain, accessible HTML table with every cell escaped.

    ``html_columns`` name columns whose cells this module already built as escaped HTML (links);
    every other cell is escaped here. ``row_attributes`` gives each row's attributes, built by
    :func:`helpers.views.filters.row_attributes`.
    """
    head = "".join(f'<th scope="col">{esc(str(c))}</th>' for c in frame.columns)
    trusted = [c in html_columns for c in frame.columns]

    def cell(value, is_html: bool) -> str:
        text = "" if pd.isna(value) else str(value)
        return f"<td>{text if is_html else esc(text)}</td>"

    attributes = row_attributes or [""] * len(frame)
    body = "".join(
        f"<tr{extra}>" + "".join(cell(v, t) for v, t in zip(row, trusted, strict=True)) + "</tr>"
        for row, extra in zip(frame.itertuples(index=False), attributes, strict=True)
    )
    classes = "report-table"
    return (
        # A wide table scrolls inside its own box, which keyboard users reach with Tab (tabindex) and
        # screen-reader users find as a region named by the table's caption.
        f'<div class="report-table-wrap" tabindex="0" role="region" aria-labelledby="{esc(table_id)}-caption">'
        f'<table class="{classes}" id="{esc(table_id)}">'
        f'<caption id="{esc(table_id)}-caption">{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def sources_for_theory_area(theory_area_number: int) -> HTML:
    """The evidence sources the synthesis cites in one theory area, with the CMOs they support."""
    sources = data.load_sources()
    mask = sources["theory_areas"].map(lambda cell: str(theory_area_number) in data.split_ids(cell))
    chosen = sources[mask].sort_values(["year", "authors"])
    cmos = data.load_cmos()
    shown = pd.DataFrame(
        {
            "Source": source_citations(chosen["bibkey"]),
            "Year": chosen["year"],
            "Title": chosen["title"],
            "Document type": chosen["document_type"],
            "CMOs (by content)": cmo_labels(chosen["cmo_ids"], cmos),
        }
    )
    caption = (
        f"Evidence sources cited in theory area {theory_area_number} of the 2024 synthesis "
        f"({len(chosen)} sources; from data/sources.xlsx)"
    )
    return HTML(html_table(shown, caption, f"sources-theory-area-{theory_area_number}"))


def _paragraph(text_html: str) -> HTML:
    return HTML(f'<p class="report-generated">{text_html}</p>')


# The reported value that is the number of sources the 2024 synthesis included (data/reported_values.csv).
INCLUDED_SOURCES = "s24.sources.included.n"


def evidence_coverage() -> HTML:
    """How many sources this report holds, and what is known of their relation to the synthesis's included sources."""
    sources = data.load_sources()
    total = int(data.reported([INCLUDED_SOURCES])["value"].iloc[0])
    held = len(sources)
    with_cmo = int((sources["cmo_ids"] != "").sum())
    return _paragraph(
        f"This edition holds <strong>{held} sources</strong> that the synthesis cites as evidence in its text; "
        f"{with_cmo} of them are cited for at least one named CMO configuration. The synthesis included {total} "
        "sources, listed in its Multimedia Appendix 5, which the report can import when it is available; the paper "
        "does not say which of the sources it cites are among them."
    )


def label_disagreements() -> HTML:
    """Each cited passage whose printed CMO label differs from the configuration it describes (one row per passage)."""
    chosen = data.label_disagreements().sort_values("ref_number_2024", kind="stable")
    cmos = data.load_cmos()
    shown = pd.DataFrame(
        {
            "Source": source_citations(chosen["bibkey"]),
            "Reference no. (2024)": chosen["ref_number_2024"],
            "CMOs as printed": cmo_labels(chosen["cmo_ids_as_labelled"], cmos),
            "CMOs by content": cmo_labels(chosen["cmo_ids"], cmos),
            "The passage and why": chosen["passage_note"],
        }
    )
    return HTML(
        html_table(
            shown,
            f"Label and content disagreements ({len(chosen)} passages of {chosen['source_id'].nunique()} sources; "
            "data/sources.xlsx, column label_note, one note per passage)",
            "label-disagreements",
        )
    )


def cmo_links(cells: pd.Series, cmos: pd.DataFrame) -> pd.Series:
    """Cells of CMO ids as links to their cards: 'CMO-2024-01; CMO-2024-21' -> two links labelled 'CMO 1', 'CMO 21'."""
    # One link per CMO, made once: a table of thousands of sources links the same few dozen CMOs again and again.
    links = {cmo["cmo_id"]: f'<a href="{esc(cmo_href(cmo))}">{esc(cmo["label"])}</a>' for _, cmo in cmos.iterrows()}
    return cells.map(lambda cell: ", ".join(links[i] for i in data.split_ids(cell)))


# Up to this many rows a findable table ships its rows as HTML, so it reads in full without JavaScript.
# Beyond it (a tenfold evidence base), the rows travel as a compact JSON island that the browser turns
# into pages of rows: thousands of HTML rows would make the page megabytes heavy.
FINDABLE_HTML_MAX_ROWS = 500


def findable_table(
    frame: pd.DataFrame, caption: str, table_id: str, html_columns: tuple[str, ...] = (), without_script: str = ""
) -> str:
    """A table the reader can search, sort and page through (``report-tables.js``, served by ``helpers.sphinxext``).

    Up to ``FINDABLE_HTML_MAX_ROWS`` rows it is a full HTML table (every cell escaped, as ``html_table``).
    Longer, its rows are a JSON island (each distinct cell stored once) and ``without_script`` (HTML
    built by this module) tells a reader without JavaScript where else to find them.
    """
    if len(frame) <= FINDABLE_HTML_MAX_ROWS:
        return html_table(frame, caption, table_id, html_columns).replace(
            'class="report-table"', 'class="report-table report-findable"', 1
        )
    strings: dict[str, int] = {}
    trusted = [c in html_columns for c in frame.columns]

    def index(value) -> int:
        text = "" if pd.isna(value) else str(value)
        return strings.setdefault(text, len(strings))

    rows = [[index(v) for v in row] for row in frame.itertuples(index=False)]
    island = json_island({"strings": list(strings), "html": trusted, "rows": rows})
    table = html_table(frame.iloc[:0], caption, table_id, html_columns).replace(
        'class="report-table"', f'class="report-table report-findable" data-rows="{esc(table_id)}-rows"', 1
    )
    return (
        f"{table}"
        f'<script type="application/json" id="{esc(table_id)}-rows">{island}</script>'
        f'<noscript><p class="report-missing">This table of {len(frame)} rows is filled in by JavaScript, which is '
        f"off in this browser. {without_script}</p></noscript>"
    )


def all_sources() -> HTML:
    """Every source the report holds, with what is known about it: a table to sort, filter and search."""
    sources = data.load_sources().sort_values(["year", "authors"])
    cmos = data.load_cmos()
    bibliography = bib.load_bibliography().set_index("bibkey")
    shown = pd.DataFrame(
        {
            "Source": sources["bibkey"].map(lambda key: cite_link(key, bibliography, with_title=False)),
            "Year": sources["year"],
            "Title": sources["title"],
            "Venue": sources["venue"],
            "Type": sources["document_type"],
            "Design": sources["study_design"],
            "Platform": sources["platform"],
            "Population or condition": sources["population_or_condition"],
            "CMOs (2024)": cmo_links(sources["cmo_ids"], cmos),
        }
    )
    caption = (
        f"Evidence sources held ({len(sources)}; data/sources.xlsx). Country and moderation type are not reported "
        "for any source, so they are not shown as columns."
    )
    return HTML(
        findable_table(
            shown,
            caption,
            "all-sources",
            html_columns=("Source", "CMOs (2024)"),
            without_script=(
                f'Every source is also listed, with its full reference, on the <a href="{place_href("bibliography")}">'
                "Bibliography</a> page, and all that is known about each one is in data/sources.xlsx in the "
                "report's repository."
            ),
        )
    )


# A table of reported values this long or longer gets filters (helpers.views.filters): by measure, and a search.
FILTER_FROM_ROWS = 20


def reported_values_table(paper: int, domains: tuple[str, ...] | None = None, section_contains: str | None = None) -> HTML:
    """Reported values of one paper, as printed, with where each appears."""
    values = data.load_reported_values()
    chosen = values[values["paper"] == paper]
    if domains:
        chosen = chosen[chosen["domain"].isin(domains)]
    if section_contains:
        chosen = chosen[chosen["section"].str.contains(section_contains, regex=False)]
    if chosen.empty:
        return _paragraph("The paper reports no numbers for this part in its text.")
    shown = pd.DataFrame(
        {
            "Measure": chosen["measure"],
            "Group": [
                ": ".join(part for part in (g, c) if part) for g, c in zip(chosen["group"], chosen["category"], strict=True)
            ],
            "Wave": chosen["wave"].astype("string").fillna(""),
            "Statistic": chosen["statistic"],
            "Value as printed": chosen["value_reported"],
            "Where in the paper": chosen["location"],
            "Note": chosen["note"],
        }
    )
    what = ", ".join(domains) if domains else (section_contains or "all")
    table_id = "values-" + slug(f"{paper}-{what}")
    caption = f"Values reported in the {paper} paper ({what}; data/reported_values.csv)"
    if len(chosen) < FILTER_FROM_ROWS:
        return HTML(html_table(shown, caption, table_id))
    table = html_table(shown, caption, table_id, row_attributes=[row_attributes({"measure": m}) for m in chosen["measure"]])
    scope = f"{table_id}-scope"
    form = filter_form(
        scope, f"values reported in the {paper} paper ({what})", "values", [("measure", "Measure", list(chosen["measure"]))]
    )
    return HTML(f'{form}<div id="{scope}" class="report-filter-scope">{table}</div>')


def _equivalent_2024(cmos: pd.DataFrame, cmo_id: str) -> list[str]:
    """2024 configurations behind a 2025 theory: through what it refines, by content."""
    by_id = cmos.set_index("cmo_id")
    found = []
    for initial in data.split_ids(by_id.loc[cmo_id, "refines"]):
        found += data.split_ids(by_id.loc[initial, "content_2024_equivalent"])
    return found


def refinement_comparison(theory_area_number: int) -> HTML:
    """Each 2025 refined or new theory of an area side by side with the theories it develops."""
    cmos = data.load_cmos()
    by_id = cmos.set_index("cmo_id", drop=False)
    later = cmos[
        (cmos["study"] == 2025) & (cmos["kind"].isin(["refined", "new"])) & (cmos["theory_area_number"] == theory_area_number)
    ]
    rows = []
    for _, theory in later.iterrows():
        earlier_ids = data.split_ids(theory["refines"]) + _equivalent_2024(cmos, theory["cmo_id"])
        if earlier_ids:
            left = "".join(_compact_card(by_id.loc[i]) for i in earlier_ids)
        else:
            left = '<p class="report-missing">No earlier theory: this is new in 2025.</p>'
        rows.append(
            f'<div class="report-compare" role="group" aria-label="{esc(theory["label"])} beside earlier theories">'
            f'<div class="report-compare-col"><h4>Earlier</h4>{left}</div>'
            f'<div class="report-compare-col"><h4>2025: {esc(theory["label"])}</h4>'
            f"<blockquote>{esc(theory['statement'])}</blockquote>"
            f'<p class="report-cmo-location">Word for word from the {esc(theory["text_version"])}. '
            f"{esc(theory['refines_basis'])}</p></div></div>"
        )
    return HTML("".join(rows))


def _compact_card(cmo: pd.Series) -> str:
    """A CMO's statement with a link to its full card."""
    label = f"{study_name(cmo['study'])}, {cmo['label']}"
    return (
        f'<div class="report-compare-earlier"><p><strong><a href="{cmo_href(cmo)}">{esc(label)}</a></strong> '
        f'<span class="report-cmo-location">(word for word from the {esc(cmo["text_version"])})</span></p>'
        f"<blockquote>{esc(cmo['statement'])}</blockquote></div>"
    )


def initial_theory_mapping() -> HTML:
    """The 2025 paper's stated 2025-to-2024 numbering, beside the 2024 configuration each text matches."""
    cmos = data.load_cmos()
    initial = cmos[cmos["kind"] == "initial"]
    shown = pd.DataFrame(
        {
            "2025 initial theory": initial["label"],
            "2024 configuration as stated (Textbox 1)": cmo_labels(initial["stated_2024_equivalent"], cmos),
            "2024 configuration the text matches": cmo_labels(initial["content_2024_equivalent"], cmos),
            "Agree?": (initial["stated_2024_equivalent"] == initial["content_2024_equivalent"]).map({True: "yes", False: "no"}),
            "Note": initial["split_note"],
        }
    )
    return HTML(
        html_table(
            shown,
            "Textbox 1 mapping of the 2025 initial theories to the 2024 numbering (data/cmos.csv)",
            "initial-theory-mapping",
        )
    )


def refinement_overview() -> HTML:
    """Every 2025 refined or new theory with what it refines and the basis for saying so."""
    cmos = data.load_cmos()
    later = cmos[cmos["kind"].isin(["refined", "new"])]
    labels = cmos.set_index("cmo_id")["label"]
    shown = pd.DataFrame(
        {
            "2025 theory": later["label"],
            "Theory area": later["theory_area"],
            "Kind": later["kind"],
            "Refines (2025 initial)": cmo_labels(later["refines"], cmos).replace("", "none (new)"),
            "2024 configuration(s) behind it": later["cmo_id"].map(
                lambda i: "; ".join(labels[j] for j in _equivalent_2024(cmos, i)) or "none"
            ),
            "Basis": later["refines_basis"],
        }
    )
    return HTML(html_table(shown, "Refined and new theories of the 2025 evaluation (data/cmos.csv)", "refinement-overview"))


def design_implications() -> HTML:
    """The 2025 evaluation's design suggestions (Textbox 6), by theory area, beside the theories they follow from."""
    implications = data.load_design_implications()
    cmos = data.load_cmos()
    later = cmos[(cmos["study"] == 2025) & cmos["kind"].isin(["refined", "new"])]
    parts = []
    for number, group in implications.groupby("theory_area_number", sort=True):
        theories = later[later["theory_area_number"] == number]
        links = ", ".join(f'<a href="{esc(cmo_href(row))}">{esc(row["label"])}</a>' for _, row in theories.iterrows())
        items = "".join(
            f'<li id="{esc(row.implication_id.lower())}">{esc(row.implication)} '
            f'<span class="report-cmo-location">({esc(row.implication_id)})</span></li>'
            for row in group.itertuples()
        )
        area_href = theory_area_href(group["paper"].iloc[0], number)
        parts.append(
            f'<section class="report-implications" aria-labelledby="implications-area-{number}">'
            f'<h3 id="implications-area-{number}">{esc(group["theory_area"].iloc[0])}</h3>'
            f'<p class="report-cmo-location">Follows from the refined theories of <a href="{area_href}">'
            f"theory area {number}</a>: {links}.</p><ul>{items}</ul></section>"
        )
    return HTML("".join(parts))
