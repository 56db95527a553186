"""The package's layers hold: import-linter's contracts (pyproject.toml) pass, and fail on a forbidden import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

LINT = Path(sys.executable).with_name("lint-imports")


def lint(src: Path, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT), "--config", str(config), "--no-cache"], cwd=config.parent, env=env, capture_output=True, text=True
    )


def test_import_contracts_are_kept():
    result = lint(REPO / "src", REPO / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "Contracts: 0 kept" not in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("data/schema.py", "import plotly  # noqa", "The data layer imports no IPython"),
        ("data/loaders.py", "from helpers.views import tables  # noqa", "nothing imports upwards"),
        ("audit/recompute.py", "from IPython.display import HTML  # noqa", "The audit recomputes"),
        ("build/fingerprint.py", "import helpers.views.tables  # noqa", "never the views"),
        ("bench/report.py", "from helpers.build import pipeline  # noqa", "only through its command line"),
        ("data/readers.py", "from helpers.data import loaders  # noqa", "No import cycles"),
        ("search/dedupe.py", "from helpers.views import html  # noqa", "The search fetches and writes its logs"),
        ("data/bib.py", "from helpers.search import dedupe  # noqa", "nothing imports upwards"),
        ("search/records.py", "from helpers.search import surveil  # noqa", "No import cycles"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, contract):
    src = tmp_path / "src"
    shutil.copytree(REPO / "src" / "helpers", src / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = src / "helpers" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    result = lint(src, tmp_path / "pyproject.toml")
    assert result.returncode != 0, f"adding {line!r} to {module} broke no contract:\n{result.stdout}"
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout


def test_importing_the_package_changes_nothing_global():
    """``import helpers`` and the data layer load no IPython, plotly or Sphinx and install no hook or renderer."""
    code = (
        "import sys, helpers, helpers.data.loaders, helpers.data.validate, helpers.data.bib\n"
        "heavy = sorted(m for m in ('IPython', 'plotly', 'sphinx', 'jupyter_book', 'myst_nb') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
        "assert sys.getprofile() is None and sys.gettrace() is None\n"
        "import pybtex.plugin, helpers.sphinxext\n"
        "assert 'report-author-year' not in pybtex.plugin.enumerate_plugin_names('pybtex.style.formatting')\n"
        "import plotly.io as pio; default = pio.renderers.default\n"
        "import helpers.views.figures, helpers.views.tables\n"
        "assert pio.renderers.default == default, pio.renderers.default\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
