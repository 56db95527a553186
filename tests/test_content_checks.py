"""The content checks validate and the build run (helpers.data.content, helpers.data.content_notes), each shown
failing on bad input and passing on the shipped data. The bad-input corpus (tests/test_bad_inputs.py) checks the
message each gives through the command line, naming file, row and column."""

from __future__ import annotations

import pytest

from helpers.data import bib, content, content_notes
from helpers.data import loaders as data
from helpers.data.errors import did_you_mean
from helpers.sphinxext import content_notes as page_check

NOTE = ":::{include} _snippets/content-note.md\n:::\n"


@pytest.fixture(scope="module")
def sources():
    return data.load_sources()


@pytest.fixture(scope="module")
def cmos():
    return data.load_cmos()


def test_the_shipped_data_pass_every_content_check(sources, cmos, repo):
    from helpers.data.validate import toc_files

    assert content.theory_area_problems(sources, cmos) == []
    assert content.source_id_problems(sources) == []
    assert content.bibtex_agreement_problems(sources, bib.load_bibliography()) == []
    assert content.chapter_note_problems(repo, toc_files(repo)) == []


def test_theory_areas_must_cover_the_cited_cmos(sources, cmos):
    broken = sources.copy()
    row = broken.index[broken["cmo_ids"] != ""][0]
    broken.loc[row, "theory_areas"] = ""
    problems = content.theory_area_problems(broken, cmos)
    assert [(p.row, p.column) for p in problems] == [(row, "theory_areas")]
    assert "theory_areas decides on which theory-area pages the source is listed" in problems[0].message


def test_an_area_without_a_cmo_needs_its_citation_in_cited_where(sources, cmos):
    explained = sources[(sources["cmo_ids"] == "") & (sources["theory_areas"] != "")]
    assert not explained.empty and content.theory_area_problems(explained, cmos) == []
    unexplained = explained.copy()
    unexplained["cited_where"] = "Results, somewhere"
    assert len(content.theory_area_problems(unexplained, cmos)) == len(unexplained)


def test_sheet_and_bibtex_must_agree_on_year_and_title(sources):
    bibliography = bib.load_bibliography()
    broken = sources.copy()
    first = broken.index[0]
    broken.loc[first, "year"] = broken.loc[first, "year"] - 1
    broken.loc[first, "title"] = "Another title"
    problems = content.bibtex_agreement_problems(broken, bibliography)
    assert sorted(p.column for p in problems) == ["title", "year"] and {p.row for p in problems} == {first}
    # Braces that protect an acronym and punctuation are not a disagreement.
    braced = bibliography.copy()
    key = broken.loc[first, "bibkey"]
    braced.loc[braced["bibkey"] == key, "title"] = "{" + sources.loc[first, "title"].upper() + "}."
    assert content.bibtex_agreement_problems(sources.loc[[first]], braced) == []


def test_did_you_mean_suggests_the_closest_id_only_when_close():
    assert did_you_mean("CMO-2024-7.1", ["CMO-2024-07.1", "CMO-2024-17"]) == "; did you mean 'CMO-2024-07.1'?"
    assert did_you_mean("nobody2020nothing", ["hanley2019systematic"]) == ""


def test_the_content_note_rule():
    mention = content_notes.first_mention("A forum. Members wrote about self-harm and recovery. More text.")
    assert mention and mention.sentence == "Members wrote about self-harm and recovery." and mention.word == "self-harm"
    # A sentence that speaks of content notes (signposting, the guide) is guidance, not material.
    assert content_notes.first_mention("Pages on self-harm open with a content note.") is None
    page = "<p>Posts on <em>suicidal</em> thoughts were common.</p>"
    assert "mentions 'suicidal' in the sentence 'Posts on suicidal thoughts were common.'" in content_notes.rendered_page_problem(
        page
    )
    assert content_notes.rendered_page_problem('<p class="admonition-title">Content note</p>' + page) is None


def test_a_chapter_rule_ignores_code_and_names_the_line():
    code = "# Title\n\n```{code-cell} ipython3\ntables.show('self-harm')\n```\n"
    assert content_notes.chapter_problem(code) is None
    line, why = content_notes.chapter_problem(code + "\nSome people disclose\nself-harm in posts.\n")
    assert line == 8 and "'Some people disclose self-harm in posts.'" in why and "content-note.md" in why
    assert content_notes.chapter_problem("# Title\n\n" + NOTE + "\nPeople disclose self-harm.\n") is None


def test_the_build_warns_naming_the_page_and_the_sentence(monkeypatch):
    """The Sphinx handler: a warning (which fails the strict build) naming the page and the sentence."""
    warnings = []
    monkeypatch.setattr(page_check.logger, "warning", lambda message, **kwargs: warnings.append((message, kwargs)))
    body = "<p>Strict rules on self-injury can make a forum feel safer.</p>"
    page_check._check_page(None, "chapters/example", "page.html", {"body": body}, doctree=object())
    page_check._check_page(None, "chapters/noted", "page.html", {"body": "<p>Content note</p>" + body}, doctree=object())
    page_check._check_page(None, "search", "search.html", {"body": body}, doctree=None)
    assert len(warnings) == 1
    message, kwargs = warnings[0]
    assert message.startswith("page chapters/example mentions 'self-injury'")
    assert "'Strict rules on self-injury can make a forum feel safer.'" in message and kwargs["location"] == "chapters/example"
