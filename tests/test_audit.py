"""The audit: each recomputation with cases that hold and cases that do not, the audit of the shipped data,
its command line, and its page in the built book."""

from __future__ import annotations

import csv
import html
import re

import pytest

from conftest import run_helpers
from helpers.audit import checks as audit
from helpers.audit import recompute
from helpers.audit.recompute import Printed, fits, parse_printed
from helpers.data import loaders as data
from helpers.data import places as book_places
from helpers.views import places

# --------------------------------------------------------------------------- printed numbers and rounding


def test_parse_printed():
    assert parse_printed("<.001") == Printed(0.001, 3, "<", "<.001")
    assert parse_printed("80,915").value == 80915 and parse_printed("80,915").decimals == 0
    assert parse_printed("64.5%") == Printed(64.5, 1, "=", "64.5")
    assert parse_printed("-0.377").value == -0.377 and parse_printed("\u22120.377").value == -0.377
    for bad in ("Two", "less than half", "3.0.1", "", "p=.05"):
        with pytest.raises(ValueError):
            parse_printed(bad)


def test_a_printed_number_stands_for_rounded_or_truncated_values():
    seventy_five = parse_printed("75%")
    assert fits(74.5, seventy_five) and fits(75.49, seventy_five) and fits(75.97, seventy_five)  # truncated
    assert not fits(74.49, seventy_five) and not fits(76.0, seventy_five)
    negative = parse_printed("-0.377")
    assert fits(-0.3774, negative) and fits(-0.3779, negative) and not fits(-0.376, negative)
    assert recompute.how_it_fits(75.2, seventy_five) == "rounds" and recompute.how_it_fits(75.8, seventy_five) == "truncates"
    assert recompute.how_it_fits(76.2, seventy_five) == ""


def test_printed_inequalities():
    assert fits((0.0, 0.0009), parse_printed("<.001"))
    assert not fits((0.0005, 0.0011), parse_printed("<.001"))


# --------------------------------------------------------------------------- percentages and denominators


def test_percentages_from_counts():
    assert recompute.percent_consistent(593, 791, "75%")
    assert recompute.percent_consistent(510, 791, "64.5%")
    assert recompute.percent_consistent(76265, 80915, "94%")
    assert not recompute.percent_consistent(40, 52, "71%")
    assert not recompute.percent_consistent(1, 3, "33.4%")
    with pytest.raises(ValueError):
        recompute.percent(1, 0)


def test_denominators_the_percentages_imply():
    interview = [(40, parse_printed("71%")), (43, parse_printed("77%")), (22, parse_printed("39%")), (14, parse_printed("25%"))]
    assert recompute.denominators_fitting(interview) == [56]
    assert 52 not in recompute.denominators_fitting(interview)
    assert recompute.denominators_fitting([(1, parse_printed("50%"))]) == [2]


# --------------------------------------------------------------------------- p values


def test_p_from_chi_square():
    assert recompute.p_from_chi2(3.841, 1) == pytest.approx(0.05, abs=1e-4)
    assert recompute.p_from_chi2(3.0, 1) == pytest.approx(0.0833, abs=1e-4)
    assert recompute.p_from_chi2(5.991, 2) == pytest.approx(0.05, abs=1e-4)
    gad7 = recompute.p_interval(parse_printed("3.0"), lambda x: recompute.p_from_chi2(x, 1))
    assert not fits(gad7, parse_printed(".15")) and fits(gad7, parse_printed(".08"))
    phq8 = recompute.p_interval(parse_printed("1.8"), lambda x: recompute.p_from_chi2(x, 1))
    assert fits(phq8, parse_printed(".18"))


def test_p_from_t_one_and_two_tailed():
    assert recompute.p_from_t(1.96, 1e7, "two") == pytest.approx(0.05, abs=1e-4)
    assert recompute.p_from_t(1.645, 1e7, "one") == pytest.approx(0.05, abs=1e-4)
    assert recompute.p_from_t(-2.0, 30, "two") == pytest.approx(2 * recompute.p_from_t(2.0, 30, "one"))
    t = parse_printed("2.638")
    two = recompute.p_interval(t, lambda x: recompute.p_from_t(x, 789, "two"))
    one = recompute.p_interval(t, lambda x: recompute.p_from_t(x, 789, "one"))
    assert fits(two, parse_printed(".009")) and not fits(one, parse_printed(".009"))
    assert fits(one, parse_printed(".004"))
    with pytest.raises(ValueError):
        recompute.p_from_t(2.0, 10, "both")


