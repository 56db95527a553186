"""Sphinx extension of the report: plotly.js served once from the site, loaded only where needed.

- At the end of a successful HTML build, the installed plotly package's ``plotly.min.js`` is
  copied to ``_static/plotly-<version>.min.js`` (a versioned name, so browsers may cache it).
- A page whose body holds a plotly figure gets that one script tag; other pages get none.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import plotly

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_STATIC_NAME = f"plotly-{plotly.__version__}.min.js"
FIGURE_MARKER = 'class="plotly-graph-div"'


def _add_plotly_where_needed(app, pagename, templatename, context, doctree):
    if FIGURE_MARKER in context.get("body", ""):
        app.add_js_file(PLOTLY_STATIC_NAME)


def _copy_plotly(app, exception):
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PLOTLY_JS, static / PLOTLY_STATIC_NAME)


def setup(app):
    app.connect("html-page-context", _add_plotly_where_needed)
    app.connect("build-finished", _copy_plotly)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
