"""Living updates: a data edit re-executes exactly the chapters that read the file; a failed build publishes nothing.

One copy of the repository is built once for this module (the README's build command); the tests then
rebuild it after changes and read the build's own record, ``_build/execution-report.json``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import copy_repo, run_helpers

EDITED_VALUE = "e25.sample.survey.wave3.n"
NEW_NUMBER = "4321"


def report(root: Path) -> dict:
    return json.loads((root / "_build" / "execution-report.json").read_text(encoding="utf-8"))


def build(root: Path) -> dict:
    result = run_helpers(root, "build")
    assert result.returncode == 0, f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return report(root)


def site_hashes(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(site.rglob("*")) if p.is_file()
    }


def set_reported_value(path: Path, value_id: str, printed: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    matched = [row for row in rows if row["value_id"] == value_id]
    assert len(matched) == 1, value_id
    matched[0]["value_reported"] = printed
    matched[0]["value"] = printed
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory) -> tuple[Path, dict]:
    root = copy_repo(tmp_path_factory.mktemp("living") / "report")
    return root, build(root)


def test_first_build_executes_every_notebook_and_records_what_each_read(built_copy):
    root, first = built_copy
    notebooks = sorted(
        f"chapters/{p.stem}"
        for p in (root / "chapters").glob("*.md")
        if not p.name.startswith("_") and "```{code-cell}" in p.read_text("utf-8")  # chapters/_template.md is no page
    )
    assert first["published"] is True
    assert sorted(first["executed"]) == notebooks and first["from_cache"] == []
    readers = {doc for doc, files in first["dependencies"].items() if "data/reported_values.csv" in files}
    # Discovered, not declared: the survey page reads the reported values, a synthesis page without 2025 findings does not.
    # (Theory area 1 of the synthesis shows 2025 values in its evidence panels; theory area 2 shows none.)
    assert "chapters/survey" in readers and "chapters/synthesis-2-psychological-safety" not in readers
    assert "data/cmos.csv" in first["dependencies"]["chapters/synthesis-1-self-efficacy"]


def test_data_edit_reexecutes_exactly_the_chapters_that_read_the_file(built_copy):
    root, first = built_copy
    survey_before = (root / "_build" / "html" / "chapters" / "survey.html").read_text(encoding="utf-8")
    assert f">{NEW_NUMBER}<" not in survey_before

    unchanged = build(root)
    assert unchanged["executed"] == [] and unchanged["invalidated"] == {}
    assert sorted(unchanged["from_cache"]) == sorted(first["executed"])

    set_reported_value(root / "data" / "reported_values.csv", EDITED_VALUE, NEW_NUMBER)
    edited = build(root)
    readers = sorted(doc for doc, files in unchanged["dependencies"].items() if "data/reported_values.csv" in files)
    assert 0 < len(readers) < len(first["executed"])
    assert sorted(edited["executed"]) == readers
    assert sorted(edited["from_cache"]) == sorted(set(first["executed"]) - set(readers))
    assert set(edited["invalidated"]) == set(readers)
    assert all("data/reported_values.csv" in reason for reason in edited["invalidated"].values())
    survey_after = (root / "_build" / "html" / "chapters" / "survey.html").read_text(encoding="utf-8")
    assert f">{NEW_NUMBER}<" in survey_after


def search_terms(site: Path) -> dict:
    """The search index's terms that find something (Sphinx keeps emptied terms of re-written pages)."""
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(text[text.index("(") + 1 : text.rindex(")")])["terms"]
    return {term: pages for term, pages in terms.items() if pages != []}


def test_rebuild_after_a_data_edit_publishes_what_a_clean_build_would(built_copy, tmp_path):
    """Only the chapters that read the edited file were executed and re-read; the site is the same all the same."""
    root, _ = built_copy
    assert report(root)["executed"], "the previous test's edit should have re-executed some chapters"
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("_build"))
    build(fresh)
    incremental, clean = root / "_build" / "html", fresh / "_build" / "html"
    ours, theirs = site_hashes(incremental), site_hashes(clean)
    assert set(ours) == set(theirs)
    different = [page for page, digest in ours.items() if page != "searchindex.js" and theirs[page] != digest]
    assert not different, f"pages differ from a clean build of the same data: {different}"
    assert search_terms(incremental) == search_terms(clean)


