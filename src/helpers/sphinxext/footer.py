"""The edition on every page: footer, version switcher, the data fingerprint and page addresses in cite blocks.

The footer is honest about the edition state (``helpers.data.releases.edition_state``): data whose fingerprint is
the newest release record's are that edition ("Edition 1.0.0, released ..."); any other data are "unreleased
changes since 1.0.0", with the snapshot's date. Cite blocks carry both wordings and keep the one that holds here.
The state (and an unreleased snapshot's date) is recorded beside Sphinx's environment: when it changes, every
page is written again, since pages kept from the last build would name the other state.
"""

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
from helpers.data.releases import SNAPSHOT_DATE_SLOT, edition_state, resolve_state, snapshot_date
from helpers.sphinxext.assets import EDITIONS_JS, EDITIONS_JS_VERSION

_PAGE_PLACEHOLDER = re.compile(r'<span class="report-cite-page" data-anchor="([^"]*)"></span>')
STATE_RECORD = "report-edition-state.txt"  # beside Sphinx's environment: the edition state its pages name


def _configure_edition(app, config):
    """Version and release from CITATION.cff; the version switcher when the site is published in editions."""
    edition = load_edition(Path(app.srcdir))
    app.report_edition = edition
    app.report_state = edition_state(Path(app.srcdir), edition.fingerprint)
    app.report_snapshot_date = snapshot_date()
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
    state = app.report_state
    fingerprint = f'data fingerprint <code class="report-edition-fingerprint">{esc(edition.fingerprint)}</code>'
    if state.released:
        footer = (
            f'<p class="report-edition" data-version="{esc(edition.version)}">Edition '
            f'<strong class="report-edition-version">{esc(edition.version)}</strong>, released '
            f'<span class="report-edition-date">{esc(edition.date_released)}</span> · {fingerprint} · {" · ".join(links)}</p>'
        )
    else:
        what = f"Unreleased changes since {esc(state.since)}" if state.since else "Unreleased draft: no edition released yet"
        links[0] = f'<a href="{landing}#report-cite-version">cite this snapshot or the released edition</a>'
        footer = (
            f'<p class="report-edition report-edition-unreleased" data-version="unreleased">'
            f'<strong class="report-edition-state">{what}</strong> · {fingerprint}, snapshot of '
            f'<span class="report-edition-date">{esc(app.report_snapshot_date)}</span> · {" · ".join(links)}</p>'
        )
    if os.environ.get(EDITIONS_JSON_ENV):
        # Linked from the footer, so it comes after the switcher's markup and only in published editions.
        footer += f'<script src="{pathto("_static/" + EDITIONS_JS, 1)}?v={EDITIONS_JS_VERSION}"></script>'
    key = compat.BOOK_THEME_EXTRA_FOOTER
    context[key] = (context.get(key) or "") + footer

    body = context.get("body", "")
    if "<!--report-if-" in body:
        body = context["body"] = resolve_state(body, state.kind)
    if FINGERPRINT_SLOT in body:
        body = context["body"] = body.replace(FINGERPRINT_SLOT, esc(edition.fingerprint))
    if SNAPSHOT_DATE_SLOT in body:
        body = context["body"] = body.replace(SNAPSHOT_DATE_SLOT, esc(app.report_snapshot_date))
    if "report-cite-page" in body:
        title = re.sub(r"<[^>]+>", "", context.get("title") or pagename)
        page = f"{pagename}.html"

        def address(match: re.Match) -> str:
            anchor = match.group(1)
            url = f"{edition.url.rstrip('/')}/{edition.tag}/{page}#{anchor}" if edition.url else f"{page}#{anchor}"
            return f'<span class="report-cite-page">page “{title}”, <a href="#{anchor}">{esc(url)}</a>.</span>'

        context["body"] = _PAGE_PLACEHOLDER.sub(address, body)


def _state_key(app) -> str:
    return app.report_state.key(app.report_snapshot_date)


def _pages_for_edition_state(app, env):
    """Every page when the edition state differs from the one the kept pages name (see ``STATE_RECORD``)."""
    record = Path(app.doctreedir) / STATE_RECORD
    previous = record.read_text(encoding="utf-8").strip() if record.is_file() else None
    app.report_state_changed = previous != _state_key(app)
    return sorted(env.found_docs) if app.report_state_changed else []


def _record_edition_state(app, exception):
    if exception is None and app.builder.format == "html":
        (Path(app.doctreedir) / STATE_RECORD).write_text(_state_key(app) + "\n", encoding="utf-8")
