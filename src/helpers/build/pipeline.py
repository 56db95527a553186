"""The build command: validate, build strictly, and publish only a good build; do only what changed.

0. Every input is hashed once, before anything else (``helpers.build.fingerprint``: data, bibliography,
   chapters, configuration, code, installed packages). If nothing changed since the published site was
   built from that snapshot, there is nothing to do: the command says so and stops.
1. ``python -m helpers validate``: invalid data stop everything before Sphinx starts.
2. Cached executions whose data, code or packages changed are dropped (``helpers.build.cache``), and the
   chapters without a cached execution are executed by ``helpers.build.runner`` (forked workers, every
   core). Each chapter's reads are logged with the hash of the content it used; a chapter that reads a
   file outside the report or reaches for the network is refused (``helpers.build.reads``).
3. Jupyter Book is started before validation (its imports overlap it) and waits for its orders; it then
   builds in-process (``helpers.compat.build_jupyter_book``). Sphinx waits for the runner, then reads the
   pages. It keeps its environment in ``_build/.sphinx`` and re-reads only the pages that changed, plus the
   chapters the runner just executed. When only data changed it writes only those pages, and
   ``helpers.sphinxext`` gives every page the data fingerprint *of the snapshot*; when a page's text
   changed, it writes every page. Whenever the configuration, table of contents, code, bibliography, static
   files or packages changed, or the previous build failed, it starts from nothing instead. Warnings are
   errors, so an unchanged page has none to repeat: the last build that kept it was strict and succeeded.
4. What was built must be what was validated: the inputs are hashed again and every chapter's logged reads
   compared with the snapshot. A file that changed during the build (a data edit, a bibliography entry
   added while Sphinx ran) fails the build, naming the file: run it again.
5. Only if the build succeeded strictly, from the snapshot, does a copy of its HTML replace ``_build/html``,
   by renaming it into place; otherwise ``_build/html`` is left exactly as it was, the kept Sphinx
   environment is discarded, and the command ends with the first error, once (``helpers.build.failure``).

Every build writes ``_build/execution-report.json``: what was published, from which inputs and data
fingerprint, which chapters executed, which came from the cache, which cached executions were dropped and
why, and the files each chapter read. Leftovers of a killed build (``_build/.staging-*``, ``.retired-*``)
are removed by the next one.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import yaml

from helpers.build.failure import FirstError, first_error, rebuild_reason
from helpers.build.fingerprint import Snapshot, changed_packages, fingerprints, structure_parts
from helpers.build.protocol import (
    DATA_FINGERPRINT_ENV,
    EXECUTION_DIR_ENV,
    EXECUTION_DIR_NAME,
    IPYTHONDIR_ENV,
    LEFTOVER_PREFIXES,
    RETIRED_PREFIX,
    RUNNER_DONE_NAME,
    RUNNER_REPORT_ENV,
    RUNNER_SIGNAL_ENV,
    RUNNER_SIGNAL_NAME,
    STAGING_PREFIX,
    build_dir,
    cache_dir,
    lock_path,
    published_dir,
    published_state_path,
    report_path,
    sphinx_dir,
    sphinx_state_path,
)
from helpers.build.reads import docname_of, kernel_ipython_dir, read_entries, reads_logs, refusals
from helpers.compat import JUPYTER_BOOK_MIRRORED, jupyter_book_output

# The Sphinx and execution-cache modules are imported where a build needs them, so that an up-to-date
# check costs no more than hashing the inputs.


def _read_json(path: Path) -> dict:
    """A JSON record the build wrote; {} when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1), encoding="utf-8")


