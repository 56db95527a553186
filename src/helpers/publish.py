"""The build command: validate, build strictly into a fresh directory, and publish only a good build.

1. ``python -m helpers validate``: invalid data stop everything before Sphinx starts.
2. Cached executions whose data changed are dropped (``helpers.execution``).
3. Jupyter Book builds the whole book (fresh Sphinx environment, every page re-read, so every warning
   of every page is seen) into ``_build/.staging-*``, with notebooks served from the execution
   cache (``_build/.jupyter_cache``) unless their code or data changed.
4. Only if that build succeeded strictly does its HTML replace ``_build/html``, by renaming it into
   place; otherwise ``_build/html`` is left exactly as it was and the command says why.

Every build writes ``_build/execution-report.json``: what was published, which chapters executed,
which came from the cache, which cached executions were dropped and why, and the files each chapter
read.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import yaml

from . import execution
from .sphinxext import EXECUTION_DIR_ENV

REPORT_NAME = "execution-report.json"


def published_dir(root: Path) -> Path:
    return root / "_build" / "html"


def report_path(root: Path) -> Path:
    return root / "_build" / REPORT_NAME


def write_build_config(root: Path, staging: Path) -> Path:
    """``_config.yml`` with execution switched to the data-aware cache.

    ``_config.yml`` itself keeps ``execute_notebooks: force``: a plain ``jupyter-book build``, which
    skips the invalidation step, re-executes everything rather than serve stale outputs.
    """
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})
    config["execute"]["execute_notebooks"] = "cache"
    config["execute"]["cache"] = str(execution.cache_dir(root))
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
        retired = Path(tempfile.mkdtemp(prefix=".retired-", dir=published.parent)) / "html"
        published.rename(retired)
    try:
        new_html.rename(published)
    except OSError:
        if retired is not None:
            retired.rename(published)
        raise
    if retired is not None:
        shutil.rmtree(retired.parent, ignore_errors=True)


def _write_report(root: Path, report: dict) -> None:
    target = report_path(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=1), encoding="utf-8")


def _summary(executed: list[str], from_cache: list[str]) -> str:
    shown = ", ".join(executed) if executed else "none"
    return f"Executed {len(executed)} chapter(s) ({shown}); {len(from_cache)} served from the execution cache."


def _run_showing_final_paths(command: list[str], root: Path, env: dict, staging: Path) -> int:
    """Run Jupyter Book, passing its output through; where it names the staging copy, name _build/html."""
    staged = staging / "_build" / "html"
    replacements = [
        (str(staged), str(published_dir(root))),
        (str(staged.relative_to(root)), str(published_dir(root).relative_to(root))),
    ]
    with subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, text=True, errors="replace") as process:
        assert process.stdout is not None
        for line in process.stdout:
            for old, new in replacements:
                line = line.replace(old, new)
            sys.stdout.write(line)
            sys.stdout.flush()
    return process.returncode


def build(root: Path, validate) -> int:
    """Run the whole build for the report at ``root``; ``validate`` is the validation command (0 = valid)."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    if validate() != 0:
        if report_path(root).parent.is_dir():
            _write_report(root, {"started": started, "published": False, "outcome": "invalid data: build not started"})
        print(
            "Build not started: the data are invalid (see the problems above), so nothing was built and nothing was "
            f"published; {published_dir(root).relative_to(root)} is unchanged.",
            file=sys.stderr,
        )
        return 1
    build_root = root / "_build"
    build_root.mkdir(parents=True, exist_ok=True)
    with (build_root / ".build.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("Waiting for another build of this report to finish...", file=sys.stderr, flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_locked(root, build_root, started)


def _build_locked(root: Path, build_root: Path, started: str) -> int:
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=build_root))
    try:
        execution_dir = staging / "execution"
        config = write_build_config(root, staging)
        prep = execution.invalidate_stale(root)
        for docname, reason in sorted(prep.invalidated.items()):
            print(f"Execution cache: {docname} will run again ({reason}).", flush=True)
        runner_report = staging / "runner.json"
        runner = [
            sys.executable,
            "-m",
            "helpers.runner",
            str(root),
            str(execution_dir),
            str(execution.cache_dir(root)),
            "--report",
            str(runner_report),
        ]
        subprocess.run(runner, cwd=root, check=False)
        command = [
            sys.executable,
            "-c",
            "from jupyter_book.cli.main import main; main()",
            "build",
            str(root),
            "--path-output",
            str(staging),
            "--config",
            str(config),
            "--all",
            "--warningiserror",
            "--keep-going",
        ]
        print("Running:", " ".join(command), flush=True)
        env = {**os.environ, EXECUTION_DIR_ENV: str(execution_dir)}
        returncode = _run_showing_final_paths(command, root, env, staging)
        summary = execution.record_executions(root, execution_dir, prep)
        new_html = staging / "_build" / "html"
        report = {"started": started, **summary}
        if returncode != 0 or not (new_html / "index.html").is_file():
            why = (
                f"the strict build failed (exit status {returncode}; the first error is in the log above)"
                if returncode != 0
                else "the build produced no index.html"
            )
            _write_report(root, {**report, "published": False, "outcome": f"build failed: {why}"})
            print(
                f"Build failed: {why}. Nothing was published: {published_dir(root).relative_to(root)} is unchanged.",
                file=sys.stderr,
            )
            return returncode or 1
        swap_into_place(new_html, published_dir(root))
        _write_report(root, {**report, "published": True, "outcome": "published"})
        print(_summary(summary["executed"], summary["from_cache"]))
        print(f"Published: {published_dir(root) / 'index.html'} (record: {report_path(root).relative_to(root)}).")
        return 0
    finally:
        shutil.rmtree(staging, ignore_errors=True)
