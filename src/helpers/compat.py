"""The one place where the report relies on what other packages do not promise: private or internal APIs.

Every use below names the upstream version it mirrors (pinned in requirements.txt, with an upper bound),
and tests/test_compat.py checks each upstream shape directly, so an upgrade that changes one fails that
test at once, by name, rather than a build later or a page quietly wrong. Nothing else in the package
imports a private name of Sphinx, myst-nb, jupyter-cache, IPython, Jupyter Book or the theme.
"""

from __future__ import annotations

# ---------------------------------------------------------------- Sphinx and the theme (helpers.sphinxext)

# ---------------------------------------------------------------- myst-nb and jupyter-cache (helpers.build)

# ---------------------------------------------------------------- IPython (helpers.build.runner)

# ---------------------------------------------------------------- Jupyter Book (helpers.build.pipeline)
# jupyter-book 1.0.4.post1. Its documented interface is the command line; ``jupyter-book build`` (the function
# ``build`` in jupyter_book/cli/main.py) works out its arguments and then calls ``jupyter_book.sphinx.build_sphinx``,
# an internal function. ``build_jupyter_book`` calls it with exactly what the command line passes for
# ``jupyter-book build SOURCE --path-output OUTPUT --config CONFIG [--warningiserror] [--keep-going]`` on a book
# (a folder with ``_toc.yml``) and the html builder, so that the build runs in-process, without faking
# ``sys.argv`` or catching ``SystemExit``. What the command line also does and this does not: print its banner
# and paths, and, after an html book build, print where the book is (``builder_specific_actions``).
# tests/test_compat_build.py checks the signature and that the command line still calls it this way.
JUPYTER_BOOK_MIRRORED = "1.0.4.post1"
BUILD_SPHINX_PARAMETERS = (
    "sourcedir",
    "outputdir",
    "use_external_toc",
    "confdir",
    "path_config",
    "noconfig",
    "confoverrides",
    "doctreedir",
    "filenames",
    "force_all",
    "quiet",
    "really_quiet",
    "builder",
    "freshenv",
    "warningiserror",
    "tags",
    "verbosity",
    "jobs",
    "keep_going",
)


def jupyter_book_output(path_output):
    """Where ``jupyter-book build --path-output PATH_OUTPUT`` writes a book's HTML (Sphinx's doctrees go beside it)."""
    from pathlib import Path

    return Path(path_output) / "_build" / "html"


def build_jupyter_book(source, path_output, config, *, warningiserror: bool = True, keep_going: bool = True) -> int:
    """``jupyter-book build`` of the book at ``source``, in this process; Sphinx's exit status (1 on an exception).

    Sphinx reports an exception itself (``sphinx.cmd.build.handle_exception``) before this returns 1.
    """
    from pathlib import Path

    from jupyter_book.sphinx import build_sphinx

    source = Path(source).absolute()
    result = build_sphinx(
        source,
        jupyter_book_output(path_output),
        use_external_toc=True,
        noconfig=True,
        path_config=str(config),
        confoverrides={"external_toc_path": source.joinpath("_toc.yml").as_posix(), "latex_individualpages": False},
        builder="html",
        warningiserror=warningiserror,
        keep_going=keep_going,
        freshenv=False,
        verbosity=0,
        quiet=False,
        really_quiet=False,
    )
    if isinstance(result, BaseException):
        return 1
    return int(result or 0)
