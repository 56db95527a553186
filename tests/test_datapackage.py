"""The data package of an edition (``helpers.release.datapackage``): valid Frictionless, read back through the
report's own loaders, its fields those the schemas declare, deterministic, also for an older edition, and refused
(nothing written) when the data do not validate."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import hashlib
import io
import json
import re
import subprocess
import tarfile
import zipfile

import frictionless
import pandas as pd
import pytest

from conftest import REPO, run_helpers
from helpers.data import bib, loaders, readers, releases, schema, search
from helpers.data import citation as edition_file
from helpers.data.errors import DataError
from helpers.data.paths import DATASETS
from helpers.release import artifacts, datapackage
from helpers.release.git import ReleaseError

# A fixed date for the snapshot of unreleased data (the package's date and its members' timestamps).
EPOCH = "1795000000"


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> dict:
    """The package of the repository's own data, unzipped."""
    folder = tmp_path_factory.mktemp("datapackage")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        written = datapackage.write_package(REPO, folder / "package.zip")
    tree = folder / "unzipped"
    with zipfile.ZipFile(folder / "package.zip") as archive:
        archive.extractall(tree)
    descriptor = json.loads((tree / datapackage.DESCRIPTOR).read_text(encoding="utf-8"))
    return {"zip": folder / "package.zip", "written": written, "tree": tree, "descriptor": descriptor}


def resources_of(descriptor: dict) -> dict[str, dict]:
    return {resource["name"]: resource for resource in descriptor["resources"]}


def test_the_package_validates_with_frictionless(package):
    report = frictionless.validate(package["tree"] / datapackage.DESCRIPTOR)
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])
    assert {task.name for task in report.tasks} == set(resources_of(package["descriptor"]))
    assert all(task.valid for task in report.tasks)
    # The zip itself is a package frictionless reads.
    assert frictionless.validate(package["zip"]).valid


def test_every_data_file_is_a_resource_with_its_checksum(package):
    descriptor, tree = package["descriptor"], package["tree"]
    paths = {resource["path"]: resource for resource in descriptor["resources"]}
    assert set(DATASETS.values()) | {datapackage.SHEET_EXPORT} <= set(paths)
    for relative, resource in paths.items():
        content = (tree / relative).read_bytes()
        assert resource["bytes"] == len(content)
        assert resource["hash"] == "sha256:" + hashlib.sha256(content).hexdigest()
    for relative in DATASETS.values():  # packaged exactly as the repository holds them
        assert (tree / relative).read_bytes() == (REPO / relative).read_bytes(), relative
    with zipfile.ZipFile(package["zip"]) as archive:
        assert sorted(archive.namelist()) == sorted([*paths, datapackage.DESCRIPTOR])
    assert package["written"]["resources"] == [r["name"] for r in descriptor["resources"]]
    assert package["written"]["bytes"] == package["zip"].stat().st_size


def test_the_descriptor_describes_the_edition(package):
    descriptor = package["descriptor"]
    cff = edition_file.load_edition(REPO)
    state = releases.edition_state(REPO)
    assert descriptor["$schema"] == datapackage.PROFILE and descriptor["name"] == artifacts.STEM
    assert descriptor["dataFingerprint"] == state.fingerprint
    assert descriptor["licenses"][0]["name"] == cff.license
    assert [c["title"] for c in descriptor["contributors"]] == list(cff.authors)
    entries = bib.load_bibliography(REPO / DATASETS["bibliography"]).set_index("bibkey")
    papers = entries.loc[list(edition_file.SOURCE_PAPERS)]
    assert [s["path"] for s in descriptor["sources"]] == [f"https://doi.org/{doi}" for doi in papers["doi"]]
    for source, licence in zip(descriptor["sources"], papers[bib.LICENSE_COLUMN], strict=True):
        assert [item["name"] for item in source.get("licenses", [])] == ([licence] if licence else [])
    if state.released:
        assert descriptor["version"] == cff.version and descriptor["created"].startswith(cff.date_released)
    else:
        assert "version" not in descriptor and f"since edition {state.since}" in descriptor["title"]
        snapshot = datetime.datetime.fromtimestamp(int(EPOCH), tz=datetime.UTC).date().isoformat()
        assert descriptor["created"] == f"{snapshot}T00:00:00Z"
    for resource in descriptor["resources"]:
        if resource["type"] == "table":
            assert "NOT formula-neutralised" in resource["description"], resource["name"]


