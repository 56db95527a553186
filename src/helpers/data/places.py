"""Where things are in the book, as declared in ``chapters/places.yml``: the chapter of each theory area, the
page of each kind of CMO card, the places other pages and the audit link to, and the names of the studies.

The helpers never name a chapter or an anchor themselves: they ask :func:`load_places`. A contributor who adds
or renames a chapter edits that one file; a mistake in it is a :class:`DataError` naming the file, the line
and the key (``chapters/places.yml, row 12: key 'theory_areas.2024.3': ...``). Whether the pages it names
exist in ``_toc.yml`` is checked by :func:`helpers.data.validate.places_problems`; how a place becomes a link
is :mod:`helpers.views.places`.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from helpers.data.errors import DataError, Problem
from helpers.data.paths import ROOT_ENV, note_read, places_path, read_input
from helpers.data.readers import check_file_size, display_name

# A card lives on the chapter of its CMO's theory area when cmo_cards says this instead of a page.
THEORY_AREA = "theory area"
# The named places the helpers themselves link to (the audit's cross-references); the file must declare them.
REQUIRED_PLACES = ("bibliography", "label-disagreements", "textbox-1")
PAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")
ANCHOR = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
THEORY_AREA_IN_SECTION = re.compile(r"Theory Area (\d+)")
KEYS = ("folder", "studies", "theory_areas", "cmo_cards", "places", "bibliography_entry", "reported_values")


@dataclass(frozen=True)
class Place:
    """A page of the book (named as in _toc.yml, without folder and suffix) and an anchor on it ('' for its top)."""

    page: str
    anchor: str = ""


@dataclass(frozen=True)
class ValueRules:
    """Where one paper's reported values are shown: by domain, else on their theory area's chapter, else one place."""

    domains: dict[str, Place]
    theory_area_anchor: str
    otherwise: Place


@dataclass(frozen=True)
class Places:
    """The contents of chapters/places.yml, checked."""

    file: str
    folder: str
    studies: dict[int, str]
    theory_areas: dict[int, dict[int, str]]
    cmo_cards: dict[int, dict[str, str]]
    named: dict[str, Place]
    bibliography_entry: Place  # its anchor holds "{key}"
    reported_values: dict[int, ValueRules]
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def study_name(self, study: int) -> str:
        return self.studies[int(study)]

    def cmo_card(self, study: int, kind: str, theory_area: int) -> Place:
        """The page holding the full card of a CMO of this study, kind and theory area."""
        page = self.cmo_cards[int(study)][kind]
        return Place(self.theory_areas[int(study)][int(theory_area)] if page == THEORY_AREA else page)

    def theory_area(self, study: int, number: int) -> Place:
        return Place(self.theory_areas[int(study)][int(number)])

    def source_entry(self, bibkey: str) -> Place:
        return Place(self.bibliography_entry.page, self.bibliography_entry.anchor.format(key=bibkey))

    def value_place(self, paper: int, domain: str, section: str) -> Place:
        """Where the book shows a reported value of ``paper`` in ``domain``, from the section of the paper it is in."""
        rules = self.reported_values[int(paper)]
        if domain in rules.domains:
            return rules.domains[domain]
        area = THEORY_AREA_IN_SECTION.search(section)
        if rules.theory_area_anchor and area and int(area.group(1)) in self.theory_areas.get(int(paper), {}):
            return Place(self.theory_areas[int(paper)][int(area.group(1))], rules.theory_area_anchor)
        return rules.otherwise

    def pages(self) -> list[tuple[str, str]]:
        """(key, page) for every page the file names, so validation can say which key names a missing page."""
        found = [(f"theory_areas.{s}.{n}", page) for s, areas in self.theory_areas.items() for n, page in areas.items()]
        found += [(f"cmo_cards.{s}.{k}", p) for s, kinds in self.cmo_cards.items() for k, p in kinds.items() if p != THEORY_AREA]
        found += [(f"places.{name}", place.page) for name, place in self.named.items()]
        found.append(("bibliography_entry", self.bibliography_entry.page))
        for paper, rules in self.reported_values.items():
            found += [(f"reported_values.{paper}.domains.{d}", place.page) for d, place in rules.domains.items()]
            found.append((f"reported_values.{paper}.otherwise", rules.otherwise.page))
        return found

    def line(self, key: str) -> int | None:
        """The line of ``key`` (dotted) in the file, or of the nearest key above it."""
        return line_of(self.lines, key)


def line_of(lines: dict[str, int], key: str) -> int | None:
    """The line of ``key`` (dotted) in ``lines`` (:func:`key_lines`), or of the nearest key above it."""
    while key:
        if key in lines:
            return lines[key]
        key = key.rpartition(".")[0]
    return None


# --------------------------------------------------------------------------- reading and checking the file


def key_lines(text: str) -> dict[str, int]:
    """Dotted key -> line number (1-based) of every mapping key in the YAML text, and of every list item by its
    index ('sources.1.query'), for messages that name the line (this file, data/search/strategy.yml)."""
    lines: dict[str, int] = {}

    def walk(node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
                lines.setdefault(key, key_node.start_mark.line + 1)
                walk(value_node, key)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                key = f"{prefix}.{index}"
                lines.setdefault(key, item.start_mark.line + 1)
                walk(item, key)

    try:
        walk(yaml.compose(text), "")
    except yaml.YAMLError:
        pass
    return lines


class YamlReader:
    """Checks one part of a YAML file after another, collecting every problem with its key and line."""

    def __init__(self, name: str, lines: dict[str, int]):
        self.name, self.lines, self.problems = name, lines, []

    def problem(self, key: str, message: str) -> None:
        line = next((self.lines[k] for k in _prefixes(key) if k in self.lines), None)
        self.problems.append(Problem(self.name, line, None, f"key '{key}': {message}"))

    def mapping(self, value, key: str) -> dict:
        if not isinstance(value, dict):
            self.problem(key, f"must be a mapping (key: value lines indented under it), not {_shown(value)}")
            return {}
        return value

    def number(self, value, key: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"{_shown(value)} is not a number (a year or a theory area number)")
            return None
        return value

    def text(self, value, key: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(key, f"must be a text, not {_shown(value)}")
            return None
        return value.strip()

    def page(self, value, key: str) -> str | None:
        page = self.text(value, key)
        if page is not None and not PAGE.match(page):
            self.problem(key, f"{page!r} is not a page name (as in _toc.yml, without folder and suffix, e.g. 'methods')")
            return None
        return page

    def place(self, value, key: str, anchor_pattern: re.Pattern = ANCHOR) -> Place | None:
        text = self.text(value, key)
        if text is None:
            return None
        page, _, anchor = text.partition("#")
        if self.page(page, key) is None:
            return None
        if "#" in text and not anchor_pattern.match(anchor):
            self.problem(
                key,
                f"{anchor!r} is not a heading anchor: lower-case letters and digits joined by single hyphens "
                "(the heading 'Who took part' has the anchor 'who-took-part')",
            )
            return None
        return Place(page, anchor)


def _prefixes(key: str) -> list[str]:
    parts = key.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _shown(value) -> str:
    return "nothing" if value is None else repr(value)


def _parse(content, name: str, lines: dict[str, int]) -> Places:
    read = YamlReader(name, lines)
    top = read.mapping(content, "(top level)")
    for key in KEYS:
        if key not in top:
            read.problem(key, "is missing; see the comments at the top of the file for what it holds")
    for key in top:
        if key not in KEYS:
            read.problem(str(key), f"is not a key this file has (keys: {', '.join(KEYS)}); misspelt?")
    folder = read.page(top.get("folder"), "folder") if "folder" in top else None

    studies = {}
    for study, label in read.mapping(top.get("studies", {}), "studies").items():
        if (number := read.number(study, f"studies.{study}")) is not None and (text := read.text(label, f"studies.{study}")):
            studies[number] = text

    theory_areas: dict[int, dict[int, str]] = {}
    for study, areas in read.mapping(top.get("theory_areas", {}), "theory_areas").items():
        if (number := read.number(study, f"theory_areas.{study}")) is None:
            continue
        theory_areas[number] = {}
        for area, page in read.mapping(areas, f"theory_areas.{study}").items():
            key = f"theory_areas.{study}.{area}"
            if (area_number := read.number(area, key)) is not None and (name_ := read.page(page, key)):
                theory_areas[number][area_number] = name_

    cmo_cards: dict[int, dict[str, str]] = {}
    for study, kinds in read.mapping(top.get("cmo_cards", {}), "cmo_cards").items():
        if (number := read.number(study, f"cmo_cards.{study}")) is None:
            continue
        cmo_cards[number] = {}
        for kind, page in read.mapping(kinds, f"cmo_cards.{study}").items():
            key = f"cmo_cards.{study}.{kind}"
            if page == THEORY_AREA:
                if number not in theory_areas:
                    read.problem(key, f"says '{THEORY_AREA}' but theory_areas has no study {number}")
                cmo_cards[number][str(kind)] = THEORY_AREA
            elif (name_ := read.page(page, key)) is not None:
                cmo_cards[number][str(kind)] = name_

    named = {}
    declared = read.mapping(top.get("places", {}), "places")
    for place_name, value in declared.items():
        if (place := read.place(value, f"places.{place_name}")) is not None:
            named[str(place_name)] = place
    for required in REQUIRED_PLACES:
        if "places" in top and required not in declared:
            read.problem(f"places.{required}", "is missing: the audit links to this place")

    entry = None
    if "bibliography_entry" in top:
        entry = read.place(top["bibliography_entry"], "bibliography_entry", re.compile(r"^[a-z0-9-]*\{key\}[a-z0-9-]*$"))
        if entry is not None and "{key}" not in entry.anchor:
            read.problem("bibliography_entry", "must be 'page#anchor' with {key} (the BibTeX key) in the anchor")
            entry = None

    rules = {}
    for paper, spec in read.mapping(top.get("reported_values", {}), "reported_values").items():
        key = f"reported_values.{paper}"
        if (number := read.number(paper, key)) is None:
            continue
        spec = read.mapping(spec, key)
        unknown = set(spec) - {"domains", "theory_area_anchor", "otherwise"}
        for extra in sorted(map(str, unknown)):
            read.problem(f"{key}.{extra}", "is not a rule (rules: domains, theory_area_anchor, otherwise)")
        domains = {}
        for domain, value in read.mapping(spec.get("domains", {}), f"{key}.domains").items():
            if (place := read.place(value, f"{key}.domains.{domain}")) is not None:
                domains[str(domain)] = place
        anchor = spec.get("theory_area_anchor") or ""
        if anchor and not ANCHOR.match(str(anchor)):
            read.problem(f"{key}.theory_area_anchor", f"{anchor!r} is not a heading anchor")
            anchor = ""
        if anchor and number not in theory_areas:
            read.problem(f"{key}.theory_area_anchor", f"theory_areas has no study {number} for this anchor to be on")
        if "otherwise" not in spec:
            read.problem(f"{key}.otherwise", "is missing: where the values no other rule places are shown")
        elif (otherwise := read.place(spec["otherwise"], f"{key}.otherwise")) is not None:
            rules[number] = ValueRules(domains, str(anchor), otherwise)

    if read.problems:
        raise DataError(read.problems)
    return Places(name, folder, studies, theory_areas, cmo_cards, named, entry, rules, lines)


def read_yaml(path: Path) -> tuple[object, str, dict[str, int]]:
    """A YAML file's content, its name as a contributor types it and the line of each key (:func:`key_lines`);
    a file that is not UTF-8 or not YAML is a DataError naming the line."""
    name = display_name(path)
    check_file_size(path, name)
    raw = read_input(path)  # parsed from these bytes, whose hash the build records
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            [Problem(name, raw[: exc.start].count(b"\n") + 1, None, "is not UTF-8; save the file as UTF-8")]
        ) from None
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(
            [Problem(name, mark.line + 1 if mark else None, None, f"is not valid YAML: {getattr(exc, 'problem', exc)}")]
        ) from None
    return content, name, key_lines(text)


@functools.cache
def _load(path: Path) -> Places:
    content, name, lines = read_yaml(path)
    return _parse(content, name, lines)


@functools.cache
def _places_file(working_dir: str, root_env: str | None) -> Path:
    """Where the places file of the report found from ``working_dir`` is (``root_env``: REPORT_ROOT, if set).

    Kept per working folder: a page links to hundreds of places, and finding the root each time costs more than
    everything else a link needs.
    """
    return places_path().resolve()


def load_places(path: Path | str | None = None) -> Places:
    """The book's declared places (``chapters/places.yml``), checked; a DataError names file, line and key."""
    resolved = Path(path).resolve() if path else _places_file(os.getcwd(), os.environ.get(ROOT_ENV))
    note_read(resolved)  # a chapter that links somewhere depends on this file
    return _load(resolved)


def clear_cache() -> None:
    _load.cache_clear()
    _places_file.cache_clear()
