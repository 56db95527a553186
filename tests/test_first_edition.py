"""The first edition's own facts (42 sources, the CMOs per theory area, the reference lists...) are pinned in its
release record, ``releases/v1.0.0.json`` ("holds"), never as literals in tests. This compares that record with
the rows of the first edition that the data still hold (every row whose provenance is not 'added ...': rows
transcribed from the papers, and those reworded or corrected since), and with the papers themselves.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from conftest import REPO
from helpers.data import bib, provenance
from helpers.data import loaders as data


@pytest.fixture(scope="module")
def holds() -> dict:
    record = json.loads((REPO / "releases" / "v1.0.0.json").read_text(encoding="utf-8"))
    return record["holds"]


def first_edition_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that were in the first edition: all but those a contributor added later."""
    added = frame[provenance.COLUMN].map(lambda v: (later := provenance.parse(v)) is not None and later.change == "added")
    return frame[~added]


def by_number(series: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in series.items()}


def test_the_record_matches_the_first_editions_rows(holds):
    sources = first_edition_rows(data.load_sources())
    cmos = first_edition_rows(data.load_cmos())
    synthesis = cmos[cmos["kind"] == "synthesis"]
    implications = first_edition_rows(data.load_design_implications())
    values = data.load_reported_values().set_index("value_id")
    assert len(sources) == holds["sources"]
    assert int(values.loc["s24.sources.included.n", "value"]) == holds["included_sources_2024"]
    assert by_number(synthesis.groupby("theory_area_number").size()) == holds["cmos_2024_by_theory_area"]
    names = synthesis.groupby("theory_area_number")["theory_area"].first()
    assert {str(k): v for k, v in names.items()} == holds["theory_areas_2024"]
    assert by_number(cmos[cmos["study"] == 2025].groupby("kind").size()) == holds["cmos_2025_by_kind"]
    assert by_number(implications.groupby("theory_area_number").size()) == holds["design_implications_by_theory_area"]
    assert by_number(data.load_reference_map().groupby("paper").size()) == holds["references"]
    bibliography = bib.load_bibliography()
    assert (bibliography["provenance"] == provenance.FROM_PAPER).sum() == holds["bibliography_entries"]


def _reference_list(text: str, heading: str) -> list[int]:
    """The numbers of the references listed under ``heading`` (lines such as '12. Author A. Title...')."""
    start = re.search(rf"(?m)^{heading}\s*$", text)
    assert start, heading
    return [int(n) for n in re.findall(r"(?m)^(\d+)\. \S", text[start.end() :])]


def _table_1(text: str) -> dict[str, tuple[str, int]]:
    """Theory area number -> (its name, the CMO configurations listed under it) in the 2024 paper's Table 1."""
    table = text[text.index("Table 1. CMO configurations by theory area") : text.index("Theory area 1:")]
    areas: dict[str, tuple[str, int]] = {}
    current = None
    for line in table.splitlines():
        heading = re.match(r"^(\d) - ([^\t]+)\t", line)
        if heading:
            current = heading.group(1)
            areas[current] = (heading.group(2).strip(), 0)
        if current and re.search(r"\tCMO \d+(?:\.\d)?:", line):
            name, count = areas[current]
            areas[current] = (name, count + 1)
    return areas


def test_the_record_matches_the_papers(holds, papers):
    references = _reference_list(papers[2024], "References")
    assert references == list(range(1, len(references) + 1)) and len(references) == holds["references"]["2024"]
    references_2025 = _reference_list(papers[2025], "## References")
    assert len(references_2025) == holds["references"]["2025"]
    table = _table_1(papers[2024])
    assert {k: name for k, (name, _) in table.items()} == holds["theory_areas_2024"]
    assert {k: count for k, (_, count) in table.items()} == holds["cmos_2024_by_theory_area"]
    assert re.search(rf"\b{holds['included_sources_2024']} (?:evidence sources|documents)\b", papers[2024])
    # Textbox 1 maps each initial 2025 CMO to its 2024 number ("CMO1=CMO1; CMO2=CMO5; ...").
    assert len(re.findall(r"CMO\d=CMO\d+", papers[2025])) == holds["cmos_2025_by_kind"]["initial"]
    text = re.sub(r"\s+", " ", papers[2025])
    textbox = text[text.index("Textbox 6.** Forum design implications") : text.index("Less prevalent in our data")]
    assert len(re.findall(r" - [A-Z]", textbox)) == sum(holds["design_implications_by_theory_area"].values())
    # Every source of the first edition is a numbered reference of the 2024 paper's list.
    numbers = data.load_sources()["ref_number_2024"].dropna().astype(int)
    assert len(numbers) >= holds["sources"] and set(numbers) <= set(references)
