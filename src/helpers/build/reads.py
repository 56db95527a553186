"""What a chapter may do while the build executes it: read the report's inputs (recorded), nothing else.

The build (``helpers.build.cache``) gives each chapter's process an environment variable naming a log
file. :func:`start_recording` (called by ``helpers.build.runner``'s workers, and by the IPython startup
file the build gives Jupyter kernels) installs an audit hook (PEP 578) that:

- records every file the chapter opens inside the report (data/, bib/, anything else under the root) or
  inside this package's own source, with the SHA-256 of the content it read, one JSON line per file. A
  dataset a loader serves from memory is recorded with the hash of the bytes it was parsed from
  (``helpers.data.paths.read_input``), not of the file on disk now. A directory listed outside the import
  system (a loader globbing ``data/survey/*.csv``) is recorded too, as ``data/survey/`` with the hash of its
  listing, so adding a file there re-runs the chapters that globbed it;
- refuses to open a file outside the report for reading (the Python installation, ``/proc``, ``/dev``,
  ``/sys`` and files the chapter wrote itself excepted): such a file would be an input the build cannot
  see change. The chapter fails with an error naming it and the file, and the log says so too, so the
  build fails even if the chapter swallowed the error;
- refuses any network connection or name lookup beyond loopback, the same way: a chapter's output must
  depend only on the report's inputs, and the build runs offline.

Nothing is declared by hand: a new chapter, or a new dataset read through a new loader, is tracked
the moment it is read. Outside a build (a reader's notebook, the tests) the variable is absent and
nothing is installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import ipaddress
import json
import mimetypes
import os
import site
import socket
import sys
import sysconfig
import zoneinfo
from pathlib import Path

from helpers.build.protocol import KERNEL_IPYTHON_NAME, KERNEL_STARTUP_NAME, READS_DIR_NAME, READS_LOG_ENV
from helpers.data.paths import not_an_input

_state: dict = {"installed": False, "busy": False, "seen": set(), "record": None, "written": set(), "resolved": {}}

# Where a chapter's process may read outside the report: the kernel's own view of the machine, and the
# system files the standard library reads by itself (time zones, the table of MIME types).
SYSTEM_READABLE = ("/proc", "/dev", "/sys", "/etc/localtime", "/etc/timezone", *zoneinfo.TZPATH, *mimetypes.knownfiles)


class OutsideReadError(PermissionError):
    """A chapter opened a file outside the report: the build could not tell when it changes."""


class NetworkRefusedError(ConnectionRefusedError):
    """A chapter tried to reach the network during the build."""


def file_key(path: Path, root: Path) -> str:
    """How a dependency is named in the record: relative to the root where possible (portable), else absolute."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _listing(path: Path) -> list[str]:
    return sorted(name for name in os.listdir(path) if not not_an_input(name))


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
        return bool(parts) and not any(not_an_input(p) for p in parts)
    return False


def note_read(path: Path, digest: str | None = None) -> None:
    """Record ``path`` as read by this chapter even where its content comes from a loader's in-memory cache.

    ``helpers.build.runner`` loads the datasets once in its parent process, so a worker's loader returns them
    without opening the file; the loaders call this on every call, cached or not, with the hash of the bytes
    they parsed (``digest``). Outside a recording process it does nothing.
    """
    record = _state["record"]
    if record is None or _state["busy"]:
        return
    _state["busy"] = True
    try:
        resolved = _state["resolved"].get(path)
        if resolved is None:
            resolved = _state["resolved"][path] = Path(path).resolve()
        record(resolved, digest=digest)
    except OSError:
        pass
    finally:
        _state["busy"] = False


def reads_log(execution_dir: Path, docname: str) -> Path:
    """Where the kernel (or runner worker) executing ``docname`` logs the files it reads (one JSON line per file)."""
    return Path(execution_dir) / READS_DIR_NAME / (docname.replace("/", "__") + ".jsonl")


def reads_logs(execution_dir: Path) -> list[Path]:
    """Every chapter's reads log of a build."""
    return sorted((Path(execution_dir) / READS_DIR_NAME).glob("*.jsonl"))


def docname_of(log: Path) -> str:
    """The chapter whose reads ``log`` holds (the inverse of :func:`reads_log`)."""
    return Path(log).stem.replace("__", "/")


def read_entries(log: Path) -> list[dict]:
    """The lines of a reads log: ``{"file", "sha256"}`` for a read, ``{"refused", "what"}`` for a refused act."""
    if not Path(log).is_file():
        return []
    return [json.loads(line) for line in Path(log).read_text(encoding="utf-8").splitlines() if line.strip()]


