"""How a view names and links an evidence source: its author-year label and the link to its bibliography entry."""

from __future__ import annotations

import pandas as pd

from helpers.data import bib
from helpers.views.html import esc
from helpers.views.places import cite_href


def citation_text(entry: pd.Series) -> str:
    """Author-year text for a BibTeX entry, e.g. 'Griffiths et al. 2012': the bibliography's own label rule."""
    families = bib.family_names(entry["author"] or entry.get("editor", ""))
    return bib.author_year(families, entry["year"], bib.no_author(entry.get("organization"), entry["title"]))


def cite_link(bibkey: str, bibliography: pd.DataFrame, with_title: bool = True) -> str:
    """A link to the source's entry on the bibliography page (ids set by ``bibtex_cite_id``).

    ``bibliography`` is indexed by BibTeX key. ``with_title`` adds the work's title as a tooltip (a
    table that shows the title in its own column does without).
    """
    entry = bibliography.loc[bibkey]
    title = esc(entry["title"].replace("{", "").replace("}", ""), quote=True)
    tooltip = f' title="{title}"' if with_title else ""
    return f'<a class="report-cite" href="{esc(cite_href(bibkey))}"{tooltip}>{esc(citation_text(entry))}</a>'
