"""The content-note rule, in one place: a page that mentions self-harm or suicide opens with a content note.

People in distress read the report. Every page whose text (prose, tables, figure labels and hover text) mentions
self-harm, suicide or disordered eating carries the content note (``chapters/_snippets/content-note.md`` or
``content-note-titles.md``, an admonition titled "Content note"). A sentence that itself speaks of content notes
(the signposting note, the contributors' guide asking for notes) is guidance about them, not distressing
material, and does not count.

Two places apply the rule: ``python -m helpers validate`` to each chapter's own text (so the build refuses to
start), and the Sphinx extension to each built page (``helpers.sphinxext.content_notes``), which sees the text that
chapters draw from the data; a page without its note then fails the strict build, naming the page and the sentence.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

# The whole word is matched, so a message names it as written ('suicidal', 'self-injury').
TOPICS = re.compile(r"[\w-]*(?:suicid|self-harm|self-injur)[\w-]*|restrictive eating|disordered eating", re.I)
NOTE_TITLE = "Content note"
NOTE_SNIPPETS = ("_snippets/content-note.md", "_snippets/content-note-titles.md")
HOW_TO_ADD = (
    "open the page with the content note (':::{include} _snippets/content-note.md' and ':::' under its title; "
    "see CONTRIBUTING.md, 'Content notes')"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])")
_CODE_CELL = re.compile(r"^(```+|~~~+)\{code-cell\}.*?^\1\s*$", re.S | re.M)
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"\n\s*\n|\n(?=#)")
# The end of an element that holds text of its own: a sentence never runs across it.
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|td|th|div|caption|dt|dd|figcaption|pre|summary)>", re.I)
SHOWN = 200  # characters of a sentence a message quotes


@dataclass(frozen=True)
class Mention:
    """The first sentence of a page that mentions the topics without speaking of content notes."""

    sentence: str
    word: str

    def describe(self) -> str:
        shown = self.sentence if len(self.sentence) <= SHOWN else self.sentence[: SHOWN - 3] + "..."
        return f"mentions {self.word!r} in the sentence {shown!r} but has no content note; {HOW_TO_ADD}"


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: a blank line (a paragraph, a heading, a table cell) also ends one."""
    found = []
    for block in _BLOCK.split(text):
        found += [s.strip() for s in _SENTENCE_END.split(re.sub(r"\s+", " ", block)) if s.strip()]
    return found


def first_mention(text: str) -> Mention | None:
    """The first sentence of ``text`` that mentions the topics and is not itself about content notes."""
    for sentence in sentences(text):
        found = TOPICS.search(sentence)
        if found and NOTE_TITLE.lower() not in sentence.lower():
            return Mention(sentence, found.group(0))
    return None


def page_text(markup: str) -> str:
    """The text a reader's page holds (and its figures' labels and hover text), from its HTML."""
    return html.unescape(_TAG.sub(" ", _BLOCK_END.sub("\n\n", markup)))


def rendered_page_problem(markup: str) -> str | None:
    """Why a built page's HTML breaks the rule (None when it keeps it)."""
    if NOTE_TITLE in markup:
        return None
    mention = first_mention(page_text(markup))
    return mention.describe() if mention else None


def chapter_problem(source: str) -> tuple[int, str] | None:
    """(line, why) when a chapter's own text (outside code cells) breaks the rule; None when it keeps it."""
    if NOTE_TITLE in source or any(snippet in source for snippet in NOTE_SNIPPETS):
        return None
    body = _CODE_CELL.sub(
        lambda m: "\n" * m.group(0).count("\n"), _FRONT_MATTER.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    )
    mention = first_mention(body)
    if mention is None:
        return None
    lines = body.splitlines()
    line = next((n for n, text in enumerate(lines, 1) if mention.word in text), 1)
    return line, mention.describe()


def chapter_problems(files: list[Path], name_of) -> list[tuple[str, int, str]]:
    """(file name, line, why) for every chapter file that breaks the rule; ``name_of`` names a path for a message."""
    found = []
    for path in files:
        problem = chapter_problem(path.read_text(encoding="utf-8"))
        if problem:
            found.append((name_of(path), *problem))
    return found
