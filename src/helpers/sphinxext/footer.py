"""The edition on every page: footer, version switcher, the data fingerprint and page addresses in cite blocks."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from helpers import compat
from helpers.build.protocol import EDITIONS_JSON_ENV
from helpers.data.citation import FINGERPRINT_SLOT, load_edition
from helpers.data.paths import PLACES_FILE
from helpers.data.places import load_places
from helpers.sphinxext.assets import EDITIONS_JS, EDITIONS_JS_VERSION

_PAGE_PLACEHOLDER = re.compile(r'<span class="report-cite-page" data-anchor="([^"]*)"></span>')


def _configure_edition(app, config):
    """Version and release from CITATION.cff; the version switcher when the site is published in editions."""
    edition = load_edition(Path(app.srcdir))
    app.report_edition = edition
    places = load_places(Path(app.srcdir) / PLACES_FILE)
    app.report_changelog_doc = f"{places.folder}/{places.named['changelog'].page}" if "changelog" in places.named else None
    config.version = config.release = edition.version
    json_url = os.environ.get(EDITIONS_JSON_ENV)
    if json_url:
        options = dict(config.html_theme_options or {})
        options["switcher"] = {"json_url": json_url, "version_match": edition.version}
        options["check_switcher"] = False  # switcher.json is written next to the editions, after they are built
        options["show_version_warning_banner"] = True
        config.html_theme_options = options
        if not config.html_sidebars:  # the switcher under the title, above the search field and the contents
            sidebar = list(compat.BOOK_THEME_SIDEBAR)
            config.html_sidebars = {"**": [*sidebar[:1], "version-switcher.html", *sidebar[1:]]}


def _edition_on_page(app, pagename, templatename, context, doctree):
    edition = app.report_edition
    esc = html.escape
    pathto = context["pathto"]
    landing = "" if pagename == app.config.root_doc else pathto(app.config.root_doc)  # pathto(self) is "#"
    links = [f'<a href="{landing}#report-cite-version">cite this edition</a>']
    changelog = app.report_changelog_doc
    if changelog in app.env.found_docs:
        links.append(f'<a href="{pathto(changelog)}">what changed</a>')
    footer = (
        f'<p class="report-edition" data-version="{esc(edition.version)}">Edition '
        f'<strong class="report-edition-version">{esc(edition.version)}</strong>, released '
        f'<span class="report-edition-date">{esc(edition.date_released)}</span> · data fingerprint '
        f'<code class="report-edition-fingerprint">{esc(edition.fingerprint)}</code> · {" · ".join(links)}</p>'
    )
    if os.environ.get(EDITIONS_JSON_ENV):
        # Linked from the footer, so it comes after the switcher's markup and only in published editions.
        footer += f'<script src="{pathto("_static/" + EDITIONS_JS, 1)}?v={EDITIONS_JS_VERSION}"></script>'
    key = compat.BOOK_THEME_EXTRA_FOOTER
    context[key] = (context.get(key) or "") + footer

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
