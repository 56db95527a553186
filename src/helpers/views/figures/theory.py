"""Figures of the theories: CMO configurations per theory area and the programme-theory network."""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from helpers.data import loaders as data
from helpers.views.figures.output import Figure
from helpers.views.figures.theme import OKABE_ITO, PAGE, plotly_text, readable, shorten, theme
from helpers.views.places import cmo_href


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
            "Counts of context-mechanism-outcome configurations by study, kind and theory area. "
            + _split_configurations(cmos)
            + "the 2025 refined theories are counted per paragraph."
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


def _split_configurations(cmos: pd.DataFrame) -> str:
    """'The 2024 synthesis splits CMO 7 into 7.1 and 7.2; ' for the 2024 CMOs numbered as parts of one, or 'The '."""
    labels = cmos.loc[(cmos["kind"] == "synthesis") & cmos["label"].str.contains(".", regex=False), "label"]
    parts: dict[str, list[str]] = {}
    for label in labels:
        name, number = label.rsplit(" ", 1)
        parts.setdefault(f"{name} {number.split('.')[0]}", []).append(number)
    if not parts:
        return "The "
    return "The 2024 synthesis splits " + "; ".join(f"{whole} into {' and '.join(p)}" for whole, p in parts.items()) + "; "


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


# Narrowest the network is drawn (px): its three columns and their labels need it; a phone scrolls it sideways.
NETWORK_MIN_WIDTH = 640


COLUMN_OF_KIND = {"synthesis": 0, "initial": 1, "refined": 2, "new": 2}


COLUMN_TITLES = [
    "2024 synthesis:<br>configurations",
    "2025 evaluation:<br>theories tested",
    "2025 evaluation:<br>refined and new",
]


# Longest label text a node or a theory area shows on the figure (a longer one from data is shortened, full on hover).
NODE_LABEL_LIMIT = 24
AREA_LABEL_LIMIT = 48

SYMBOL_OF_KIND = {"synthesis": "circle", "initial": "diamond", "refined": "square", "new": "star"}


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


# Where a node's label sits, by the column it is in: clear of the lines, which leave a 2024 configuration to the
# right, reach a tested theory from the left and leave it to the right (its label above that line, beside the
# node: above it, the label would cover the node before), and reach a refined one from the left.
LABEL_PLACE = {
    "synthesis": {"xanchor": "right", "yanchor": "middle", "xshift": -10},
    "initial": {"xanchor": "left", "yanchor": "bottom", "xshift": 8, "yshift": 3},
    "refined": {"xanchor": "left", "yanchor": "middle", "xshift": 10},
    "new": {"xanchor": "left", "yanchor": "middle", "xshift": 10},
}


def _node_label(fig: go.Figure, position: tuple[float, float], text: str, kind: str) -> None:
    """A node's label, on the page's colour (a line passing under it never runs through its letters)."""
    fig.add_annotation(
        x=position[0],
        y=position[1],
        text=text,
        showarrow=False,
        font={"size": 11},
        bgcolor=PAGE["light"],
        borderpad=1,
        **LABEL_PLACE[kind],
    )


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
        # Short labels: the 2025 paper numbers its tested theories "CMO 1"-"CMO 5" again (Textbox 1),
        # so they read "TB1 CMO n" here, and refined paragraphs "TB2 ¶1" (Textbox 2, paragraph 1).
        # A label from data longer than NODE_LABEL_LIMIT is shortened here; the hover shows it in full.
        for cmo_id, label in zip(part["cmo_id"], part["label"], strict=True):
            short = f"TB1 {label}" if kind == "initial" else label.replace("Textbox ", "TB").replace(", paragraph ", " ¶")
            _node_label(fig, positions[cmo_id], plotly_text(shorten(short, NODE_LABEL_LIMIT)), kind)
        fig.add_scatter(
            x=[positions[c][0] for c in part["cmo_id"]],
            y=[positions[c][1] for c in part["cmo_id"]],
            mode="markers",
            name=name,
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
                + plotly_text(shorten(row["statement"], 120))
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
            x=-0.32,
            y=sum(ys) / len(ys),
            # At most AREA_LABEL_LIMIT characters in lines of 16; the full name on hover.
            text="<br>".join(
                plotly_text(line)
                for line in textwrap.wrap(shorten(f"{int(area)}. {part['theory_area'].iloc[0]}", AREA_LABEL_LIMIT), 16)
            ),
            hovertext=plotly_text(f"{int(area)}. {part['theory_area'].iloc[0]}"),
            showarrow=False,
            xanchor="right",
            # The area's colour, darkened as far as text on the page needs (the orange and green are too light).
            font={"size": 11, "color": readable(OKABE_ITO[(int(area) - 1) % len(OKABE_ITO)], PAGE["light"])},
        )
    fig.update_xaxes(visible=False, range=[-1.0, 2.6])
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
        min_width=NETWORK_MIN_WIDTH,
    )
