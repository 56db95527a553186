"""Issue 19, points 5 and 6: the evidence behind each 2024 configuration, and long pages made readable.

The staff-interview quotes and the 2025 findings are checked against the papers (skipped without them); the
rules that tie them to configurations and reported values are shown failing on bad input; the built book is
checked for a panel on every 2024 card, the glance page, the audit page's summary and the filter forms, every
count computed from the data.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

import test_bad_inputs as corpus
from helpers import cli
from helpers.audit import checks as audit
from helpers.data import loaders as data
from helpers.data.schema import ELISION
from helpers.sphinxext.assets import FILTERS_JS, FILTERS_JS_SOURCE
from helpers.views import audit_page, evidence
from helpers.views.places import cmo_anchor
from test_bad_inputs import Case, set_csv
from test_book import CHAPTERS, page, visible_text

QUOTES, FINDINGS = "data/staff_quotes.csv", "data/evaluation_findings.csv"


def flat(text: str) -> str:
    """The papers' text as a reader sees it: the extraction's italics marks gone, whitespace (page breaks) collapsed."""
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


# --------------------------------------------------------------------------- the data against the papers


def test_every_staff_quote_is_verbatim_in_the_2024_paper_with_its_role_label(papers):
    text = flat(papers[2024])
    quotes = data.load_staff_quotes()
    assert len(quotes) == len(re.findall(r"\(forum (?:host|moderator) \d+\)", text)), "every quote of the paper is held"
    for quote in quotes.itertuples():
        at = text.find(flat(quote.quote))
        assert at >= 0, f"{quote.quote_id} is not verbatim in the 2024 paper"
        after = text[at + len(flat(quote.quote)) : at + len(flat(quote.quote)) + 30]
        assert f"({quote.role})" in after, f"{quote.quote_id}: the paper does not print '({quote.role})' after it: {after!r}"


def test_every_2025_finding_is_verbatim_in_the_2025_paper_and_names_its_theories(papers):
    text = flat(papers[2025])
    cmos = data.load_cmos().set_index("cmo_id")
    for finding in data.load_evaluation_findings().itertuples():
        at = 0
        for part in finding.passage.split(ELISION):
            found = text.find(part, at)
            assert found >= 0, f"{finding.finding_id}: {part!r} is not verbatim (in order) in the 2025 paper"
            at = found + len(part)
        for printed, cmo_id in zip(finding.labels_as_printed.split("; "), data.split_ids(finding.cmo_ids), strict=True):
            assert printed in finding.passage, finding.finding_id
            assert printed.replace("CMO", "CMO ") == cmos.loc[cmo_id, "label"], (finding.finding_id, printed, cmo_id)


def test_the_ties_follow_the_label_rules_of_the_sources():
    """A quote whose passage is labelled with one CMO but is about another says why, as a source does."""
    quotes = data.load_staff_quotes()
    differ = quotes[quotes["cmo_ids"] != quotes["cmo_ids_as_labelled"]]
    assert not differ.empty and (differ["label_note"] != "").all()
    assert (quotes.loc[quotes["cmo_ids"] == quotes["cmo_ids_as_labelled"], "label_note"] == "").all()


# --------------------------------------------------------------------------- the rules, failing on bad input

BAD = [
    Case("staff quote tied to a CMO that does not exist", set_csv(QUOTES, 3, "cmo_ids", "CMO-2024-23"), QUOTES, 3, "cmo_ids",
         "CMO-2024-23 is not a 2024 CMO of data/cmos.csv"),
    Case("staff quote tied to a 2025 theory", set_csv(QUOTES, 2, "cmo_ids_as_labelled", "CMO-2025-I1"), QUOTES, 2,
         "cmo_ids_as_labelled", "CMO-2025-I1 is not a 2024 CMO of data/cmos.csv"),
    Case("staff quote without its role label", set_csv(QUOTES, 4, "role", "a moderator"), QUOTES, 4, "role",
         "must be the role and number as printed"),
    Case("staff quote without its text", set_csv(QUOTES, 5, "quote", ""), QUOTES, 5, "quote", "is empty"),
    Case("2025 finding naming a refined theory, not a Textbox 1 one", set_csv(FINDINGS, 2, "cmo_ids", "CMO-2025-SE1"),
         FINDINGS, 2, "cmo_ids", "CMO-2025-SE1 is not an initial theory (Textbox 1)"),
    Case("2025 finding citing a value that does not exist", set_csv(FINDINGS, 3, "value_ids", "e25.corr.nothing.r"),
         FINDINGS, 3, "value_ids", "e25.corr.nothing.r is not a value_id of data/reported_values.csv"),
    Case("2025 finding of an unknown strand", set_csv(FINDINGS, 4, "strand", "rumour"), FINDINGS, 4, "strand",
         "must be one of the strands"),
]  # fmt: skip


@pytest.mark.parametrize("case", BAD, ids=[case.name for case in BAD])
def test_bad_evidence_data_is_refused_naming_file_row_and_column(case, tmp_path, monkeypatch, capsys):
    """The bad-input corpus's own check: validate and build both refuse, naming the place; nothing is published."""
    corpus.test_bad_input_is_refused_naming_file_row_and_column(case, tmp_path, monkeypatch, capsys)


