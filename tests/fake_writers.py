"""Small stand-ins for the two artefact writers (``helpers.release.pdf.write_pdf`` and
``helpers.release.datapackage.write_package``, interface in ``helpers.release.artifacts``), so the wiring of
releases can be tested quickly and before the real writers are at hand.

In the test process they replace the real modules through ``monkeypatch`` (:func:`install`); in the processes
``release`` and ``publish`` start, ``fake_writers_site/sitecustomize.py`` does the same when that folder is on
``PYTHONPATH`` (:func:`subprocess_env`). Both fakes are deterministic functions of what they read, as the real
package writer must be; ``CALLS`` counts what they wrote in this process.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

SITE = Path(__file__).resolve().parent / "fake_writers_site"
CALLS: list[tuple[str, str]] = []
# What the fake data package is made of: the edition's data and what the release writes (the records included, so
# a record that named its own package's checksum would change the package).
PACKAGED = ("data", "bib", "releases", "CITATION.cff")


def _result(out: Path, **extra) -> dict:
    data = out.read_bytes()
    return {"name": out.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), **extra}


def write_package(base: Path, out: Path) -> dict:
    files = []
    for name in PACKAGED:
        path = Path(base) / name
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    Path(out).write_bytes(b"PK fake data package " + digest.hexdigest().encode() + b"\n")
    CALLS.append(("data_package", Path(out).name))
    return _result(Path(out), resources=len(files))


def write_pdf(site: Path, out: Path, base: Path) -> dict:
    pages = sorted(p.relative_to(site).as_posix() for p in Path(site).rglob("*.html") if "_static" not in p.parts)
    Path(out).write_bytes(b"%PDF-1.7\n% fake: " + " ".join(pages).encode() + b"\n%%EOF\n")
    CALLS.append(("pdf", Path(out).name))
    return _result(Path(out), pages=len(pages), outline=pages)


def install(monkeypatch) -> None:
    """Make ``helpers.release.pdf`` and ``helpers.release.datapackage`` these fakes in this process."""
    module = sys.modules[__name__]
    monkeypatch.setitem(sys.modules, "helpers.release.pdf", module)
    monkeypatch.setitem(sys.modules, "helpers.release.datapackage", module)
    CALLS.clear()


def subprocess_env() -> dict[str, str]:
    """The environment under which ``python -m helpers release|publish`` uses these fakes."""
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(SITE), os.environ.get("PYTHONPATH")]))}
