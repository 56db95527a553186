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
import json
import re
import textwrap

import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

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
        # Transparent: the page shows through, white or dark (colour modes: ``mode_colours``).
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
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


# ---------------------------------------------------------------- colour modes
# A figure is drawn for the light page (its colours as set by the figure functions) and carries, for the dark page,
# the colours that differ (``mode_colours``): helpers.sphinxext's report-figures.js applies them before the figure
# is first drawn and again, live, when the reader switches the theme's colour mode.

# The page behind a figure (its own background is transparent): pydata-sphinx-theme 0.17's --pst-color-background.
PAGE = {"light": "#ffffff", "dark": "#14181e"}
# A light fill that is not the page (an empty cell of the evidence map) becomes at least this light on a dark page:
# the theme's --pst-color-surface.
DARK_SURFACE = "#29313d"
TEXT_CONTRAST = 4.5  # WCAG 1.4.3, text
MARK_CONTRAST = 3.0  # WCAG 1.4.11, bars, lines and markers


def _rgba(colour) -> tuple[float, float, float, float] | None:
    """(r, g, b, alpha), channels 0-255, of a CSS colour in the forms the figures use; None for anything else."""
    if not isinstance(colour, str):
        return None
    text = colour.strip().lower()
    named = {"white": "#ffffff", "black": "#000000"}
    text = named.get(text, text)
    if text.startswith("#") and len(text) in (4, 7):
        digits = text[1:] if len(text) == 7 else "".join(c * 2 for c in text[1:])
        try:
            return (*(int(digits[i : i + 2], 16) for i in (0, 2, 4)), 1.0)
        except ValueError:
            return None
    match = re.fullmatch(r"rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)", text)
    if match:
        r, g, b, a = match.groups()
        return float(r), float(g), float(b), float(a) if a is not None else 1.0
    return None


def _css(r: float, g: float, b: float, a: float = 1.0) -> str:
    r, g, b = (max(0, min(255, round(c))) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}" if a >= 1 else f"rgba({r},{g},{b},{a:g})"


def luminance(colour: str) -> float:
    """WCAG relative luminance of an opaque colour."""
    rgba = _rgba(colour)
    if rgba is None:
        raise ValueError(f"not a colour: {colour!r}")

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, _ = rgba
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two opaque colours (1 to 21)."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(colour: str, background: str, ratio: float = TEXT_CONTRAST) -> str:
    """``colour``, mixed towards white (on a dark background) or black (on a light one) just enough to reach
    ``ratio`` against ``background``: the hue stays, the text can be read."""
    r, g, b, a = _rgba(colour)
    towards = 255.0 if luminance(background) < 0.18 else 0.0
    for step in range(21):
        share = step / 20
        mixed = _css(*(c + (towards - c) * share for c in (r, g, b)))
        if contrast(mixed, background) >= ratio:
            return mixed if a >= 1 else _css(*_rgba(mixed)[:3], a)
    return _css(towards, towards, towards, a)


def dark_colour(colour, text: bool = False):
    """The colour a figure drawn for the light page uses on the dark page.

    Greys turn over (dark grey lines and text become light grey; white, the page, becomes the dark page; a light
    grey fill becomes a dark one no darker than the theme's surface); colours keep their hue, lightened only as far
    as text (``text``) or a mark needs to stand out from the dark page. Anything not a colour is returned as is.
    """
    rgba = _rgba(colour)
    if rgba is None:
        return colour
    r, g, b, a = rgba
    if max(r, g, b) - min(r, g, b) < 26:  # a grey
        if min(r, g, b) >= 250:
            return _css(*_rgba(PAGE["dark"])[:3], a)
        light = 255 - (r + g + b) / 3
        floor = sum(_rgba(DARK_SURFACE)[:3]) / 3
        grey = max(light, floor) if (r + g + b) / 3 > 200 else light
        turned = _css(grey, grey, grey, a)
        return readable(turned, PAGE["dark"], TEXT_CONTRAST) if text else turned
    if a < 1:  # a translucent fill (a confidence band): the dark page shows through it as the light one did
        return colour
    kept = _css(r, g, b)
    turned = readable(kept, PAGE["dark"], TEXT_CONTRAST if text else MARK_CONTRAST)
    return colour if turned == kept else turned


AXIS = re.compile(r"^[xy]axis\d*$")
AXIS_COLOURS = ("linecolor", "tickcolor", "gridcolor", "zerolinecolor")
COLOUR_KEYS = {"color", "fillcolor", "bgcolor", "bordercolor", "linecolor", "gridcolor", "tickcolor", "zerolinecolor"}


