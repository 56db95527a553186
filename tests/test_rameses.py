"""The RAMESES page: every item of both standards has a numbered row, and each row says where the book covers it,
or says plainly that it does not (or that the item could not be verified)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

# Item titles as printed in RAMESES II, Table 1 (the items the stored copy of the standard shows).
VERIFIED_EVALUATION_TITLES = {
    2: "Summary or abstract",
    3: "Rationale for evaluation",
    4: "Programme theory",
    5: "Evaluation questions, objectives and focus",
    6: "Ethical approval",
    7: "Rationale for using realist evaluation",
}
# What a "where" cell without a link must say instead.
EXPLICIT_GAP = re.compile(r"Not covered in this book|Reported in the paper, not reproduced here|Not mapped: item not verified")


def rows(site: Path, table_id: str) -> list[dict]:
    soup = BeautifulSoup((site / "chapters" / "rameses.html").read_text(encoding="utf-8"), "html.parser")
    table = soup.find("table", id=table_id)
    assert table is not None, f"no table #{table_id} on the RAMESES page"
    found = []
    for tr in table.find("tbody").find_all("tr"):
        number, item, where, how = tr.find_all("td")
        found.append(
            {
                "number": number.get_text(strip=True),
                "item": re.sub(r"\s+", " ", item.get_text(" ", strip=True)),
                "where": re.sub(r"\s+", " ", where.get_text(" ", strip=True)),
                "links": [a["href"] for a in where.find_all("a")],
                "how": re.sub(r"\s+", " ", how.get_text(" ", strip=True)),
            }
        )
    return found


@pytest.mark.parametrize(("table_id", "count"), [("rameses-synthesis-items", 19), ("rameses-evaluation-items", 20)])
def test_every_item_has_a_numbered_row_and_a_where_cell(built_site, table_id, count):
    table = rows(built_site, table_id)
    assert [row["number"] for row in table] == [str(n) for n in range(1, count + 1)]
    for row in table:
        internal = [href for href in row["links"] if not href.startswith(("http:", "https:", "//"))]
        assert internal or EXPLICIT_GAP.fullmatch(row["where"]), (table_id, row)
        if "Not verified" in row["item"]:
            # An item whose title could not be checked cannot be claimed as covered.
            assert not row["links"] and row["where"] == "Not mapped: item not verified", (table_id, row)


def test_verified_evaluation_items_are_printed_as_published_and_mapped(built_site):
    table = {int(row["number"]): row for row in rows(built_site, "rameses-evaluation-items")}
    assert "identify the document as a realist evaluation" in table[1]["item"]
    for number, title in VERIFIED_EVALUATION_TITLES.items():
        assert table[number]["item"] == title
    assert "Describe the environment in which the evaluation took place" in table[8]["item"]
    assert [n for n, row in table.items() if "Not verified" not in row["item"]] == list(range(1, 9))
    # The initial programme theories are on the page that shows Textbox 1; the overall one on its own page.
    assert table[4]["links"] == ["theory-changes.html#the-five-initial-theories-textbox-1", "programme-theory.html"]
    assert table[6]["where"] == "Reported in the paper, not reproduced here"


def test_the_page_says_which_lists_could_not_be_verified_and_cites_both_standards(built_site):
    markup = (built_site / "chapters" / "rameses.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", BeautifulSoup(markup, "html.parser").get_text(" "))
    assert "Items 9 to 20 could not be verified" in text
    assert "The list of 19 items could not be verified" in text
    for key in ("wong2013rameses", "wong2016rameses"):
        assert f'href="bibliography.html#cite-{key}"' in markup


def test_paper_sections_named_on_the_page_exist_in_the_2025_paper(built_site, papers):
    """Every '2025 paper, "Section"' the page sends a reader to is a heading of that paper."""
    named = set()
    for row in rows(built_site, "rameses-evaluation-items"):
        named |= set(re.findall(r"2025 paper, “([^”]+)”", row["how"]))
    assert {"Abstract", "Background", "Objectives", "Ethical Considerations", "Study Approach"} <= named
    for section in named:
        assert re.search(rf"^#+ \**{re.escape(section)}\**\s*$", papers[2025], re.M), section
