"""The flow of each search update, PRISMA 2020 style, computed from the runs and the screening log.

For one run (one date): the records each source identified, the duplicates removed (within the run across
sources, and against the bibliography and earlier candidates), the records added to the screening log, and what
became of them: screened, excluded (by reason), included, and still awaiting screening. Pure: frames in, numbers out.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.data.search import run_date


@dataclass(frozen=True)
class Flow:
    """The numbers of one update's flow diagram."""

    run_id: str
    searched_on: str
    window_from: str
    window_to: str
    identified: dict[str, int]  # source -> records identified, in the order the run lists them
    duplicates_removed: int
    unusable: int  # removed before screening for other reasons: no title, a malformed DOI, an unsafe link
    added: int
    screened: int
    excluded: dict[str, int]  # reason code -> records, most first
    included: int
    awaiting: int

    @property
    def identified_total(self) -> int:
        return sum(self.identified.values())

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


def flows(runs: pd.DataFrame, candidates: pd.DataFrame) -> list[Flow]:
    """One :class:`Flow` per run, newest first."""
    result = []
    for run_id, rows in runs.groupby("run_id", sort=False):
        found = candidates[candidates["run_id"] == run_id]
        decided = found[found["status"] != "to screen"]
        excluded = found.loc[found["status"] == "exclude", "reason"].value_counts()
        result.append(
            Flow(
                run_id=str(run_id),
                searched_on=run_date(str(run_id)),
                window_from=str(rows["window_from"].min()),
                window_to=str(rows["window_to"].max()),
                identified={str(r.source): int(r.records_identified) for r in rows.itertuples()},
                duplicates_removed=int(rows["duplicates_removed"].sum()),
                unusable=int(rows["records_unusable"].sum()),
                added=len(found),
                screened=len(decided),
                excluded={str(code): int(n) for code, n in sorted(excluded.items(), key=lambda item: (-item[1], item[0]))},
                included=int((found["status"] == "include").sum()),
                awaiting=int((found["status"] == "to screen").sum()),
            )
        )
    return sorted(result, key=lambda flow: flow.searched_on, reverse=True)
