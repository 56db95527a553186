"""What changed between two editions of the report, computed from the data, and the changelog page.

Two snapshots of the data (a git tag's files, or a folder) are compared by their stable ids: sources by
``source_id``, CMO configurations by ``cmo_id``, reported values by ``value_id``. The result says what was
added, removed and changed (which fields, old and new text), which CMO statements were reworded (shown as a
word-level diff) and whether the set of studies or the theory structure changed; :func:`required_level` turns
that into the semantic-version level an edition needs (see the README, "Versions and releases").

The release command (``helpers.release``) records each edition's comparison in ``releases/vX.Y.Z.json``; the
changelog page renders those records, so a checkout without git history (a fresh clone without tags, a
``git archive`` export) still shows every edition's changes. Where git and release tags are at hand, the page
also lists data changes made since the newest release.
"""

from __future__ import annotations

import difflib
import html
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from . import data
from .errors import DataError, Problem
from .paths import DATASETS, root

RELEASES_DIR = "releases"
SEMVER_TAG = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
LEVELS = ("patch", "minor", "major")
# Datasets compared, their id column, and how the page names them.
COMPARED = {"sources": "source_id", "cmos": "cmo_id", "reported_values": "value_id"}
NAMES = {"sources": "Evidence sources", "cmos": "CMO configurations", "reported_values": "Reported values"}
PLURALS = {"sources": "evidence sources", "cmos": "CMO configurations", "reported_values": "reported values"}
# Curators' notes: correcting one does not change what the evidence says (a patch).
NOTE_COLUMNS = {"label_note", "inclusion_note", "split_note", "note", "refines_basis"}
LOADERS = {"sources": data.load_sources, "cmos": data.load_cmos, "reported_values": data.load_reported_values}


class ReleaseError(RuntimeError):
    """A release, changelog or publish step that cannot go ahead; the message says why and what to do."""


# --------------------------------------------------------------------------- git


def git(base: Path, *args: str, binary: bool = False) -> str | bytes:
    """Run git in ``base``; a ReleaseError with git's own message when it fails."""
    try:
        result = subprocess.run(["git", *args], cwd=base, capture_output=True, check=False)
    except FileNotFoundError:
        raise ReleaseError("git is not installed; releases and the changelog need it") from None
    if result.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout if binary else result.stdout.decode()


