"""Execute the chapters that need it, fast: one warm process, a forked worker per chapter, all cores.

Executing a chapter with Jupyter costs a kernel start and, in every kernel, the imports of pandas,
plotly, scipy and the rest, which is most of a chapter's execution time. Before Sphinx starts,
``python -m helpers build`` forks this runner once, right after validation:

1. It reads every notebook page of the table of contents as myst-nb reads it and asks the execution
   cache (jupyter-cache) whether an execution of exactly that code is cached. If every one is, it
   stops there, before importing anything heavy.
2. Otherwise it imports, once, every third-party module the helpers package imports (found from
   the package's source, so the list never goes stale) and the chapters' API (``helpers.__all__``),
   reads every dataset once (``preload_datasets``), then forks one worker per chapter, at most one
   per core at a time. A worker starts from that state in a fresh IPython shell with an empty
   namespace; ``helpers.build.reads`` records what it reads: every file it opens, every dataset it asks
   a loader for, and, as its code, every helpers module loaded.
3. Each worker's outputs (display data, results, streams, in order) are stored in the execution
   cache under the same key myst-nb looks up, so Sphinx then serves every page from the cache.

A chapter this runner cannot execute (an error in a cell, a crashed worker) is not cached: myst-nb
then executes it in a real Jupyter kernel while Sphinx reads it, and reports the error as it always
does. So the runner can make a build faster, never different.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

from helpers.build.reads import READS_LOG_ENV, reads_log, start_recording

# What a Jupyter kernel (ipykernel) writes into a notebook's metadata; myst-nb merges it from the cache.
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": platform.python_version(),
}


def toc_notebooks(root: Path) -> dict[str, Path]:
    """Every page of ``_toc.yml`` that myst-nb treats as a notebook: docname -> source path."""
    from myst_nb.core.read import is_myst_markdown_notebook
    from sphinx_external_toc.parsing import parse_toc_yaml

    pages = {}
    for docname in parse_toc_yaml(root / "_toc.yml"):
        for suffix in (".md", ".ipynb"):
            path = root / f"{docname}{suffix}"
            if path.is_file():
                if suffix == ".ipynb" or is_myst_markdown_notebook(path.read_text(encoding="utf-8")):
                    pages[docname] = path
                break
    return pages


def read_notebook(path: Path):
    """The notebook exactly as myst-nb reads the page (same cells, same metadata, so the same cache key)."""
    import nbformat
    from myst_nb.core.read import read_myst_markdown_notebook

    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return nbformat.reads(text, as_version=4)
    return read_myst_markdown_notebook(text, add_source_map=True)


def third_party_modules(package: Path) -> list[str]:
    """Absolute imports of the helpers package's source that are not the package itself."""
    names: set[str] = set()
    for source in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(n for n in names if n.split(".")[0] not in {"helpers", "__future__"})


def warm_imports(package: Path) -> None:
    """Import, once, what every worker would otherwise import again: third-party modules and the chapters' API.

    The chapters' API is the package's ``__all__``. No helpers module reads data when imported, so every
    data file a chapter reads is still read (and recorded) in its own worker; the code each worker runs
    is recorded as every helpers module loaded here, so a change to any of them re-executes every chapter.
    """
    import helpers

    names = [*third_party_modules(package), "IPython.core.interactiveshell", "IPython.core.completer"]
    names += list(helpers.CHAPTER_API.values())
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - warming is an optimisation; the worker reports real failures
            pass


def preload_datasets() -> None:
    """Read and check every dataset once, here, instead of once per chapter.

    The loaders keep what they read in memory, which every forked worker inherits; each call of a
    loader in a worker still records the file as read by that chapter (``tracking.note_read``), so a
    change to it re-executes exactly the chapters that asked for it. A dataset that fails to load is
    left for the worker to load (and fail on) itself.
    """
    from helpers.data import bib
    from helpers.data import loaders as data

    loaders = [bib.load_bibliography, *(getattr(data, name) for name in sorted(dir(data)) if name.startswith("load_"))]
    for loader in loaders:
        try:
            loader()
        except Exception:  # noqa: BLE001 - see above
            pass


# ----------------------------------------------------------------------------------- the worker


class _Outputs:
    """A cell's outputs in the order they happen, in nbformat's shape."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def stream(self, name: str, text: str) -> None:
        if self.items and self.items[-1]["output_type"] == "stream" and self.items[-1]["name"] == name:
            self.items[-1]["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})


class _Stream:
    def __init__(self, outputs: _Outputs, name: str) -> None:
        self.outputs, self.name = outputs, name

    def write(self, text: str) -> int:
        if text:
            self.outputs.stream(self.name, text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    encoding = "utf-8"


def _shell(outputs: _Outputs):
    """A fresh IPython shell whose displays and results land in ``outputs``, as a kernel would send them."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            outputs.items.append({"output_type": "display_data", "data": data, "metadata": metadata or {}})

        def clear_output(self, wait=False):
            outputs.items.clear()

    class Hook(DisplayHook):
        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            outputs.items.append(
                {
                    "output_type": "execute_result",
                    "data": format_dict,
                    "metadata": md_dict or {},
                    "execution_count": None,  # the cell's, set once the cell has run
                }
            )

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


