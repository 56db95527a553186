"""Shared fixtures: the repository, a disposable copy of it, the source papers, and one clean build."""

from __future__ import annotations

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
COPIED = ["_config.yml", "_toc.yml", "_static", "chapters", "data", "bib", "CITATION.cff", ".zenodo.json"]


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


def run_helpers(root: Path, *args: str, timeout: int = 900, offline: bool = False) -> subprocess.CompletedProcess:
    """``python -m helpers ...`` against the report at ``root``; ``offline`` runs it with no network but loopback."""
    env = {**os.environ, "REPORT_ROOT": str(root)}
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
def built_site(tmp_path_factory, offline_build) -> Path:
    """One clean, strict build of a copy of the repository (the README's build command), offline if possible."""
    root = copy_repo(tmp_path_factory.mktemp("build") / "report")
    result = run_helpers(root, "build", offline=offline_build)
    assert result.returncode == 0, f"strict build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return root / "_build" / "html"
