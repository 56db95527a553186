"""Discover which files a chapter reads while it executes (kernel side of the data-aware build).

The build (``helpers.build.cache``) gives each chapter's kernel an environment variable naming a log
file. When a process executing a chapter calls ``start_recording`` with that variable set (a runner worker
does; with ``--executor kernel`` each kernel's IPython startup file does, see ``kernel_ipython_dir``), an
audit hook (PEP 578) records every
file the kernel opens inside the report (data/, bib/, anything else under the root) or inside this
package's own source, with the SHA-256 of its content at that moment, one JSON line per file. A directory
listed outside the import system (a loader globbing ``data/survey/*.csv``) is recorded too, as ``data/survey/``
with the hash of its listing, so adding a file there re-runs the chapters that globbed it.

Nothing is declared by hand: a new chapter, or a new dataset read through a new loader, is tracked
the moment it is read. Outside a build (a reader's notebook, the tests) the variable is absent and
nothing is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from helpers.build.protocol import KERNEL_IPYTHON_NAME, KERNEL_STARTUP_NAME, READS_LOG_ENV

# Parts of the tree that are outputs, caches or tooling, never inputs of a chapter.
_IGNORED_PARTS = {"_build", "__pycache__", ".venv", "venv", ".git"}

_state: dict = {"installed": False, "busy": False, "seen": set(), "record": None}


def file_key(path: Path, root: Path) -> str:
    """How a dependency is named in the record: relative to the root where possible (portable), else absolute."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _listing(path: Path) -> list[str]:
    return sorted(name for name in os.listdir(path) if not name.startswith(".") and name not in _IGNORED_PARTS)


def sha256_of(path: Path) -> str:
    """A file's content hash; for a directory, the hash of its sorted listing (a file added or removed changes it)."""
    if path.is_dir():
        return hashlib.sha256("\n".join(_listing(path)).encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tracked(path: Path, bases: tuple[Path, ...]) -> bool:
    for base in bases:
        try:
            relative = path.relative_to(base)
        except ValueError:
            continue
        parts = relative.parts
        return bool(parts) and not any(p in _IGNORED_PARTS or p.startswith(".") for p in parts)
    return False


def note_read(path: Path) -> None:
    """Record ``path`` as read by this chapter even where its content comes from a loader's in-memory cache.

    ``helpers.build.runner`` loads the datasets once in its parent process, so a worker's loader returns them
    without opening the file; the loaders call this on every call, cached or not. Outside a recording
    process it does nothing.
    """
    record = _state["record"]
    if record is None or _state["busy"]:
        return
    _state["busy"] = True
    try:
        record(Path(path).resolve())
    except OSError:
        pass
    finally:
        _state["busy"] = False


def reads_log(execution_dir: Path, docname: str) -> Path:
    """Where the kernel (or runner worker) executing ``docname`` logs the files it reads (one JSON line per file)."""
    return Path(execution_dir) / "reads" / (docname.replace("/", "__") + ".jsonl")


def start_recording(in_kernel: bool = False) -> bool:
    """Install the audit hook if this process executes a chapter for the build; True if installed.

    A Jupyter kernel is recognised by ipykernel being loaded; ``helpers.build.runner``'s workers say so with
    ``in_kernel``.
    """
    log = os.environ.get(READS_LOG_ENV)
    if not log or _state["installed"] or not (in_kernel or "ipykernel" in sys.modules):
        return False
    from helpers.data.paths import observe_reads
    from helpers.data.paths import root as find_root

    root = find_root()
    package = Path(__file__).resolve().parents[1]  # the helpers package
    bases = (package, root)
    log_path = Path(log)

    def record(path: Path, directory: bool = False) -> None:
        key = file_key(path, root) + ("/" if directory else "")
        if key in _state["seen"]:
            return
        _state["seen"].add(key)
        line = json.dumps({"file": key, "sha256": sha256_of(path)})
        with log_path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def importable(directory: Path) -> bool:
        # Python's import system lists sys.path entries and packages; those listings are not data reads.
        entries = {Path(p or ".").resolve() for p in sys.path if isinstance(p, str)}
        return directory in entries or (directory / "__init__.py").is_file()

    def listed(args: tuple) -> None:
        target = args[0] if args else None
        if not isinstance(target, str | bytes | os.PathLike):
            return
        path = Path(os.fsdecode(target))
        path = (path if path.is_absolute() else Path.cwd() / path).resolve()
        if path.is_dir() and _tracked(path, bases) and not importable(path):
            record(path, directory=True)

    def hook(event: str, args: tuple) -> None:
        if event in ("os.listdir", "os.scandir") and not _state["busy"]:
            _state["busy"] = True
            try:
                listed(args)
            except OSError:
                pass
            finally:
                _state["busy"] = False
            return
        if event != "open" or _state["busy"]:
            return
        target, mode, flags = args[0], args[1], args[2] if len(args) > 2 else 0
        if not isinstance(target, str | bytes | os.PathLike):
            return
        if isinstance(mode, str) and any(c in mode for c in "wax+"):
            return
        if mode is None and isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR):
            return
        _state["busy"] = True
        try:
            path = Path(os.fsdecode(target))
            path = (path if path.is_absolute() else Path.cwd() / path).resolve()
            if path.is_file() and _tracked(path, bases):
                record(path)
        except OSError:
            pass
        finally:
            _state["busy"] = False

    log_path.parent.mkdir(parents=True, exist_ok=True)
    _state["installed"] = True
    _state["record"] = record
    sys.addaudithook(hook)
    observe_reads(note_read)
    # Modules of this package imported before the hook existed are code the chapter depends on too.
    _state["busy"] = True
    try:
        for name, module in sorted(sys.modules.items()):
            source = getattr(module, "__file__", None)
            if (name == "helpers" or name.startswith("helpers.")) and source and Path(source).is_file():
                record(Path(source).resolve())
    finally:
        _state["busy"] = False
    return True


# The startup file every chapter's kernel runs in ``build --executor kernel``: nothing imports helpers for it.
KERNEL_STARTUP = """\
# Written by `python -m helpers build --executor kernel`: record the files this chapter's kernel reads.
from helpers.build.reads import start_recording

start_recording()
"""


def kernel_ipython_dir(staging: Path) -> Path:
    """A build-owned IPython directory (for ``IPYTHONDIR``) whose startup file starts recording in each kernel.

    IPython runs every ``profile_default/startup/*.py`` when a kernel starts, before the first cell, without
    output and without counting an execution; ``start_recording`` installs the hook only where ``READS_LOG_ENV``
    is set, which ``helpers.sphinxext`` sets for the page whose kernel myst-nb is about to start.
    """
    directory = Path(staging) / KERNEL_IPYTHON_NAME
    startup = directory / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / KERNEL_STARTUP_NAME).write_text(KERNEL_STARTUP, encoding="utf-8")
    return directory
