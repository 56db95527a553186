"""Local preview: it starts without rebuilding an up-to-date site, an edit reaches the open page, a failed build
shows its first error over the page until the next good build, and the next normal build reuses its work.

Times are judged by ``python -m helpers bench --preview`` (budgets in BENCHMARKS.md), not here.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from conftest import copy_repo, run_helpers
from helpers.bench import report as bench_report
from helpers.bench.preview import Preview, set_reported_value
from helpers.build import preview
from helpers.build.pipeline import swap_into_place
from helpers.server import BUILD_ID_PATH, EVENTS_PATH, OVERLAY_ID, LiveState


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def events(url: str, count: int) -> list[dict]:
    """The first ``count`` server-sent events of ``url``."""
    found = []
    with urllib.request.urlopen(url, timeout=10) as response:
        for raw in response:
            line = raw.decode("utf-8").strip()
            if line.startswith("data: "):
                found.append(json.loads(line[len("data: ") :]))
                if len(found) == count:
                    return found
    return found


def test_only_inputs_are_watched(tmp_path):
    root = tmp_path
    for name in ["data/cmos.csv", "chapters/index.md", "_config.yml"]:
        assert preview.is_input(root / name, root), name
    for name in ["_build/html/index.html", ".venv/lib/x.py", ".git/index", "chapters/.index.md.swp", "data/cmos.csv~"]:
        assert not preview.is_input(root / name, root), name
    assert not preview.is_input(Path("/elsewhere/file.md"), root)


def test_pages_are_told_at_once_when_a_build_is_published_or_fails(tmp_path):
    root = tmp_path
    site = root / "_build" / "html"
    (site / "chapters").mkdir(parents=True)
    (site / "index.html").write_text("<html><body>first build</body></html>", encoding="utf-8")
    (site / "chapters" / "a.html").write_text("<html><body>page a</body></html>", encoding="utf-8")
    live = LiveState(preview.build_id(root))
    server = preview.serve(root, port=0, live=live)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        page = fetch(f"{base}/")
        assert "first build" in page and EVENTS_PATH in page and page.endswith("</script></body></html>")
        assert EVENTS_PATH in fetch(f"{base}/chapters/a.html")
        first_id = fetch(base + BUILD_ID_PATH)
        assert events(base + EVENTS_PATH, 1) == [{"build": first_id, "status": "ok", "error": ""}]

        live.update(status="failed", error="data/cmos.csv, row 2, column 'cmo_id': bad")
        assert events(base + EVENTS_PATH, 1)[0]["error"] == "data/cmos.csv, row 2, column 'cmo_id': bad"

        staged = root / "_build" / ".staging-1" / "html"
        staged.mkdir(parents=True)
        (staged / "index.html").write_text("<html><body>second build</body></html>", encoding="utf-8")
        swap_into_place(staged, site)
        live.update(build=preview.build_id(root), status="ok", error="")
        assert fetch(base + BUILD_ID_PATH) != first_id
        assert events(base + EVENTS_PATH, 1)[0] == {"build": fetch(base + BUILD_ID_PATH), "status": "ok", "error": ""}
        assert "second build" in fetch(f"{base}/index.html")
    finally:
        server.close()


def test_before_the_first_build_a_page_waits_for_it(tmp_path):
    live = LiveState(preview.build_id(tmp_path))
    server = preview.serve(tmp_path, port=0, live=live)
    try:
        page = fetch(f"http://127.0.0.1:{server.server_address[1]}/chapters/index.html")
        assert "The first build is running" in page and EVENTS_PATH in page
    finally:
        server.close()


def test_preview_budgets_are_judged_on_medians():
    measured = {
        "runs": 5,
        "startup": {"median": 0.5, "min": 0.4, "max": 0.9, "runs": [0.5]},
        "startup_rebuilt": False,
        "edits": {"data": {"median": 1.5, "min": 1.0, "max": 9.0, "runs": [1.5] * 5, "page": "p", "change": "c"}},
        "build_after": {"seconds": 0.2, "outcome": "up to date: ...", "up_to_date": True},
    }
    assert all(b["met"] for b in bench_report.preview_budgets(measured))
    slow = {**measured, "edits": {"data": {**measured["edits"]["data"], "median": 2.5}}}
    assert [b["met"] for b in bench_report.preview_budgets(slow)] == [True, False, True]
    rebuilt = {**measured, "startup_rebuilt": True}
    assert bench_report.preview_budgets(rebuilt)[0]["met"] is False
    assert bench_report.preview_budgets(None)[0]["met"] is None


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory) -> Path:
    root = copy_repo(tmp_path_factory.mktemp("preview") / "report")
    result = run_helpers(root, "build")
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def overlay_text(page) -> str | None:
    return page.evaluate(
        f"() => {{ const b = document.getElementById('{OVERLAY_ID}'); return b && !b.hidden ? b.textContent : null; }}"
    )


def test_preview_starts_without_building_shows_edits_and_failures_and_leaves_the_next_build_nothing_to_do(
    built_copy, browser, tmp_path
):
    root = built_copy
    record = root / "_build" / "execution-report.json"
    before = record.read_text(encoding="utf-8")
    running = Preview(root, tmp_path / "preview.log")
    try:
        # Start-up on an up-to-date site: served at once, nothing built.
        running.wait_served()
        assert running.state.startswith("up to date"), running.state
        assert record.read_text(encoding="utf-8") == before, "the preview built an up-to-date site"

        page = browser.new_page()
        page.goto(f"{running.base}/chapters/survey.html")
        page.wait_for_load_state("load")
        assert "9876" not in page.content()

        # A data edit reaches the open page (the page reloads itself).
        needle = set_reported_value(root, 9876)
        page.wait_for_function(f"() => document.body && document.body.innerHTML.includes({json.dumps(needle)})", timeout=180_000)
        assert overlay_text(page) is None

        # A failed build: the page keeps the last good build under an overlay naming the first error.
        chapter = root / "chapters" / "survey.md"
        good = chapter.read_text(encoding="utf-8")
        chapter.write_text(
            good + "\n```{code-cell} ipython3\n:tags: [remove-input]\nraise ValueError('preview ' + 'overlay')\n```\n",
            encoding="utf-8",
        )
        page.wait_for_function(
            f"() => {{ const b = document.getElementById('{OVERLAY_ID}'); return b && !b.hidden && "
            "b.textContent.includes('ValueError: preview overlay'); }",
            timeout=180_000,
        )
        text = overlay_text(page)
        assert "chapters/survey.md, cell" in text and "the build failed" in text
        assert needle in page.content(), "the last good build stays under the overlay"

        # The next good build clears it.
        chapter.write_text(good, encoding="utf-8")
        page.wait_for_function(
            f"() => document.readyState === 'complete' && (!document.getElementById('{OVERLAY_ID}') || "
            f"document.getElementById('{OVERLAY_ID}').hidden)",
            timeout=180_000,
        )
        page.wait_for_timeout(500)
        assert overlay_text(page) is None
        assert needle in page.content()
        page.close()
    finally:
        running.stop()
    # The next normal build reuses what the preview built: nothing to do.
    result = run_helpers(root, "build")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("Up to date"), result.stdout[-2000:]
