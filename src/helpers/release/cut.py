"""Cut a release: check the data, bump the version, record what changed, commit and tag.

``python -m helpers release X.Y.Z`` refuses to go ahead when the data are invalid, the working tree has
uncommitted changes, the release exists (a record or a tag), the version is not above the newest release (the
newest record or tag), or the version is a lower level than the data changes need (see
``helpers.release.changes.required_level``). Otherwise it writes the version and date into ``CITATION.cff``,
regenerates ``.zenodo.json``, records the comparison with the previous release and the compared rows in
``releases/vX.Y.Z.json``, commits those three files and tags the commit ``vX.Y.Z``. It never pushes.
``--dry-run`` works on a dirty tree too and prints exactly what would be written.

The record names the edition's two downloads (``artifacts``, see ``helpers.release.downloads``): the data package,
written from a copy of the tree exactly as the release commits it, by name, size and sha256 (``publish`` checks
the package it rebuilds from the tag against it); the PDF by name only (``publish`` prints it from the built site).

``python -m helpers record X.Y.Z`` completes an existing record from the data committed at the edition's commit
(``complete_record``): the first edition's record was written before records carried their rows.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from helpers.data import citation as edition
from helpers.data.paths import DATASETS, root
from helpers.data.releases import RELEASES_DIR, record_path
from helpers.data.validate import collect_problems
from helpers.release import changes as changelog
from helpers.release import citation as zenodo
from helpers.release import downloads
from helpers.release.changes import LEVELS
from helpers.release.git import ReleaseError, git


def bump_level(previous: str, version: str) -> str:
    """The level of the step ``previous`` -> ``version`` (both X.Y.Z); a ReleaseError if it is not a step up."""
    old, new = changelog.version_key(f"v{previous}"), changelog.version_key(f"v{version}")
    if new <= old:
        raise ReleaseError(f"version {version} is not above the newest release {previous}")
    if new[0] > old[0]:
        level, expected = "major", (new[0], 0, 0)
    elif new[1] > old[1]:
        level, expected = "minor", (new[0], new[1], 0)
    else:
        level, expected = "patch", new
    if new != expected:
        raise ReleaseError(f"{version} is not a clean {level} step after {previous}: use {'.'.join(map(str, expected))}")
    return level


def _set_field(text: str, key: str, value: str) -> str:
    pattern = re.compile(rf"^{re.escape(key)}:.*$", re.MULTILINE)
    line = f'{key}: "{value}"'
    return pattern.sub(line, text, count=1) if pattern.search(text) else text.rstrip("\n") + f"\n{line}\n"


def write_version(base: Path, version: str, date: str) -> None:
    """Set ``version`` and ``date-released`` in CITATION.cff, keeping every other line as it is."""
    path = edition.citation_path(base)
    text = _set_field(_set_field(path.read_text(encoding="utf-8"), "version", version), "date-released", date)
    path.write_text(text, encoding="utf-8")
    edition.clear_cache()


def _uncommitted(base: Path) -> str:
    return git(base, "status", "--porcelain").rstrip() if changelog.has_git(base) else ""


def _check_clean(base: Path) -> None:
    status = _uncommitted(base)
    if status:
        raise ReleaseError(
            "the working tree has uncommitted changes; commit (or stash) them first, so the tag holds exactly "
            f"what the changelog records (`--dry-run` shows what the release would write):\n{status}"
        )


def plan_release(base: Path, version: str, date: str) -> dict:
    """The record a release would write, checked against the newest release (record or tag); nothing is written."""
    if not edition.SEMVER.match(version):
        raise ReleaseError(f"{version!r} is not a version X.Y.Z (semantic versioning, no leading v)")
    if not edition.DATE.match(date):
        raise ReleaseError(f"date {date!r} is not YYYY-MM-DD")
    problems = collect_problems()
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise ReleaseError(f"the data are invalid ({len(problems)} problem(s)); fix them first:\n{listed}")
    tag = f"v{version}"
    known = changelog.releases(base)
    if any(r.tag == tag for r in known):
        raise ReleaseError(f"{tag} exists already (a release record in {RELEASES_DIR}/ or a git tag)")
    previous = known[-1] if known else None
    snapshot = changelog.snapshot_from_dir(base)
    record = {"version": version, "tag": tag, "date": date}
    if previous is None:  # the first edition: its record gives what it holds, not a list of everything as "added"
        record |= {"level": "first", "required_level": "first", "reasons": [], "previous": None, "changes": None}
    else:
        changes = changelog.compare(changelog.release_snapshot(base, previous), snapshot)
        required, reasons = changelog.required_level(changes)
        level = bump_level(previous.version, version)
        if LEVELS.index(level) < LEVELS.index(required):
            raise ReleaseError(
                f"{version} is a {level} release, but the data changes since {previous.tag} need a {required} release "
                f"({'; '.join(reasons)}). Use a {required} version or higher."
            )
        record |= {"level": level, "required_level": required, "reasons": reasons, "previous": previous.tag, "changes": changes}
    return record | {
        "data_fingerprint": edition.data_fingerprint(base),
        "counts": changelog.counts(snapshot),
        "rows": changelog.encode_rows(snapshot),
    }


def record_text(record: dict) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def copy_tree(base: Path, target: Path) -> None:
    """The report's files as they are in ``base`` (tracked and untracked, not ignored; without git: every file
    outside hidden folders and ``_build``) copied to ``target``."""
    if changelog.has_git(base):
        names = [n for n in git(base, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0") if n]
        for name in names:
            if (base / name).is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(base / name, target / name)
        return
    ignore = shutil.ignore_patterns(".*", "_build", "__pycache__")
    shutil.copytree(base, target, ignore=ignore, dirs_exist_ok=True)


def write_edition_files(tree: Path, record: dict) -> Path:
    """Write what a release changes into ``tree``: CITATION.cff's version and date, ``.zenodo.json`` and the record."""
    write_version(tree, record["version"], record["date"])
    (tree / zenodo.ZENODO_FILE).write_text(zenodo.zenodo_text(tree), encoding="utf-8")
    path = record_path(tree, record["tag"])
    path.parent.mkdir(exist_ok=True)
    path.write_text(record_text(record), encoding="utf-8")
    return path


