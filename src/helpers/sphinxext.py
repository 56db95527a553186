"""Sphinx extension of the report: plotly.js served once from the site, the edition on every page.

- At the end of a successful HTML build, the installed plotly package's ``plotly.min.js`` is
  copied to ``_static/plotly-<version>.min.js`` (a versioned name, so browsers may cache it).
- A page whose body holds a plotly figure gets that one script tag; other pages get none.
- The edition (version, release date, data fingerprint) is read once from ``CITATION.cff``
  (``helpers.edition``) and shown in the footer of every page; each figure's "Cite this figure"
  gets the page it is on.
- When ``REPORT_EDITIONS_JSON`` is set (``python -m helpers publish`` sets it to ``../switcher.json``),
  pages carry the version switcher of pydata-sphinx-theme, fed from that file at reading time.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from pathlib import Path

import plotly

from .edition import load_edition

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


def setup(app):
    app.connect("config-inited", _configure_edition)
    app.connect("html-page-context", _add_plotly_where_needed)
    app.connect("html-page-context", _edition_on_page)
    app.connect("build-finished", _copy_plotly)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
