"""Sphinx extension of the report: plotly.js served once from the site, the edition on every page.

- At the end of a successful HTML build, the installed plotly package's ``plotly.min.js`` is
  copied to ``_static/plotly-<version>.min.js`` (a versioned name, so browsers may cache it).
- A page whose body holds a plotly figure gets that one script tag; other pages get none.
- Jupyter Book 1 registers sphinx-thebe even with launch buttons off; its inline script is added
  twice and would fetch thebe from a CDN on demand. The report runs no live kernels, so its
  scripts are dropped from every page (and other inline scripts registered twice are de-duplicated).
- The bibliography is labelled author-year ("Smith et al. 2021"), like the citations in the text,
  through the pybtex style ``report-author-year`` (``bibtex_default_style`` in ``_config.yml``).
- docutils marks each bibliography entry ``role="doc-biblioentry"``, a role ARIA deprecated, inside a
  ``role="list"``; assistive technology then sees a list without items. Entries become list items.
- During ``python -m helpers build`` (which sets ``REPORT_EXECUTION_DIR``), each chapter's kernel is
  told where to log the files it reads, and myst-nb's own execution data for every page are written
  to ``exec-data.json`` there (see ``helpers.execution``).
- The edition (version, release date, data fingerprint) is read once from ``CITATION.cff``
  (``helpers.edition``) and shown in the footer of every page; each figure's "Cite this figure"
  gets the page it is on.
- When ``REPORT_EDITIONS_JSON`` is set (``python -m helpers publish`` sets it to ``../switcher.json``),
  pages carry the version switcher of pydata-sphinx-theme, fed from that file at reading time.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import pickle
import re
import shutil
import time
from collections import Counter
from pathlib import Path

import plotly
import pybtex.plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.errors import ExtensionError

from .edition import FINGERPRINT_SLOT, load_edition

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_STATIC_NAME = f"plotly-{plotly.__version__}.min.js"
FIGURE_MARKER = 'class="plotly-graph-div"'
EDITIONS_JSON_ENV = "REPORT_EDITIONS_JSON"
EDITIONS_JS = "report-editions.js"
# Not in the book's _static/: Jupyter Book links every script there into every page.
EDITIONS_JS_SOURCE = Path(__file__).parent / "static" / EDITIONS_JS
CHANGELOG_DOC = "chapters/changelog"
# sphinx-book-theme 1.3's default primary sidebar (its theme.conf), which the switcher joins.
SIDEBAR = ["navbar-logo.html", "icon-links.html", "search-button-field.html", "sbt-sidebar-nav.html"]
_PAGE_PLACEHOLDER = re.compile(r'<span class="report-cite-page" data-anchor="([^"]*)"></span>')


def _add_plotly_where_needed(app, pagename, templatename, context, doctree):
    if FIGURE_MARKER in context.get("body", ""):
        app.add_js_file(PLOTLY_STATIC_NAME)


# The report's own search, sort and pages for tables marked "report-findable" (helpers.tables): a few
# KB (DataTables with its extensions, used before, is about 190 KB gzip, the whole budget of a page
# after the first). Named by its content, so a browser may keep it as long as it likes; added only where needed.
FINDABLE_MARKER = "report-findable"
FINDABLE_JS_SOURCE = Path(__file__).parent / "static" / "report-tables.js"
FINDABLE_JS = f"report-tables-{hashlib.sha256(FINDABLE_JS_SOURCE.read_bytes()).hexdigest()[:10]}.js"


def _add_findable_tables_where_needed(app, pagename, templatename, context, doctree):
    if FINDABLE_MARKER in context.get("body", ""):
        app.add_js_file(FINDABLE_JS, loading_method="defer")


def _copy_findable_tables_js(app, exception):
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FINDABLE_JS_SOURCE, static / FINDABLE_JS)


def _author_year_label(entry) -> str:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(person.prelast_names + person.last_names) for person in people]
    if not names:
        names = [entry.fields.get("organization") or entry.fields.get("title", "Anonymous").split(".")[0]]
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    who = who.replace("{", "").replace("}", "")
    return f"{who} {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    """Labels like the in-text citations; works sharing a label get a, b, ... after the year."""

    def format_labels(self, sorted_entries):
        labels = [_author_year_label(entry) for entry in sorted_entries]
        total, seen = Counter(labels), Counter()
        for label in labels:
            if total[label] == 1:
                yield label
            else:
                yield label + chr(ord("a") + seen[label])
                seen[label] += 1


# Formatted BibTeX entries, by label and entry content. sphinxcontrib-bibtex formats every entry of the
# bibliography on every build, twice (the entry and its tooltip), at several milliseconds each; the same
# entry with the same label formats the same way, so each is formatted once and the results are kept
# with Sphinx's environment from build to build (and dropped with it).
_FORMATTED: dict[tuple, object] = {}
_FORMATTED_USED: set[tuple] = set()
FORMATTED_CACHE = "report-bibtex-formatted.pickle"


def _entry_identity(label: str, entry) -> tuple:
    def parts(person) -> tuple:
        names = (person.first_names, person.middle_names, person.prelast_names, person.last_names, person.lineage_names)
        return tuple(tuple(n) for n in names)

    persons = tuple((role, tuple(parts(p) for p in people)) for role, people in sorted(entry.persons.items()))
    fields = tuple(sorted((name.lower(), str(value)) for name, value in entry.fields.items()))
    return (label, entry.key, entry.type, fields, persons)


class AuthorYearStyle(PlainStyle):
    default_label_style = AuthorYearLabels

    def format_entry(self, label, entry, bib_format=None):
        identity = (type(self).__name__, _entry_identity(label, entry))
        _FORMATTED_USED.add(identity)
        formatted = _FORMATTED.get(identity)
        if formatted is None:
            formatted = _FORMATTED[identity] = super().format_entry(label, entry, bib_format)
        return formatted


def _preformat_bibliography(app, env) -> None:
    """Format every BibTeX entry now, as the bibliography will, so that step finds them formatted.

    Sphinx formats the bibliography only after it has read every page, and it can read them only once the
    runner has executed the chapters; until then this process waits. Entries are formatted here in the
    order and with the labels the bibliography uses; an entry that ends up with another label is simply
    formatted again when the bibliography asks for it.
    """
    try:
        entries = env.get_domain("cite").bibdata.data.entries
        style = pybtex.plugin.find_plugin("pybtex.style.formatting", app.config.bibtex_default_style)()
        ordered = list(style.sort(entries.values()))
        for label, entry in zip(style.format_labels(ordered), ordered, strict=True):
            style.format_entry(label, entry)
    except Exception:  # noqa: BLE001 - an optimisation: whatever fails here is done (and reported) later
        pass


def _load_formatted_entries(app):
    path = Path(app.doctreedir) / FORMATTED_CACHE
    try:
        with path.open("rb") as handle:
            _FORMATTED.update(pickle.load(handle))
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        pass


def _save_formatted_entries(app, exception):
    if exception is None:
        path = Path(app.doctreedir) / FORMATTED_CACHE
        kept = {identity: _FORMATTED[identity] for identity in _FORMATTED_USED if identity in _FORMATTED}
        with path.open("wb") as handle:
            pickle.dump(kept, handle)


pybtex.plugin.register_plugin("pybtex.style.formatting", "report-author-year", AuthorYearStyle)


def _bibliography_entries_as_list_items(app, pagename, templatename, context, doctree):
    if 'role="doc-biblioentry"' in context.get("body", ""):
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def _is_thebe(asset) -> bool:
    return "thebe" in str(asset.filename or "") or "THEBE" in str(asset.attributes.get("body", ""))


def _drop_thebe_and_duplicates(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        if key not in context:
            continue
        kept, seen = [], set()
        for asset in context[key]:
            identity = (str(asset.filename or ""), str(asset.attributes.get("body", "")))
            if _is_thebe(asset) or identity in seen:
                continue
            seen.add(identity)
            kept.append(asset)
        context[key] = kept


def _copy_plotly(app, exception):
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PLOTLY_JS, static / PLOTLY_STATIC_NAME)
        if os.environ.get(EDITIONS_JSON_ENV):
            shutil.copyfile(EDITIONS_JS_SOURCE, static / EDITIONS_JS)


def _configure_edition(app, config):
    """Version and release from CITATION.cff; the version switcher when the site is published in editions."""
    edition = load_edition(Path(app.srcdir))
    app.report_edition = edition
    config.version = config.release = edition.version
    json_url = os.environ.get(EDITIONS_JSON_ENV)
    if json_url:
        options = dict(config.html_theme_options or {})
        options["switcher"] = {"json_url": json_url, "version_match": edition.version}
        options["check_switcher"] = False  # switcher.json is written next to the editions, after they are built
        options["show_version_warning_banner"] = True
        config.html_theme_options = options
        if not config.html_sidebars:  # the switcher under the title, above the search field and the contents
            config.html_sidebars = {"**": [*SIDEBAR[:1], "version-switcher.html", *SIDEBAR[1:]]}


def _edition_on_page(app, pagename, templatename, context, doctree):
    edition = app.report_edition
    esc = html.escape
    pathto = context["pathto"]
    landing = "" if pagename == app.config.root_doc else pathto(app.config.root_doc)  # pathto(self) is "#"
    links = [f'<a href="{landing}#report-cite-version">cite this edition</a>']
    if CHANGELOG_DOC in app.env.found_docs:
        links.append(f'<a href="{pathto(CHANGELOG_DOC)}">what changed</a>')
    footer = (
        f'<p class="report-edition" data-version="{esc(edition.version)}">Edition '
        f'<strong class="report-edition-version">{esc(edition.version)}</strong>, released '
        f'<span class="report-edition-date">{esc(edition.date_released)}</span> · data fingerprint '
        f'<code class="report-edition-fingerprint">{esc(edition.fingerprint)}</code> · {" · ".join(links)}</p>'
    )
    if os.environ.get(EDITIONS_JSON_ENV):
        # Linked from the footer, so it comes after the switcher's markup and only in published editions.
        footer += f'<script src="{pathto("_static/" + EDITIONS_JS, 1)}"></script>'
    context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + footer

    body = context.get("body", "")
    if FINGERPRINT_SLOT in body:
        body = context["body"] = body.replace(FINGERPRINT_SLOT, esc(edition.fingerprint))
    if "report-cite-page" in body:
        title = re.sub(r"<[^>]+>", "", context.get("title") or pagename)
        page = f"{pagename}.html"

        def address(match: re.Match) -> str:
            anchor = match.group(1)
            url = f"{edition.url.rstrip('/')}/{edition.tag}/{page}#{anchor}" if edition.url else f"{page}#{anchor}"
            return f'<span class="report-cite-page">page “{title}”, <a href="#{anchor}">{esc(url)}</a>.</span>'

        context["body"] = _PAGE_PLACEHOLDER.sub(address, body)


EXECUTION_DIR_ENV = "REPORT_EXECUTION_DIR"
# Set by ``python -m helpers build``: the file where helpers.runner's report appears once it has finished.
RUNNER_REPORT_ENV = "REPORT_RUNNER_REPORT"
RUNNER_WAIT_SECONDS = 3600


def _reread_executed_chapters(app, env, added, changed, removed):
    """Wait for the runner, then re-read every chapter it executed: its source did not change, its output did.

    Sphinx only sees that a page's file changed; a chapter re-executed because its data changed has a
    new output in the execution cache but the same source. A chapter the runner could not execute is
    re-read too, so that myst-nb executes it in a kernel and reports its error. If the step crashed
    before it had dropped the stale executions from the cache, the build stops.
    """
    done = os.environ.get(RUNNER_REPORT_ENV)
    if not done:
        return []
    if not Path(done).is_file():
        _preformat_bibliography(app, env)  # while the runner works: this process would only wait
    deadline = time.monotonic() + RUNNER_WAIT_SECONDS
    while not Path(done).is_file():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the chapter runner did not finish within {RUNNER_WAIT_SECONDS} s")
        time.sleep(0.02)
    report = json.loads(Path(done).read_text(encoding="utf-8"))
    if report.get("crashed"):
        raise ExtensionError("the execution step failed (its error is above), so cached outputs may be stale")
    return sorted((set(report.get("executed", {})) | set(report.get("failed", []))) & env.found_docs)


def _note_changed_sources(app, env, added, changed, removed):
    # What Sphinx itself found changed (page sources, configuration): then every page is written again.
    app.report_sources_changed = bool(added or changed or removed)
    return []


def _pages_to_write(app, env):
    """Every page when a page source changed (titles and navigation appear on every page); else Sphinx's choice.

    When only data changed, Sphinx writes the chapters re-read because they were re-executed; the other
    pages differ from their last build only by the data fingerprint, which ``_finalise_pages`` sets.
    """
    return sorted(env.found_docs) if getattr(app, "report_sources_changed", True) else []


FINGERPRINT_RECORD = "report-data-fingerprint.txt"  # beside Sphinx's environment: the one its pages name
# A script or style sheet of the site, linked without Sphinx's ?v= checksum.
UNVERSIONED_ASSET = re.compile(r'(<(?:script|link)\b[^>]*?\b(?:src|href)=")((?:\.\./)*_static/[^"?#]+)(")')


def _finalise_pages(app, exception):
    """Make every page of the output agree, whether Sphinx wrote it in this build or an earlier one.

    - The data fingerprint is the current one, on pages not written this time too: where the pages kept
      from the last build name its fingerprint (a 12-digit hash, so nothing else matches), it is replaced.
    - Every script and style sheet of the site is linked with Sphinx's checksum (``?v=``). Sphinx adds
      it only for files already in the output when a page is written: a page of a first build links
      files that extensions copy at its end (plotly.js, myst-nb's style sheet) without it, a page
      written later links them with it. One file must have one address, or browsers fetch it twice,
      and the checksum is what tells a browser its cached copy is out of date.
    """
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.builders.html import _file_checksum

    outdir = Path(app.outdir)
    current = app.report_edition.fingerprint
    record = Path(app.doctreedir) / FINGERPRINT_RECORD
    previous = record.read_text(encoding="utf-8").strip() if record.is_file() else current
    if not re.fullmatch(r"[0-9a-f]{12}", previous):
        previous = current

    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")

        def versioned(match: re.Match, page: Path = page) -> str:
            target = (page.parent / match.group(2)).resolve()
            try:
                checksum = _file_checksum(outdir, target.relative_to(outdir.resolve()))
            except ValueError:
                checksum = ""
            return f"{match.group(1)}{match.group(2)}?v={checksum}{match.group(3)}" if checksum else match.group(0)

        updated = text.replace(previous, current) if previous != current else text
        updated = UNVERSIONED_ASSET.sub(versioned, updated)
        if updated != text:
            page.write_text(updated, encoding="utf-8")
    record.write_text(current + "\n", encoding="utf-8")


def _point_kernel_at_log(app, docname, source):
    # Sphinx reads one page at a time (no -j): the kernel myst-nb starts while parsing this page
    # inherits this variable, so the files it opens are logged against this page.
    execution_dir = os.environ.get(EXECUTION_DIR_ENV)
    if execution_dir:
        from .tracking import READS_LOG_ENV, reads_log

        os.environ[READS_LOG_ENV] = str(reads_log(Path(execution_dir), docname))


def _write_exec_data(app, env):
    execution_dir = os.environ.get(EXECUTION_DIR_ENV)
    if not execution_dir:
        return
    from myst_nb.sphinx_ import NbMetadataCollector

    records = {}
    for docname in sorted(env.found_docs):
        exec_data = NbMetadataCollector.get_exec_data(env, docname)
        if exec_data:
            records[docname] = {
                "source": str(env.doc2path(docname)),
                **{k: exec_data.get(k) for k in ("mtime", "runtime", "method", "succeeded", "error")},
            }
    target = Path(execution_dir) / "exec-data.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(records, indent=1), encoding="utf-8")


def setup(app):
    app.connect("config-inited", _configure_edition)
    app.connect("source-read", _point_kernel_at_log)
    app.connect("env-get-outdated", _note_changed_sources)
    app.connect("env-get-outdated", _reread_executed_chapters)
    app.connect("env-updated", _pages_to_write)
    app.connect("builder-inited", _load_formatted_entries)
    app.connect("build-finished", _save_formatted_entries)
    # Last: after the handlers above and the extensions' own have copied their files into the output.
    app.connect("build-finished", _finalise_pages, priority=900)
    app.connect("env-updated", _write_exec_data)
    app.connect("html-page-context", _add_plotly_where_needed)
    app.connect("html-page-context", _bibliography_entries_as_list_items)
    # After every other handler has added its files (Sphinx calls handlers by priority, then order).
    app.connect("html-page-context", _drop_thebe_and_duplicates, priority=900)
    app.connect("html-page-context", _add_findable_tables_where_needed)
    app.connect("html-page-context", _edition_on_page)
    app.connect("build-finished", _copy_plotly)
    app.connect("build-finished", _copy_findable_tables_js)
    # Not parallel-read safe: the kernel log is chosen per page through one process-wide variable.
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
