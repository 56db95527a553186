"""The built book: strict build from a clean copy, CMO text and figures on the pages, plotly.js local and once."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from helpers.data import content_notes
from helpers.data import loaders as data

CHAPTERS = [
    "synthesis-1-self-efficacy",
    "synthesis-2-psychological-safety",
    "synthesis-3-service-use",
    "synthesis-4-moderation",
    "synthesis-5-social-connection",
]


def page(site: Path, name: str) -> str:
    return (site / "chapters" / f"{name}.html").read_text(encoding="utf-8")


def visible_text(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


@pytest.mark.parametrize("area", [1, 2, 3, 4, 5])
def test_every_2024_cmo_statement_is_on_its_theory_area_page(built_site, area):
    text = visible_text(page(built_site, CHAPTERS[area - 1]))
    cmos = data.load_cmos()
    chosen = cmos[(cmos["study"] == 2024) & (cmos["theory_area_number"] == area)]
    for cmo in chosen.itertuples():
        assert re.sub(r"\s+", " ", cmo.statement) in text, cmo.cmo_id
        assert f'id="{cmo.cmo_id.lower().replace(".", "-")}"' in page(built_site, CHAPTERS[area - 1])


def test_refined_theory_is_beside_its_2024_configuration(built_site):
    text = visible_text(page(built_site, "evaluation-2-understanding-acceptance"))
    statement = data.load_cmos().set_index("cmo_id").loc
    # Textbox 3, paragraph 1 refines initial CMO 3, which restates 2024 CMO 18.
    for cmo_id in ("CMO-2025-UA1", "CMO-2025-I3", "CMO-2024-18"):
        assert re.sub(r"\s+", " ", statement[cmo_id, "statement"]) in text, cmo_id


def test_plotly_figures_render_from_the_local_script(built_site):
    markup = page(built_site, "index")
    assert markup.count('class="plotly-graph-div"') == 1
    scripts = re.findall(r'<script[^>]+src="([^"]*plotly[^"]*)"', markup)
    assert scripts == ["../_static/plotly-" + scripts[0].split("plotly-")[1]]
    # One address per file, with Sphinx's checksum, so a browser's cached copy is replaced when the file changes.
    assert re.fullmatch(r"\.\./_static/plotly-(?:[a-z]+-)?[\d.]+\.min\.js\?v=[0-9a-f]{8}", scripts[0]), scripts[0]
    assert (built_site / "_static" / scripts[0].split("/")[-1].split("?")[0]).stat().st_size > 1_000_000
    assert "Plotly.newPlot" in markup and "cdn.plot.ly" not in markup
    assert re.search(
        r'aria-describedby="(fig-[a-z0-9-]+-alt)".*<p id="\1">Horizontal bar chart of CMO configurations', markup, re.S
    )
    assert "application/vnd.plotly.v1+json" not in markup


def test_plotly_js_only_on_pages_with_figures(built_site):
    for path in (built_site / "chapters").glob("*.html"):
        markup = path.read_text(encoding="utf-8")
        has_figure = 'class="plotly-graph-div"' in markup
        assert markup.count("_static/plotly-") == (1 if has_figure else 0), path.name
    assert 'class="plotly-graph-div"' in page(built_site, "survey")


def test_no_page_loads_anything_from_outside_the_site(built_site):
    for path in built_site.rglob("*.html"):
        markup = path.read_text(encoding="utf-8")
        external = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(https?:)?//[^"]+"', markup)
        assert not external, (path.name, external[:3])


def test_every_internal_link_lands_on_an_anchor(built_site):
    """Links between chapters (CMO cards, citations) point at ids that exist on the target page."""
    ids: dict[str, set[str]] = {}
    for path in (built_site / "chapters").glob("*.html"):
        ids[path.name] = set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))
    checked = 0
    for path in (built_site / "chapters").glob("*.html"):
        for target, anchor in re.findall(r'href="([a-z0-9-]*\.html)?#([^"]+)"', path.read_text(encoding="utf-8")):
            page_ids = ids.get(target or path.name)
            assert page_ids is not None and anchor in page_ids, f"{path.name} links to {target}#{anchor}"
            checked += 1
    assert checked > 100


def test_every_citation_link_resolves(built_site):
    bibliography = page(built_site, "bibliography")
    anchors = set(re.findall(r'id="(cite-[^"]+)"', bibliography))
    assert "cite-marshall2024understanding" in anchors and "cite-lobban2025impacts" in anchors
    links = set()
    for path in (built_site / "chapters").glob("*.html"):
        links |= set(re.findall(r'href="bibliography\.html#(cite-[^"]+)"', path.read_text(encoding="utf-8")))
    assert links and links <= anchors, sorted(links - anchors)


def test_evidence_base_states_coverage_from_data(built_site):
    text = visible_text(page(built_site, "evidence-base"))
    held = len(data.load_sources())
    assert f"This edition holds {held} sources" in text and "does not say which of the sources it cites" in text


DISTRESSING = re.compile(r"suicid|self-harm|self-injur|restrictive eating|disordered eating", re.I)
# The contributor guide asks for content notes (and so names the topics); the signposting note itself names them too.
NOTE_EXEMPT = {"contributing"}
SIGNPOSTING = re.compile(r"Looking after yourself.*?116 123", re.S)


def test_content_notes_where_self_harm_is_discussed(built_site):
    """Every page whose text (tables, figure labels and hover text included) mentions self-harm or suicide opens
    with a note: the one rule of helpers.data.content_notes, which the build also applies to every page it writes."""
    mentioning = []
    for path in sorted((built_site / "chapters").glob("*.html")):
        markup = path.read_text(encoding="utf-8")
        assert content_notes.rendered_page_problem(markup) is None, path.name
        if content_notes.first_mention(content_notes.page_text(markup)):
            mentioning.append(path.stem)
    assert mentioning, "no page mentions the topics: the rule would check nothing"
    assert all(content_notes.NOTE_TITLE in page(built_site, name) for name in mentioning)
    assert "Samaritans" in page(built_site, "index")


def test_the_book_builds_without_network(built_site, offline_build):
    """The build above ran in a network namespace with only loopback: it needs nothing from outside."""
    import os

    if not offline_build:
        if os.environ.get("CI"):
            pytest.fail("CI runs as root and must be able to isolate the build from the network (unshare --net)")
        pytest.skip("cannot create a network namespace here (needs root, unshare and ip)")
    assert (built_site / "chapters" / "index.html").is_file()


def test_build_is_strict(repo_copy):
    """A dangling citation, text on stderr and a figure in plotly's own mime type each fail the build."""
    from conftest import run_helpers

    chapter = repo_copy / "chapters" / "methods.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8")
        + "\n\nA claim {cite:p}`nobody1999nothing`.\n\n"
        + "```{code-cell} ipython3\nimport sys; print('a deprecation warning', file=sys.stderr)\n```\n\n"
        + "```{code-cell} ipython3\nimport plotly.graph_objects as go, plotly.io as pio\n"
        + "pio.renderers.default = 'plotly_mimetype'\ngo.Figure(go.Bar(y=[1]))\n```\n",
        encoding="utf-8",
    )
    result = run_helpers(repo_copy, "build")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "nobody1999nothing" in log
    assert "stderr was found in the cell outputs" in log
    assert "unknown output mime type: application/vnd.plotly.v1+json" in log


