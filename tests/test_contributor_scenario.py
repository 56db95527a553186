"""The living loop as a contributor meets it: an ordinary update, made as CONTRIBUTING.md says, stays green.

On a throwaway copy of the repository (a git history whose first edition is tagged v1.0.0 and also has its release
record, so the changelog works from either) a contributor adds a source with its BibTeX entry, rewords a CMO, adds
a reported value and adds a chapter from the template. Then validation, the strict build and the data tests pass,
and ``python -m helpers changelog`` lists exactly those changes. Slow (one clean build, one incremental build):
run it alone with ``pytest -m scenario``, or leave it out with ``-m "not scenario"``.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

import edition_fixtures as edits
from conftest import SEEDS, run_helpers
from test_book import visible_text
from test_editions import _copy_tracked_files

pytestmark = pytest.mark.scenario

WHO = "A. Contributor"
WHEN = "2026-12-01"
DOCUMENT = "the contributor scenario test (not a real change)"
NEW_SOURCE, NEW_KEY, NEW_DOI = "SRC-N001", "pawson2005realist", "10.1258/1355819054308530"
NEW_ENTRY = f"""
@article{{{NEW_KEY},
  author = {{Pawson, R. and Greenhalgh, T. and Harvey, G. and Walshe, K.}},
  title = {{Realist review -- a new method of systematic review designed for complex policy interventions}},
  journal = {{J Health Serv Res Policy}},
  year = {{2005}},
  volume = {{10}},
  number = {{Suppl 1}},
  pages = {{21--34}},
  doi = {{{NEW_DOI}}},
  x-provenance = {{added {WHEN} by {WHO} from {NEW_DOI}}}
}}
"""
NEW_VALUE = "s24.other.reddit_depression.users.n"
NEW_CHAPTER = "chapters/sources-added"


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


# --------------------------------------------------------------------------- the contributor's changes, as CONTRIBUTING.md says


def add_source(root: Path) -> None:
    """'Add a source': a BibTeX entry with its provenance, and a row with the next SRC-N id, year and title as in
    the entry. Nothing about the source is guessed: its characteristics read 'not reported', it supports no CMO."""
    with (root / "bib" / "references.bib").open("a", encoding="utf-8") as handle:
        handle.write(NEW_ENTRY)
    path = root / "data" / "sources.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["sources"]
    header = [cell.value for cell in sheet[1]]
    row = dict.fromkeys(header, "")
    row.update(
        {column: "not reported" for column in ("venue", "study_design", "platform", "population_or_condition")}
        | {"country": "not reported", "moderation_type": "not reported", "quoted": "not reported"}
    )
    row.update(
        source_id=NEW_SOURCE,
        bibkey=NEW_KEY,
        authors="Pawson R, Greenhalgh T, Harvey G, Walshe K",
        year="2005",
        title="Realist review - a new method of systematic review designed for complex policy interventions",
        venue="J Health Serv Res Policy",
        document_type="journal article",
        document_type_basis="venue is a journal",
        provenance=f"added {WHEN} by {WHO} from {NEW_DOI}",
    )
    sheet.append([row[column] or None for column in header])
    book.save(path)


def reword_cmo(root: Path) -> None:
    """'Change a CMO': one word of a statement (and the component quoting it), with the provenance saying so."""
    edits.reword_cmo(root)
    path = root / "data" / "cmos.csv"
    rows = read_csv(path)
    for row in rows:
        if row["cmo_id"] == edits.REWORDED_CMO:
            row["provenance"] = f"reworded {WHEN} by {WHO} from {DOCUMENT}"
    write_csv(path, rows)


def add_value(root: Path) -> None:
    """'Add a reported value': a number the 2024 paper prints (in its introduction) that the data do not hold yet."""
    path = root / "data" / "reported_values.csv"
    rows = read_csv(path)
    assert NEW_VALUE not in {row["value_id"] for row in rows}
    row = dict.fromkeys(rows[0], "")
    row.update(
        value_id=NEW_VALUE,
        paper="2024",
        section="Introduction",
        location="Introduction paragraph 5, sentence 2",
        domain="other",
        measure="users of the Reddit discussion board r/depression (the paper's reference 21)",
        category="end of 2017",
        statistic="n",
        value_reported="314,000",
        value="314000",
        note="a background figure the synthesis cites; about 1,000,000 in late 2023",
        provenance=f"added {WHEN} by {WHO} from 10.2196/55750",
    )
    write_csv(path, [*rows, row])


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def add_chapter(root: Path) -> None:
    """'Add a chapter': the template copied, given a title, and listed in _toc.yml."""
    text = (root / "chapters" / "_template.md").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^# Title of the chapter$", "# Sources of theory area 1", text)
    (root / f"{NEW_CHAPTER}.md").write_text(text, encoding="utf-8")
    toc_path = root / "_toc.yml"
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    toc["parts"][-1]["chapters"].append({"file": NEW_CHAPTER})
    toc_path.write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")


# --------------------------------------------------------------------------- the scenario


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, offline_build) -> dict:
    root = tmp_path_factory.mktemp("scenario") / "report"
    root.mkdir()
    _copy_tracked_files(root)  # the release records among them
    git(root, "init", "-q")
    for key, value in (("user.name", "Report tests"), ("user.email", "tests@example.invalid"), ("commit.gpgsign", "false")):
        git(root, "config", key, value)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "The first edition")
    git(root, "tag", "-a", "v1.0.0", "-m", "Edition 1.0.0")
    assert (root / "releases" / "v1.0.0.json").is_file()
    # What the repository already holds since its newest release (none, right after a release): the changelog
    # lists it before the contributor's update too, and the update must add exactly its own changes to it.
    before = run_helpers(root, "changelog")

    add_source(root)
    reword_cmo(root)
    add_value(root)
    add_chapter(root)
    validated = run_helpers(root, "validate")
    built = run_helpers(root, "build", offline=offline_build, timeout=1800)
    return {
        "root": root,
        "validated": validated,
        "built": built,
        "before": before,
        "changelog": run_helpers(root, "changelog"),
    }


def test_validate_passes_after_the_update(scenario):
    assert scenario["validated"].returncode == 0, scenario["validated"].stderr


def test_the_strict_build_passes_and_shows_the_update(scenario):
    built = scenario["built"]
    assert built.returncode == 0, f"{built.stdout[-3000:]}\n{built.stderr[-3000:]}"
    site = scenario["root"] / "_build" / "html"
    chapter = visible_text((site / f"{NEW_CHAPTER}.html").read_text(encoding="utf-8"))
    assert "Sources of theory area 1" in chapter and "Content note" in chapter
    evidence = visible_text((site / "chapters" / "evidence-base.html").read_text(encoding="utf-8"))
    assert "Pawson et al. 2005" in evidence


def test_the_data_tests_pass_after_the_update(scenario):
    """The data tests of the copy, against its data (fidelity included where the papers are here): a reworded CMO,
    an added source and an added value that say so are not checked against the papers, and nothing fails."""
    root = scenario["root"]
    env = {**os.environ, "REPORT_ROOT": str(root), "SEEDS_DIR": str(SEEDS), "PYTHONPATH": str(root / "src")}
    tests = ["tests/test_data.py", "tests/test_first_edition.py", "tests/test_content_checks.py"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert " failed" not in result.stdout and " passed" in result.stdout


def _listed(shown) -> list[str]:
    """'added SRC-N001', 'reworded CMO-2024-05', ...: one entry per change the changelog command prints."""
    assert shown.returncode == 0, shown.stderr
    lines = [line for line in shown.stdout.splitlines() if line.strip() and not line.startswith(("Changes from", "Needs a"))]
    return sorted(line.split(":")[1].strip() for line in lines if ":" in line)


def test_the_changelog_lists_exactly_the_changes(scenario):
    shown = scenario["changelog"]
    already = _listed(scenario["before"]) if "Changes from" in scenario["before"].stdout else []
    expected = sorted([*already, f"added {NEW_SOURCE}", f"reworded {edits.REWORDED_CMO}", f"added {NEW_VALUE}"])
    assert _listed(shown) == expected, shown.stdout
    assert "Needs a minor release" in shown.stdout


def test_a_page_without_its_content_note_fails_the_build_naming_page_and_sentence(scenario):
    """A chapter whose own text never names the topics, but whose tables (drawn from the data) do: validate cannot
    see it, the build's check of each written page does, and the last good site stays published."""
    root = scenario["root"]
    if scenario["built"].returncode != 0:
        pytest.skip("the scenario's build failed (reported above)")
    theory_area = root / "chapters" / "synthesis-5-social-connection.md"
    text = theory_area.read_text(encoding="utf-8")
    snippet = ":::{include} _snippets/content-note-titles.md\n:::\n"
    assert snippet in text
    theory_area.write_text(text.replace(snippet, ""), encoding="utf-8")
    published = (root / "_build" / "html" / "chapters" / "synthesis-5-social-connection.html").read_bytes()
    assert run_helpers(root, "validate").returncode == 0
    rebuilt = run_helpers(root, "build", timeout=1800)
    output = rebuilt.stdout + rebuilt.stderr
    assert rebuilt.returncode != 0
    assert re.search(r"page chapters/synthesis-5-social-connection mentions '[^']+' in the sentence '[^']+'", output), output[
        -3000:
    ]
    assert (root / "_build" / "html" / "chapters" / "synthesis-5-social-connection.html").read_bytes() == published
