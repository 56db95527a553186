"""Figure builders: DataFrame in, :class:`helpers.display.Figure` out, one shared visual theme.

Colours come from the Okabe-Ito palette, which stays distinguishable with the common forms of
colour-vision deficiency.

Every text from data that a figure shows goes through :func:`plotly_text`: plotly.js reads titles,
tick labels, legend names, bar text and hover labels as a subset of HTML (``<b>``, ``<br>``,
``<a href>``...), so unescaped data could add links or markup. Escaped text is shown literally (plotly
decodes the entities after it has split out its tags). TeX typesetting is off (``display.PLOTLY_CONFIG``),
so a ``$...$`` in data is never handed to MathJax either.
"""

from __future__ import annotations

import html
import textwrap

import pandas as pd
import plotly.graph_objects as go

from . import data
from .display import Figure
from .schema import NOT_REPORTED
from .tables import cmo_href, source_citations

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def plotly_text(value) -> str:
    """Data text as plotly.js must receive it: markup escaped, so it is shown, never interpreted.

    Only ``&``, ``<`` and ``>``: plotly.js decodes ``&lt;``/``&gt;``/``&amp;`` but shows ``&quot;``
    literally, and quotes cannot open markup once ``<`` is escaped.
    """
    return html.escape(str(value), quote=False)


FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def theme(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
    fig.update_layout(
        title={"text": plotly_text(title), "x": 0, "xanchor": "left"},
        font={"family": FONT, "size": 14, "color": "#222"},
        colorway=OKABE_ITO,
        template="simple_white",
        margin={"l": 70, "r": 20, "t": 100, "b": 60},
        height=440,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "xanchor": "left"},
        hoverlabel={"font": {"family": FONT}},
    )
    fig.update_xaxes(title_text=plotly_text(x_title))
    fig.update_yaxes(title_text=plotly_text(y_title))
    return fig


def cmos_per_theory_area() -> Figure:
    """Number of CMO configurations per theory area, for each study and kind of theory."""
    cmos = data.load_cmos()
    counts = (
        cmos.groupby(["study", "kind", "theory_area_number", "theory_area"], as_index=False)
        .size()
        .rename(columns={"size": "cmos"})
    )
    kind_order = {"synthesis": 0, "initial": 1, "refined": 2, "new": 3}
    counts = counts.sort_values(
        ["study", "kind", "theory_area_number"], key=lambda c: c.map(kind_order) if c.name == "kind" else c
    )
    fig = go.Figure()
    for i, ((study, kind), part) in enumerate(counts.groupby(["study", "kind"], sort=False)):
        labels = [f"{study}: {n}. {plotly_text(a)}" for n, a in zip(part["theory_area_number"], part["theory_area"], strict=True)]
        fig.add_bar(
            x=part["cmos"],
            y=labels,
            orientation="h",
            name=plotly_text(f"{study} {kind}"),
            marker_color=OKABE_ITO[i % len(OKABE_ITO)],
            hovertemplate="%{y}<br>%{x} CMO configuration(s)<extra>" + plotly_text(f"{study} {kind}") + "</extra>",
        )
    theme(fig, "CMO configurations per theory area", "Number of CMO configurations", "")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(dtick=1)
    fig.update_layout(height=600)
    return Figure(
        fig=fig,
        figure_id="cmos-per-theory-area",
        caption=(
            "Counts of context-mechanism-outcome configurations by study, kind and theory area. The 2024 "
            "synthesis splits CMO 7 into 7.1 and 7.2; the 2025 refined theories are counted per paragraph."
        ),
        source="data/cmos.csv (2024 synthesis Table 1; 2025 evaluation Textboxes 1-5).",
        alt=(
            "Horizontal bar chart of CMO configurations per theory area: "
            + "; ".join(
                f"{r.study} {r.kind} theory area {r.theory_area_number} ({r.theory_area}): {r.cmos}" for r in counts.itertuples()
            )
        ),
        data=counts,
    )


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
    return Figure(
        fig=fig,
        figure_id="sources-by-year",
        caption=(
            f"The {total} evidence sources this report holds, by year and document type. They are the sources the "
            "2024 synthesis cites in its results; its full list of 102 is in a supplement not available here."
        ),
        source="data/sources.xlsx (reference list of the 2024 synthesis).",
        alt="Stacked bar chart of evidence sources per publication year: "
        + "; ".join(f"{int(r.year)} {r.document_type}: {r.sources}" for r in counts.itertuples()),
        data=counts,
    )


