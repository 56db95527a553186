"""Where the report's files are.

The repository root is found from the working directory upwards (a chapter executes inside
``chapters/``), so a copy of the repository always reads its own data, never another checkout's.
``REPORT_ROOT`` overrides the search.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# The one environment variable the data layer reads (helpers.build.protocol lists it with the others).
ROOT_ENV = "REPORT_ROOT"


def _looks_like_root(path: Path) -> bool:
    return (path / "_config.yml").is_file() and (path / "data").is_dir()


def root() -> Path:
    """The repository root of the report being built or validated."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _looks_like_root(candidate):
            return candidate
    package_guess = Path(__file__).resolve().parents[3]
    if _looks_like_root(package_guess):
        return package_guess
    raise FileNotFoundError(
        "Cannot find the report's root (a folder with _config.yml and data/). Run from inside the repository or set REPORT_ROOT."
    )


# Every dataset the report reads, relative to the root. Loaders and the build's dependency
# tracking both use this table, so a new dataset is declared exactly once.
DATASETS: dict[str, str] = {
    "sources": "data/sources.xlsx",
    "cmos": "data/cmos.csv",
    "reported_values": "data/reported_values.csv",
    "design_implications": "data/design_implications.csv",
    "bibliography": "bib/references.bib",
    "reference_map": "bib/reference_map.csv",
    "value_relations": "data/value_relations.csv",
    "cross_checks": "data/cross_checks.csv",
    "claims": "data/claims.csv",
    "staff_quotes": "data/staff_quotes.csv",
    "evaluation_findings": "data/evaluation_findings.csv",
    # Searches since the synthesis (issue 18): the declared search, each completed run, the screening log.
    "search_strategy": "data/search/strategy.yml",
    "search_runs": "data/search/runs.csv",
    "screening": "data/screening/candidates.csv",
}


# Where the book's chapters and the headings other pages link to are declared (helpers.data.places). Not a
# dataset: it holds no evidence, so it is outside the data fingerprint; the build still tracks its reads.
PLACES_FILE = "chapters/places.yml"


def places_path() -> Path:
    return root() / PLACES_FILE


def dataset_path(name: str) -> Path:
    try:
        relative = DATASETS[name]
    except KeyError:
        raise KeyError(f"Unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None
    return root() / relative


# The one list of folders that are never inputs of the report: outputs, caches, environments, version
# control and tooling. The build's fingerprint, the record of what a chapter reads, the preview's watcher
# and the benchmark's copies all skip exactly these (:func:`not_an_input`), and every hidden folder.
NOT_INPUT_DIRS = frozenset(
    {
        "_build",
        "venv",
        "__pycache__",
        "node_modules",
        # Hidden, so skipped anyway; named for the reader.
        ".git",
        ".github",
        ".ci",
        ".venv",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
    }
)


def not_an_input(name: str) -> bool:
    """Whether a folder called ``name`` holds no input of the report (see ``NOT_INPUT_DIRS``)."""
    return name in NOT_INPUT_DIRS or name.startswith(".") or name.endswith(".egg-info")


# Whoever needs to know which inputs a process asks for (the build records what each chapter reads)
# registers here; the loaders report every file they are asked for, even one served from memory, with
# the hash of the bytes they actually parsed (which may be older than the file on disk now).
_READ_OBSERVERS: list = []
_READ_DIGESTS: dict[Path, str] = {}


def observe_reads(callback) -> None:
    """Call ``callback(path, digest)`` whenever a loader is asked for a file (see :func:`note_read`)."""
    if callback not in _READ_OBSERVERS:
        _READ_OBSERVERS.append(callback)


def read_input(path: Path) -> bytes:
    """The bytes of an input file, read once; the SHA-256 of exactly these bytes is what :func:`note_read` reports."""
    path = Path(path)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    _READ_DIGESTS[path] = _READ_DIGESTS[path.resolve()] = digest
    return data


def read_digest(path: Path) -> str | None:
    """The SHA-256 of the bytes last read from ``path`` through :func:`read_input` in this process, if any."""
    path = Path(path)
    # A loader asks again with the path it read (a page asks for its places hundreds of times): no resolving then.
    return _READ_DIGESTS.get(path) or _READ_DIGESTS.get(path.resolve())


def note_read(path: Path) -> None:
    """A loader was asked for ``path``: tell every observer (none outside a build's chapter execution)."""
    if not _READ_OBSERVERS:
        return
    digest = _READ_DIGESTS.get(path) or read_digest(path)
    for callback in list(_READ_OBSERVERS):
        callback(path, digest)
