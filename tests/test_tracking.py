"""Discovery of what a chapter reads: the kernel-side recorder, exercised in a process like a chapter's kernel."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from helpers.build.protocol import KERNEL_STARTUP_NAME
from helpers.build.reads import READS_LOG_ENV, kernel_ipython_dir

KERNEL_LIKE = """
import ipykernel, sys  # the recorder only ever runs inside a kernel
from pathlib import Path
exec(Path(sys.argv[1]).read_text())  # what IPython does with the build's startup file when the kernel starts
from helpers.data import loaders as data
data.load_cmos()
sorted(Path('../data').glob('*.csv'))          # a loader that globs a folder
Path('scratch.txt').write_text('an output, not an input')
"""


def test_kernel_records_files_read_and_folders_listed_but_not_writes(repo_copy, tmp_path):
    log = tmp_path / "reads.jsonl"
    env = {**os.environ, "REPORT_ROOT": str(repo_copy), READS_LOG_ENV: str(log)}
    startup = kernel_ipython_dir(tmp_path) / "profile_default" / "startup" / KERNEL_STARTUP_NAME
    result = subprocess.run(
        [sys.executable, "-c", KERNEL_LIKE, str(startup)],
        cwd=repo_copy / "chapters",
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    reads = {entry["file"]: entry["sha256"] for entry in map(json.loads, log.read_text(encoding="utf-8").splitlines())}
    cmos = (repo_copy / "data" / "cmos.csv").read_bytes()
    assert reads["data/cmos.csv"] == hashlib.sha256(cmos).hexdigest()
    assert "data/" in reads, "a globbed folder is a dependency: a file added to it must re-run the chapter"
    assert "data/reported_values.csv" not in reads and "data/sources.xlsx" not in reads
    assert not any(key.startswith("chapters/") for key in reads), "writes and the import system's listings are not reads"
    helper_sources = {key.rsplit("/", 1)[-1] for key in reads if "/helpers/" in key}
    assert {"__init__.py", "reads.py", "paths.py", "loaders.py"} <= helper_sources
    assert not any("__pycache__" in key for key in reads)


def test_nothing_is_recorded_outside_a_chapter_kernel(repo_copy, tmp_path):
    """No log variable (a reader's notebook), or no kernel (the build's own process): no hook is installed."""
    log = tmp_path / "reads.jsonl"
    code = (
        "import helpers; from helpers.build import reads; from helpers.data import loaders; loaders.load_cmos(); "
        "reads.start_recording(); print(reads._state['installed'])"
    )
    base = {k: v for k, v in os.environ.items() if k != READS_LOG_ENV}
    for prelude, extra in (("import ipykernel; ", {}), ("", {READS_LOG_ENV: str(log)})):
        env = {**base, "REPORT_ROOT": str(repo_copy), **extra}
        result = subprocess.run([sys.executable, "-c", prelude + code], cwd=repo_copy, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "False"
    assert not log.exists()


SERVED_FROM_MEMORY = """
import ipykernel, sys
from pathlib import Path
from helpers.data import loaders as data
data.load_cmos()                                   # validation, before the chapter runs
cmos = Path('../data/cmos.csv')
cmos.write_bytes(cmos.read_bytes().replace(b'active forums', b'active, edited forums', 1))
from helpers.build.reads import start_recording
start_recording()
data.load_cmos()                                   # the chapter: served from memory, the old content
"""


def test_a_dataset_served_from_memory_is_recorded_with_the_hash_of_what_was_parsed(repo_copy, tmp_path):
    """The record names the content the chapter used, not the file on disk since: the next build sees the change."""
    log = tmp_path / "reads.jsonl"
    before = hashlib.sha256((repo_copy / "data" / "cmos.csv").read_bytes()).hexdigest()
    env = {**os.environ, "REPORT_ROOT": str(repo_copy), READS_LOG_ENV: str(log)}
    result = subprocess.run(
        [sys.executable, "-c", SERVED_FROM_MEMORY], cwd=repo_copy / "chapters", env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    reads = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [entry["sha256"] for entry in reads if entry.get("file") == "data/cmos.csv"] == [before]
    assert hashlib.sha256((repo_copy / "data" / "cmos.csv").read_bytes()).hexdigest() != before


GUARDED = """
import ipykernel, socket, tempfile
from pathlib import Path
from helpers.build.reads import NetworkRefusedError, OutsideReadError, start_recording
assert start_recording()
scratch = Path(tempfile.mkdtemp()) / "written-here.txt"
scratch.write_text("a file the chapter wrote itself")
assert scratch.read_text() == "a file the chapter wrote itself"
import pandas  # the Python installation is readable
server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
socket.create_connection(server.getsockname(), timeout=2).close()  # loopback is allowed
for attempt in (lambda: Path(OUTSIDE).read_text(), lambda: socket.create_connection(("192.0.2.1", 80), timeout=2),
                lambda: socket.getaddrinfo("cdn.plot.ly", 443)):
    try:
        attempt()
    except (OutsideReadError, NetworkRefusedError) as refused:
        print(refused)
    else:
        raise SystemExit("not refused")
"""


def test_a_chapter_may_not_read_outside_the_report_or_use_the_network(repo_copy, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("a,b\n", encoding="utf-8")
    log = tmp_path / "execution" / "reads" / "chapters__survey.jsonl"
    env = {**os.environ, "REPORT_ROOT": str(repo_copy), READS_LOG_ENV: str(log)}
    code = f"OUTSIDE = {str(outside)!r}\n" + GUARDED
    result = subprocess.run([sys.executable, "-c", code], cwd=repo_copy / "chapters", env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    said = result.stdout.splitlines()
    assert said[0].startswith(f"chapters/survey: reading {outside} refused during the build: the file is outside the report")
    assert said[1].startswith("chapters/survey: connecting to 192.0.2.1:80 refused during the build")
    assert said[2].startswith("chapters/survey: connecting to cdn.plot.ly:443 refused during the build")
    from helpers.build.reads import refusals

    assert refusals(tmp_path / "execution") == said, "the log keeps every refusal, for the build to fail on"
