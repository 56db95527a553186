"""What changed between two editions of the report, computed from the data (the page is helpers.views.changelog_page).

Two snapshots of the data (a release record's rows, a git commit's files, or a folder) are compared by their
stable ids: sources by ``source_id``, CMO configurations by ``cmo_id``, reported values by ``value_id``. The
result says what was added, removed and changed (which fields, old and new text), which CMO statements were
reworded (shown as a word-level diff) and whether the set of studies or the theory structure changed;
:func:`required_level` turns that into the semantic-version level an edition needs (see the README, "Versions
and releases").

The releases are the release records (``releases/vX.Y.Z.json``, read by ``helpers.data.releases``) and the git
tags ``vX.Y.Z``, whichever are at hand: a fork or a shallow checkout has the records without the tags. Each
record carries its edition's compared rows (:func:`encode_rows`, plain JSON, every cell as text), so
the working data are compared with the newest release without git history, and its comparison with the
previous edition (``changes``), which the changelog page shows.
"""

from __future__ import annotations

import html
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.data import loaders as data
from helpers.data.errors import DataError
from helpers.data.paths import DATASETS
from helpers.data.releases import RELEASES_DIR, load_records, version_key
from helpers.release.git import ReleaseError, commit_adding, commit_of, git, has_git, release_tags

LEVELS = ("patch", "minor", "major")
# Datasets compared, their id column, and how the page names them.
COMPARED = {"sources": "source_id", "cmos": "cmo_id", "reported_values": "value_id"}
NAMES = {"sources": "Evidence sources", "cmos": "CMO configurations", "reported_values": "Reported values"}
PLURALS = {"sources": "evidence sources", "cmos": "CMO configurations", "reported_values": "reported values"}
# Curators' notes: correcting one does not change what the evidence says (a patch).
NOTE_COLUMNS = {"label_note", "inclusion_note", "split_note", "note", "refines_basis"}
LOADERS = {"sources": data.load_sources, "cmos": data.load_cmos, "reported_values": data.load_reported_values}


# --------------------------------------------------------------------------- snapshots


@dataclass
class Snapshot:
    """The compared datasets of one edition, every cell as text, indexed by id."""

    label: str
    tables: dict[str, pd.DataFrame]
    # Sources made from a record of the screening log: source_id -> the search that found it (date, record, title).
    found_by: dict[str, dict] = field(default_factory=dict)


