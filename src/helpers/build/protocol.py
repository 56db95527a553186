"""Every name the build's processes share, in one place: environment variables and state files.

``python -m helpers build`` runs three kinds of process: itself (validation, fingerprint, publishing), the
chapter runner it forks, and Jupyter Book (Sphinx with :mod:`helpers.sphinxext`). They agree on nothing but
what is named here. Nothing in this module does anything: it only names.
"""

from __future__ import annotations

from pathlib import Path

from helpers.data.paths import ROOT_ENV  # the data layer reads it; named here with the rest

# ---------------------------------------------------------------- environment variables
# ROOT_ENV: the report being built or validated (default: found from the working directory upwards).
# Set for a process that executes a chapter: the file where it logs every file the chapter reads.
READS_LOG_ENV = "REPORT_READS_LOG"
# Set for Jupyter Book by the build: where the chapters' read logs go, and the runner's report when it has finished.
EXECUTION_DIR_ENV = "REPORT_EXECUTION_DIR"
RUNNER_REPORT_ENV = "REPORT_RUNNER_REPORT"
# Set by ``python -m helpers publish`` for each edition's build: the version switcher's entries.
EDITIONS_JSON_ENV = "REPORT_EDITIONS_JSON"

ENVIRONMENT = (ROOT_ENV, READS_LOG_ENV, EXECUTION_DIR_ENV, RUNNER_REPORT_ENV, EDITIONS_JSON_ENV)

# ---------------------------------------------------------------- state files, all under _build/
REPORT_NAME = "execution-report.json"
LOCK_NAME = ".build.lock"
STAGING_PREFIX = ".staging-"
RETIRED_PREFIX = ".retired-"


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
