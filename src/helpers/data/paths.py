"""Where the report's files are.

The repository root is found from the working directory upwards (a chapter executes inside
``chapters/``), so a copy of the repository always reads its own data, never another checkout's.
``REPORT_ROOT`` overrides the search.
"""

from __future__ import annotations

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


# Whoever needs to know which inputs a process asks for (the build records what each chapter reads)
# registers here; the loaders report every file they are asked for, even one served from memory.
_READ_OBSERVERS: list = []


def observe_reads(callback) -> None:
    """Call ``callback(path)`` whenever a loader is asked for a file (see :func:`note_read`)."""
    if callback not in _READ_OBSERVERS:
        _READ_OBSERVERS.append(callback)


def note_read(path: Path) -> None:
    """A loader was asked for ``path``: tell every observer (none outside a build's chapter execution)."""
    for callback in list(_READ_OBSERVERS):
        callback(Path(path))
