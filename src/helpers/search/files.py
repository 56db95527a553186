"""The three files a search reads and writes: the declared strategy, the log of runs and the screening log.

Read through one small function each (the data layer validates them in full: ``python -m helpers validate``);
written only all together, by :func:`replace_all`, so a failed or interrupted search leaves every one as it was.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import signal
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

STRATEGY_FILE = "data/search/strategy.yml"
RUNS_FILE = "data/search/runs.csv"
CANDIDATES_FILE = "data/screening/candidates.csv"
RUN_COLUMNS = (
    "run_id", "source", "searched_on", "window_from", "window_to", "query",
    "records_identified", "duplicates_removed", "records_added",
)  # fmt: skip
CANDIDATE_COLUMNS = (
    "candidate_id", "run_id", "found_in", "doi", "title", "authors", "year", "venue", "url",
    "status", "reason", "screener", "screened_on", "source_id",
)  # fmt: skip
_LAST_SEARCH = re.compile(r"(?m)^last_search:[ \t]*(?P<value>[^#\n]*?)(?P<comment>[ \t]+#[^\n]*)?[ \t]*$")


class SearchFileError(ValueError):
    """A file the search needs is missing or not in the shape the contract declares (the message says which)."""


class PartlyWritten(OSError):
    """Some of the files were replaced before one could not be (the message names them)."""


@dataclass(frozen=True)
class Strategy:
    window_start: date
    last_search: date | None
    contact: str | None
    sources: tuple[tuple[str, str], ...]  # (name, query) in the declared order


def _date(value: object, key: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SearchFileError(f"{STRATEGY_FILE}: '{key}' is {value!r}, not a date YYYY-MM-DD") from None


def read_strategy(root: Path) -> Strategy:
    """The keys of strategy.yml the search needs (the one reader: the data layer's loader can take its place)."""
    path = root / STRATEGY_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SearchFileError(f"{STRATEGY_FILE} is missing: the search runs the strategy it declares") from None
    except yaml.YAMLError as exc:
        raise SearchFileError(f"{STRATEGY_FILE} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SearchFileError(f"{STRATEGY_FILE} must be a mapping of keys")
    for key in ("window_start", "last_search", "sources"):
        if key not in data:
            raise SearchFileError(f"{STRATEGY_FILE}: the key '{key}' is missing")
    sources = data["sources"]
    if not isinstance(sources, list) or not sources:
        raise SearchFileError(f"{STRATEGY_FILE}: 'sources' must list at least one {{name, query}}")
    pairs = []
    for number, source in enumerate(sources, start=1):
        if not isinstance(source, dict) or not source.get("name") or not source.get("query"):
            raise SearchFileError(f"{STRATEGY_FILE}: sources item {number} needs a name and a query")
        pairs.append((str(source["name"]), str(source["query"])))
    last = data["last_search"]
    return Strategy(
        window_start=_date(data["window_start"], "window_start"),
        last_search=None if last is None else _date(last, "last_search"),
        contact=str(data["contact"]) if data.get("contact") else None,
        sources=tuple(pairs),
    )


def with_last_search(text: str, day: date) -> str:
    """strategy.yml's text with ``last_search`` set to ``day``: that one line changes, comments and order stay."""
    matches = list(_LAST_SEARCH.finditer(text))
    if len(matches) != 1:
        raise SearchFileError(f"{STRATEGY_FILE}: expected one top-level 'last_search:' line, found {len(matches)}")
    match = matches[0]
    line = f"last_search: {day.isoformat()}{match.group('comment') or ''}"
    changed = text[: match.start()] + line + text[match.end() :]
    if _date(yaml.safe_load(changed)["last_search"], "last_search") != day:  # pragma: no cover - the regex's promise
        raise SearchFileError(f"{STRATEGY_FILE}: could not set last_search")
    return changed


def read_rows(root: Path, relative: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a log (none if the file does not exist yet); its header must be exactly ``columns``."""
    path = root / relative
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != columns:
            raise SearchFileError(f"{relative}: the header is {reader.fieldnames}, expected {list(columns)}")
        return list(reader)


def appended(root: Path, relative: str, columns: tuple[str, ...], rows: list[dict[str, object]]) -> str:
    """The log's text with ``rows`` appended (existing bytes kept as they are; a header if the file is new)."""
    path = root / relative
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if not text:
        text = ",".join(columns) + "\n"
    elif not text.endswith("\n"):
        text += "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    for row in rows:
        writer.writerow({column: "" if row.get(column) is None else row.get(column) for column in columns})
    return text + buffer.getvalue()


@contextlib.contextmanager
def _no_interrupt():
    """Hold Ctrl-C and SIGTERM while the files are swapped in (a few renames), then deliver them."""
    caught: list[int] = []
    handlers = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        try:
            handlers[number] = signal.signal(number, lambda signum, frame: caught.append(signum))
        except ValueError:  # not the main thread: nothing to hold
            pass
    try:
        yield
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
        if caught:
            signal.raise_signal(caught[0])


def replace_all(root: Path, texts: dict[str, str]) -> None:
    """Write every file of ``texts`` (relative path -> text) to a temporary file beside it, then replace them all."""
    temporary: dict[Path, Path] = {}
    try:
        for relative, text in texts.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            temporary[target] = Path(name)
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(text)
            os.chmod(name, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        replaced: list[str] = []
        with _no_interrupt():
            for target, name in temporary.items():
                try:
                    os.replace(name, target)
                except OSError as exc:
                    if not replaced:
                        raise
                    raise PartlyWritten(
                        f"{exc}; {', '.join(replaced)} already replaced: restore them (git checkout -- FILE) and run again"
                    ) from None
                replaced.append(str(target.relative_to(root)))
    finally:
        for name in temporary.values():
            name.unlink(missing_ok=True)
