"""Preview the book locally with live reload: ``python -m helpers preview [--port 8000]``.

Watches the report's inputs (every file the build's fingerprint hashes, ``helpers.build.fingerprint``),
runs the real build (``python -m helpers build``: validation, data-aware execution, strict build, atomic
publish) when any of them changes, and serves ``_build/html`` on 127.0.0.1. Every served page carries a
small script that reloads it when a new build has been published. A failed build keeps the last good site
on screen, and the terminal says why, exactly as the published site would behave.

Unlike ``sphinx-autobuild`` or ``jupyter-book build``, this previews exactly what will be published: the
same command builds it, so a data edit re-executes exactly the chapters that read the changed file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from helpers.build.fingerprint import report_inputs
from helpers.build.protocol import published_dir
from helpers.data.paths import root as find_root
from helpers.server import Server, start


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Modification time and size of every input of the build (the files its fingerprint hashes)."""
    state = {}
    for name, path in report_inputs(root).items():
        try:
            stat = path.stat()
        except OSError:  # removed since it was listed
            continue
        state[name] = (stat.st_mtime_ns, stat.st_size)
    return state


def changed(before: dict, after: dict) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def build_id(root: Path) -> str:
    """Changes whenever a build is published (the published directory is a new one each time)."""
    try:
        stat = os.stat(published_dir(root))
    except OSError:
        return "none"
    return f"{stat.st_ino}-{stat.st_mtime_ns}"


def serve(root: Path, port: int = 8000) -> Server:
    """Serve the published site of ``root`` on 127.0.0.1 (port 0: any free port) in a background thread, each page
    reloading itself when a new build is published (:mod:`helpers.server`, live reload)."""
    return start(published_dir(root), build_id=lambda: build_id(root), port=port)


def _build(root: Path) -> int:
    env = {**os.environ, "REPORT_ROOT": str(root)}
    return subprocess.call([sys.executable, "-m", "helpers", "build"], cwd=root, env=env)


def run(port: int = 8000, interval: float = 1.0) -> int:
    """Build, serve on 127.0.0.1:``port`` and rebuild on every change until Ctrl+C."""
    root = find_root()
    state = snapshot(root)
    _build(root)
    server = serve(root, port)
    print(f"Previewing http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C stops); rebuilding on every change.")
    try:
        while True:
            time.sleep(interval)
            now = snapshot(root)
            edits = changed(state, now)
            if edits:
                print(f"Changed: {', '.join(edits[:5])}{' ...' if len(edits) > 5 else ''}; rebuilding.", flush=True)
                state = now
                if _build(root) != 0:
                    print("Build failed: the preview keeps showing the last good build.", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
    return 0
