"""Cite blocks: the landing page's "cite this version" and each figure's "Cite this figure".

The released edition's block ends with the slot ``publish`` fills with the edition's downloads (PDF, data
package; :func:`helpers.release.downloads.slot`): empty in a plain build, so it links nothing that is not there.

The data fingerprint is left as :data:`helpers.data.citation.FINGERPRINT_SLOT`, the date of an unreleased
snapshot as :data:`helpers.data.releases.SNAPSHOT_DATE_SLOT` and the page address as :data:`PAGE_PLACEHOLDER`;
the Sphinx extension fills them in as each page is written. Each block is written in both edition states
(:func:`helpers.data.releases.only_when`): the newest release's data (cite that edition), or data changed since
(cite the released edition, or this snapshot by fingerprint and date). The extension keeps the one that holds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from IPython.display import HTML

from helpers.data.citation import FINGERPRINT_SLOT, Edition, _join_names, load_edition
from helpers.data.places import load_places
from helpers.data.releases import RELEASED, SNAPSHOT_DATE_SLOT, UNRELEASED, load_records, only_when
from helpers.release.downloads import slot as downloads_slot
from helpers.views.html import esc, link
from helpers.views.places import place_href


def _newest_release(edition: Edition) -> dict | None:
    records = load_records(edition.base)
    return records[0] if records else None


def _released_edition(edition: Edition, newest: dict) -> Edition:
    """The newest release as CITATION.cff's edition with that release's version and date."""
    return dataclasses.replace(edition, version=newest["version"], date_released=newest["date"])


def snapshot_reference(edition: Edition, newest: dict | None) -> str:
    """A plain-text reference for the data as built now, by fingerprint and date (slots filled by the extension)."""
    after = f"unreleased changes since edition {newest['version']}" if newest else "unreleased draft, no edition released yet"
    reference = (
        f"{_join_names(edition.authors)}. {edition.title} ({after}; data fingerprint {FINGERPRINT_SLOT}, "
        f"snapshot of {SNAPSHOT_DATE_SLOT})."
    )
    return f"{reference} {edition.repository}" if edition.repository else reference


def snapshot_bibtex(edition: Edition, newest: dict | None) -> str:
    after = f"Unreleased changes since edition {newest['version']}" if newest else "Unreleased draft"
    authors = " and ".join(f"{{{name}}}" if " " in name and "," not in name else name for name in edition.authors)
    fields = [
        ("author", authors),
        ("title", f"{{{edition.title}}}"),
        ("date", SNAPSHOT_DATE_SLOT),
        ("note", f"{after}, data fingerprint {FINGERPRINT_SLOT}, snapshot of {SNAPSHOT_DATE_SLOT}"),
    ]
    if edition.repository:
        fields.append(("url", edition.repository))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{living_evidence_report_snapshot_{FINGERPRINT_SLOT},\n{body}\n}}"


def _changelog_link() -> str:
    if "changelog" not in load_places().named:
        return "the changelog"
    return f'<a href="{esc(place_href("changelog"))}">what changed</a>'


def cite_this_version(base: Path | None = None) -> HTML:
    """The landing page's "cite this version" block: formatted reference, BibTeX and DOI (when set)."""
    edition = load_edition(base)
    newest = _newest_release(edition)
    released = _released_edition(edition, newest) if newest else edition
    if released.doi:
        doi = f"<p>DOI: {link('https://doi.org/' + released.doi, 'https://doi.org/' + released.doi)}</p>"
    else:
        doi = "<p>No DOI has been registered for this edition yet; cite it by its version number.</p>"
    released_block = (
        f'<p>You are reading <strong>edition <span class="report-cite-version">{esc(released.version)}</span></strong>, '
        f'released <span class="report-cite-date">{esc(released.date_released)}</span> (data fingerprint '
        f'<code class="report-cite-fingerprint">{FINGERPRINT_SLOT}</code>).</p>'
        f'<p class="report-cite-reference">{esc(released.reference(FINGERPRINT_SLOT))}</p>'
        f"{doi}"
        '<details class="report-cite-bibtex"><summary>BibTeX</summary>'
        f"<pre>{esc(released.bibtex(FINGERPRINT_SLOT))}</pre></details>"
        f"{downloads_slot(released.tag)}"
    )
    snapshot = (
        f'<p class="report-cite-snapshot">{esc(snapshot_reference(edition, newest))}</p>'
        '<details class="report-cite-bibtex"><summary>BibTeX of this snapshot</summary>'
        f"<pre>{esc(snapshot_bibtex(edition, newest))}</pre></details>"
    )
    if newest:
        unreleased_block = (
            f'<p class="report-cite-unreleased">You are reading <strong>unreleased changes since edition '
            f'<span class="report-cite-since">{esc(newest["version"])}</span></strong>: these data (fingerprint '
            f'<code class="report-cite-fingerprint">{FINGERPRINT_SLOT}</code>, snapshot of {SNAPSHOT_DATE_SLOT}) are '
            f"not those of any released edition; {_changelog_link()} lists the changes.</p>"
            f"<p>Cite the released edition {esc(newest['version'])} (released {esc(newest['date'])}), which does not "
            "hold these changes:</p>"
            f'<p class="report-cite-reference">{esc(released.reference(newest["data_fingerprint"]))}</p>'
            f"{doi}"
            '<details class="report-cite-bibtex"><summary>BibTeX</summary>'
            f"<pre>{esc(released.bibtex(newest['data_fingerprint']))}</pre></details>"
            f"<p>or cite this snapshot, by its data fingerprint and date:</p>{snapshot}"
        )
    else:
        unreleased_block = (
            '<p class="report-cite-unreleased">You are reading <strong>an unreleased draft</strong>: no edition has '
            f"been released yet. Cite this snapshot by its data fingerprint and date:</p>{snapshot}"
        )
    markup = (
        '<div class="report-cite-this" id="report-cite-version">'
        f"{only_when(RELEASED, released_block)}{only_when(UNRELEASED, unreleased_block)}</div>"
    )
    return HTML(markup)