def _colour_leaves(value, path: str = ""):
    """(path, value, is_text) of every colour a figure's JSON part sets: ``marker.line.color``, ``annotations[2].font.color``."""
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else key
            if key in COLOUR_KEYS or key == "colorscale":
                yield sub, item, any(part.endswith("font") for part in sub.split(".")[:-1])
            elif isinstance(item, (dict, list)):
                yield from _colour_leaves(item, sub)
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        for i, item in enumerate(value):
            yield from _colour_leaves(item, f"{path}[{i}]")


def _turned(value, text: bool):
    """A colour leaf on the dark page: one colour, a list of colours (per point) or a colour scale."""
    if isinstance(value, list):
        if value and all(isinstance(step, (list, tuple)) and len(step) == 2 for step in value):
            return [[position, dark_colour(c)] for position, c in value]
        return [dark_colour(c, text) for c in value]
    return dark_colour(value, text)


def mode_colours(fig: go.Figure) -> dict:
    """What changes when the figure is drawn on the dark page, and what it was on the light one.

    ``{"light": {"layout": {path: value}, "traces": [[index, path, value]]}, "dark": {...}}``, with the same
    paths in both: the colours the figure sets and those its template (``simple_white``) gives axes, text and
    bar outlines. Paths are plotly.js attribute strings (``Plotly.relayout``/``Plotly.restyle``).
    """
    spec = json.loads(json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder))
    layout = dict(spec.get("layout", {}))
    template = layout.pop("template", {}) or {}
    template_layout = template.get("layout", {})
    light: dict = {"layout": {}, "traces": []}
    dark: dict = {"layout": {}, "traces": []}

    def note_layout(path, value, text):
        turned = _turned(value, text)
        if turned != value:
            light["layout"][path], dark["layout"][path] = value, turned

    note_layout("font.color", layout.get("font", {}).get("color") or template_layout.get("font", {}).get("color"), True)
    for key in sorted({*filter(AXIS.match, layout), "xaxis", "yaxis"}):
        axis = layout.get(key, {})
        for attr in AXIS_COLOURS:
            note_layout(f"{key}.{attr}", axis.get(attr) or template_layout.get(key[:5], {}).get(attr), False)
    for path, value, text in _colour_leaves({k: v for k, v in layout.items() if k not in ("colorway",) and not AXIS.match(k)}):
        if path != "font.color":
            note_layout(path, value, text)
    for key in filter(AXIS.match, layout):
        for path, value, text in _colour_leaves(layout[key], key):
            if path.split(".", 1)[1] not in AXIS_COLOURS:
                note_layout(path, value, text)
    template_data = template.get("data", {})
    for index, trace in enumerate(spec.get("data", [])):
        leaves = dict(((p, (v, t)) for p, v, t in _colour_leaves(trace)))
        for default in template_data.get(trace.get("type", "scatter"), [{}])[:1]:
            for path, value, text in _colour_leaves(default):
                if path not in leaves and path.startswith("marker.line"):
                    leaves[path] = (value, text)
        for path, (value, text) in leaves.items():
            turned = _turned(value, text)
            if turned != value:
                light["traces"].append([index, path, value])
                dark["traces"].append([index, path, turned])
    return {"light": light, "dark": dark}


# ---------------------------------------------------------------- narrow boxes (phones)
# A figure in a box narrower than report-figures.js's NARROW_PX is redrawn with ``narrow_version``'s layout: the
# same traces, with the title and long category labels wrapped, smaller text and the legend under the plot.

NARROW_TITLE_CHARS = 30
NARROW_SUBPLOT_TITLE_CHARS = 16  # centred over a plot about half a phone wide (subplot and axis titles)
NARROW_LABEL_CHARS = 24  # a category label beside a horizontal bar
NARROW_TICK_CHARS = 12  # a category label under a vertical bar
LINE_PX = 17  # one line of a wrapped label at the narrow font size, with its share of the gap between labels


def wrap(text: str, width: int) -> str:
    """Plotly text broken into lines of at most ``width`` characters (``<br>``; text already escaped)."""
    lines = []
    for part in str(text).split("<br>"):
        lines += textwrap.wrap(part, width, break_long_words=False) or [part]
    return "<br>".join(lines)


def _categories(values) -> list[str]:
    return [v for v in values if isinstance(v, str)] if values is not None else []


def _room_for_subplot_titles(fig: go.Figure, titles) -> None:
    """Each subplot title wrapped to more than one line gets the room it needs: the top of the plot under it (the
    y axis whose domain ends where the title stands) is lowered by its extra lines, and the title with it."""
    height = fig.layout.height or 450
    axes = [key for key in fig.layout.to_plotly_json() if AXIS.match(key) and key.startswith("y")]
    for title in titles:
        extra = title.text.count("<br>") * LINE_PX / height
        for key in axes:
            domain = fig.layout[key].domain
            if extra and domain and abs(domain[1] - title.y) < 1e-6:
                fig.layout[key].domain = [domain[0], max(domain[0] + 0.05, domain[1] - extra)]
                title.y = fig.layout[key].domain[1]