def has_git(base: Path) -> bool:
    try:
        return git(base, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except ReleaseError:
        return False


def version_key(tag: str) -> tuple[int, int, int]:
    match = SEMVER_TAG.match(tag)
    if not match:
        raise ValueError(f"{tag!r} is not a release tag vX.Y.Z")
    return tuple(int(part) for part in match.groups())


def release_tags(base: Path) -> list[str]:
    """The repository's release tags (``vX.Y.Z``), oldest first; [] without git."""
    if not has_git(base):
        return []
    tags = [t for t in git(base, "tag", "--list", "v*").split() if SEMVER_TAG.match(t)]
    return sorted(tags, key=version_key)


# --------------------------------------------------------------------------- snapshots


@dataclass
class Snapshot:
    """The compared datasets of one edition, every cell as text, indexed by id."""

    label: str
    tables: dict[str, pd.DataFrame]


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
    """The data of the report checked out at ``base``, loaded (and so validated) by the usual loaders."""
    tables = {name: _as_text(LOADERS[name](base / DATASETS[name]), key) for name, key in COMPARED.items()}
    return Snapshot(label or "working tree", tables)


def snapshot_from_git(base: Path, ref: str) -> Snapshot:
    """The data as committed at ``ref`` (a tag such as ``v1.0.0``), read with ``git show`` into a temp folder."""
    with tempfile.TemporaryDirectory(prefix="report-snapshot-") as tmp:
        for name in COMPARED:
            relative = DATASETS[name]
            target = Path(tmp) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(git(base, "show", f"{ref}:{relative}", binary=True))
        try:
            snapshot = snapshot_from_dir(Path(tmp), label=ref)
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


def records_dir(base: Path | None = None) -> Path:
    return (base or root()) / RELEASES_DIR


def load_records(base: Path | None = None) -> list[dict]:
    """Every recorded release (``releases/vX.Y.Z.json``), newest first."""
    folder = records_dir(base)
    records = []
    for path in folder.glob("v*.json") if folder.is_dir() else []:
        if not SEMVER_TAG.match(path.stem):
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError([Problem(f"{RELEASES_DIR}/{path.name}", exc.lineno, None, f"is not valid JSON: {exc.msg}")]) from None
        records.append(record)
    return sorted(records, key=lambda r: version_key(r["tag"]), reverse=True)


# --------------------------------------------------------------------------- rendering


def word_diff_html(old: str, new: str) -> str:
    """``old`` -> ``new`` word by word: removed words in ``<del>``, added words in ``<ins>``, all text escaped."""
    a, b = old.split(), new.split()
    pieces = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(html.escape(" ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(f"<del>{html.escape(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            pieces.append(f"<ins>{html.escape(' '.join(b[j1:j2]))}</ins>")
    return " ".join(pieces)


def _fields_html(fields: dict) -> str:
    esc = html.escape
    items = "".join(
        f"<li><code>{esc(column)}</code>: <span class='report-old'>{esc(old) or '(empty)'}</span> → "
        f"<span class='report-new'>{esc(new) or '(empty)'}</span></li>"
        for column, (old, new) in fields.items()
    )
    return f"<ul class='report-fields'>{items}</ul>"


def changes_html(changes: dict) -> str:
    """The changes between two editions as HTML lists, one block per dataset that changed."""
    esc = html.escape
    blocks = []
    structure = changes["structure"]
    if structure["theory_areas"]["added"] or structure["theory_areas"]["removed"]:
        items = [f"<li>Theory area added: {esc(a)}</li>" for a in structure["theory_areas"]["added"]]
        items += [f"<li>Theory area removed: {esc(a)}</li>" for a in structure["theory_areas"]["removed"]]
        blocks.append(f"<h4>Theory structure</h4><ul>{''.join(items)}</ul>")
    for name in COMPARED:
        table = changes[name]
        items = []
        for entry in table["added"]:
            items.append(
                f"<li class='report-added'><strong>Added</strong> <code>{esc(entry['id'])}</code>: {esc(entry['summary'])}</li>"
            )
        for entry in table["removed"]:
            items.append(
                f"<li class='report-removed'><strong>Removed</strong> <code>{esc(entry['id'])}</code>: "
                f"{esc(entry['summary'])}</li>"
            )
        for entry in table.get("reworded", []):
            extra = _fields_html(entry["fields"]) if entry["fields"] else ""
            items.append(
                f"<li class='report-reworded'><strong>Reworded</strong> <code>{esc(entry['id'])}</code> "
                f"({esc(entry['label'])}): <span class='report-word-diff'>{word_diff_html(entry['old'], entry['new'])}</span>"
                f"{extra}</li>"
            )
        for entry in table["changed"]:
            items.append(
                f"<li class='report-changed'><strong>Changed</strong> <code>{esc(entry['id'])}</code>"
                f"{_fields_html(entry['fields'])}</li>"
            )
        for column in table["columns_added"]:
            items.append(f"<li><strong>Column added</strong> <code>{esc(column)}</code></li>")
        for column in table["columns_removed"]:
            items.append(f"<li><strong>Column removed</strong> <code>{esc(column)}</code></li>")
        if items:
            blocks.append(f"<h4>{NAMES[name]}</h4><ul class='report-changes report-changes-{name}'>{''.join(items)}</ul>")
    if not blocks:
        return "<p>No change to the evidence data: corrections of presentation only.</p>"
    return "".join(blocks)


def _record_html(record: dict) -> str:
    esc = html.escape
    anchor = "release-" + record["tag"].replace(".", "-")
    level = "the first edition" if record["level"] == "first" else f"a <strong>{esc(record['level'])}</strong> release"
    head = f"<h3>Edition {esc(record['version'])}</h3><p class='report-release-meta'>Released {esc(record['date'])}; {level}"
    if record.get("previous"):
        head += f" compared with {esc(record['previous'])}"
    head += f"; data fingerprint <code>{esc(record['data_fingerprint'])}</code>.</p>"
    if record.get("previous"):
        body = changes_html(record["changes"])
    else:
        held = record["counts"]
        body = (
            f"<p>First edition: {held['sources']} evidence sources, {held['cmos']} CMO configurations and "
            f"{held['reported_values']} reported values.</p>"
        )
    return f"<section class='report-release' id='{anchor}'>{head}{body}</section>"


def unreleased_changes(base: Path) -> tuple[str, dict] | None:
    """Data changes since the newest release tag, when git and tags are at hand and something changed."""
    tags = release_tags(base)
    if not tags:
        return None
    changes = compare(snapshot_from_git(base, tags[-1]), snapshot_from_dir(base))
    return None if is_empty(changes) else (tags[-1], changes)


def release_notes(base: Path | None = None) -> HTML:
    """The changelog page's content: changes not yet released (if any), then every recorded edition."""
    base = base or root()
    parts = []
    try:
        pending = unreleased_changes(base)
    except ReleaseError as exc:  # e.g. the newest tag's data no longer load under today's schema
        pending = None
        parts.append(
            f"<p class='report-release-meta'>Changes since the newest release cannot be listed: {html.escape(str(exc))}</p>"
        )
    if pending:
        tag, changes = pending
        level, _ = required_level(changes)
        parts.append(
            "<section class='report-release report-unreleased' id='release-unreleased'><h3>Not yet released</h3>"
            f"<p class='report-release-meta'>Changes to the data since {html.escape(tag)}; they need a "
            f"<strong>{level}</strong> release.</p>{changes_html(changes)}</section>"
        )
    records = load_records(base)
    parts.extend(_record_html(record) for record in records)
    if not records:
        parts.append("<p>No edition has been released yet: the release command records each one here.</p>")
    return HTML("<div class='report-changelog'>" + "".join(parts) + "</div>")


def changes_text(changes: dict) -> str:
    """A plain-text summary for the command line."""
    lines = []
    for name in COMPARED:
        table = changes[name]
        for what in ("added", "removed"):
            lines += [f"{NAMES[name]}: {what} {e['id']}: {e['summary']}" for e in table[what]]
        for entry in table.get("reworded", []):
            lines.append(f"{NAMES[name]}: reworded {entry['id']}: {entry['old']!r} -> {entry['new']!r}")
        for entry in table["changed"]:
            fields = "; ".join(f"{c}: {o!r} -> {n!r}" for c, (o, n) in entry["fields"].items())
            lines.append(f"{NAMES[name]}: changed {entry['id']}: {fields}")
    level, reasons = required_level(changes)
    lines.append(f"Needs a {level} release: {'; '.join(reasons)}.")
    return "\n".join(lines)
