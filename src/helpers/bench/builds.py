"""``python -m helpers bench``: what a build costs contributors and CI, and what a page costs a reader.

Everything is measured on this machine, in one run, on throwaway copies of the report (``synthetic.copy_report``; never the
working tree, never writing into ``data/``), each measurement repeated (median, min and max):

1. clean build (no ``_build`` at all, so no execution cache and no Sphinx environment);
2. no-op rebuild (nothing changed);
3. rebuild after one data file changed, for each file in ``EDITS`` (which chapters re-executed);
4. the same book built by Jupyter Book with execution turned off: the floor Sphinx alone costs;
5. peak memory of the build (the sum of the proportional set size of every process of the build);
6. per page, in headless chromium (``helpers.bench.pages``): HTML bytes, everything it loads (raw and
   gzip), requests, and time until every figure is drawn, cold and after the landing page;
7. all of the above again with synthetic evidence bases of 10 and 100 times the real number of
   sources (``helpers.bench.synthetic``), plus the time to validate the sources table;
8. the writer's preview (``helpers.bench.preview``): start-up, and an edit until the open page shows it.
9. the PDF of the book (``helpers.bench.pdf``): ``python -m helpers pdf`` on a built copy, its time, size and pages.

It writes ``BENCHMARKS.md`` (with the machine, the date and the command) and ``BENCHMARKS.json``, and
marks each budget of issue 7 met or not. Timing budgets live here, not in the tests.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import yaml

from helpers.bench.report import MB
from helpers.bench.synthetic import copy_report, make_scaled_copy

# ----------------------------------------------------------------------------------- copies and edits


def _edit_reported_value(root: Path) -> str:
    """Correct one survey count (the edit the living-build test makes)."""
    import csv

    path = root / "data" / "reported_values.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    row = next(r for r in rows if r["value_id"] == "e25.sample.survey.wave3.n")
    row["value"] = row["value_reported"] = "4321"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return "one survey count corrected (e25.sample.survey.wave3.n)"


def _edit_source_note(root: Path) -> str:
    """Reword the inclusion note of the first source in the spreadsheet (a typical curation edit)."""
    import openpyxl

    path = root / "data" / "sources.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("inclusion_note") + 1)
    cell.value = f"{cell.value or ''} (Reworded.)".strip()
    workbook.save(path)
    return "one source's inclusion note reworded"


# One data file changed: the file and how to change it. Repetitions alternate between the edited file
# and the original, so every rebuild follows a real change of that one file.
EDITS = {
    "data/reported_values.csv": _edit_reported_value,
    "data/sources.xlsx": _edit_source_note,
}


# ----------------------------------------------------------------------------------- running builds


class PeakMemory(threading.Thread):
    """Samples a process and all its descendants; keeps the largest sum of their proportional set sizes.

    PSS shares each page among the processes mapping it, so forked workers sharing their parent's
    memory are not counted twice (RSS would be). Where PSS is not available, RSS is used.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak, self._stop_event = pid, interval, 0, threading.Event()

    @staticmethod
    def _size(process: psutil.Process) -> int:
        try:
            return process.memory_full_info().pss
        except (psutil.AccessDenied, AttributeError):
            return process.memory_info().rss

    def run(self) -> None:
        try:
            top = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop_event.is_set():
            total = 0
            try:
                processes = [top, *top.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for process in processes:
                try:
                    total += self._size(process)
                except (psutil.NoSuchProcess, psutil.ZombieProcess):
                    pass
            self.peak = max(self.peak, total)
            self._stop_event.wait(self.interval)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def _run(command: list[str], root: Path, log: Path, memory: bool = False) -> tuple[float, int, int]:
    """Run ``command`` in ``root``; (seconds, peak memory bytes or 0, exit status). Output goes to ``log``.

    Memory is sampled only when asked: reading every process's memory map many times a second costs CPU,
    so timed runs are not sampled and memory has runs of its own.
    """
    env = {**os.environ, "REPORT_ROOT": str(root)}
    with log.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = PeakMemory(process.pid) if memory else None
        if sampler:
            sampler.start()
        code = process.wait()
        seconds = time.perf_counter() - started
    return seconds, sampler.stop() if sampler else 0, code


def build(root: Path, log: Path, memory: bool = False) -> dict:
    """``python -m helpers build`` in ``root``: seconds, peak memory (if sampled) and the build's execution record."""
    seconds, peak, code = _run([sys.executable, "-m", "helpers", "build"], root, log, memory)
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"benchmark build failed in {root} (exit {code}); end of {log}:\n{tail}")
    record = json.loads((root / "_build" / "execution-report.json").read_text(encoding="utf-8"))
    return {"seconds": seconds, "peak_bytes": peak, "executed": record.get("executed", []), "outcome": record["outcome"]}


