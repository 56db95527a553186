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
import re
import shutil
from collections import Counter
from pathlib import Path

import itables
import plotly
import pybtex.plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle

from .edition import load_edition

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_STATIC_NAME = f"plotly-{plotly.__version__}.min.js"
FIGURE_MARKER = 'class="plotly-graph-div"'
# DataTables (with jQuery), as bundled in the pinned itables wheel: sort, filter and search for tables
# marked "report-searchable", served from the site and added only to pages that have such a table.
DATATABLES_DIR = Path(itables.__file__).parent / "html"
DATATABLES_STATIC = f"datatables-itables-{itables.__version__}"
SEARCHABLE_MARKER = "report-searchable"
DATATABLES_INIT = """import DataTable from "{bundle}";
document.querySelectorAll("table.report-searchable").forEach(function (table) {{
  new DataTable(table, {{
    paging: true, pageLength: 25, lengthMenu: [10, 25, 50, 100, -1], autoWidth: false,
    language: {{ search: "Search the table:" }}
  }});
}});"""
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


def _add_datatables_where_needed(app, pagename, templatename, context, doctree):
    if SEARCHABLE_MARKER in context.get("body", ""):
        bundle = context["pathto"](f"_static/{DATATABLES_STATIC}/dt_bundle.js", 1)
        app.add_css_file(f"{DATATABLES_STATIC}/dt_bundle.css")
        app.add_js_file(None, type="module", body=DATATABLES_INIT.format(bundle=bundle))


def _copy_datatables(app, exception):
    if exception is None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / DATATABLES_STATIC
        target.mkdir(parents=True, exist_ok=True)
        for name in ("dt_bundle.js", "dt_bundle.css"):
            shutil.copyfile(DATATABLES_DIR / name, target / name)


# The report's own search, sort and pages for tables marked "report-findable" (helpers.tables): a few
# KB where DataTables with its extensions is about 190 KB gzip, the whole budget of a page after the
# first. Named by its content, so a browser may keep it as long as it likes; added only where needed.
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


class AuthorYearStyle(PlainStyle):
    default_label_style = AuthorYearLabels


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
    if "report-cite-page" in body:
        title = re.sub(r"<[^>]+>", "", context.get("title") or pagename)
        page = f"{pagename}.html"

        def address(match: re.Match) -> str:
            anchor = match.group(1)
            url = f"{edition.url.rstrip('/')}/{edition.tag}/{page}#{anchor}" if edition.url else f"{page}#{anchor}"
            return f'<span class="report-cite-page">page “{title}”, <a href="#{anchor}">{esc(url)}</a>.</span>'

        context["body"] = _PAGE_PLACEHOLDER.sub(address, body)


EXECUTION_DIR_ENV = "REPORT_EXECUTION_DIR"


def reads_log(execution_dir: Path, docname: str) -> Path:
    """Where the kernel of ``docname`` logs the files it reads (one JSON line per file)."""
    return Path(execution_dir) / "reads" / (docname.replace("/", "__") + ".jsonl")


def _point_kernel_at_log(app, docname, source):
    # Sphinx reads one page at a time (no -j): the kernel myst-nb starts while parsing this page
    # inherits this variable, so the files it opens are logged against this page.
    execution_dir = os.environ.get(EXECUTION_DIR_ENV)
    if execution_dir:
        from .tracking import READS_LOG_ENV

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
    app.connect("env-updated", _write_exec_data)
    app.connect("html-page-context", _add_plotly_where_needed)
    app.connect("html-page-context", _bibliography_entries_as_list_items)
    # After every other handler has added its files (Sphinx calls handlers by priority, then order).
    app.connect("html-page-context", _drop_thebe_and_duplicates, priority=900)
    app.connect("html-page-context", _add_datatables_where_needed)
    app.connect("html-page-context", _add_findable_tables_where_needed)
    app.connect("html-page-context", _edition_on_page)
    app.connect("build-finished", _copy_plotly)
    app.connect("build-finished", _copy_datatables)
    app.connect("build-finished", _copy_findable_tables_js)
    # Not parallel-read safe: the kernel log is chosen per page through one process-wide variable.
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
