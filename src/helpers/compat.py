"""The one place where the report relies on what other packages do not promise: private or internal APIs.

Every use below names the upstream version it mirrors (pinned exactly in requirements.txt), and the tests
check each upstream shape directly (tests/test_compat.py: myst-nb, jupyter-cache, IPython;
tests/test_compat_sphinx.py: Sphinx and the themes; tests/test_compat_build.py: Jupyter Book), so an upgrade
that changes one fails that test at once, by name, rather than a build later or a page quietly wrong. Nothing else in the package
imports a private name of Sphinx, myst-nb, jupyter-cache, IPython, Jupyter Book or the theme.

Every upstream import is inside the function that needs it: importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

# ---------------------------------------------------------------- Sphinx and the theme (helpers.sphinxext)
# Checked by tests/test_compat_sphinx.py. Upper bounds these need: sphinx<7.5, sphinx-book-theme<1.4,
# pydata-sphinx-theme<0.18, myst-nb<1.5.


def asset_identity(asset) -> tuple[str, str]:
    """(file name, inline body) of one entry of a page's ``script_files`` or ``css_files``.

    Mirrors Sphinx 7.4.7 ``sphinx/builders/html/_assets.py``: the entries are the private classes
    ``_JavaScript`` and ``_CascadingStyleSheet``, with ``filename`` (a path under ``_static/``, or ``None``
    or ``""`` for an inline script) and ``attributes`` (a dict; an inline script's text under ``"body"``).
    Sphinx 7.4 lists an inline script added after its builder started twice, once with filename ``None``
    (``Sphinx.add_js_file``) and once with ``""`` (``StandaloneHTMLBuilder.prepare_writing``); as both give
    the same identity here, the second is recognised as a duplicate.
    """
    return str(asset.filename or ""), str(asset.attributes.get("body", ""))


# sphinx-book-theme 1.3.0 ``theme/sphinx_book_theme/theme.conf``, ``[theme] sidebars``: the default primary
# sidebar, which the version switcher joins (Sphinx replaces the whole list when html_sidebars is set).
BOOK_THEME_SIDEBAR = ("navbar-logo.html", "icon-links.html", "search-button-field.html", "sbt-sidebar-nav.html")


# sphinx-book-theme 1.3.0: the theme option ``extra_footer`` (theme.conf) reaches the template
# ``components/extra-footer.html`` (one of ``footer_content_items``) as this context key, rendered as HTML.
# Set per page, it puts per-page HTML in the footer.
BOOK_THEME_EXTRA_FOOTER = "theme_extra_footer"


# pydata-sphinx-theme 0.17.1 (the base of sphinx-book-theme 1.3), ``layout.html`` and ``search.html``: the scripts
# its templates link by hand, ``pathto('_static/...', 1)``, so Sphinx adds no ``?v=`` to them;
# ``helpers.sphinxext.assets`` adds one to exactly these.
THEME_HAND_LINKED = ("_static/searchtools.js", "_static/language_data.js")


def put_mystnb_css_in_place(app) -> None:
    """Copy myst-nb's style sheet into ``_static`` now (at ``builder-inited``), not only after the pages are written.

    Mirrors myst-nb 1.4.0 ``myst_nb/sphinx_ext.py``: ``add_css`` registers ``mystnb.<sha256>.css`` and the
    build-finished handler ``add_global_html_resources(app, exception)`` copies the file there. Sphinx 7.4
    adds ``?v=`` only for a file already in the output when it writes a page, so on a first build every page
    linked the style sheet without it, and later builds with it. Running myst-nb's own copy step early (it
    runs again, harmlessly, at the end) gives every page one address for it. Not a supported API of myst-nb.
    """
    from myst_nb.sphinx_ext import add_global_html_resources

    (Path(app.outdir) / "_static").mkdir(parents=True, exist_ok=True)
    add_global_html_resources(app, None)


# ---------------------------------------------------------------- myst-nb and jupyter-cache (helpers.build)


def is_myst_markdown_notebook(text: str) -> bool:
    """Whether myst-nb treats a Markdown page as a notebook (its top matter says so).

    Mirrors myst-nb 1.4.0 ``myst_nb.core.read.is_myst_markdown_notebook`` (not part of myst-nb's documented API).
    """
    from myst_nb.core.read import is_myst_markdown_notebook as upstream

    return upstream(text)


def md_parser_config(config_yml: Path):
    """The Markdown configuration myst-nb reads a page with in a Jupyter Book build of ``config_yml``.

    Mirrors Jupyter Book 1.0.4.post1 (``jupyter_book.config.get_final_config``: ``_config.yml`` -> Sphinx
    configuration, as ``jupyter-book build --config`` does) and myst-parser 3.0.1 ``create_myst_config``
    (``myst_parser.sphinx_ext.main``: one ``myst_<field>`` Sphinx value per ``MdParserConfig`` field not
    omitted for Sphinx), which is what myst-nb 1.4.0 finds as ``env.myst_config``.
    """
    from jupyter_book.config import get_final_config
    from myst_parser.config.main import MdParserConfig

    sphinx_config, _ = get_final_config(
        user_yaml=Path(config_yml),
        cli_config={"latex_individualpages": False},  # what jupyter-book build passes unless asked for LaTeX
        sourcedir=Path(config_yml).parent,
        validate=False,
    )
    values = {
        name: sphinx_config[f"myst_{name}"]
        for name, _, field in MdParserConfig().as_triple()
        if "sphinx" not in field.metadata.get("omit", []) and f"myst_{name}" in sphinx_config
    }
    return MdParserConfig(**values)


def read_myst_markdown_notebook(text: str, path: Path, md_config):
    """A MyST Markdown page read as a notebook, exactly as myst-nb reads it while Sphinx parses the page.

    Mirrors myst-nb 1.4.0 ``myst_nb.core.read.create_nb_reader``, which reads a Markdown notebook with
    ``read_myst_markdown_notebook(text, config=md_config, add_source_map=True, path=path)``; the cells it
    finds, and so the execution cache's key, depend on every one of those arguments.
    """
    from myst_nb.core.read import read_myst_markdown_notebook as upstream

    return upstream(text, config=md_config, add_source_map=True, path=str(path))


def cache_executed_notebook(cache, notebook, uri: str, seconds: float):
    """Store an executed notebook in jupyter-cache as myst-nb does after executing it itself.

    Mirrors myst-nb 1.4.0 ``myst_nb.core.execute.cache.NotebookClientCache.start_client`` on jupyter-cache
    1.0.1: ``cache_notebook_bundle(CacheBundleIn(nb, uri, data={"execution_seconds": t}),
    check_validity=False, overwrite=True)`` (``jupyter_cache.base.CacheBundleIn`` is not in its documented API).
    """
    from jupyter_cache.base import CacheBundleIn

    return cache.cache_notebook_bundle(
        CacheBundleIn(notebook, uri, data={"execution_seconds": seconds}), check_validity=False, overwrite=True
    )


def notebook_exec_data(env, docname: str) -> dict | None:
    """myst-nb's record of how it executed (or took from the cache) a page: mtime, runtime, method, succeeded, error.

    Mirrors myst-nb 1.4.0 ``myst_nb.sphinx_.NbMetadataCollector.get_exec_data`` (a classmethod of an
    undocumented class; the record lives in ``env.nb_metadata[docname]["exec_data"]``).
    """
    from myst_nb.sphinx_ import NbMetadataCollector

    return NbMetadataCollector.get_exec_data(env, docname)


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


# ---------------------------------------------------------------- IPython (helpers.build.runner)


def capturing_shell(
    on_display: Callable[[dict, dict], None], on_result: Callable[[dict, dict], None], on_clear: Callable[[], None]
):
    """A fresh IPython shell whose displays and results go to callbacks, as a kernel would send them.

    ``on_display(data, metadata)`` for each ``display_data``, ``on_result(data, metadata)`` for a cell's
    ``execute_result``, ``on_clear()`` for ``clear_output``. History and colours are off.

    Mirrors IPython 9.18.1: a ``DisplayPublisher`` subclass overriding ``publish(data, metadata=None,
    source=..., *, transient=None, update=False, **kwargs)`` and ``clear_output(wait=False)``, as
    ipykernel 7.4's ``ZMQDisplayPublisher`` does; a ``DisplayHook`` subclass overriding
    ``start_displayhook``, ``write_output_prompt``, ``write_format_data(format_dict, md_dict=None)`` and
    ``finish_displayhook``, as ipykernel's ``ZMQShellDisplayHook`` does; and the hook installed as both
    ``shell.displayhook`` and ``shell.display_trap.hook`` (the trap swaps ``sys.displayhook`` during a cell).
    """
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            on_display(data, metadata or {})

        def clear_output(self, wait=False):
            on_clear()

    class Hook(DisplayHook):
        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            on_result(format_dict, md_dict or {})

        def finish_displayhook(self):
            pass

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    shell = InteractiveShell.instance(config=config)
    shell.display_pub = Publisher(shell=shell, parent=shell)
    hook = Hook(shell=shell, cache_size=shell.cache_size, parent=shell)
    shell.displayhook = hook
    shell.display_trap.hook = hook
    return shell
