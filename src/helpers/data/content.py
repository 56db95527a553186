"""Checks of what the data say, beyond each file's schema: a source's theory areas agree with its CMOs, the
sheet agrees with its BibTeX entry, and every chapter that mentions self-harm or suicide has its content note.

Each check returns problems naming file, row and column (or page and line); ``helpers.data.validate`` runs them
all, so ``python -m helpers validate`` and the build refuse the same things.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from helpers.data import content_notes
from helpers.data import loaders as data
from helpers.data.errors import Problem
from helpers.data.paths import dataset_path
from helpers.data.schema import NOT_REPORTED

# A theory area a source is cited in without a CMO is explained in cited_where, in a part naming the area.
NO_CMO = re.compile(r"no CMO", re.I)
THEORY_AREA = re.compile(r"\btheory area (\d+)\b", re.I)


def _areas(cell: str) -> set[int]:
    return {int(a) for a in data.split_ids(cell) if a.isdigit()}


def _cited_without_cmo(cited_where: str, area: int) -> bool:
    """Whether ``cited_where`` names theory area ``area`` in a passage that says it assigns no CMO (each passage
    runs from its 'Theory area N' to the next one)."""
    marks = list(THEORY_AREA.finditer(cited_where))
    ends = [following.start() for following in marks[1:]] + [len(cited_where)] * bool(marks)
    for mark, end in zip(marks, ends, strict=True):
        passage = cited_where[mark.start() : end]
        if int(mark.group(1)) == area and NO_CMO.search(passage):
            return True
    return False


def theory_area_problems(sources: pd.DataFrame, cmos: pd.DataFrame) -> list[Problem]:
    """``theory_areas`` (where a source is listed) holds the theory area of every 2024 CMO in ``cmo_ids``; an area
    with none of its CMOs is allowed only where ``cited_where`` says the source is cited there with no CMO."""
    name = data.display_name(dataset_path("sources"))
    area_of = {row.cmo_id: int(row.theory_area_number) for row in cmos.itertuples() if int(row.study) == 2024}
    problems = []
    for row, source in sources.iterrows():
        listed = _areas(source["theory_areas"])
        needed = {area_of[c] for c in data.split_ids(source["cmo_ids"]) if c in area_of}
        missing = sorted(needed - listed)
        if missing:
            problems.append(
                Problem(
                    name,
                    row,
                    "theory_areas",
                    f"{source['theory_areas'] or 'empty'}, but cmo_ids cites CMOs of theory area(s) "
                    f"{', '.join(map(str, missing))}; theory_areas decides on which theory-area pages the source is "
                    f"listed, so it must hold {'; '.join(map(str, sorted(listed | needed)))}",
                )
            )
        for area in sorted(listed - needed):
            if not _cited_without_cmo(str(source["cited_where"]), area):
                problems.append(
                    Problem(
                        name,
                        row,
                        "theory_areas",
                        f"lists theory area {area}, but no CMO in cmo_ids belongs to it; add the CMO the source is "
                        f"cited for there, remove the area, or say in cited_where where it is cited without one "
                        f"(e.g. 'Results, Theory area {area}, paragraph 1 (no label; no CMO assigned; ...)')",
                    )
                )
    return problems


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def bibtex_agreement_problems(sources: pd.DataFrame, bibliography: pd.DataFrame) -> list[Problem]:
    """A source's ``year`` and ``title`` are those of its BibTeX entry (titles compared by letters and digits,
    so BibTeX's protective braces and punctuation do not count)."""
    name = data.display_name(dataset_path("sources"))
    bib_name = data.display_name(dataset_path("bibliography"))
    entries = bibliography.set_index("bibkey")
    problems = []
    for row, source in sources.iterrows():
        key = source["bibkey"]
        if key == NOT_REPORTED or key not in entries.index:
            continue
        entry = entries.loc[key]
        where = f"the BibTeX entry {key!r} ({bib_name}, row {entry['line']})"
        if not pd.isna(entry["year"]) and not pd.isna(source["year"]) and int(entry["year"]) != int(source["year"]):
            problems.append(Problem(name, row, "year", f"{source['year']} disagrees with {where}, which has {entry['year']}"))
        if entry["title"] and _letters(entry["title"]) != _letters(source["title"]):
            problems.append(
                Problem(name, row, "title", f"{source['title'][:80]!r} disagrees with {where}: {entry['title'][:80]!r}")
            )
    return problems


def chapter_note_problems(base: Path, pages: set[str]) -> list[Problem]:
    """Every chapter ``_toc.yml`` lists whose own text mentions self-harm or suicide has its content note."""
    files = [base / f"{page}.md" for page in sorted(pages) if (base / f"{page}.md").is_file()]
    return [
        Problem(name, line, None, why)
        for name, line, why in content_notes.chapter_problems(files, lambda p: str(p.relative_to(base)))
    ]


def source_id_problems(sources: pd.DataFrame) -> list[Problem]:
    """A source from the 2024 reference list is named by its number there: reference 40 is SRC-040."""
    name = data.display_name(dataset_path("sources"))
    problems = []
    for row, source in sources.iterrows():
        number = source["ref_number_2024"]
        if pd.isna(number) or source["source_id"] == f"SRC-{int(number):03d}":
            continue
        problems.append(
            Problem(
                name,
                row,
                "source_id",
                f"{source['source_id']} is reference {int(number)} of the 2024 synthesis, so its id is SRC-{int(number):03d}; "
                "a source outside that list has an empty ref_number_2024 and an id SRC-N001, SRC-N002, ... "
                "(see CONTRIBUTING.md, 'Add a source')",
            )
        )
    return problems
