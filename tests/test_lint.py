"""The helper package and the tests pass ruff (lint and format), as CI and contributors run it."""

import subprocess
import sys


def test_ruff_check_and_format(repo):
    for args in (["check", "src", "tests"], ["format", "--check", "src", "tests"]):
        result = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=repo, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