def test_p_of_a_correlation_and_the_sample_it_needs():
    assert recompute.p_from_r(0.0, 100) == pytest.approx(1.0)
    n = recompute.smallest_n_for_p_below(0.328, 0.001)
    assert recompute.p_from_r(0.328, n) < 0.001 <= recompute.p_from_r(0.328, n - 1)


# --------------------------------------------------------------------------- contingency tables


def test_chi_square_and_cramers_v_of_known_tables():
    # Row totals 30, 70; column totals 40, 60; expected 12, 18, 28, 42: 4/12 + 4/18 + 4/28 + 4/42.
    assert recompute.chi_square([[10, 20], [30, 40]]) == pytest.approx(4 / 12 + 4 / 18 + 4 / 28 + 4 / 42)
    assert recompute.cramers_v([[10, 0], [0, 10]]) == pytest.approx(1.0)
    assert recompute.cramers_v([[5, 5], [5, 5]]) == pytest.approx(0.0)
    assert recompute.chi_square([[10, 20], [30, 40]], correction=True) < recompute.chi_square([[10, 20], [30, 40]])


def test_caseness_chi_square_recomputed_from_the_printed_counts():
    table = [[593, 791 - 593], [76265, 80915 - 76265]]
    chi2 = recompute.chi_square(table)
    assert chi2 == pytest.approx(521.96, abs=0.01)
    assert recompute.how_it_fits(chi2, parse_printed("521.9")) == "truncates"
    assert not fits(recompute.chi_square(table, correction=True), parse_printed("521.9"))
    assert fits(recompute.cramers_v(table), parse_printed("0.08")) and not fits(recompute.cramers_v(table), parse_printed("0.09"))


# --------------------------------------------------------------------------- intervals, sums, brackets


def test_confidence_interval_against_its_estimate():
    assert recompute.ci_consistent("-0.377", "-0.589", "-0.166")[0]
    assert not recompute.ci_consistent("-0.162", "-0.287", "0.062")[0]
    assert recompute.ci_consistent("1.50", "1.00", "2.01")[0]  # within the printed digits
    assert not recompute.ci_consistent("1.50", "1.00", "2.10")[0]
    ok, why = recompute.ci_consistent("3.0", "1.0", "2.0")
    assert not ok and "outside" in why


def test_sums_of_subgroups():
    assert recompute.sum_consistent([593, 198], 791)
    assert recompute.sum_consistent([47, 5], 52)
    assert not recompute.sum_consistent([40, 12], 56)


def test_repeated_numbers_in_citation_brackets():
    assert recompute.repeated_numbers("[42,46,46]") == [46]
    assert recompute.repeated_numbers("[3-5,5]") == [5]
    assert recompute.repeated_numbers("[3\u20135, 7]") == []
    assert recompute.repeated_numbers("[1,2]") == []


# --------------------------------------------------------------------------- the audit of the shipped data


@pytest.fixture(scope="module")
def checks() -> list[audit.Check]:
    data.clear_cache()
    return audit.run_audit()


def _find(checks, value_id: str, topic: str | None = None) -> audit.Check:
    found = [c for c in checks if c.value_ids and c.value_ids[0] == value_id and topic in (None, c.topic)]
    assert len(found) == 1, (value_id, found)
    return found[0]


def test_every_recomputable_value_is_audited(checks):
    """Every percentage, p value, effect size, interval and declared relation in the data has a check."""
    values = data.load_reported_values()
    audited = {c.value_ids[0] for c in checks if c.value_ids}
    expected = set(values.loc[values["statistic"].isin(["percent", "p", "d", "estimate", "cramers_v"]), "value_id"])
    expected -= {
        v for v in expected if v.endswith(".estimate") and v.replace(".estimate", ".ci_lower") not in set(values.value_id)
    }
    expected |= set(data.load_value_relations()["target"])
    assert expected <= audited, sorted(expected - audited)
    assert len(expected) >= 50


