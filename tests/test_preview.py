"""Local preview: changes to the sources are noticed, pages reload when a new build is published."""

from __future__ import annotations

import urllib.request

from helpers.build import preview
from helpers.build.pipeline import swap_into_place
from helpers.server import BUILD_ID_PATH


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def test_a_data_edit_is_noticed_and_outputs_are_not(repo_copy):
    before = preview.snapshot(repo_copy)
    assert "data/cmos.csv" in before and "chapters/index.md" in before
    (repo_copy / "_build" / "html").mkdir(parents=True)
    (repo_copy / "_build" / "html" / "index.html").write_text("output", encoding="utf-8")
    assert preview.changed(before, preview.snapshot(repo_copy)) == []
    cmos = repo_copy / "data" / "cmos.csv"
    cmos.write_text(cmos.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert preview.changed(before, preview.snapshot(repo_copy)) == ["data/cmos.csv"]


def test_served_pages_reload_when_a_new_build_is_published(tmp_path):
    root = tmp_path
    site = root / "_build" / "html"
    (site / "chapters").mkdir(parents=True)
    (site / "index.html").write_text("<html><body>first build</body></html>", encoding="utf-8")
    (site / "chapters" / "a.html").write_text("<html><body>page a</body></html>", encoding="utf-8")
    server = preview.serve(root, port=0)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        page = fetch(f"{base}/")
        assert "first build" in page and BUILD_ID_PATH in page and page.endswith("</script></body></html>")
        assert BUILD_ID_PATH in fetch(f"{base}/chapters/a.html")
        first_id = fetch(base + BUILD_ID_PATH)
        staged = root / "_build" / ".staging-1" / "html"
        staged.mkdir(parents=True)
        (staged / "index.html").write_text("<html><body>second build</body></html>", encoding="utf-8")
        swap_into_place(staged, site)
        assert fetch(base + BUILD_ID_PATH) != first_id
        assert "second build" in fetch(f"{base}/index.html")
    finally:
        server.shutdown()
        server.server_close()
