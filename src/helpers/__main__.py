"""Command line: ``python -m helpers validate | build | audit | bench | release | changelog | publish | citation``."""

from __future__ import annotations

import argparse
import sys

from .paths import root

# Versions and editions (helpers.release): each parses its own arguments.
EDITION_COMMANDS = ("release", "changelog", "publish", "citation")


def validate() -> int:
    """Check every dataset; print each problem with file, row and column; 1 if any, else 0."""
    from .validate import collect_problems

    problems = collect_problems()
    if problems:
        print(
            f"Validation failed: {len(problems)} problem(s). Fix them and run `python -m helpers validate` again.",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("Validation passed: every dataset in data/ and bib/, and CITATION.cff, is consistent.")
    return 0


def build() -> int:
    """Validate, build strictly into a fresh directory, and publish to _build/html only if all went well."""
    from .publish import build as build_and_publish

    return build_and_publish(root(), validate)


def audit() -> int:
    """Print every audit check as a table. Findings are information (exit 0); broken audit input exits 1."""
    from .audit import run_audit
    from .audit_report import text_table
    from .errors import DataError

    try:
        checks = run_audit()
    except DataError as exc:
        print(f"Audit not run: {exc}", file=sys.stderr)
        return 1
    print(text_table(checks))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "bench":
        from .bench import main as bench_main

        return bench_main(argv[1:])
    if argv and argv[0] in EDITION_COMMANDS:
        from .release import main as edition_main

        return edition_main(argv)
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    parser.add_argument("command", choices=["validate", "build", "audit", "bench", *EDITION_COMMANDS])
    args = parser.parse_args(argv)
    return {"validate": validate, "build": build, "audit": audit}[args.command]()


if __name__ == "__main__":
    sys.exit(main())
