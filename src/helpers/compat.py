"""The one place where the report relies on what other packages do not promise: private or internal APIs.

Every use below names the upstream version it mirrors (pinned in requirements.txt, with an upper bound),
and tests/test_compat.py checks each upstream shape directly, so an upgrade that changes one fails that
test at once, by name, rather than a build later or a page quietly wrong. Nothing else in the package
imports a private name of Sphinx, myst-nb, jupyter-cache, IPython, Jupyter Book or the theme.

Every upstream import is inside the function that needs it: importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

# ---------------------------------------------------------------- Sphinx and the theme (helpers.sphinxext)

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
