"""What a build is made from: one snapshot of its inputs, taken once, before validation.

This is the one module that says what the report's inputs are and hashes them: data, bibliography,
chapters, configuration, code, static files, the installed packages and the Python version. The build
takes a :class:`Snapshot` before it validates anything, and everything it publishes is checked against
that snapshot (``helpers.build.pipeline``): the chapters' reads, the files at the end of the build, the
data fingerprint on every page.

- ``files``: the SHA-256 of every file of the report (folders of ``helpers.data.paths.NOT_INPUT_DIRS``
  and hidden folders are not inputs), and of the helpers package's own files where it is installed from
  outside the report.
- ``packages``: every installed distribution's version and the Python version. The execution cache uses
  it too (``helpers.build.cache``): a package upgraded without a change to ``requirements.txt`` re-executes
  the chapters, as it rebuilds the pages.
- ``inputs``: all of the above, the release tags and the ``REPORT_*`` environment variables. Equal to the
  fingerprint of the published site: the site is up to date and ``python -m helpers build`` has nothing to do.
- ``structure``: the same minus the *contents* of ``data/`` and ``chapters/`` (but ``chapters/places.yml``). Equal to the one the
  kept Sphinx environment was built from: Sphinx may re-read only the pages that changed (chapters it
  sees itself; chapters whose data changed, the build tells it). Anything else changed (configuration,
  table of contents, code, bibliography, static files, packages, a page added or removed): Sphinx
  starts from nothing.
- ``data``: the data fingerprint of the snapshot (``helpers.data.citation``), the one every page shows.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from helpers.data.citation import data_fingerprint_of
from helpers.data.paths import DATASETS, PLACES_FILE, ROOT_ENV, not_an_input

# Only their file names count towards the structure: their contents are what a living update changes.
CONTENT_DIRS = ("data", "chapters")
# ...except the places file: the Sphinx extension reads it for every page (the footer's links), so a change to
# it must rewrite every page, not only those of the chapters that read it.
STRUCTURE_FILES = (PLACES_FILE,)
PYTHON = "python"  # the Python version's entry among the packages


@dataclass(frozen=True)
class Snapshot:
    inputs: str
    structure: str
    files: dict[str, str] = field(default_factory=dict, compare=False)  # name -> SHA-256
    packages: dict[str, str] = field(default_factory=dict, compare=False)  # distribution -> version

    @property
    def data(self) -> str:
        """The data fingerprint of this snapshot, as ``helpers.data.citation.data_fingerprint`` computes it."""
        return data_fingerprint_of({relative: self.files.get(relative) for relative in DATASETS.values()})

    def changed_files(self, later: Snapshot) -> list[str]:
        """Files added, removed or changed between this snapshot and ``later``."""
        names = self.files.keys() | later.files.keys()
        return sorted(name for name in names if self.files.get(name) != later.files.get(name))


def input_files(root: Path) -> Iterator[Path]:
    """Every file under ``root`` that is an input (folders that are not, see ``helpers.data.paths``, skipped)."""
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not not_an_input(d))
        for name in sorted(filenames):
            # A pipe or device (or a link to one) is never read: hashing it could block or never end.
            # Validation refuses it, and every link, in data/ and bib/ (helpers.data.readers.special_files).
            if os.path.isfile(Path(directory) / name):
                yield Path(directory) / name


_PACKAGES_SEEN: dict[tuple, dict[str, str]] = {}  # what installed_packages found, by the state of sys.path


def _path_state() -> tuple:
    """Each folder of ``sys.path`` with its modification time: installing, upgrading or removing a distribution
    adds or removes a ``*.dist-info`` folder in one of them, which changes it."""
    state = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            state.append((entry, None))
    return tuple(state)


def installed_packages() -> dict[str, str]:
    """Every installed distribution (lower-case name -> version), and the Python version.

    Reading every distribution's metadata takes a noticeable part of a second; a process that asks again
    (the build asks before and after, the preview's builder on every build) gets the same answer while no
    folder of ``sys.path`` changed.
    """
    key = _path_state()
    if key not in _PACKAGES_SEEN:
        _PACKAGES_SEEN.clear()
        _PACKAGES_SEEN[key] = _read_installed_packages()
    return dict(_PACKAGES_SEEN[key])


def _read_installed_packages() -> dict[str, str]:
    packages = {PYTHON: platform.python_version()}
    for distribution in metadata.distributions():
        name = str(distribution.metadata["Name"] or "").lower()
        if name:
            # The first one found on sys.path is the one imported, as importlib.metadata.version() answers.
            packages.setdefault(name, str(distribution.version))
    return dict(sorted(packages.items()))


def changed_packages(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """``name before -> after`` for every package added, removed or changed (``-`` where absent)."""
    return [
        f"{name} {before.get(name, '-')} -> {after.get(name, '-')}"
        for name in sorted(before.keys() | after.keys())
        if before.get(name) != after.get(name)
    ]


def environment_variables() -> list[str]:
    """The ``REPORT_*`` variables that change what a build makes. ``REPORT_ROOT`` does not: it only says where the
    report is (``python -m helpers preview`` sets it, a plain build does not; both build the same site)."""
    return sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("REPORT_") and k != ROOT_ENV)


def _environment(packages: dict[str, str]) -> bytes:
    return "\n".join([*(f"{k}=={v}" for k, v in packages.items()), *environment_variables()]).encode()


def _release_tags(root: Path) -> bytes:
    if not (root / ".git").exists():
        return b""
    try:
        result = subprocess.run(
            ["git", "for-each-ref", "--format=%(refname) %(objectname)", "refs/tags"],
            cwd=root,
            capture_output=True,
            check=False,
        )
    except OSError:
        return b""
    return result.stdout


def report_inputs(root: Path) -> dict[str, Path]:
    """Every input file of the report at ``root``: name (relative where inside it, else absolute) -> path."""
    root = root.resolve()
    package = Path(__file__).resolve().parents[1]  # the helpers package
    # The code that builds the report is an input wherever it lives (a copy of the report is built by
    # the helpers installed from elsewhere).
    outside = [] if package.is_relative_to(root) else list(input_files(package))
    found = {}
    for path in [*input_files(root), *outside]:
        found[path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()] = path
    return found


def file_hashes(root: Path) -> dict[str, str]:
    """The SHA-256 of every input file of the report at ``root`` (named as in :func:`report_inputs`)."""
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in report_inputs(root).items()}


def is_content(name: str) -> bool:
    """Whether only the name of this input counts towards the structure, not its content."""
    return name.split("/", 1)[0] in CONTENT_DIRS and name not in STRUCTURE_FILES


def structure_parts(snapshot: Snapshot, root: Path) -> dict:
    """What the structure fingerprint of ``snapshot`` is made of, to say later what changed (JSON-ready)."""
    return {
        "files": {name: ("" if is_content(name) else digest) for name, digest in snapshot.files.items()},
        "packages": snapshot.packages,
        "environment": environment_variables(),
        "tags": _release_tags(root).decode(errors="replace"),
    }


def fingerprints(root: Path) -> Snapshot:
    """The snapshot of the report at ``root`` as it is on disk now."""
    packages = installed_packages()
    files = file_hashes(root)
    inputs, structure = hashlib.sha256(), hashlib.sha256()
    for digest in (inputs, structure):
        digest.update(_environment(packages))
        digest.update(_release_tags(root))
    for name, content in files.items():
        inputs.update(f"{name}\0{content}\n".encode())
        structure.update(f"{name}\0{'' if is_content(name) else content}\n".encode())
    return Snapshot(inputs.hexdigest(), structure.hexdigest(), files, packages)
