"""Every finding sentence of the chapters has its source record (data/claims.csv), and the record holds.

The rules (helpers.data.claims): each claim a chapter uses exists, on its page, once; each claim is used; the chapter's
sentence is the recorded one; a hedge of the passage is kept or a reviewed override says why; each passage is verbatim
in its paper (where the papers are available). Each rule is shown failing on bad input and passing on the shipped data.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_helpers
from helpers.data import claims as finding_claims
from helpers.data import loaders as data
from helpers.data.schema import TEXT_VERSIONS

FILE = "data/claims.csv"


@pytest.fixture(scope="module")
def claims() -> pd.DataFrame:
    return data.load_claims()


def _problems(claims: pd.DataFrame, folder: Path) -> list[str]:
    return [f"{p.file}:{p.row}:{p.column}: {p.message}" for p in finding_claims.claim_problems(claims, folder, FILE)]


def test_shipped_claims_have_no_problems(claims, repo):
    assert _problems(claims, repo / "chapters") == []


def test_every_passage_is_verbatim_in_its_paper(claims, papers):
    texts = {year: finding_claims.normalise_passage(text) for year, text in papers.items()}
    for claim in claims.itertuples():
        assert finding_claims.normalise_passage(claim.passage) in texts[claim.paper], (
            f"{claim.claim_id}: the passage is not verbatim in the {claim.paper} paper"
        )


def test_a_changed_passage_is_not_verbatim(claims, papers):
    """The verbatim check can fail: one word changed in a shipped passage is no longer in the paper."""
    text = finding_claims.normalise_passage(papers[2024])
    passage = claims.loc[claims["paper"] == 2024, "passage"].iloc[0]
    changed = re.sub(r"\b(\w+)\b", r"\1x", passage, count=1)
    assert finding_claims.normalise_passage(passage) in text
    assert finding_claims.normalise_passage(changed) not in text


def test_every_page_with_claims_names_its_text_versions(claims):
    """Each paper's text version is declared once per paper (the 2024 text is the submitted manuscript)."""
    versions = claims.groupby("paper")["text_version"].unique()
    assert all(len(v) == 1 and v[0] in TEXT_VERSIONS for v in versions)
    assert versions[2024][0] == "submitted manuscript"