def test_the_audit_finds_what_the_papers_print(checks):
    verdict = {v: _find(checks, v).verdict for v in (
        "e25.gad7.growth.fit.p",
        "e25.phq8.growth.fit.p",
        "e25.ttest.safe_by_posting.p",
        "e25.ttest.selfeff_by_posting.p",
        "e25.caseness.chisq.chi2",
        "e25.caseness.chisq.cramers_v",
        "e25.caseness.chisq.p",
        "e25.gad7.growth.slope.estimate",
        "e25.phq8.growth.slope.estimate",
        "e25.interviews.demog.denominator",
        "e25.caseness.survey.denominator",
        "e25.gad7.growth.intercept_slope_corr.p",
    )}  # fmt: skip
    assert verdict == {
        "e25.gad7.growth.fit.p": "inconsistent",
        "e25.phq8.growth.fit.p": "consistent",
        "e25.ttest.safe_by_posting.p": "inconsistent",
        "e25.ttest.selfeff_by_posting.p": "consistent",
        "e25.caseness.chisq.chi2": "consistent",
        "e25.caseness.chisq.cramers_v": "consistent",
        "e25.caseness.chisq.p": "consistent",
        "e25.gad7.growth.slope.estimate": "consistent",
        "e25.phq8.growth.slope.estimate": "inconsistent",
        "e25.interviews.demog.denominator": "inconsistent",
        "e25.caseness.survey.denominator": "consistent",
        "e25.gad7.growth.intercept_slope_corr.p": "cannot be checked",
    }
    daily = "e25.use.frequency.daily.percent"
    assert _find(checks, daily, "Percentages from counts").verdict == "consistent"  # 712 of 791 is 90%
    assert _find(checks, daily, "Statements that must agree").verdict == "inconsistent"  # but not with an equal split
    assert "two-tailed" in _find(checks, "e25.ttest.safe_by_posting.p").explanation
    assert "N = 56" in _find(checks, "e25.interviews.demog.denominator").recomputed


def test_cross_references_are_checked(checks):
    mapping = {c.value_ids[0]: c.verdict for c in checks if c.topic == "CMO numbering across the papers"}
    assert mapping == {f"CMO-2025-I{n}": "consistent" for n in (1, 3, 4, 5)} | {"CMO-2025-I2": "inconsistent"}
    references = {c.paper: c for c in checks if c.topic == "Reference lists"}
    assert references[2024].verdict == "consistent"
    assert references[2025].verdict == "inconsistent" and "[10] and [12]" in references[2025].explanation
    sources = data.load_sources()
    labelled = sources[sources["cmo_ids_as_labelled"] != ""]
    narrative = [c for c in checks if c.topic == "CMO numbers the narrative cites" and c.paper == 2024]
    assert len(narrative) == len(labelled)
    # One source of truth: the sources the audit finds inconsistent are those the evidence-base page lists.
    listed = data.label_disagreements()
    inconsistent = {c.value_ids[0] for c in narrative if c.verdict == "inconsistent"}
    assert inconsistent == set(listed["source_id"]) and len(inconsistent) >= 5
    by_id = {c.value_ids[0]: c.verdict for c in checks if c.value_ids}
    assert by_id["x24.citation_bracket.42_46_46"] == "inconsistent"
    assert by_id["x24.table_labels.table1"] == "inconsistent"
    assert by_id["x25.textbox.design_recommendations"] == "inconsistent"
    assert by_id["x.shared_ref.ogrady2010promoting.year"] == "inconsistent"
    assert by_id["x.shared_ref.griffiths2012effectiveness.year"] == "consistent"


def _narrative(checks, reference: int) -> audit.Check:
    found = [c for c in checks if c.topic == "CMO numbers the narrative cites" and c.what.endswith(f"[{reference}]")]
    assert len(found) == 1, reference
    return found[0]


