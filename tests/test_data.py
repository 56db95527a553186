"""The shipped datasets: counts, internal agreement, and faithfulness to the papers."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.data import bib
from helpers.data import loaders as data
from helpers.data.schema import CMO_COMPONENTS, SEGMENT_SEPARATOR


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def cmos() -> pd.DataFrame:
    return data.load_cmos()


@pytest.fixture(scope="module")
def values() -> pd.DataFrame:
    return data.load_reported_values().set_index("value_id")


def test_2024_cmos_per_theory_area(cmos):
    synthesis = cmos[cmos["study"] == 2024]
    assert synthesis.groupby("theory_area_number").size().to_dict() == {1: 2, 2: 7, 3: 5, 4: 4, 5: 5}
    assert len(synthesis) == 23  # 22 configurations, CMO 7 split into 7.1 and 7.2
    assert {"CMO-2024-07.1", "CMO-2024-07.2"} <= set(synthesis["cmo_id"])
    assert synthesis.groupby("theory_area_number")["theory_area"].first().to_dict() == {
        1: "Mental health self-efficacy",
        2: "Psychological safety",
        3: "Service use",
        4: "Forum moderation",
        5: "Social connection",
    }


def test_2025_theories(cmos):
    evaluation = cmos[cmos["study"] == 2025]
    assert evaluation.groupby("kind").size().to_dict() == {"initial": 5, "refined": 5, "new": 1}
    refined = evaluation[evaluation["kind"].isin(["refined", "new"])]
    assert sorted(refined["theory_area_number"].unique()) == [1, 2, 3, 4]
    assert refined.loc[refined["kind"] == "new", "refines"].tolist() == [""]
    assert (refined.loc[refined["kind"] == "refined", "refines"] != "").all()


def test_textbox1_mapping_is_recorded_as_stated_and_by_content(cmos):
    initial = cmos[cmos["kind"] == "initial"].set_index("label")
    stated = initial["stated_2024_equivalent"].to_dict()
    assert stated == {
        "CMO 1": "CMO-2024-01",
        "CMO 2": "CMO-2024-05",
        "CMO 3": "CMO-2024-18",
        "CMO 4": "CMO-2024-20",
        "CMO 5": "CMO-2024-21",
    }
    # The text of 2025 CMO 2 is 2024 CMO 2, not CMO 5 as Textbox 1 states.
    assert initial.loc["CMO 2", "content_2024_equivalent"] == "CMO-2024-02"


def test_components_are_verbatim_parts_of_statements(cmos):
    for cmo in cmos.itertuples():
        for column in CMO_COMPONENTS:
            for segment in filter(None, getattr(cmo, column).split(SEGMENT_SEPARATOR)):
                assert normalise(segment) in normalise(cmo.statement), (cmo.cmo_id, column, segment)


def test_every_cmo_statement_is_verbatim_in_its_paper(cmos, papers):
    texts = {year: normalise(text) for year, text in papers.items()}
    for cmo in cmos.itertuples():
        assert normalise(cmo.statement) in texts[cmo.study], f"{cmo.cmo_id} is not verbatim in the {cmo.study} paper"


def test_design_implications_are_textbox_6_verbatim(papers):
    implications = data.load_design_implications()
    assert len(implications) == 11
    assert implications.groupby("theory_area_number").size().to_dict() == {1: 3, 2: 4, 3: 2, 4: 2}
    text = normalise(papers[2025])
    textbox = text[text.index("Textbox 6.** Forum design implications") : text.index("Less prevalent in our data")]
    for row in implications.itertuples():
        assert f"- {normalise(row.implication)}" in textbox, row.implication_id
        assert f"#### {row.theory_area}" in textbox


def test_every_reported_value_is_printed_in_its_paper(values, papers):
    texts = {year: normalise(text) for year, text in papers.items()}
    for value_id, row in values.iterrows():
        if row["value_reported"].startswith("not reported in the paper text"):
            continue
        assert normalise(row["value_reported"]) in texts[row["paper"]], value_id


def test_survey_counts_agree(values):
    n = lambda key: int(values.loc[key, "value"])  # noqa: E731
    total = n("e25.sample.survey.wave1.n")
    assert total == 791
    assert n("e25.caseness.survey.caseness.n") + n("e25.caseness.survey.notcaseness.n") == total
    assert total > n("e25.sample.survey.wave2.n") > n("e25.sample.survey.wave3.n")
    assert (n("e25.sample.survey.wave2.n"), n("e25.sample.survey.wave3.n")) == (368, 326)


def _decimals(printed: str) -> int:
    return len(printed.rstrip("%").split(".")[1]) if "." in printed else 0


def _percent_checks(values: pd.DataFrame):
    """(value_id, recomputed n/N*100, printed percent, tolerance) for every percent with its count and denominator.

    The denominator is the nearest enclosing ``.denominator`` row (helpers.data.loaders.denominator_id).
    """
    for value_id, row in values[values["statistic"] == "percent"].iterrows():
        count_id = value_id.removesuffix(".percent") + ".n"
        denominator_id = data.denominator_id(value_id, values.index)
        if count_id in values.index and denominator_id:
            recomputed = 100 * values.loc[count_id, "value"] / values.loc[denominator_id, "value"]
            yield value_id, recomputed, row["value"], 0.5 * 10 ** -_decimals(row["value_reported"]) + 1e-9


def test_survey_percentages_agree_with_counts(values):
    """Survey and caseness percentages match n/N to their printed rounding."""
    checked = 0
    for value_id, recomputed, printed, tolerance in _percent_checks(values):
        if value_id.startswith("e25.interviews."):
            continue
        assert abs(recomputed - printed) <= tolerance, (value_id, recomputed, printed)
        checked += 1
    assert checked >= 11


def test_interview_percentages_do_not_fit_52(values):
    """Known slip, kept as printed: the interview demographics fit a denominator of 56, not the 52 interviewed."""
    interview = [(r, p) for v, r, p, _ in _percent_checks(values) if v.startswith("e25.interviews.demog.")]
    assert interview and all(abs(r - p) > 1 for r, p in interview)
    assert all(abs(r * 52 / 56 - p) <= 0.5 for r, p in interview)


def test_2024_sample_facts(values):
    assert int(values.loc["s24.sources.included.n", "value"]) == 102
    hosts = values[(values["paper"] == 2024) & (values["domain"] == "interviews") & (values["statistic"] == "n")]
    by_category = dict(zip(hosts["category"], hosts["value"].astype(int), strict=True))
    assert sorted(by_category.values())[-1] == 18
    assert sum(v for k, v in by_category.items() if v != 18) == 18


def test_sources_link_to_existing_cmos_and_bibtex(cmos):
    sources = data.load_sources()
    keys = set(bib.load_bibliography()["bibkey"])
    assert len(sources) == 42
    assert sources["source_id"].is_unique and sources["bibkey"].isin(keys).all()
    cited = {c for cell in sources["cmo_ids"] for c in data.split_ids(cell)}
    assert cited <= set(cmos["cmo_id"])
    assert len(cited) >= 18  # most 2024 configurations have at least one cited source


def test_label_disagreements_are_recorded():
    sources = data.load_sources().set_index("ref_number_2024")
    # Theory area 3: the narrative's "(CMO 13)" describes CMO 12's content (negative posts about services).
    assert "CMO-2024-13" in sources.loc[59, "cmo_ids_as_labelled"] and "CMO-2024-12" in sources.loc[59, "cmo_ids"]
    assert (sources["label_note"] != "").sum() >= 5


def test_bibliography_has_both_papers_and_deduplicates():
    bibliography = bib.load_bibliography().set_index("bibkey")
    assert {"marshall2024understanding", "lobban2025impacts"} <= set(bibliography.index)
    assert bibliography.loc["lobban2025impacts", "doi"] == "10.2196/79289"
    assert bibliography.index.is_unique
    reference_map = data.load_reference_map()
    assert reference_map.groupby("paper").size().to_dict() == {2024: 81, 2025: 37}
    shared = set(reference_map[reference_map.paper == 2024].bibkey) & set(reference_map[reference_map.paper == 2025].bibkey)
    assert "griffiths2012effectiveness" in shared
    assert len(bibliography) == reference_map["bibkey"].nunique() + 1  # + the 2025 paper, which neither list cites


def test_source_titles_and_authors_are_as_printed(papers):
    """Each source's title, year and first author are printed in the 2024 paper's reference list."""
    text = normalise(papers[2024])
    for source in data.load_sources().itertuples():
        assert normalise(source.title) in text, source.source_id
        assert normalise(source.authors.split(",")[0]) in text, source.source_id
        assert str(source.year) in text


def test_bibliography_titles_and_dois_are_printed_in_the_papers(papers):
    """Every BibTeX title appears in the papers (letters and digits compared), every DOI verbatim."""
    from conftest import SEEDS

    records = " ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))
    letters = re.sub(r"[^a-z0-9]", "", (papers[2024] + papers[2025] + records).lower())
    lowered = (papers[2024] + papers[2025] + records).lower()
    for entry in bib.load_bibliography().itertuples():
        assert re.sub(r"[^a-z0-9]", "", entry.title.lower()) in letters, entry.bibkey
        if entry.doi:
            assert entry.doi.lower() in lowered, entry.bibkey


def test_data_readme_names_every_declared_column(repo):
    """The contributors' description of the data keeps up with the schemas."""
    from helpers.data import schema

    readme = (repo / "data" / "README.md").read_text(encoding="utf-8")
    for dataset, declared in schema.SCHEMAS.items():
        for column in declared.columns:
            assert f"`{column}`" in readme, f"data/README.md does not describe {dataset}.{column}"
