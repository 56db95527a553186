"""The report's finding sentences against data/claims.csv: where each claim is used, what it says, what it hedges.

A chapter marks a sentence that states a finding with the role ``{claim}`claim-id``` right after it. The claim's
row in data/claims.csv keeps the same sentence (without markup) and the verbatim passage of a paper it rests on;
the Sphinx extension (``helpers.sphinxext.claims``) shows the passage beside the sentence. This module checks,
without the papers: every claim a chapter uses exists, on the page its row names, once; every claim is used;
the chapter's sentence is the recorded one; and a hedge of the passage (may, can, might, could, likely,
suggest) is kept in the sentence unless a reviewed override (why, and who reviewed it) is recorded beside it.
Whether each passage is verbatim in its paper is checked by the tests, where the papers are available.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.data.errors import Problem

# The role a chapter writes after a finding sentence: {claim}`survey.caseness-comparison`.
CLAIM_ROLE = re.compile(r"\{claim\}`([^`]*)`")
# Words that hedge a finding; a word counts with its endings ("suggests", "suggested").
HEDGES = ("may", "can", "might", "could", "likely", "suggest")
_HEDGE = re.compile(r"\b(may|can|might|could|likely|suggest)(?:s|ed|ing)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Use:
    """One use of a claim in a chapter: the page, the line (1-based) and the chapter's text before it."""

    claim_id: str
    page: str
    file: str
    line: int
    before: str


def markup_free(text: str) -> str:
    """Chapter text as a reader reads it: links, roles, emphasis and line breaks reduced to their words."""
    text = CLAIM_ROLE.sub("", text)
    text = re.sub(r"\{[a-z:]+\}`([^`<]*?)\s*<[^`]*>`", r"\1", text)  # {doc}`Title <target>` -> Title
    text = re.sub(r"\s*\{cite:[a-z]+\}`[^`]*`", "", text)  # citations are not part of the sentence
    text = re.sub(r"\{[a-z:]+\}`([^`]*)`", r"\1", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [words](target) -> words
    text = re.sub(r"(\*\*|\*|__|`)", "", text)
    text = re.sub(r"^\s*[-*+]\s+", "", text, flags=re.MULTILINE)  # list bullets
    return re.sub(r"\s+", " ", text).strip()


def normalise_passage(text: str) -> str:
    """Text of a paper or a passage, compared the way PDF-extracted text allows: runs of whitespace as one
    space, line-break hyphenation joined, markdown emphasis and escapes dropped, curly quotes and dashes plain."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u00ad", "")
    text = re.sub(r"\\([_*\[\]()#.\-])", r"\1", text)
    text = text.replace("*", "")
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip()


def hedges(text: str) -> set[str]:
    """The hedge words a text uses, by stem (``suggested`` -> ``suggest``)."""
    return {match.group(1).lower() for match in _HEDGE.finditer(text)}


def uses(folder: Path) -> list[Use]:
    """Every claim role in the chapters of ``folder`` (``*.md``), in file and line order."""
    found = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for match in CLAIM_ROLE.finditer(text):
            start = text.rfind("\n\n", 0, match.start())
            found.append(
                Use(
                    claim_id=match.group(1).strip(),
                    page=path.stem,
                    file=f"{folder.name}/{path.name}",
                    line=text.count("\n", 0, match.start()) + 1,
                    before=text[start + 2 if start >= 0 else 0 : match.start()],
                )
            )
    return found


def claim_problems(claims: pd.DataFrame, folder: Path, file_name: str) -> list[Problem]:
    """Claims against the chapters in ``folder``; ``file_name`` is how problems name data/claims.csv."""
    problems = []
    found = uses(folder)
    by_id = {claim["claim_id"]: (row, claim) for row, claim in claims.iterrows()}
    seen: dict[str, Use] = {}
    for use in found:
        if use.claim_id not in by_id:
            problems.append(Problem(use.file, use.line, "claim", f"{use.claim_id!r} is not a claim_id of {file_name}"))
            continue
        if use.claim_id in seen:
            first = seen[use.claim_id]
            problems.append(
                Problem(use.file, use.line, "claim", f"{use.claim_id!r} is used again (first in {first.file}, line {first.line})")
            )
            continue
        seen[use.claim_id] = use
        row, claim = by_id[use.claim_id]
        if use.page != claim["page"]:
            problems.append(Problem(file_name, row, "page", f"{use.claim_id} is used on {use.page!r}, not {claim['page']!r}"))
        if not markup_free(use.before).endswith(markup_free(claim["sentence"])):
            problems.append(
                Problem(
                    file_name,
                    row,
                    "sentence",
                    f"{use.claim_id}: {use.file}, line {use.line} does not end with this sentence before the claim role",
                )
            )
    for claim_id, (row, _claim) in by_id.items():
        if claim_id not in seen:
            problems.append(Problem(file_name, row, "claim_id", f"{claim_id} is not used in any chapter of {folder.name}/"))
    return problems + hedge_problems(claims, file_name)


def hedge_problems(claims: pd.DataFrame, file_name: str) -> list[Problem]:
    """A hedge of the passage that the sentence drops, with no reviewed override; an override without a reviewer."""
    problems = []
    for row, claim in claims.iterrows():
        dropped = sorted(hedges(claim["passage"]) - hedges(claim["sentence"]))
        if dropped and not claim["hedge_override"]:
            problems.append(
                Problem(
                    file_name,
                    row,
                    "sentence",
                    f"{claim['claim_id']}: the passage hedges with {', '.join(dropped)} and the sentence does not; keep "
                    "the hedge, or record why not in hedge_override and who reviewed it in override_by",
                )
            )
        if claim["hedge_override"] and not claim["override_by"]:
            problems.append(Problem(file_name, row, "override_by", f"{claim['claim_id']}: an override needs its reviewer"))
    return problems