def reported(value_ids: list[str]) -> pd.DataFrame:
    """Rows of the reported values, in the order asked; a missing id is an error, not a gap."""
    value_ids = list(dict.fromkeys(value_ids))  # each asked once, in first-asked order
    values = data.load_reported_values().set_index("value_id", drop=False)
    missing = [v for v in value_ids if v not in values.index]
    if missing:
        raise KeyError(f"data/reported_values.csv lacks value_id(s): {', '.join(missing)}")
    return values.loc[value_ids].reset_index(drop=True)


def survey_sample_by_wave() -> Figure:
    """Survey respondents at each of the three waves (0, 6 and 12 weeks)."""
    rows = reported([f"e25.sample.survey.wave{w}.n" for w in (1, 2, 3)])
    shown = pd.DataFrame(
        {
            "wave": [1, 2, 3],
            "weeks": [0, 6, 12],
            "respondents": rows["value"].astype(int),
            "value_reported": rows["value_reported"],
            "location": rows["location"],
        }
    )
    labels = [f"Wave {w} ({k} weeks)" for w, k in zip(shown["wave"], shown["weeks"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=shown["respondents"],
            marker_color=OKABE_ITO[0],
            text=[plotly_text(v) for v in shown["value_reported"]],
            textposition="outside",
            hovertemplate="%{x}: %{y} respondents<extra></extra>",
        )
    )
    theme(fig, "Survey respondents at each wave", "Survey wave", "Respondents")
    fig.update_yaxes(rangemode="tozero")
    return Figure(
        fig=fig,
        figure_id="survey-sample-by-wave",
        caption=(
            "Valid respondents at each survey wave of the 2025 evaluation. The wave 1 sample of current forum users "
            "is the one the paper analyses cross-sectionally; waves 2 and 3 are follow-ups of it."
        ),
        source="data/reported_values.csv (2025 evaluation, Results, Survey, paragraph 1).",
        alt="Bar chart of survey respondents: "
        + "; ".join(f"{lab}: {n}" for lab, n in zip(labels, shown["respondents"], strict=True)),
        data=shown,
    )


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
                + plotly_text(_short(source["title"], 90))
                + "<br><b>cited as evidence for</b> "
                + plotly_text(_short(cmo["statement"], 110))
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
    )


def sources_by_characteristic() -> Figure:
    """Evidence sources by document type, study design and platform, with 'not reported' shown as such."""
    from plotly.subplots import make_subplots

    sources = data.load_sources()
    facets = [
        ("document_type", "Document type"),
        ("study_design", "Study design (as the title states it)"),
        ("platform", "Forum or platform (as the title states it)"),
    ]
    fig = make_subplots(rows=1, cols=3, subplot_titles=[plotly_text(t) for _, t in facets], horizontal_spacing=0.16)
    rows = []
    for col, (column, title) in enumerate(facets, start=1):
        counts = sources[column].value_counts()
        # "not reported" last, so the reported categories read first.
        order = [c for c in counts.index if c != NOT_REPORTED] + ([NOT_REPORTED] if NOT_REPORTED in counts else [])
        counts = counts.reindex(order)
        colours = [OKABE_ITO[col - 1] if c != NOT_REPORTED else "#9a9a9a" for c in counts.index]
        fig.add_bar(
            x=counts.values,
            y=[plotly_text(c) for c in counts.index],
            orientation="h",
            marker_color=colours,
            showlegend=False,
            hovertemplate="%{y}: %{x} source(s)<extra>" + plotly_text(title) + "</extra>",
            row=1,
            col=col,
        )
        fig.update_yaxes(autorange="reversed", automargin=True, row=1, col=col, tickfont={"size": 11})
        fig.update_xaxes(title_text="Sources", rangemode="tozero", row=1, col=col)
        rows += [{"characteristic": column, "category": c, "sources": int(n)} for c, n in counts.items()]
    theme(fig, "Evidence sources by document type, study design and platform", "", "")
    fig.update_xaxes(title_text="Sources")
    fig.update_layout(height=520, margin={"l": 20, "r": 20, "t": 110, "b": 60})
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