def with_artifacts(base: Path, plan: dict) -> dict:
    """``plan`` with its ``artifacts``: the data package written from a copy of ``base`` as the release will commit
    it (CITATION.cff, .zenodo.json and this record, without this key, written in the copy)."""
    with tempfile.TemporaryDirectory(prefix="report-release-") as tmp:
        tree = Path(tmp) / "report"
        tree.mkdir()
        copy_tree(base, tree)
        write_edition_files(tree, plan)
        out = Path(tmp) / downloads.artifacts.DOWNLOADS
        out.mkdir()
        entry = downloads.record_entry(tree, plan["version"], out)
    edition.clear_cache()
    return plan | {downloads.RECORD_KEY: entry}


def artifacts_text(record: dict) -> str:
    """The record's downloads, one line each, as the dry run and the release print them."""
    entry = record.get(downloads.RECORD_KEY)
    if not entry:
        return "no downloads recorded"
    package = entry["data_package"]
    return (
        f"data package {package['name']} ({package['bytes']} bytes, sha256 {package['sha256']}); "
        f"PDF {entry['pdf']['name']} (printed by publish; its checksum is not recorded: it depends on the fonts)"
    )


def _shown(record: dict) -> str:
    """The record as it would be written, its rows summarised (they are the data, as text)."""
    rows = record["rows"]
    summary = f"<the compared rows, {record['counts']}, as {rows['encoding']}>"
    return record_text(record | {"rows": {**rows, "tables": summary}})


def _dry_run(base: Path, record: dict) -> None:
    current = edition.load_edition(base)
    files = [
        f"  {edition.CITATION_FILE}: version {current.version} -> {record['version']}, "
        f"date-released {current.date_released} -> {record['date']}",
        f"  {zenodo.ZENODO_FILE}: written again from {edition.CITATION_FILE} (version {record['version']}, "
        f"publication_date {record['date']})",
        f"  {RELEASES_DIR}/{record['tag']}.json:",
    ]
    print("Dry run: nothing written, committed or tagged. A release would write:", *files, sep="\n")
    print("\n".join("    " + line for line in _shown(record).splitlines()))
    print(f"then commit these three files and tag the commit {record['tag']}.")
    print(f"The record names the edition's downloads: {artifacts_text(record)}.")
    status = _uncommitted(base)
    if status:
        print(
            "The working tree has uncommitted changes (compared as they are now); the release itself refuses "
            f"until they are committed:\n{status}"
        )


