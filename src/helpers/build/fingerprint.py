"""What a build is made from, as two fingerprints, so a rebuild does only what a change requires.

- ``inputs``: every file of the report (data, bibliography, chapters, configuration, code, static
  files), the helpers package's own files where it is installed from outside the report, the
  installed packages, the Python version, the release tags and the ``REPORT_*``
  environment variables. Equal to the fingerprint of the published site: the site is up to date and
  ``python -m helpers build`` has nothing to do.
- ``structure``: the same minus the *contents* of ``data/`` and ``chapters/``. Equal to the one the
  kept Sphinx environment was built from: Sphinx may re-read only the pages that changed (chapters it
  sees itself; chapters whose data changed, the build tells it). Anything else changed (configuration,
  table of contents, code, bibliography, static files, packages, a page added or removed): Sphinx
  starts from nothing.

Caches, build output and tooling directories are not inputs.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

SKIPPED_DIRS = {
    "_build",
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
    "node_modules",
}
# Only their file names count towards the structure: their contents are what a living update changes.
CONTENT_DIRS = ("data", "chapters")


@dataclass(frozen=True)
class Fingerprints:
    inputs: str
    structure: str


def _files(root: Path) -> list[Path]:
    found = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.endswith(".egg-info"))
        found.extend(Path(directory) / name for name in sorted(filenames))
    return found


def _environment() -> bytes:
    packages = sorted(f"{d.metadata['Name']}=={d.version}".lower() for d in metadata.distributions())
    variables = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("REPORT_"))
    return "\n".join([platform.python_version(), *packages, *variables]).encode()


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


def fingerprints(root: Path) -> Fingerprints:
    """Both fingerprints of the report at ``root`` as it is on disk now."""
    inputs, structure = hashlib.sha256(), hashlib.sha256()
    for digest in (inputs, structure):
        digest.update(_environment())
        digest.update(_release_tags(root))
    root = root.resolve()
    package = Path(__file__).resolve().parents[1]  # the helpers package
    # The code that builds the report is an input wherever it lives (a copy of the report is built by
    # the helpers installed from elsewhere).
    outside = [] if package.is_relative_to(root) else _files(package)
    for path in [*_files(root), *outside]:
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
        content = hashlib.sha256(path.read_bytes()).hexdigest()
        inputs.update(f"{name}\0{content}\n".encode())
        in_content_dir = name.split("/", 1)[0] in CONTENT_DIRS
        structure.update(f"{name}\0{'' if in_content_dir else content}\n".encode())
    return Fingerprints(inputs.hexdigest(), structure.hexdigest())
