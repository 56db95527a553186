"""Incremental builds: re-read the chapters the runner executed, write only what changed, finalise every page."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from sphinx.errors import ExtensionError

from helpers.build.protocol import EXECUTION_DIR_ENV, RUNNER_REPORT_ENV
from helpers.sphinxext.bibliography import _preformat_bibliography

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


def _finalise_pages(app, exception):
    """Make every page of the output name the current data fingerprint, whether Sphinx wrote it now or earlier.

    Where the pages kept from the last build name its fingerprint (a 12-digit hash, so nothing else
    matches), it is replaced. (Links to the site's scripts and style sheets need nothing here: every
    one is in ``_static`` before Sphinx writes a page, so each carries Sphinx's checksum; see
    ``helpers.sphinxext.assets``.)
    """
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    current = app.report_edition.fingerprint
    record = Path(app.doctreedir) / FINGERPRINT_RECORD
    previous = record.read_text(encoding="utf-8").strip() if record.is_file() else current
    if not re.fullmatch(r"[0-9a-f]{12}", previous):
        previous = current
    if previous != current:
        for page in outdir.rglob("*.html"):
            text = page.read_text(encoding="utf-8")
            if previous in text:
                page.write_text(text.replace(previous, current), encoding="utf-8")
    record.write_text(current + "\n", encoding="utf-8")


def _point_kernel_at_log(app, docname, source):
    # Sphinx reads one page at a time (no -j): the kernel myst-nb starts while parsing this page
    # inherits this variable, so the files it opens are logged against this page.
    execution_dir = os.environ.get(EXECUTION_DIR_ENV)
    if execution_dir:
        from helpers.build.reads import READS_LOG_ENV, reads_log

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
