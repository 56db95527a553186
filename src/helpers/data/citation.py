"""The report's edition: version, release date, data fingerprint and how to cite it.

``CITATION.cff`` at the repository root is the single source of truth for the version, the release date,
the title, the authors, the licence and the DOI (when one is registered). Everything else derives from it:
the footer of every page and the "cite this version" block (``helpers.sphinxext``), the citation of each
figure (``helpers.views.figures.output``), ``.zenodo.json`` (:func:`zenodo_metadata`) and the release command
(``helpers.release.cut``). The data fingerprint is a short hash over the data files the report reads, so a
reader can tell two builds of the same version with different data apart.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from helpers.data.errors import DataError, Problem
from helpers.data.paths import DATASETS, root

CITATION_FILE = "CITATION.cff"
CFF_SCHEMA = Path(__file__).parent / "vendor" / "cff-schema-1.2.0.json"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FINGERPRINT_LENGTH = 12
# The two papers whose evidence the report publishes (BibTeX keys in bib/references.bib).
SOURCE_PAPERS = ("marshall2024understanding", "lobban2025impacts")


# Where a chapter's output names the data fingerprint, it leaves this slot; ``helpers.sphinxext`` fills it
# in on every page as the page is written. A chapter therefore does not read every data file only to
# print their hash, and a change to one file re-executes only the chapters that use that file.
FINGERPRINT_SLOT = "@@report-data-fingerprint@@"
# Set by the build for Jupyter Book and the chapters: {"root": ..., "fingerprint": ...} of the snapshot it
# validated (helpers.build.protocol lists it with the other names).
FINGERPRINT_ENV = "REPORT_DATA_FINGERPRINT"


@dataclass(frozen=True)
class Edition:
    """One edition of the report, as ``CITATION.cff`` declares it, plus the fingerprint of its data."""

    version: str
    date_released: str
    title: str
    authors: tuple[str, ...]
    license: str | None
    doi: str | None
    repository: str | None
    url: str | None
    abstract: str | None
    keywords: tuple[str, ...]
    base: Path

    @functools.cached_property
    def fingerprint(self) -> str:
        """The data fingerprint, computed when first asked for (it reads every data file)."""
        return data_fingerprint(self.base)

    @property
    def tag(self) -> str:
        return f"v{self.version}"

    @property
    def year(self) -> str:
        return self.date_released[:4]

    @property
    def link(self) -> str | None:
        """Where a reader finds this edition: its DOI, else the site, else the repository."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.url:
            return f"{self.url.rstrip('/')}/{self.tag}/"
        return self.repository

    def reference(self, fingerprint: str | None = None) -> str:
        """A formatted reference (author-date style), plain text; ``fingerprint`` stands in for the real one."""
        parts = [
            f"{_join_names(self.authors)} ({self.year}). {self.title} (Version {self.version}, released "
            f"{self.date_released}; data fingerprint {fingerprint or self.fingerprint})."
        ]
        if self.link:
            parts.append(self.link)
        return " ".join(parts)

    def bibtex_key(self) -> str:
        return "living_evidence_report_v" + self.version.replace(".", "_")

    def bibtex(self, fingerprint: str | None = None) -> str:
        """A BibTeX ``@misc`` entry for this edition; ``fingerprint`` stands in for the real one."""
        authors = " and ".join(f"{{{name}}}" if " " in name and "," not in name else name for name in self.authors)
        fields = [
            ("author", authors),
            ("title", f"{{{self.title}}}"),
            ("year", self.year),
            ("version", self.version),
            ("date", self.date_released),
            (
                "note",
                f"Edition {self.version}, released {self.date_released}, data fingerprint {fingerprint or self.fingerprint}",
            ),
        ]
        if self.doi:
            fields.append(("doi", self.doi))
        if self.url:
            fields.append(("url", f"{self.url.rstrip('/')}/{self.tag}/"))
        elif self.repository:
            fields.append(("url", self.repository))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@misc{{{self.bibtex_key()},\n{body}\n}}"


