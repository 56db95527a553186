"""The files an edition is published as besides its site: a PDF of the book and a data package.

One place names them, so ``release`` (which records them), ``publish`` (which writes them beside each edition's
site), the pages that link them and ``.zenodo.json`` (which lists them) agree. Each is written from an edition's
own tree (``base``: a checkout or a ``git archive`` export with ``data/``, ``bib/``, ``CITATION.cff`` and
``releases/``) and, for the PDF, from that tree's built site:

- ``helpers.release.pdf.write_pdf(site, out, base) -> dict``: the book printed by the local chromium;
- ``helpers.release.datapackage.write_package(base, out) -> dict``: a Frictionless data package (zip).

Each returns what a release record keeps about the file (its name, size, checksum and what it holds).
"""

from __future__ import annotations

# The folder beside an edition's pages (``_build/site/vX.Y.Z/downloads/``) that holds its artefacts.
DOWNLOADS = "downloads"
STEM = "living-evidence-report"


def edition_label(version: str | None) -> str:
    """``v1.2.0`` for a release; ``unreleased`` for a snapshot of data no release holds yet."""
    return f"v{version}" if version else "unreleased"


def pdf_name(version: str | None) -> str:
    return f"{STEM}-{edition_label(version)}.pdf"


def data_package_name(version: str | None) -> str:
    return f"{STEM}-{edition_label(version)}-data.zip"
