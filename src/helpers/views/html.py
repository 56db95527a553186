"""Output encoded for its context, in one place: HTML text, links from data, and CSV downloads.

Every view escapes through :func:`esc`; every link whose address comes from data or BibTeX goes through
:func:`link` (the scheme allow-list of :mod:`helpers.data.urls`: anything but http, https and doi is shown
as text); every "Download the data (CSV)" a page offers is made by :func:`csv_download_href`, which
neutralises spreadsheet formulas (:func:`csv_safe_cell`). Every id or anchor a helper makes (a CMO card, a
figure, an audit table, a table of reported values) is :func:`slug` of its name, so a link and its target
cannot disagree. The JSON islands that carry long tables are :func:`json_island`.
"""

from __future__ import annotations

import base64
import html
import re

import pandas as pd
from jinja2.utils import htmlsafe_json_dumps

from helpers.data.urls import link_target

esc = html.escape


def slug(text: str) -> str:
    """An id or anchor from a name: lower case, every run of other characters than a-z and 0-9 one hyphen.

    'CMO-2024-07.1' -> 'cmo-2024-07-1'; 'Results > Participants' -> 'results-participants'.
    """
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def link(url: str, text: str | None = None, **attributes: str) -> str:
    """``<a href>`` to ``url`` when its scheme is allowed (http, https, doi), else ``text`` (or the URL) as text.

    ``attributes`` are added to the link, escaped (``class_`` for ``class``).
    """
    shown = esc(str(url if text is None else text))
    target = link_target(url)
    if target is None:
        return f'<span class="report-unlinked-url">{shown}</span>'
    extra = "".join(f' {name.rstrip("_")}="{esc(str(value))}"' for name, value in attributes.items())
    return f'<a href="{esc(target)}"{extra}>{shown}</a>'


# --------------------------------------------------------------------------- CSV downloads

# A cell a spreadsheet program would read as a formula (OWASP "CSV injection"): it starts with one of these,
# fullwidth forms included (some programs fold them to the ASCII ones). Such a cell gets a leading "'",
# which spreadsheet programs read as "text follows" and hide.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A cell that is a plain number ('-0.12', '+3', '1e-5') is left as it is: no spreadsheet runs it, and a
# negative number must stay a number.
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


def csv_safe_cell(value: object) -> object:
    """``value`` as a download may hold it: text that would start a formula gets a leading ``'``.

    Numbers (int, float, a numeric column's missing value) pass unchanged, and so does text that is a
    plain number; only text is ever changed.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as spreadsheet formulas."""
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column])):
            safe[column] = safe[column].map(csv_safe_cell)
    safe.columns = [csv_safe_cell(str(c)) for c in safe.columns]
    return safe


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV a reader downloads: formulas neutralised (:func:`csv_safe`), no index, lines ended CRLF (RFC 4180;
    with both characters as the line end, a cell holding either is quoted, so it cannot split a row)."""
    return csv_safe(frame).to_csv(index=False, lineterminator="\r\n")


def csv_download_href(frame: pd.DataFrame) -> str:
    """A ``data:`` URL of :func:`csv_text`, for ``<a download href=...>``: every CSV download of the site."""
    encoded = base64.b64encode(csv_text(frame).encode("utf-8")).decode("ascii")
    return "data:text/csv;charset=utf-8;base64," + encoded


def json_island(value) -> str:
    """JSON for a ``<script type="application/json">``: nothing in it can close the script or open markup
    (jinja2's ``htmlsafe_json_dumps`` writes ``<``, ``>``, ``&`` and ``'`` as JSON escapes)."""
    return str(htmlsafe_json_dumps(value, ensure_ascii=False, separators=(",", ":")))
