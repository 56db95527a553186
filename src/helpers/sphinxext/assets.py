"""Static assets: plotly.js (a vendored partial bundle) once from the site with the figures' script, the
findable-table script and the switcher script where needed, the report's theme components, and no thebe.

The report's own static files are written at ``builder-inited`` into a folder the build owns (beside Sphinx's
doctrees, never published as such) and that folder is added to ``html_static_path``, as extensions such as
sphinx-copybutton add theirs. Sphinx then copies them into ``_static`` before it writes any page, so every link
to them carries its checksum (``?v=``) on a first build as on later ones.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from pathlib import Path

from sphinx.errors import ExtensionError

from helpers import compat
from helpers.build.protocol import EDITIONS_JSON_ENV

STATIC = Path(__file__).parent / "static"


# plotly.js as the pages load it: plotly's partial bundle of cartesian traces, vendored unmodified from the npm
# registry (plotly.js-cartesian-dist-min; 1.5 MB where the full plotly.js the Python package ships is 4.8 MB), with
# its licence beside it. Its plotly.js version must be the one the installed Python plotly writes figures for
# (checked when the build starts). The figures draw only trace types this bundle registers (tests/test_browser.py
# compares them with the built figures). To update: ``npm pack plotly.js-cartesian-dist-min@<version>``, copy
# ``plotly-cartesian.min.js`` and ``LICENSE`` here under the names below, and record version and sha256.
PLOTLY_BUNDLE = {
    "package": "plotly.js-cartesian-dist-min",
    "version": "4.1.1",
    "licence": "MIT",
    "sha256": "79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a",
    "traces": (
        "bar",
        "box",
        "contour",
        "heatmap",
        "histogram",
        "histogram2d",
        "histogram2dcontour",
        "image",
        "pie",
        "scatter",
        "scatterternary",
        "violin",
    ),  # fmt: skip
}
PLOTLY_SOURCE = STATIC / f"plotly-cartesian-{PLOTLY_BUNDLE['version']}.min.js"
PLOTLY_LICENCE = STATIC / f"plotly-cartesian-{PLOTLY_BUNDLE['version']}.LICENSE"
PLOTLY_STATIC_NAME = PLOTLY_SOURCE.name


def plotly_bundle() -> bytes:
    """The vendored plotly.js, checked: its checksum, and the plotly.js version of the installed Python plotly."""
    from plotly.offline import get_plotlyjs_version

    data = PLOTLY_SOURCE.read_bytes()
    if hashlib.sha256(data).hexdigest() != PLOTLY_BUNDLE["sha256"]:
        raise ExtensionError(f"{PLOTLY_SOURCE}: its sha256 is not the one recorded in PLOTLY_BUNDLE (a changed or damaged file)")
    if get_plotlyjs_version() != PLOTLY_BUNDLE["version"]:
        raise ExtensionError(
            f"{PLOTLY_SOURCE} is plotly.js {PLOTLY_BUNDLE['version']}, but the installed Python plotly writes figures for "
            f"plotly.js {get_plotlyjs_version()}: vendor {PLOTLY_BUNDLE['package']}@{get_plotlyjs_version()} "
            "(see PLOTLY_BUNDLE in helpers.sphinxext.assets)"
        )
    return data


# Run right after plotly.js on a page with figures: colour modes and narrow layouts (helpers.views.figures.output).
FIGURES_JS_SOURCE = STATIC / "report-figures.js"
FIGURES_JS = f"report-figures-{hashlib.sha256(FIGURES_JS_SOURCE.read_bytes()).hexdigest()[:10]}.js"


FIGURE_MARKER = 'class="plotly-graph-div"'


EDITIONS_JS = "report-editions.js"


# Not in the book's _static/: Jupyter Book links every script there into every page.
EDITIONS_JS_SOURCE = STATIC / EDITIONS_JS


# The folder, under Sphinx's doctree directory, that holds this build's copy of the report's static files.
STATIC_FOLDER = "report-static"


def content_checksum(data: bytes) -> str:
    """A ``?v=`` value for a file the page links by hand: the CRC-32 of its content, the form Sphinx gives its
    own links (any content hash would do; this one makes every link of the site look alike)."""
    crc = zlib.crc32(data.replace(b"\r", b""))
    return f"{crc:08x}"


EDITIONS_JS_VERSION = content_checksum(EDITIONS_JS_SOURCE.read_bytes())


def _add_plotly_where_needed(app, pagename, templatename, context, doctree):
    if FIGURE_MARKER in context.get("body", ""):
        app.add_js_file(PLOTLY_STATIC_NAME)
        app.add_js_file(FIGURES_JS)


# The report's own search, sort and pages for tables marked "report-findable" (helpers.views.tables): a few
# KB (DataTables with its extensions, used before, is about 190 KB gzip, the whole budget of a page
# after the first). Named by its content, so a browser may keep it as long as it likes; added only where needed.
FINDABLE_MARKER = "report-findable"


FINDABLE_JS_SOURCE = STATIC / "report-tables.js"


def _named_by_content(source: Path) -> str:
    """'report-tables.js' -> 'report-tables-<10 hex digits of its SHA-256>.js'."""
    return f"{source.stem}-{hashlib.sha256(source.read_bytes()).hexdigest()[:10]}{source.suffix}"


FINDABLE_JS = _named_by_content(FINDABLE_JS_SOURCE)


# Filters for long tables whose rows stay in the HTML (helpers.views.filters: the audit checks, the survey's
# values): added, like the table script, only to a page whose body holds such a form.
FILTERS_MARKER = "data-filter-for="


FILTERS_JS_SOURCE = Path(__file__).parent / "static" / "report-filters.js"


FILTERS_JS = _named_by_content(FILTERS_JS_SOURCE)


# The report's scripts that a page gets only when its body holds their marker (deferred: they work on the tables).
SCRIPTS_WHERE_NEEDED = ((FINDABLE_MARKER, FINDABLE_JS), (FILTERS_MARKER, FILTERS_JS))


def _add_scripts_where_needed(app, pagename, templatename, context, doctree):
    body = context.get("body", "")
    for marker, script in SCRIPTS_WHERE_NEEDED:
        if marker in body:
            app.add_js_file(script, loading_method="defer")


def _static_files() -> dict[str, bytes]:
    """Name in ``_static`` -> content, for every static file of the report in this build."""
    files = {
        PLOTLY_STATIC_NAME: plotly_bundle(),
        PLOTLY_LICENCE.name: PLOTLY_LICENCE.read_bytes(),
        FIGURES_JS: FIGURES_JS_SOURCE.read_bytes(),
        FINDABLE_JS: FINDABLE_JS_SOURCE.read_bytes(),
        FILTERS_JS: FILTERS_JS_SOURCE.read_bytes(),
    }
    if os.environ.get(EDITIONS_JSON_ENV):  # the version switcher's script, in published editions only
        files[EDITIONS_JS] = EDITIONS_JS_SOURCE.read_bytes()
    return files


# The theme components the report replaces (templates/), each with the sha256 of the pydata-sphinx-theme 0.17.1
# file it copies (components/<name>): tests/test_site_assets.py fails when the installed theme's file differs, so
# an upgrade of the theme is looked at before its new template is shadowed by an old copy.
TEMPLATES = Path(__file__).parent / "templates"
THEME_TEMPLATES_MIRRORED = {
    "search-button-field.html": "518dda81dd8cd06ab2268f86b25c8257189f237f1b71836afececaa511f40e69",
    "theme-switcher.html": "a68d37b2ca353382855a2fb93363dd22d322c32bb9817d431cc41c01ae4929fe",
}


def _add_templates(app, config):
    """The report's theme components first on the template path (the theme appends its own when it loads)."""
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path.insert(0, str(TEMPLATES))


