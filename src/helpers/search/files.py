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
from datetime import date
from pathlib import Path

import yaml

from helpers.data.paths import DATASETS
from helpers.data.schema import SCREENING, SEARCH_RUNS
from helpers.data.search import Strategy, clear_cache, load_strategy

STRATEGY_FILE = DATASETS["search_strategy"]
RUNS_FILE = DATASETS["search_runs"]
CANDIDATES_FILE = DATASETS["screening"]
# The columns of the two logs, in the order their schemas declare them (the files' headers).
RUN_COLUMNS = tuple(SEARCH_RUNS.columns)
CANDIDATE_COLUMNS = tuple(SCREENING.columns)
_LAST_SEARCH = re.compile(r"(?m)^last_search:[ \t]*(?P<value>[^#\n]*?)(?P<comment>[ \t]+#[^\n]*)?[ \t]*$")


class SearchFileError(ValueError):
    """A file the search needs is missing or not in the shape the contract declares (the message says which)."""


class PartlyWritten(OSError):
    """Some of the files were replaced before one could not be (the message names them)."""


def read_strategy(root: Path) -> Strategy:
    """The declared search of the report at ``root``, read and checked by the data layer (a DataError names the
    file, line and key)."""
    path = root / STRATEGY_FILE
    if not path.is_file():
        raise SearchFileError(f"{STRATEGY_FILE} is missing: the search runs the strategy it declares")
    clear_cache()  # the file as it is now, not as an earlier read in this process found it
    return load_strategy(path)


def with_last_search(text: str, day: date) -> str:
    """strategy.yml's text with ``last_search`` set to ``day``: that one line changes, comments and order stay."""
    matches = list(_LAST_SEARCH.finditer(text))
    if len(matches) != 1:
        raise SearchFileError(f"{STRATEGY_FILE}: expected one top-level 'last_search:' line, found {len(matches)}")
    match = matches[0]
    line = f"last_search: {day.isoformat()}{match.group('comment') or ''}"
    changed = text[: match.start()] + line + text[match.end() :]
    if str(yaml.safe_load(changed)["last_search"]) != day.isoformat():  # pragma: no cover - the regex's promise
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
