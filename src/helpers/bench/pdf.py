"""``python -m helpers bench --pdf``: what printing an edition as a PDF costs, through the command line only.

On a throwaway copy of the report (``synthetic.copy_report``), built once with ``python -m helpers build``, it
times ``python -m helpers pdf`` (serve the site, draw every figure in chromium, print, write the outline and
metadata) ``runs`` times and records the PDF's size and page count, against the budgets of
:mod:`helpers.bench.report` (``PDF_BYTES``, ``PDF_SECONDS``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from helpers.bench.synthetic import copy_env, scratch_copy


def _run(command: list[str], root: Path, log: Path) -> float:
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.call([sys.executable, "-m", "helpers", *command], cwd=root, env=copy_env(root), stdout=out, stderr=out)
    if code != 0:
        raise RuntimeError(f"python -m helpers {' '.join(command)} failed in {root}; see {log}")
    return time.perf_counter() - started


def measure_pdf(root: Path, runs: int = 3, scratch: Path | None = None) -> dict:
    """Seconds, bytes and pages of ``python -m helpers pdf`` on a built copy of the report at ``root``."""
    from pypdf import PdfReader

    with scratch_copy(root, "report-bench-pdf-", scratch) as (copy, logs):
        _run(["build"], copy, logs / "build.log")
        out = logs.parent / "book.pdf"
        seconds = []
        for run in range(runs):
            seconds.append(_run(["pdf", "--out", str(out)], copy, logs / f"pdf-{run}.log"))
            print(f"[pdf] print {run + 1}/{runs}: {seconds[-1]:.2f} s", flush=True)
        size = out.stat().st_size
        pages = len(PdfReader(out).pages)
    return {
        "runs": runs,
        "seconds": {
            "median": statistics.median(seconds),
            "min": min(seconds),
            "max": max(seconds),
            "runs": [round(s, 3) for s in seconds],
        },
        "bytes": size,
        "pages": pages,
    }


def text_table(measured: dict) -> str:
    from helpers.bench.report import budget_lines, pdf_budgets

    return budget_lines(pdf_budgets(measured))