COLUMN_OF_KIND = {"synthesis": 0, "initial": 1, "refined": 2, "new": 2}
COLUMN_TITLES = [
    "2024 synthesis:<br>configurations",
    "2025 evaluation:<br>theories tested",
    "2025 evaluation:<br>refined and new",
]
SYMBOL_OF_KIND = {"synthesis": "circle", "initial": "diamond", "refined": "square", "new": "star"}


def _parents(cmo) -> list[str]:
    """What a 2025 theory derives from: a tested theory, the 2024 CMO its text restates; a refined one, what it refines."""
    return data.split_ids(cmo.content_2024_equivalent if cmo.kind == "initial" else cmo.refines)


def _network_positions(cmos: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """2024 CMOs stacked by theory area; each later theory level with the theories it derives from."""
    positions: dict[str, tuple[float, float]] = {}
    y = 0.0
    previous_area = None
    for cmo in cmos[cmos["kind"] == "synthesis"].itertuples():
        if previous_area is not None and cmo.theory_area_number != previous_area:
            y += 0.8  # a gap between theory areas
        positions[cmo.cmo_id] = (0.0, y)
        previous_area = cmo.theory_area_number
        y += 1.0
    for kind in ("initial", "refined", "new"):
        taken: list[float] = []
        for cmo in cmos[cmos["kind"] == kind].itertuples():
            ys = [positions[p][1] for p in _parents(cmo) if p in positions]
            target = sum(ys) / len(ys) if ys else (max(taken) + 1.5 if taken else y / 2)
            while any(abs(target - t) < 1.0 for t in taken):
                target += 1.0
            taken.append(target)
            positions[cmo.cmo_id] = (float(COLUMN_OF_KIND[kind]), target)
    return positions


def _area_colour(cmo, index: pd.DataFrame) -> str:
    """Colour of the 2024 theory area a theory belongs to or derives from (shape and text carry it too).

    ``index`` is the CMO table indexed by cmo_id.
    """
    current = cmo
    while current.kind != "synthesis":
        parents = _parents(current)
        if not parents:
            return "#555555"
        current = index.loc[parents[0]]
    return OKABE_ITO[(int(current.theory_area_number) - 1) % len(OKABE_ITO)]


def programme_theory_network() -> Figure:
    """The CMO configurations of both studies as a network: which 2025 theory tested or refined which."""
    cmos = data.load_cmos()
    positions = _network_positions(cmos)
    index = cmos.set_index("cmo_id", drop=False)
    edges = []
    for cmo in cmos.itertuples():
        if cmo.kind == "initial":
            edges.append((cmo.content_2024_equivalent, cmo.cmo_id, "tested as (its text)"))
            if cmo.stated_2024_equivalent != cmo.content_2024_equivalent:
                edges.append((cmo.stated_2024_equivalent, cmo.cmo_id, "mapped to in Textbox 1 (differs from its text)"))
        for parent in data.split_ids(cmo.refines):
            edges.append((parent, cmo.cmo_id, "refined into"))
    fig = go.Figure()
    styles = {
        "tested as (its text)": {"color": "#444444", "dash": "solid"},
        "mapped to in Textbox 1 (differs from its text)": {"color": OKABE_ITO[5], "dash": "dot"},
        "refined into": {"color": "#444444", "dash": "dash"},
    }
    for relation, style in styles.items():
        xs, ys = [], []
        for source, target, rel in edges:
            if rel == relation:
                xs += [positions[source][0], positions[target][0], None]
                ys += [positions[source][1], positions[target][1], None]
        if xs:
            fig.add_scatter(x=xs, y=ys, mode="lines", name=relation, line={"width": 1.6, **style}, hoverinfo="skip")
    for kind, name in [
        ("synthesis", "2024 CMO"),
        ("initial", "2025 initial theory"),
        ("refined", "2025 refined theory"),
        ("new", "2025 new theory"),
    ]:
        part = cmos[cmos["kind"] == kind]
        fig.add_scatter(
            x=[positions[c][0] for c in part["cmo_id"]],
            y=[positions[c][1] for c in part["cmo_id"]],
            mode="markers+text",
            name=name,
            # Short labels: the 2025 paper numbers its tested theories "CMO 1"-"CMO 5" again (Textbox 1),
            # so they read "TB1 CMO n" here, and refined paragraphs "TB2 ¶1" (Textbox 2, paragraph 1).
            text=[
                plotly_text(
                    f"TB1 {label}" if kind == "initial" else label.replace("Textbox ", "TB").replace(", paragraph ", " ¶")
                )
                for label in part["label"]
            ],
            textposition="middle right" if kind == "synthesis" else "middle left" if kind == "initial" else "middle right",
            textfont={"size": 11},
            marker={
                "symbol": SYMBOL_OF_KIND[kind],
                "size": 13,
                "color": [_area_colour(row, index) for row in part.itertuples()],
                "line": {"color": "#222", "width": 1},
            },
            customdata=[[cmo_href(row)] for _, row in part.iterrows()],
            hovertext=[
                plotly_text(f"{row['study']} {row['label']}: {row['theory_area']}")
                + "<br>"
                + plotly_text(_short(row["statement"], 120))
                for _, row in part.iterrows()
            ],
            hovertemplate="%{hovertext}<br><i>Click to open</i><extra></extra>",
        )
    theme(fig, "How the theories connect across the two studies", "", "")
    top = max(y for _, y in positions.values())
    for column, title in enumerate(COLUMN_TITLES):
        fig.add_annotation(x=column, y=-1.0, text=f"<b>{title}</b>", showarrow=False, yanchor="bottom")
    for area, part in cmos[cmos["kind"] == "synthesis"].groupby("theory_area_number"):
        ys = [positions[c][1] for c in part["cmo_id"]]
        fig.add_annotation(
            x=-0.08,
            y=sum(ys) / len(ys),
            text="<br>".join(plotly_text(line) for line in textwrap.wrap(f"{int(area)}. {part['theory_area'].iloc[0]}", 16)),
            showarrow=False,
            xanchor="right",
            font={"size": 11, "color": OKABE_ITO[(int(area) - 1) % len(OKABE_ITO)]},
        )
    fig.update_xaxes(visible=False, range=[-0.8, 2.5])
    fig.update_yaxes(visible=False, autorange=False, range=[top + 1, -2.2])
    fig.update_layout(
        height=980, margin={"l": 10, "r": 10, "t": 60, "b": 20}, legend={"orientation": "h", "y": -0.02, "yanchor": "top"}
    )
    table = pd.DataFrame(edges, columns=["from_cmo_id", "to_cmo_id", "relation"])
    table["from_label"] = [f"{index.loc[c, 'study']} {index.loc[c, 'label']}" for c in table["from_cmo_id"]]
    table["to_label"] = [f"{index.loc[c, 'study']} {index.loc[c, 'label']}" for c in table["to_cmo_id"]]
    return Figure(
        fig=fig,
        figure_id="programme-theory-network",
        caption=(
            "Every CMO configuration of both studies as a node (colour and left-hand label: the 2024 theory area it "
            "belongs to or derives from; shape: which study and stage). Lines show what the papers record: which "
            "2024 configuration each initial 2025 theory restates (solid), where Textbox 1 of the 2025 paper maps it "
            "to a different one (dotted), and which initial theory each refined theory develops (dashed). Hover "
            "for the statement; click a node to open it. The 2024 paper also draws its overarching programme "
            "theory as two diagrams (intended and unintended impacts, its Figures 2 and 3); those diagrams are "
            "images whose content is not in the text available, so their causal links are not reproduced here."
        ),
        source="data/cmos.csv (columns stated_2024_equivalent, content_2024_equivalent, refines); 2025 evaluation Textboxes 1-5.",
        alt=(
            "Network of CMO configurations in three columns. "
            + "; ".join(f"{row.from_label} {row.relation} {row.to_label}" for row in table.itertuples())
            + ". 2024 configurations with no 2025 theory derived from them: "
            + ", ".join(
                index.loc[c, "label"]
                for c in cmos.loc[cmos["kind"] == "synthesis", "cmo_id"]
                if c not in set(table["from_cmo_id"])
            )
            + "."
        ),
        data=table,
        follow_links=True,
    )
