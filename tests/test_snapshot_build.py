"""What is validated is what is built and fingerprinted: one snapshot of the inputs per build.

- A data file edited while a build runs never leaves a stale or mislabelled site: the build fails naming the
  file, the published site stays as it was, and the next build publishes the new data under its fingerprint.
- A package upgraded without a change to requirements.txt re-executes the chapters, and the report says why.
- A chapter that reads a file outside the report, or reaches for the network, fails the build, named.
- What a killed build left in _build/ is removed by the next one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from conftest import copy_repo, run_helpers

CHAPTER = "chapters/synthesis-1-self-efficacy"
CMO_TEXT = b"In well populated and active forums"
EDITED_TEXT = b"In well populated and active zebraquagga forums"


def report(root: Path) -> dict:
    return json.loads((root / "_build" / "execution-report.json").read_text(encoding="utf-8"))


def site_hashes(site: Path) -> dict[str, str]:
    files = sorted(p for p in site.rglob("*") if p.is_file())
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def notebooks(root: Path) -> list[str]:
    return sorted(
        f"chapters/{p.stem}"
        for p in (root / "chapters").glob("*.md")
        if not p.name.startswith("_") and "```{code-cell}" in p.read_text("utf-8")  # chapters/_template.md is no page
    )


def add_first_cell(root: Path, docname: str, code: str) -> None:
    """Put a hidden code cell before the first code cell of a chapter."""
    page = root / f"{docname}.md"
    text = page.read_text(encoding="utf-8")
    cell = f"```{{code-cell}} ipython3\n:tags: [remove-cell]\n{code.strip()}\n```\n\n"
    first = text.index("```{code-cell}")
    page.write_text(text[:first] + cell + text[first:], encoding="utf-8")


def page_fingerprints(site: Path) -> set[str]:
    found = set()
    for page in site.rglob("*.html"):
        found.update(re.findall(r'class="report-edition-fingerprint">([0-9a-f]+)<', page.read_text(encoding="utf-8")))
    return found


def failed(result: subprocess.CompletedProcess) -> str:
    return f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


# A chapter that waits, once it has started executing, until the test says go (only when the test asks it to).
PAUSE = """
import os, pathlib, time
pause = os.environ.get("TEST_BUILD_PAUSE")
if pause:
    pathlib.Path(pause + ".started").write_text("started")
    deadline = time.monotonic() + 120
    while not os.path.exists(pause + ".go") and time.monotonic() < deadline:
        time.sleep(0.05)
"""


def test_a_data_edit_during_a_build_never_leaves_a_stale_or_mislabelled_site(tmp_path):
    from helpers.data.citation import data_fingerprint

    root = copy_repo(tmp_path / "report")
    first = run_helpers(root, "build")
    assert first.returncode == 0, failed(first)
    site = root / "_build" / "html"
    published = site_hashes(site)
    old_fingerprint = data_fingerprint(root)
    assert page_fingerprints(site) == {old_fingerprint}

    # The chapter changed, so this build executes it; it pauses after validation, and the data change then.
    add_first_cell(root, CHAPTER, PAUSE)
    pause = tmp_path / "pause"
    env = {**os.environ, "REPORT_ROOT": str(root), "TEST_BUILD_PAUSE": str(pause)}
    build = subprocess.Popen(
        [sys.executable, "-m", "helpers", "build"], cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 300
        while not Path(f"{pause}.started").exists():
            assert build.poll() is None, "the build ended before the chapter started"
            assert time.monotonic() < deadline, "the chapter never started"
            time.sleep(0.05)
        cmos = root / "data" / "cmos.csv"
        assert CMO_TEXT in cmos.read_bytes()
        cmos.write_bytes(cmos.read_bytes().replace(CMO_TEXT, EDITED_TEXT))  # its statement and context, both
    finally:
        Path(f"{pause}.go").write_text("go", encoding="utf-8")
    stdout, stderr = build.communicate(timeout=600)
    assert build.returncode != 0, f"a build whose data changed under it published:\n{stdout[-2000:]}\n{stderr[-2000:]}"
    assert "data/cmos.csv changed during the build" in stderr and "run the build again" in stderr, stderr[-3000:]
    assert "Nothing was published" in stderr
    assert site_hashes(site) == published, "the published site changed"
    assert report(root)["published"] is False

    # The next build publishes the new data, under the new data's fingerprint: nothing was kept as up to date.
    again = run_helpers(root, "build")
    assert again.returncode == 0, failed(again)
    record = report(root)
    assert CHAPTER in record["executed"]
    assert "data/cmos.csv" in record["invalidated"].get(CHAPTER, ""), record["invalidated"]
    page = (site / f"{CHAPTER}.html").read_text(encoding="utf-8")
    assert EDITED_TEXT.decode() in page
    new_fingerprint = data_fingerprint(root)
    assert new_fingerprint != old_fingerprint
    assert page_fingerprints(site) == {new_fingerprint}
    assert record["data_fingerprint"] == new_fingerprint


def test_a_chapter_that_read_other_content_than_the_snapshot_is_caught(repo_copy, tmp_path):
    """A file edited and restored while a chapter read it: the files match at the end, the chapter's read does not."""
    from helpers.build.fingerprint import fingerprints
    from helpers.build.pipeline import departures
    from helpers.build.reads import reads_log

    snapshot = fingerprints(repo_copy)
    execution = tmp_path / "execution"
    assert departures(repo_copy, snapshot, execution, None) == []
    log = reads_log(execution, CHAPTER)
    log.parent.mkdir(parents=True)
    log.write_text(json.dumps({"file": "data/cmos.csv", "sha256": "0" * 64}) + "\n", encoding="utf-8")
    problems = departures(repo_copy, snapshot, execution, None)
    why = f"data/cmos.csv changed during the build ({CHAPTER} read other content than was validated); run the build again"
    assert problems == [why]


