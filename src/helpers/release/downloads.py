"""An edition's downloads: its PDF and data package, recorded by ``release``, written by ``publish``, linked by pages.

The two writers (``helpers.release.pdf.write_pdf`` and ``helpers.release.datapackage.write_package``, whose
interface ``helpers.release.artifacts`` documents) are imported only when an artefact is written, so reading a
record or building the book never needs them.

- ``release`` builds the data package from the tree it is about to commit and records its name, size and
  sha256 (:func:`record_entry`); the PDF is printed later, by ``publish``, from the built site, and its checksum
  depends on the fonts of the machine that prints it, so the record names it only.
- ``publish`` writes both into ``<edition>/downloads/`` with ``SHA256SUMS`` and ``downloads.json``
  (:func:`write_downloads`), and refuses a data package whose checksum differs from the one recorded.
- Pages leave a marked slot for an edition's downloads (:func:`slot`, on the landing page and on each edition
  of the changelog): empty, so a plain build links nothing that is not there; ``publish`` fills each slot whose
  edition has its downloads in the published site (:func:`fill_slots`). An older edition built by its own
  helpers has no slot, so nothing is added to its pages, and its downloads are linked from newer changelogs.
"""

from __future__ import annotations

import hashlib
import html
import importlib
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from helpers.data.releases import ARTIFACTS_KEY, RELEASES_DIR, record_path
from helpers.release import artifacts
from helpers.release.git import ReleaseError

SUMS = "SHA256SUMS"
LISTING = "downloads.json"
RECORD_KEY = ARTIFACTS_KEY
PDF_NOTE = (
    "printed by `python -m helpers publish` from the built site; its checksum depends on the fonts of the machine "
    f"that prints it, so it is listed in the published {artifacts.DOWNLOADS}/{SUMS}, not here"
)
_SLOT = re.compile(r"<!--report-downloads (v\d+\.\d+\.\d+)-->.*?<!--/report-downloads-->", re.S)
WRITERS = {"pdf": ("helpers.release.pdf", "write_pdf"), "data_package": ("helpers.release.datapackage", "write_package")}


def writer(kind: str) -> Callable[..., dict]:
    """The writer of one artefact (``pdf`` or ``data_package``), imported now; a ReleaseError naming it if missing."""
    module_name, function = WRITERS[kind]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ReleaseError(
            f"cannot write the {kind.replace('_', ' ')}: {module_name} cannot be imported ({exc}); "
            "install the requirements (`pip install -r requirements.txt`) in a checkout that has it"
        ) from None
    return getattr(module, function)


def _write(kind: str, *args: Path, tag: str) -> dict:
    """Run one writer; a ReleaseError naming the edition when it fails (the writer's own message kept)."""
    try:
        return writer(kind)(*args)
    except ReleaseError:
        raise
    except Exception as exc:  # a writer's failure is a failed publish, said once, not a traceback
        raise ReleaseError(f"writing the {kind.replace('_', ' ')} of {tag} failed: {type(exc).__name__}: {exc}") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- release: what the record keeps


def record_entry(tree: Path, version: str, out_dir: Path) -> dict:
    """The record's ``artifacts``: the data package written from ``tree`` (the edition as it will be committed,
    its record without this key) into ``out_dir``, by name, size and sha256; the PDF by name only."""
    package = _write("data_package", tree, out_dir / artifacts.data_package_name(version), tag=f"v{version}")
    return {
        "data_package": {key: package[key] for key in ("name", "bytes", "sha256")},
        "pdf": {"name": artifacts.pdf_name(version), "note": PDF_NOTE},
    }


def without_own_entry(tree: Path, tag: str) -> None:
    """Rewrite ``tree``'s record of ``tag`` as the release wrote it before it knew the package's checksum (the
    record is written with ``indent=2``, as ``helpers.release.cut.record_text`` writes it), so a writer that reads
    the record gives the package the release checked."""
    path = record_path(tree, tag)
    if not path.is_file():
        return
    record = json.loads(path.read_text(encoding="utf-8"))
    if RECORD_KEY in record:
        del record[RECORD_KEY]
        path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- publish: the files beside an edition


