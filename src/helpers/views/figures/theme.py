"""The figures' one visual theme: Okabe-Ito colours, one font, data text escaped for plotly.js.

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

import plotly.graph_objects as go

from helpers.views.html import esc

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def plotly_text(value) -> str:
    """Data text as plotly.js must receive it: markup escaped, so it is shown, never interpreted.

    Only ``&``, ``<`` and ``>``: plotly.js decodes ``&lt;``/``&gt;``/``&amp;`` but shows ``&quot;``
    literally, and quotes cannot open markup once ``<`` is escaped.
    """
    return esc(str(value), quote=False)


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


def shorten(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# A category label (tick) longer than this is shortened on the axis, with the full text in the hover label:
# a long label from data (a theory area, a study design) would otherwise squash the plot to nothing.
TICK_LIMIT = 60


def shorten_long_ticks(fig: go.Figure, limit: int = TICK_LIMIT) -> go.Figure:
    """``fig`` with every category axis label over ``limit`` characters shortened (…) on the axis only.

    The bars keep their full labels as categories, so two labels that shorten alike stay two bars, and the
    hover label shows the full text (plotly's ``%{y}`` would show the shortened tick, so a bar's hover
    template reads the full label from ``hovertext`` instead). Labels arrive escaped (:func:`plotly_text`):
    they are shortened as text and escaped again.
    """
    categories: dict[str, list[str]] = {}
    uses: list[tuple[object, str, str]] = []  # (trace, x or y, axis)
    for trace in fig.data:
        for letter in ("x", "y"):
            values = getattr(trace, letter, None)
            if values is not None and len(values) and all(isinstance(v, str) for v in values):
                axis = (getattr(trace, f"{letter}axis", None) or letter).replace(letter, f"{letter}axis", 1)
                categories.setdefault(axis, [])
                categories[axis] += [v for v in values if v not in categories[axis]]
                uses.append((trace, letter, axis))
    long_axes = {axis for axis, labels in categories.items() if any(len(html.unescape(v)) > limit for v in labels)}
    for axis in long_axes:
        labels = categories[axis]
        ticks = [plotly_text(shorten(html.unescape(label), limit)) for label in labels]
        fig.layout[axis].update(tickmode="array", tickvals=labels, ticktext=ticks)
    for trace, letter, axis in uses:
        placeholder = "%{" + letter + "}"
        template = trace.hovertemplate or ""
        if axis in long_axes and trace.type in ("bar", "scatter") and placeholder in template and trace.hovertext is None:
            trace.update(hovertext=list(getattr(trace, letter)), hovertemplate=template.replace(placeholder, "%{hovertext}"))
    return fig
