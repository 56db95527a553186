"""``.zenodo.json``, derived from ``CITATION.cff`` (and the two papers' DOIs from the bibliography).

Written by ``python -m helpers citation`` and by ``release``; a test keeps the committed file in agreement.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers.data import bib
from helpers.data.citation import SOURCE_PAPERS, _author_name, load_edition, read_citation
from helpers.data.paths import DATASETS, root

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
        "notes": "Metadata generated from CITATION.cff by `python -m helpers citation`.",
    }
    if edition.doi:
        metadata["doi"] = edition.doi
    return {key: value for key, value in metadata.items() if value not in (None, [], "")}


def zenodo_text(base: Path | None = None) -> str:
    return json.dumps(zenodo_metadata(base), indent=2, ensure_ascii=False) + "\n"
