"""Publish every edition side by side: ``_build/site/vX.Y.Z/``, ``_build/site/latest/`` and a version switcher.

Each release (a release record or a git tag) is exported from its commit
(``helpers.release.changes.edition_commit``: the tag's, else the one its record names, else the one that added
its record) with ``git archive`` into a temporary folder and built there with the repository's normal build
command (``python -m helpers build``), importing that edition's own helpers (``PYTHONPATH``), so an edition
looks as it did when it was released. An edition already published from the same commit is kept as it is
(``--rebuild`` builds it again), so older editions' pages keep working as newer ones appear.

``switcher.json`` (pydata-sphinx-theme's format) lists the editions with URLs relative to itself; each edition
fetches it as ``../switcher.json`` and ``helpers/static/report-editions.js`` resolves the links, so the site works
offline and from any base path. ``index.html`` at the top sends readers to ``latest/``.

Beside each edition's pages, ``downloads/`` holds its PDF (printed from those pages) and its data package (written
from its exported tree), with ``SHA256SUMS`` (``helpers.release.downloads``); the package must have the sha256 the
release recorded, or publishing fails. An edition kept as it is keeps its downloads (they are not printed again);
one published before downloads existed gets them added, its pages untouched. Pages link the downloads through
the slots ``publish`` fills (:func:`helpers.release.downloads.fill_slots`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from helpers.build.protocol import EDITIONS_JSON_ENV
from helpers.data.paths import root
from helpers.release import changes as changelog
from helpers.release import downloads
from helpers.release.git import ReleaseError, git

SITE_DIR = Path("_build") / "site"
LATEST = "latest"
STAMP = ".edition-commit"
REDIRECT = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Living evidence report: latest edition</title>
<meta http-equiv="refresh" content="0; url=latest/index.html"><link rel="canonical" href="latest/index.html"></head>
<body><p>The newest edition is at <a href="latest/index.html">latest/</a>; every edition is listed in
<a href="switcher.json">switcher.json</a>.</p></body></html>
"""


def switcher_entries(tags: list[str]) -> list[dict]:
    """pydata-sphinx-theme switcher entries, newest first; URLs relative to switcher.json."""
    newest = tags[-1]
    return [
        {
            "name": f"{tag[1:]} (latest)" if tag == newest else tag[1:],
            "version": tag[1:],
            "url": f"{tag}/",
            **({"preferred": True} if tag == newest else {}),
        }
        for tag in reversed(tags)
    ]


def export(base: Path, commit: str, folder: Path) -> Path:
    """``commit``'s files, exported with ``git archive`` into ``folder/report`` (returned)."""
    checkout = folder / "report"
    checkout.mkdir()
    archive = folder / "edition.tar"
    git(base, "archive", "--format=tar", f"--output={archive}", commit)
    with tarfile.open(archive) as tar:
        tar.extractall(checkout, filter="data")
    archive.unlink()
    return checkout


def build_html(checkout: Path, tag: str) -> Path:
    """Build the exported edition at ``checkout`` with the normal build command and its own helpers; its HTML."""
    env = {
        **os.environ,
        "REPORT_ROOT": str(checkout),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(checkout / "src"), os.environ.get("PYTHONPATH")])),
        EDITIONS_JSON_ENV: "../switcher.json",
    }
    print(f"Building {tag} in {checkout} ...", flush=True)
    result = subprocess.run([sys.executable, "-m", "helpers", "build"], cwd=checkout, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise ReleaseError(f"the build of {tag} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return checkout / "_build" / "html"


def build_edition(base: Path, tag: str, commit: str, target: Path, record: dict | None = None) -> None:
    """Export ``commit`` (edition ``tag``), build it, write its downloads beside its pages and fill its pages' download
    slots; replace ``target`` on success only."""
    staged = target.with_name(target.name + ".new")
    shutil.rmtree(staged, ignore_errors=True)
    try:
        with tempfile.TemporaryDirectory(prefix=f"report-{tag}-") as tmp:
            checkout = export(base, commit, Path(tmp))
            shutil.copytree(build_html(checkout, tag), staged)
            downloads.write_downloads(checkout, staged, staged, tag, record)
        downloads.fill_slots(staged, target.parent)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    (staged / STAMP).write_text(commit + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staged.rename(target)


def add_downloads(base: Path, tag: str, commit: str, target: Path, record: dict | None = None) -> None:
    """An edition published before downloads existed: write them beside its kept pages (printed from those pages)."""
    with tempfile.TemporaryDirectory(prefix=f"report-{tag}-") as tmp:
        downloads.write_downloads(export(base, commit, Path(tmp)), target, target, tag, record)
    downloads.fill_slots(target, target.parent)


def publish(out: str | None = None, rebuild: bool = False) -> int:
    base = root()
    site = Path(out).resolve() if out else base / SITE_DIR
    try:
        editions = changelog.releases(base)
        if not editions:
            raise ReleaseError(
                "no release yet (no record in releases/, no tag vX.Y.Z); cut one with `python -m helpers release X.Y.Z`"
            )
        tags = [edition.tag for edition in editions]
        commits = {edition.tag: changelog.edition_commit(base, edition) for edition in editions}
        records = {edition.tag: edition.record for edition in editions}
        missing = [tag for tag, commit in commits.items() if commit is None]
        if missing:
            raise ReleaseError(
                f"git has no commit for {', '.join(missing)} (no tag, and no commit that added its record): "
                "publish needs the whole history (`git fetch --unshallow --tags`; in CI, checkout with fetch-depth: 0)"
            )
        site.mkdir(parents=True, exist_ok=True)
        for tag in tags:
            target = site / tag
            commit = commits[tag]
            stamp = target / STAMP
            if not rebuild and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == commit:
                if downloads.has_downloads(target):
                    print(f"{tag}: already published from {commit[:12]}, kept with its downloads.")
                    continue
                add_downloads(base, tag, commit, target, records[tag])
                print(f"{tag}: already published from {commit[:12]}, kept; its downloads added.")
                continue
            build_edition(base, tag, commit, target, records[tag])
            print(f"{tag}: published to {target}")
    except ReleaseError as exc:
        print(f"Publish failed: {exc}", file=sys.stderr)
        return 1
    latest = site / LATEST
    staged = site / (LATEST + ".new")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(site / tags[-1], staged)
    shutil.rmtree(latest, ignore_errors=True)
    staged.rename(latest)
    (site / "switcher.json").write_text(json.dumps(switcher_entries(tags), indent=2) + "\n", encoding="utf-8")
    (site / "index.html").write_text(REDIRECT, encoding="utf-8")
    print(f"Published {len(tags)} edition(s) to {site}; {LATEST}/ is {tags[-1]}.")
    return 0
