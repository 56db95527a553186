"""Versions and editions: CITATION.cff, the release command, the changelog from the data, editions side by side.

The expensive part (two releases in a throwaway git history, each edition built strictly by ``publish``) is
one module-scoped fixture shared by every test that needs it.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

import edition_fixtures as edits
import fake_writers
from conftest import REPO, run_helpers
from helpers.data import citation as edition
from helpers.data import releases
from helpers.data.errors import DataError
from helpers.release import changes as changelog
from helpers.release import citation as zenodo_record
from helpers.views import changelog_page
from helpers.views import cite as cite_blocks
from test_book import visible_text

# --------------------------------------------------------------------------- CITATION.cff and .zenodo.json


def cff_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(edition.CFF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_citation_cff_is_valid_cff_1_2_0():
    content = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    errors = sorted(cff_validator().iter_errors(content), key=str)
    assert not errors, [e.message for e in errors]
    assert edition.SEMVER.match(content["version"])


def test_the_cff_validator_rejects_a_broken_citation_file():
    content = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    del content["authors"]
    content["date-released"] = "23 November 2026"
    messages = " ".join(e.message for e in cff_validator().iter_errors(content))
    assert "'authors' is a required property" in messages and "23 November 2026" in messages


def test_zenodo_metadata_agrees_with_citation_cff():
    zenodo = json.loads((REPO / ".zenodo.json").read_text(encoding="utf-8"))
    assert (REPO / ".zenodo.json").read_text(encoding="utf-8") == zenodo_record.zenodo_text(REPO), (
        "run python -m helpers citation"
    )
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert zenodo["version"] == cff["version"] and zenodo["publication_date"] == str(cff["date-released"])
    assert zenodo["title"] == cff["title"]
    assert [c["name"] for c in zenodo["creators"]] == [a["name"] for a in cff["authors"]]
    assert {r["identifier"] for r in zenodo["related_identifiers"]} == {"10.2196/55750", "10.2196/79289"}


def test_validate_names_a_bad_version_in_citation_cff(repo_copy):
    path = repo_copy / "CITATION.cff"
    path.write_text(re.sub(r"(?m)^version: .*$", 'version: "1.0"', path.read_text(encoding="utf-8")), encoding="utf-8")
    result = run_helpers(repo_copy, "validate")
    assert result.returncode == 1
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text.startswith("version:"))
    assert f"CITATION.cff, row {line}, column 'version': '1.0' is not X.Y.Z" in result.stderr


def test_every_page_shows_the_version_in_citation_cff(built_site):
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    fingerprint = edition.data_fingerprint(REPO)
    state = releases.edition_state(REPO)
    if not state.released:  # the shipped data differ from the newest release: test_footer_follows_the_edition_state
        pytest.skip(f"the shipped data are unreleased changes since {state.since}")
    pages = [p for p in built_site.rglob("*.html") if "_static" not in p.relative_to(built_site).parts]
    shown = 0
    for path in pages:
        markup = path.read_text(encoding="utf-8")
        if "http-equiv" in markup.lower():  # the root redirect page has no content of its own
            continue
        versions = set(re.findall(r'class="report-edition-version">([^<]+)<', markup))
        assert versions == {cff["version"]}, path.name
        assert f'class="report-edition-date">{cff["date-released"]}<' in markup, path.name
        assert f'class="report-edition-fingerprint">{fingerprint}<' in markup, path.name
        shown += 1
    assert shown >= 17


def test_landing_page_has_cite_this_version(built_site):
    markup = (built_site / "chapters" / "index.html").read_text(encoding="utf-8")
    text = visible_text(markup)
    current = edition.load_edition(REPO)
    state = releases.edition_state(REPO)
    assert 'id="report-cite-version"' in markup
    if state.released:
        assert current.reference() in text
    else:  # main carries changes since the newest release: the block says so and offers both citations
        newest = state.newest
        assert f"You are reading unreleased changes since edition {newest['version']}" in text
        released = dataclasses.replace(current, version=newest["version"], date_released=newest["date"])
        assert released.reference(newest["data_fingerprint"]) in text
        assert f"data fingerprint {current.fingerprint}" in text and "cite this snapshot" in text
    assert f"@misc{{{current.bibtex_key()}," in text and f"version = {{{current.version}}}" in text
    assert ("doi.org/" + current.doi in text) if current.doi else "No DOI has been registered" in text


def test_cite_block_gives_the_doi_once_one_is_set(tmp_path):
    shutil.copytree(REPO / "data", tmp_path / "data")
    shutil.copytree(REPO / "bib", tmp_path / "bib")
    text = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    (tmp_path / "CITATION.cff").write_text(text + 'doi: "10.5281/zenodo.1234567"\n', encoding="utf-8")
    markup = cite_blocks.cite_this_version(tmp_path).data
    assert 'href="https://doi.org/10.5281/zenodo.1234567"' in markup and "doi = {10.5281/zenodo.1234567}" in markup
    assert "No DOI" not in markup
    assert zenodo_record.zenodo_metadata(tmp_path)["doi"] == "10.5281/zenodo.1234567"
    assert edition.load_edition(tmp_path).fingerprint == edition.data_fingerprint(REPO)


def test_each_figure_can_be_cited_with_its_edition(built_site):
    current = edition.load_edition(REPO)
    state = releases.edition_state(REPO)
    for name in ("index", "evidence-base", "survey"):
        markup = (built_site / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        figures = re.findall(r'<figure class="report-figure" id="([^"]+)"', markup)
        cites = re.findall(r'<details class="report-figure-cite">(.*?)</details>', markup, flags=re.S)
        assert figures and len(cites) == len(figures), name
        for anchor, cite in zip(figures, cites, strict=True):
            if state.released:
                assert f"edition {current.version} (released {current.date_released}" in cite
            else:
                assert f"from unreleased changes since edition {state.since}, not from a released edition" in cite
            assert f'<a href="#{anchor}">chapters/{name}.html#{anchor}</a>' in cite
            assert "report-cite-page" in cite and 'data-anchor="' not in cite  # the placeholder was filled in


# --------------------------------------------------------------------------- the changelog's pieces


def test_word_diff_marks_changed_words_and_escapes():
    diff = changelog_page.word_diff_html("users feel <safe> and heard", "users feel safe & heard today")
    assert diff == "users feel <del>&lt;safe&gt; and</del> <ins>safe &amp;</ins> heard <ins>today</ins>"


def test_required_level_follows_the_stated_policy():
    def changes(**tables):
        empty = {"added": [], "removed": [], "changed": [], "columns_added": [], "columns_removed": []}
        result = {name: {**empty, **tables.get(name, {})} for name in changelog.COMPARED}
        result["cmos"].setdefault("reworded", [])
        result["structure"] = {"studies": {"before": ["2024"], "after": ["2024"]}, "theory_areas": {"added": [], "removed": []}}
        return result

    assert changelog.required_level(changes())[0] == "patch"
    note_only = changes(sources={"changed": [{"id": "SRC-1", "fields": {"inclusion_note": ["a", "b"]}}]})
    assert changelog.required_level(note_only)[0] == "patch"
    assert changelog.required_level(changes(sources={"added": [{"id": "SRC-1", "summary": ""}]}))[0] == "minor"
    assert changelog.required_level(changes(cmos={"reworded": [{"id": "CMO-1"}]}))[0] == "minor"
    restructured = changes()
    restructured["structure"]["theory_areas"]["added"] = ["2024 6. A new area"]
    assert changelog.required_level(restructured)[0] == "major"


# --------------------------------------------------------------------------- two releases in a throwaway history


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


def _copy_tracked_files(target: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode != 0:
        pytest.skip("the repository is not a git checkout; the editions test copies its tracked files")
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO / name
        if source.is_file():  # the release records too: a fork without tags knows its releases from them
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def _pages(site: Path) -> dict[str, str]:
    """Every content page of a built site (name -> markup)."""
    return {
        path.relative_to(site).as_posix(): path.read_text(encoding="utf-8")
        for path in site.rglob("*.html")
        if "_static" not in path.relative_to(site).parts and "http-equiv" not in path.read_text(encoding="utf-8").lower()
    }


def _start_from_a_released_edition(root: Path) -> None:
    """Where the repository's data carry changes since its newest release, the fork's newest record is made to hold
    them (fingerprint, counts, rows), so the test starts from an edition whatever main holds today."""
    state = releases.edition_state(root)
    if state.released:
        return
    snapshot = changelog.snapshot_from_dir(root)
    record = state.newest | {
        "data_fingerprint": state.fingerprint,
        "counts": changelog.counts(snapshot),
        "rows": changelog.encode_rows(snapshot),
    }
    releases.record_path(root, record["tag"]).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def make_fork(root: Path) -> Path:
    """A fork as it is cloned, at ``root``: the tracked files with the shipped release records, one commit, no tag."""
    root.mkdir()
    _copy_tracked_files(root)
    _start_from_a_released_edition(root)
    _git(root, "init", "-q")
    for key, value in (("user.name", "Report tests"), ("user.email", "tests@example.invalid"), ("commit.gpgsign", "false")):
        _git(root, "config", key, value)
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "The report as it stands: the first edition and its record, no tag")
    return root


@pytest.fixture(scope="module")
def history(tmp_path_factory, offline_build) -> dict:
    """A fork as it is cloned: the shipped release records, no tag. Build it (the released first edition), reword a
    CMO, add a source, change a value, build again (unreleased), dry-run the release on the dirty tree, commit,
    release 1.1.0, then publish both editions (with the fake PDF and data-package writers of fake_writers.py)."""
    fakes = fake_writers.subprocess_env()
    root = make_fork(tmp_path_factory.mktemp("history") / "report")
    first_commit = _git(root, "rev-parse", "HEAD").strip()
    first = json.loads((root / "releases" / "v1.0.0.json").read_text(encoding="utf-8"))
    built_released = run_helpers(root, "build", offline=offline_build)
    assert built_released.returncode == 0, built_released.stderr[-3000:]
    released_pages = _pages(root / "_build" / "html")

    edits.reword_cmo(root)
    old_value, new_value = edits.change_value(root)
    edits.add_source(root)
    status = _git(root, "status", "--porcelain")
    dry = run_helpers(root, "release", "1.1.0", "--dry-run", "--date", "2026-11-24", env=fakes)
    assert _git(root, "status", "--porcelain") == status, "a dry run writes nothing"
    dirty = run_helpers(root, "release", "1.1.0", env=fakes)
    pending = run_helpers(root, "changelog")
    built_unreleased = run_helpers(root, "build", offline=offline_build)  # incremental, after the build above
    assert built_unreleased.returncode == 0, built_unreleased.stderr[-3000:]
    unreleased_pages = _pages(root / "_build" / "html")
    _git(root, "commit", "-q", "-a", "-m", "Reword CMO 5, add a source, correct a value")
    too_low = run_helpers(root, "release", "1.0.1", env=fakes)
    second = run_helpers(root, "release", "1.1.0", "--date", "2026-11-24", env=fakes)
    assert second.returncode == 0, second.stderr

    site = root / "_build" / "site"
    published = run_helpers(root, "publish", offline=offline_build, timeout=1800, env=fakes)
    assert published.returncode == 0, f"{published.stdout[-3000:]}\n{published.stderr[-3000:]}"
    again = run_helpers(root, "publish", env=fakes)
    return {
        "root": root,
        "site": site,
        "first_commit": first_commit,
        "first": first,
        "values": (old_value, new_value),
        "dry": dry,
        "dirty": dirty,
        "pending": pending,
        "released_pages": released_pages,
        "unreleased_pages": unreleased_pages,
        "too_low": too_low,
        "again": again,
        "record": json.loads((root / "releases" / "v1.1.0.json").read_text(encoding="utf-8")),
    }


def test_release_refuses_uncommitted_changes_and_a_level_below_the_changes(history):
    assert history["dirty"].returncode != 0 and "uncommitted changes" in history["dirty"].stderr
    refused = history["too_low"]
    assert refused.returncode != 0
    assert "1.0.1 is a patch release, but the data changes since v1.0.0 need a minor release" in refused.stderr


def test_release_bumps_citation_and_tags(history):
    root = history["root"]
    assert _git(root, "tag", "--list").split() == ["v1.1.0"], "the first edition has its record, not a tag"
    first = history["first"]
    for ref, tag, date in ((history["first_commit"], "v1.0.0", first["date"]), ("v1.1.0", "v1.1.0", "2026-11-24")):
        cff = yaml.safe_load(_git(root, "show", f"{ref}:CITATION.cff"))
        assert (cff["version"], str(cff["date-released"])) == (tag[1:], date)
        assert not list(cff_validator().iter_errors(cff))
        zenodo = json.loads(_git(root, "show", f"{ref}:.zenodo.json"))
        assert zenodo["version"] == tag[1:]


def test_changelog_lists_exactly_the_changes_between_the_releases(history):
    changes = history["record"]["changes"]
    old_value, new_value = history["values"]
    assert history["record"]["level"] == "minor" and history["record"]["previous"] == "v1.0.0"
    assert [e["id"] for e in changes["sources"]["added"]] == [edits.ADDED_SOURCE]
    assert [e["id"] for e in changes["cmos"]["reworded"]] == [edits.REWORDED_CMO]
    reworded = changes["cmos"]["reworded"][0]
    assert reworded["new"] == reworded["old"].replace(edits.OLD_WORD, edits.NEW_WORD)
    assert list(reworded["fields"]) == ["mechanism_reasoning"]
    assert changes["reported_values"]["changed"] == [
        {"id": edits.CHANGED_VALUE, "fields": {"value_reported": [old_value, new_value], "value": [old_value, new_value]}}
    ]
    listed = sum(len(v) for name in changelog.COMPARED for v in changes[name].values())
    assert listed == 3, "nothing else may be listed"
    # The record agrees with comparing the two commits afresh, and with comparing the records' own rows.
    assert changelog.compare_refs(history["root"], history["first_commit"], "v1.1.0") == changes
    by_records = changelog.compare(*(changelog.snapshot_for(history["root"], v) for v in ("1.0.0", "1.1.0")))
    assert by_records == changes


def test_changelog_command_prints_the_changes_between_two_tags(history):
    shown = run_helpers(history["root"], "changelog", "v1.0.0", "v1.1.0")
    assert shown.returncode == 0, shown.stderr
    assert "Changes from v1.0.0 to v1.1.0:" in shown.stdout
    assert f"reworded {edits.REWORDED_CMO}" in shown.stdout and f"added {edits.ADDED_SOURCE}" in shown.stdout
    assert "Needs a minor release" in shown.stdout


def test_changelog_page_of_each_edition(history):
    newer = (history["site"] / "v1.1.0" / "chapters" / "changelog.html").read_text(encoding="utf-8")
    older = (history["site"] / "v1.0.0" / "chapters" / "changelog.html").read_text(encoding="utf-8")
    assert f"<del>{edits.OLD_WORD}</del> <ins>{edits.NEW_WORD}</ins>" in newer
    items = re.findall(r"<li class='report-(added|removed|reworded|changed)'>\s*<strong>\w+</strong> <code>([^<]+)</code>", newer)
    assert sorted(items) == sorted(
        [("added", edits.ADDED_SOURCE), ("reworded", edits.REWORDED_CMO), ("changed", edits.CHANGED_VALUE)]
    )
    held = history["first"]["counts"]["sources"]
    assert "Edition 1.1.0" in newer and "Edition 1.0.0" in newer and f"First edition: {held} evidence sources" in newer
    assert "Edition 1.0.0" in older and "Edition 1.1.0" not in older and "report-word-diff" not in older
    assert "Content note" in newer  # the changes quote CMO statements, some about self-harm


def test_changelog_lists_changes_not_yet_released(history, tmp_path):
    clone = tmp_path / "clone"
    _git(history["root"], "clone", "-q", str(history["root"]), str(clone))
    assert changelog.unreleased_changes(clone) is None
    edits.reword_cmo(clone, edits.NEW_WORD, "unheard")
    markup = changelog_page.release_notes(clone).data
    assert "Not yet released" in markup and "Changes to the data since edition 1.1.0" in markup
    assert f"<del>{edits.NEW_WORD}</del> <ins>unheard</ins>" in markup


def test_both_editions_are_published_side_by_side(history):
    site = history["site"]
    switcher = json.loads((site / "switcher.json").read_text(encoding="utf-8"))
    assert switcher == [
        {"name": "1.1.0 (latest)", "version": "1.1.0", "url": "v1.1.0/", "preferred": True},
        {"name": "1.0.0", "version": "1.0.0", "url": "v1.0.0/"},
    ]
    for folder, version in (("v1.0.0", "1.0.0"), ("v1.1.0", "1.1.0"), ("latest", "1.1.0")):
        for page in ("index", "survey", "changelog"):
            markup = (site / folder / "chapters" / f"{page}.html").read_text(encoding="utf-8")
            assert f"DOCUMENTATION_OPTIONS.theme_switcher_version_match = '{version}';" in markup
            assert "DOCUMENTATION_OPTIONS.theme_switcher_json_url = '../switcher.json';" in markup
            assert "version-switcher__button" in markup and markup.count("_static/report-editions.js") == 1
            assert set(re.findall(r'class="report-edition-version">([^<]+)<', markup)) == {version}
    sources_old = visible_text((site / "v1.0.0" / "chapters" / "evidence-base.html").read_text(encoding="utf-8"))
    sources_new = visible_text((site / "v1.1.0" / "chapters" / "evidence-base.html").read_text(encoding="utf-8"))
    held = history["first"]["counts"]["sources"]
    assert f"This edition holds {held} sources" in sources_old and f"This edition holds {held + 1} sources" in sources_new
    assert "index.html" in (site / "index.html").read_text(encoding="utf-8")
    # Publishing again keeps the editions already built from the same commits.
    assert history["again"].returncode == 0 and history["again"].stdout.count("kept") == 2


def test_published_pages_link_each_editions_downloads(history):
    """The real pages of both editions: the landing page links its own PDF and data package, the changelog links
    every edition's, and each link lands on a file listed in that edition's SHA256SUMS."""
    from helpers.release import artifacts, downloads

    site = history["site"]
    record = history["record"]
    assert record[downloads.RECORD_KEY]["data_package"]["name"] == artifacts.data_package_name("1.1.0")
    for folder in ("v1.0.0", "v1.1.0", "latest"):
        for page in ("index", "changelog"):
            path = site / folder / "chapters" / f"{page}.html"
            links = [h for h in re.findall(r'href="([^"]+)"', path.read_text(encoding="utf-8")) if artifacts.DOWNLOADS in h]
            assert links, (folder, page)
            for href in links:
                target = (path.parent / href).resolve()
                listed = (target.parent / downloads.SUMS).read_text(encoding="utf-8")
                assert target.is_file() and (target.name == downloads.SUMS or f"  {target.name}\n" in listed), href
    changelog = (site / "latest" / "chapters" / "changelog.html").read_text(encoding="utf-8")
    assert f'href="../../v1.0.0/{artifacts.DOWNLOADS}/{artifacts.pdf_name("1.0.0")}"' in changelog
    index = (site / "latest" / "chapters" / "index.html").read_text(encoding="utf-8")
    assert f'href="../{artifacts.DOWNLOADS}/{artifacts.pdf_name("1.1.0")}"' in index


@pytest.fixture(scope="module")
def served_editions(history):
    """The published site on a loopback server under a base path (/report/), as a host might put it."""
    from helpers.server import serve

    (history["site"].parent / "report").symlink_to(history["site"], target_is_directory=True)
    with serve(history["site"].parent) as base:
        yield f"{base}/report"


def rendered_dom(browser, url: str) -> str:
    """The page's DOM after its scripts ran (Playwright on Debian's chromium)."""
    page = browser.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_function("() => document.querySelector('.version-switcher__menu a.dropdown-item')", timeout=15_000)
    dom = page.content()
    page.close()
    return dom


def test_version_switcher_works_in_a_browser_from_a_base_path(served_editions, browser):
    import urllib.request

    dom = rendered_dom(browser, f"{served_editions}/v1.0.0/chapters/survey.html")
    links = re.findall(r'<a[^>]+class="dropdown-item[^"]*"[^>]+href="([^"]+)"', dom) or re.findall(
        r'<a[^>]+href="([^"]+)"[^>]+class="dropdown-item', dom
    )
    expected = {f"{served_editions}/v1.1.0/chapters/survey.html", f"{served_editions}/v1.0.0/chapters/survey.html"}
    assert expected <= set(links), links
    assert re.search(r'version-switcher__button[^>]*data-active-version="1.0.0"', dom), "the button names the edition read"
    assert "You are reading <strong>an old edition (1.0.0)</strong>" in dom  # the banner points to the newest edition
    assert 'aria-label="Edition 1.0.0: choose another edition"' in dom
    for link in expected:
        with urllib.request.urlopen(link) as response:
            assert response.status == 200


# --------------------------------------------------------------------------- records without tags, honest state


def test_a_fork_without_tags_compares_with_its_newest_record(history):
    shown = history["pending"]
    assert shown.returncode == 0, shown.stderr
    assert "Changes from v1.0.0 to the working tree:" in shown.stdout
    for entry in (f"reworded {edits.REWORDED_CMO}", f"added {edits.ADDED_SOURCE}", f"changed {edits.CHANGED_VALUE}"):
        assert entry in shown.stdout


def test_release_dry_run_on_a_dirty_tree_says_exactly_what_it_would_write(history):
    dry = history["dry"]
    assert dry.returncode == 0, dry.stderr
    first, record = history["first"], history["record"]
    assert f"CITATION.cff: version {first['version']} -> 1.1.0, date-released {first['date']} -> 2026-11-24" in dry.stdout
    assert ".zenodo.json: written again" in dry.stdout and "tag the commit v1.1.0" in dry.stdout
    assert "uncommitted changes" in dry.stdout and "M data/cmos.csv" in dry.stdout
    # The record it printed is the one the release wrote, but for the rows it summarised.
    printed = dry.stdout.split("releases/v1.1.0.json:\n", 1)[1].split("\nthen commit", 1)[0]
    shown = json.loads("\n".join(line[4:] for line in printed.splitlines()))
    assert shown["rows"]["tables"] == f"<the compared rows, {record['counts']}, as json>"
    assert {k: v for k, v in shown.items() if k != "rows"} == {k: v for k, v in record.items() if k != "rows"}


def _text(markup: str) -> str:
    """The visible text as read: no space before punctuation or after an opening bracket where tags were."""
    return re.sub(r"\( ", "(", re.sub(r" ([,.;:)])", r"\1", visible_text(markup))).strip()


def _footers(pages: dict[str, str]) -> dict[str, str]:
    return {
        name: _text(re.search(r'<p class="report-edition[^"]*".*?</p>', markup, re.S).group(0)) for name, markup in pages.items()
    }


def test_footer_follows_the_edition_state(history):
    """Released data: 'Edition 1.0.0, released ...' on every page; after an edit (an incremental build) every page
    says 'Unreleased changes since 1.0.0', the cite block offers both citations, nothing is left unresolved."""
    first = history["first"]
    released, unreleased = history["released_pages"], history["unreleased_pages"]
    assert len(released) >= 17 and set(released) == set(unreleased)
    for name, footer in _footers(released).items():
        assert footer.startswith(f"Edition {first['version']}, released {first['date']}"), name
        assert first["data_fingerprint"] in footer, name
    for name, footer in _footers(unreleased).items():
        assert footer.startswith(f"Unreleased changes since {first['version']}"), name
        assert "Edition" not in footer and first["data_fingerprint"] not in footer, name
    for pages in (released, unreleased):
        for name, markup in pages.items():
            assert "<!--report-if-" not in markup and "@@report-" not in markup, name
    cite = _text(unreleased["chapters/index.html"])
    assert f"You are reading unreleased changes since edition {first['version']}" in cite
    assert f"Version {first['version']}, released {first['date']}; data fingerprint {first['data_fingerprint']}" in cite
    assert "or cite this snapshot, by its data fingerprint and date" in cite
    figure = re.search(r'<details class="report-figure-cite">(.*?)</details>', unreleased["chapters/survey.html"], re.S)
    assert f"unreleased changes since edition {first['version']} (data fingerprint" in figure.group(1)
    assert "You are reading <strong>edition" in released["chapters/index.html"]


def test_changelog_page_opens_with_changes_not_yet_released(history):
    text = _text(history["unreleased_pages"]["chapters/changelog.html"])
    first = history["first"]
    page = history["unreleased_pages"]["chapters/changelog.html"]
    assert page.index("<h3>Not yet released</h3>") < page.index(f"<h3>Edition {first['version']}</h3>")
    assert f"Changes to the data since edition {first['version']}, not yet in any edition" in text
    assert f"First edition: {first['counts']['sources']} evidence sources" in text
    markup = history["unreleased_pages"]["chapters/changelog.html"]
    items = re.findall(
        r"<li class='report-(added|removed|reworded|changed)'>\s*<strong>\w+</strong> <code>([^<]+)</code>", markup
    )
    assert sorted(items) == sorted(
        [("added", edits.ADDED_SOURCE), ("reworded", edits.REWORDED_CMO), ("changed", edits.CHANGED_VALUE)]
    )
    assert "id='release-unreleased'" in markup
    assert "id='release-unreleased'" not in history["released_pages"]["chapters/changelog.html"]


def test_edition_state_of_a_copy(repo_copy):
    shipped = releases.edition_state(REPO)
    state = releases.edition_state(repo_copy)
    assert state.released == shipped.released and state.newest["tag"] == shipped.newest["tag"]
    edits.reword_cmo(repo_copy)
    changed = releases.edition_state(repo_copy)
    assert not changed.released and changed.since == shipped.newest["version"]
    if state.released:  # from a released edition to unreleased changes: every page names the new state
        assert changed.key("2026-12-01") != state.key("2026-12-01")
    shutil.rmtree(repo_copy / "releases")
    assert releases.edition_state(repo_copy).newest is None and not releases.edition_state(repo_copy).released


def test_state_blocks_keep_only_the_wording_that_holds():
    markup = (
        "a" + releases.only_when(releases.RELEASED, "<b>edition</b>") + releases.only_when(releases.UNRELEASED, "draft") + "z"
    )
    assert releases.resolve_state(markup, releases.RELEASED) == "a<b>edition</b>z"
    assert releases.resolve_state(markup, releases.UNRELEASED) == "adraftz"
    with pytest.raises(ValueError):
        releases.only_when("maybe", "x")


def test_record_rows_give_back_the_compared_data():
    snapshot = changelog.snapshot_from_dir(REPO)
    rows = changelog.encode_rows(snapshot)
    assert rows == changelog.encode_rows(snapshot), "the same data give the same record"
    assert changelog.is_empty(changelog.compare(changelog.decode_rows(rows, "v9.9.9"), snapshot))
    with pytest.raises(changelog.ReleaseError, match=r"releases/v9\.9\.9\.json cannot be read"):
        broken = json.loads(json.dumps(rows))
        broken["tables"]["cmos"]["rows"][0] = broken["tables"]["cmos"]["rows"][0][:2]  # a row cut short
        changelog.decode_rows(broken, "v9.9.9")


def test_shipped_records_hold_their_editions_data():
    """Each shipped record's rows hold its counts, and its fingerprint and rows are those of the data at its commit
    (where git has it). Compared by id and cell, so a column a later schema adds does not count as a difference."""
    from helpers.release.cut import fingerprint_at

    records = releases.load_records(REPO)
    assert records, "releases/ holds the first edition's record"
    for record in records:
        held = changelog.decode_rows(record["rows"], record["tag"])
        assert changelog.counts(held) == record["counts"]
        commit = record.get("commit") or record["tag"]
        if subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=REPO, capture_output=True).returncode:
            pytest.skip(f"git has no commit {commit} here (a shallow or exported checkout)")
        assert fingerprint_at(REPO, commit) == record["data_fingerprint"]
        try:
            at_commit = changelog.snapshot_from_git(REPO, commit)
        except changelog.ReleaseError as exc:
            pytest.skip(f"the data of {commit} no longer load with today's schema: {exc}")
        differences = changelog.compare(held, at_commit)
        for name in changelog.COMPARED:
            assert not any(differences[name].get(k) for k in ("added", "removed", "changed", "reworded")), name


def test_a_broken_record_is_named(repo_copy):
    path = repo_copy / "releases" / "v1.0.0.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"tag": "v1.0.0"', '"tag": "v1.0.1"'), encoding="utf-8")
    with pytest.raises(DataError, match=r"releases/v1\.0\.0\.json, column 'tag'"):
        releases.load_records(repo_copy)
    validated = run_helpers(repo_copy, "validate")
    assert validated.returncode == 1 and "releases/v1.0.0.json, column 'tag'" in validated.stderr
    path.write_text("{", encoding="utf-8")
    result = run_helpers(repo_copy, "changelog")
    assert result.returncode == 1 and "releases/v1.0.0.json" in result.stderr and "Traceback" not in result.stderr


def test_changelog_as_markdown_from_the_records_alone(repo_copy):
    """No git at all (an exported copy): the changelog compares with the newest record; Markdown for a CI summary."""
    newest = releases.load_records(repo_copy)[0]
    edits.reword_cmo(repo_copy)
    shown = run_helpers(repo_copy, "changelog", "--markdown")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == f"## Changes from {newest['tag']} to the working tree"
    assert "### CMO configurations" in lines and "Needs a **minor** release" in shown.stdout
    reworded = [line for line in lines if line.startswith(f"- reworded `{edits.REWORDED_CMO}`")]
    assert len(reworded) == 1 and "~~" in reworded[0]
    assert changelog._markdown_text("a *b* <i>|") == "a \\*b\\* &lt;i&gt;\\|"
