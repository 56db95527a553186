"""Data-aware execution cache: a chapter re-runs exactly when its code or a file it read has changed.

jupyter-cache (which myst-nb uses in ``cache`` mode) keys an executed notebook on its code cells
only. This module adds what it lacks, in one record kept beside the cache
(``_build/.jupyter_cache/data-dependencies.json``): for every cached execution (by jupyter-cache
hash key), the files its kernel read and their SHA-256 at the moment they were read.

The files are *discovered*, not declared: ``helpers.build.reads`` logs every file a chapter's kernel
opens under the report's root or in the helpers package, with the hash of the bytes the chapter actually
used (a dataset served from a loader's memory carries the hash of the bytes it was parsed from, not of the
file on disk later). Before each build every cached execution is checked against the files on disk, and
one whose files changed (or whose record is missing) is removed from the cache, so myst-nb executes that
chapter again. After the build, the executions of this build are recorded with those hashes: an output
computed from content that changed during the build is labelled with the old content's hash, so the next
build executes it again. No cached output can outlive a change to the data it was computed from.

The installed packages (and the Python version) are recorded too, from ``helpers.build.fingerprint``, the
same fingerprint that decides whether Sphinx starts from nothing: when one changes, every cached execution
is dropped (every chapter imports pandas and plotly through the helpers) and the report says which.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jupyter_cache import get_cache

from helpers.build.fingerprint import changed_packages, installed_packages
from helpers.build.protocol import DEPENDENCY_RECORD_NAME as RECORD_NAME
from helpers.build.protocol import EXEC_DATA_NAME, cache_dir
from helpers.build.reads import read_entries, reads_log, sha256_of

RECORD_FORMAT = 3  # bump when what the recorder records changes: older records are then discarded
# A file a chapter read with two different contents during one execution: matches nothing on disk.
CONFLICT = "read-with-different-contents"


def _load_record(cache: Path) -> dict:
    path = cache / RECORD_NAME
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"format": RECORD_FORMAT, "packages": {}, "entries": {}}
    if record.get("format") != RECORD_FORMAT or not isinstance(record.get("entries"), dict):
        return {"format": RECORD_FORMAT, "packages": {}, "entries": {}}
    return record


def _save_record(cache: Path, record: dict) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / RECORD_NAME
    partial = target.with_suffix(".json.partial")
    partial.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(target)


def _docname(uri: str, root: Path) -> str:
    path = Path(uri)
    try:
        return path.resolve().relative_to(root.resolve()).with_suffix("").as_posix()
    except ValueError:
        return path.with_suffix("").as_posix()


def _changed_files(files: dict[str, str], root: Path) -> list[str]:
    changed = []
    for key, digest in sorted(files.items()):
        path = Path(key) if Path(key).is_absolute() else root / key
        try:
            if key.endswith("/") != path.is_dir() or sha256_of(path) != digest:
                changed.append(key)
        except OSError:
            changed.append(key)
    return changed


@dataclass
class Preparation:
    """What the check before a build found: executions dropped from the cache, and why."""

    invalidated: dict[str, str] = field(default_factory=dict)  # docname -> reason
    before: set[tuple] = field(default_factory=set)  # identities of the cache records kept

    def to_json(self) -> dict:
        return {"invalidated": self.invalidated, "before": sorted(list(identity) for identity in self.before)}

    @classmethod
    def from_json(cls, data: dict | None) -> Preparation:
        """The preparation as ``to_json`` wrote it; empty when the step that made it did not finish."""
        if not data:
            return cls()
        return cls(dict(data["invalidated"]), {tuple(identity) for identity in data["before"]})


def _identity(record) -> tuple:
    return (record.pk, record.hashkey, record.created.isoformat())


def invalidate_stale(root: Path) -> Preparation:
    """Drop every cached execution whose recorded files changed, or that has no record; return what was dropped."""
    cache_path = cache_dir(root)
    prep = Preparation()
    if not cache_path.is_dir():
        return prep
    cache = get_cache(str(cache_path))
    record = _load_record(cache_path)
    packages = installed_packages()
    upgraded = changed_packages(record.get("packages") or {}, packages)
    entries = record["entries"]
    for cached in cache.list_cache_records():
        docname = _docname(cached.uri, root)
        entry = entries.get(cached.hashkey)
        if upgraded:
            shown = "; ".join(upgraded[:5]) + (f"; and {len(upgraded) - 5} more" if len(upgraded) > 5 else "")
            reason = f"the installed packages changed since it last ran: {shown}"
        elif entry is None:
            reason = "no record of the files it read"
        else:
            changed = _changed_files(entry["files"], root)
            reason = f"changed since it last ran: {', '.join(changed)}" if changed else ""
        if reason:
            cache.remove_cache(cached.pk)
            entries.pop(cached.hashkey, None)
            prep.invalidated[docname] = reason
        else:
            prep.before.add(_identity(cached))
    if upgraded:
        record["entries"] = {}
    record["packages"] = packages
    _save_record(cache_path, record)
    return prep


def _read_log(path: Path) -> dict[str, str]:
    """Each file the chapter read, with the hash of the content it read (``CONFLICT`` if it read two)."""
    files: dict[str, str] = {}
    for entry in read_entries(path):
        if "file" in entry:
            name, digest = entry["file"], entry["sha256"]
            files[name] = digest if files.get(name, digest) == digest else CONFLICT
    return files


def record_executions(root: Path, execution_dir: Path, prep: Preparation) -> dict:
    """After a build: record the files each newly executed chapter read; return the build's execution summary.

    Called whether or not the build succeeded: an execution that succeeded is in the cache either way,
    and its record (taken while it ran) is accurate either way.
    """
    cache_path = cache_dir(root)
    exec_data_path = execution_dir / EXEC_DATA_NAME
    exec_data = json.loads(exec_data_path.read_text(encoding="utf-8")) if exec_data_path.is_file() else {}
    record = _load_record(cache_path)
    # Set by ``invalidate_stale`` once it has dropped what a package change made stale; set here only for a
    # new cache, whose executions all ran now.
    record["packages"] = record.get("packages") or installed_packages()
    entries = record["entries"]
    executed, from_cache, failed = [], [], []
    executed_keys: set[str] = set()
    now = datetime.now(UTC).isoformat()
    cache = get_cache(str(cache_path)) if cache_path.is_dir() else None
    cached_records = cache.list_cache_records() if cache is not None else []
    new_by_uri = {}
    for cached in cached_records:
        if _identity(cached) not in prep.before:
            new_by_uri[str(Path(cached.uri).resolve())] = cached
    for docname, data in sorted(exec_data.items()):
        new = new_by_uri.get(str(Path(data["source"]).resolve()))
        if not data.get("succeeded"):
            failed.append(docname)
        elif new is not None:
            executed.append(docname)
            files = _read_log(reads_log(execution_dir, docname))
            previous = entries.get(new.hashkey) if new.hashkey in executed_keys else None
            if previous:
                # Two pages with identical code share one cached execution: keep every file either read.
                files = {**previous["files"], **files}
                docnames = sorted({*previous["docnames"], docname})
            else:
                docnames = [docname]
            executed_keys.add(new.hashkey)
            entries[new.hashkey] = {"docnames": docnames, "files": dict(sorted(files.items())), "recorded": now}
        else:
            from_cache.append(docname)
    live = {cached.hashkey for cached in cached_records}
    record["entries"] = {k: v for k, v in entries.items() if k in live}
    _save_record(cache_path, record)
    # Each page's files as its most recent execution read them (older code versions may still be cached).
    dependencies: dict[str, list[str]] = {}
    for entry in sorted(record["entries"].values(), key=lambda e: e["recorded"]):
        for docname in entry["docnames"]:
            dependencies[docname] = sorted(entry["files"])
    return {
        "executed": executed,
        "from_cache": from_cache,
        "failed": failed,
        "invalidated": dict(sorted(prep.invalidated.items())),
        "dependencies": dict(sorted(dependencies.items())),
    }
