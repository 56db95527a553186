"""``python -m helpers bench --preview``: what ``python -m helpers preview`` costs a writer.

On a throwaway copy of the report (``synthetic.copy_report``), built once, it measures through the command
line only (as a writer runs it):

1. **start-up**: from starting ``python -m helpers preview --port 0`` on the up-to-date copy until the server
   answers the landing page; and whether the preview built anything (it must not: nothing changed);
2. **edit to page**: with the page open in headless chromium, from saving an edit until the open page shows
   it (the preview rebuilt, published, told the page, and the page reloaded): a data edit (a reported value,
   shown on the survey page) and a chapter edit (a sentence added to the methods page), each repeated;
3. **after the preview**: a normal ``python -m helpers build`` must find nothing to do.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from helpers.bench.synthetic import copy_env, scratch_copy

READY = re.compile(r"Previewing (http://127\.0\.0\.1:\d+/) \((?P<state>[^;]*);")
# The data edit: one reported value (the one the living-build test and the build benchmark correct), given a
# new number each time; the survey page prints it in a cell of its own.
EDITED_VALUE = "e25.sample.survey.wave3.n"
DATA_PAGE = "chapters/survey.html"
CHAPTER = "chapters/methods.md"
CHAPTER_PAGE = "chapters/methods.html"
MARKER = "Preview benchmark sentence"
TIMEOUT = 120.0


def _summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": [round(v, 3) for v in values]}


class Preview:
    """``python -m helpers preview --port 0`` on ``root``, its output in ``log``; :meth:`stop` ends it with Ctrl+C."""

    def __init__(self, root: Path, log: Path) -> None:
        self.started = time.perf_counter()
        self.out = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-u", "-m", "helpers", "preview", "--port", "0"],
            cwd=root,
            env=copy_env(root),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.out.write(line)
            found = READY.search(line)
            if found:
                self.base, self.state = found[1].rstrip("/"), found["state"]
                break
        else:
            raise RuntimeError(f"the preview stopped before serving; see {log}")
        self._drain = threading.Thread(target=self._copy_output, daemon=True)
        self._drain.start()

    def _copy_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.out.write(line)
            self.out.flush()

    def wait_served(self) -> float:
        """Seconds from start until the landing page was answered."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/", timeout=5) as response:
                    if response.status == 200:
                        return time.perf_counter() - self.started
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("the preview did not answer within the time limit")

    def status(self) -> str:
        with urllib.request.urlopen(f"{self.base}/__preview_build", timeout=5) as response:
            return response.read().decode()

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # the preview and its builder stop as on Ctrl+C
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._drain.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.out.close()


def set_reported_value(root: Path, number: int) -> str:
    path = root / "data" / "reported_values.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    row = next(r for r in rows if r["value_id"] == EDITED_VALUE)
    row["value"] = row["value_reported"] = str(number)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return f">{number}<"


def add_sentence(root: Path, number: int) -> str:
    path = root / CHAPTER
    text = re.sub(rf"\n\n{MARKER} \d+\.\n$", "\n", path.read_text(encoding="utf-8"))
    path.write_text(f"{text.rstrip()}\n\n{MARKER} {number}.\n", encoding="utf-8")
    return f"{MARKER} {number}."


def _shown(page, needle: str) -> bool:
    try:
        return bool(page.evaluate("(n) => document.body !== null && document.body.innerHTML.includes(n)", needle))
    except Exception:  # noqa: BLE001 - the page is reloading: its document is going
        return False


def time_edits(preview: Preview, page, root: Path, page_path: str, edit, runs: int, first: int) -> list[float]:
    """Seconds from each save until the open page shows it, over ``runs`` edits."""
    page.goto(f"{preview.base}/{page_path}")
    page.wait_for_load_state("load")
    times = []
    for run in range(runs):
        time.sleep(0.5)  # the page is settled and listening, as when a writer saves
        started = time.perf_counter()
        needle = edit(root, first + run)
        deadline = time.monotonic() + TIMEOUT
        while not _shown(page, needle):
            if time.monotonic() > deadline:
                raise RuntimeError(f"edit {run + 1} did not reach {page_path} within {TIMEOUT:g} s")
            time.sleep(0.02)
        times.append(time.perf_counter() - started)
        print(f"[preview] {page_path}: edit {run + 1}/{runs} shown after {times[-1]:.2f} s", flush=True)
    return times


def _build(root: Path, log: Path) -> dict:
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.call([sys.executable, "-m", "helpers", "build"], cwd=root, env=copy_env(root), stdout=out, stderr=out)
    seconds = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"the build of {root} failed; see {log}")
    record = json.loads((root / "_build" / "execution-report.json").read_text(encoding="utf-8"))
    return {"seconds": seconds, "outcome": record["outcome"], "up_to_date": record["outcome"].startswith("up to date")}


def measure_preview(root: Path, runs: int = 5, scratch: Path | None = None) -> dict:
    """Start-up and edit-to-page times of the preview of the report at ``root`` (never changed: a copy is)."""
    from helpers.bench.pages import BROWSER_ARGS, chromium_executable

    with scratch_copy(root, "report-bench-preview-", scratch) as (copy, logs):
        _build(copy, logs / "build-first.log")
        startup, rebuilt = [], []
        for run in range(runs):
            preview = Preview(copy, logs / f"startup-{run}.log")
            try:
                startup.append(preview.wait_served())
                rebuilt.append(not preview.state.startswith("up to date"))
            finally:
                preview.stop()
            print(f"[preview] start-up {run + 1}/{runs}: {startup[-1]:.2f} s ({preview.state})", flush=True)
        from playwright.sync_api import sync_playwright

        edits = {}
        preview = Preview(copy, logs / "edits.log")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_executable(), args=BROWSER_ARGS)
                try:
                    page = browser.new_page()
                    data = time_edits(preview, page, copy, DATA_PAGE, set_reported_value, runs, 4321)
                    chapter = time_edits(preview, page, copy, CHAPTER_PAGE, add_sentence, runs, 1)
                finally:
                    browser.close()
        finally:
            preview.stop()
        edits["data"] = {**_summary(data), "page": DATA_PAGE, "change": f"reported value {EDITED_VALUE} given a new number"}
        edits["chapter"] = {**_summary(chapter), "page": CHAPTER_PAGE, "change": f"a sentence added to {CHAPTER}"}
        after = _build(copy, logs / "build-after.log")
    return {
        "runs": runs,
        "startup": _summary(startup),
        "startup_rebuilt": any(rebuilt),
        "edits": edits,
        "build_after": after,
    }


def text_table(results: dict) -> str:
    from helpers.bench.report import budget_lines, preview_budgets

    return budget_lines(preview_budgets(results))