def test_the_package_reads_back_through_the_reports_own_loaders(package):
    tree = package["tree"]
    for dataset, relative in DATASETS.items():
        if dataset == "bibliography":
            packaged, shipped = bib.load_bibliography(tree / relative), bib.load_bibliography(REPO / relative)
            pd.testing.assert_frame_equal(packaged, shipped)
            continue
        if dataset == "search_strategy":  # the declared search: a YAML file, read by its own loader
            search.clear_cache()
            packaged, shipped = search.load_strategy(tree / relative), search.load_strategy(REPO / relative)
            assert dataclasses.replace(packaged, file="") == dataclasses.replace(shipped, file="")
            continue
        loader = getattr(loaders, f"load_{dataset}")
        pd.testing.assert_frame_equal(loader(tree / relative), loader(REPO / relative), check_names=False)
    # The workbook's table as CSV: the same cells, and valid against the same schema.
    exported = readers.read_csv_cells(tree / datapackage.SHEET_EXPORT)
    sheet = readers.read_xlsx_cells(REPO / DATASETS["sources"], loaders.SOURCES_SHEET)
    assert list(exported.columns) == list(sheet.columns)
    assert exported.values.tolist() == sheet.values.tolist()
    checked = loaders.check_table(exported, "sources", datapackage.SHEET_EXPORT)
    assert checked.values.tolist() == loaders.check_table(sheet, "sources", "sheet").values.tolist()


def test_fields_are_what_the_schemas_declare(package):
    """Computed from SCHEMAS and CONVERSIONS here, not from the package's own code."""
    tables = [r for r in package["descriptor"]["resources"] if r["type"] == "table"]
    assert tables
    by_path = {relative: dataset for dataset, relative in DATASETS.items()}
    by_path[datapackage.SHEET_EXPORT] = "sources"
    for resource in tables:
        dataset = by_path[resource["path"]]
        declared = schema.SCHEMAS[dataset].columns
        header = next(csv.reader(io.StringIO((package["tree"] / resource["path"]).read_text(encoding="utf-8"))))
        fields = {f["name"]: f for f in resource["schema"]["fields"]}
        assert list(fields) == header, resource["name"]
        assert set(header) <= set(declared), "the shipped files use only declared columns"
        for name, column in declared.items():
            if name not in header:
                continue
            field, constraints = fields[name], fields[name].get("constraints", {})
            numeric = loaders.CONVERSIONS[dataset].get(name)
            assert field["type"] == ("string" if numeric is None else "number" if "Float" in numeric else "integer")
            assert constraints.get("required", False) == (not column.nullable), (dataset, name)
            assert constraints.get("unique", False) == bool(column.unique), (dataset, name)
            patterns = [c.statistics["pattern"] for c in column.checks if c.name == "str_matches"]
            if field["type"] == "string":
                assert ([constraints["pattern"]] if "pattern" in constraints else []) == patterns, (dataset, name)
            allowed = [[str(v) for v in c.statistics["allowed_values"]] for c in column.checks if c.name == "isin"]
            enum = [[str(v) for v in constraints["enum"]]] if "enum" in constraints else []
            assert enum == allowed, (dataset, name)
            custom = [str(c.error) for c in column.checks if c.name not in ("str_matches", "isin") and c.error]
            for error in custom:
                assert error in field.get("description", ""), (dataset, name, error)
        unique = [n for n, c in declared.items() if c.unique and not c.nullable and n in header]
        expected_key = list(schema.SCHEMAS[dataset].unique or []) or unique[:1]
        assert resource["schema"].get("primaryKey", []) == expected_key, resource["name"]


