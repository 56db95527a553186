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