def test_the_shipped_evidence_data_validate(repo, monkeypatch, capsys):
    monkeypatch.setenv("REPORT_ROOT", str(repo))
    assert cli.main(["validate"]) == 0


# --------------------------------------------------------------------------- what is gathered, from data


def test_gathered_evidence_is_the_data_joined_and_nothing_else():
    gathered = evidence.gather()
    cmos = data.load_cmos()
    assert list(gathered) == list(cmos.loc[cmos["study"] == 2024, "cmo_id"])
    sources, quotes, findings = data.load_sources(), data.load_staff_quotes(), data.load_evaluation_findings()
    for cmo_id, found in gathered.items():
        assert len(found.sources) == sum(cmo_id in data.split_ids(c) for c in sources["cmo_ids"])
        assert len(found.quotes) == sum(cmo_id in data.split_ids(c) for c in quotes["cmo_ids"])
        tested = set(found.tested_as["cmo_id"])
        assert tested == {i.cmo_id for i in cmos.itertuples() if cmo_id in data.split_ids(i.content_2024_equivalent)}
        assert set(found.findings["finding_id"]) == {
            f.finding_id for f in findings.itertuples() if tested & set(data.split_ids(f.cmo_ids))
        }
    # The printed Textbox 1 mapping that disagrees with the text is shown, not used.
    stated_only = {cmo_id for cmo_id, found in gathered.items() if not found.stated_only.empty}
    disagree = cmos[(cmos["kind"] == "initial") & (cmos["stated_2024_equivalent"] != cmos["content_2024_equivalent"])]
    assert stated_only == {i for cell in disagree["stated_2024_equivalent"] for i in data.split_ids(cell)}


# --------------------------------------------------------------------------- the built book


def _synthesis_pages(built_site: Path) -> str:
    return "".join(page(built_site, name) for name in CHAPTERS)


def test_every_2024_card_carries_its_evidence_panel(built_site):
    cmos = data.load_cmos()
    synthesis = cmos[cmos["study"] == 2024]
    markup = _synthesis_pages(built_site)
    panels = re.findall(r'<section class="report-evidence" id="([^"]+)"', markup)
    assert len(panels) == len(synthesis)
    for cmo_id in synthesis["cmo_id"]:
        card = markup.index(f'id="{cmo_anchor(cmo_id)}"')
        panel = markup.index(f'id="{cmo_anchor(cmo_id)}-evidence"')
        next_card = markup.find('<section class="report-cmo"', card + 1)
        assert card < panel and (next_card == -1 or panel < next_card), f"{cmo_id}: its panel is not on its card"
    # No panel on the 2025 cards, which carry the evaluation's own evidence.
    for name in ("theory-changes", "evaluation-1-self-efficacy"):
        assert 'class="report-evidence"' not in page(built_site, name)


def test_every_quote_and_finding_is_on_the_cards_and_nothing_is_scored(built_site):
    text = visible_text(_synthesis_pages(built_site))
    for quote in data.load_staff_quotes().itertuples():
        assert flat(quote.quote) in text, quote.quote_id
    for finding in data.load_evaluation_findings().itertuples():
        assert all(part in text for part in finding.passage.split(ELISION)), finding.finding_id
    # What the panels and the glance table say holds no score, grade or confidence rating of their own.
    panels = re.findall(r'<section class="report-evidence".*?</section>', _synthesis_pages(built_site), re.S)
    glance = re.findall(r'<table class="report-table report-glance".*?</table>', page(built_site, "evidence-at-a-glance"), re.S)
    assert len(panels) > 1 and len(glance) == 1
    # The verbatim quotes and passages are the papers' words; the panels' own note says there is no score.
    added = visible_text(re.sub(r"<blockquote.*?</blockquote>", " ", " ".join(panels + glance), flags=re.S))
    added = re.sub(r"Nothing here is a score or a grade: the papers give none\.", " ", added)
    assert not re.search(r"\b(?:scores?|grades?|graded|ratings?|high|moderate|low|strong|weak)\b", added, re.I)