def test_the_generated_constraints_catch_bad_rows(package, tmp_path):
    """Tests that can fail: the constraints from the schemas make frictionless refuse what validation refuses."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for path in package["tree"].rglob("*"):
        if path.is_file():
            target = tree / path.relative_to(package["tree"])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    descriptor = json.loads((tree / datapackage.DESCRIPTOR).read_text(encoding="utf-8"))
    cmos = tree / DATASETS["cmos"]
    frame = pd.read_csv(cmos, dtype=str, keep_default_na=False)
    frame.loc[0, "cmo_id"] = "CMO-XX"  # pattern
    frame.loc[1, "kind"] = "guess"  # enum
    frame.loc[2, "cmo_id"] = frame.loc[3, "cmo_id"]  # unique and primary key
    frame.loc[4, "statement"] = ""  # required
    frame.to_csv(cmos, index=False)
    for resource in descriptor["resources"]:  # the checksums would refuse the edit first: drop them here
        if resource["path"] == DATASETS["cmos"]:
            resource.pop("hash"), resource.pop("bytes")
    (tree / datapackage.DESCRIPTOR).write_text(json.dumps(descriptor), encoding="utf-8")
    report = frictionless.validate(tree / datapackage.DESCRIPTOR)
    found = {error[0] for error in report.flatten(["type"])}
    assert {"constraint-error", "primary-key"} <= found, found
    notes = " ".join(error[0] for error in report.flatten(["note"]))
    assert "pattern" in notes and "enum" in notes and "required" in notes, notes


def test_an_undeclared_column_is_text_and_a_missing_one_is_left_out():
    header = ["cmo_id", "an_old_column"]
    fields = datapackage.table_schema("cmos", header)["fields"]
    assert [f["name"] for f in fields] == header
    assert fields[1] == {"name": "an_old_column", "type": "string", "description": datapackage.UNDECLARED}
    assert datapackage.table_schema("cmos", header)["primaryKey"] == ["cmo_id"]
    assert "primaryKey" not in datapackage.table_schema("reference_map", ["paper", "bibkey"])


def test_bounds_and_descriptions_a_schema_declares_become_constraints():
    """No shipped column declares a range or a description yet: one that does gets them in its field."""
    import pandera.pandas as pa

    column = pa.Column(str, checks=[pa.Check.le(4), pa.Check.in_range(1, 5, include_min=False)], description="A score.")
    field = datapackage.field_for("score", column, "Int64")
    assert field["type"] == "integer" and field["description"] == "A score."
    assert field["constraints"] == {"required": True, "exclusiveMinimum": 1, "maximum": 4}


def test_the_zip_is_deterministic(package, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    again = datapackage.write_package(REPO, tmp_path / "again.zip")
    assert (tmp_path / "again.zip").read_bytes() == package["zip"].read_bytes()
    assert again["sha256"] == package["written"]["sha256"]
    date = package["descriptor"]["created"][:10]
    with zipfile.ZipFile(package["zip"]) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(*map(int, date.split("-")), 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {datapackage.MODE}


def test_no_declared_rule_names_the_current_year():
    """publish rebuilds an edition's package, maybe years later, and checks it against the sha256 its release
    recorded; the fields' descriptions quote validation's messages, so none may name the year it is written in."""
    this_year = str(datetime.date.today().year)
    for name, declared in schema.SCHEMAS.items():
        for column_name, column in declared.columns.items():
            for check in column.checks:
                assert this_year not in str(check.error or ""), f"{name}.{column_name}: {check.error}"


def test_an_older_edition_yields_a_valid_package(tmp_path):
    """The oldest release, exported from its commit with git archive (as publish does), whatever columns it lacks."""
    record = releases.load_records(REPO)[-1]
    commit = record.get("commit") or record["tag"]
    if subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=REPO, capture_output=True).returncode:
        pytest.skip(f"git has no commit {commit} here (a shallow or exported checkout)")
    tree = tmp_path / "edition"
    tree.mkdir()
    exported = subprocess.run(["git", "archive", "--format=tar", commit], cwd=REPO, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(exported.stdout)) as tar:
        tar.extractall(tree, filter="data")
    out = tmp_path / artifacts.data_package_name(record["version"])
    written = datapackage.write_package(tree, out)
    report = frictionless.validate(out)
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])
    with zipfile.ZipFile(out) as archive:
        descriptor = json.loads(archive.read(datapackage.DESCRIPTOR))
    assert descriptor["version"] == record["version"] and descriptor["created"].startswith(record["date"])
    assert descriptor["dataFingerprint"] == record["data_fingerprint"]
    held = {relative for relative in DATASETS.values() if (tree / relative).is_file()}
    assert held < set(DATASETS.values()), "the oldest edition lacks a dataset declared since"
    assert {r["path"] for r in descriptor["resources"]} - {datapackage.SHEET_EXPORT, datapackage.README} == held
    assert written["resources"] == [r["name"] for r in descriptor["resources"]]
    for resource in descriptor["resources"]:
        if resource["type"] == "table" and resource["path"] in DATASETS.values():
            header = next(csv.reader(io.StringIO((tree / resource["path"]).read_text(encoding="utf-8"))))
            assert [f["name"] for f in resource["schema"]["fields"]] == header  # declared columns it lacks: left out


def test_data_that_do_not_validate_are_refused_and_nothing_is_written(repo_copy, tmp_path):
    path = repo_copy / DATASETS["cmos"]
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[1].split(",")[0]
    path.write_text(text.replace(first, "CMO-XX", 1), encoding="utf-8")
    out = tmp_path / "out" / "package.zip"
    with pytest.raises(ReleaseError, match=r"data/cmos\.csv, row 2, column 'cmo_id'"):
        datapackage.write_package(repo_copy, out)
    assert not out.parent.exists() or not any(out.parent.iterdir())
    result = run_helpers(repo_copy, "datapackage", "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Data package not written" in result.stderr and "data/cmos.csv, row 2, column 'cmo_id'" in result.stderr
    assert not out.exists() and not list(out.parent.glob("*"))


def test_an_unwritable_target_is_a_message_not_a_traceback(repo_copy, tmp_path):
    target = tmp_path / "downloads" / "a-folder.zip"
    target.mkdir(parents=True)
    result = run_helpers(repo_copy, "datapackage", "--out", str(target))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"Data package not written: cannot write {target}" in result.stderr
    assert list(target.parent.iterdir()) == [target] and not any(target.iterdir())


def test_the_command_writes_the_default_path(repo_copy):
    result = run_helpers(repo_copy, "datapackage")
    assert result.returncode == 0, result.stderr
    name = artifacts.data_package_name(datapackage.edition_version(repo_copy))
    target = repo_copy / "_build" / artifacts.DOWNLOADS / name
    assert target.is_file() and str(target) in result.stdout
    assert frictionless.validate(target).valid


def test_the_edition_is_the_one_citation_cff_names_unless_the_data_are_unreleased_changes(repo_copy):
    """Released data, or a version above the newest record (a release being cut, before its record is written):
    CITATION.cff's version. Data that differ from the newest record under its version: unreleased (None)."""
    from helpers.release.cut import write_version

    newest = releases.load_records(repo_copy)[0]
    data = repo_copy / DATASETS["cmos"]
    data.write_bytes(data.read_bytes() + b"\n")  # data no release holds
    write_version(repo_copy, newest["version"], newest["date"])
    assert datapackage.edition_version(repo_copy) is None
    major = int(newest["version"].split(".")[0]) + 1
    write_version(repo_copy, f"{major}.0.0", newest["date"])
    assert datapackage.edition_version(repo_copy) == f"{major}.0.0"


