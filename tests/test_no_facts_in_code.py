"""No number of the first edition is written into the views or the audit: every count, sample size and year a
page shows comes from the data (data/reported_values.csv, the tables) or chapters/places.yml.

The numbers looked for are computed from the data, never pinned: every count (statistic n or N) the papers
report, from 18 up (smaller numbers are also font sizes, margins and the like). Only text is searched (string
literals, f-strings and docstrings: what can reach a page); numbers in code are layout (heights, margins).
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from helpers.data import loaders as data

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "helpers"
SEARCHED = [PACKAGE / "views", PACKAGE / "audit"]
SMALLEST = 18


def reported_counts() -> set[int]:
    values = data.load_reported_values()
    counts = values.loc[values["statistic"].isin(["n", "N"]), "value"].dropna()
    return {int(v) for v in counts if v >= SMALLEST and float(v).is_integer()}


def text_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal, f-string and docstring of a module."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    found = []
    for token in tokens:
        if token.type == tokenize.STRING:
            found.append((token.start[0], token.string))
        elif getattr(tokenize, "FSTRING_MIDDLE", None) == token.type:  # Python 3.12+ splits f-strings
            found.append((token.start[0], token.string))
    return found


def test_no_reported_count_is_written_into_the_views_or_the_audit():
    counts = reported_counts()
    # The survey's sample and the synthesis's sources (the counts that once sat in code) are among those searched,
    # whatever the data say they are.
    values = data.load_reported_values().set_index("value_id")["value"]
    assert {int(values["e25.sample.survey.wave1.n"]), int(values["s24.sources.included.n"])} <= counts
    pattern = re.compile(r"(?<![\w.,-])(" + "|".join(map(str, sorted(counts, reverse=True))) + r")(?![\w,%]|\.\d)")
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {match.group(1)} in {text[:80]!r}"
        for folder in SEARCHED
        for path in sorted(folder.rglob("*.py"))
        for line, text in text_literals(path)
        for match in pattern.finditer(text)
    ]
    assert not found, "numbers of the data written into the code (take them from the data):\n" + "\n".join(found)
