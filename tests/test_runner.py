"""The chapter runner: what it caches is what a Jupyter kernel produces, and a failing chapter still fails the build.

``helpers.build.runner`` executes chapters in forked workers instead of one Jupyter kernel each. It may only make a
build faster: the outputs must be the kernel's, and every failure a kernel would report must still stop the build.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jupyter_cache import get_cache
from jupyter_cache.executors.utils import single_nb_execution

from conftest import copy_repo, run_helpers
from helpers.build.runner import read_notebook

COMPARED = ["chapters/methods", "chapters/survey", "chapters/synthesis-1-self-efficacy"]

RUN = """
import json, sys
from pathlib import Path
from helpers.build.runner import run
root = Path(sys.argv[1])
print(json.dumps(run(root, root / "_build" / "exec", root / "_build" / "cache")))
"""


def outputs(notebook) -> list[list[dict]]:
    return [
        [{k: v for k, v in output.items() if k != "metadata" or v} for output in cell.get("outputs", [])]
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


@pytest.fixture(scope="module")
def runner_run(tmp_path_factory) -> tuple[Path, dict]:
    root = copy_repo(tmp_path_factory.mktemp("runner") / "report")
    result = subprocess.run(
        [sys.executable, "-c", RUN, str(root)], cwd=root, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return root, json.loads(result.stdout.strip().splitlines()[-1])


def test_the_runner_executes_every_chapter_and_records_what_each_read(runner_run):
    root, report = runner_run
    chapters = [p for p in (root / "chapters").glob("*.md") if not p.name.startswith("_")]  # not the template
    notebooks = sorted(f"chapters/{p.stem}" for p in chapters if "```{code-cell}" in p.read_text("utf-8"))
    assert sorted(report["executed"]) == notebooks and report["failed"] == []
    log = root / "_build" / "exec" / "reads" / "chapters__survey.jsonl"
    read = {json.loads(line)["file"] for line in log.read_text(encoding="utf-8").splitlines()}
    # Served from the loaders' memory in the worker, recorded all the same; unrelated data not recorded.
    assert "data/reported_values.csv" in read and "data/design_implications.csv" not in read


@pytest.mark.parametrize("docname", COMPARED)
def test_cached_outputs_are_what_a_jupyter_kernel_produces(runner_run, docname):
    root, _ = runner_run
    path = root / f"{docname}.md"
    notebook = read_notebook(path)
    cached = get_cache(str(root / "_build" / "cache")).merge_match_into_notebook(notebook)[1]
    kernel = single_nb_execution(read_notebook(path), cwd=str(path.parent), timeout=120, allow_errors=False)
    assert kernel.err is None, kernel.exc_string
    assert outputs(cached) == outputs(kernel.nb)
    assert any(outputs(cached)), "the chapter should have produced output"


def break_chapter(root: Path, code: str) -> None:
    chapter = root / "chapters" / "methods.md"
    text = chapter.read_text(encoding="utf-8")
    chapter.write_text(text + f"\n```{{code-cell}} ipython3\n{code}\n```\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("1 / 0", "ZeroDivisionError"),
        ("import sys; sys.stderr.write('a chapter wrote to stderr')", "ERROR: stderr"),
    ],
    ids=["raises", "writes to stderr"],
)
def test_a_failing_chapter_still_fails_the_build_and_publishes_nothing(tmp_path, code, expected):
    root = copy_repo(tmp_path / "report")
    break_chapter(root, code)
    result = run_helpers(root, "build")
    assert result.returncode != 0
    assert expected in result.stdout + result.stderr
    assert "chapters/methods" in result.stdout + result.stderr
    assert not (root / "_build" / "html").exists()


# ------------------------------------------------------------------------- a worker behaves like a kernel

DESCRIPTORS_CHAPTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Output below Python

```{code-cell} ipython3
import subprocess
subprocess.run(["echo", "from a child process"]);
```

```{code-cell} ipython3
import os
os.write(2, "to descriptor 2, caf\\u00e9\\n".encode());
```

```{code-cell} ipython3
print("from Python")
```
"""

EXECUTE = """
import json, sys
from pathlib import Path
from helpers.build.runner import execute, read_notebook
path = Path(sys.argv[1])
notebook, _, error = execute(path, read_notebook(path), path.parent / "reads.jsonl")
assert not error, error
print(json.dumps([[dict(o) for o in c.get("outputs", [])] for c in notebook.cells if c.cell_type == "code"]))
"""


