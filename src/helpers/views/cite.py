"""Cite blocks: the landing page's "cite this version" and each figure's "Cite this figure".

The data fingerprint is left as :data:`helpers.data.citation.FINGERPRINT_SLOT` and the page address as
:data:`PAGE_PLACEHOLDER`; the Sphinx extension fills both in as each page is written.
"""

from __future__ import annotations

from pathlib import Path

from IPython.display import HTML

from helpers.data.citation import FINGERPRINT_SLOT, _join_names, load_edition
from helpers.views.html import esc, link


def cite_this_version(base: Path | None = None) -> HTML:
    """The landing page's "cite this version" block: formatted reference, BibTeX and DOI (when set)."""
    edition = load_edition(base)
    if edition.doi:
        doi = f"<p>DOI: {link('doi:' + edition.doi, 'https://doi.org/' + edition.doi)}</p>"
    else:
        doi = "<p>No DOI has been registered for this edition yet; cite it by its version number.</p>"
    markup = (
        '<div class="report-cite-this" id="report-cite-version">'
        f'<p>You are reading <strong>edition <span class="report-cite-version">{esc(edition.version)}</span></strong>, '
        f'released <span class="report-cite-date">{esc(edition.date_released)}</span> (data fingerprint '
        f'<code class="report-cite-fingerprint">{FINGERPRINT_SLOT}</code>).</p>'
        f'<p class="report-cite-reference">{esc(edition.reference(FINGERPRINT_SLOT))}</p>'
        f"{doi}"
        '<details class="report-cite-bibtex"><summary>BibTeX</summary>'
        f"<pre>{esc(edition.bibtex(FINGERPRINT_SLOT))}</pre></details></div>"
    )
    return HTML(markup)


# Placeholder a figure's citation leaves for the page (title and address), filled in by helpers.sphinxext.
PAGE_PLACEHOLDER = '<span class="report-cite-page" data-anchor="{anchor}"></span>'


def figure_citation(figure_title: str, anchor: str, base: Path | None = None) -> str:
    """A "Cite this figure" disclosure naming the edition the figure (and its downloadable data) belong to."""
    edition = load_edition(base)
    reference = (
        f"{esc(_join_names(edition.authors))} ({esc(edition.year)}). Figure: {esc(figure_title)}. In "
        f"<em>{esc(edition.title)}</em>, edition {esc(edition.version)} (released {esc(edition.date_released)}; "
        f"data fingerprint {FINGERPRINT_SLOT}), "
    )
    return (
        '<details class="report-figure-cite"><summary>Cite this figure</summary>'
        f'<p class="report-figure-reference">{reference}{PAGE_PLACEHOLDER.format(anchor=esc(anchor))}</p>'
        f'<p class="report-figure-edition">Figure and data (CSV) from edition <strong>{esc(edition.version)}</strong>.</p>'
        "</details>"
    )
