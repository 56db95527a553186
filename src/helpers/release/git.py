"""git for releases and the changelog: one way to run it, one error type, the release tags."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers.data.releases import SEMVER_TAG, version_key


class ReleaseError(RuntimeError):
    """A release, changelog or publish step that cannot go ahead; the message says why and what to do."""


def git(base: Path, *args: str, binary: bool = False) -> str | bytes:
    """Run git in ``base``; a ReleaseError with git's own message when it fails."""
    try:
        result = subprocess.run(["git", *args], cwd=base, capture_output=True, check=False)
    except FileNotFoundError:
        raise ReleaseError("git is not installed; releases and the changelog need it") from None
    if result.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout if binary else result.stdout.decode()


def has_git(base: Path) -> bool:
    try:
        return git(base, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except ReleaseError:
        return False


def release_tags(base: Path) -> list[str]:
    """The repository's release tags (``vX.Y.Z``), oldest first; [] without git."""
    if not has_git(base):
        return []
    tags = [t for t in git(base, "tag", "--list", "v*").split() if SEMVER_TAG.match(t)]
    return sorted(tags, key=version_key)


def commit_of(base: Path, ref: str) -> str | None:
    """The full hash of the commit ``ref`` names in this repository; None where it is not there."""
    try:
        return git(base, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip() or None
    except ReleaseError:
        return None


def commit_adding(base: Path, path: str) -> str | None:
    """The commit that added ``path`` (relative to ``base``), oldest first; None where history does not have it."""
    try:
        found = git(base, "log", "--diff-filter=A", "--format=%H", "--", path).split()
    except ReleaseError:
        return None
    return found[-1] if found else None