def test_output_written_below_python_is_captured_as_a_kernel_captures_it(repo_copy, monkeypatch):
    """Descriptors 1 and 2 of the worker (child processes, C code) become stdout/stderr streams, as in a kernel."""
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # ipykernel leaves descriptors uncaptured under pytest
    path = repo_copy / "chapters" / "descriptors.md"
    path.write_text(DESCRIPTORS_CHAPTER, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", EXECUTE, str(path)], cwd=repo_copy, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(result.stdout.strip().splitlines()) == 1, "written to the process's output instead of the page"
    runner = json.loads(result.stdout.strip().splitlines()[-1])
    kernel = single_nb_execution(read_notebook(path), cwd=str(path.parent), timeout=120, allow_errors=False)
    assert kernel.err is None, kernel.exc_string
    assert runner == outputs(kernel.nb)
    assert runner[0] == [{"output_type": "stream", "name": "stdout", "text": "from a child process\n"}]
    assert runner[1] == [{"output_type": "stream", "name": "stderr", "text": "to descriptor 2, caf\u00e9\n"}]


@pytest.mark.parametrize(
    "code",
    ['import subprocess\nsubprocess.run(["sh", "-c", "echo oops >&2"]);', 'import os\nos.write(2, b"x");'],
    ids=["child process", "os.write"],
)
def test_output_to_descriptor_2_fails_the_build_and_publishes_nothing(tmp_path, code):
    root = copy_repo(tmp_path / "report")
    break_chapter(root, code)
    result = run_helpers(root, "build")
    assert result.returncode != 0
    assert "ERROR: stderr" in result.stdout + result.stderr
    assert "chapters/methods" in result.stdout + result.stderr
    assert not (root / "_build" / "html").exists()


HUNG_TIMEOUT = 5


def test_a_hung_chapter_fails_the_build_within_its_timeout_naming_chapter_and_cell(tmp_path):
    """A cell that never returns stops the build at the configured timeout; no kernel gets to hang on it again."""
    root = copy_repo(tmp_path / "report")
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    assert "  timeout: 120\n" in text
    config.write_text(text.replace("  timeout: 120\n", f"  timeout: {HUNG_TIMEOUT}\n"), encoding="utf-8")
    break_chapter(root, "import time; time.sleep(10**6)  # never returns")
    published = root / "_build" / "html"
    published.mkdir(parents=True)
    (published / "index.html").write_text("the site published before", encoding="utf-8")
    started = time.monotonic()
    result = run_helpers(root, "build", timeout=HUNG_TIMEOUT + 115)
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "chapters/methods" in output and "import time; time.sleep(10**6)" in output
    assert f"did not finish within {HUNG_TIMEOUT} s" in output
    # The runner's own cell ran out, and no Jupyter kernel started on the chapter (nbclient's timeout error).
    assert "Executing notebook" not in output and "CellTimeoutError" not in output
    # A few seconds for validation, starting Sphinx and warming the runner; generous for a shared machine.
    assert elapsed < HUNG_TIMEOUT + 45, f"the build took {elapsed:.0f} s"
    assert [p.name for p in published.iterdir()] == ["index.html"]
    assert (published / "index.html").read_text(encoding="utf-8") == "the site published before"


def test_no_process_a_chapter_starts_outlives_the_build(tmp_path):
    root = copy_repo(tmp_path / "report")
    pid_file = tmp_path / "child.pid"
    break_chapter(
        root,
        f'import subprocess\nchild = subprocess.Popen(["sleep", "1000"])\nopen({str(pid_file)!r}, "w").write(str(child.pid));',
    )
    result = run_helpers(root, "build")
    assert result.returncode == 0, f"build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    pid = int(pid_file.read_text(encoding="utf-8"))
    deadline = time.monotonic() + 5  # killed, it may take a moment to be reaped by init
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid), f"process {pid} (sleep 1000) started by a chapter survived the build"


def alive(pid: int) -> bool:
    """Whether ``pid`` runs ``sleep`` (and is no zombie): a recycled pid of another program does not count."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return False
    return "(sleep)" in stat and stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_both_executors_publish_byte_identical_chapter_pages(tmp_path):
    """``build`` (the runner) and ``build --executor kernel`` (myst-nb's Jupyter kernels) publish the same pages."""
    sites, records = {}, {}
    for executor in ("runner", "kernel"):
        root = copy_repo(tmp_path / executor)
        result = run_helpers(root, "build", "--executor", executor)
        assert result.returncode == 0, f"{executor} build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        sites[executor] = root / "_build" / "html" / "chapters"
        records[executor] = json.loads((root / "_build" / "execution-report.json").read_text(encoding="utf-8"))
    assert "Executing notebook" in result.stdout, "the kernel build should have executed the chapters in kernels"
    pages = sorted(p.relative_to(sites["runner"]).as_posix() for p in sites["runner"].rglob("*.html"))
    assert pages == sorted(p.relative_to(sites["kernel"]).as_posix() for p in sites["kernel"].rglob("*.html"))
    assert len(pages) >= 20
    different = [page for page in pages if (sites["runner"] / page).read_bytes() != (sites["kernel"] / page).read_bytes()]
    assert different == []
    # Kernels record what each chapter reads too (an IPython startup file of the build's own starts the recorder).
    assert records["kernel"]["executed"] == records["runner"]["executed"]
    assert "data/reported_values.csv" in records["kernel"]["dependencies"]["chapters/survey"]
    assert "data/design_implications.csv" not in records["kernel"]["dependencies"]["chapters/survey"]


def test_each_cell_gets_the_timeout_myst_nb_would_give_it(repo, tmp_path):
    import nbformat

    from helpers.build.runner import execution_timeout, notebook_timeout

    assert execution_timeout(repo) == 120  # execute.timeout in _config.yml
    (tmp_path / "_config.yml").write_text("execute:\n  timeout: -1\n", encoding="utf-8")
    assert execution_timeout(tmp_path) is None  # myst-nb: -1 is no limit
    page = nbformat.v4.new_notebook()
    assert notebook_timeout(page, 120) == 120
    page.metadata["mystnb"] = {"execution_timeout": 7}  # a page's own top matter overrides it, as in myst-nb
    assert notebook_timeout(page, 120) == 7
