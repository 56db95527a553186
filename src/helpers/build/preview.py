"""Preview the book locally with live reload: ``python -m helpers preview [--port 8000]``.

What a writer sees, and how:

- **Start-up** serves ``_build/html`` at once and builds only if an input changed since it was published
  (the same up-to-date check as ``python -m helpers build``): an up-to-date site is on screen in well under
  two seconds.
- **Watching** uses watchfiles (inotify events, no polling) on the report's inputs: the root's own files,
  and every input folder (``helpers.data.paths.not_an_input`` decides, as for the build's fingerprint), plus
  the helpers package where it is installed from outside the report.
- **Building** is the real build (``helpers.build.pipeline``: validation, data-aware execution, strict
  Sphinx, atomic publish), run by a *warm builder*: one process that has already imported what a build
  imports (Sphinx's process is armed before it is needed, the chapters' libraries are loaded for the
  runner's forked workers), reads ``build`` orders on its standard input and answers on a pipe. A change
  to the helpers package restarts it (its imported code would be stale). Its builds are ordinary builds
  from the same inputs, so the next ``python -m helpers build`` finds the site up to date and reuses the
  execution cache and Sphinx environment it left.
- **Showing**: every page listens to the server's event stream (``helpers.server``): it reloads when a new
  build is published, shows "building" while one runs, and shows the first error of a failed build
  (``helpers.build.failure``) as an overlay on the last good page; the next good build clears it.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from helpers.build.protocol import published_dir, report_path
from helpers.data.paths import not_an_input
from helpers.data.paths import root as find_root
from helpers.server import LiveState, Server, start

# The builder's order; it answers PUBLISHED the moment a new site is in place, then the build's exit status.
ORDER = "build\n"
PUBLISHED = b"published\n"
# Gather the saves of one editor action (a save that writes several files) into one build.
STEP_MS = 50
PACKAGE = Path(__file__).resolve().parents[1]  # the helpers package: a change to it restarts the builder


def build_id(root: Path) -> str:
    """Changes whenever a build is published (the published directory is a new one each time)."""
    try:
        stat = os.stat(published_dir(root))
    except OSError:
        return "none"
    return f"{stat.st_ino}-{stat.st_mtime_ns}"


def is_input(path: Path, root: Path) -> bool:
    """Whether a changed path is an input of the build (not an output, cache, environment or editor's scratch)."""
    try:
        parts = path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        try:
            parts = path.resolve().relative_to(PACKAGE).parts
        except ValueError:
            return False
    if not parts or any(not_an_input(part) for part in parts[:-1]):
        return False
    name = parts[-1]
    return not (name.endswith(("~", ".swp", ".swx", ".pyc")) or name.startswith(".#") or name == "4913")


def watched_folders(root: Path) -> list[Path]:
    """The folders watched recursively: every input folder of the root, and the helpers package if outside it."""
    folders = [p for p in sorted(root.iterdir()) if p.is_dir() and not not_an_input(p.name)]
    if not PACKAGE.is_relative_to(root.resolve()):
        folders.append(PACKAGE)
    return folders


class Watcher:
    """Changed inputs of the report, from watchfiles, in a queue; :meth:`close` stops it.

    The root itself is watched without its subfolders (a virtual environment inside it would cost seconds of
    watches), every input folder with them.
    """

    def __init__(self, root: Path) -> None:
        import watchfiles

        self.root, self.changes, self.stop = root, queue.Queue(), threading.Event()
        self.threads = [
            threading.Thread(target=self._watch, args=(watchfiles, [root], False), daemon=True),
            threading.Thread(target=self._watch, args=(watchfiles, watched_folders(root), True), daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _watch(self, watchfiles, paths: list[Path], recursive: bool) -> None:
        if not paths:
            return
        for batch in watchfiles.watch(
            *paths, watch_filter=None, step=STEP_MS, stop_event=self.stop, recursive=recursive, raise_interrupt=False
        ):
            for _, name in batch:
                if is_input(Path(name), self.root):
                    self.changes.put(Path(name))

    def wait(self, timeout: float | None = None) -> list[str]:
        """The changed inputs (relative names), once there is at least one; [] after ``timeout`` seconds."""
        try:
            first = self.changes.get(timeout=timeout)
        except queue.Empty:
            return []
        time.sleep(STEP_MS / 1000)  # the rest of the same save
        found = {first}
        while not self.changes.empty():
            found.add(self.changes.get_nowait())
        return sorted(self._name(p) for p in found)

    def _name(self, path: Path) -> str:
        resolved = path.resolve()
        return resolved.relative_to(self.root.resolve()).as_posix() if resolved.is_relative_to(self.root.resolve()) else str(path)

    def close(self) -> None:
        self.stop.set()


# ----------------------------------------------------------------------------------- the warm builder

BUILDER = "from helpers.build.preview import builder_main; builder_main()"


def _stop_on_sigterm() -> None:
    """SIGTERM stops this process as Ctrl+C does (a script or test stopping the preview; a process started in the
    background of a shell ignores SIGINT, so Ctrl+C alone cannot be relied on there)."""

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def builder_main() -> None:
    """The warm builder's loop (run in its own process by :class:`Builder`): build on each order, answer the code.

    Jupyter Book's process is armed before each order arrives, and the runner's imports are done once here,
    so that a build spends its time on what changed. Answers go to the descriptor in ``REPORT_PREVIEW_ANSWER``.
    """
    from helpers.build import pipeline
    from helpers.build.runner import warm_imports
    from helpers.data.validate import collect_problems

    _stop_on_sigterm()
    root = find_root()
    answer = int(os.environ.pop("REPORT_PREVIEW_ANSWER"))
    armed = pipeline.arm_jupyter_book(root, own_session=True)
    warm_imports(PACKAGE)
    try:
        for line in sys.stdin:
            if line != ORDER:
                continue
            try:
                code = pipeline.build(
                    root, collect_problems, jupyter_book=armed, on_published=lambda: os.write(answer, PUBLISHED)
                )
            except Exception as exc:  # noqa: BLE001 - the preview goes on; the terminal says why
                print(f"Build failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            armed = pipeline.arm_jupyter_book(root, own_session=True)
            os.write(answer, f"{code}\n".encode())
    except KeyboardInterrupt:  # Ctrl+C in the preview's terminal reaches this process too
        pass
    finally:
        pipeline.disarm(armed)


class Builder:
    """The warm builder process: :meth:`build` runs one build in it and returns the build's exit status."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._start()

    def _start(self) -> None:
        read_end, write_end = os.pipe()
        env = {**os.environ, "REPORT_ROOT": str(self.root), "REPORT_PREVIEW_ANSWER": str(write_end)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", BUILDER], cwd=self.root, env=env, stdin=subprocess.PIPE, text=True, pass_fds=[write_end]
        )
        os.close(write_end)
        self.answers = os.fdopen(read_end, "r")

    def build(self, on_published=None) -> int:
        """One build; ``on_published()`` is called as soon as its site is in place (before its bookkeeping)."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(ORDER)
            self.process.stdin.flush()
            line = self.answers.readline()
            if line == PUBLISHED.decode():
                if on_published is not None:
                    on_published()
                line = self.answers.readline()
        except BrokenPipeError:
            line = ""
        if not line:  # the builder died: start another for the next build
            self.restart()
            return 1
        return int(line)

    def restart(self) -> None:
        self.close()
        self._start()

    def close(self) -> None:
        """End the builder: at once if idle (its orders end), else its build is stopped as Ctrl+C stops one."""
        if self.process.stdin is not None:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.answers.close()


# ----------------------------------------------------------------------------------- the preview


def first_error(root: Path) -> str:
    """The first error of the last build, as it recorded it (``_build/execution-report.json``)."""
    try:
        record = json.loads(report_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "the build failed; the terminal says why"
    return record.get("first_error") or record.get("outcome") or "the build failed; the terminal says why"


def serve(root: Path, port: int = 8000, live: LiveState | None = None) -> Server:
    """Serve the published site of ``root`` on 127.0.0.1 (port 0: any free port) in a background thread, with
    live reload driven by ``live`` (:mod:`helpers.server`)."""
    return start(published_dir(root), live=live or LiveState(build_id(root)), port=port)


def rebuild(root: Path, builder: Builder, live: LiveState) -> int:
    """One build in the warm builder; the pages reload on success, or show its first error."""
    live.update(status="building")
    code = builder.build(on_published=lambda: live.update(build=build_id(root), status="ok", error=""))
    if code == 0:
        live.update(build=build_id(root), status="ok", error="")
    else:
        live.update(status="failed", error=first_error(root))
        print("Preview: the build failed; the open pages show its first error over the last good build.", flush=True)
    return code


def run(port: int = 8000) -> int:
    """Serve at once, build only if needed, then rebuild on every change of an input until Ctrl+C."""
    from helpers.build.fingerprint import fingerprints
    from helpers.build.pipeline import up_to_date

    _stop_on_sigterm()
    root = find_root()
    os.environ["REPORT_ROOT"] = str(root)  # the builder and the build it runs find the same report
    current = up_to_date(root, fingerprints(root).inputs) is not None
    live = LiveState(build_id(root))
    server = serve(root, port, live)
    watcher = Watcher(root)
    builder = Builder(root)
    state = "up to date, serving it as it is" if current else "building what changed"
    print(f"Previewing http://127.0.0.1:{server.server_address[1]}/ ({state}; Ctrl+C stops).", flush=True)
    try:
        if not current:
            rebuild(root, builder, live)
        while True:
            changed = watcher.wait(timeout=0.5)
            if not changed:
                continue
            shown = ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
            if any((root / name).resolve().is_relative_to(PACKAGE) for name in changed):
                print(f"Changed: {shown}; the helpers changed, so the builder starts afresh.", flush=True)
                builder.restart()
            else:
                print(f"Changed: {shown}; rebuilding.", flush=True)
            rebuild(root, builder, live)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.close()
        server.close()
        builder.close()
    return 0