def _as_in_a_kernel() -> None:
    """Library settings that depend on where Python runs, as they are inside a Jupyter kernel.

    pandas chooses, when first imported, to fit frames to the terminal's width where it sees a terminal,
    and to show up to 20 columns elsewhere (in a kernel): the text form of a table must be the kernel's.
    """
    import pandas as pd

    pd.set_option("display.max_columns", 20)


def execute(path: Path, notebook, log: Path) -> tuple[object, float, str]:
    """Run every code cell of ``notebook`` (the page at ``path``); (executed notebook, seconds, error text or "")."""
    import nbformat

    started = time.perf_counter()
    os.chdir(path.parent)
    sys.path.insert(0, "")
    os.environ[READS_LOG_ENV] = str(log)
    start_recording(in_kernel=True)
    _as_in_a_kernel()
    outputs = _Outputs()
    shell = _shell(outputs)
    real_out, real_err = sys.stdout, sys.stderr
    error = ""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        outputs.items = []
        sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
        try:
            result = shell.run_cell(cell.source, store_history=True)
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        cell.execution_count = shell.execution_count - 1
        for item in outputs.items:
            if item["output_type"] == "execute_result":
                item["execution_count"] = cell.execution_count
        cell.outputs = [nbformat.from_dict(item) for item in outputs.items]
        if not result.success:
            failure = result.error_in_exec or result.error_before_exec
            error = "".join(traceback.format_exception(failure)) if failure else "the cell did not run"
            break
    notebook.metadata["language_info"] = LANGUAGE_INFO
    return notebook, time.perf_counter() - started, error


def _work(docname: str, path: Path, notebook, execution_dir: Path, result_file: Path) -> int:
    try:
        notebook, seconds, error = execute(path, notebook, reads_log(execution_dir, docname))
        if error:
            print(f"Fast runner: {docname} raised an error:\n{error}", file=sys.stderr, flush=True)
            return 1
        import nbformat

        result_file.write_text(json.dumps({"seconds": seconds, "notebook": nbformat.writes(notebook)}), encoding="utf-8")
        return 0
    except BaseException:  # noqa: BLE001 - a worker must always exit, and say why
        traceback.print_exc()
        return 1


# ----------------------------------------------------------------------------------- the parent


def pending(root: Path, cache_path: Path) -> dict[str, tuple[Path, object]]:
    """The toc's notebook pages whose code has no cached execution: docname -> (path, notebook as read)."""
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_path))
    todo = {}
    for docname, path in toc_notebooks(root).items():
        notebook = read_notebook(path)
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            todo[docname] = (path, notebook)
    return todo


def run(root: Path, execution_dir: Path, cache_path: Path, workers: int | None = None) -> dict:
    """Execute every pending chapter in forked workers and cache the results; what ran, how long, what failed."""
    todo = pending(root, cache_path)
    report: dict = {"executed": {}, "failed": [], "workers": 0}
    if not todo:
        return report
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    # Write the reads logs where Sphinx's extension would; the logs of an earlier try of this build go.
    execution_dir.mkdir(parents=True, exist_ok=True)
    warm_imports(Path(__file__).resolve().parents[1])
    preload_datasets()
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    report["workers"] = workers
    queue = sorted(todo.items(), key=lambda item: -item[1][0].stat().st_size)  # longest pages first
    running: dict[int, tuple[str, Path]] = {}
    results: dict[str, Path] = {}
    scratch = Path(tempfile.mkdtemp(prefix="runner-", dir=execution_dir))
    sys.stdout.flush()
    sys.stderr.flush()
    while queue or running:
        while queue and len(running) < workers:
            docname, (path, notebook) = queue.pop(0)
            result_file = scratch / f"{docname.replace('/', '__')}.json"
            pid = os.fork()
            if pid == 0:  # the worker
                code = 1
                try:
                    code = _work(docname, path, notebook, execution_dir, result_file)
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            running[pid] = (docname, path)
            results[docname] = result_file
        pid, status = os.wait()
        docname, path = running.pop(pid)
        if os.waitstatus_to_exitcode(status) != 0 or not results[docname].is_file():
            report["failed"].append(docname)
    import nbformat

    cache = get_cache(str(cache_path))
    for docname, (path, _) in sorted(todo.items()):
        if docname in report["failed"]:
            continue
        produced = json.loads(results[docname].read_text(encoding="utf-8"))
        notebook = nbformat.reads(produced["notebook"], as_version=4)
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, str(path), data={"execution_seconds": produced["seconds"]}),
            check_validity=False,
            overwrite=True,
        )
        report["executed"][docname] = round(produced["seconds"], 3)
    return report
