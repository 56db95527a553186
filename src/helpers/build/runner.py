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

A worker behaves like a kernel where a chapter could tell the difference:

- Output written to file descriptors 1 and 2 (by a child process, or C code) is captured, as ipykernel
  captures it, into the cell's ``stdout``/``stderr`` stream (and stderr fails the strict build).
- Each cell gets ``execute.timeout`` seconds from ``_config.yml``, as myst-nb gives it in a kernel. A
  cell that overruns it ends the whole execution step at once: every worker is killed, and the
  report's ``timed_out`` names the chapter and the cell, which stops the build (nothing is published)
  instead of leaving the chapter to a kernel that would hang as long again.
- A worker leads a process group of its own; when its chapter ends (done, failed or timed out), the
  group is killed, so no process a chapter started outlives it. Its standard input is /dev/null.

A chapter this runner cannot execute (an error in a cell, a crashed worker) is not cached: myst-nb then
executes it in a real Jupyter kernel while Sphinx reads it, and reports the error as it always does. So
the runner can make a build faster, never different. For a cell that raised, the report's ``errors``
keeps the chapter, the cell, the page's line and the exception: when the kernel fails on the chapter
too, the build ends with that (``helpers.build.failure``), said once.
"""

from __future__ import annotations

import ast
import codecs
import ctypes
import importlib
import json
import os
import platform
import re
import select
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import yaml

from helpers import compat
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

# myst-nb's default for nb_execution_timeout, used when _config.yml sets no execute.timeout.
DEFAULT_TIMEOUT = 30


def execution_timeout(root: Path) -> float | None:
    """Seconds each cell may run: ``execute.timeout`` of ``_config.yml``; None when it is -1 or 0 (no limit)."""
    try:
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        config = {}
    value = (config.get("execute") or {}).get("timeout", DEFAULT_TIMEOUT)
    if value is None:
        return None
    value = float(value)
    return value if value > 0 else None


def toc_notebooks(root: Path) -> dict[str, Path]:
    """Every page of ``_toc.yml`` that myst-nb treats as a notebook: docname -> source path."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    pages = {}
    for docname in parse_toc_yaml(root / "_toc.yml"):
        for suffix in (".md", ".ipynb"):
            path = root / f"{docname}{suffix}"
            if path.is_file():
                if suffix == ".ipynb" or compat.is_myst_markdown_notebook(path.read_text(encoding="utf-8")):
                    pages[docname] = path
                break
    return pages


def _book_config(path: Path) -> Path:
    for folder in Path(path).resolve().parents:
        if (folder / "_config.yml").is_file():
            return folder / "_config.yml"
    raise FileNotFoundError(f"no _config.yml above {path}")


