"""Check every dataset on its own and against the others; list every problem found."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

from helpers.data import bib, content, search
from helpers.data import citation as edition
from helpers.data import claims as finding_claims
from helpers.data import loaders as data
from helpers.data import places as book_places
from helpers.data import releases as release_records
from helpers.data.errors import DataError, Problem, did_you_mean
from helpers.data.paths import dataset_path, root
from helpers.data.readers import special_files
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
                    problems.append(
                        Problem(name, row, column, f"{ref} is not a 2024 CMO in this table{did_you_mean(ref, known_2024)}")
                    )
        for ref in data.split_ids(cmo["refines"]):
            if ref not in known:
                problems.append(Problem(name, row, "refines", f"{ref} is not a CMO in this table{did_you_mean(ref, known)}"))
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
                    problems.append(
                        Problem(name, row, column, f"{ref} is not a CMO in data/cmos.csv{did_you_mean(ref, cmo_ids)}")
                    )
        unmatched = set(data.split_ids(source["cmo_ids_as_labelled"])) - set(data.split_ids(source["cmo_ids"]))
        if unmatched and not source["label_note"]:
            problems.append(
                Problem(
                    name,
                    row,
                    "label_note",
                    f"the printed label {', '.join(sorted(unmatched))} is not among the CMOs its passages describe "
                    "(cmo_ids): say in label_note, one note per passage, why the label and the content disagree",
                )
            )
        key = source["bibkey"]
        if keys is not None and key != "not reported" and key not in keys:
            problems.append(
                Problem(name, row, "bibkey", f"BibTeX key {key!r} is not defined in bib/references.bib{did_you_mean(key, keys)}")
            )
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
        Problem(
            name,
            row,
            "bibkey",
            f"BibTeX key {r['bibkey']!r} is not defined in bib/references.bib{did_you_mean(r['bibkey'], keys)}",
        )
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


def evidence_link_problems(
    quotes: pd.DataFrame | None, findings: pd.DataFrame | None, cmos: pd.DataFrame | None, values: pd.DataFrame | None
) -> list[Problem]:
    """Staff quotes name 2024 configurations; 2025 findings name Textbox 1 theories and reported values that exist."""
    problems = []
    if cmos is not None and quotes is not None:
        name = data.display_name(dataset_path("staff_quotes"))
        known = set(cmos.loc[cmos["study"] == 2024, "cmo_id"])
        for row, quote in quotes.iterrows():
            for column in ("cmo_ids", "cmo_ids_as_labelled"):
                for ref in data.split_ids(quote[column]):
                    if ref not in known:
                        problems.append(Problem(name, row, column, f"{ref} is not a 2024 CMO of data/cmos.csv"))
    if findings is not None:
        name = data.display_name(dataset_path("evaluation_findings"))
        initial = set(cmos.loc[cmos["kind"] == "initial", "cmo_id"]) if cmos is not None else None
        known_values = set(values["value_id"]) if values is not None else None
        for row, finding in findings.iterrows():
            for ref in data.split_ids(finding["cmo_ids"]):
                if initial is not None and ref not in initial:
                    problems.append(Problem(name, row, "cmo_ids", f"{ref} is not an initial theory (Textbox 1) of data/cmos.csv"))
            for ref in data.split_ids(finding["value_ids"]):
                if known_values is not None and ref not in known_values:
                    problems.append(Problem(name, row, "value_ids", f"{ref} is not a value_id of data/reported_values.csv"))
    return problems


def audit_input_problems(
    values: pd.DataFrame | None,
    relations: pd.DataFrame | None,
    cross: pd.DataFrame | None,
    bibliography: pd.DataFrame | None,
    places: book_places.Places | None = None,
) -> list[Problem]:
    """The audit's relations name reported values that exist; its cross-checks name places the book has."""
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
    if cross is not None and bibliography is not None and places is not None:
        name = data.display_name(dataset_path("cross_checks"))
        keys = set(bibliography["bibkey"])
        for row, check in cross.iterrows():
            if check["place"] not in places.named and check["place"] not in keys:
                problems.append(
                    Problem(
                        name,
                        row,
                        "place",
                        f"{check['place']!r} is neither a place of the book ({', '.join(places.named)}, declared in "
                        f"{places.file}) nor a BibTeX key",
                    )
                )
    return problems


def claim_problems(claims: pd.DataFrame, folder: Path) -> list[Problem]:
    """The finding sentences of the chapters against data/claims.csv (see helpers.data.claims)."""
    return finding_claims.claim_problems(claims, folder, data.display_name(dataset_path("claims")))


def toc_files(base: Path) -> set[str]:
    """Every page _toc.yml lists (its root and each ``file`` entry), as written there ('chapters/methods')."""
    toc = yaml.safe_load((base / "_toc.yml").read_text(encoding="utf-8"))
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("root", "file") and isinstance(value, str):
                    found.add(value.strip().removesuffix(".md").removesuffix(".ipynb"))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


PAGE_SUFFIXES = (".md", ".ipynb", ".rst")


