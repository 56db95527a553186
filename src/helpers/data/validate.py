"""Check every dataset on its own and against the others; list every problem found."""

from __future__ import annotations

import re

import pandas as pd

from helpers.data import bib
from helpers.data import citation as edition
from helpers.data import loaders as data
from helpers.data.errors import DataError, Problem
from helpers.data.paths import dataset_path
from helpers.data.schema import CMO_COMPONENTS as COMPONENTS
from helpers.data.schema import SEGMENT_SEPARATOR


def _load(loader, problems: list[Problem]) -> pd.DataFrame | None:
    try:
        return loader()
    except DataError as exc:
        problems.extend(exc.problems)
        return None


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def cmo_problems(cmos: pd.DataFrame) -> list[Problem]:
    """Each component is a verbatim part of its statement; every referenced CMO id exists."""
    name = data.display_name(dataset_path("cmos"))
    known = set(cmos["cmo_id"])
    known_2024 = set(cmos.loc[cmos["study"] == 2024, "cmo_id"])
    problems = []
    for row, cmo in cmos.iterrows():
        statement = _normalise(cmo["statement"])
        for column in COMPONENTS:
            for segment in filter(None, cmo[column].split(SEGMENT_SEPARATOR)):
                if _normalise(segment) not in statement:
                    problems.append(
                        Problem(name, row, column, f"{segment[:60]!r} is not a verbatim part of the statement of {cmo['cmo_id']}")
                    )
        if not any(cmo[c] for c in COMPONENTS):
            problems.append(Problem(name, row, "context", f"{cmo['cmo_id']} has no component split out"))
        for column in ("stated_2024_equivalent", "content_2024_equivalent"):
            for ref in data.split_ids(cmo[column]):
                if ref not in known_2024:
                    problems.append(Problem(name, row, column, f"{ref} is not a 2024 CMO in this table"))
        for ref in data.split_ids(cmo["refines"]):
            if ref not in known:
                problems.append(Problem(name, row, "refines", f"{ref} is not a CMO in this table"))
            elif ref == cmo["cmo_id"]:
                problems.append(Problem(name, row, "refines", "a CMO cannot refine itself"))
    return problems


def source_problems(
    sources: pd.DataFrame, cmos: pd.DataFrame | None, bibliography: pd.DataFrame | None, reference_map: pd.DataFrame | None
) -> list[Problem]:
    """Sources point at CMOs and BibTeX entries that exist, and agree with the reference map."""
    name = data.display_name(dataset_path("sources"))
    problems = []
    cmo_ids = set(cmos["cmo_id"]) if cmos is not None else None
    keys = set(bibliography["bibkey"]) if bibliography is not None else None
    mapped = (
        {int(r.ref_number): r.bibkey for r in reference_map.itertuples() if r.paper == 2024}
        if reference_map is not None
        else None
    )
    for row, source in sources.iterrows():
        for column in ("cmo_ids", "cmo_ids_as_labelled"):
            for ref in data.split_ids(source[column]):
                if cmo_ids is not None and ref not in cmo_ids:
                    problems.append(Problem(name, row, column, f"{ref} is not a CMO in data/cmos.csv"))
        key = source["bibkey"]
        if keys is not None and key != "not reported" and key not in keys:
            problems.append(Problem(name, row, "bibkey", f"BibTeX key {key!r} is not defined in bib/references.bib"))
        number = source["ref_number_2024"]
        if mapped is not None and not pd.isna(number):
            expected = mapped.get(int(number))
            if expected is None:
                problems.append(Problem(name, row, "ref_number_2024", f"reference {number} is not in bib/reference_map.csv"))
            elif expected != key:
                problems.append(
                    Problem(name, row, "bibkey", f"reference {number} is {expected!r} in bib/reference_map.csv, not {key!r}")
                )
    return problems


def reference_map_problems(reference_map: pd.DataFrame, bibliography: pd.DataFrame) -> list[Problem]:
    name = data.display_name(dataset_path("reference_map"))
    keys = set(bibliography["bibkey"])
    return [
        Problem(name, row, "bibkey", f"BibTeX key {r['bibkey']!r} is not defined in bib/references.bib")
        for row, r in reference_map.iterrows()
        if r["bibkey"] not in keys
    ]


def reported_value_problems(values: pd.DataFrame) -> list[Problem]:
    """The parsed number agrees with the value as printed, whenever the printed value is a plain number."""
    name = data.display_name(dataset_path("reported_values"))
    problems = []
    for row, r in values.iterrows():
        printed = r["value_reported"].replace("\u2212", "-").replace(",", "").strip().rstrip("%")
        try:
            as_number = float(printed)
        except ValueError:
            continue
        if pd.isna(r["value"]):
            problems.append(Problem(name, row, "value", f"is empty but value_reported {r['value_reported']!r} is a number"))
        elif abs(float(r["value"]) - as_number) > 1e-9:
            problems.append(Problem(name, row, "value", f"{r['value']} disagrees with value_reported {r['value_reported']!r}"))
    return problems + percent_problems(values)