def test_the_glance_page_counts_from_data_and_links_to_every_panel(built_site):
    markup = page(built_site, "evidence-at-a-glance")
    gathered = evidence.gather()
    rows = re.findall(r'<tr><th scope="row">(.*?)</tr>', markup, re.S)
    assert len(rows) == len(gathered)
    for (cmo_id, found), row in zip(gathered.items(), rows, strict=True):
        panel = f'#{cmo_anchor(cmo_id)}-evidence"'
        if not found.sources.empty:
            assert re.search(rf"{re.escape(panel)}[^>]*>{len(found.sources)}</a>", row), cmo_id
        if found.quotes.empty:
            assert "not reported" in row
        else:
            assert re.search(rf"{re.escape(panel)}[^>]*>{len(found.quotes)}</a>", row), cmo_id
    text = visible_text(markup)
    with_quotes = sum(not found.quotes.empty for found in gathered.values())
    assert f"{with_quotes} a staff-interview quote" in text
    # Every link from the glance page lands on an id of its target page.
    for target, anchor in re.findall(r'href="([a-z0-9-]+\.html)#([^"]+)"', markup):
        assert f'id="{anchor}"' in (built_site / "chapters" / target).read_text(encoding="utf-8"), f"{target}#{anchor}"
    # And it is in the book's table of contents, reachable from every page.
    assert 'href="evidence-at-a-glance.html"' in page(built_site, "methods")


def test_the_audit_page_opens_with_its_checks_by_verdict_each_linked_to_its_row(built_site):
    markup = page(built_site, "audit")
    checks = audit.run_audit()
    counts = audit.summary(checks)
    overview = markup.index('class="report-audit-overview"')
    assert overview < markup.index('id="how-the-checks-are-made"') < markup.index('<table class="report-table report-audit"')
    groups = re.findall(r'report-verdict-(\w+)">(\d+) ([a-z ]+)</span></summary>', markup)
    assert [(int(n), verdict) for _, n, verdict in groups] == [(counts[v], v) for v in audit_page.SUMMARY_ORDER if counts[v]]
    assert groups[0][2] == audit.INCONSISTENT
    links = re.findall(r'<a href="#(check-[^"]+)">', markup[overview : markup.index("</nav>", overview)])
    rows = re.findall(r'<tr class="report-audit-[a-z]+" id="(check-[^"]+)"', markup)
    assert len(links) == len(checks) and sorted(links) == sorted(rows) and len(set(rows)) == len(rows)


def test_long_tables_keep_every_row_in_the_html_with_a_hidden_form(built_site):
    audit_markup = page(built_site, "audit")
    checks = audit.run_audit()
    assert audit_markup.count("data-filter-row") == len(checks)
    for paper, number in Counter(c.paper for c in checks).items():
        assert f'<option value="">all ({number})</option>' in audit_markup
        assert f'data-filter-for="audit-{paper}"' in audit_markup
    forms = re.findall(r"<form class=\"report-filter\"[^>]*>", audit_markup + page(built_site, "survey"))
    assert len(forms) >= 3
    for form in forms:
        assert " hidden " in form and 'role="search"' in form
    survey = page(built_site, "survey")
    assert survey.count('class="report-filter"') >= 1
    assert 'data-filter-key="measure"' in survey


def test_the_filter_script_is_served_once_and_only_where_a_filter_is(built_site):
    assert (built_site / "_static" / FILTERS_JS).read_bytes() == FILTERS_JS_SOURCE.read_bytes()
    users = {p.name for p in (built_site / "chapters").glob("*.html") if FILTERS_JS in p.read_text(encoding="utf-8")}
    with_forms = {p.name for p in (built_site / "chapters").glob("*.html") if "data-filter-for=" in p.read_text("utf-8")}
    assert users == with_forms and {"audit.html", "survey.html"} <= users