# Placeholder a figure's citation leaves for the page (title and address), filled in by helpers.sphinxext.
PAGE_PLACEHOLDER = '<span class="report-cite-page" data-anchor="{anchor}"></span>'


def figure_citation(figure_title: str, anchor: str, base: Path | None = None) -> str:
    """A "Cite this figure" disclosure naming the edition the figure (and its downloadable data) belong to."""
    edition = load_edition(base)
    newest = _newest_release(edition)
    released = _released_edition(edition, newest) if newest else edition
    since = f"unreleased changes since edition {esc(newest['version'])}" if newest else "an unreleased draft"
    where = {
        RELEASED: (
            f"edition {esc(released.version)} (released {esc(released.date_released)}; data fingerprint {FINGERPRINT_SLOT})"
        ),
        UNRELEASED: f"{since} (data fingerprint {FINGERPRINT_SLOT}, snapshot of {SNAPSHOT_DATE_SLOT})",
    }
    source = {
        RELEASED: f"Figure and data (CSV) from edition <strong>{esc(released.version)}</strong>.",
        UNRELEASED: f"Figure and data (CSV) from {since}, not from a released edition.",
    }
    reference = (
        f"{esc(_join_names(edition.authors))} ({esc(released.year)}). Figure: {esc(figure_title)}. In "
        f"<em>{esc(edition.title)}</em>, {''.join(only_when(kind, text) for kind, text in where.items())}, "
    )
    return (
        '<details class="report-figure-cite"><summary>Cite this figure</summary>'
        f'<p class="report-figure-reference">{reference}{PAGE_PLACEHOLDER.format(anchor=esc(anchor))}</p>'
        f'<p class="report-figure-edition">{"".join(only_when(kind, text) for kind, text in source.items())}</p>'
        "</details>"
    )
