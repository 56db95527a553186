"""The one loopback HTTP server for a built site (standard library only): the benchmark's, the preview's and the
tests' sites are all served by :func:`serve` or :func:`start`, on 127.0.0.1 and a free port unless told.

Three ways of answering, one handler class each, chosen by the options:

- plain (the default): static files, every request answered afresh, no log line per request (tests that
  rebuild and reload);
- ``caching=True``: the caching headers GitHub Pages sends (``Cache-Control: max-age=600``, ``ETag``,
  ``Last-Modified``) and 304 when the browser's copy is current (what a reader's browser meets; the benchmark);
- ``live=LiveState()``: live reload for ``python -m helpers preview``: every HTML page carries a small script
  that listens to :data:`EVENTS_PATH` (server-sent events, pushed the moment the state changes, no polling):
  it reloads the page when a new build is published, shows a banner while a build runs, and an overlay
  with the first error when a build failed (the page underneath stays the last good build); the next good
  build clears it. :data:`BUILD_ID_PATH` answers the published build's id (for scripts and tests).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CACHE_MAX_AGE = 600  # what GitHub Pages sends
BUILD_ID_PATH = "/__preview_build"
EVENTS_PATH = "/__preview_events"
KEEPALIVE_SECONDS = 15
OVERLAY_ID = "preview-build-status"
# The live-reload script (no dependency, no polling). State: {"build": id, "status": "ok"|"building"|"failed",
# "error": first error}. The page reloads when the published build changes; otherwise the banner shows the state.
RELOAD_SCRIPT = (
    "<script>(function(){var seen=null,box=null;"
    "function show(s){if(!box){box=document.createElement('div');box.id='" + OVERLAY_ID + "';"
    "box.setAttribute('role','alert');document.body.appendChild(box)}"
    "if(s.status==='ok'){box.hidden=true;return}box.hidden=false;"
    "var failed=s.status==='failed';box.style.cssText='position:fixed;z-index:99999;left:0;right:0;'+"
    "(failed?'top:0;max-height:60vh;overflow:auto;':'bottom:0;')+"
    "'margin:0;padding:1rem 1.25rem;font:15px/1.5 system-ui,sans-serif;'+"
    "'color:'+(failed?'#fff;background:#8b1a1a;':'#111;background:#ffe08a;')+'box-shadow:0 2px 12px rgba(0,0,0,.4)';"
    "box.textContent='';var h=document.createElement('strong');"
    "h.textContent=failed?'Preview: the build failed; this page shows the last good build.':'Preview: building\u2026';"
    "box.appendChild(h);if(failed){var p=document.createElement('pre');p.style.cssText='white-space:pre-wrap;margin:.5rem 0 0;"
    "font:14px/1.4 ui-monospace,monospace;color:inherit;background:none;border:0;padding:0';p.textContent=s.error||'';"
    "box.appendChild(p)}}"
    "var es=new EventSource('" + EVENTS_PATH + "');es.onmessage=function(e){var s=JSON.parse(e.data);"
    "if(seen!==null&&s.build!==seen){es.close();location.reload();return}seen=s.build;show(s)}})();</script>"
)


class LiveState:
    """What the preview's pages are told: the published build, whether a build runs or failed, and why.

    :meth:`update` wakes every page listening to :data:`EVENTS_PATH`; a page reloads when ``build`` changes.
    """

    def __init__(self, build: str = "none") -> None:
        self._state = {"build": build, "status": "ok", "error": ""}
        self._version = 0
        self._changed = threading.Condition()
        self.closed = False

    def get(self) -> tuple[int, dict]:
        with self._changed:
            return self._version, dict(self._state)

    def update(self, **state) -> None:
        with self._changed:
            self._state.update(state)
            self._version += 1
            self._changed.notify_all()

    def wait(self, version: int, timeout: float) -> tuple[int, dict]:
        """The state once its version differs from ``version`` (or after ``timeout`` seconds, or on close)."""
        with self._changed:
            self._changed.wait_for(lambda: self._version != version or self.closed, timeout)
            return self._version, dict(self._state)

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, without a log line per request."""

    def log_message(self, *args):
        pass


