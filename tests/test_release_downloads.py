"""An edition's downloads (its PDF and data package) wired into releases: recorded by ``release``, written beside
each edition by ``publish`` with SHA256SUMS, checked against the record, linked from the landing page and the
changelog without a broken link, and listed in .zenodo.json.

The fast tests use the fake writers of ``fake_writers.py`` and a fake build (``site.build_html``) that writes the
landing page and the changelog with the report's own views, on a throwaway git copy. One slow test at the end
runs the real writers, where they are importable.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fake_writers
from conftest import REPO, run_helpers
from helpers.data import releases
from helpers.release import artifacts, cut, downloads, site
from helpers.release import citation as zenodo
from helpers.views import changelog_page, cite
from test_editions import _git, make_fork

FIRST, SECOND = "v1.0.0", "v1.0.1"
DATE = "2026-12-01"
# The first edition stands for one built by its own, older helpers: its pages have no download slot.
OLD_HELPERS = {FIRST}
PAGE = '<!DOCTYPE html><html data-content_root="../"><head><title>{title}</title></head><body>{body}</body></html>'


def fake_build(checkout: Path, tag: str) -> Path:
    """In place of ``python -m helpers build``: the landing page's cite block and the changelog, made by the views
    from the exported edition (an edition in OLD_HELPERS as helpers without downloads made them)."""
    html = checkout / "_build" / "html"
    (html / "chapters").mkdir(parents=True)
    pages = {"index": cite.cite_this_version(checkout).data, "changelog": changelog_page.release_notes(checkout).data}
    for name, body in pages.items():
        if tag in OLD_HELPERS:
            body = re.sub(r"<!--report-downloads [^>]*--><!--/report-downloads-->", "", body)
        (html / "chapters" / f"{name}.html").write_text(PAGE.format(title=name, body=body), encoding="utf-8")
    return html


def run(function, *args, **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = function(*args, **kwargs)
    return code, out.getvalue(), err.getvalue()


@contextlib.contextmanager
def faked(root: Path):
    """The report at ``root``, the fake writers and the fake build, in this process."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPORT_ROOT", str(root))
        fake_writers.install(patch)
        patch.setattr(site, "build_html", fake_build)
        yield


def copy_history(editions: dict, tmp_path: Path) -> Path:
    copy = tmp_path / "report"
    shutil.copytree(editions["root"], copy, symlinks=True)
    return copy


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> dict:
    """A fork with the first edition's record (no tag): dry-run and cut a patch release, publish both, publish again."""
    root = make_fork(tmp_path_factory.mktemp("downloads") / "report")
    with faked(root):
        dry = run(cut.release, SECOND[1:], DATE, dry_run=True)
        released = run(cut.release, SECOND[1:], DATE)
        fake_writers.CALLS.clear()
        published = run(site.publish)
        first_calls = list(fake_writers.CALLS)
        fake_writers.CALLS.clear()
        again = run(site.publish)
        again_calls = list(fake_writers.CALLS)
    assert released[0] == 0, released
    assert published[0] == 0, published
    return {
        "root": root,
        "site": root / site.SITE_DIR,
        "dry": dry,
        "released": released,
        "again": again,
        "first_calls": first_calls,
        "again_calls": again_calls,
        "record": json.loads((root / "releases" / f"{SECOND}.json").read_text(encoding="utf-8")),
    }


def sums(folder: Path) -> dict[str, str]:
    lines = (folder / artifacts.DOWNLOADS / downloads.SUMS).read_text(encoding="utf-8").splitlines()
    return {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}


# --------------------------------------------------------------------------- release


def test_release_records_both_downloads(editions):
    entry = editions["record"][downloads.RECORD_KEY]
    package, pdf = entry["data_package"], entry["pdf"]
    assert package["name"] == artifacts.data_package_name(SECOND[1:]) and pdf["name"] == artifacts.pdf_name(SECOND[1:])
    assert set(package) == {"name", "bytes", "sha256"} and len(package["sha256"]) == 64 and package["bytes"] > 0
    assert "sha256" not in pdf and "fonts" in pdf["note"], "the PDF's checksum depends on the machine: named only"
    # The package publish rebuilt from the tag is the one the release recorded, though the record names it.
    assert sums(editions["site"] / SECOND)[package["name"]] == package["sha256"]
    assert "Recorded its downloads: data package" in editions["released"][1]
    # The committed record is what the release wrote (the tag holds it).
    assert json.loads(_git(editions["root"], "show", f"{SECOND}:releases/{SECOND}.json")) == editions["record"]


