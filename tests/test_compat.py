"""Each private or internal upstream API that ``helpers.compat`` uses still has the shape compat mirrors.

One test per use, named after it, fast, and failing loudly (by name) when an upgrade changes the shape, before
a build fails later or a page comes out quietly wrong. Grouped by upstream package, as compat.py is.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

from helpers import compat

REPO = Path(__file__).resolve().parents[1]


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


# ---------------------------------------------------------------- myst-nb and jupyter-cache (helpers.build.runner)


def test_myst_nb_is_myst_markdown_notebook():
    from myst_nb.core.read import is_myst_markdown_notebook

    assert parameters(is_myst_markdown_notebook) == ["text"]
    chapter = (REPO / "chapters" / "methods.md").read_text(encoding="utf-8")
    assert compat.is_myst_markdown_notebook(chapter) is True
    assert compat.is_myst_markdown_notebook("# A plain page\n") is False


def test_myst_nb_read_myst_markdown_notebook_with_create_nb_readers_arguments():
    """compat reads a page as myst-nb's reader factory does; the notebooks (so the cache keys) are equal."""
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader, read_myst_markdown_notebook

    assert parameters(read_myst_markdown_notebook)[:1] == ["text"]
    assert {"config", "add_source_map", "path"} <= set(parameters(read_myst_markdown_notebook))
    assert parameters(create_nb_reader) == ["path", "md_config", "nb_config", "content"]
    source = inspect.getsource(create_nb_reader)
    for argument in ("read_myst_markdown_notebook", "config=md_config", "add_source_map=True", "path=path"):
        assert argument in source, f"myst-nb's create_nb_reader no longer passes {argument}"
    md_config = compat.md_parser_config(REPO / "_config.yml")
    path = REPO / "chapters" / "survey.md"
    text = path.read_text(encoding="utf-8")
    upstream = create_nb_reader(str(path), md_config, NbParserConfig(), text).read(text)
    ours = compat.read_myst_markdown_notebook(text, path, md_config)
    for notebook in (ours, upstream):
        for cell in notebook.cells:
            cell.pop("id")  # random for every read
    assert ours == upstream
    assert ours.metadata["source_map"], "the source map names a cell's line in messages"


def test_jupyter_book_final_config_and_myst_parser_config_as_sphinx_makes_it():
    import yaml
    from jupyter_book.config import get_final_config
    from myst_parser.config.main import MdParserConfig
    from myst_parser.sphinx_ext.main import create_myst_config

    assert {"user_yaml", "cli_config", "sourcedir", "validate"} <= set(parameters(get_final_config))
    source = inspect.getsource(create_myst_config)
    assert 'app.config[f"myst_{name}"]' in source and "as_triple()" in source and '"omit"' in source
    assert all(len(triple) == 3 for triple in MdParserConfig().as_triple())
    config = compat.md_parser_config(REPO / "_config.yml")
    book = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    assert set(config.enable_extensions) == set(book["parse"]["myst_enable_extensions"])
    assert config.heading_anchors == book["sphinx"]["config"]["myst_heading_anchors"]


def test_jupyter_cache_bundle_stored_as_myst_nb_stores_it(tmp_path):
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn, JupyterCacheAbstract
    from myst_nb.core.execute import cache as myst_nb_cache

    assert {"nb", "uri", "data"} <= set(inspect.signature(CacheBundleIn).parameters)
    assert {"bundle", "check_validity", "overwrite"} <= set(parameters(JupyterCacheAbstract.cache_notebook_bundle))
    source = inspect.getsource(myst_nb_cache)
    assert "cache_notebook_bundle(" in source and '"execution_seconds"' in source and "check_validity=False" in source
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1", execution_count=1)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cache = get_cache(str(tmp_path / "cache"))
    record = compat.cache_executed_notebook(cache, notebook, str(tmp_path / "page.md"), 0.5)
    assert cache.match_cache_notebook(notebook).pk == record.pk
    assert record.data == {"execution_seconds": 0.5}


def test_myst_nb_metadata_collector_get_exec_data():
    from myst_nb.sphinx_ import NbMetadataCollector

    assert isinstance(inspect.getattr_static(NbMetadataCollector, "get_exec_data"), classmethod)
    assert parameters(NbMetadataCollector.get_exec_data) == ["env", "docname"]

    class Environment:  # where myst-nb keeps it: env.nb_metadata[docname]["exec_data"]
        nb_metadata = {"chapters/survey": {"exec_data": {"method": "cache", "succeeded": True}}}

    assert compat.notebook_exec_data(Environment(), "chapters/survey") == {"method": "cache", "succeeded": True}


# ---------------------------------------------------------------- IPython (helpers.build.runner)

SHELL = """
import json
from helpers import compat
seen = []
shell = compat.capturing_shell(
    lambda data, metadata: seen.append(["display", data]),
    lambda data, metadata: seen.append(["result", data]),
    lambda: seen.append(["clear"]),
)
shell.run_cell("from IPython.display import display, clear_output; display('shown')", store_history=True)
shell.run_cell("clear_output()", store_history=True)
shell.run_cell("6 * 7", store_history=True)
shell.run_cell("6 * 7;", store_history=True)
print(json.dumps(seen))
"""


def test_ipython_display_hook_and_publisher_subclasses():
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    for name in ("start_displayhook", "write_output_prompt", "finish_displayhook"):
        assert parameters(getattr(DisplayHook, name)) == ["self"], name
    assert parameters(DisplayHook.write_format_data) == ["self", "format_dict", "md_dict"]
    assert parameters(DisplayHook.__init__)[:3] == ["self", "shell", "cache_size"]
    publish = inspect.signature(DisplayPublisher.publish).parameters
    assert list(publish)[:3] == ["self", "data", "metadata"]
    assert {"transient", "update"} <= set(publish)
    assert parameters(DisplayPublisher.clear_output) == ["self", "wait"]
    assert "display_trap" in InteractiveShell.class_traits()
    # In a process of its own: the shell is a singleton.
    result = subprocess.run([sys.executable, "-c", SHELL], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        ["display", {"text/plain": "'shown'"}],
        ["clear"],
        ["result", {"text/plain": "42"}],
    ]