def test_label_verdicts_count_passages_not_label_sets(checks):
    """Smit [41]: its labels add up to its content, yet three of its passages are mislabelled, so it is inconsistent;
    Lobban 2020 [39]: its CMO 1 comes from an unlabelled sentence, so no printed label is wrong."""
    listed = data.label_disagreements()
    smit_id = data.load_sources().set_index("ref_number_2024").loc[41, "source_id"]
    smit = _narrative(checks, 41)
    assert smit.verdict == "inconsistent" and smit.place == "label-disagreements"
    assert (
        smit.explanation.startswith(f"{(listed['source_id'] == smit_id).sum()} passages")
        and (listed["source_id"] == smit_id).sum() == 3
    )
    lobban = _narrative(checks, 39)
    assert lobban.verdict == "consistent" and "no printed label, so no printed label is wrong" in lobban.explanation


def test_label_verdict_follows_the_notes(checks):
    """Remove a source's notes and the audit calls it consistent; the page and the audit still agree."""
    sources = data.load_sources()
    cmos = data.load_cmos()
    cleared = sources.copy()
    cleared.loc[cleared["ref_number_2024"] == 41, "label_note"] = ""
    smit = [c for c in audit.narrative_label_checks(cleared, cmos) if c.what.endswith("[41]")][0]
    assert smit.verdict == "consistent"
    assert "SRC-041" not in set(data.label_disagreements(cleared)["source_id"])


def test_pooled_or_welch_t_test_from_d():
    # A pooled test on N = df + 2 people cannot give |d| below 2|t|/sqrt(N).
    assert recompute.pooled_d_minimum(4.931, 419) == pytest.approx(0.4806, abs=1e-4)
    assert recompute.pooled_d_minimum(2.638, 789) == pytest.approx(0.1876, abs=1e-4)
    small, large = recompute.pooled_group_sizes(2.638, 789, 0.199)
    assert small + large == pytest.approx(791) and 250 < small < 280
    assert recompute.pooled_group_sizes(4.931, 419, 0.407) is None


def test_the_audit_says_which_t_tests_can_be_pooled(checks):
    posting = _find(checks, "e25.ttest.selfeff_by_posting.d")
    assert posting.verdict == "cannot be checked" and "cannot all describe a pooled test" in posting.explanation
    assert "0.481" in posting.explanation and "1-tailed" in posting.explanation
    safety = _find(checks, "e25.ttest.safe_by_posting.d")
    assert safety.verdict == "consistent" and "791 people" in safety.explanation


def test_a_share_of_either_reason_is_checked_as_a_range(checks):
    first_visit = _find(checks, "e25.use.first_visit_help_someone_else.percent", "Statements that must agree")
    assert first_visit.verdict == "cannot be checked" and first_visit.recomputed == "30 to 59"


def test_union_of_outside_its_range_is_inconsistent():
    values = audit._Values(data.load_reported_values())
    relation = data.load_value_relations().query("kind == 'union_of'").copy()
    relation["inputs"] = "10; 20"
    (check,) = audit.relation_checks(values, relation)
    assert check.verdict == "inconsistent" and "lies outside 20 to 30" in check.explanation


