"""Cut a release: check the data, bump the version, record what changed, commit and tag.

``python -m helpers release X.Y.Z`` refuses to go ahead when the data are invalid, the working tree has
uncommitted changes, the tag exists, the version is not above the newest release, or the version is a lower
level than the data changes need (see ``helpers.release.changes.required_level``). Otherwise it writes the version and
date into ``CITATION.cff``, regenerates ``.zenodo.json``, records the comparison with the previous release in
``releases/vX.Y.Z.json``, commits those three files and tags the commit ``vX.Y.Z``. It never pushes.
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from pathlib import Path

from helpers.data import citation as edition
from helpers.data.paths import root
from helpers.data.validate import collect_problems
from helpers.release import changes as changelog
from helpers.release import citation as zenodo
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


def _check_clean(base: Path) -> None:
    status = git(base, "status", "--porcelain").strip()
    if status:
        raise ReleaseError(
            "the working tree has uncommitted changes; commit (or stash) them first, so the tag holds exactly "
            f"what the changelog records:\n{status}"
        )


def plan_release(base: Path, version: str) -> dict:
    """Everything a release would record, checked; nothing is written."""
    if not edition.SEMVER.match(version):
        raise ReleaseError(f"{version!r} is not a version X.Y.Z (semantic versioning, no leading v)")
    if not changelog.has_git(base):
        raise ReleaseError(f"{base} is not a git working tree; releases are git tags")
    problems = collect_problems()
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise ReleaseError(f"the data are invalid ({len(problems)} problem(s)); fix them first:\n{listed}")
    tag = f"v{version}"
    tags = changelog.release_tags(base)
    if tag in tags:
        raise ReleaseError(f"tag {tag} exists already")
    previous = tags[-1] if tags else None
    snapshot = changelog.snapshot_from_dir(base)
    if previous is None:  # the first edition: its record gives what it holds, not a list of everything as "added"
        return {
            "version": version,
            "tag": tag,
            "level": "first",
            "required_level": "first",
            "reasons": [],
            "previous": None,
            "counts": changelog.counts(snapshot),
            "changes": None,
        }
    changes = changelog.compare(changelog.snapshot_from_git(base, previous), snapshot)
    required, reasons = changelog.required_level(changes)
    level = bump_level(previous[1:], version)
    if LEVELS.index(level) < LEVELS.index(required):
        raise ReleaseError(
            f"{version} is a {level} release, but the data changes since {previous} need a {required} release "
            f"({'; '.join(reasons)}). Use a {required} version or higher."
        )
    return {
        "version": version,
        "tag": tag,
        "level": level,
        "required_level": required,
        "reasons": reasons,
        "previous": previous,
        "counts": changelog.counts(snapshot),
        "changes": changes,
    }


def release(version: str, date: str | None = None, dry_run: bool = False) -> int:
    base = root()
    try:
        _check_clean(base) if changelog.has_git(base) else None
        plan = plan_release(base, version)
    except ReleaseError as exc:
        print(f"Release refused: {exc}", file=sys.stderr)
        return 1
    date = date or datetime.date.today().isoformat()
    if not edition.DATE.match(date):
        print(f"Release refused: date {date!r} is not YYYY-MM-DD", file=sys.stderr)
        return 1
    needs = f"; the data need at least {plan['required_level']}" if plan["previous"] else ""
    print(f"Release {plan['tag']} ({plan['level']}{needs}):")
    print(changelog.changes_text(plan["changes"]) if plan["previous"] else f"First edition: {plan['counts']}")
    if dry_run:
        print("Dry run: nothing written, committed or tagged.")
        return 0
    write_version(base, version, date)
    problems = edition.citation_problems(base)
    if problems:
        print("Release refused: CITATION.cff is invalid after the update:", *problems, sep="\n  ", file=sys.stderr)
        git(base, "checkout", "--", edition.CITATION_FILE)
        return 1
    (base / zenodo.ZENODO_FILE).write_text(zenodo.zenodo_text(base), encoding="utf-8")
    record = {
        "version": version,
        "tag": plan["tag"],
        "date": date,
        "level": plan["level"],
        "required_level": plan["required_level"],
        "previous": plan["previous"],
        "data_fingerprint": edition.data_fingerprint(base),
        "counts": plan["counts"],
        "changes": plan["changes"],
    }
    folder = changelog.records_dir(base)
    folder.mkdir(exist_ok=True)
    record_path = folder / f"{plan['tag']}.json"
    record_path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        git(base, "add", edition.CITATION_FILE, zenodo.ZENODO_FILE, str(record_path.relative_to(base)))
        git(base, "commit", "-q", "-m", f"Release {plan['tag']} ({plan['level']})")
        git(base, "tag", "-a", plan["tag"], "-m", f"Edition {version}, released {date} ({plan['level']} release)")
    except ReleaseError as exc:
        print(
            f"Release stopped: {exc}\nCITATION.cff, {zenodo.ZENODO_FILE} and {record_path.relative_to(base)} are written "
            "but not committed or tagged; fix the cause (a git user name and email?), then commit and tag by hand "
            "or discard them with `git checkout -- . && git clean -f releases`.",
            file=sys.stderr,
        )
        return 1
    print(f"Tagged {plan['tag']}. Publish every edition with `python -m helpers publish`; push the tag yourself.")
    return 0