def test_release_dry_run_prints_the_downloads_it_would_record(editions):
    code, out, _ = editions["dry"]
    assert code == 0
    package = editions["record"][downloads.RECORD_KEY]["data_package"]
    assert f"data package {package['name']} ({package['bytes']} bytes, sha256 {package['sha256']})" in out
    assert f"PDF {artifacts.pdf_name(SECOND[1:])} (printed by publish" in out
    printed = out.split(f"releases/{SECOND}.json:\n", 1)[1].split("\nthen commit", 1)[0]
    shown = json.loads("\n".join(line[4:] for line in printed.splitlines()))
    assert shown[downloads.RECORD_KEY] == editions["record"][downloads.RECORD_KEY]


def test_release_refuses_when_the_package_writer_is_missing(editions, tmp_path, monkeypatch):
    root = copy_history(editions, tmp_path)
    with faked(root):
        monkeypatch.setitem(sys.modules, "helpers.release.datapackage", None)
        code, _, err = run(cut.release, "1.0.2", DATE, dry_run=True)
    assert code == 1 and "cannot write the data package: helpers.release.datapackage cannot be imported" in err


def test_a_broken_downloads_entry_in_a_record_is_named(editions, tmp_path):
    from helpers.data.errors import DataError

    root = copy_history(editions, tmp_path)
    path = root / "releases" / f"{SECOND}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    releases.load_records(root)  # as the release wrote it: well formed
    record[downloads.RECORD_KEY]["data_package"]["sha256"] = "not a checksum"
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=rf"releases/{SECOND}\.json, column 'artifacts'.*64 hexadecimal digits"):
        releases.load_records(root)
    record[downloads.RECORD_KEY] = ["a list"]
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    validated = run_helpers(root, "validate")
    assert validated.returncode == 1 and f"releases/{SECOND}.json, column 'artifacts'" in validated.stderr
    assert "Traceback" not in validated.stderr


# --------------------------------------------------------------------------- publish


