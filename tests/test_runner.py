"""The chapter runner: what it caches is what a Jupyter kernel produces, and a failing chapter still fails the build.

``helpers.build.runner`` executes chapters in forked workers instead of one Jupyter kernel each. It may only make a
build faster: the outputs must be the kernel's, and every failure a kernel would report must still stop the build.
"""

from __future__ import annotations

import json
import subprocess
import sys
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
    notebooks = sorted(f"chapters/{p.stem}" for p in (root / "chapters").glob("*.md") if "```{code-cell}" in p.read_text("utf-8"))
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
