"""Text made safe for HTML, and the one rule for the ids and anchors the helpers make.

Every view escapes through :func:`esc`; every id or anchor a helper makes (a CMO card, a figure, an audit
table, a table of reported values) is :func:`slug` of its name, so a link and its target cannot disagree.
The JSON islands that carry long tables are :func:`helpers.views.tables._json_island`.
"""

from __future__ import annotations

import html
import re

esc = html.escape


def slug(text: str) -> str:
    """An id or anchor from a name: lower case, every run of other characters than a-z and 0-9 one hyphen.

    'CMO-2024-07.1' -> 'cmo-2024-07-1'; 'Results > Participants' -> 'results-participants'.
    """
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