def test_failed_build_leaves_the_published_site_byte_for_byte_unchanged(built_copy):
    root, _ = built_copy
    site = root / "_build" / "html"
    before = site_hashes(site)
    assert len(before) > 20

    # Invalid data: validation refuses, Sphinx never starts.
    sources = root / "data" / "cmos.csv"
    good_cmos = sources.read_bytes()
    sources.write_bytes(good_cmos.replace(b"CMO-2024-01,", b"CMO-2024-1,", 1))
    result = run_helpers(root, "build")
    assert result.returncode != 0
    # The output ends with the problem (file, row, column), said once.
    last = result.stderr.strip().splitlines()[-2:]
    assert last[0].startswith("Build not started: the data have 1 problem(s)"), last
    assert "nothing was built and nothing was published: _build/html is unchanged" in last[0], last
    assert last[1].startswith("  - data/cmos.csv, row 2, column 'cmo_id': "), last
    assert (result.stdout + result.stderr).count("'CMO-2024-1'") == 1
    assert site_hashes(site) == before
    sources.write_bytes(good_cmos)

    # Valid data but a page that fails the strict build after its notebook ran: nothing is published.
    chapter = root / "chapters" / "methods.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n\nA claim {cite:p}`nobody1999nothing`.\n", encoding="utf-8")
    result = run_helpers(root, "build")
    assert result.returncode != 0
    # Sphinx's warning is the first error: held back from the log, it ends the output, once, with file and line.
    last = result.stderr.strip().splitlines()[-2:]
    assert re.fullmatch(r'Build failed: chapters/methods\.md, line \d+: .*"nobody1999nothing".*', last[0]), last
    assert last[1] == "Nothing was published: _build/html is unchanged."
    assert (result.stdout + result.stderr).count("nobody1999nothing") == 1
    assert site_hashes(site) == before
    assert report(root)["published"] is False
    assert "nobody1999nothing" in report(root)["first_error"]
    assert not list((root / "_build").glob(".staging-*")), "the failed build's staging directory was left behind"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("A claim {cite:p}`nobody1999nothing`.", ""), "utf-8")


