"""Figures in both colour modes and in a narrow box (issue 19): the colours each figure carries for the dark page,
and the arrangement it carries for a phone, computed from the figures themselves (helpers.views.figures.theme)."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from helpers.views import figures
from helpers.views.figures import survey
from helpers.views.figures.output import layout_variants
from helpers.views.figures.theme import (
    MARK_CONTRAST,
    PAGE,
    TEXT_CONTRAST,
    _rgba,
    contrast,
    dark_colour,
    mode_colours,
    narrow_version,
    readable,
    stacked,
    theme,
)

FIGURES = [
    figures.sources_by_year,
    figures.sources_by_characteristic,
    figures.evidence_map,
    figures.cmos_per_theory_area,
    figures.programme_theory_network,
    figures.survey_sample_by_wave,
    survey.survey_sample,
    survey.caseness,
    survey.symptom_trajectories,
    survey.correlations_and_tests,
]


def opaque(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str) and _rgba(v) and _rgba(v)[3] == 1]


@pytest.mark.parametrize("make", FIGURES, ids=lambda f: f.__name__)
def test_every_figure_carries_readable_dark_colours(make):
    """On the dark page, every text colour a figure sets keeps 4.5:1 and every line, marker or bar outline 3:1."""
    modes = mode_colours(make().fig)
    dark = modes["dark"]
    assert set(dark["layout"]) == set(modes["light"]["layout"]) and len(dark["traces"]) == len(modes["light"]["traces"])
    assert dark["layout"]["font.color"] and contrast(dark["layout"]["font.color"], PAGE["dark"]) >= TEXT_CONTRAST
    for path, value in dark["layout"].items():
        if path.endswith("font.color"):
            assert all(contrast(c, PAGE["dark"]) >= TEXT_CONTRAST for c in opaque(value)), path
    for _, path, value in dark["traces"]:
        if path in ("line.color", "marker.line.color") and value != PAGE["dark"]:
            assert all(contrast(c, PAGE["dark"]) >= MARK_CONTRAST for c in opaque(value)), path


def test_a_dark_text_colour_is_lightened_and_a_grey_turned_over():
    fig = theme(go.Figure(go.Bar(x=[1], y=[2], marker_line_color="#222")), "t", "x", "y")
    fig.add_annotation(x=0, y=0, text="area", font={"color": "#0072B2"}, bgcolor="#ffffff")
    modes = mode_colours(fig)
    annotation = modes["dark"]["layout"]["annotations[0].font.color"]
    assert contrast("#0072B2", PAGE["dark"]) < TEXT_CONTRAST <= contrast(annotation, PAGE["dark"])
    assert modes["light"]["layout"]["annotations[0].font.color"] == "#0072B2"
    assert modes["dark"]["layout"]["annotations[0].bgcolor"] == PAGE["dark"]
    assert modes["dark"]["traces"] == [[0, "marker.line.color", dark_colour("#222")]]
    assert contrast(dark_colour("#222"), PAGE["dark"]) >= MARK_CONTRAST
    # The template's axis and text colours are carried as well: the figure set none of them.
    assert {"xaxis.linecolor", "yaxis.linecolor", "font.color"} <= set(modes["dark"]["layout"])


def test_readable_reaches_the_contrast_asked_for():
    assert contrast("#E69F00", PAGE["light"]) < TEXT_CONTRAST <= contrast(readable("#E69F00", PAGE["light"]), PAGE["light"])
    assert readable("#000000", PAGE["light"]) == "#000000"


def test_a_narrow_arrangement_must_draw_the_same_traces():
    wide = go.Figure([go.Bar(x=[1], y=[1]), go.Bar(x=[2], y=[2])])
    with pytest.raises(ValueError, match="same traces"):
        layout_variants(wide, go.Figure(go.Bar(x=[1], y=[1])))


def test_the_narrow_variant_holds_what_differs_both_ways():
    wide = theme(
        go.Figure(go.Bar(x=[1, 2], y=["a label far longer than a phone can show beside its bar", "b"], orientation="h")),
        "A title",
        "x",
        "",
    )
    narrow = narrow_version(wide)
    variants = layout_variants(wide, narrow)
    assert variants["narrow"]["layout"]["yaxis.ticktext"][0].count("<br>") >= 2
    assert variants["wide"]["layout"]["yaxis.ticktext"] is None
    assert set(variants["wide"]["layout"]) == set(variants["narrow"]["layout"])
    assert narrow.layout.height >= wide.layout.height


def test_stacked_puts_subplots_one_under_another():
    fig = survey.symptom_trajectories().fig
    narrow = stacked(fig, height=700)
    assert narrow.layout.xaxis.domain == narrow.layout.xaxis2.domain == (0, 1)
    assert narrow.layout.yaxis.domain[0] > narrow.layout.yaxis2.domain[1]
    assert narrow.layout.yaxis2.showticklabels is True


@pytest.mark.parametrize("make", FIGURES, ids=lambda f: f.__name__)
def test_every_figure_html_carries_its_variants_before_plotly_draws_it(make):
    html = make()._repr_html_()
    island = html.index('class="report-figure-variants"')
    assert island < html.index("Plotly.newPlot")