def narrow_version(fig: go.Figure) -> go.Figure:
    """``fig`` (or its own arrangement for a narrow box) with what a phone needs in every figure: the title and
    long category labels wrapped (and the figure as tall as the wrapped labels need), smaller text, the title at
    the top of the figure and the legend at its foot, clear of the plot."""
    narrow = go.Figure(fig)
    title = wrap(narrow.layout.title.text or "", NARROW_TITLE_CHARS)
    lines = title.count("<br>") + 1 if title else 0
    narrow.update_layout(
        title={"text": title or None, "font": {"size": 15}, "yref": "container", "y": 1, "yanchor": "top"},
        font_size=12,
        margin={"l": 8, "r": 8, "t": 30 + 20 * lines},
    )
    for key in narrow.layout.to_plotly_json():  # axis titles
        if AXIS.match(key) and narrow.layout[key].title.text:
            narrow.layout[key].title.text = wrap(narrow.layout[key].title.text, NARROW_SUBPLOT_TITLE_CHARS)
    subplot_titles = [a for a in narrow.layout.annotations if a.text and a.yref == "paper" and not a.showarrow]
    for annotation in subplot_titles:
        annotation.text = wrap(annotation.text, NARROW_SUBPLOT_TITLE_CHARS)
    if narrow.layout.showlegend is not False and any(trace.showlegend is not False and trace.name for trace in narrow.data):
        narrow.update_layout(
            legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yanchor": "bottom", "yref": "container"},
            margin_b=(narrow.layout.margin.b or 60) + 60,
        )
    categories: dict[tuple[str, bool], dict[str, None]] = {}  # (axis, beside horizontal bars) -> its categories
    for trace in narrow.data:
        horizontal = trace.orientation == "h" or (trace.type == "scatter" and _categories(trace.y) and not _categories(trace.x))
        letter = "y" if horizontal else "x"
        axis = f"{letter}axis" + ((trace.yaxis if horizontal else trace.xaxis) or letter)[1:]
        categories.setdefault((axis, bool(horizontal)), {}).update(dict.fromkeys(_categories(trace.y if horizontal else trace.x)))
    needed = {}  # y axis -> px its wrapped category labels need
    for (axis, horizontal), found in categories.items():
        width = NARROW_LABEL_CHARS if horizontal else NARROW_TICK_CHARS
        if not found or max(len(c) for c in found) <= width:
            continue
        wrapped = [wrap(c, width) for c in found]
        narrow.layout[axis].update(tickmode="array", tickvals=list(found), ticktext=wrapped)
        if horizontal:
            needed[axis] = sum(LINE_PX * (w.count("<br>") + 1) + 8 for w in wrapped)
    if needed:
        margins = (narrow.layout.margin.t or 0) + (narrow.layout.margin.b or 0)
        share = {axis: (narrow.layout[axis].domain or (0, 1))[1] - (narrow.layout[axis].domain or (0, 1))[0] for axis in needed}
        plot = max(needed[axis] / share[axis] for axis in needed)
        # Slack for what automargin adds (wrapped axis titles, the legend's rows) out of the plot's height.
        narrow.update_layout(height=max(narrow.layout.height or 450, round(plot + margins + 140)))
    _room_for_subplot_titles(narrow, subplot_titles)
    if title:  # its first line a little below the top of the figure
        narrow.layout.title.y = 1 - 16 / (narrow.layout.height or 450)
    return narrow


def stacked(fig: go.Figure, height: int, gap: float = 0.16) -> go.Figure:
    """A figure of subplots side by side (``make_subplots(rows=1, cols=n)``) rearranged one under another, each
    with its own tick labels, its title (the first n annotations) above it: the same traces, another layout."""
    narrow = go.Figure(fig)
    count = sum(1 for key in narrow.layout.to_plotly_json() if AXIS.match(key) and key.startswith("x"))
    share = (1 - gap * (count - 1)) / count
    for index in range(count):
        suffix = str(index + 1) if index else ""
        top = 1 - index * (share + gap)
        narrow.layout[f"xaxis{suffix}"].domain = [0, 1]
        narrow.layout[f"yaxis{suffix}"].update(domain=[top - share, top], showticklabels=True)
        if index < len(narrow.layout.annotations):
            narrow.layout.annotations[index].update(x=0.5, y=top)
    narrow.update_layout(height=height)
    return narrow