def _normalise(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u2013", "-")).lower()


def test_cross_checks_are_transcribed_from_the_papers(papers):
    """What each cross-check compares is printed in the papers, and it lists every repeated citation number."""
    both = _normalise(papers[2024] + papers[2025])

    def printed_whole(detail: str) -> bool:
        """The detail is printed as a whole: not the start of a longer number or word (e07514 is not e075142)."""
        return re.search(re.escape(_normalise(detail)) + r"(?![0-9a-z])", both) is not None

    assert not printed_whole("13(7):e07514") and printed_whole("13(7):e075142")
    for row in data.load_cross_checks().itertuples():
        assert printed_whole(row.printed), row.check_id
        if row.kind == "same" and row.compared_with:
            assert printed_whole(row.compared_with), row.check_id
    recorded = set(data.load_cross_checks().query("kind == 'no_repeats'")["printed"])
    for year, text in papers.items():
        for bracket in re.findall(r"\[[\d,\s\u2013-]+\]", text):
            if recompute.repeated_numbers(bracket):
                assert bracket in recorded, (year, bracket)


# --------------------------------------------------------------------------- command line


def test_audit_command_prints_the_table_and_exits_0(repo):
    result = run_helpers(repo, "audit")
    assert result.returncode == 0, result.stderr
    counts = audit.summary(audit.run_audit())
    assert (
        f"{sum(counts.values())} checks: {counts['consistent']} consistent, {counts['inconsistent']} inconsistent"
        in result.stdout
    )
    assert "== 2025 realist evaluation: Results > Objective 1" in result.stdout
    assert "t(789)=2.638, P=.009" in result.stdout and "chi-square(1)=3.0, P=.15" in result.stdout


def test_an_unparseable_statistic_is_an_error(repo_copy):
    path = repo_copy / "data" / "reported_values.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    row = next(i for i, r in enumerate(rows) if r[0] == "e25.gad7.growth.fit.chi2")
    rows[row][rows[0].index("value_reported")] = "three point nought"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    result = run_helpers(repo_copy, "audit")
    assert result.returncode == 1
    assert f"data/reported_values.csv, row {row + 1}, column 'value_reported'" in result.stderr
    assert "e25.gad7.growth.fit.chi2" in result.stderr


# --------------------------------------------------------------------------- the audit page


def _text(markup: str) -> str:
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))
    return re.sub(r" ([,.:;)])", r"\1", text)


def test_audit_page_shows_every_check_with_its_verdict(built_site, checks):
    markup = (built_site / "chapters" / "audit.html").read_text(encoding="utf-8")
    counts = audit.summary(checks)
    text = _text(markup)
    assert f"The audit ran {len(checks)} checks: {counts['consistent']} consistent, {counts['inconsistent']} inconsistent" in text
    rows = re.findall(r'<tr class="report-audit-(consistent|inconsistent|cannot)"', markup)
    assert len(rows) == len(checks)
    assert rows.count("inconsistent") == counts["inconsistent"] and rows.count("cannot") == counts["cannot be checked"]
    for check in checks:
        assert check.what in text and check.verdict in text
    assert "t(789)=2.638, P=.009" in text and "chi-square(1)=3.0, P=.15" in text


def _not_landing(built_site, links: set[str]) -> list[str]:
    """The links that name a page or an anchor the built book does not have."""
    missing = []
    for link in sorted(links):
        page, _, anchor = link.partition("#")
        target = built_site / "chapters" / page
        if not target.is_file() or (anchor and f'id="{anchor}"' not in target.read_text(encoding="utf-8")):
            missing.append(link)
    return missing


def test_audit_links_land_where_the_values_are_used(built_site, checks):
    """Each check's place, resolved through the one map of places (chapters/places.yml), is a link on the audit
    page that lands on an anchor of the built book."""
    links = {places.href(c.place) for c in checks}
    assert {"survey.html#who-took-part", "survey.html#distress-and-change-over-time"} <= links
    markup = (built_site / "chapters" / "audit.html").read_text(encoding="utf-8")
    for link in links:
        assert f'href="{link}"' in markup, link
    assert _not_landing(built_site, links) == []


def test_an_anchor_renamed_in_the_places_file_but_not_in_the_book_is_caught(built_site, checks, repo_copy, monkeypatch):
    """The test above reads the same map as the helpers: renaming an anchor only in places.yml makes it fail."""
    places_file = repo_copy / "chapters" / "places.yml"
    text = places_file.read_text(encoding="utf-8")
    assert "survey#who-took-part" in text
    places_file.write_text(text.replace("survey#who-took-part", "survey#who-answered"), encoding="utf-8")
    monkeypatch.setenv("REPORT_ROOT", str(repo_copy))
    book_places.clear_cache()
    try:
        links = {places.href(c.place) for c in checks}
        assert "survey.html#who-answered" in _not_landing(built_site, links)
    finally:
        monkeypatch.undo()
        book_places.clear_cache()
        data.clear_cache()