def test_publish_writes_the_downloads_beside_each_edition_with_checksums(editions):
    for folder, tag in ((FIRST, FIRST), (SECOND, SECOND), (site.LATEST, SECOND)):
        edition = editions["site"] / folder
        names = {artifacts.pdf_name(tag[1:]), artifacts.data_package_name(tag[1:])}
        assert set(sums(edition)) == names, folder
        checked = subprocess.run(
            ["sha256sum", "--check", "--strict", downloads.SUMS],
            cwd=edition / artifacts.DOWNLOADS,
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        listing = downloads.listing(edition)
        assert listing["edition"] == tag and {f["name"] for f in listing["files"]} == names
    expected = [("pdf", artifacts.pdf_name(t[1:])) for t in (FIRST, SECOND)]
    expected += [("data_package", artifacts.data_package_name(t[1:])) for t in (FIRST, SECOND)]
    assert sorted(editions["first_calls"]) == sorted(expected), "each edition printed and packaged once"
    # The first edition's record predates downloads: it has none recorded, and still publishes and shows.
    first = json.loads((editions["root"] / "releases" / f"{FIRST}.json").read_text(encoding="utf-8"))
    assert downloads.RECORD_KEY not in first


def test_publish_again_keeps_each_edition_and_its_downloads(editions):
    code, out, _ = editions["again"]
    assert code == 0 and out.count("kept with its downloads") == 2
    assert editions["again_calls"] == [], "nothing is printed or packaged again"


def test_an_edition_published_before_downloads_gets_them_and_keeps_its_pages(editions, tmp_path):
    root = copy_history(editions, tmp_path)
    edition = root / site.SITE_DIR / FIRST
    pages = {p: p.read_bytes() for p in edition.rglob("*.html")}
    shutil.rmtree(edition / artifacts.DOWNLOADS)
    with faked(root):
        code, out, err = run(site.publish)
        calls = list(fake_writers.CALLS)
    assert code == 0, err
    assert f"{FIRST}: already published" in out and "its downloads added" in out
    assert sorted(kind for kind, _ in calls) == ["data_package", "pdf"]
    assert downloads.has_downloads(edition) and {p: p.read_bytes() for p in edition.rglob("*.html")} == pages


def test_a_package_other_than_the_recorded_one_fails_publish_loudly(editions, tmp_path):
    root = copy_history(editions, tmp_path)
    record_file = root / "releases" / f"{SECOND}.json"
    record = json.loads(record_file.read_text(encoding="utf-8"))
    recorded = record[downloads.RECORD_KEY]["data_package"]["sha256"]
    wrong = "0" * 64
    record[downloads.RECORD_KEY]["data_package"]["sha256"] = wrong
    record_file.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    published = root / site.SITE_DIR / SECOND
    before = sums(published)
    with faked(root):
        code, _, err = run(site.publish, rebuild=True)
    assert code == 1 and "Traceback" not in err
    assert f"the data package of {SECOND} rebuilt from its commit has sha256 {recorded}" in err
    assert f"releases/{SECOND}.json records {wrong}" in err
    assert sums(published) == before, "the edition published before is left as it was"
    assert not (root / site.SITE_DIR / f"{SECOND}.new").exists()


def test_a_failing_writer_is_named_not_a_traceback(editions, tmp_path, monkeypatch):
    root = copy_history(editions, tmp_path)

    def broken(site_dir, out, base):
        raise RuntimeError("chromium crashed")

    with faked(root):
        monkeypatch.setattr(fake_writers, "write_pdf", broken)
        code, _, err = run(site.publish, rebuild=True)
    assert code == 1 and f"writing the pdf of {FIRST} failed: RuntimeError: chromium crashed" in err
    assert not list((root / site.SITE_DIR).rglob("*.new")), "nothing half-written is left behind"
    assert downloads.has_downloads(root / site.SITE_DIR / FIRST), "the edition published before is left as it was"


# --------------------------------------------------------------------------- pages


def hrefs(markup: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', markup)


def test_pages_link_each_editions_downloads_and_every_link_resolves(editions):
    site_dir = editions["site"]
    for folder in (SECOND, site.LATEST):
        index = (site_dir / folder / "chapters" / "index.html").read_text(encoding="utf-8")
        own = {f"../{artifacts.DOWNLOADS}/{name(SECOND[1:])}" for name in (artifacts.pdf_name, artifacts.data_package_name)}
        assert own <= set(hrefs(index)), folder
        changelog = (site_dir / folder / "chapters" / "changelog.html").read_text(encoding="utf-8")
        links = hrefs(changelog)
        assert f"../{artifacts.DOWNLOADS}/{artifacts.pdf_name(SECOND[1:])}" in links
        assert f"../../{FIRST}/{artifacts.DOWNLOADS}/{artifacts.pdf_name(FIRST[1:])}" in links, "older editions too"
        assert f"Download edition {FIRST[1:]}:" in changelog and f"Download edition {SECOND[1:]}:" in changelog
    # The first edition's own pages (older helpers) have no slot and no link to downloads; nothing is broken anywhere.
    old = (site_dir / FIRST / "chapters" / "changelog.html").read_text(encoding="utf-8")
    assert "report-downloads" not in old
    checked = 0
    for page in site_dir.rglob("*.html"):
        for href in hrefs(page.read_text(encoding="utf-8")):
            if artifacts.DOWNLOADS in href:
                assert (page.parent / href).resolve().is_file(), (page, href)
                checked += 1
    assert checked >= 12


def test_a_plain_build_leaves_the_slots_empty(tmp_path):
    """What the views write (as a plain `python -m helpers build` shows it): a slot per edition, no link in it."""
    markup = cite.cite_this_version(REPO).data + changelog_page.release_notes(REPO).data
    for tag in [record["tag"] for record in releases.load_records(REPO)]:
        assert downloads.slot(tag) in markup, tag
    assert not [h for h in hrefs(markup) if artifacts.DOWNLOADS in h]
    # A site folder without downloads (a plain build) keeps its slots empty.
    page = tmp_path / "chapters" / "index.html"
    page.parent.mkdir()
    page.write_text(PAGE.format(title="x", body=markup), encoding="utf-8")
    assert downloads.fill_slots(tmp_path, tmp_path.parent) == 0
    assert page.read_text(encoding="utf-8") == PAGE.format(title="x", body=markup)


def test_a_plain_build_links_no_download(built_site):
    """The real plain build: the changelog (and the landing page, when the data are a released edition's) carry
    empty slots, and nothing links into downloads/."""
    released = releases.edition_state(REPO).released  # unreleased data: the landing page cites no edition of its own
    for name, slotted in (("index", released), ("changelog", True)):
        markup = (built_site / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        assert ("<!--report-downloads v" in markup) == slotted, name
        assert not [h for h in hrefs(markup) if f"{artifacts.DOWNLOADS}/" in h], name
    assert not (built_site / artifacts.DOWNLOADS).exists()


# --------------------------------------------------------------------------- .zenodo.json


def test_zenodo_metadata_names_the_downloads(tmp_path):
    metadata = zenodo.zenodo_metadata(REPO)
    version = metadata["version"]
    assert artifacts.pdf_name(version) in metadata["notes"] and artifacts.data_package_name(version) in metadata["notes"]
    assert not any(r["scheme"] == "url" for r in metadata["related_identifiers"]), "CITATION.cff has no url: no address"
    for name in ("data", "bib"):
        shutil.copytree(REPO / name, tmp_path / name)
    text = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    (tmp_path / "CITATION.cff").write_text(text + 'url: "https://example.org/report/"\n', encoding="utf-8")
    related = {r["identifier"]: r for r in zenodo.zenodo_metadata(tmp_path)["related_identifiers"] if r["scheme"] == "url"}
    folder = f"https://example.org/report/v{version}/{artifacts.DOWNLOADS}"
    assert related[f"{folder}/{artifacts.pdf_name(version)}"]["relation"] == "isVariantFormOf"
    assert related[f"{folder}/{artifacts.data_package_name(version)}"]["relation"] == "isSupplementedBy"


# --------------------------------------------------------------------------- end to end, with the real writers


def real_writers_or_skip() -> None:
    for kind in downloads.WRITERS:
        try:
            downloads.writer(kind)
        except Exception as exc:  # noqa: BLE001 - any reason the real writer cannot be loaded skips, with it
            pytest.skip(f"the real {kind.replace('_', ' ')} writer is not importable here: {exc}")


@pytest.mark.release_artifacts
def test_release_and_publish_with_the_real_writers(tmp_path, offline_build):
    """A patch release and `publish`, as commands, with the real PDF and data-package writers: the record's package
    checksum is the published package's, the PDF is a PDF, and the links of the newest edition resolve."""
    real_writers_or_skip()
    root = make_fork(tmp_path / "report")
    released = run_helpers(root, "release", SECOND[1:], "--date", DATE)
    assert released.returncode == 0, released.stderr
    published = run_helpers(root, "publish", offline=offline_build, timeout=3600)
    assert published.returncode == 0, f"{published.stdout[-3000:]}\n{published.stderr[-3000:]}"
    record = json.loads((root / "releases" / f"{SECOND}.json").read_text(encoding="utf-8"))
    package = record[downloads.RECORD_KEY]["data_package"]
    latest = root / site.SITE_DIR / site.LATEST
    assert sums(latest)[package["name"]] == package["sha256"]
    pdf = latest / artifacts.DOWNLOADS / artifacts.pdf_name(SECOND[1:])
    assert pdf.read_bytes().startswith(b"%PDF-")
    for name in ("index", "changelog"):
        page = latest / "chapters" / f"{name}.html"
        links = [h for h in hrefs(page.read_text(encoding="utf-8")) if artifacts.DOWNLOADS in h]
        assert links and all((page.parent / h).resolve().is_file() for h in links), name
