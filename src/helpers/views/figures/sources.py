"""Figures of the evidence base: sources by year, by characteristic, and the evidence map (sources x CMOs)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from helpers.data import loaders as data
from helpers.data.schema import NOT_REPORTED
from helpers.views.figures.output import Figure
from helpers.views.figures.theme import OKABE_ITO, plotly_text, shorten, theme
from helpers.views.places import cmo_href
from helpers.views.tables import INCLUDED_SOURCES, source_citations


def _theory_area_bands(fig: go.Figure, cmos: pd.DataFrame) -> None:
    """Theory areas as labelled bands under the CMO axis of an evidence map."""
    for area, part in cmos.groupby("theory_area_number"):
        first, last = part.index.min(), part.index.max()
        fig.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=first - 0.5,
            x1=last + 0.5,
            y0=-0.012,
            y1=-0.012,
            line={"color": OKABE_ITO[(int(area) - 1) % len(OKABE_ITO)], "width": 6},
        )
        fig.add_annotation(
            x=(first + last) / 2,
            y=-0.03,
            xref="x",
            yref="paper",
            showarrow=False,
            yanchor="top",
            text=f"Area {int(area)}",
            font={"size": 11},
        )


def _cmo_hover_label(cmo: pd.Series) -> str:
    return f"{cmo['study']} {cmo['label']} ({cmo['theory_area']})"


# Up to this many sources the evidence map has one row per source; beyond it (a 10x evidence base
# already), one row per year of publication, each cell counting sources: a grid of thousands of rows
# could not be read, and its per-cell data would make the page megabytes heavy.
EVIDENCE_MAP_MAX_ROWS = 120
# Narrowest the evidence map is drawn (px): a column a finger can hit and labels that do not crowd; on a phone the
# map scrolls sideways in its own box.
EVIDENCE_MAP_MIN_WIDTH = 660


def sources_by_year() -> Figure:
    """Evidence sources held in the spreadsheet, by publication year and document type."""
    sources = data.load_sources()
    counts = sources.groupby(["year", "document_type"], as_index=False).size().rename(columns={"size": "sources"})
    fig = go.Figure()
    for i, (doc_type, part) in enumerate(counts.groupby("document_type")):
        fig.add_bar(
            x=part["year"],
            y=part["sources"],
            name=plotly_text(doc_type),
            marker_color=OKABE_ITO[i % len(OKABE_ITO)],
            hovertemplate="%{x}: %{y} source(s)<extra>" + plotly_text(doc_type) + "</extra>",
        )
    theme(fig, "Evidence sources by year of publication", "Year of publication", "Number of sources")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(dtick=1, tickangle=-45)
    total = int(counts["sources"].sum())
    included = data.reported([INCLUDED_SOURCES])["value_reported"].iloc[0]
    return Figure(
        fig=fig,
        figure_id="sources-by-year",
        caption=(
            f"The {total} evidence sources this report holds, by year and document type. They are the sources the "
            f"2024 synthesis cites in its results; its full list of {included} is in a supplement not available here."
        ),
        source="data/sources.xlsx (reference list of the 2024 synthesis).",
        alt="Stacked bar chart of evidence sources per publication year: "
        + "; ".join(f"{int(r.year)} {r.document_type}: {r.sources}" for r in counts.itertuples()),
        data=counts,
    )


def evidence_map() -> Figure:
    """Evidence gap map: which evidence source the 2024 synthesis cites for which CMO configuration."""
    sources = data.load_sources().sort_values(["year", "authors"]).reset_index(drop=True)
    cmos = data.load_cmos()
    cmos = cmos[cmos["study"] == 2024].reset_index(drop=True)
    if len(sources) > EVIDENCE_MAP_MAX_ROWS:
        return _evidence_map_by_year(sources, cmos)
    citations = source_citations(sources["bibkey"])
    cited = {(s, c) for s, cells in zip(sources["source_id"], sources["cmo_ids"], strict=True) for c in data.split_ids(cells)}
    links = [cmo_href(cmo) for _, cmo in cmos.iterrows()]
    z, hover, custom = [], [], []
    for _, source in sources.iterrows():
        row_z, row_hover, row_custom = [], [], []
        for c_index, cmo in cmos.iterrows():
            is_cited = (source["source_id"], cmo["cmo_id"]) in cited
            row_z.append(1 if is_cited else 0)
            row_custom.append(links[c_index])
            # Hover text only where a source is cited: the grid stays light however many sources it holds.
            row_hover.append(
                "<br>"
                + plotly_text(shorten(source["title"], 90))
                + "<br><b>cited as evidence for</b> "
                + plotly_text(shorten(cmo["statement"], 110))
                if is_cited
                else "<br>not cited for this configuration"
            )
        z.append(row_z)
        hover.append(row_hover)
        custom.append(row_custom)
    y_labels = [plotly_text(c) for c in citations]
    x_labels = [plotly_text(label.replace("CMO ", "")) for label in cmos["label"]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=x_labels,
            y=y_labels,
            text=hover,
            customdata=[[[link] for link in row] for row in custom],
            hovertemplate="%{y}, CMO %{x}%{text}<extra></extra>",
            colorscale=[[0, "#f4f4f4"], [0.5, "#f4f4f4"], [0.5, OKABE_ITO[0]], [1, OKABE_ITO[0]]],
            zmin=0,
            zmax=1,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    theme(fig, "Evidence map: sources cited for each 2024 CMO configuration", "CMO configuration (2024 synthesis)", "")
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont={"size": 11})
    fig.update_xaxes(side="top", tickangle=0, automargin=True, title_standoff=8, tickfont={"size": 10})
    _theory_area_bands(fig, cmos)
    fig.update_layout(height=max(500, 22 * len(sources) + 220), margin={"l": 20, "r": 20, "t": 130, "b": 60})
    long = pd.DataFrame(
        [
            {"source_id": s, "bibkey": k, "cmo_id": c}
            for s, k, cells in zip(sources["source_id"], sources["bibkey"], sources["cmo_ids"], strict=True)
            for c in data.split_ids(cells)
        ]
    )
    per_cmo = long.groupby("cmo_id").size().reindex(cmos["cmo_id"], fill_value=0)
    return Figure(
        fig=fig,
        figure_id="evidence-map",
        caption=(
            f"Each row is one of the {len(sources)} evidence sources this edition holds, each column one of the "
            f"{len(cmos)} CMO configurations of the 2024 synthesis, grouped by theory area. A filled cell means the "
            "synthesis cites that source as evidence for that configuration (assigned by the content of the citing "
            "sentence; see the evidence base page for where this differs from the paper's own labels). Hover for "
            "the source and the configuration; click a cell to open the configuration."
        ),
        source="data/sources.xlsx (columns source_id, bibkey, cmo_ids) and data/cmos.csv; 2024 synthesis, Results.",
        alt=(
            f"Grid of {len(sources)} sources by {len(cmos)} CMO configurations. Number of sources cited per configuration: "
            + "; ".join(f"{label}: {n}" for label, n in zip(cmos["label"], per_cmo, strict=True))
            + ". CMOs with no source cited: "
            + (", ".join(cmos.loc[per_cmo.values == 0, "label"]) or "none")
            + "."
        ),
        data=long,
        follow_links=True,
        min_width=EVIDENCE_MAP_MIN_WIDTH,
    )


def _evidence_map_by_year(sources: pd.DataFrame, cmos: pd.DataFrame) -> Figure:
    """The evidence map for a large evidence base: per year of publication, how many sources each CMO has."""
    long = pd.DataFrame(
        [
            {"year": int(year), "cmo_id": c}
            for year, cells in zip(sources["year"], sources["cmo_ids"], strict=True)
            for c in data.split_ids(cells)
        ],
        columns=["year", "cmo_id"],
    )
    years = sorted(int(y) for y in sources["year"].dropna().unique())
    counts = (
        long.groupby(["year", "cmo_id"]).size().unstack(fill_value=0).reindex(index=years, columns=cmos["cmo_id"], fill_value=0)
    )
    links = [cmo_href(cmo) for _, cmo in cmos.iterrows()]
    x_labels = [plotly_text(label.replace("CMO ", "")) for label in cmos["label"]]
    highest = max(int(counts.values.max()), 1)
    fig = go.Figure(
        go.Heatmap(
            z=counts.values.tolist(),
            x=x_labels,
            y=[str(y) for y in years],
            # The count is written in each cell it is not zero in: colour is never the only cue.
            text=[[str(n) if n else "" for n in row] for row in counts.values.tolist()],
            texttemplate="%{text}",
            textfont={"size": 10},
            customdata=[[[link] for link in links] for _ in years],
            hovertemplate="%{y}: %{z} source(s) cited for CMO %{x}<extra></extra>",
            colorscale=[[0, "#f4f4f4"], [0.5 / highest, "#f4f4f4"], [0.5 / highest + 1e-6, "#cfe3f2"], [1, OKABE_ITO[0]]],
            zmin=0,
            zmax=highest,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    theme(fig, "Evidence map by year: sources cited per 2024 CMO", "CMO configuration (2024 synthesis)", "")
    fig.update_yaxes(
        autorange="reversed", automargin=True, tickfont={"size": 11}, type="category", title_text="Year of publication"
    )
    fig.update_xaxes(side="top", tickangle=0, automargin=True, title_standoff=8, tickfont={"size": 10})
    _theory_area_bands(fig, cmos)
    fig.update_layout(height=max(440, 30 * len(years) + 240), margin={"l": 20, "r": 20, "t": 130, "b": 60})
    table = counts.stack().rename("sources").reset_index()
    table.columns = ["year", "cmo_id", "sources"]
    table = table[table["sources"] > 0].reset_index(drop=True)
    per_cmo = counts.sum(axis=0)
    return Figure(
        fig=fig,
        figure_id="evidence-map",
        caption=(
            f"This edition holds {len(sources)} evidence sources, too many for one row each, so each row is a year of "
            f"publication and each column one of the {len(cmos)} CMO configurations of the 2024 synthesis, grouped by "
            "theory area. A cell gives the number of that year's sources the synthesis cites as evidence for that "
            "configuration (darker: more; empty: none). Click a cell to open the configuration; to see the sources "
            "themselves, search the table of all sources below for the configuration (for example 'CMO 7.1')."
        ),
        source="data/sources.xlsx (columns year, cmo_ids) and data/cmos.csv; 2024 synthesis, Results.",
        alt=(
            f"Grid of {len(years)} publication years by {len(cmos)} CMO configurations, {len(sources)} sources. "
            "Number of sources cited per configuration: "
            + "; ".join(f"{label}: {int(n)}" for label, n in zip(cmos["label"], per_cmo, strict=True))
            + ". Sources per year: "
            + "; ".join(f"{year}: {int((sources['year'] == year).sum())}" for year in years)
            + ". CMOs with no source cited: "
            + (", ".join(cmos.loc[per_cmo.values == 0, "label"]) or "none")
            + "."
        ),
        data=table,
        follow_links=True,
        min_width=EVIDENCE_MAP_MIN_WIDTH,
    )


CHARACTERISTIC_FACETS = [
    ("document_type", "Document type"),
    ("study_design", "Study design (as the title states it)"),
    ("platform", "Forum or platform (as the title states it)"),
]


def _characteristics_grid(sources: pd.DataFrame) -> tuple[go.Figure, list[dict]]:
    """The three bar charts one under another, each as tall as its categories need."""
    from plotly.subplots import make_subplots

    facets = CHARACTERISTIC_FACETS
    sizes = [max(3, sources[column].nunique()) for column, _ in facets]
    fig = make_subplots(
        rows=len(facets), cols=1, subplot_titles=[plotly_text(t) for _, t in facets], vertical_spacing=0.08, row_heights=sizes
    )
    rows = []
    for index, (column, title) in enumerate(facets, start=1):
        place = {"row": index, "col": 1}
        counts = sources[column].value_counts()
        # "not reported" last, so the reported categories read first.
        order = [c for c in counts.index if c != NOT_REPORTED] + ([NOT_REPORTED] if NOT_REPORTED in counts else [])
        counts = counts.reindex(order)
        colours = [OKABE_ITO[index - 1] if c != NOT_REPORTED else "#9a9a9a" for c in counts.index]
        fig.add_bar(
            x=counts.values,
            y=[plotly_text(c) for c in counts.index],
            orientation="h",
            marker_color=colours,
            showlegend=False,
            hovertemplate="%{y}: %{x} source(s)<extra>" + plotly_text(title) + "</extra>",
            **place,
        )
        fig.update_yaxes(autorange="reversed", automargin=True, tickfont={"size": 11}, **place)
        fig.update_xaxes(title_text="Sources" if index == len(facets) else "", rangemode="tozero", **place)
        rows += [{"characteristic": column, "category": c, "sources": int(n)} for c, n in counts.items()]
    theme(fig, "Evidence sources by document type, study design and platform", "", "")
    fig.update_xaxes(title_text="Sources", row=len(facets), col=1)
    fig.update_layout(height=22 * sum(sizes) + 120 * len(facets) + 160, margin={"l": 20, "r": 20, "t": 100, "b": 60})
    return fig, rows


def sources_by_characteristic() -> Figure:
    """Evidence sources by document type, study design and platform, with 'not reported' shown as such."""
    sources = data.load_sources()
    facets = CHARACTERISTIC_FACETS
    # One under another at every width: side by side, the long category labels of one chart ran into the next.
    fig, rows = _characteristics_grid(sources)
    table = pd.DataFrame(rows)
    return Figure(
        fig=fig,
        figure_id="sources-by-characteristic",
        caption=(
            "Characteristics of the evidence sources this edition holds. Design and platform are recorded only "
            "where the source's own title or venue states them; everything else is counted as 'not reported' "
            "(grey), never guessed. The synthesis's full table of characteristics is in its Multimedia Appendix 5."
        ),
        source="data/sources.xlsx (columns document_type, study_design, platform, each with a *_basis column).",
        alt="Three bar charts of evidence sources: "
        + " ".join(
            f"{title}: " + "; ".join(f"{r['category']} {r['sources']}" for r in rows if r["characteristic"] == column) + "."
            for column, title in facets
        ),
        data=table,
    )