def _register_static_files(app):
    """Write the report's static files into a folder of this build and add it to ``html_static_path``."""
    if app.builder.format != "html":
        return
    folder = Path(app.doctreedir) / STATIC_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    files = _static_files()
    for stale in folder.iterdir():  # a file of an earlier build (another plotly, another script) is not copied
        if stale.name not in files:
            stale.unlink()
    for name, content in files.items():
        target = folder / name
        if not target.is_file() or target.read_bytes() != content:
            target.write_bytes(content)
    app.config.html_static_path.append(str(folder))
    compat.put_mystnb_css_in_place(app)
    app.report_link_versions = {}


def _version_template_links(app, pagename, templatename, context, doctree):
    """Give the scripts the theme's templates link by hand (``compat.THEME_HAND_LINKED``) a ``?v=``, as Sphinx
    gives the files it links itself: through the page's ``pathto``, which those templates call."""
    pathto = context.get("pathto")
    if pathto is None or app.builder.format != "html":
        return
    versions = app.report_link_versions

    def versioned_pathto(otheruri, *args, **kwargs):
        uri = pathto(otheruri, *args, **kwargs)
        if otheruri in compat.THEME_HAND_LINKED and (args[:1] or [kwargs.get("resource")])[0]:
            if otheruri not in versions:
                target = Path(app.outdir) / otheruri
                versions[otheruri] = content_checksum(target.read_bytes()) if target.is_file() else ""
            if versions[otheruri]:
                uri += f"?v={versions[otheruri]}"
        return uri

    context["pathto"] = versioned_pathto


def _is_thebe(filename: str, body: str) -> bool:
    return "thebe" in filename or "THEBE" in body


def _drop_thebe_and_duplicates(app, pagename, templatename, context, doctree):
    """Jupyter Book 1 loads sphinx-thebe even with thebe off; Sphinx 7.4 lists an inline script added after its
    builder started twice (see ``compat.asset_identity``). Neither reaches a page."""
    for key in ("script_files", "css_files"):
        if key not in context:
            continue
        kept, seen = [], set()
        for asset in context[key]:
            identity = compat.asset_identity(asset)
            if _is_thebe(*identity) or identity in seen:
                continue
            seen.add(identity)
            kept.append(asset)
        context[key] = kept