def places_problems(
    places: book_places.Places,
    cmos: pd.DataFrame | None,
    values: pd.DataFrame | None,
    bibliography: pd.DataFrame | None,
    base: Path | None = None,
) -> list[Problem]:
    """Every page chapters/places.yml names is in _toc.yml and exists as a file; every CMO card, study and paper
    of the data has its place; the bibliography entry's anchor is the one _config.yml gives each entry."""
    base = base or root()
    problems = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(places.file, places.line(key), None, f"key '{key}': {message}"))

    listed = toc_files(base)
    for key, page in places.pages():
        path = f"{places.folder}/{page}"
        if path not in listed:
            problem(key, f"page {page!r} is not in _toc.yml (it lists no '{path}'); add the chapter there or fix the name")
        if not any((base / (path + suffix)).is_file() for suffix in PAGE_SUFFIXES):
            problem(key, f"page {page!r} has no file {path}.md (or .ipynb)")
    if bibliography is not None:
        for name in sorted(set(places.named) & set(bibliography["bibkey"])):
            problem(f"places.{name}", f"{name!r} is also a BibTeX key; rename the place so a link to it is not ambiguous")
    config = yaml.safe_load((base / "_config.yml").read_text(encoding="utf-8")) or {}
    cite_id = ((config.get("sphinx") or {}).get("config") or {}).get("bibtex_cite_id")
    if cite_id and cite_id != places.bibliography_entry.anchor:
        problem(
            "bibliography_entry",
            f"the anchor {places.bibliography_entry.anchor!r} is not the one _config.yml gives each entry "
            f"(bibtex_cite_id: {cite_id!r})",
        )
    if cmos is not None:
        cmo_file = data.display_name(dataset_path("cmos"))
        for row, cmo in cmos.iterrows():
            study, kind, area = int(cmo["study"]), cmo["kind"], int(cmo["theory_area_number"])
            if study not in places.studies:
                problem("studies", f"has no name for study {study} ({cmo_file}, row {row})")
            try:
                places.cmo_card(study, kind, area)
            except KeyError:
                problem(
                    f"cmo_cards.{study}",
                    f"no page for the card of {cmo['cmo_id']} ({cmo_file}, row {row}: study {study}, kind {kind!r}, "
                    f"theory area {area}); add the kind under cmo_cards, or the theory area under theory_areas",
                )
    if values is not None:
        for paper in sorted(set(values["paper"].astype(int)) - set(places.reported_values)):
            problem("reported_values", f"has no rules for paper {paper} of {data.display_name(dataset_path('reported_values'))}")
        for paper in sorted(set(values["paper"].astype(int)) - set(places.studies)):
            problem("studies", f"has no name for paper {paper}")
    return sorted(set(problems), key=lambda p: (p.row or 0, p.message))


def collect_problems() -> list[Problem]:
    """Every problem in every dataset, including cross-references between them."""
    data.clear_cache()
    bib.clear_cache()
    book_places.clear_cache()
    search.clear_cache()
    problems: list[Problem] = special_files(root())  # links and pipes are refused before anything is read
    bibliography = _load(bib.load_bibliography, problems)
    reference_map = _load(data.load_reference_map, problems)
    cmos = _load(data.load_cmos, problems)
    sources = _load(data.load_sources, problems)
    values = _load(data.load_reported_values, problems)
    implications = _load(data.load_design_implications, problems)
    relations = _load(data.load_value_relations, problems)
    cross = _load(data.load_cross_checks, problems)
    quotes = _load(data.load_staff_quotes, problems)
    findings = _load(data.load_evaluation_findings, problems)
    places = _load(book_places.load_places, problems)
    claims = _load(data.load_claims, problems)
    strategy = _load(search.load_strategy, problems)
    runs = _load(data.load_search_runs, problems)
    screening = _load(data.load_screening, problems)
    problems += search.search_problems(strategy, runs, screening, sources, bibliography)
    problems += evidence_link_problems(quotes, findings, cmos, values)
    _load(release_records.load_records, problems)  # the footer of every page reads them
    if cmos is not None:
        problems += cmo_problems(cmos)
    if sources is not None:
        problems += source_problems(sources, cmos, bibliography, reference_map)
        problems += content.source_id_problems(sources)
        if cmos is not None:
            problems += content.theory_area_problems(sources, cmos)
        if bibliography is not None:
            problems += content.bibtex_agreement_problems(sources, bibliography)
    if reference_map is not None and bibliography is not None:
        problems += reference_map_problems(reference_map, bibliography)
    if values is not None:
        problems += reported_value_problems(values)
    if implications is not None and cmos is not None:
        problems += design_implication_problems(implications, cmos)
    problems += audit_input_problems(values, relations, cross, bibliography, places)
    if places is not None:
        problems += places_problems(places, cmos, values, bibliography)
    if claims is not None and places is not None:
        problems += claim_problems(claims, root() / places.folder)
    problems += content.chapter_note_problems(root(), toc_files(root()))
    problems += edition.citation_problems()
    return sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.message))