def write_build_config(root: Path, staging: Path) -> Path:
    """``_config.yml`` with execution switched to the data-aware cache.

    ``_config.yml`` itself keeps ``execute_notebooks: force``: a plain ``jupyter-book build``, which
    skips the invalidation step, re-executes everything rather than serve stale outputs.
    """
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})
    config["execute"]["execute_notebooks"] = "cache"
    config["execute"]["cache"] = str(cache_dir(root))
    target = staging / "_config.yml"
    target.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def _exchange(first: Path, second: Path) -> bool:
    """Swap two directories in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0


def swap_into_place(new_html: Path, published: Path) -> None:
    """Replace ``published`` by ``new_html`` by renaming on one file system: readers never see a half-copied site.

    Where the kernel can exchange two directories atomically, ``_build/html`` never goes missing either;
    elsewhere the old site is renamed aside and the new one renamed in, microseconds apart.
    """
    published.parent.mkdir(parents=True, exist_ok=True)
    if published.is_dir() and _exchange(new_html, published):
        shutil.rmtree(new_html, ignore_errors=True)  # now holds the previous site
        return
    retired = None
    if published.exists():
        retired = Path(tempfile.mkdtemp(prefix=RETIRED_PREFIX, dir=published.parent)) / "html"
        published.rename(retired)
    try:
        new_html.rename(published)
    except OSError:
        if retired is not None:
            retired.rename(published)
        raise
    if retired is not None:
        shutil.rmtree(retired.parent, ignore_errors=True)


def stage_site(built: Path, published: Path, staged: Path) -> None:
    """Copy the site Sphinx built into ``staged``; a file the published site holds unchanged (same size and
    modification time: Sphinx did not write it again) is linked from there instead of copied.

    Safe because nothing ever writes into the published site: it is only ever replaced whole
    (:func:`swap_into_place`), so a linked file cannot change under the new site either.
    """

    def copy(source: str, target: str) -> str:
        old = published / Path(source).relative_to(built)
        try:
            mine, theirs = os.stat(source), os.stat(old)
            if (mine.st_size, mine.st_mtime_ns) == (theirs.st_size, theirs.st_mtime_ns):
                os.link(old, target)
                return target
        except OSError:
            pass
        return shutil.copy2(source, target)

    shutil.copytree(built, staged, copy_function=copy)


def _write_report(root: Path, report: dict) -> None:
    _write_json(report_path(root), report)


def _summary(executed: list[str], from_cache: list[str]) -> str:
    shown = ", ".join(executed) if executed else "none"
    return f"Executed {len(executed)} chapter(s) ({shown}); {len(from_cache)} served from the execution cache."


# Jupyter Book, started before validation so that importing Sphinx, Jupyter Book and their extensions
# (over a second) overlaps validating the data. It touches nothing until it reads its orders (the build's
# arguments and environment) from standard input; it exits without a trace when standard input closes
# without them, which is what happens when the data are invalid. It then builds in-process through
# ``helpers.compat.build_jupyter_book`` (what ``jupyter-book build`` calls), and ends its process as soon as
# the build has finished: Python's own teardown of a process holding every page's doctree takes about a
# second and writes nothing (Sphinx has closed every file it wrote; the execution cache commits as it goes).
JUPYTER_BOOK_ARMED = """
import importlib, json, os, sys
for name in ("jupyter_book.sphinx", "jupyter_book.config", "sphinx.application", "myst_nb", "sphinx_book_theme",
             "sphinxcontrib.bibtex", "sphinx_design", "sphinx_external_toc", "sphinx_togglebutton",
             "sphinx_copybutton", "sphinx_comments", "sphinx_thebe", "sphinx_multitoc_numbering", "helpers.sphinxext",
             "helpers.compat"):
    try:
        importlib.import_module(name)
    except Exception:
        pass
line = sys.stdin.readline()
if not line.strip():
    os._exit(0)
orders = json.loads(line)
os.environ.update(orders["env"])
try:
    from helpers.compat import build_jupyter_book
    code = build_jupyter_book(**orders["build"])