class CachingHandler(QuietHandler):
    """Static files with the caching headers GitHub Pages sends; 304 when the browser's copy is current."""

    def _etag(self, path: str) -> str | None:
        try:
            stat = os.stat(path)
        except OSError:
            return None
        return f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'

    def send_head(self):
        path = self.translate_path(self.path)
        etag = self._etag(path) if os.path.isfile(path) else None
        if etag and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return None
        return super().send_head()  # answers If-Modified-Since with 304 itself

    def end_headers(self):
        path = self.translate_path(self.path)
        if self.command in ("GET", "HEAD") and os.path.isfile(path):
            self.send_header("Cache-Control", f"max-age={CACHE_MAX_AGE}")
            self.send_header("ETag", self._etag(path))
        super().end_headers()


class LiveReloadHandler(QuietHandler):
    """Static files; HTML pages carry :data:`RELOAD_SCRIPT`; :data:`EVENTS_PATH` streams the live state."""

    live: LiveState = LiveState()

    def do_GET(self):
        path = self.path.split("?")[0].split("#")[0]
        if path == BUILD_ID_PATH:
            return self._send(self.live.get()[1]["build"].encode(), "text/plain; charset=utf-8")
        if path == EVENTS_PATH:
            return self._stream()
        local = Path(self.translate_path(path))
        if local.is_dir() and path.endswith("/"):
            local = local / "index.html"
        if not Path(self.directory).is_dir() and (path.endswith("/") or local.suffix == ".html"):
            # No site yet (the first build of a fresh clone is running): a page that reloads once there is one.
            waiting = "<!DOCTYPE html><html lang='en'><head><title>Preview: first build</title></head><body>"
            waiting += "<p>The first build is running; this page shows the book when it is published.</p>"
            return self._send((waiting + RELOAD_SCRIPT + "</body></html>").encode(), "text/html; charset=utf-8")
        if local.suffix == ".html" and local.is_file():
            markup = local.read_text(encoding="utf-8").replace("</body>", RELOAD_SCRIPT + "</body>", 1)
            return self._send(markup.encode("utf-8"), "text/html; charset=utf-8")
        return super().do_GET()

    def _stream(self):
        """Server-sent events: the state now, then every change, until the page goes or the server closes."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        version, state = self.live.get()
        try:
            while True:
                self.wfile.write(f"data: {json.dumps(state)}\n\n".encode())
                self.wfile.flush()
                seen = version
                while version == seen and not self.live.closed:
                    version, state = self.live.wait(seen, KEEPALIVE_SECONDS)
                    if version == seen:
                        self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
                if self.live.closed:
                    return
        except (BrokenPipeError, ConnectionResetError):
            return

    def _send(self, body: bytes, content_type: str):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    """A threaded server answering in a background thread; :meth:`close` stops it."""

    block_on_close = False  # a page's open event stream must not hold up closing
    live: LiveState | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        if self.live is not None:
            self.live.close()
        self.shutdown()
        self.server_close()


def _handler(caching: bool, live: LiveState | None) -> type[QuietHandler]:
    if caching and live:
        raise ValueError("a live-reloading server answers afresh every time: caching and live exclude each other")
    if live:
        return type("LiveReload", (LiveReloadHandler,), {"live": live})
    return CachingHandler if caching else QuietHandler


def start(directory: Path, *, caching: bool = False, live: LiveState | None = None, port: int = 0) -> Server:
    """Serve ``directory`` on 127.0.0.1:``port`` (0: a free port) in a background thread; the caller closes it."""
    handler = functools.partial(_handler(caching, live), directory=str(directory))
    server = Server(("127.0.0.1", port), handler)
    server.live = live
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def serve(directory: Path, *, caching: bool = False, live: LiveState | None = None) -> Iterator[str]:
    """``directory`` on a loopback server (a free port) while the block runs; yields the base URL."""
    server = start(directory, caching=caching, live=live)
    try:
        yield server.base_url
    finally:
        server.close()
