"""Jupyter Book's build function, called in-process (helpers.compat, section "Jupyter Book"): fails loudly if upstream changes.

``jupyter_book.sphinx.build_sphinx`` is internal to Jupyter Book 1; ``jupyter-book build`` calls it. The build calls
it directly, with what the command line passes, so these checks stop an upgrade that changes either side.
"""

from __future__ import annotations

import inspect
import warnings

import jupyter_book
from jupyter_book.sphinx import build_sphinx

from helpers import compat

with warnings.catch_warnings():
    # Jupyter Book 1's command line uses click.BaseCommand, deprecated in click 8.2 and gone in click 9: one more
    # reason the build calls build_sphinx, not the command line. Read here only to compare the two.
    warnings.simplefilter("ignore", DeprecationWarning)
    from jupyter_book.cli import main as cli


def test_the_mirrored_version_is_the_installed_one():
    assert jupyter_book.__version__ == compat.JUPYTER_BOOK_MIRRORED, (
        f"Jupyter Book {jupyter_book.__version__} is installed; helpers.compat.build_jupyter_book mirrors "
        f"{compat.JUPYTER_BOOK_MIRRORED}: check jupyter_book/cli/main.py build() and jupyter_book/sphinx.py, then update it"
    )


def test_build_sphinx_takes_the_arguments_the_build_passes():
    parameters = inspect.signature(build_sphinx).parameters
    assert tuple(parameters) == compat.BUILD_SPHINX_PARAMETERS
    keyword_only = [name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert keyword_only == list(compat.BUILD_SPHINX_PARAMETERS[2:])
    called = inspect.getsource(compat.build_jupyter_book)
    for name in ("use_external_toc", "noconfig", "path_config", "confoverrides", "builder", "warningiserror", "keep_going"):
        assert f"{name}=" in called


def test_the_command_line_still_calls_it_as_the_build_does(repo):
    """``jupyter-book build`` passes the same overrides (its config-only path returns them) and calls build_sphinx."""
    source = inspect.getsource(cli.build.callback)
    assert "build_sphinx(" in source
    for argument in ("use_external_toc=use_external_toc", "noconfig=True", "path_config=path_config", "confoverrides="):
        assert argument in source, argument
    assert 'OUTPUT_PATH = BUILD_PATH.joinpath("html")' in source and 'BUILD_PATH = Path(BUILD_PATH).joinpath("_build")' in source
    path_config, folder, overrides = cli.build.callback(
        path_source=str(repo),
        path_output=None,
        config=None,
        toc=None,
        warningiserror=True,
        nitpick=False,
        keep_going=True,
        freshenv=False,
        builder="html",
        custom_builder=None,
        verbose=0,
        quiet=0,
        individualpages=False,
        get_config_only=True,
    )
    assert set(overrides) == {"external_toc_path", "latex_individualpages"} and overrides["latex_individualpages"] is False
    assert folder == repo.absolute()
    assert str(compat.jupyter_book_output("OUT")) == "OUT/_build/html"
