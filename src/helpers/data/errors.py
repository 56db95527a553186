"""Problems found in the report's input files, each naming file, row and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one cell (or one file, when row and column are None).

    ``row`` is the row number a person sees: in a spreadsheet its row number, in a CSV its line
    number (the header is row 1), in a BibTeX file the line where the entry starts.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class DataError(ValueError):
    """Raised by a loader when its file is invalid; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the report's data:\n{lines}")


def did_you_mean(value: str, known) -> str:
    """'; did you mean 'CMO-2024-07.1'?' for the closest known id (difflib), or '' when none is close."""
    import difflib

    close = difflib.get_close_matches(str(value), sorted(str(k) for k in known), n=1, cutoff=0.75)
    return f"; did you mean {close[0]!r}?" if close else ""
