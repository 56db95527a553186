"""Shared fixtures: the repository, a disposable copy of it, the source papers, and one clean build."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("SEEDS_DIR", REPO.parent / "shared" / "seeds"))
PAPER_2024 = "001_2b9d910073bac5f5.txt"
PAPER_2025 = "004_cbe5b8e551a4a86c.txt"
# What a copy of the repository needs to validate and build; never the venv or an old build.
COPIED = [
    "_config.yml",
    "_toc.yml",
    "_static",
    "chapters",
    "data",
    "bib",
    "releases",
    "CONTRIBUTING.md",
    "CITATION.cff",
    ".zenodo.json",
]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def papers() -> dict[int, str]:
    """Text of the two papers; tests that need them are skipped, with the reason, where shared/ is absent."""
    if not (SEEDS / PAPER_2024).is_file() or not (SEEDS / PAPER_2025).is_file():
        pytest.skip(f"source papers not found in {SEEDS} (the repository does not ship them; set SEEDS_DIR)")
    return {2024: (SEEDS / PAPER_2024).read_text(encoding="utf-8"), 2025: (SEEDS / PAPER_2025).read_text(encoding="utf-8")}


def copy_repo(target: Path) -> Path:
    target.mkdir(parents=True)
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A throwaway copy of the report's sources, for tests that break or change data."""
    return copy_repo(tmp_path / "report")


# A sitecustomize that makes every Python process refuse and record any connection beyond loopback.
NETWORK_GUARD = Path(__file__).resolve().parent / "netguard"


def network_guard_env(log: Path) -> dict[str, str]:
    """Environment that arms the network guard in every Python process started with it (see netguard/)."""
    path = os.pathsep.join(p for p in (str(NETWORK_GUARD), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "NETWORK_GUARD_LOG": str(log)}


def run_helpers(
    root: Path,
    *args: str,
    timeout: int = 900,
    offline: bool = False,
    guard_log: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """``python -m helpers ...`` against the report at ``root``; ``offline`` runs it with no network but loopback;
    ``guard_log`` arms the Python-level network guard in it and every process it starts, recording there; ``env``
    adds to its environment (e.g. ``fake_writers.subprocess_env()``)."""
    env = {**os.environ, "REPORT_ROOT": str(root), **(network_guard_env(guard_log) if guard_log else {}), **(env or {})}
    command = [sys.executable, "-m", "helpers", *args]
    if offline:
        inner = " ".join(shlex.quote(part) for part in command)
        command = ["unshare", "--net", "sh", "-c", f"ip link set lo up && exec {inner}"]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


def network_isolation_available() -> bool:
    """Whether this machine lets us run a command in a network namespace of its own (root with unshare and ip)."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return False
    probe = subprocess.run(["unshare", "--net", "sh", "-c", "ip link set lo up"], capture_output=True)
    return probe.returncode == 0


@pytest.fixture(scope="session")
def offline_build() -> bool:
    """Builds in these tests run without network (loopback only) wherever the machine allows it."""
    return network_isolation_available()


@pytest.fixture(scope="session")
def network_guard_log(tmp_path_factory) -> Path:
    """Where the session's guarded build records its processes and any network attempt (tests/test_network.py)."""
    return tmp_path_factory.mktemp("netguard") / "network.log"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, offline_build, network_guard_log) -> Path:
    """One clean, strict build of a copy of the repository (the README's build command), offline if possible,
    and with the network guard armed in every Python process of the build."""
    root = copy_repo(tmp_path_factory.mktemp("build") / "report")
    result = run_helpers(root, "build", offline=offline_build, guard_log=network_guard_log)
    assert result.returncode == 0, f"strict build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return root / "_build" / "html"


@contextlib.contextmanager
def serve_directory(directory: Path):
    """A built site on a loopback HTTP server, on a free port (what a reader's browser would fetch)."""
    from helpers.server import serve

    with serve(directory) as base:
        yield base


@pytest.fixture(scope="session")
def served_site(built_site):
    """The built site on a loopback HTTP server (what a reader's browser would fetch)."""
    with serve_directory(built_site) as base:
        yield base


def chromium_path() -> str:
    """Debian's chromium (installed by .ci/run); missing is a failure in CI and a skip elsewhere."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs Debian's chromium")
        pytest.skip("chromium not installed (apt-get install chromium)")
    return browser


@pytest.fixture(scope="session")
def browser():
    """Playwright driving Debian's chromium (Playwright's own browser downloads are never used)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        yield instance
        instance.close()
