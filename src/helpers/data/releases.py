"""Release records (``releases/vX.Y.Z.json``) and the edition state they give the pages: released or not.

A release record is an input of the report like ``CITATION.cff``: the release command writes one per edition
(``helpers.release.cut``), and the record is the edition's history where git tags are missing (a fork, a
shallow checkout). Reading them lives here, in the data layer, because the Sphinx extension needs them for
every page's footer and may import nothing above the data layer.

:func:`edition_state` says whether the data being built are the newest release's (their data fingerprint is
the one its record holds) or carry changes not yet released. Pages that name the edition (the footer, the
cite block, each figure's citation) are written once with both wordings marked (:func:`only_when`), and the
Sphinx extension keeps the one that holds as it writes each page (:func:`resolve_state`): a chapter's cached
output does not have to be executed again because a release was cut or the data changed elsewhere.
"""

from __future__ import annotations

import datetime
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from helpers.data.errors import DataError, Problem
from helpers.data.paths import root

RELEASES_DIR = "releases"
SEMVER_TAG = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
# Where a chapter's output names the date of an unreleased snapshot, it leaves this slot (filled like
# helpers.data.citation.FINGERPRINT_SLOT, as each page is written).
SNAPSHOT_DATE_SLOT = "@@report-snapshot-date@@"
RELEASED, UNRELEASED = "released", "unreleased"
_STATE_BLOCK = re.compile(r"<!--report-if-(released|unreleased)-->(.*?)<!--/report-if-\1-->", re.S)


def version_key(tag: str) -> tuple[int, int, int]:
    match = SEMVER_TAG.match(tag)
    if not match:
        raise ValueError(f"{tag!r} is not a release tag vX.Y.Z")
    return tuple(int(part) for part in match.groups())


def records_dir(base: Path | None = None) -> Path:
    return (base or root()) / RELEASES_DIR


def record_path(base: Path, tag: str) -> Path:
    return records_dir(base) / f"{tag}.json"


REQUIRED_KEYS = ("version", "tag", "date", "level", "data_fingerprint", "counts")


# The edition's downloads a record names (written by helpers.release.cut, checked by publish); optional: the first
# edition's record predates them.
ARTIFACTS_KEY = "artifacts"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _artifacts_problem(entry) -> str | None:
    """What is wrong with a record's ``artifacts`` (None: absent or well formed)."""
    if entry is None:
        return None
    package = entry.get("data_package") if isinstance(entry, dict) else None
    pdf = entry.get("pdf") if isinstance(entry, dict) else None
    if not isinstance(package, dict) or not isinstance(pdf, dict):
        return "must be an object with 'data_package' and 'pdf' objects"
    if not isinstance(package.get("name"), str) or not isinstance(pdf.get("name"), str):
        return "names each file ('name' of 'data_package' and of 'pdf')"
    if not _SHA256.match(str(package.get("sha256", ""))):
        return f"'data_package' needs its sha256 as 64 hexadecimal digits, not {package.get('sha256')!r}"
    if not isinstance(package.get("bytes"), int) or package["bytes"] <= 0:
        return f"'data_package' needs its size in bytes, not {package.get('bytes')!r}"
    return None


def _read_record(path: Path) -> dict:
    name = f"{RELEASES_DIR}/{path.name}"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError([Problem(name, exc.lineno, None, f"is not valid JSON: {exc.msg}")]) from None
    if not isinstance(record, dict):
        raise DataError([Problem(name, None, None, "must be a JSON object (a release record)")])
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise DataError([Problem(name, None, key, "is required in a release record") for key in missing])
    problem = _artifacts_problem(record.get(ARTIFACTS_KEY))
    if problem:
        raise DataError([Problem(name, None, ARTIFACTS_KEY, problem)])
    if record["tag"] != path.stem or record["version"] != path.stem[1:]:
        raise DataError(
            [Problem(name, None, "tag", f"{record['tag']!r} (version {record['version']!r}) does not match the file name")]
        )
    return record


def load_records(base: Path | None = None) -> list[dict]:
    """Every release record (``releases/vX.Y.Z.json``), newest first; unknown keys are kept as they are."""
    folder = records_dir(base)
    paths = [p for p in folder.glob("v*.json") if SEMVER_TAG.match(p.stem)] if folder.is_dir() else []
    return sorted((_read_record(p) for p in paths), key=lambda r: version_key(r["tag"]), reverse=True)


@dataclass(frozen=True)
class EditionState:
    """Whether the data are the newest release's: ``fingerprint`` (the data's) against the newest record's."""

    fingerprint: str
    newest: dict | None  # the newest release record, None before the first release

    @property
    def released(self) -> bool:
        return self.newest is not None and self.newest["data_fingerprint"] == self.fingerprint

    @property
    def kind(self) -> str:
        return RELEASED if self.released else UNRELEASED

    @property
    def since(self) -> str | None:
        """The version the unreleased changes follow (None: released, or nothing released yet)."""
        return None if self.released or self.newest is None else self.newest["version"]

    def key(self, date: str) -> str:
        """What a page's wording depends on: a change means every page is written again."""
        if self.released:
            return f"{RELEASED} {self.newest['version']}"
        return f"{UNRELEASED} {self.since or '-'} {date}"


def edition_state(base: Path | None = None, fingerprint: str | None = None) -> EditionState:
    """The state of the report at ``base``: its data fingerprint (default: computed) and its newest record."""
    from helpers.data.citation import data_fingerprint

    base = base or root()
    records = load_records(base)
    return EditionState(fingerprint or data_fingerprint(base), records[0] if records else None)


def snapshot_date() -> str:
    """The date a snapshot is built (``SOURCE_DATE_EPOCH`` where set, for reproducible builds), YYYY-MM-DD."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).date().isoformat()
    return datetime.date.today().isoformat()


def only_when(kind: str, markup: str) -> str:
    """``markup`` kept on a page only in edition state ``kind`` (RELEASED or UNRELEASED); see :func:`resolve_state`."""
    if kind not in (RELEASED, UNRELEASED):
        raise ValueError(f"unknown edition state {kind!r}")
    return f"<!--report-if-{kind}-->{markup}<!--/report-if-{kind}-->"


def resolve_state(body: str, kind: str) -> str:
    """Keep the blocks of :func:`only_when` for state ``kind``, drop the others (their markers too)."""
    return _STATE_BLOCK.sub(lambda m: m.group(2) if m.group(1) == kind else "", body)