def floor_build(root: Path, scratch: Path, log: Path) -> dict:
    """The same book built by Jupyter Book with execution off (strict, every page): what Sphinx alone costs."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    config_file = scratch / "_config.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    output = scratch / "floor"
    shutil.rmtree(output, ignore_errors=True)
    command = [
        sys.executable,
        "-c",
        "from jupyter_book.cli.main import main; main()",
        "build",
        str(root),
        "--path-output",
        str(output),
        "--config",
        str(config_file),
        "--all",
        "--warningiserror",
        "--keep-going",
    ]
    seconds, peak, code = _run(command, root, log)
    if code != 0:
        raise RuntimeError(f"the execution-off build failed (exit {code}); see {log}")
    return {"seconds": seconds, "peak_bytes": peak}


VALIDATE_SOURCES = """
import time
from helpers.data import bib
from helpers.data import loaders as data
from helpers.data import validate
bibliography, reference_map, cmos = bib.load_bibliography(), data.load_reference_map(), data.load_cmos()
started = time.perf_counter()
data.clear_cache()
sources = data.load_sources()
problems = validate.source_problems(sources, cmos, bibliography, reference_map)
print(time.perf_counter() - started, len(sources), len(problems))
"""


def validation(root: Path, log: Path) -> dict:
    """Seconds to validate: the sources table alone (read and check, in a warm process), and the whole command."""
    env = {**os.environ, "REPORT_ROOT": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", VALIDATE_SOURCES], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"timing the sources validation failed:\n{result.stderr[-2000:]}")
    seconds, rows, problems = result.stdout.split()
    if int(problems):
        raise RuntimeError(f"the sources table of {root} has {problems} problem(s)")
    command_seconds, _, code = _run([sys.executable, "-m", "helpers", "validate"], root, log)
    if code != 0:
        raise RuntimeError(f"python -m helpers validate failed in {root}; see {log}")
    return {"sources_seconds": float(seconds), "sources_rows": int(rows), "command_seconds": command_seconds}


# ----------------------------------------------------------------------------------- one scale


def summary(values: list[float]) -> dict:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": [round(v, 4) for v in values],
    }


def measure_scale(root: Path, factor: int, repeat: int, scratch: Path, pages_runs: int) -> dict:
    """Every build and page measurement for the report copy at ``root``."""
    logs = scratch / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    say = lambda text: print(f"[{factor}x] {text}", flush=True)  # noqa: E731
    result: dict = {"factor": factor}

    peaks = []
    for run in range(repeat):
        shutil.rmtree(root / "_build", ignore_errors=True)
        measured = build(root, logs / f"memory-{run}.log", memory=True)
        peaks.append(measured["peak_bytes"])
        say(f"clean build, memory sampled {run + 1}/{repeat}: peak {measured['peak_bytes'] / MB:.0f} MB")
    result["peak_memory_bytes"] = summary(peaks)

    clean = []
    for run in range(repeat):
        shutil.rmtree(root / "_build", ignore_errors=True)
        measured = build(root, logs / f"clean-{run}.log")
        clean.append(measured["seconds"])
        say(f"clean build {run + 1}/{repeat}: {measured['seconds']:.2f} s")
    result["clean"] = summary(clean)
    result["executed_clean"] = len(measured["executed"])

    noop = []
    for run in range(repeat):
        measured = build(root, logs / f"noop-{run}.log")
        if measured["executed"]:
            raise RuntimeError(f"a rebuild with nothing changed executed {measured['executed']}")
        noop.append(measured["seconds"])
        say(f"no-op rebuild {run + 1}/{repeat}: {measured['seconds']:.2f} s")
    result["noop"] = summary(noop)

    result["one_file"] = {}
    for relative, edit in EDITS.items():
        path = root / relative
        original = path.read_bytes()
        times, executed, change = [], set(), ""
        for run in range(repeat):
            if run % 2 == 0:
                change = edit(root)
            else:
                path.write_bytes(original)
            measured = build(root, logs / f"edit-{path.stem}-{run}.log")
            times.append(measured["seconds"])
            executed |= set(measured["executed"])
            say(
                f"{relative} {'changed' if run % 2 == 0 else 'changed back'} {run + 1}/{repeat}: "
                f"{measured['seconds']:.2f} s, {len(measured['executed'])} chapter(s) executed"
            )
        record = json.loads((root / "_build" / "execution-report.json").read_text(encoding="utf-8"))
        readers = sorted(d for d, files in record["dependencies"].items() if relative in files)
        if path.read_bytes() != original:
            path.write_bytes(original)  # leave the copy's data as they were for what follows
            build(root, logs / f"edit-{path.stem}-restore.log")
        result["one_file"][relative] = {
            **summary(times),
            "executed": sorted(executed),
            "readers": readers,
            "only_readers": executed == set(readers),
            "change": change,
        }

    floors = []
    for run in range(repeat):
        measured = floor_build(root, scratch, logs / f"floor-{run}.log")
        floors.append(measured["seconds"])
        say(f"execution-off build {run + 1}/{repeat}: {measured['seconds']:.2f} s")
    result["floor"] = summary(floors)

    checks = [validation(root, logs / f"validate-{run}.log") for run in range(repeat)]
    result["validate_sources"] = summary([c["sources_seconds"] for c in checks])
    result["validate_command"] = summary([c["command_seconds"] for c in checks])
    result["sources_rows"] = checks[0]["sources_rows"]
    say(f"validation of {result['sources_rows']} sources: {result['validate_sources']['median']:.2f} s")

    from helpers.bench.pages import compare_plotly_bundles, measure_site

    say("pages in headless chromium...")
    result["pages"] = measure_site(root / "_build" / "html", runs=pages_runs)
    if factor == 1:
        say("plotly.js: the partial bundle and the full one, side by side...")
        result["plotly_bundles"] = compare_plotly_bundles(root / "_build" / "html", runs=pages_runs, scratch=scratch)
    return result


# ----------------------------------------------------------------------------------- the whole run


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        chromium = "not found"
    return {
        "cpu": model or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "os": platform.platform(),
        "python": platform.python_version(),
        "chromium": chromium,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _commit(root: Path) -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True).stdout
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True).stdout
    except OSError:
        return "unknown"
    return head.strip() + (" (with uncommitted changes)" if dirty.strip() else "") if head.strip() else "unknown"


def run(root: Path, factors: tuple[int, ...], repeat: int, pages_runs: int, preview_runs: int = 5, pdf_runs: int = 3) -> dict:
    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(root),
        "machine": machine(),
        "repeat": repeat,
        "pages_runs": pages_runs,
        "scales": {},
    }
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        for factor in factors:
            base = Path(tmp) / f"x{factor}"
            copy = base / "report"
            if factor == 1:
                copy_report(root, copy)
            else:
                make_scaled_copy(root, factor, copy)
            results["scales"][str(factor)] = measure_scale(copy, factor, repeat, base / "scratch", pages_runs)
            shutil.rmtree(base, ignore_errors=True)
    from helpers.bench.preview import measure_preview

    results["preview"] = measure_preview(root, runs=preview_runs)
    from helpers.bench.pdf import measure_pdf

    results["pdf"] = measure_pdf(root, runs=pdf_runs)
    from helpers.bench.report import budgets

    results["budgets"] = budgets(results)
    return results


def write_results(results: dict, output: Path) -> list[str]:
    """Write BENCHMARKS.json and BENCHMARKS.md into ``output``; the names of the budgets not met."""
    from helpers.bench.report import markdown

    output.mkdir(parents=True, exist_ok=True)
    (output / "BENCHMARKS.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (output / "BENCHMARKS.md").write_text(markdown(results), encoding="utf-8")
    return [b["name"] for b in results["budgets"] if b["met"] is False]