# A percentage the paper prints that disagrees with its own count is kept verbatim only when its note
# says so with this marker; any other disagreement is a data-entry error.
ACKNOWLEDGED = "SUSPECTED INCONSISTENCY"


def percent_problems(values: pd.DataFrame) -> list[Problem]:
    """Each ``<prefix>.percent`` agrees with ``<prefix>.n`` over its denominator, to the printed precision."""
    name = data.display_name(dataset_path("reported_values"))
    by_id = values.reset_index().set_index("value_id")
    known = set(by_id.index)
    problems = []
    for row, r in values.iterrows():
        if not r["value_id"].endswith(".percent") or pd.isna(r["value"]) or ACKNOWLEDGED in r["note"]:
            continue
        count_id = r["value_id"].removesuffix("percent") + "n"
        denominator = data.denominator_id(r["value_id"], known)
        if count_id not in known or denominator is None:
            continue
        count, total = by_id.loc[count_id, "value"], by_id.loc[denominator, "value"]
        if pd.isna(count) or pd.isna(total) or total == 0:
            continue
        printed = r["value_reported"].strip().rstrip("%")
        decimals = len(printed.split(".")[1]) if "." in printed else 0
        computed = 100 * float(count) / float(total)
        if abs(computed - float(r["value"])) > 0.5 * 10**-decimals + 1e-9:
            problems.append(
                Problem(
                    name,
                    row,
                    "value",
                    f"{r['value_reported']} disagrees with its count: {count_id} / {denominator} = "
                    f"{count:g} / {total:g} = {computed:.{decimals + 1}f}%; fix the entry, or if the paper prints it so, "
                    f"say '{ACKNOWLEDGED}' in the note",
                )
            )
    return problems


def design_implication_problems(implications: pd.DataFrame, cmos: pd.DataFrame) -> list[Problem]:
    """Each design implication belongs to a theory area of the 2025 evaluation."""
    name = data.display_name(dataset_path("design_implications"))
    areas = set(cmos.loc[cmos["study"] == 2025, "theory_area_number"])
    return [
        Problem(name, row, "theory_area_number", f"{number} is not a theory area of the 2025 evaluation in data/cmos.csv")
        for row, number in implications["theory_area_number"].items()
        if number not in areas
    ]


def audit_input_problems(
    values: pd.DataFrame | None, relations: pd.DataFrame | None, cross: pd.DataFrame | None, bibliography: pd.DataFrame | None
) -> list[Problem]:
    """The audit's relations name reported values that exist; its cross-checks name places the book has."""
    from helpers.data.places import PLACES

    problems = []
    if relations is not None and values is not None:
        name = data.display_name(dataset_path("value_relations"))
        known = set(values["value_id"])
        for row, relation in relations.iterrows():
            if relation["target"] not in known:
                problems.append(
                    Problem(name, row, "target", f"{relation['target']} is not a value_id of data/reported_values.csv")
                )
            for token in data.split_ids(relation["inputs"]):
                if not re.fullmatch(r"-?[\d.]+", token) and token not in known:
                    problems.append(Problem(name, row, "inputs", f"{token} is not a value_id of data/reported_values.csv"))
    if cross is not None and bibliography is not None:
        name = data.display_name(dataset_path("cross_checks"))
        keys = set(bibliography["bibkey"])
        for row, check in cross.iterrows():
            if check["place"] not in PLACES and check["place"] not in keys:
                problems.append(
                    Problem(
                        name,
                        row,
                        "place",
                        f"{check['place']!r} is neither a place of the book ({', '.join(PLACES)}) nor a BibTeX key",
                    )
                )
    return problems


def collect_problems() -> list[Problem]:
    """Every problem in every dataset, including cross-references between them."""
    data.clear_cache()
    bib.clear_cache()
    problems: list[Problem] = []
    bibliography = _load(bib.load_bibliography, problems)
    reference_map = _load(data.load_reference_map, problems)
    cmos = _load(data.load_cmos, problems)
    sources = _load(data.load_sources, problems)
    values = _load(data.load_reported_values, problems)
    implications = _load(data.load_design_implications, problems)
    relations = _load(data.load_value_relations, problems)
    cross = _load(data.load_cross_checks, problems)
    if cmos is not None:
        problems += cmo_problems(cmos)
    if sources is not None:
        problems += source_problems(sources, cmos, bibliography, reference_map)
    if reference_map is not None and bibliography is not None:
        problems += reference_map_problems(reference_map, bibliography)
    if values is not None:
        problems += reported_value_problems(values)
    if implications is not None and cmos is not None:
        problems += design_implication_problems(implications, cmos)
    problems += audit_input_problems(values, relations, cross, bibliography)
    problems += edition.citation_problems()
    return sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))
