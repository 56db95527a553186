"""Sphinx extension of the report: plotly.js served once from the site, loaded only where needed.

- At the end of a successful HTML build, the installed plotly package's ``plotly.min.js`` is
  copied to ``_static/plotly-<version>.min.js`` (a versioned name, so browsers may cache it).
- A page whose body holds a plotly figure gets that one script tag; other pages get none.
- During ``python -m helpers build`` (which sets ``REPORT_EXECUTION_DIR``), each chapter's kernel is
  told where to log the files it reads, and myst-nb's own execution data for every page are written
  to ``exec-data.json`` there (see ``helpers.execution``).
"""

from __future__ import annotations

import json
import os
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
    app.connect("source-read", _point_kernel_at_log)
    app.connect("env-updated", _write_exec_data)
    app.connect("html-page-context", _add_plotly_where_needed)
    app.connect("build-finished", _copy_plotly)
    # Not parallel-read safe: the kernel log is chosen per page through one process-wide variable.
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
