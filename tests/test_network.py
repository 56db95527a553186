"""Neither the build nor the site reaches the network.

The session's build (``built_site``) runs with a Python-level guard armed in every process it starts (the
helpers command line, Jupyter Book, each notebook kernel): any connection or name lookup beyond loopback
is refused and recorded. This holds where network namespaces (``unshare``) are unavailable too. The
site's side is tested in the browser (test_browser.py: every request leaving the site is refused and
counted) and here on the built files.
"""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import network_guard_env


def _log(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_the_guard_refuses_and_records_outside_connections(tmp_path):
    """The guard itself works: outside connections and lookups fail and are recorded; loopback still works."""
    log = tmp_path / "network.log"
    probe = """
import socket, urllib.request
for attempt in (lambda: socket.create_connection(("192.0.2.1", 80), timeout=1),
                lambda: socket.socket().connect(("198.51.100.7", 443)),
                lambda: urllib.request.urlopen("https://cdn.plot.ly/plotly-latest.min.js", timeout=2)):
    try:
        attempt()
    except OSError:
        pass
    else:
        raise SystemExit("reached the network")
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
socket.create_connection(server.getsockname(), timeout=2).close()
"""
    result = subprocess.run([sys.executable, "-c", probe], env=network_guard_env(log), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    lines = _log(log)
    attempts = [line for line in lines if line.startswith("attempt ")]
    assert len(attempts) == 3, lines
    assert "192.0.2.1" in attempts[0] and "198.51.100.7" in attempts[1] and "cdn.plot.ly" in attempts[2]


def test_the_build_made_no_network_attempt(built_site, network_guard_log):
    lines = _log(network_guard_log)
    armed = [line for line in lines if line.startswith("armed ")]
    # The helpers command line and Jupyter Book, both guarded. Chapters execute in forks of the guarded
    # build process (helpers.build.runner), which inherit its guard; a kernel, if one is started, is armed too.
    assert len(armed) >= 2, lines
    assert any("helpers build" in line for line in armed) and any("jupyter_book" in line for line in armed), armed
    assert [line for line in lines if line.startswith("attempt ")] == []


def test_no_page_refers_to_a_remote_script_style_or_font(built_site):
    """Nothing the browser would load by itself points outside the site (links a reader follows may)."""
    remote = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""")
    loaded_by_itself = re.compile(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*>", re.I)
    for path in built_site.rglob("*"):
        if path.suffix in (".html", ".css") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            tags = loaded_by_itself.findall(text) if path.suffix == ".html" else []
            offending = [tag for tag in tags if remote.search(tag) and 'rel="canonical"' not in tag]
            offending += re.findall(r"@import\s+url\(\s*['\"]?(?:https?:)?//[^)]+\)", text)
            assert not offending, (path.relative_to(built_site), offending[:3])
