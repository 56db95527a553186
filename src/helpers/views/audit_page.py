"""The audit's checks as the book's audit page (escaped HTML) and as a plain-text table for the command line."""

from __future__ import annotations

import textwrap

from IPython.display import HTML

from helpers.audit import checks as audit
from helpers.views.filters import filter_form, row_attributes
from helpers.views.html import esc, slug
from helpers.views.places import href, kind, study_name

COLUMNS = ["Check", "Reported", "Recomputed or compared", "Verdict", "Why", "Used in the book"]


def _link_label(place: str, link: str) -> str:
    """How the link reads: its page, and its heading or the source's BibTeX key ('survey: who took part')."""
    page, _, anchor = link.partition("#")
    name = page.removesuffix(".html").replace("-", " ")
    if kind(place) == "source":
        return f"{name}: {place}"
    return f"{name}: {anchor.replace('-', ' ')}" if anchor else name


# How each verdict reads in the page's classes, and the order the summary lists them in (what needs a look first).
VERDICT_CLASSES = {audit.CONSISTENT: "consistent", audit.INCONSISTENT: "inconsistent", audit.CANNOT_CHECK: "cannot"}
SUMMARY_ORDER = (audit.INCONSISTENT, audit.CANNOT_CHECK, audit.CONSISTENT)
# A check's anchor keeps at most this many characters of its topic and description.
ANCHOR_CHARS = 72


def check_anchors(checks: list[audit.Check]) -> list[str]:
    """The id of each check's row, from its paper, topic and description (a repeat gets -2, -3...)."""
    seen: dict[str, int] = {}
    anchors = []
    for check in checks:
        base = f"check-{check.paper}-" + slug(f"{check.topic} {check.what}")[:ANCHOR_CHARS].rstrip("-")
        seen[base] = seen.get(base, 0) + 1
        anchors.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return anchors


def _verdict_class(verdict: str) -> str:
    return VERDICT_CLASSES[verdict]


def summary_html(checks: list[audit.Check] | None = None) -> HTML:
    """How many checks got each verdict, then every check by verdict, the inconsistent first, each linked to its row."""
    checks = audit.run_audit() if checks is None else checks
    counts = audit.summary(checks)
    sentence = (
        '<p class="report-generated report-audit-summary">'
        f"The audit ran <strong>{len(checks)} checks</strong>: "
        f'<span class="report-verdict report-verdict-consistent">{counts[audit.CONSISTENT]} consistent</span>, '
        f'<span class="report-verdict report-verdict-inconsistent">{counts[audit.INCONSISTENT]} inconsistent</span> and '
        f'<span class="report-verdict report-verdict-cannot">{counts[audit.CANNOT_CHECK]} that cannot be checked</span> '
        "from what the papers print.</p>"
    )
    anchors = check_anchors(checks)
    groups = []
    for verdict in SUMMARY_ORDER:
        chosen = [(c, a) for c, a in zip(checks, anchors, strict=True) if c.verdict == verdict]
        if not chosen:
            continue
        by_topic: dict[tuple[int, str], list[str]] = {}
        for c, a in chosen:
            by_topic.setdefault((c.paper, c.topic), []).append(f'<a href="#{a}">{esc(c.what)}</a>')
        items = "".join(
            f"<li><strong>{esc(study_name(paper))}, {esc(topic)}</strong> ({len(links)}): {'; '.join(links)}</li>"
            for (paper, topic), links in by_topic.items()
        )
        opened = " open" if verdict != audit.CONSISTENT else ""
        groups.append(
            f'<details class="report-audit-group"{opened}><summary><span class="report-verdict '
            f'report-verdict-{_verdict_class(verdict)}">{len(chosen)} {esc(verdict)}</span></summary><ul>{items}</ul></details>'
        )
    return HTML(f'<nav class="report-audit-overview" aria-label="Audit checks by verdict">{sentence}{"".join(groups)}</nav>')