def read_notebook(path: Path, md_config=None):
    """The notebook exactly as myst-nb reads the page (same cells, same metadata, so the same cache key).

    ``md_config`` is the book's Markdown configuration (``compat.md_parser_config``); found from the
    ``_config.yml`` above ``path`` when not given.
    """
    import nbformat

    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        return nbformat.reads(text, as_version=4)
    if md_config is None:
        md_config = compat.md_parser_config(_book_config(path))
    return compat.read_myst_markdown_notebook(text, path, md_config)


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
    """A cell's outputs in the order they happen, in nbformat's shape.

    ``before`` (when set) runs before each output a chapter's Python code makes: it collects what was
    written to the file descriptors meanwhile, so that output lands in order, as a kernel flushes its
    streams before it publishes.
    """

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.before = None

    def _flush(self) -> None:
        if self.before is not None:
            self.before()

    def stream(self, name: str, text: str, flush: bool = True) -> None:
        if flush:
            self._flush()
        if self.items and self.items[-1]["output_type"] == "stream" and self.items[-1]["name"] == name:
            self.items[-1]["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def display(self, data: dict, metadata: dict) -> None:
        self._flush()
        self.items.append({"output_type": "display_data", "data": data, "metadata": metadata})

    def result(self, data: dict, metadata: dict) -> None:
        self._flush()
        # execution_count is the cell's, set once the cell has run
        self.items.append({"output_type": "execute_result", "data": data, "metadata": metadata, "execution_count": None})

    def clear(self) -> None:
        self._flush()
        self.items.clear()


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


class _DescriptorCapture:
    """What is written to file descriptors 1 and 2 (child processes, C code), as a kernel captures it.

    Each descriptor is pointed at a temporary file of its own for as long as the chapter runs; after each
    cell, what was written to it since the last cell becomes that cell's stdout/stderr stream. Files,
    not pipes: a child writing a lot can never block on a full pipe nobody reads.
    """

    NAMES = {1: "stdout", 2: "stderr"}

    def __init__(self) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        self.saved = {fd: os.dup(fd) for fd in self.NAMES}
        self.files = {fd: tempfile.TemporaryFile() for fd in self.NAMES}
        self.offsets = dict.fromkeys(self.NAMES, 0)
        # A character split between two collections is decoded whole, with the second.
        self.decoders = {fd: codecs.getincrementaldecoder("utf-8")(errors="replace") for fd in self.NAMES}
        for fd, handle in self.files.items():
            os.dup2(handle.fileno(), fd)
        try:
            self.libc_fflush = ctypes.CDLL(None).fflush
        except (OSError, AttributeError):
            self.libc_fflush = None

    def collect(self, outputs: _Outputs) -> None:
        if self.libc_fflush is not None:
            self.libc_fflush(None)
        for fd, name in self.NAMES.items():
            handle = self.files[fd]
            size = os.fstat(handle.fileno()).st_size
            if size > self.offsets[fd]:
                data = os.pread(handle.fileno(), size - self.offsets[fd], self.offsets[fd])
                self.offsets[fd] += len(data)
                text = self.decoders[fd].decode(data)
                if text:
                    outputs.stream(name, text, flush=False)

    def restore(self) -> None:
        for fd, saved in self.saved.items():
            os.dup2(saved, fd)
            os.close(saved)
        for handle in self.files.values():
            handle.close()


def _as_in_a_kernel() -> None:
    """Library settings that depend on where Python runs, as they are inside a Jupyter kernel.

    pandas chooses, when first imported, to fit frames to the terminal's width where it sees a terminal,
    and to show up to 20 columns elsewhere (in a kernel): the text form of a table must be the kernel's.
    """
    import pandas as pd

    pd.set_option("display.max_columns", 20)


def execute(path: Path, notebook, log: Path, progress: int | None = None) -> tuple[object, float, dict]:
    """Run every code cell of ``notebook`` (the page at ``path``); (executed notebook, seconds, error or {}).

    The error of a cell that raised: ``cell`` (its index), ``exception`` (the exception's last line, e.g.
    ``ValueError: ...``) and ``traceback`` (the frames of the chapter's and the helpers' code, without
    IPython's own).

    Before each code cell, its index in ``notebook.cells`` is written to the descriptor ``progress`` (one
    line), so that the parent can time the cell.
    """
    import nbformat

    started = time.perf_counter()
    os.chdir(path.parent)
    sys.path.insert(0, "")
    os.environ[READS_LOG_ENV] = str(log)
    start_recording(in_kernel=True)
    _as_in_a_kernel()
    outputs = _Outputs()
    shell = compat.capturing_shell(outputs.display, outputs.result, outputs.clear)
    real_out, real_err = sys.stdout, sys.stderr
    error: dict = {}
    descriptors = _DescriptorCapture()
    outputs.before = lambda: descriptors.collect(outputs)
    try:
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            if progress is not None:
                os.write(progress, f"{index}\n".encode())
            outputs.items = []
            sys.stdout, sys.stderr = _Stream(outputs, "stdout"), _Stream(outputs, "stderr")
            try:
                result = shell.run_cell(cell.source, store_history=True)
            finally:
                sys.stdout, sys.stderr = real_out, real_err
                descriptors.collect(outputs)
            cell.execution_count = shell.execution_count - 1
            for item in outputs.items:
                if item["output_type"] == "execute_result":
                    item["execution_count"] = cell.execution_count
            cell.outputs = [nbformat.from_dict(item) for item in outputs.items]
            if not result.success:
                error = {"cell": index, **describe_exception(result.error_in_exec or result.error_before_exec)}
                break
    finally:
        outputs.before = None
        descriptors.restore()
    notebook.metadata["language_info"] = LANGUAGE_INFO
    return notebook, time.perf_counter() - started, error


CELL_FILE = "<ipython-input-"  # how IPython names a cell's code in a traceback


def describe_exception(failure: BaseException | None) -> dict:
    """``exception``: the exception's own line; ``traceback``: its frames, less IPython's (the cell's code first);
    ``cell_line``: the line of the cell's code that raised, counted from the cell's first line (1), if known."""
    if failure is None:
        return {"exception": "the cell did not run", "traceback": "", "cell_line": None}
    exception = "".join(traceback.format_exception_only(failure)).strip()
    frames = [
        frame
        for frame in traceback.extract_tb(failure.__traceback__)
        if f"{os.sep}IPython{os.sep}" not in frame.filename and f"{os.sep}ipykernel{os.sep}" not in frame.filename
    ]
    in_cell = [frame.lineno for frame in frames if frame.filename.startswith(CELL_FILE)]
    return {
        "exception": exception,
        "traceback": "".join(traceback.format_list(frames)).rstrip(),
        "cell_line": in_cell[-1] if in_cell else None,
    }


def _place_in_page(path: Path, notebook, error: dict) -> None:
    """Name the failing cell as a writer finds it: its label, and the page's line of the statement that raised;
    the traceback's frames of the cell's code name the page and that line instead of IPython's cell name."""
    index = error.pop("cell")
    error["cell"] = cell_label(notebook, index)
    cell_line = error.pop("cell_line", None)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return
    source = notebook.cells[index].source
    offset = text.find(source) if source else -1
    if offset < 0 or cell_line is None:
        return
    first = text.count("\n", 0, offset) + 1  # the page's line of the cell's first line of code
    line = first + cell_line - 1
    error["line"] = line
    error["cell"] = f"{error['cell'].split(',', 1)[0]}, line {line}"
    error["traceback"] = re.sub(
        r'File "' + re.escape(CELL_FILE) + r'[^"]*", line (\d+)',
        lambda m: f'File "{path.name}", line {first + int(m[1]) - 1}',
        error["traceback"],
    )


def _work(docname: str, path: Path, notebook, execution_dir: Path, result_file: Path, progress: int) -> int:
    try:
        notebook, seconds, error = execute(path, notebook, reads_log(execution_dir, docname), progress)
        if error:
            _place_in_page(path, notebook, error)
            result_file.write_text(json.dumps({"error": error}), encoding="utf-8")
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
    md_config = compat.md_parser_config(root / "_config.yml")
    todo = {}
    for docname, path in toc_notebooks(root).items():
        notebook = read_notebook(path, md_config)
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            todo[docname] = (path, notebook)
    return todo


def cell_label(notebook, index: int) -> str:
    """How a message names a cell: its index, its line in the page where known, and its first line of code."""
    cell = notebook.cells[index]
    lines = [line for line in cell.source.splitlines() if line.strip()]
    first = lines[0].strip() if lines else ""
    if len(first) > 80:
        first = first[:77] + "..."
    source_map = notebook.metadata.get("source_map")
    where = f", line {source_map[index] + 1}" if source_map and index < len(source_map) else ""
    return f"cell {index}{where} (`{first}`)"


def _kill_group(pid: int) -> None:
    """Kill the worker's process group: the worker, if still running, and every process its chapter started."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class _Worker:
    docname: str
    notebook: object
    pid: int
    progress: int  # read end of the worker's progress pipe; -1 once closed
    exited: int  # a descriptor readable when the worker has exited (pidfd); -1 where unsupported
    result_file: Path
    timeout: float | None  # seconds each of its cells may run
    cell: int | None = None
    cell_started: float = 0.0
    buffer: bytes = b""

    def read_progress(self) -> None:
        try:
            data = os.read(self.progress, 4096)
        except BlockingIOError:
            return
        if not data:
            os.close(self.progress)
            self.progress = -1
            return
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        if lines:
            self.cell, self.cell_started = int(lines[-1]), time.monotonic()

    def has_exited(self) -> bool:
        """Whether the worker has exited (it stays a zombie, its pid reserved, until reaped)."""
        return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def overran(self) -> bool:
        return self.timeout is not None and self.cell is not None and time.monotonic() - self.cell_started >= self.timeout

    def reap(self) -> int:
        """Kill what is left of the worker's process group, collect its exit status, release its descriptors."""
        _kill_group(self.pid)
        _, status = os.waitpid(self.pid, 0)
        for fd in (self.progress, self.exited):
            if fd >= 0:
                os.close(fd)
        self.progress = self.exited = -1
        return os.waitstatus_to_exitcode(status)


def _error_of(result_file: Path) -> dict | None:
    """The error a worker recorded for its chapter (a cell raised), if it recorded one."""
    try:
        return json.loads(result_file.read_text(encoding="utf-8")).get("error")
    except (OSError, ValueError, AttributeError):
        return None


def notebook_timeout(notebook, timeout: float | None) -> float | None:
    """A page's own limit where its top matter sets one (``mystnb: execution_timeout: N``, as myst-nb reads it)."""
    own = (notebook.metadata.get("mystnb") or {}).get("execution_timeout")
    if own is None:
        return timeout
    return float(own) if float(own) > 0 else None


def _fork_worker(docname: str, path: Path, notebook, execution_dir: Path, result_file: Path, timeout: float | None) -> _Worker:
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the worker
        code = 1
        try:
            os.setpgid(0, 0)
            # Its own group is a background group of the terminal: where the terminal stops background
            # writers (stty tostop), the worker's messages must not stop it.
            signal.signal(signal.SIGTTOU, signal.SIG_IGN)
            os.close(read_end)
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            code = _work(docname, path, notebook, execution_dir, result_file, write_end)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    try:
        os.setpgid(pid, pid)  # also here: the group must exist before anything could be asked to kill it
    except (ProcessLookupError, PermissionError):
        pass  # the worker has already done it (and maybe exec'd or exited)
    os.close(write_end)
    os.set_blocking(read_end, False)
    try:
        exited = os.pidfd_open(pid)
    except (AttributeError, OSError):
        exited = -1
    return _Worker(docname, notebook, pid, read_end, exited, result_file, timeout)


def run(root: Path, execution_dir: Path, cache_path: Path, workers: int | None = None, timeout: float | None = -1) -> dict:
    """Execute every pending chapter in forked workers and cache the results; what ran, how long, what failed.

    ``timeout`` is each cell's limit in seconds (-1: ``execute.timeout`` of ``_config.yml``; None: no limit).
    When a cell overruns it, every worker is stopped and the report's ``timed_out`` says which chapter and cell.
    A chapter whose cell raised is ``failed`` (a kernel executes it) and ``errors`` says which cell and exception.
    """
    todo = pending(root, cache_path)
    report: dict = {"executed": {}, "failed": [], "timed_out": {}, "errors": {}, "stopped": [], "workers": 0}
    if not todo:
        return report
    from jupyter_cache import get_cache

    if timeout == -1:
        timeout = execution_timeout(root)
    # Write the reads logs where Sphinx's extension would; the logs of an earlier try of this build go.
    execution_dir.mkdir(parents=True, exist_ok=True)
    warm_imports(Path(__file__).resolve().parents[1])
    preload_datasets()
    workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    report["workers"] = workers
    queue = sorted(todo.items(), key=lambda item: -item[1][0].stat().st_size)  # longest pages first
    running: list[_Worker] = []
    results: dict[str, Path] = {}
    scratch = Path(tempfile.mkdtemp(prefix="runner-", dir=execution_dir))
    try:
        while queue or running:
            while queue and len(running) < workers and not report["timed_out"]:
                docname, (path, notebook) = queue.pop(0)
                results[docname] = scratch / f"{docname.replace('/', '__')}.json"
                limit = notebook_timeout(notebook, timeout)
                running.append(_fork_worker(docname, path, notebook, execution_dir, results[docname], limit))
            if not running:
                break
            now = time.monotonic()
            deadlines = [w.cell_started + w.timeout for w in running if w.timeout is not None and w.cell is not None]
            wait = max(0.0, min(deadlines) - now) if deadlines else None
            watched = [w.progress for w in running if w.progress >= 0] + [w.exited for w in running if w.exited >= 0]
            if any(w.exited < 0 for w in running):  # no pidfd (Linux < 5.3): look again at least every 50 ms
                wait = 0.05 if wait is None else min(wait, 0.05)
            readable = set(select.select(watched, [], [], wait)[0])
            for worker in list(running):
                if worker.progress in readable:
                    worker.read_progress()
                if worker.exited in readable or (worker.exited < 0 and worker.has_exited()):
                    running.remove(worker)
                    code = worker.reap()
                    error = _error_of(worker.result_file)
                    if error:
                        report["errors"][worker.docname] = error
                        report["failed"].append(worker.docname)
                    elif code != 0 or not worker.result_file.is_file():
                        report["failed"].append(worker.docname)
                elif worker.overran():
                    running.remove(worker)
                    worker.reap()
                    label = cell_label(worker.notebook, worker.cell)
                    report["timed_out"][worker.docname] = f"{label} did not finish within {worker.timeout:g} s"
                    print(
                        f"Runner: {worker.docname}: {label} did not finish within the execution timeout "
                        f"({worker.timeout:g} s, execute.timeout in _config.yml); stopping every chapter.",
                        file=sys.stderr,
                        flush=True,
                    )
            if report["timed_out"]:
                for worker in running:  # the build fails anyway: stop now rather than finish the others
                    worker.reap()
                    report["stopped"].append(worker.docname)
                running.clear()
                queue.clear()
    finally:
        for worker in running:  # an interrupted runner (Ctrl-C, an error above) leaves no worker behind
            worker.reap()
    import nbformat

    cache = get_cache(str(cache_path))
    for docname, (path, _) in sorted(todo.items()):
        if docname in report["failed"] or docname in report["stopped"] or docname in report["timed_out"]:
            continue
        if docname not in results:
            continue
        produced = json.loads(results[docname].read_text(encoding="utf-8"))
        notebook = nbformat.reads(produced["notebook"], as_version=4)
        compat.cache_executed_notebook(cache, notebook, str(path), produced["seconds"])
        report["executed"][docname] = round(produced["seconds"], 3)
    return report
