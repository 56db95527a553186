"""Incremental builds: re-read the chapters the runner executed, write only what changed, finalise every page."""

from __future__ import annotations

import json
import os
import re
import select
import time
from pathlib import Path

from sphinx.errors import ExtensionError

from helpers import compat
from helpers.build.protocol import EXECUTION_DIR_ENV, RUNNER_REPORT_ENV, RUNNER_SIGNAL_ENV
from helpers.sphinxext.bibliography import _preformat_bibliography

# How long Sphinx waits for the runner beyond what its cells may take (imports, loading data, caching).
RUNNER_START_SECONDS = 300


def runner_wait_seconds(app, env) -> float | None:
    """The longest the runner can take: every code cell of every page at its full timeout, one after another.

    The runner enforces each cell's timeout itself and stops at the first overrun, so this bound only
    matters if the runner itself is stuck. Code cells are over-counted (every ``{code-cell}`` in a page's
    text), which only loosens the bound. None when there is no timeout (-1).
    """
    timeout = getattr(app.config, "nb_execution_timeout", 30)
    if timeout is None or timeout <= 0:
        return None
    cells = 0
    for docname in env.found_docs:
        path = Path(env.doc2path(docname))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        cells += text.count('"cell_type": "code"') if path.suffix == ".ipynb" else text.count("{code-cell}")
    return RUNNER_START_SECONDS + timeout * cells


def _wait_for_runner(done: Path, signal: str | None, bound: float | None) -> None:
    """Block until ``done`` exists: on the build's FIFO (one line once it is in place), at most ``bound`` seconds."""
    deadline = None if bound is None else time.monotonic() + bound
    fd = os.open(signal, os.O_RDONLY | os.O_NONBLOCK) if signal and Path(signal).exists() else -1
    try:
        while not done.is_file():
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise ExtensionError(f"the chapter runner did not finish within {bound:g} s")
            if fd < 0:  # no FIFO (an older caller): look every 100 ms
                time.sleep(0.1 if remaining is None else min(0.1, remaining))
                continue
            if select.select([fd], [], [], remaining)[0] and not os.read(fd, 64):
                os.close(fd)  # nobody holds it for writing any more: nobody will signal
                fd = -1
    finally:
        if fd >= 0:
            os.close(fd)


def _reread_executed_chapters(app, env, added, changed, removed):
    """Wait for the runner, then re-read every chapter it executed: its source did not change, its output did.

    Sphinx only sees that a page's file changed; a chapter re-executed because its data changed has a
    new output in the execution cache but the same source. A chapter the runner could not execute is
    re-read too, so that myst-nb executes it in a kernel and reports its error; with ``--executor kernel``
    every chapter without a cached execution is (``kernel``). If the step crashed before it had dropped
    the stale executions from the cache, or a chapter overran its timeout, the build stops here: a hung
    chapter is never handed to a kernel, where it would hang as long again.
    """
    done = os.environ.get(RUNNER_REPORT_ENV)
    if not done:
        return []
    if not Path(done).is_file():
        _preformat_bibliography(app, env)  # while the runner works: this process would only wait
    _wait_for_runner(Path(done), os.environ.get(RUNNER_SIGNAL_ENV), runner_wait_seconds(app, env))
    report = json.loads(Path(done).read_text(encoding="utf-8"))
    if report.get("crashed"):
        raise ExtensionError("the execution step failed (its error is above), so cached outputs may be stale")
    if report.get("timed_out"):
        hung = "; ".join(f"{docname}: {cell}" for docname, cell in sorted(report["timed_out"].items()))
        raise ExtensionError(f"chapter execution timed out (execute.timeout in _config.yml): {hung}")
    reread = set(report.get("executed", {})) | set(report.get("failed", [])) | set(report.get("kernel", []))
    return sorted(reread & env.found_docs)


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
    # When the edition state changed, every page was written now (helpers.sphinxext.footer), and an unreleased
    # page names the released edition's fingerprint too: nothing may be replaced then.
    if previous != current and not getattr(app, "report_state_changed", False):
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
    records = {}
    for docname in sorted(env.found_docs):
        exec_data = compat.notebook_exec_data(env, docname)
        if exec_data:
            records[docname] = {
                "source": str(env.doc2path(docname)),
                **{k: exec_data.get(k) for k in ("mtime", "runtime", "method", "succeeded", "error")},
            }
    target = Path(execution_dir) / "exec-data.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(records, indent=1), encoding="utf-8")