except BaseException:
    import traceback
    traceback.print_exc()
    code = 1
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
"""


def arm_jupyter_book(root: Path, own_session: bool = False) -> subprocess.Popen:
    """Start Jupyter Book's process: it imports Sphinx and the extensions, then waits for one build's orders.

    ``own_session``: out of reach of the terminal's Ctrl+C (for a process kept armed between builds, which its
    owner ends itself).
    """
    return subprocess.Popen(
        [sys.executable, "-c", JUPYTER_BOOK_ARMED],
        cwd=root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, in order: the build finds the first warning in it
        text=True,
        start_new_session=own_session,
        errors="replace",
    )


def disarm(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()


def _run_showing_final_paths(
    process: subprocess.Popen, orders: dict, env: dict, root: Path, built: Path, first: FirstError
) -> int:
    """Give the armed Jupyter Book its orders and pass its output through, naming _build/html for Sphinx's output;
    ``first`` keeps the first error back (the build prints it once, at its end)."""
    replacements = [
        (str(built), str(published_dir(root))),
        (str(built.relative_to(root)), str(published_dir(root).relative_to(root))),
    ]
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(json.dumps({"build": orders, "env": env}) + "\n")
        process.stdin.close()
    except BrokenPipeError:
        pass
    for line in process.stdout:
        for old, new in replacements:
            line = line.replace(old, new)
        if first.passes(line):
            sys.stdout.write(line)
            sys.stdout.flush()
    return process.wait()


def up_to_date(root: Path, inputs: str) -> dict | None:
    """The record of the published build if it was built from exactly ``inputs`` and is still complete."""
    record = _read_json(report_path(root))
    if _read_json(published_state_path(root)).get("inputs") != inputs or not record.get("published"):
        return None
    if not (published_dir(root) / "index.html").is_file():
        return None
    return record


def _refuse_invalid_data(root: Path, problems: list) -> None:
    """Say why the build did not start: the output ends with the problems in the data (file, row and column),
    each once, the first first (as ``python -m helpers validate`` lists them)."""
    print(
        f"Build not started: the data have {len(problems)} problem(s), listed below; nothing was built and nothing "
        f"was published: {published_dir(root).relative_to(root)} is unchanged.",
        file=sys.stderr,
    )
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


def build(
    root: Path,
    validate,
    executor: str = "runner",
    jupyter_book: subprocess.Popen | None = None,
    on_published: Callable[[], None] | None = None,
) -> int:
    """Run the whole build for the report at ``root``; ``validate()`` returns the problems in the data ([] = valid).

    ``jupyter_book``: a Jupyter Book process already armed (:func:`arm_jupyter_book`) by a caller that keeps
    one ready (``python -m helpers preview``); it is used for this build only and ended by it. ``on_published``
    is called the moment the new site is in place (the preview reloads its pages then, not after the bookkeeping).

    ``executor``: ``runner`` (``helpers.build.runner`` executes the chapters before Sphinx reads them) or
    ``kernel`` (myst-nb executes each in a Jupyter kernel of its own, as a plain Jupyter Book build would).
    """
    started = datetime.now(UTC).isoformat(timespec="seconds")
    current = fingerprints(root)
    previous = up_to_date(root, current.inputs)
    if previous is not None:
        _remove_leftovers_if_idle(root)
        every = sorted({*previous.get("executed", []), *previous.get("from_cache", [])})
        _write_report(
            root,
            {
                **previous,
                "started": started,
                "executed": [],
                "from_cache": every,
                "invalidated": {},
                "outcome": "up to date: nothing the build reads changed since the published build",
            },
        )
        print(
            "Up to date: no data, chapter, configuration, code or package changed since the published build "
            f"(inputs {current.inputs[:12]}); {published_dir(root).relative_to(root)} is unchanged."
        )
        if jupyter_book is not None:
            disarm(jupyter_book)
        return 0
    if jupyter_book is None:
        jupyter_book = arm_jupyter_book(root)
    try:
        problems = validate()
        if problems:
            disarm(jupyter_book)
            if report_path(root).parent.is_dir():
                _write_report(
                    root,
                    {
                        "started": started,
                        "published": False,
                        "outcome": "invalid data: build not started",
                        "first_error": str(problems[0]),
                    },
                )
            _refuse_invalid_data(root, problems)
            return 1
        print("Validation passed: every dataset in data/ and bib/, CITATION.cff and chapters/places.yml are consistent.")
        build_root = build_dir(root)
        build_root.mkdir(parents=True, exist_ok=True)
        with lock_path(root).open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print("Waiting for another build of this report to finish...", file=sys.stderr, flush=True)
                fcntl.flock(lock, fcntl.LOCK_EX)
            return _build_locked(root, build_root, started, current, jupyter_book, executor, on_published)
    finally:
        disarm(jupyter_book)


def _start_runner(root: Path, execution_dir: Path, done: Path, signal_fd: int) -> threading.Thread:
    """Fork the execution step from this process; when it ends, ``done`` holds its report (or says it failed),
    and a line written to ``signal_fd`` (the FIFO Sphinx waits on) says so.

    The step drops the cached executions whose files changed (``helpers.build.cache``), then executes
    every chapter without a cached execution (``helpers.build.runner``). Forked, not started afresh:
    validation has just imported pandas and the rest and loaded every dataset, so it starts warm.
    Call this before any thread is started.
    """
    partial = done.with_suffix(".partial")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the execution step
        code = 1
        try:
            from helpers.build import cache as execution
            from helpers.build.runner import run

            prep = execution.invalidate_stale(root)
            for docname, reason in sorted(prep.invalidated.items()):
                print(f"Execution cache: {docname} will run again ({reason}).", flush=True)
            report = run(root, execution_dir, cache_dir(root))
            report["preparation"] = prep.to_json()
            partial.write_text(json.dumps(report, indent=1), encoding="utf-8")
            for docname in report["failed"]:
                print(f"Runner: {docname} did not run here; Jupyter will execute it in a kernel.", flush=True)

            code = 0
        except BaseException:  # noqa: BLE001 - an accelerator: whatever it did not execute, Sphinx executes
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def finish() -> None:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not partial.is_file():
            # Stale executions may still be cached: Sphinx must stop rather than serve them.
            partial.write_text(json.dumps({"executed": {}, "failed": [], "crashed": True}), encoding="utf-8")
        partial.replace(done)
        os.write(signal_fd, b"done\n")
        # Recording the executions after Sphinx needs the execution cache's library: import it now, on the
        # core the runner has just left, rather than after Sphinx has finished.
        import jupyter_cache  # noqa: F401

    waiter = threading.Thread(target=finish, daemon=True)
    waiter.start()
    return waiter


def _remove_leftovers_if_idle(root: Path) -> None:
    """Remove a killed build's leftovers when no build is running (an up-to-date check does not wait for one)."""
    with lock_path(root).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        remove_leftovers(build_dir(root))


