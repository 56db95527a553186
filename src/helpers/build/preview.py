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

import functools
import http.server
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from helpers.build.fingerprint import report_inputs
from helpers.build.protocol import published_dir
from helpers.data.paths import root as find_root

BUILD_ID_PATH = "/__preview_build"
RELOAD_SCRIPT = (
    "<script>(function(){var seen=null;setInterval(function(){fetch('" + BUILD_ID_PATH + "',{cache:'no-store'})"
    ".then(function(r){return r.text()}).then(function(id){if(seen!==null&&id!==seen){location.reload()}seen=id})"
    ".catch(function(){})},1000)})();</script>"
)


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


class _Handler(http.server.SimpleHTTPRequestHandler):
    report_root: Path

    def log_message(self, format, *args):  # noqa: A002 (the name http.server uses)
        pass

    def do_GET(self):
        path = self.path.split("?")[0].split("#")[0]
        if path == BUILD_ID_PATH:
            return self._send(build_id(self.report_root).encode(), "text/plain; charset=utf-8")
        local = Path(self.translate_path(path))
        if local.is_dir() and path.endswith("/"):
            local = local / "index.html"
        if local.suffix == ".html" and local.is_file():
            markup = local.read_text(encoding="utf-8").replace("</body>", RELOAD_SCRIPT + "</body>", 1)
            return self._send(markup.encode("utf-8"), "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, content_type: str):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def serve(root: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """Serve the published site of ``root`` on 127.0.0.1 (port 0: any free port) in a background thread."""
    handler = functools.partial(type("Handler", (_Handler,), {"report_root": root}), directory=str(published_dir(root)))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


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
