"""Command line: ``python -m helpers validate | build | release | changelog | publish | citation``."""

from __future__ import annotations

import argparse
import subprocess
import sys

from .paths import root
from .validate import collect_problems

# Versions and editions (helpers.release): each parses its own arguments.
EDITION_COMMANDS = ("release", "changelog", "publish", "citation")


def validate() -> int:
    """Check every dataset; print each problem with file, row and column; 1 if any, else 0."""
    problems = collect_problems()
    if problems:
        print(
            f"Validation failed: {len(problems)} problem(s). Fix them and run `python -m helpers validate` again.",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("Validation passed: sources, CMOs, reported values, bibliography and reference map are consistent.")
    return 0


def build() -> int:
    """Validate, then build the whole book strictly (every warning is an error)."""
    if validate() != 0:
        print("Build not started: the data are invalid, so nothing was published.", file=sys.stderr)
        return 1
    command = [
        sys.executable,
        "-c",
        "from jupyter_book.cli.main import main; main()",
        "build",
        str(root()),
        "--all",
        "--warningiserror",
        "--keep-going",
    ]
    print("Running:", " ".join(command), flush=True)
    return subprocess.call(command, cwd=root())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in EDITION_COMMANDS:
        from .release import main as edition_main

        return edition_main(argv)
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    parser.add_argument("command", choices=["validate", "build", *EDITION_COMMANDS])
    args = parser.parse_args(argv)
    return {"validate": validate, "build": build}[args.command]()


if __name__ == "__main__":
    sys.exit(main())