def _copy_chapters(repo: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "chapters"
    folder.mkdir()
    for path in (repo / "chapters").glob("*.md"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_unknown_and_repeated_claim_ids_in_a_chapter_fail(claims, repo, tmp_path):
    folder = _copy_chapters(repo, tmp_path)
    page = folder / "survey.md"
    used = finding_claims.CLAIM_ROLE.search(page.read_text(encoding="utf-8")).group(0)
    page.write_text(page.read_text(encoding="utf-8") + f"\nNo such finding.{{claim}}`no.such-claim`\n\nAgain.{used}\n")
    problems = _problems(claims, folder)
    assert any("chapters/survey.md" in p and "'no.such-claim' is not a claim_id" in p for p in problems), problems
    assert any("is used again" in p for p in problems), problems


def test_an_unused_claim_fails(claims, repo, tmp_path):
    folder = _copy_chapters(repo, tmp_path)
    page = folder / "survey.md"
    text = page.read_text(encoding="utf-8")
    first = finding_claims.CLAIM_ROLE.search(text)
    page.write_text(text[: first.start()] + text[first.end() :], encoding="utf-8")
    problems = _problems(claims, folder)
    assert any(f"{first.group(1)} is not used in any chapter" in p and ":claim_id:" in p for p in problems), problems


def test_a_sentence_that_differs_from_the_chapter_fails(claims, repo):
    changed = claims.copy()
    changed.loc[changed.index[0], "sentence"] = "A sentence the chapter does not write."
    problems = _problems(changed, repo / "chapters")
    assert any(":sentence:" in p and "does not end with this sentence" in p for p in problems), problems


def test_a_dropped_hedge_fails_unless_a_reviewed_override_is_recorded(claims, repo):
    hedged = claims[claims["passage"].map(finding_claims.hedges).map(bool)]
    row = hedged.index[0]
    changed = claims.copy()
    dropped = finding_claims._HEDGE.sub("does", changed.loc[row, "sentence"])
    changed.loc[row, "sentence"] = dropped
    problems = finding_claims.hedge_problems(changed, FILE)
    assert [p.row for p in problems] == [row] and "hedges with" in problems[0].message
    changed.loc[row, "hedge_override"] = "the passage's 'can' qualifies a different clause"
    problems = finding_claims.hedge_problems(changed, FILE)
    assert [(p.row, p.column) for p in problems] == [(row, "override_by")]
    changed.loc[row, "override_by"] = "A. Reviewer, 2026-12-01"
    assert finding_claims.hedge_problems(changed, FILE) == []


def test_hedges_are_found_by_stem():
    assert finding_claims.hedges("This suggested it could, and may; results likely.") == {"suggest", "could", "may", "likely"}
    assert finding_claims.hedges("Cannot, canal, mayor") == set()


def test_markup_free_reads_like_the_page():
    text = "**Safety first.** Users [read](x.md) it {cite:p}`key` ({doc}`Home <index>`).{claim}`a.b`"
    assert finding_claims.markup_free(text) == "Safety first. Users read it (Home)."


def test_validate_names_the_chapter_line_and_claim(repo_copy):
    page = repo_copy / "chapters" / "survey.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA finding.{claim}`no.such-claim`\n", encoding="utf-8")
    result = run_helpers(repo_copy, "validate", timeout=120)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "chapters/survey.md" in output and "no.such-claim" in output, output
    assert "Traceback" not in output


def test_built_pages_show_each_claims_source_passage(built_site, claims):
    """Every claim is on its page: a numbered link to a disclosure that holds the passage, all without script."""
    import html as html_lib

    for page, rows in claims.groupby("page"):
        built = (built_site / "chapters" / f"{page}.html").read_text(encoding="utf-8")
        assert built.count('<details class="report-claim-sources">') >= 1, page
        for claim in rows.itertuples():
            target = re.sub(r"[^a-z0-9]+", "-", f"claim-{claim.claim_id}")
            assert f'href="#{target}"' in built and f'id="{target}"' in built, (page, claim.claim_id)
            passage = html_lib.escape(re.sub(r"\s+", " ", claim.passage), quote=False)
            assert passage[:60] in re.sub(r"\s+", " ", built), (page, claim.claim_id)


def test_quoted_statements_name_their_text_version(built_site):
    """A 2024 configuration is quoted from the submitted manuscript, a 2025 theory from the published article."""
    synthesis = (built_site / "chapters" / "synthesis-1-self-efficacy.html").read_text(encoding="utf-8")
    evaluation = (built_site / "chapters" / "evaluation-1-self-efficacy.html").read_text(encoding="utf-8")
    assert "Full statement, word for word from the submitted manuscript" in synthesis
    assert "as published" not in synthesis
    assert "Full statement, word for word from the published article" in evaluation
    assert "(word for word from the submitted manuscript)" in evaluation  # the 2024 configuration beside it


def test_a_changed_source_record_reaches_its_page_without_executing_chapters(repo_copy):
    """The pages that show a claim are read again when data/claims.csv changes; no chapter runs again for it."""
    first = run_helpers(repo_copy, "build")
    assert first.returncode == 0, first.stderr[-3000:]
    claims = repo_copy / FILE
    rows = claims.read_text(encoding="utf-8")
    claim = data.load_claims(claims).iloc[0]
    marker = "Located again for this test"
    claims.write_text(rows.replace(f'"{claim.location}"', f'"{marker}"', 1), encoding="utf-8")
    second = run_helpers(repo_copy, "build")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Executed 0 chapter(s)" in second.stdout + second.stderr
    page = (repo_copy / "_build" / "html" / "chapters" / f"{claim.page}.html").read_text(encoding="utf-8")
    assert marker in page
