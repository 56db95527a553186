"""Static assets: plotly.js once from the site, the findable-table script and the switcher script where needed,
and no thebe."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import plotly

from helpers.build.protocol import EDITIONS_JSON_ENV

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


PLOTLY_STATIC_NAME = f"plotly-{plotly.__version__}.min.js"


FIGURE_MARKER = 'class="plotly-graph-div"'


EDITIONS_JS = "report-editions.js"


# Not in the book's _static/: Jupyter Book links every script there into every page.
EDITIONS_JS_SOURCE = Path(__file__).parent / "static" / EDITIONS_JS


def _add_plotly_where_needed(app, pagename, templatename, context, doctree):
    if FIGURE_MARKER in context.get("body", ""):
        app.add_js_file(PLOTLY_STATIC_NAME)


# The report's own search, sort and pages for tables marked "report-findable" (helpers.views.tables): a few
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