def remove_leftovers(build_root: Path) -> list[str]:
    """Remove what killed builds left in ``_build`` (staging and retired folders); call it holding the build lock."""
    removed = []
    for entry in sorted(build_root.iterdir()) if build_root.is_dir() else []:
        if entry.name.startswith(LEFTOVER_PREFIXES) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed


_PAGE_FINGERPRINT = re.compile(r'class="report-edition-fingerprint">([0-9a-f]+)<')


def departures(root: Path, snapshot: Snapshot, execution_dir: Path, built: Path | None) -> list[str]:
    """How this build departs from the snapshot it validated; [] when what was built is exactly what was validated.

    - a chapter read a file outside the report or tried to reach the network (refused in the chapter);
    - an input differs now from the snapshot (edited, added or removed while the build ran);
    - a chapter read a file with content other than the snapshot's (edited and restored while it ran);
    - a page names a data fingerprint other than the snapshot's.
    """
    problems = refusals(execution_dir)
    now = fingerprints(root)
    changed = snapshot.changed_files(now)
    upgraded = changed_packages(snapshot.packages, now.packages)
    read_otherwise = set()
    for log in reads_logs(execution_dir):
        for entry in read_entries(log):
            name = entry.get("file")
            if name in snapshot.files and entry.get("sha256") != snapshot.files[name]:
                read_otherwise.add((docname_of(log), name))
    if changed or upgraded:
        what = ", ".join([*changed[:8], *(["..."] if len(changed) > 8 else []), *upgraded])
        problems.append(f"{what} changed during the build, so what was built is not what was validated; run the build again")
    for docname, name in sorted(read_otherwise):
        if name not in changed:
            problems.append(
                f"{name} changed during the build ({docname} read other content than was validated); run the build again"
            )
    shown = set()
    for page in sorted(built.rglob("*.html")) if built is not None and built.is_dir() else []:
        shown.update(_PAGE_FINGERPRINT.findall(page.read_text(encoding="utf-8", errors="replace")))
    if shown - {snapshot.data}:
        problems.append(f"the pages name data fingerprint {', '.join(sorted(shown))}, not the snapshot's {snapshot.data}")
    return problems


def _prepare_for_kernels(root: Path, done: Path) -> None:
    """``--executor kernel``: drop stale executions here; Sphinx re-reads every chapter without one, and myst-nb
    executes it in a kernel. ``done`` gets the report the runner would write, with those chapters as ``kernel``."""
    from helpers.build import cache as execution
    from helpers.build.runner import pending

    prep = execution.invalidate_stale(root)
    for docname, reason in sorted(prep.invalidated.items()):
        print(f"Execution cache: {docname} will run again ({reason}).", flush=True)
    kernel = sorted(pending(root, cache_dir(root)))
    done.write_text(json.dumps({"executed": {}, "failed": [], "kernel": kernel, "preparation": prep.to_json()}))


