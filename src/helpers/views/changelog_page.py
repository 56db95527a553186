"""The changelog page: changes not yet released, then every recorded edition, newest first, as escaped HTML.

Everything comes from the release records (``releases/vX.Y.Z.json``) and the working data: no git tag or
history is needed (a fork, a shallow checkout, an exported edition show the same page).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from IPython.display import HTML

from helpers.data.paths import root
from helpers.data.releases import load_records
from helpers.release.changes import COMPARED, NAMES, ReleaseError, required_level, search_note, unreleased_changes
from helpers.release.downloads import slot as downloads_slot
from helpers.views.html import esc


def word_diff_html(old: str, new: str) -> str:
    """``old`` -> ``new`` word by word: removed words in ``<del>``, added words in ``<ins>``, all text escaped."""
    a, b = old.split(), new.split()
    pieces = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(esc(" ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(f"<del>{esc(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            pieces.append(f"<ins>{esc(' '.join(b[j1:j2]))}</ins>")
    return " ".join(pieces)


def _fields_html(fields: dict) -> str:
    items = "".join(
        f"<li><code>{esc(column)}</code>: <span class='report-old'>{esc(old) or '(empty)'}</span> → "
        f"<span class='report-new'>{esc(new) or '(empty)'}</span></li>"
        for column, (old, new) in fields.items()
    )
    return f"<ul class='report-fields'>{items}</ul>"


def changes_html(changes: dict) -> str:
    """The changes between two editions as HTML lists, one block per dataset that changed."""
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
            found = f" <span class='report-found-by'>({esc(search_note(entry))})</span>" if search_note(entry) else ""
            items.append(
                f"<li class='report-added'><strong>Added</strong> <code>{esc(entry['id'])}</code>: {esc(entry['summary'])}"
                f"{found}</li>"
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
    anchor = "release-" + record["tag"].replace(".", "-")
    level = "the first edition" if record["level"] == "first" else f"a <strong>{esc(record['level'])}</strong> release"
    head = f"<h3>Edition {esc(record['version'])}</h3><p class='report-release-meta'>Released {esc(record['date'])}; {level}"
    if record.get("previous"):
        head += f" compared with {esc(record['previous'])}"
    head += f"; data fingerprint <code>{esc(record['data_fingerprint'])}</code>.</p>{downloads_slot(record['tag'])}"
    if record.get("previous"):
        body = changes_html(record["changes"])
    else:
        held = record["counts"]
        body = (
            f"<p>First edition: {held['sources']} evidence sources, {held['cmos']} CMO configurations and "
            f"{held['reported_values']} reported values.</p>"
        )
    return f"<section class='report-release' id='{anchor}'>{head}{body}</section>"


def release_notes(base: Path | None = None) -> HTML:
    """The changelog page's content: changes not yet released (if any), then every recorded edition."""
    base = base or root()
    parts = []
    try:
        pending = unreleased_changes(base)
    except ReleaseError as exc:  # e.g. the newest release's data no longer load under today's schema
        pending = None
        parts.append(f"<p class='report-release-meta'>Changes since the newest release cannot be listed: {esc(str(exc))}</p>")
    if pending:
        tag, changes = pending
        level, _ = required_level(changes)
        parts.append(
            "<section class='report-release report-unreleased' id='release-unreleased'><h3>Not yet released</h3>"
            f"<p class='report-release-meta'>Changes to the data since edition {esc(tag[1:])}, not yet in any "
            f"edition; they need a <strong>{level}</strong> release.</p>{changes_html(changes)}</section>"
        )
    records = load_records(base)
    parts.extend(_record_html(record) for record in records)
    if not records:
        parts.append("<p>No edition has been released yet: the release command records each one here.</p>")
    return HTML("<div class='report-changelog'>" + "".join(parts) + "</div>")