def _cell_text(value) -> str:
    if pd.isna(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 22.0 was printed 22
    return str(value)


def _as_text(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    text = frame.apply(lambda column: column.map(_cell_text))
    return text.set_index(key, drop=False)


def snapshot_from_dir(base: Path, label: str | None = None) -> Snapshot:
    """The data of the report checked out at ``base``, loaded (and so validated) by the usual loaders, read afresh
    (the loaders keep what they read for the life of a process; a comparison must see the files as they are now)."""
    data.clear_cache()
    tables = {name: _as_text(LOADERS[name](base / DATASETS[name]), key) for name, key in COMPARED.items()}
    return Snapshot(label or "working tree", tables, _found_by(base))


def _found_by(base: Path) -> dict[str, dict]:
    """The sources of ``base`` made from records of its screening log (none where it has no log)."""
    log = base / DATASETS["screening"]
    if not log.is_file():
        return {}
    included = data.load_screening(log)
    included = included[(included["status"] == "include") & (included["source_id"] != "")]
    return {
        row.source_id: {"date": row.run_id.removeprefix("S-"), "candidate_id": row.candidate_id} for row in included.itertuples()
    }


def search_note(entry: dict) -> str:
    """'found by the search of 2027-01-01, record C-0003' for a source a search found, else '' (the entry's summary
    already names the work)."""
    found = entry.get("search")
    return f"found by the search of {found['date']}, record {found['candidate_id']}" if found else ""


def snapshot_from_git(base: Path, ref: str, label: str | None = None) -> Snapshot:
    """The data as committed at ``ref`` (a tag such as ``v1.0.0``, a commit), read with ``git show`` into a temp folder."""
    with tempfile.TemporaryDirectory(prefix="report-snapshot-") as tmp:
        for name in COMPARED:
            relative = DATASETS[name]
            target = Path(tmp) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(git(base, "show", f"{ref}:{relative}", binary=True))
        try:
            snapshot = snapshot_from_dir(Path(tmp), label=label or ref)
        except DataError as exc:
            raise ReleaseError(f"the data of {ref} do not load with this version of the helpers:\n{exc}") from None
        finally:
            data.clear_cache()
    return snapshot


# --------------------------------------------------------------------------- comparing


def _summary(dataset: str, row: pd.Series) -> str:
    if dataset == "sources":
        return f"{row['authors']} ({row['year'] or 'n.d.'}). {row['title']}"
    if dataset == "cmos":
        return f"{row['label']} ({row['study']}, {row['kind']}): {row['statement']}"
    detail = ", ".join(v for v in (row["measure"], row["group"], row["category"]) if v)
    wave = f", wave {row['wave']}" if row["wave"] else ""
    return f"{detail}{wave}: {row['value_reported']}"


def _compare_table(dataset: str, old: pd.DataFrame | None, new: pd.DataFrame) -> dict:
    old = old if old is not None else new.iloc[0:0]
    result = {
        "added": [{"id": i, "summary": _summary(dataset, new.loc[i])} for i in new.index if i not in old.index],
        "removed": [{"id": i, "summary": _summary(dataset, old.loc[i])} for i in old.index if i not in new.index],
        "changed": [],
        "columns_added": [c for c in new.columns if c not in old.columns],
        "columns_removed": [c for c in old.columns if c not in new.columns],
    }
    if dataset == "cmos":
        result["reworded"] = []
    shared_columns = [c for c in new.columns if c in old.columns]
    for cell_id in (i for i in new.index if i in old.index):
        before, after = old.loc[cell_id], new.loc[cell_id]
        fields = {c: [before[c], after[c]] for c in shared_columns if before[c] != after[c]}
        if not fields:
            continue
        if dataset == "cmos" and "statement" in fields:
            old_text, new_text = fields.pop("statement")
            result["reworded"].append(
                {"id": cell_id, "label": after["label"], "old": old_text, "new": new_text, "fields": fields}
            )
        else:
            result["changed"].append({"id": cell_id, "fields": fields})
    return result


def _structure(snapshot: Snapshot | None) -> dict:
    if snapshot is None:
        return {"studies": [], "theory_areas": []}
    cmos = snapshot.tables["cmos"]
    areas = sorted(
        {f"{s} {n}. {a}" for s, n, a in zip(cmos["study"], cmos["theory_area_number"], cmos["theory_area"], strict=True)}
    )
    return {"studies": sorted(set(cmos["study"])), "theory_areas": areas}


def compare(old: Snapshot | None, new: Snapshot) -> dict:
    """Everything that differs between two snapshots (``old`` None: the first edition)."""
    changes = {name: _compare_table(name, old.tables[name] if old else None, new.tables[name]) for name in COMPARED}
    for entry in changes["sources"]["added"]:
        if entry["id"] in new.found_by:
            entry["search"] = dict(new.found_by[entry["id"]])
    before, after = _structure(old), _structure(new)
    changes["structure"] = {
        "studies": {"before": before["studies"], "after": after["studies"]},
        "theory_areas": {
            "removed": [a for a in before["theory_areas"] if a not in after["theory_areas"]],
            "added": [a for a in after["theory_areas"] if a not in before["theory_areas"]],
        },
    }
    return changes


def counts(snapshot: Snapshot) -> dict[str, int]:
    return {name: len(table) for name, table in snapshot.tables.items()}


def required_level(changes: dict) -> tuple[str, list[str]]:
    """The semantic-version level the changes need, with the reasons.

    major: the set of studies or the theory structure (theory areas) changes; minor: a source, CMO or reported
    value is added, removed or changed (a reworded CMO included); patch: nothing but curators' notes changed.
    """
    reasons_major, reasons_minor = [], []
    studies = changes["structure"]["studies"]
    if studies["before"] and studies["before"] != studies["after"]:
        reasons_major.append(f"the studies changed from {studies['before']} to {studies['after']}")
    areas = changes["structure"]["theory_areas"]
    if studies["before"] and (areas["added"] or areas["removed"]):
        reasons_major.append(f"theory areas added {areas['added']} or removed {areas['removed']}")
    for name in COMPARED:
        table = changes[name]
        for what in ("added", "removed", "reworded"):
            if table.get(what):
                reasons_minor.append(f"{len(table[what])} {PLURALS[name]} {what}")
        meaningful = [c for c in table["changed"] if set(c["fields"]) - NOTE_COLUMNS]
        if meaningful:
            reasons_minor.append(f"{len(meaningful)} {PLURALS[name]} changed")
        if table["columns_added"] or table["columns_removed"]:
            reasons_minor.append(f"columns of {PLURALS[name]} added or removed")
    if reasons_major:
        return "major", reasons_major
    if reasons_minor:
        return "minor", reasons_minor
    return "patch", ["no change to the evidence data beyond curators' notes"]


def compare_refs(base: Path, old_ref: str | None, new_ref: str | None) -> dict:
    """Compare two git refs (``None`` as ``new_ref``: the working tree; as ``old_ref``: nothing, a first edition)."""
    old = snapshot_from_git(base, old_ref) if old_ref else None
    new = snapshot_from_git(base, new_ref) if new_ref else snapshot_from_dir(base)
    return compare(old, new)


def is_empty(changes: dict) -> bool:
    return all(not value for name in COMPARED for value in changes[name].values()) and required_level(changes)[0] == "patch"


# --------------------------------------------------------------------------- release records

ROWS_ENCODING = "json"


def encode_rows(snapshot: Snapshot) -> dict:
    """The compared rows of a snapshot as a release record keeps them: plain JSON, every cell as text.

    A reviewer reads them in the record and in its diff (git compresses them in the repository);
    :func:`decode_rows` gives back the same snapshot, and the same data always give the same record.
    """
    tables = {
        name: {"key": COMPARED[name], "columns": list(table.columns), "rows": table.values.tolist()}
        for name, table in snapshot.tables.items()
    }
    return {"encoding": ROWS_ENCODING, "tables": tables}


def decode_rows(rows: dict, label: str) -> Snapshot:
    """The snapshot a record's ``rows`` hold; a ReleaseError naming the record when they cannot be read."""
    try:
        if rows.get("encoding") != ROWS_ENCODING:
            raise ValueError(f"unknown encoding {rows.get('encoding')!r} (expected {ROWS_ENCODING})")
        tables = {}
        for name, key in COMPARED.items():
            table = rows["tables"][name]
            if any(not isinstance(row, list) or len(row) != len(table["columns"]) for row in table["rows"]):
                raise ValueError(f"a row of {name} does not have one cell per column")
            frame = pd.DataFrame(table["rows"], columns=table["columns"], dtype=object)
            tables[name] = frame.set_index(key, drop=False)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ReleaseError(
            f"the rows in {RELEASES_DIR}/{label}.json cannot be read ({exc}); write them again with "
            f"`python -m helpers record {label[1:]}`"
        ) from None
    return Snapshot(label, tables)


@dataclass(frozen=True)
class Release:
    """One release: its tag ``vX.Y.Z``, its record (None: a tag without one) and whether git has the tag."""

    tag: str
    record: dict | None
    tagged: bool

    @property
    def version(self) -> str:
        return self.tag[1:]


def releases(base: Path) -> list[Release]:
    """Every release, oldest first: the records, and the tags (where git has them)."""
    records = {record["tag"]: record for record in load_records(base)}
    tags = set(release_tags(base))
    return [Release(tag, records.get(tag), tag in tags) for tag in sorted(records.keys() | tags, key=version_key)]


def newest_release(base: Path) -> Release | None:
    found = releases(base)
    return found[-1] if found else None


def edition_commit(base: Path, release: Release) -> str | None:
    """The commit an edition is built from: its tag's, else the record's ``commit``, else the commit that added
    the record (a fork without tags); None where this repository's history has none of them."""
    if release.tagged:
        return commit_of(base, release.tag)
    if release.record and release.record.get("commit") and commit_of(base, release.record["commit"]):
        return commit_of(base, release.record["commit"])
    if not has_git(base):
        return None
    return commit_adding(base, f"{RELEASES_DIR}/{release.tag}.json")


def release_snapshot(base: Path, release: Release) -> Snapshot:
    """The compared data of a release: its record's rows, else (an older record, a bare tag) its commit's files."""
    if release.record and release.record.get("rows"):
        return decode_rows(release.record["rows"], release.tag)
    commit = edition_commit(base, release)
    if commit is None:
        raise ReleaseError(
            f"{release.tag} has no rows in its record and git has no commit for it; "
            f"write them with `python -m helpers record {release.version}` where its history is at hand"
        )
    return snapshot_from_git(base, commit, label=release.tag)


def snapshot_for(base: Path, ref: str | None) -> Snapshot:
    """The data of ``ref``: a release (``vX.Y.Z`` or ``X.Y.Z``) from its record, else a git ref; None: the working tree."""
    if ref is None:
        return snapshot_from_dir(base)
    tag = ref if ref.startswith("v") else f"v{ref}"
    found = next((r for r in releases(base) if r.tag == tag), None)
    return release_snapshot(base, found) if found else snapshot_from_git(base, ref)


# --------------------------------------------------------------------------- rendering


def unreleased_changes(base: Path) -> tuple[str, dict] | None:
    """Data changes since the newest release (from its record; no git needed), or None when nothing changed."""
    newest = newest_release(base)
    if newest is None:
        return None
    changes = compare(release_snapshot(base, newest), snapshot_from_dir(base))
    return None if is_empty(changes) else (newest.tag, changes)


def changes_text(changes: dict) -> str:
    """A plain-text summary for the command line."""
    lines = []
    for name in COMPARED:
        table = changes[name]
        for what in ("added", "removed"):
            lines += [
                f"{NAMES[name]}: {what} {e['id']}: {e['summary']}" + (f" ({search_note(e)})" if search_note(e) else "")
                for e in table[what]
            ]
        for entry in table.get("reworded", []):
            lines.append(f"{NAMES[name]}: reworded {entry['id']}: {entry['old']!r} -> {entry['new']!r}")
        for entry in table["changed"]:
            fields = "; ".join(f"{c}: {o!r} -> {n!r}" for c, (o, n) in entry["fields"].items())
            lines.append(f"{NAMES[name]}: changed {entry['id']}: {fields}")
    level, reasons = required_level(changes)
    lines.append(f"Needs a {level} release: {'; '.join(reasons)}.")
    return "\n".join(lines)


def _markdown_text(text: str) -> str:
    """Data text made inert for Markdown: HTML escaped, Markdown's punctuation backslashed, one line."""
    escaped = html.escape(" ".join(str(text).split()), quote=False)
    return "".join(f"\\{c}" if c in "\\`*_{}[]()#+-!|~>" else c for c in escaped)


def changes_markdown(changes: dict, title: str) -> str:
    """The changes as Markdown (a pull request's job summary in CI): a heading, then one list per dataset."""
    level, reasons = required_level(changes)
    lines = [f"## {_markdown_text(title)}", "", f"Needs a **{level}** release: {_markdown_text('; '.join(reasons))}.", ""]
    for name in COMPARED:
        table = changes[name]
        items = [
            f"- added `{e['id']}`: {_markdown_text(e['summary'])}"
            + (f" ({_markdown_text(search_note(e))})" if search_note(e) else "")
            for e in table["added"]
        ]
        items += [f"- removed `{e['id']}`: {_markdown_text(e['summary'])}" for e in table["removed"]]
        items += [
            f"- reworded `{e['id']}`: ~~{_markdown_text(e['old'])}~~ → {_markdown_text(e['new'])}"
            for e in table.get("reworded", [])
        ]
        for entry in table["changed"]:
            fields = "; ".join(
                f"{c}: {_markdown_text(old) or '(empty)'} → {_markdown_text(new) or '(empty)'}"
                for c, (old, new) in entry["fields"].items()
            )
            items.append(f"- changed `{entry['id']}`: {fields}")
        items += [f"- column added `{c}`" for c in table["columns_added"]]
        items += [f"- column removed `{c}`" for c in table["columns_removed"]]
        if items:
            lines += [f"### {NAMES[name]}", "", *items, ""]
    return "\n".join(lines)