def write_downloads(tree: Path, site: Path, edition_dir: Path, tag: str, record: dict | None) -> list[dict]:
    """Write ``tag``'s PDF (printed from ``site``, its built pages) and data package (from ``tree``, its exported
    source) into ``edition_dir/downloads/`` with ``SHA256SUMS`` and ``downloads.json``; replaces the folder only when
    all went well. A ReleaseError when the package's sha256 differs from the one ``record`` holds."""
    version = tag[1:]
    target = edition_dir / artifacts.DOWNLOADS
    staged = edition_dir / (artifacts.DOWNLOADS + ".new")
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    paths = {"pdf": staged / artifacts.pdf_name(version), "data_package": staged / artifacts.data_package_name(version)}
    try:
        without_own_entry(tree, tag)
        _write("data_package", tree, paths["data_package"], tag=tag)
        recorded = ((record or {}).get(RECORD_KEY) or {}).get("data_package") or {}
        rebuilt = sha256_of(paths["data_package"]) if paths["data_package"].is_file() else "(no file written)"
        if recorded.get("sha256") and recorded["sha256"] != rebuilt:
            raise ReleaseError(
                f"the data package of {tag} rebuilt from its commit has sha256 {rebuilt}, but {RELEASES_DIR}/{tag}.json "
                f"records {recorded['sha256']}: the edition's data or the package writer changed since the release; "
                "nothing of this edition was published"
            )
        _write("pdf", site, paths["pdf"], tree, tag=tag)
        files = []
        for kind, path in paths.items():
            if not path.is_file():
                raise ReleaseError(f"the {kind.replace('_', ' ')} writer did not write {path.name} for {tag}")
            files.append({"kind": kind, "name": path.name, "bytes": path.stat().st_size, "sha256": sha256_of(path)})
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    lines = [f"{f['sha256']}  {f['name']}\n" for f in sorted(files, key=lambda f: f["name"])]
    (staged / SUMS).write_text("".join(lines), encoding="utf-8")
    (staged / LISTING).write_text(json.dumps({"edition": tag, "files": files}, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staged.rename(target)
    return files


def listing(edition_dir: Path) -> dict | None:
    """What ``edition_dir/downloads/downloads.json`` lists, or None where the edition has no downloads."""
    path = edition_dir / artifacts.DOWNLOADS / LISTING
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def has_downloads(edition_dir: Path) -> bool:
    return all((edition_dir / artifacts.DOWNLOADS / name).is_file() for name in (SUMS, LISTING))


# --------------------------------------------------------------------------- pages: the slot and its links


def slot(tag: str) -> str:
    """Where a page offers edition ``tag``'s downloads: empty (nothing to follow) until ``publish`` fills it."""
    return f"<!--report-downloads {tag}--><!--/report-downloads-->"


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if count < 1000 or unit == "MB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000
    return str(count)


def links_html(tag: str, files: list[dict], href: Callable[[str], str]) -> str:
    """The links to one edition's downloads; ``href(name)`` gives a file's address from the page."""
    esc = html.escape
    label = {"pdf": "PDF of the book", "data_package": "data package (Frictionless, zip)"}
    items = [
        f'<a href="{esc(href(f["name"]))}" download>{label[f["kind"]]}</a> ({_size(f["bytes"])})'
        for f in sorted(files, key=lambda f: f["kind"] != "pdf")
    ]
    items.append(f'<a href="{esc(href(SUMS))}">SHA-256 checksums</a>')
    return f'<p class="report-downloads">Download edition {esc(tag[1:])}: {" · ".join(items)}</p>'


def fill_slots(edition_dir: Path, site: Path) -> int:
    """Fill every slot on ``edition_dir``'s pages whose edition has downloads, ``edition_dir`` itself (its own) or a
    folder of ``site`` (another edition's); slots of editions without downloads stay empty. Returns how many."""
    own = listing(edition_dir)
    filled = 0
    for page in edition_dir.rglob("*.html"):
        if "_static" in page.relative_to(edition_dir).parts:
            continue
        markup = page.read_text(encoding="utf-8")
        if "<!--report-downloads " not in markup:
            continue

        def fill(match: re.Match, page: Path = page) -> str:
            nonlocal filled
            tag = match.group(1)
            folder = edition_dir if own and own["edition"] == tag else site / tag
            found = listing(folder)
            if found is None:
                return slot(tag)
            filled += 1

            def href(name: str) -> str:
                return Path(os.path.relpath(folder / artifacts.DOWNLOADS / name, page.parent)).as_posix()

            return f"<!--report-downloads {tag}-->{links_html(tag, found['files'], href)}<!--/report-downloads-->"

        page.write_text(_SLOT.sub(fill, markup), encoding="utf-8")
    return filled