def refusals(execution_dir: Path) -> list[str]:
    """Every file read outside the report and every network attempt refused in a chapter of this build."""
    found = []
    for log in reads_logs(execution_dir):
        for entry in read_entries(log):
            if "refused" in entry and entry["refused"] not in found:
                found.append(entry["refused"])
    return found


def _python_installation() -> tuple[Path, ...]:
    """Where the interpreter, the standard library and the installed packages live (readable by any chapter)."""
    places = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *site.getsitepackages()}
    places.add(site.getusersitepackages())
    places.update(p for name, p in sysconfig.get_paths().items() if name in ("stdlib", "platstdlib", "purelib", "platlib"))
    # Folders on sys.path hold importable code (PYTHONPATH, an editable install); the filesystem root does not count.
    places.update(p for p in sys.path if isinstance(p, str) and p and Path(p).is_dir())
    resolved = {Path(p).resolve() for p in places if p}
    return tuple(sorted(p for p in resolved if p != Path(p.anchor)))


def _is_loopback(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]")
    if host in ("", "localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


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
    chapter = docname_of(log_path)
    readable = (*bases, *_python_installation(), *(Path(p) for p in SYSTEM_READABLE))

    def write(entry: dict) -> None:
        busy, _state["busy"] = _state["busy"], True
        try:
            with log_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")
        finally:
            _state["busy"] = busy

    def record(path: Path, directory: bool = False, digest: str | None = None) -> None:
        key = file_key(path, root) + ("/" if directory else "")
        digest = digest or sha256_of(path)
        if (key, digest) in _state["seen"]:
            return
        _state["seen"].add((key, digest))
        write({"file": key, "sha256": digest})

    def refuse(error: type[OSError], what: str, why: str) -> OSError:
        message = f"{chapter}: {what} refused during the build: {why}"
        write({"refused": message, "what": what})
        return error(message)

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

    def opened(args: tuple) -> None:
        target, mode, flags = args[0], args[1], args[2] if len(args) > 2 else 0
        if not isinstance(target, str | bytes | os.PathLike):
            return  # a file descriptor: opened (and checked) before
        path = Path(os.fsdecode(target))
        path = (path if path.is_absolute() else Path.cwd() / path).resolve()
        writing = isinstance(mode, str) and any(c in mode for c in "wax+")
        writing = writing or (mode is None and isinstance(flags, int) and bool(flags & (os.O_WRONLY | os.O_RDWR)))
        if writing:
            _state["written"].add(path)
            return
        if not path.is_file():
            return  # a folder opened to walk it, or a file that is not there: nothing is read
        if path.suffix == ".pyc" and path.parent.name == "__pycache__":
            # Importing a module whose bytecode is cached reads the .pyc, not the source: the chapter depends on
            # the source all the same (whether a module of the report is imported before or after the hook).
            try:
                source = Path(importlib.util.source_from_cache(str(path)))
            except ValueError:
                return
            if source.is_file() and _tracked(source, bases):
                record(source)
            return
        if _tracked(path, bases):
            record(path)
        elif not any(path.is_relative_to(place) for place in readable) and path not in _state["written"]:
            raise refuse(
                OutsideReadError,
                f"reading {path}",
                "the file is outside the report, so the build cannot tell when it changes; "
                "put it under data/ (with a schema and a loader) and read it through helpers",
            )

    def connecting(event: str, args: tuple) -> None:
        if event == "socket.getaddrinfo":
            host, port = args[0], args[1]
        else:
            sock, address = args[0], args[1]
            if getattr(sock, "family", None) not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
                return  # a Unix socket: local by definition
            host, port = address[0], address[1]
        if not _is_loopback(host):
            target = host.decode("ascii", "replace") if isinstance(host, bytes) else host
            raise refuse(
                NetworkRefusedError,
                f"connecting to {target}:{port}",
                "a chapter may not use the network (its output must depend only on the report's inputs)",
            )

    def hook(event: str, args: tuple) -> None:
        if _state["busy"]:
            return
        if event in ("socket.connect", "socket.getaddrinfo", "socket.sendto"):
            connecting(event, args)  # raises, busy or not: nothing here opens a file
            return
        if event not in ("open", "os.listdir", "os.scandir"):
            return
        _state["busy"] = True
        try:
            if event == "open":
                opened(args)
            else:
                listed(args)
        except OutsideReadError:
            raise
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
