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

import pandas as pd
import plotly.graph_objects as go

from . import data
from .display import Figure

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def plotly_text(value) -> str:
    """Data text as plotly.js must receive it: markup escaped, so it is shown, never interpreted.

    Only ``&``, ``<`` and ``>``: plotly.js decodes ``&lt;``/``&gt;``/``&amp;`` but shows ``&quot;``
    literally, and quotes cannot open markup once ``<`` is escaped.
    """
    return html.escape(str(value), quote=False)


FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def _theme(fig: go.Figure, title: str, x_title: str, y_title: str) -> go.Figure:
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
    _theme(fig, "CMO configurations per theory area", "Number of CMO configurations", "")
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
    _theme(fig, "Evidence sources by year of publication", "Year of publication", "Number of sources")
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


def _reported(value_ids: list[str]) -> pd.DataFrame:
    """Rows of the reported values, in the order asked; a missing id is an error, not a gap."""
    values = data.load_reported_values().set_index("value_id", drop=False)
    missing = [v for v in value_ids if v not in values.index]
    if missing:
        raise KeyError(f"data/reported_values.csv lacks value_id(s): {', '.join(missing)}")
    return values.loc[value_ids].reset_index(drop=True)


def survey_sample_by_wave() -> Figure:
    """Survey respondents at each of the three waves (0, 6 and 12 weeks)."""
    rows = _reported([f"e25.sample.survey.wave{w}.n" for w in (1, 2, 3)])
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
    _theme(fig, "Survey respondents at each wave", "Survey wave", "Respondents")
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