def _row(check: audit.Check, anchor: str) -> str:
    verdict_class = _verdict_class(check.verdict)
    link = href(check.place)
    attributes = row_attributes({"verdict": check.verdict, "section": check.section})
    return (
        f'<tr class="report-audit-{verdict_class}" id="{anchor}" data-value-ids="{esc(" ".join(check.value_ids))}"{attributes}>'
        f"<td>{esc(check.what)}</td><td>{esc(check.reported)}</td><td>{esc(check.recomputed)}</td>"
        f'<td><span class="report-verdict report-verdict-{verdict_class}">{esc(check.verdict)}</span></td>'
        f"<td>{esc(check.explanation)}</td>"
        f'<td><a href="{esc(link)}">{esc(_link_label(check.place, link))}</a></td></tr>'
    )


def checks_html(paper: int) -> HTML:
    """Every check of one paper, one table per section of the paper, grouped by topic within it, with filters."""
    every = audit.run_audit()
    anchored = [(c, a) for c, a in zip(every, check_anchors(every), strict=True) if c.paper == paper]
    if not anchored:
        return HTML('<p class="report-missing">No checks for this paper.</p>')
    checks = [c for c, _ in anchored]
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in COLUMNS)
    parts = []
    sections = list(dict.fromkeys(c.section for c in checks))
    for section in sections:
        in_section = [(c, a) for c, a in anchored if c.section == section]
        body = ""
        for topic in dict.fromkeys(c.topic for c, _ in in_section):
            body += f'<tr class="report-audit-topic"><th scope="rowgroup" colspan="{len(COLUMNS)}">{esc(topic)}</th></tr>'
            body += "".join(_row(c, a) for c, a in in_section if c.topic == topic)
        table_id = f"audit-{paper}-{slug(section)}"
        count = f"{len(in_section)} check" + ("" if len(in_section) == 1 else "s")
        parts.append(
            f'<div class="report-table-wrap"><table class="report-table report-audit" id="{esc(table_id)}">'
            f"<caption>{esc(study_name(paper))}: {esc(section)} ({count})</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )
    scope = f"audit-{paper}"
    form = filter_form(
        scope,
        f"checks of the {study_name(paper)}",
        "checks",
        [("verdict", "Verdict", [c.verdict for c in checks]), ("section", "Section of the paper", [c.section for c in checks])],
    )
    return HTML(f'{form}<div id="{scope}" class="report-filter-scope">{"".join(parts)}</div>')


def text_table(checks: list[audit.Check], width: int = 160) -> str:
    """The checks as a plain-text table, grouped by paper and section, for ``python -m helpers audit``."""
    lines = []
    widths = [44, 30, 30, 17]
    rest = max(30, width - sum(widths) - 4)
    for paper in sorted({c.paper for c in checks}):
        for section in dict.fromkeys(c.section for c in checks if c.paper == paper):
            lines += ["", f"== {study_name(paper)}: {section}", ""]
            header = ["check", "reported", "recomputed or compared", "verdict", "why"]
            lines.append(" ".join(h.ljust(w) for h, w in zip(header, [*widths, rest], strict=True)).rstrip())
            for check in (c for c in checks if c.paper == paper and c.section == section):
                cells = [check.what, check.reported, check.recomputed, check.verdict, check.explanation]
                wrapped = [textwrap.wrap(cell, w) or [""] for cell, w in zip(cells, [*widths, rest], strict=True)]
                for i in range(max(map(len, wrapped))):
                    row = [(col[i] if i < len(col) else "").ljust(w) for col, w in zip(wrapped, [*widths, rest], strict=True)]
                    lines.append(" ".join(row).rstrip())
    counts = audit.summary(checks)
    lines += ["", f"{len(checks)} checks: " + ", ".join(f"{n} {verdict}" for verdict, n in counts.items())]
    return "\n".join(lines)