def release(version: str, date: str | None = None, dry_run: bool = False) -> int:
    base = root()
    date = date or datetime.date.today().isoformat()
    try:
        if not dry_run:
            if not changelog.has_git(base):
                raise ReleaseError(f"{base} is not a git working tree; a release is a commit and a tag")
            _check_clean(base)
        plan = with_artifacts(base, plan_release(base, version, date))
    except ReleaseError as exc:
        print(f"Release refused: {exc}", file=sys.stderr)
        return 1
    needs = f"; the data need at least {plan['required_level']}" if plan["previous"] else ""
    print(f"Release {plan['tag']} ({plan['level']}{needs}):")
    print(changelog.changes_text(plan["changes"]) if plan["previous"] else f"First edition: {plan['counts']}")
    if dry_run:
        _dry_run(base, plan)
        return 0
    write_version(base, version, date)
    problems = edition.citation_problems(base)
    if problems:
        print("Release refused: CITATION.cff is invalid after the update:", *problems, sep="\n  ", file=sys.stderr)
        git(base, "checkout", "--", edition.CITATION_FILE)
        return 1
    path = write_edition_files(base, plan)
    try:
        git(base, "add", edition.CITATION_FILE, zenodo.ZENODO_FILE, str(path.relative_to(base)))
        git(base, "commit", "-q", "-m", f"Release {plan['tag']} ({plan['level']})")
        git(base, "tag", "-a", plan["tag"], "-m", f"Edition {version}, released {date} ({plan['level']} release)")
    except ReleaseError as exc:
        print(
            f"Release stopped: {exc}\nCITATION.cff, {zenodo.ZENODO_FILE} and {path.relative_to(base)} are written "
            "but not committed or tagged; fix the cause (a git user name and email?), then commit and tag by hand "
            f"or discard them with `git checkout -- . && git clean -f {RELEASES_DIR}`.",
            file=sys.stderr,
        )
        return 1
    print(f"Recorded its downloads: {artifacts_text(plan)}.")
    print(f"Tagged {plan['tag']}. Publish every edition with `python -m helpers publish`; push the tag yourself.")
    return 0


def fingerprint_at(base: Path, ref: str) -> str:
    """The data fingerprint of the data committed at ``ref``."""
    digests = {}
    for relative in DATASETS.values():
        try:
            digests[relative] = hashlib.sha256(git(base, "show", f"{ref}:{relative}", binary=True)).hexdigest()
        except ReleaseError:
            digests[relative] = None
    return edition.data_fingerprint_of(digests)


def complete_record(base: Path, version: str, at: str | None = None) -> dict:
    """An existing release record with what comparing and publishing need, from the data committed at ``at``.

    ``at`` defaults to the edition's commit (its tag, the record's ``commit``, or the commit that added the
    record). Sets ``commit``, ``data_fingerprint``, ``counts`` and ``rows``; every other key is kept as it is.
    Refused when the record names another data fingerprint than the data at that commit.
    """
    tag = f"v{version}"
    path = record_path(base, tag)
    known = next((r for r in changelog.releases(base) if r.tag == tag and r.record is not None), None)
    if known is None:
        raise ReleaseError(f"there is no release record {RELEASES_DIR}/{tag}.json; cut a release with `release {version}`")
    commit = changelog.commit_of(base, at) if at else changelog.edition_commit(base, known)
    if commit is None:
        raise ReleaseError(f"git has no commit {'for ' + tag if at is None else repr(at)} (a shallow clone? fetch the history)")
    fingerprint = fingerprint_at(base, commit)
    recorded = known.record.get("data_fingerprint")
    if recorded and recorded != fingerprint:
        raise ReleaseError(
            f"{RELEASES_DIR}/{tag}.json names data fingerprint {recorded}, but the data at {commit[:12]} have {fingerprint}; "
            "name the edition's commit with --at"
        )
    snapshot = changelog.snapshot_from_git(base, commit, label=tag)
    completed = {key: value for key, value in known.record.items() if key != "rows"}
    completed |= {"commit": commit, "data_fingerprint": fingerprint, "counts": changelog.counts(snapshot)}
    completed["rows"] = changelog.encode_rows(snapshot)
    path.write_text(record_text(completed), encoding="utf-8")
    return completed


def record(version: str, at: str | None = None) -> int:
    base = root()
    try:
        completed = complete_record(base, version, at)
    except ReleaseError as exc:
        print(f"Record not written: {exc}", file=sys.stderr)
        return 1
    print(
        f"Wrote {RELEASES_DIR}/{completed['tag']}.json from the data at {completed['commit'][:12]} "
        f"(data fingerprint {completed['data_fingerprint']}, {completed['counts']})."
    )
    return 0