def _build_locked(
    root: Path,
    build_root: Path,
    started: str,
    current: Snapshot,
    jupyter_book: subprocess.Popen,
    executor: str = "runner",
    on_published: Callable[[], None] | None = None,
) -> int:
    from helpers.build import cache as execution

    leftovers = remove_leftovers(build_root)
    if leftovers:
        print(f"Removed what an interrupted build left behind: {', '.join(leftovers)}.")
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=build_root))
    kept = sphinx_dir(root)
    pinned = json.dumps({"root": str(root.resolve()), "fingerprint": current.data})
    os.environ[DATA_FINGERPRINT_ENV] = pinned  # for the chapters the runner forks from this process
    signal_fd, waiter = -1, None
    try:
        execution_dir = staging / EXECUTION_DIR_NAME
        config = write_build_config(root, staging)
        kept_state = _read_json(sphinx_state_path(root))
        parts = structure_parts(current, root)
        if kept_state.get("structure") != current.structure:
            shutil.rmtree(kept, ignore_errors=True)
            package = Path(__file__).resolve().parents[1]
            last_failed = _read_json(report_path(root)).get("published") is False
            why = rebuild_reason(kept_state.get("parts"), parts, root, package, last_failed)
            print(f"Sphinx: building every page from nothing ({why}).")
        else:
            print("Sphinx: re-reading only the pages that changed and the chapters executed now.")
        kept.mkdir(parents=True, exist_ok=True)
        sphinx_state_path(root).unlink(missing_ok=True)  # a build that stops half-way leaves no claim to be reusable
        runner_done = staging / RUNNER_DONE_NAME
        env = {
            EXECUTION_DIR_ENV: str(execution_dir),
            RUNNER_REPORT_ENV: str(runner_done),
            DATA_FINGERPRINT_ENV: pinned,
            # A chapter myst-nb executes in a kernel (every chapter with --executor kernel; with the runner, one
            # it could not execute) is recorded and guarded from its first cell too.
            IPYTHONDIR_ENV: str(kernel_ipython_dir(staging)),
        }
        if executor == "kernel":
            _prepare_for_kernels(root, runner_done)
        else:
            # Held open for reading and writing here, so Sphinx can open it at any time and a line written
            # before it does waits in the FIFO.
            os.mkfifo(staging / RUNNER_SIGNAL_NAME)
            signal_fd = os.open(staging / RUNNER_SIGNAL_NAME, os.O_RDWR | os.O_NONBLOCK)
            env[RUNNER_SIGNAL_ENV] = str(staging / RUNNER_SIGNAL_NAME)
            waiter = _start_runner(root, execution_dir, runner_done, signal_fd)
        orders = {"source": str(root), "path_output": str(kept), "config": str(config)}  # strict, keep going
        print(f"Running Jupyter Book {JUPYTER_BOOK_MIRRORED} in-process: {root} -> {kept} (strict).", flush=True)
        built = jupyter_book_output(kept)
        first = FirstError(root)
        returncode = _run_showing_final_paths(jupyter_book, orders, env, root, built, first)
        if waiter is not None:
            waiter.join()
        runner_report = json.loads(runner_done.read_text(encoding="utf-8"))
        prep = execution.Preparation.from_json(runner_report.get("preparation"))
        problems = departures(root, current, execution_dir, built)
        if returncode != 0 or not (built / "index.html").is_file() or problems:
            summary = execution.record_executions(root, execution_dir, prep)
            report = {"started": started, "inputs": current.inputs, "data_fingerprint": current.data, **summary}
            why, traceback_text = first_error(root, problems, runner_report, first.finish(), returncode)
            shutil.rmtree(kept, ignore_errors=True)
            _write_report(root, {**report, "published": False, "outcome": f"build failed: {why}", "first_error": why})
            if traceback_text:
                print(f"Traceback (most recent call last):\n{traceback_text}", file=sys.stderr)
            print(f"Build failed: {why}", file=sys.stderr)
            print(f"Nothing was published: {published_dir(root).relative_to(root)} is unchanged.", file=sys.stderr)
            return returncode if returncode > 0 else 1
        new_html = staging / "html"
        stage_site(built, published_dir(root), new_html)
        swap_into_place(new_html, published_dir(root))
        if on_published is not None:
            on_published()
        # Recorded after publishing (readers need not wait for it): an execution cached but not yet recorded
        # when a build is killed here is dropped by the next build's check and executed again.
        summary = execution.record_executions(root, execution_dir, prep)
        report = {"started": started, "inputs": current.inputs, "data_fingerprint": current.data, **summary}
        _write_json(sphinx_state_path(root), {"structure": current.structure, "parts": parts})
        _write_report(root, {**report, "published": True, "outcome": "published"})
        _write_json(published_state_path(root), {"inputs": current.inputs})
        print(_summary(summary["executed"], summary["from_cache"]))
        print(f"Published: {published_dir(root) / 'index.html'} (record: {report_path(root).relative_to(root)}).")
        return 0
    finally:
        os.environ.pop(DATA_FINGERPRINT_ENV, None)
        if signal_fd >= 0 and (waiter is None or not waiter.is_alive()):  # else the waiter may still write to it
            os.close(signal_fd)
        shutil.rmtree(staging, ignore_errors=True)
