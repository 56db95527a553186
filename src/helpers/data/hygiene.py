"""Text hygiene: what a cell may hold beyond its schema, and the one normal form of free text.

Refused in every cell of every table and every BibTeX field, each problem naming the code point
(``U+202E RIGHT-TO-LEFT OVERRIDE``) so a contributor can find a character they cannot see:

- **bidirectional controls** (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069): they make text
  display in another order than it is stored ("Trojan Source");
- **invisible characters**: every format character (Unicode category Cf: zero-width space and joiners,
  soft hyphen, byte-order mark, word joiner, invisible operators, tag characters...), line and paragraph
  separators (Zl, Zp), every space other than the ordinary one (Zs: the non-breaking space U+00A0 too,
  which the shipped data do not use; write a plain space), and the blank "fillers" that are letters or
  marks but show nothing (Hangul fillers U+115F, U+1160, U+3164, U+FFA0, braille blank U+2800,
  combining grapheme joiner U+034F, Khmer U+17B4/U+17B5, variation selectors);
- **control characters** other than tab, line feed and carriage return;
- **formulas**: a cell starting with ``=`` or its fullwidth form ``＝`` (the report reads text; a
  formula has no value until a spreadsheet program computes it);
- in **ids** (a column the schema declares with ``ascii``): any character that is not ASCII, such as
  an Arabic-Indic or fullwidth digit that looks like an id of another row.

**NFC rule**: every cell and BibTeX field is normalised to Unicode NFC when it is loaded (a decomposed
``e`` + combining acute becomes ``é``), so text that looks the same compares the same; NFC changes no
character a reader sees, so verbatim text stays verbatim.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata

import pandas as pd

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FILLERS = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
    + "".join(chr(c) for c in range(0xE0100, 0xE01F0))
)
INVISIBLE_CATEGORIES = ("Cf", "Zl", "Zp", "Zs")
FORMULA_STARTS = ("=", "\uff1d")
# Control characters other than tab, line feed and carriage return (which a cell with line breaks holds).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ASCII_KEY = "ascii"  # schema metadata: the column holds ids, ASCII only


def _forbidden_character(char: str) -> bool:
    if char == " ":
        return False
    return char in FILLERS or char in BIDI_CONTROLS or unicodedata.category(char) in INVISIBLE_CATEGORIES


@functools.cache
def _forbidden() -> re.Pattern:
    """One character class of every refused code point (built once, on first use)."""
    codes = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF and _forbidden_character(chr(c))]
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return re.compile("[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges) + "]")


def code_point(char: str) -> str:
    """'U+202E RIGHT-TO-LEFT OVERRIDE' (unicodedata's name; a character without one by its number only)."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def character_problems(text: str) -> list[str]:
    """Why ``text`` may not be published as it is: each refused character once, with its code point."""
    messages = []
    for char in dict.fromkeys(_forbidden().findall(text)):
        position = text.index(char) + 1
        if char in BIDI_CONTROLS:
            kind = "a bidirectional control, which makes text display in another order than it is stored"
        elif unicodedata.category(char) == "Zs":
            kind = "a space other than the ordinary one"
        else:
            kind = "an invisible character"
        messages.append(f"holds {kind}, {code_point(char)} (character {position}); delete it or retype the cell")
    return messages


def control_problems(text: str) -> list[str]:
    """Why ``text`` holds a control character (other than tab and line breaks), if it does."""
    return ["holds a control character; retype the cell"] if CONTROL.search(text) else []


def id_problems(text: str) -> list[str]:
    """Why ``text`` is not an ASCII id: each non-ASCII character once, with its code point."""
    return [
        f"holds {code_point(char)}, which is not ASCII; ids are ASCII letters, digits (0-9) and punctuation only"
        for char in dict.fromkeys(c for c in text if not c.isascii())
    ]


def is_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def nfc(text: str) -> str:
    """``text`` in Unicode NFC (the normal form of every cell and BibTeX field, see the module's rule)."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def cleaned(text: str) -> str:
    """``text`` made publishable: control characters and every refused character above removed (a space other
    than the ordinary one becomes an ordinary space), in NFC. For text fetched from elsewhere (the surveillance
    search's records), never for data a contributor typed: their cells are refused with a message instead."""
    text = CONTROL.sub("", text)
    text = "".join(" " if unicodedata.category(c) == "Zs" else c for c in text)
    return nfc(_forbidden().sub("", text))


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell in NFC."""
    return frame.apply(lambda column: column.map(lambda v: nfc(v) if isinstance(v, str) else v))


def column_problems(cells: pd.Series, ascii_only: bool = False) -> list[tuple[object, str]]:
    """(row, message) for every filled cell of a column that breaks the hygiene rules above."""
    found = []
    for row in cells.index[cells.map(is_formula)]:
        found.append((row, "holds a formula; paste the value instead (the report reads text, never formulas)"))
    for row in cells.index[cells.str.contains(CONTROL)]:
        found.append((row, control_problems(cells[row])[0]))
    beyond_ascii = cells[~cells.map(str.isascii)]  # every refused character is beyond ASCII: most cells are skipped
    for row, text in beyond_ascii[beyond_ascii.str.contains(_forbidden())].items():
        found.extend((row, message) for message in character_problems(text))
    if ascii_only:
        for row, text in beyond_ascii.items():
            found.extend((row, message) for message in id_problems(text))
    return found
