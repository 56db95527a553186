"""The one map from places to links: ``page.html#anchor`` for a named place, a CMO card, a source's
bibliography entry, a theory area's chapter or a reported value, from the places the book declares in
``chapters/places.yml`` (:mod:`helpers.data.places`). No other module writes a chapter's name or an anchor.

Links are relative to the folder of the chapters (every page that links is one of them).
"""

from __future__ import annotations

import pandas as pd

from helpers.data import loaders as data
from helpers.data.places import Place, load_places
from helpers.views.html import slug


def link(place: Place) -> str:
    """A place as a link from another chapter: 'page.html' or 'page.html#anchor'."""
    return f"{place.page}.html" + (f"#{place.anchor}" if place.anchor else "")


def place_href(name: str) -> str:
    """A named place of chapters/places.yml (its ``places``), e.g. 'textbox-1'."""
    return link(load_places().named[name])


def cite_href(bibkey: str) -> str:
    """The entry of a source on the bibliography page."""
    return link(load_places().source_entry(bibkey))


def theory_area_href(study: int, number: int) -> str:
    """The chapter of a theory area of a study."""
    return link(load_places().theory_area(study, number))


def study_name(study: int) -> str:
    """'2024 realist synthesis' for 2024: the name the book gives a study."""
    return load_places().study_name(study)


def cmo_anchor(cmo_id: str) -> str:
    """'CMO-2024-07.1' -> 'cmo-2024-07-1' (the id of its card, which a reader links to)."""
    return slug(cmo_id)


def cmo_href(cmo: pd.Series) -> str:
    """Link to the card of a CMO on its home page."""
    page = load_places().cmo_card(int(cmo["study"]), cmo["kind"], int(cmo["theory_area_number"]))
    return f"{link(page)}#{cmo_anchor(cmo['cmo_id'])}"


def cmo_evidence_anchor(cmo_id: str) -> str:
    """The id of the evidence panel on a 2024 card: its card's anchor and '-evidence'."""
    return f"{cmo_anchor(cmo_id)}-evidence"


def cmo_evidence_href(cmo: pd.Series) -> str:
    """Link to the evidence panel on the card of a CMO."""
    page = load_places().cmo_card(int(cmo["study"]), cmo["kind"], int(cmo["theory_area_number"]))
    return f"{link(page)}#{cmo_evidence_anchor(cmo['cmo_id'])}"


def value_href(value_id: str) -> str:
    """Where the book shows a reported value (data/reported_values.csv)."""
    values = data.load_reported_values().set_index("value_id")
    row = values.loc[value_id]
    return link(load_places().value_place(int(row["paper"]), row["domain"], row["section"]))


def kind(place: str) -> str:
    """What a place the audit names is: 'place' (named in chapters/places.yml), 'value' (a value_id of
    data/reported_values.csv) or 'source' (a BibTeX key), looked up in that order."""
    if place in load_places().named:
        return "place"
    if place in set(data.load_reported_values()["value_id"]):
        return "value"
    return "source"


def href(place: str) -> str:
    """The link of a place as the audit names it (:attr:`helpers.audit.checks.Check.place`)."""
    return {"place": place_href, "value": value_href, "source": cite_href}[kind(place)](place)
