"""Every name the build's processes share, in one place: environment variables and state files.

``python -m helpers build`` runs three kinds of process: itself (validation, fingerprint, publishing), the
chapter runner it forks, and Jupyter Book (Sphinx with :mod:`helpers.sphinxext`). They agree on nothing but
what is named here. Nothing in this module does anything: it only names.
"""

from __future__ import annotations

from pathlib import Path

from helpers.data.citation import FINGERPRINT_ENV as DATA_FINGERPRINT_ENV  # the data layer reads it too
from helpers.data.paths import ROOT_ENV  # the data layer reads it; named here with the rest

# ---------------------------------------------------------------- environment variables
# ROOT_ENV: the report being built or validated (default: found from the working directory upwards).
# Set for a process that executes a chapter: the file where it logs every file the chapter reads.
READS_LOG_ENV = "REPORT_READS_LOG"
# Set for Jupyter Book by the build: where the chapters' read logs go, and the runner's report when it has finished.
EXECUTION_DIR_ENV = "REPORT_EXECUTION_DIR"
RUNNER_REPORT_ENV = "REPORT_RUNNER_REPORT"
# Set for Jupyter Book by the build when the runner executes: a FIFO the build writes one line to once the
# runner's report is in place, so that Sphinx waits for it blocked rather than polling.
RUNNER_SIGNAL_ENV = "REPORT_RUNNER_SIGNAL"
# IPython's own variable, set for Jupyter Book by the build: a build-owned IPython directory whose startup
# file starts the recorder and guard (``helpers.build.reads.start_recording``) in every chapter's kernel
# before its first cell (every chapter with ``--executor kernel``; with the runner, one it could not execute).
IPYTHONDIR_ENV = "IPYTHONDIR"
# Set by ``python -m helpers publish`` for each edition's build: the version switcher's entries.
EDITIONS_JSON_ENV = "REPORT_EDITIONS_JSON"

# DATA_FINGERPRINT_ENV: set by the build for Jupyter Book (and so its kernels): the data fingerprint of the
# snapshot it validated, which every page shows (``helpers.data.citation.data_fingerprint``).

ENVIRONMENT = (
    ROOT_ENV,
    READS_LOG_ENV,
    EXECUTION_DIR_ENV,
    RUNNER_REPORT_ENV,
    RUNNER_SIGNAL_ENV,
    EDITIONS_JSON_ENV,
    DATA_FINGERPRINT_ENV,
    IPYTHONDIR_ENV,
)

# ---------------------------------------------------------------- executors of ``python -m helpers build``
# runner: helpers.build.runner executes the chapters before Sphinx reads them; kernel: myst-nb executes each
# chapter in a Jupyter kernel of its own while Sphinx reads it (no runner).
EXECUTORS = ("runner", "kernel")

# ---------------------------------------------------------------- state files, all under _build/
REPORT_NAME = "execution-report.json"
LOCK_NAME = ".build.lock"
STAGING_PREFIX = ".staging-"
RETIRED_PREFIX = ".retired-"
LEFTOVER_PREFIXES = (STAGING_PREFIX, RETIRED_PREFIX)  # a killed build's; removed by the next one, under the lock
# Beside the execution cache: for every cached execution, the files it read and the packages it ran with.
DEPENDENCY_RECORD_NAME = "data-dependencies.json"
# In a build's staging folder: the chapters' execution folder (the runner's and myst-nb's record of each
# page's execution, and one log per chapter of what it read), the runner's report, the IPython profile its
# kernels start with and the guard's startup file.
EXECUTION_DIR_NAME = "execution"
EXEC_DATA_NAME = "exec-data.json"  # written by helpers.sphinxext.incremental, read by helpers.build.cache
READS_DIR_NAME = "reads"
RUNNER_DONE_NAME = "runner.json"
KERNEL_IPYTHON_NAME = "ipython"  # the IPYTHONDIR of the build's kernels
KERNEL_STARTUP_NAME = "00-report-reads.py"  # in its profile_default/startup/: starts the recorder and guard
RUNNER_SIGNAL_NAME = "runner.fifo"  # the FIFO of RUNNER_SIGNAL_ENV


def build_dir(root: Path) -> Path:
    return root / "_build"


def published_dir(root: Path) -> Path:
    """The published site: replaced only by a whole, strict, successful build."""
    return build_dir(root) / "html"


def report_path(root: Path) -> Path:
    """What the last build did: published or not, which chapters executed and why, what each read."""
    return build_dir(root) / REPORT_NAME


def lock_path(root: Path) -> Path:
    return build_dir(root) / LOCK_NAME


def sphinx_dir(root: Path) -> Path:
    """Sphinx's kept environment and output: the incremental state, never served."""
    return build_dir(root) / ".sphinx"


def sphinx_state_path(root: Path) -> Path:
    """What the kept Sphinx environment was built from (its structure fingerprint)."""
    return sphinx_dir(root) / ".build-state.json"


def published_state_path(root: Path) -> Path:
    """What the published site was built from (its inputs fingerprint)."""
    return build_dir(root) / ".published-state.json"


def cache_dir(root: Path) -> Path:
    """myst-nb's execution cache (jupyter-cache), shared with the data-dependency record beside it."""
    return build_dir(root) / ".jupyter_cache"
