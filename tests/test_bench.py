"""The benchmark command: it runs end to end, and it judges its budgets correctly.

Timing budgets are judged by the benchmark, never here: these tests check that the command works (one quick
run at the real scale) and that a budget reads "met" exactly when its numbers are within it.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from conftest import REPO
from helpers.bench import builds as bench
from helpers.bench import report as bench_report
from helpers.bench import synthetic
from helpers.data import loaders as data

REAL_SOURCES = 40  # a made-up size for the report's formatting tests below; the real one is read from the data

MB = 1024 * 1024


def spread(value: float) -> dict:
    return {"median": value, "min": value, "max": value, "runs": [value]}


def page(html_bytes: int, warm_gzip: int, drawn: float) -> dict:
    view = {"requests": 3, "bytes": 1000, "gzip_bytes": warm_gzip, "figures_drawn_s": spread(drawn)}
    return {"html_bytes": html_bytes, "html_gzip_bytes": html_bytes // 4, "figures": 1, "cold": view, "warm": view}


def scale(factor: int, clean: float, html_bytes: int = 100_000) -> dict:
    return {
        "factor": factor,
        "clean": spread(clean),
        "noop": spread(0.2),
        "floor": spread(4.0),
        "executed_clean": 18,
        "peak_memory_bytes": spread(600 * MB),
        "validate_sources": spread(0.5),
        "validate_command": spread(1.0),
        "sources_rows": REAL_SOURCES * factor,
        "one_file": {
            bench_report.BUDGET_EDIT: {
                **spread(clean * 0.4),
                "executed": ["chapters/survey"],
                "readers": ["chapters/survey"],
                "only_readers": True,
                "change": "one survey count corrected",
            }
        },
        "pages": {
            "pages": {"chapters/survey.html": page(html_bytes, 40_000, 0.5)},
            "site": {
                "plotly_urls": ["_static/plotly-7.1.0.min.js"],
                "plotly_url_count": 1,
                "plotly_local": True,
                "plotly_fetches": 1,
                "pages_visited": 2,
            },
        },
    }


def bundles(partial_bytes: int = 1_500_000, drawn: float = 0.8) -> dict:
    """What compare_plotly_bundles returns: the partial bundle and the full one, one figure page."""

    def variant(size: int, seconds: float) -> dict:
        measured = {"first_visit_bytes": size + 50_000, "first_visit_gzip_bytes": size // 3, "figures_drawn_s": spread(seconds)}
        return {"plotly_js_bytes": size, "plotly_js_gzip_bytes": size // 3, "pages": {"chapters/survey.html": measured}}

    return {
        "runs": 1,
        "plotly_path": "_static/plotly-cartesian-4.1.1.min.js",
        "budget_plotly_js_bytes": 1.5 * MB,
        "budget_figures_drawn_s": 2.0,
        "partial": variant(partial_bytes, drawn),
        "full": variant(4_815_765, drawn * 2),
    }


def results(**changes) -> dict:
    base = {
        "date": "2026-11-23T00:00:00+00:00",
        "commit": "abc1234",
        "machine": {
            "cpu": "test CPU",
            "cores": 2,
            "memory_bytes": 8 * 1024 * MB,
            "os": "Linux",
            "python": "3.11.7",
            "chromium": "Chromium 1",
            "load_average_at_start": [0.1, 0.1, 0.1],
        },
        "repeat": 1,
        "pages_runs": 1,
        "scales": {"1": {**scale(1, 8.0), "plotly_bundles": bundles()}, "100": scale(100, 14.0)},
        "pdf": {"runs": 1, "seconds": spread(20.0), "bytes": 4_000_000, "pages": 120},
    }
    base.update(changes)
    return base


def verdicts(run: dict) -> dict[str, bool | None]:
    return {b["name"]: b["met"] for b in bench_report.budgets(run)}


def test_every_budget_is_met_by_numbers_within_it():
    judged = verdicts(results())
    assert len(judged) >= 10 and all(judged.values()), judged


@pytest.mark.parametrize(
    ("change", "budget"),
    [
        (lambda r: r["scales"]["1"].update(clean=spread(10.5)), "clean build <= 2.5x the execution-off floor"),
        (lambda r: r["scales"]["1"].update(noop=spread(1.3)), "no-op rebuild <= 0.15x the clean build"),
        (lambda r: r["scales"]["100"].update(clean=spread(16.5)), "100x sources: clean build <= 2x the real-data clean build"),
        (lambda r: r["scales"]["100"].update(validate_sources=spread(2.5)), "validation of the sources table <= 2 s"),
        (lambda r: r["scales"]["1"].update(peak_memory_bytes=spread(1600 * MB)), "peak build memory <= 1.5 GB"),
        (
            lambda r: r["scales"]["100"]["pages"]["pages"].update({"chapters/big.html": page(2 * MB, 1, 0.1)}),
            "100x sources: no page over 1.5 MB of HTML",
        ),
        (
            lambda r: r["scales"]["1"]["pages"]["pages"].update({"chapters/heavy.html": page(1, 200 * 1024, 0.1)}),
            "a chapter page after the first transfers <= 150 KB gzip",
        ),
        (
            lambda r: r["scales"]["1"]["pages"]["pages"].update({"chapters/slow.html": page(1, 1, 2.5)}),
            "every figure drawn within 2 s of navigation",
        ),
        (lambda r: r["scales"]["1"]["pages"]["site"].update(plotly_fetches=2), "plotly.js: one shared local URL"),
        (lambda r: r["scales"]["1"].update(plotly_bundles=bundles(partial_bytes=2 * MB)), "plotly.js a reader downloads"),
        (lambda r: r["scales"]["1"].update(plotly_bundles=bundles(drawn=2.2)), "every figure page drawn <= 2 s"),
        (lambda r: r["pdf"].update(bytes=bench_report.PDF_BYTES + 1), "the book as a PDF"),
        (lambda r: r["pdf"].update(seconds=spread(bench_report.PDF_SECONDS + 1)), "python -m helpers pdf on a built site"),
        (
            lambda r: r["scales"]["1"]["one_file"][bench_report.BUDGET_EDIT].update(only_readers=False),
            "only the chapters that read it re-executed",
        ),
    ],
)
def test_a_budget_is_not_met_when_its_numbers_exceed_it(change, budget):
    run = copy.deepcopy(results())
    change(run)
    judged = verdicts(run)
    missed = [name for name, met in judged.items() if met is False]
    assert len(missed) == 1 and budget in missed[0], missed


def test_the_markdown_names_every_budget_and_how_to_reproduce():
    run = results()
    run["budgets"] = bench_report.budgets(run)
    text = bench_report.markdown(run)
    assert bench_report.COMMAND in text and "test CPU" in text
    for budget in run["budgets"]:
        assert budget["name"] in text
    assert f"| {REAL_SOURCES * 100} (100x) |" in text
    assert "## PDF" in text and "python -m helpers bench --pdf" in text
    assert "| chapters/survey.html | partial |" in text and "| chapters/survey.html | full |" in text


def test_the_copy_holds_what_a_build_reads_and_nothing_else(tmp_path):
    copy_root = synthetic.copy_report(REPO, tmp_path / "copy")
    for needed in ("_config.yml", "_toc.yml", "chapters", "data", "bib", "CITATION.cff", "_static"):
        assert (copy_root / needed).exists(), needed
    for excluded in ("_build", ".git", ".venv", "tests"):
        assert not (copy_root / excluded).exists(), excluded


def test_the_benchmark_command_runs_end_to_end(tmp_path):
    """One quick run at the real scale: every measurement taken, both files written, the data left as they were."""
    before = {p.name: p.read_bytes() for p in (REPO / "data").iterdir() if p.is_file()}
    result = subprocess.run(
        [sys.executable, "-m", "helpers", "bench", "--scales", "1", "--repeat", "1", "--pages-runs", "1", "--preview-runs", "1"]
        + ["--pdf-runs", "1", "--output", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    run = json.loads((tmp_path / "BENCHMARKS.json").read_text(encoding="utf-8"))
    real = run["scales"]["1"]
    assert real["sources_rows"] == len(data.load_sources(REPO / "data" / "sources.xlsx")) and real["executed_clean"] >= 15
    assert real["noop"]["median"] > 0 and real["floor"]["median"] > 0 and real["peak_memory_bytes"]["max"] > 0
    assert set(real["one_file"]) == set(bench.EDITS)
    assert all(edit["only_readers"] for edit in real["one_file"].values())
    assert "chapters/index.html" in real["pages"]["pages"]
    assert run["preview"]["startup"]["median"] > 0 and set(run["preview"]["edits"]) == {"data", "chapter"}
    assert (
        set(real["plotly_bundles"]["partial"]["pages"])
        == set(real["plotly_bundles"]["full"]["pages"])
        >= {"chapters/survey.html"}
    )
    assert run["pdf"]["pages"] > 0 and run["pdf"]["bytes"] > 0
    assert "## Budgets" in (tmp_path / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert {p.name: p.read_bytes() for p in (REPO / "data").iterdir() if p.is_file()} == before