def test_an_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError, match="disk full"):
        datapackage.write_zip(tmp_path / "package.zip", {"a.csv": b"a\n1\n"}, "2026-11-23")
    assert list(tmp_path.iterdir()) == []


def test_a_paper_licence_is_what_the_paper_states(papers):
    """Each licence the BibTeX records for a paper (``x-license``) is the one that paper's text states."""
    entries = bib.load_bibliography(REPO / DATASETS["bibliography"]).set_index("bibkey")
    recorded = entries[entries[bib.LICENSE_COLUMN] != ""]
    assert not recorded.empty
    for key, entry in recorded.iterrows():
        match = re.fullmatch(r"CC-([A-Z-]+)-([0-9.]+)", entry[bib.LICENSE_COLUMN])
        assert match, f"{key}: only Creative Commons licences are checked against the papers here"
        url = f"creativecommons.org/licenses/{match.group(1).lower()}/{match.group(2)}"
        assert url in papers[int(entry["year"])], key


def test_a_licence_that_is_not_an_spdx_id_is_refused(tmp_path):
    path = tmp_path / "references.bib"
    path.write_text(
        "@article{smith2020study,\n  author = {Smith, A.},\n  title = {A study},\n  journal = {J},\n"
        "  year = {2020},\n  x-license = {free to use},\n  x-provenance = {added 2026-11-30 by A. Curator from 10.1/x}\n}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="x-license.*not an SPDX licence id"):
        bib.load_bibliography(path)
