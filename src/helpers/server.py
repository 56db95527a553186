"""The one loopback HTTP server for a built site (standard library only): the benchmark's, the preview's and the
tests' sites are all served by :func:`serve` or :func:`start`, on 127.0.0.1 and a free port unless told.

Three ways of answering, one handler class each, chosen by the options:

- plain (the default): static files, every request answered afresh, no log line per request (tests that
  rebuild and reload);
- ``caching=True``: the caching headers GitHub Pages sends (``Cache-Control: max-age=600``, ``ETag``,
  ``Last-Modified``) and 304 when the browser's copy is current (what a reader's browser meets; the benchmark);
- ``build_id=callable``: live reload for ``python -m helpers preview``: every HTML page carries a small script
  that asks :data:`BUILD_ID_PATH` each second and reloads the page when the answer (``build_id()``) changes.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

CACHE_MAX_AGE = 600  # what GitHub Pages sends
BUILD_ID_PATH = "/__preview_build"
RELOAD_SCRIPT = (
    "<script>(function(){var seen=null;setInterval(function(){fetch('" + BUILD_ID_PATH + "',{cache:'no-store'})"
    ".then(function(r){return r.text()}).then(function(id){if(seen!==null&&id!==seen){location.reload()}seen=id})"
    ".catch(function(){})},1000)})();</script>"
)


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
    """Static files; HTML pages carry :data:`RELOAD_SCRIPT`, and :data:`BUILD_ID_PATH` answers ``build_id()``."""

    build_id: Callable[[], str] = staticmethod(lambda: "none")

    def do_GET(self):
        path = self.path.split("?")[0].split("#")[0]
        if path == BUILD_ID_PATH:
            return self._send(self.build_id().encode(), "text/plain; charset=utf-8")
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


class Server(http.server.ThreadingHTTPServer):
    """A threaded server answering in a background thread; :meth:`close` stops it."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def _handler(caching: bool, build_id: Callable[[], str] | None) -> type[QuietHandler]:
    if caching and build_id:
        raise ValueError("a live-reloading server answers afresh every time: caching and build_id exclude each other")
    if build_id:
        return type("LiveReload", (LiveReloadHandler,), {"build_id": staticmethod(build_id)})
    return CachingHandler if caching else QuietHandler


def start(directory: Path, *, caching: bool = False, build_id: Callable[[], str] | None = None, port: int = 0) -> Server:
    """Serve ``directory`` on 127.0.0.1:``port`` (0: a free port) in a background thread; the caller closes it."""
    handler = functools.partial(_handler(caching, build_id), directory=str(directory))
    server = Server(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def serve(directory: Path, *, caching: bool = False, build_id: Callable[[], str] | None = None) -> Iterator[str]:
    """``directory`` on a loopback server (a free port) while the block runs; yields the base URL."""
    server = start(directory, caching=caching, build_id=build_id)
    try:
        yield server.base_url
    finally:
        server.close()
