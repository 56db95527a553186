"""``.zenodo.json``, derived from ``CITATION.cff`` (and the two papers' DOIs from the bibliography).

Written by ``python -m helpers citation`` and by ``release``; a test keeps the committed file in agreement.
It names the edition's two downloads (``helpers.release.artifacts``) in its notes and, where CITATION.cff gives
the published site's ``url``, links them as related identifiers: the PDF as a variant form of the deposit
(``isVariantFormOf``), the data package as its supplement (``isSupplementedBy``), both by URL.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers.data import bib
from helpers.data.citation import SOURCE_PAPERS, _author_name, load_edition, read_citation
from helpers.data.paths import DATASETS, root
from helpers.release import artifacts, downloads

ZENODO_FILE = ".zenodo.json"


def zenodo_metadata(base: Path | None = None) -> dict:
    """``.zenodo.json`` derived from ``CITATION.cff`` (and the two papers' DOIs from the bibliography)."""
    base = base or root()
    edition = load_edition(base)
    content = read_citation(base)
    creators = []
    for author in content["authors"]:
        creator = {"name": _author_name(author)}
        if author.get("orcid"):
            creator["orcid"] = str(author["orcid"]).rsplit("/", 1)[-1]
        if author.get("affiliation"):
            creator["affiliation"] = author["affiliation"]
        creators.append(creator)
    papers = bib.load_bibliography(base / DATASETS["bibliography"]).set_index("bibkey")
    related = [
        {
            "identifier": papers.loc[key, "doi"],
            "relation": "isDerivedFrom",
            "scheme": "doi",
            "resource_type": "publication-article",
        }
        for key in SOURCE_PAPERS
        if key in papers.index and papers.loc[key, "doi"]
    ]
    pdf, package = artifacts.pdf_name(edition.version), artifacts.data_package_name(edition.version)
    if edition.url:
        folder = f"{edition.url.rstrip('/')}/{edition.tag}/{artifacts.DOWNLOADS}"
        related += [
            {"identifier": f"{folder}/{name}", "relation": relation, "scheme": "url", "resource_type": kind}
            for name, relation, kind in ((pdf, "isVariantFormOf", "publication-report"), (package, "isSupplementedBy", "dataset"))
        ]
    notes = (
        f"Edition {edition.version} is also published as a PDF of the book ({pdf}) and as a Frictionless data package "
        f"of its data ({package}), each with its SHA-256 checksum in {downloads.SUMS}, beside the edition's pages. "
        "Metadata generated from CITATION.cff by `python -m helpers citation`."
    )
    metadata = {
        "title": edition.title,
        "version": edition.version,
        "publication_date": edition.date_released,
        "upload_type": "publication",
        "publication_type": "report",
        "description": " ".join((edition.abstract or edition.title).split()),
        "creators": creators,
        "access_right": "open",
        "license": (edition.license or "").lower() or None,
        "keywords": list(edition.keywords),
        "related_identifiers": related,
        "notes": notes,
    }
    if edition.doi:
        metadata["doi"] = edition.doi
    return {key: value for key, value in metadata.items() if value not in (None, [], "")}


def zenodo_text(base: Path | None = None) -> str:
    return json.dumps(zenodo_metadata(base), indent=2, ensure_ascii=False) + "\n"