def test_a_chapter_that_raises_ends_the_output_with_chapter_cell_and_exception(built_copy):
    """The output ends with the page, cell, line and exception, once (not myst-nb's "Executing notebook failed"
    nor Sphinx's crash report); the next build says why it starts from nothing."""
    root, _ = built_copy
    build(root)  # whatever the earlier tests left: a good build first
    site = root / "_build" / "html"
    before = site_hashes(site)
    chapter = root / "chapters" / "methods.md"
    good = chapter.read_text(encoding="utf-8")
    cell = "```{code-cell} ipython3\n:tags: [remove-input]\nx = 1\nraise ValueError('deliberate ' + 'failure')\n```\n"
    chapter.write_text(good + "\n" + cell, encoding="utf-8")
    raising_line = (good + "\n" + cell).splitlines().index("raise ValueError('deliberate ' + 'failure')") + 1
    result = run_helpers(root, "build")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-2:]
    assert re.fullmatch(
        rf"Build failed: chapters/methods\.md, cell \d+, line {raising_line}: ValueError: deliberate failure", last[0]
    ), last
    assert last[1] == "Nothing was published: _build/html is unchanged."
    assert (result.stdout + result.stderr).count("deliberate failure") == 1, "the error is said once"
    assert "Executing notebook failed" not in result.stdout + result.stderr
    assert "Exception occurred" not in result.stdout + result.stderr
    assert site_hashes(site) == before

    chapter.write_text(good, encoding="utf-8")
    result = run_helpers(root, "build")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Sphinx: building every page from nothing (the last build failed" in result.stdout, result.stdout[:2000]


def test_a_full_rebuild_names_its_reason(built_copy):
    root, _ = built_copy
    config = root / "_config.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    result = run_helpers(root, "build")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Sphinx: building every page from nothing (configuration changed: _config.yml)." in result.stdout


def test_rebuild_reasons_name_what_changed(tmp_path):
    from helpers.build.failure import rebuild_reason

    package = tmp_path / "src" / "helpers"
    package.mkdir(parents=True)
    before = {
        "files": {"_config.yml": "a", "src/helpers/x.py": "b", "chapters/a.md": "", "bib/references.bib": "c"},
        "packages": {"pandas": "3.1.1"},
        "environment": [],
        "tags": "",
    }
    assert rebuild_reason(None, before, tmp_path, package, last_failed=False) == "first build"
    assert "last build failed" in rebuild_reason(None, before, tmp_path, package, last_failed=True)
    now = {**before, "files": {**before["files"], "src/helpers/x.py": "B", "chapters/new.md": ""}}
    assert rebuild_reason(before, now, tmp_path, package, False) == (
        "added: chapters/new.md; helpers package changed: src/helpers/x.py"
    )
    now = {**before, "files": {**before["files"], "_config.yml": "A"}, "packages": {"pandas": "3.1.2"}}
    assert rebuild_reason(before, now, tmp_path, package, False) == (
        "configuration changed: _config.yml; installed packages changed: pandas 3.1.1 -> 3.1.2"
    )


def test_swap_replaces_the_site_in_one_step_and_leaves_nothing_behind(tmp_path):
    from helpers.build.pipeline import swap_into_place

    published = tmp_path / "_build" / "html"
    published.mkdir(parents=True)
    (published / "index.html").write_text("old", encoding="utf-8")
    (published / "gone.html").write_text("only in the old site", encoding="utf-8")
    staged = tmp_path / "_build" / ".staging-x" / "html"
    staged.mkdir(parents=True)
    (staged / "index.html").write_text("new", encoding="utf-8")
    swap_into_place(staged, published)
    assert site_hashes(published) == {"index.html": hashlib.sha256(b"new").hexdigest()}
    assert not staged.exists()
    assert sorted(p.name for p in (tmp_path / "_build").iterdir()) == [".staging-x", "html"]


def test_the_build_code_counts_as_an_input_when_installed_from_outside_the_report(tmp_path, monkeypatch):
    """A copy of the report is built by helpers installed elsewhere: a change to them must not read as "up to date"."""
    from helpers.build import fingerprint as inputs

    root = copy_repo(tmp_path / "report")
    package = tmp_path / "installed" / "helpers"
    (package / "build").mkdir(parents=True)
    (package / "build" / "fingerprint.py").write_text("# version 1\n", encoding="utf-8")
    monkeypatch.setattr(inputs, "__file__", str(package / "build" / "fingerprint.py"))
    before = inputs.fingerprints(root)
    assert inputs.fingerprints(root) == before
    (package / "figures.py").write_text("# a renderer changed\n", encoding="utf-8")
    after = inputs.fingerprints(root)
    assert after.inputs != before.inputs and after.structure != before.structure


def test_the_places_file_rebuilds_every_page_a_chapter_only_its_own(tmp_path):
    """Every page's footer links through chapters/places.yml: a change to it is a change of structure (Sphinx starts
    from nothing), while a chapter's text is content (Sphinx re-reads that page only)."""
    from helpers.build import fingerprint

    root = copy_repo(tmp_path / "report")
    before = fingerprint.fingerprints(root)
    chapter = root / "chapters" / "methods.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    edited = fingerprint.fingerprints(root)
    assert edited.inputs != before.inputs and edited.structure == before.structure
    places = root / "chapters" / "places.yml"
    places.write_text(places.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    after = fingerprint.fingerprints(root)
    assert after.inputs != edited.inputs and after.structure != edited.structure


def test_the_first_error_is_held_back_from_the_log_and_said_at_the_end(tmp_path):
    from helpers.build.failure import FirstError

    root = tmp_path / "report"
    first = FirstError(root)
    log = [
        "\x1b[01mreading sources... \x1b[39;49;00m[ 50%] chapters/methods",
        f'\x1b[91m{root}/chapters/methods.md:61: WARNING: could not find bibtex key "x"\x1b[39;49;00m',
        f"{root}/chapters/survey.md:3: WARNING: a second warning",
        "\x1b[91mException occurred:\x1b[39;49;00m",
        '  File "/venv/myst_nb/core/execute/cache.py", line 89, in start_client',
        "myst_nb.core.execute.base.ExecutionError: /x/chapters/survey.md",
        "",
        "Please also report this if it was a user error, so that a better error message can be provided next time.",
        "build finished with problems, 2 warnings.",
    ]
    shown = [line for line in log if first.passes(line)]
    assert first.finish() == 'chapters/methods.md, line 61: WARNING: could not find bibtex key "x"'
    assert not any("bibtex key" in line or "Exception occurred" in line or "ExecutionError" in line for line in shown)
    assert any("a second warning" in line for line in shown) and shown[-1].startswith("build finished")

    crash = FirstError(root)
    for line in ["Exception occurred:", '  File "x.py", line 1, in f', "ValueError: broken", ""]:
        assert not crash.passes(line) or line == ""
    assert crash.finish() == "Exception occurred: ValueError: broken"
