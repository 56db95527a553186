"""One author-year rule (``helpers.data.bib.author_year``) for the bibliography's labels and the in-text citations;
JSON islands that cannot break out of their script element."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.data import bib


@pytest.mark.parametrize(
    ("families", "year", "label"),
    [
        (["Smith"], 2021, "Smith 2021"),
        (["Smith", "Jones"], "2021", "Smith and Jones 2021"),
        (["Smith", "Jones", "Brown"], 2021, "Smith et al. 2021"),
        (["Smith", "others"], 2021, "Smith et al. 2021"),
        (["Smith", "Jones", "others"], 2021, "Smith et al. 2021"),
        (["van Dijk"], 2019, "van Dijk 2019"),
        (["{World Health Organization}"], 2020, "World Health Organization 2020"),
        ([], 2020, "Anonymous 2020"),
        (["Smith"], None, "Smith n.d."),
        (["Smith"], pd.NA, "Smith n.d."),
        (["Smith"], "", "Smith n.d."),
    ],
)
def test_author_year(families, year, label):
    assert bib.author_year(families, year) == label


def test_family_names_read_as_pybtex_reads_them():
    assert bib.family_names("Ali, K. and Farrer, L. and others") == ["Ali", "Farrer", "others"]
    assert bib.family_names("Figueras Bates, C. and Ludwig van Beethoven") == ["Figueras Bates", "van Beethoven"]
    assert bib.family_names("Brothers, A.") == ["Brothers"]  # a name containing "others" is one author
    assert bib.family_names("{World Health Organization}") == ["{World Health Organization}"]
    assert bib.family_names("") == []


def test_no_author_is_the_organisation_or_the_title():
    assert bib.no_author("NHS England", "A plan. Subtitle") == "NHS England"
    assert bib.no_author("", "r/depression stats. More") == "r/depression stats"
    assert bib.no_author(None, None) == "Anonymous"


def test_every_citation_in_the_text_reads_as_its_bibliography_label():
    """For every entry of the report's BibTeX: the in-text text (views) is the bibliography's label (sphinxext)."""
    import pybtex.database

    from helpers.data.paths import dataset_path
    from helpers.sphinxext.bibliography import _author_year_label
    from helpers.views.tables import citation_text

    entries = pybtex.database.parse_file(str(dataset_path("bibliography"))).entries
    frame = bib.load_bibliography().set_index("bibkey")
    differ = {key: (citation_text(frame.loc[key]), _author_year_label(e)) for key, e in entries.items()}
    differ = {key: pair for key, pair in differ.items() if pair[0] != pair[1]}
    assert not differ, differ
    assert len(entries) == len(frame)


def test_json_island_cannot_close_its_script():
    from helpers.views.html import json_island

    value = {"strings": ["</script><script>alert(1)</script>", "D'Alfonso & <b>", "Ekström"], "rows": [[0, 1, 2]]}
    island = json_island(value)
    assert not set("<>&'") & set(island), island
    assert "Ekström" in island  # not ASCII-escaped: smaller pages
    assert json.loads(island) == value
