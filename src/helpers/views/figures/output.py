"""How figures leave a notebook: as plain HTML that loads plotly.js from the site, never from a CDN.

myst-nb cannot render plotly's own ``application/vnd.plotly.v1+json`` output, so every figure is
emitted as ``text/html`` holding only the figure's div and data. The Sphinx extension
(``helpers.sphinxext``) serves one copy of plotly.js from ``_static`` and adds it to the pages that
have a figure. The figure wrapper renders through its own renderer object, ``RENDERER``; importing this
module registers nothing with plotly and leaves ``plotly.io.renderers.default`` alone. A bare plotly
figure at the end of a cell therefore gets plotly's own mime type, which myst-nb reports and the strict
build fails on: a chapter shows figures through ``Figure`` (or ``RENDERER.to_mimebundle``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.base_renderers import MimetypeRenderer
from plotly.utils import PlotlyJSONEncoder

from helpers.views.cite import figure_citation
from helpers.views.figures.theme import mode_colours, narrow_version, shorten_long_ticks
from helpers.views.html import csv_download_href, esc, json_island, slug

# typesetMath off: text from data that happens to hold $...$ must never be handed to MathJax (which
# Jupyter Book loads on pages with maths) and turned into markup or links.
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "typesetMath": False, "toImageButtonOptions": {"format": "svg"}}


# Clicking a point whose first custom datum is a page link (``page.html#anchor``) opens it.
FOLLOW_LINK_ON_CLICK = """document.getElementById('{plot_id}').on('plotly_click', function (event) {
  var point = event.points && event.points[0];
  var target = point && point.customdata && point.customdata[0];
  if (typeof target === 'string' && /^[a-z0-9-]+\\.html#[a-z0-9-]+$/.test(target)) { window.location.href = target; }
});"""


class SiteRenderer(MimetypeRenderer):
    """A plotly renderer that returns ``text/html`` only (no JSON mime type, no inline plotly.js).

    Used as an object, never registered with ``plotly.io.renderers``."""

    def __init__(self) -> None:
        self.count = 0

    def div(self, fig: go.Figure, div_id: str, follow_links: bool = False, narrow: go.Figure | None = None) -> str:
        """The figure as an HTML fragment that expects ``window.Plotly`` to be loaded by the page, after the
        variants ``report-figures.js`` draws it in: colours of each colour mode, and a layout for a narrow box."""
        variants = mode_colours(fig)
        if narrow is not None:
            variants.update(layout_variants(fig, narrow))
        island = (
            f'<script type="application/json" class="report-figure-variants" data-for="{esc(div_id)}">'
            f"{json_island(variants)}</script>"
        )
        return island + pio.to_html(
            fig,
            include_plotlyjs=False,
            full_html=False,
            div_id=div_id,
            config=PLOTLY_CONFIG,
            default_width="100%",
            post_script=FOLLOW_LINK_ON_CLICK if follow_links else None,
        )

    def to_mimebundle(self, fig_dict):
        self.count += 1
        return {"text/html": self.div(go.Figure(fig_dict), f"plotly-figure-{self.count}")}


# The report's renderer: what every Figure renders through. plotly's own registry and default stay as they are.
RENDERER = SiteRenderer()


def _leaves(value, path: str = "") -> dict:
    """Every leaf of a layout's JSON by its plotly.js attribute string (``annotations[1].y``, ``yaxis2.domain``)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_leaves(item, f"{path}.{key}" if path else key))
        return out
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        out = {}
        for i, item in enumerate(value):
            out.update(_leaves(item, f"{path}[{i}]"))
        return out
    return {path: value}


def _plain(part) -> dict:
    """A figure's layout or trace as plain JSON values (numpy arrays and pandas values as lists and numbers)."""
    return json.loads(json.dumps(part.to_plotly_json(), cls=PlotlyJSONEncoder))


def layout_variants(wide: go.Figure, narrow: go.Figure) -> dict:
    """``{"wide": part, "narrow": part}``: what differs between a figure and its arrangement for a narrow box
    (subplots stacked, labels wrapped, shorter bar text), each with its value in both; a part is
    ``{"layout": {attribute: value}, "traces": [[index, attribute, value]]}``. Both draw the same traces."""
    if len(wide.data) != len(narrow.data) or any(a.type != b.type for a, b in zip(wide.data, narrow.data, strict=True)):
        raise ValueError("a figure's narrow arrangement must draw the same traces")

    def changes(before: dict, after: dict) -> list[str]:
        return sorted(path for path in {*before, *after} if before.get(path) != after.get(path))

    before = _leaves({k: v for k, v in _plain(wide.layout).items() if k != "template"})
    after = _leaves({k: v for k, v in _plain(narrow.layout).items() if k != "template"})
    layout = changes(before, after)
    variants = {
        "wide": {"layout": {path: before.get(path) for path in layout}, "traces": []},
        "narrow": {"layout": {path: after.get(path) for path in layout}, "traces": []},
    }
    for index, (one, other) in enumerate(zip(wide.data, narrow.data, strict=True)):
        before, after = _leaves(_plain(one)), _leaves(_plain(other))
        for path in changes(before, after):
            variants["wide"]["traces"].append([index, path, before.get(path)])
            variants["narrow"]["traces"].append([index, path, after.get(path)])
    return variants


def figure_div(fig: go.Figure, div_id: str, follow_links: bool = False) -> str:
    """The figure as an HTML fragment that expects ``window.Plotly`` to be loaded by the page."""
    return RENDERER.div(fig, div_id, follow_links)


@dataclass
class Figure:
    """A figure with everything a reader needs: title, caption, source of its numbers, alt text, data."""

    fig: go.Figure
    figure_id: str
    caption: str
    source: str
    alt: str
    data: pd.DataFrame
    # Points carry a link to a page of the book as their first custom datum; a click follows it.
    follow_links: bool = False
    # The same traces arranged for a box narrower than report-figures.js's NARROW_PX (subplots stacked).
    narrow: go.Figure | None = None
    # Narrowest the plot is drawn (px): in a narrower box it scrolls sideways, its labels still readable.
    min_width: int | None = None

    def _repr_html_(self) -> str:
        anchor = f"fig-{slug(self.figure_id)}"
        fig = shorten_long_ticks(self.fig)
        href = csv_download_href(self.data)
        # The interactive plot holds focusable controls, so it cannot itself be role="img"; the figure
        # is described instead by its caption and by a text description every reader can open.
        # A figure with a min_width scrolls instead of being rearranged.
        narrow = None if self.min_width else narrow_version(shorten_long_ticks(self.narrow) if self.narrow is not None else fig)
        plot = RENDERER.div(fig, anchor + "-plot", self.follow_links, narrow)
        # A box that may scroll sideways is focusable and named, so a keyboard can scroll it too.
        box = (
            f'<div class="report-figure-plot report-figure-scroll" tabindex="0" role="region" '
            f'aria-label="{esc(self.citation_title())} (scrolls sideways on a narrow screen)">'
            f'<div style="min-width: {int(self.min_width)}px">{plot}</div></div>'
            if self.min_width
            else f'<div class="report-figure-plot">{plot}</div>'
        )
        return (
            f'<figure class="report-figure" id="{anchor}" aria-describedby="{anchor}-alt">'
            f"{box}"
            f"<figcaption><p>{esc(self.caption)}</p>"
            f'<details class="report-figure-alt"><summary>Text description of this figure</summary>'
            f'<p id="{anchor}-alt">{esc(self.alt)}</p></details>'
            f'<p class="report-figure-source">Source: {esc(self.source)} '
            f'<a class="report-figure-download" download="{esc(slug(self.figure_id))}.csv" href="{href}">'
            f"Download the data (CSV)</a></p>"
            f"{figure_citation(self.citation_title(), anchor)}</figcaption></figure>"
        )

    def citation_title(self) -> str:
        """The figure's title for a citation: its plotly title, else the first sentence of its caption."""
        title = self.fig.layout.title.text
        if title:
            return re.sub(r"<[^>]+>", "", str(title)).strip()
        return re.split(r"(?<=[.!?])\s", self.caption.strip(), maxsplit=1)[0].rstrip(".")

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self._repr_html_()}