def test_survey_page_shows_the_chi_square_recomputed_from_the_counts(built_site):
    from helpers.audit import checks as audit

    values = data.load_reported_values().set_index("value_id")["value"]
    survey_cases, survey_total = values["e25.caseness.survey.caseness.n"], values["e25.caseness.survey.denominator"]
    nhs_cases, nhs_total = values["e25.caseness.nhs.caseness.n"], values["e25.caseness.nhs.denominator"]
    table = [[survey_cases, survey_total - survey_cases], [nhs_cases, nhs_total - nhs_cases]]
    text = visible_text(page(built_site, "survey"))
    assert f"chi-square(1) = {audit.chi_square(table):.2f}" in text
    assert "chi-square(1) = 521.96" in text  # the counts 593/791 and 76,265/80,915, by hand
    assert f"Cramer's V = {audit.cramers_v(table):.3f}" in text
    assert "the paper prints chi-square(1) = 521.9" in text


def test_every_figure_has_title_caption_source_text_description_and_csv(built_site):
    figures = 0
    for path in (built_site / "chapters").glob("*.html"):
        markup = path.read_text(encoding="utf-8")
        for figure in re.findall(r'<figure class="report-figure".*?</figure>', markup, re.S):
            figures += 1
            assert re.search(r'"title":\{"text":"[^"]+', figure), path.name
            assert "<figcaption><p>" in figure and "Source: " in figure, path.name
            assert re.search(r'<p id="fig-[a-z0-9-]+-alt">[^<]{20,}', figure), path.name
            assert 'href="data:text/csv;charset=utf-8;base64,' in figure, path.name
    assert figures >= 10


def test_source_table_is_searchable_and_complete(built_site):
    markup = page(built_site, "evidence-base")
    table = re.search(r'<table class="report-table report-findable" id="all-sources">.*?</table>', markup, re.S).group(0)
    assert table.count("<tr>") == len(data.load_sources()) + 1
    assert re.search(r'<script defer="defer" src="../_static/report-tables-[0-9a-f]{10}\.js', markup)
    assert "dt_bundle.js" not in markup and "cdn" not in markup.lower()


def test_design_implications_are_on_their_page(built_site):
    text = visible_text(page(built_site, "design-implications"))
    for implication in data.load_design_implications()["implication"]:
        assert re.sub(r"\s+", " ", implication) in text