def _join_names(names: tuple[str, ...]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _author_name(author: dict) -> str:
    if author.get("name"):
        return str(author["name"])
    given = " ".join(str(author[k]) for k in ("given-names", "name-particle") if author.get(k))
    family = str(author.get("family-names", ""))
    return f"{family}, {given}".strip(", ") if given else family


def citation_path(base: Path | None = None) -> Path:
    return (base or root()) / CITATION_FILE


def read_citation(base: Path | None = None) -> dict:
    """``CITATION.cff`` as a dict (dates as ISO text); a clear error when absent or not YAML."""
    path = citation_path(base)
    if not path.is_file():
        raise DataError(
            [Problem(CITATION_FILE, None, None, "file not found; it holds the report's version and citation (see README)")]
        )
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line = exc.problem_mark.line + 1 if getattr(exc, "problem_mark", None) else None
        raise DataError([Problem(CITATION_FILE, line, None, f"is not valid YAML: {exc}")]) from None
    if not isinstance(content, dict):
        raise DataError([Problem(CITATION_FILE, None, None, "must be a YAML mapping of CFF keys")])
    # YAML reads an unquoted 2026-11-23 as a date; CFF means the text.
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in content.items()}


def _line_of(path: Path, key: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None


def citation_problems(base: Path | None = None) -> list[Problem]:
    """What is wrong with ``CITATION.cff``: the report's own rules (the CFF schema is checked by the tests)."""
    base = base or root()
    try:
        content = read_citation(base)
    except DataError as exc:
        return exc.problems
    path = citation_path(base)
    problems = []
    for key in ("cff-version", "message", "title", "authors", "version", "date-released"):
        if not content.get(key):
            problems.append(Problem(CITATION_FILE, None, key, "is required"))
    version = str(content.get("version", ""))
    if version and not SEMVER.match(version):
        problems.append(Problem(CITATION_FILE, _line_of(path, "version"), "version", f"{version!r} is not X.Y.Z"))
    date = str(content.get("date-released", ""))
    if date and not DATE.match(date):
        problems.append(Problem(CITATION_FILE, _line_of(path, "date-released"), "date-released", f"{date!r} is not YYYY-MM-DD"))
    if content.get("authors") is not None and not isinstance(content["authors"], list):
        problems.append(Problem(CITATION_FILE, _line_of(path, "authors"), "authors", "must be a list"))
    return problems


def data_fingerprint_of(digests: dict[str, str | None]) -> str:
    """The data fingerprint from the SHA-256 (hex) of each file of ``DATASETS`` (None: missing).

    A missing file adds nothing, so a dataset declared later leaves the fingerprint of an older edition, which
    did not have it, as that edition recorded it (validation refuses a build whose datasets are missing).
    """
    digest = hashlib.sha256()
    for relative in sorted(DATASETS.values()):
        content = digests.get(relative)
        if content:
            digest.update(relative.encode() + b"\0" + bytes.fromhex(content))
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


def data_fingerprint(base: Path | None = None) -> str:
    """A short hash over the contents of every data file the report reads (``helpers.data.paths.DATASETS``).

    During a build of ``base`` it is the fingerprint of the snapshot the build validated, which the build
    pins (``FINGERPRINT_ENV``): a file edited while the build runs cannot give its pages another fingerprint.
    """
    base = (base or root()).resolve()
    pinned = os.environ.get(FINGERPRINT_ENV)
    if pinned:
        try:
            record = json.loads(pinned)
            if Path(record["root"]).resolve() == base:
                return str(record["fingerprint"])
        except (ValueError, KeyError, TypeError):
            pass
    digests = {}
    for relative in DATASETS.values():
        path = base / relative
        digests[relative] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    return data_fingerprint_of(digests)


@functools.cache
def _load_edition(base: Path) -> Edition:
    problems = citation_problems(base)
    if problems:
        raise DataError(problems)
    content = read_citation(base)
    return Edition(
        version=str(content["version"]),
        date_released=str(content["date-released"]),
        title=str(content["title"]),
        authors=tuple(_author_name(a) for a in content["authors"]),
        license=content.get("license"),
        doi=content.get("doi"),
        repository=content.get("repository-code") or content.get("repository"),
        url=content.get("url"),
        abstract=content.get("abstract"),
        keywords=tuple(content.get("keywords") or ()),
        base=base,
    )


def load_edition(base: Path | str | None = None) -> Edition:
    """The edition the report at ``base`` (default: this repository) declares."""
    return _load_edition(Path(base).resolve() if base else root())


def clear_cache() -> None:
    _load_edition.cache_clear()