def write_distribution(folder: Path, version: str) -> None:
    for old in folder.glob("somepkg-*.dist-info"):
        for file in old.iterdir():
            file.unlink()
        old.rmdir()
    info = folder / f"somepkg-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: somepkg\nVersion: {version}\n", encoding="utf-8")


def test_a_package_version_change_reexecutes_the_chapters_and_says_why(tmp_path):
    root = copy_repo(tmp_path / "report")
    packages = tmp_path / "site"
    write_distribution(packages, "1.0")
    path = os.pathsep.join(p for p in (str(packages), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "REPORT_ROOT": str(root), "PYTHONPATH": path}

    def build() -> dict:
        result = subprocess.run([sys.executable, "-m", "helpers", "build"], cwd=root, env=env, capture_output=True, text=True)
        assert result.returncode == 0, failed(result)
        return report(root)

    first = build()
    assert sorted(first["executed"]) == notebooks(root)
    unchanged = build()
    assert unchanged["executed"] == [] and "up to date" in unchanged["outcome"]

    write_distribution(packages, "1.1")
    upgraded = build()
    assert sorted(upgraded["executed"]) == notebooks(root), "a package changed, yet cached outputs were served"
    assert upgraded["from_cache"] == []
    assert set(upgraded["invalidated"]) == set(notebooks(root))
    assert all("somepkg 1.0 -> 1.1" in reason for reason in upgraded["invalidated"].values()), upgraded["invalidated"]


# Executed by the runner (it refuses), or only in a Jupyter kernel (the build's kernels refuse too).
READS_OUTSIDE = 'from pathlib import Path\nPath({path!r}).read_text(encoding="utf-8")'
CONNECTS = 'import socket\nsocket.create_connection(("192.0.2.1", 80), timeout=2)'
ONLY_IN_A_KERNEL = 'import sys\nif "ipykernel" not in sys.modules:\n    raise RuntimeError("runs only in a Jupyter kernel")\n'


def test_a_chapter_reading_outside_the_report_or_connecting_out_fails_the_build(tmp_path):
    root = copy_repo(tmp_path / "report")
    outside = tmp_path / "elsewhere" / "numbers.csv"
    outside.parent.mkdir()
    outside.write_text("a,b\n1,2\n", encoding="utf-8")
    add_first_cell(root, "chapters/methods", READS_OUTSIDE.format(path=str(outside)))
    add_first_cell(root, "chapters/survey", CONNECTS)
    add_first_cell(root, "chapters/evidence-base", ONLY_IN_A_KERNEL + CONNECTS)
    result = run_helpers(root, "build")
    assert result.returncode != 0, failed(result)
    said = result.stderr
    assert f"chapters/methods: reading {outside.resolve()} refused during the build: the file is outside the report" in said
    assert "chapters/survey: connecting to 192.0.2.1:80 refused during the build" in said
    assert "chapters/evidence-base: connecting to 192.0.2.1:80 refused during the build" in said, "a kernel went unguarded"
    assert "Nothing was published" in said
    assert not (root / "_build" / "html").exists()
    assert report(root)["published"] is False


def test_what_a_killed_build_left_behind_is_removed_by_the_next_build(tmp_path):
    root = copy_repo(tmp_path / "report")
    build_dir = root / "_build"
    leftovers = [build_dir / ".staging-killed" / "execution", build_dir / ".retired-killed" / "html"]

    def leave() -> None:
        for folder in leftovers:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "index.html").write_text("half a site", encoding="utf-8")

    leave()
    result = run_helpers(root, "build")
    assert result.returncode == 0, failed(result)
    assert sorted(p.name for p in build_dir.iterdir() if p.name.startswith((".staging-", ".retired-"))) == []
    leave()  # and when the next build finds the site up to date
    result = run_helpers(root, "build")
    assert result.returncode == 0 and "Up to date" in result.stdout, failed(result)
    assert sorted(p.name for p in build_dir.iterdir() if p.name.startswith((".staging-", ".retired-"))) == []
