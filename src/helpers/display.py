"""How figures leave a notebook: as plain HTML that loads plotly.js from the site, never from a CDN.

myst-nb cannot render plotly's own ``application/vnd.plotly.v1+json`` output, so every figure is
emitted as ``text/html`` holding only the figure's div and data. The Sphinx extension
(``helpers.sphinxext``) serves one copy of plotly.js from ``_static`` and adds it to the pages that
have a figure. Importing this module also makes that the default renderer, so a bare ``fig`` in a
cell cannot fall back to the unsupported mime type.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.base_renderers import MimetypeRenderer

from .edition import figure_citation

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "svg"}}


def figure_div(fig: go.Figure, div_id: str) -> str:
    """The figure as an HTML fragment that expects ``window.Plotly`` to be loaded by the page."""
    return pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=div_id, config=PLOTLY_CONFIG, default_width="100%")


class SiteRenderer(MimetypeRenderer):
    """A plotly renderer that returns ``text/html`` only (no JSON mime type, no inline plotly.js)."""

    _count = 0

    def to_mimebundle(self, fig_dict):
        SiteRenderer._count += 1
        return {"text/html": figure_div(go.Figure(fig_dict), f"plotly-figure-{SiteRenderer._count}")}


pio.renderers["report"] = SiteRenderer()
pio.renderers.default = "report"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Figure:
    """A figure with everything a reader needs: title, caption, source of its numbers, alt text, data."""

    fig: go.Figure
    figure_id: str
    caption: str
    source: str
    alt: str
    data: pd.DataFrame

    def _repr_html_(self) -> str:
        anchor = f"fig-{_slug(self.figure_id)}"
        csv = self.data.to_csv(index=False).encode("utf-8")
        href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(csv).decode("ascii")
        esc = html.escape
        return (
            f'<figure class="report-figure" id="{anchor}">'
            f'<div class="report-figure-plot" role="img" aria-label="{esc(self.alt)}">'
            f"{figure_div(self.fig, anchor + '-plot')}</div>"
            f"<figcaption><p>{esc(self.caption)}</p>"
            f'<p class="report-figure-source">Source: {esc(self.source)} '
            f'<a class="report-figure-download" download="{esc(_slug(self.figure_id))}.csv" href="{href}">'
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
