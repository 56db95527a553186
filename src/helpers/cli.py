"""The command line, one parser for every command: ``python -m helpers COMMAND``.

validate   check every dataset; print each problem with file, row and column
build      validate, build strictly, publish _build/html only if all went well
audit      print every audit check
preview    serve locally at once, rebuild on every change (watchfiles), reload the open pages
bench      measure builds and pages; write BENCHMARKS.md/.json
release    check the data, bump the version, record the changes and the data package, commit and tag
record     complete an existing release record (commit, fingerprint, compared rows) from its commit
changelog  what changed since the newest release (or between two releases or git refs)
pdf        print the built site as one PDF (title page, contents, outline, page numbers)
publish    build every release into _build/site/ with a version switcher, each with its PDF and data package
citation   write .zenodo.json from CITATION.cff
surveil    search the open scholarly APIs for records published since the last search; add them to screen
datapackage  write the edition's data as a Frictionless data package (zip)
diff       print a spreadsheet as rows of text (git's textconv for .xlsx)
include    turn a record screened 'include' into a source row and a BibTeX entry for a curator to complete
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from helpers.build.protocol import EXECUTORS
from helpers.data.paths import root


def validate() -> int:
    """Check every dataset; print each problem with file, row and column; 1 if any, else 0."""
    from helpers.data.validate import collect_problems

    problems = collect_problems()
    if problems:
        print(
            f"Validation failed: {len(problems)} problem(s). Fix them and run `python -m helpers validate` again.",
            file=sys.stderr,
        )
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("Validation passed: every dataset in data/ and bib/, CITATION.cff and chapters/places.yml are consistent.")
    return 0


def build(executor: str = "runner") -> int:
    """Validate, build strictly into a fresh directory, and publish to _build/html only if all went well."""
    from helpers.build.pipeline import build as build_and_publish

    def problems() -> list:
        # Imported when the build validates, not before: an up-to-date build stops without loading the data layer.
        from helpers.data.validate import collect_problems

        return collect_problems()

    return build_and_publish(root(), problems, executor)


def audit() -> int:
    """Print every audit check as a table. Findings are information (exit 0); broken audit input exits 1."""
    from helpers.audit.checks import run_audit
    from helpers.data.errors import DataError
    from helpers.views.audit_page import text_table

    try:
        checks = run_audit()
    except DataError as exc:
        print(f"Audit not run: {exc}", file=sys.stderr)
        return 1
    print(text_table(checks))
    return 0


def _partial(results: dict, table: str, path: Path | None) -> int:
    """A partial benchmark's verdicts on the terminal, and its results as JSON where asked (``--json``)."""
    print(table)
    if path:
        path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


def bench(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from helpers.bench.builds import run, write_results
    from helpers.bench.report import markdown

    base = root()
    if args.synthetic is not None:
        from helpers.bench.synthetic import make_scaled_copy

        if args.to is None:
            parser.error("--synthetic FACTOR needs --to DEST, the folder for the copy")
        dest = make_scaled_copy(base, args.synthetic, args.to)
        print(f"Synthetic {args.synthetic}x copy in {dest}; build it with: cd {dest} && python -m helpers build")
        return 0
    if args.site is not None and args.plotly_bundles:
        from helpers.bench.pages import bundles_table, compare_plotly_bundles

        site = compare_plotly_bundles(args.site, runs=args.pages_runs)
        return _partial(site, bundles_table(site), args.json)
    if args.site is not None:
        from helpers.bench.pages import measure_site, text_table

        site = measure_site(args.site, runs=args.pages_runs, pages=args.page)
        return _partial(site, text_table(site), args.json)
    if args.preview:
        from helpers.bench.preview import measure_preview, text_table

        measured = measure_preview(base, runs=args.preview_runs)
        return _partial(measured, text_table(measured), args.json)
    if args.pdf:
        from helpers.bench.pdf import measure_pdf, text_table

        measured = measure_pdf(base, runs=args.pdf_runs)
        return _partial(measured, text_table(measured), args.json)
    if args.render:
        target = (args.output or args.render.parent) / "BENCHMARKS.md"
        target.write_text(markdown(json.loads(args.render.read_text(encoding="utf-8"))), encoding="utf-8")
        print(f"Wrote {target} from {args.render}.")
        return 0
    factors = tuple(int(f) for f in args.scales.split(","))
    if 1 not in factors:
        parser.error("--scales must include 1: the budgets compare against the real evidence base")
    results = run(base, factors, args.repeat, args.pages_runs, args.preview_runs, args.pdf_runs)
    output = args.output or base
    missed = write_results(results, output)
    print(f"Wrote {output / 'BENCHMARKS.md'} and BENCHMARKS.json; budgets not met: {', '.join(missed) or 'none'}.")
    return 0


def release(args: argparse.Namespace) -> int:
    from helpers.release.cut import release as cut

    return cut(args.version, args.date, args.dry_run)


def publish(args: argparse.Namespace) -> int:
    from helpers.release.site import publish as publish_editions

    return publish_editions(args.out, args.rebuild)


def record(args: argparse.Namespace) -> int:
    from helpers.release.cut import record as complete

    return complete(args.version, args.at)


def pdf(args: argparse.Namespace) -> int:
    """Print the built book into one PDF; a missing site or a failed print is a message and exit 1."""
    from helpers.data.errors import DataError
    from helpers.release.artifacts import DOWNLOADS
    from helpers.release.pdf import PdfError, default_name, write_pdf

    base = root()
    site = args.site or base / "_build" / "html"
    try:
        out = args.out or base / "_build" / DOWNLOADS / default_name(base)
        written = write_pdf(site, out, base)
    except (PdfError, DataError) as exc:
        print(f"PDF not written: {exc}", file=sys.stderr)
        return 1
    print(f"Wrote {out}: {written['pages']} pages, {written['bytes'] / 1e6:.1f} MB, sha256 {written['sha256'][:12]}.")
    return 0


def changelog(old: str | None, new: str | None, markdown: bool = False) -> int:
    """Print what changed between two releases or refs (default: the newest release and the working tree)."""
    from helpers.data.errors import DataError
    from helpers.release import changes
    from helpers.release.git import ReleaseError

    base = root()
    try:
        if old is None:
            newest = changes.newest_release(base)
            if newest is None:
                snapshot = changes.snapshot_for(base, new)
                print(f"No release yet: the first edition would hold {changes.counts(snapshot)}.")
                return 0
            old = newest.tag
        compared = changes.compare(changes.snapshot_for(base, old), changes.snapshot_for(base, new))
    except (ReleaseError, DataError) as exc:
        print(f"Changelog failed: {exc}", file=sys.stderr)
        return 1
    title = f"Changes from {old} to {new or 'the working tree'}"
    print(changes.changes_markdown(compared, title) if markdown else f"{title}:\n{changes.changes_text(compared)}")
    return 0


def diff(path: Path) -> int:
    """A workbook as rows of text, one line per row, ``SHEET!ROW: cell | cell``: git's textconv for .xlsx files."""
    from helpers.data.errors import DataError
    from helpers.data.readers import open_workbook, sheet_text

    try:
        book = open_workbook(path, str(path))
    except (DataError, OSError) as exc:
        print(f"Cannot show {path} as rows: {exc}", file=sys.stderr)
        return 1
    try:
        for sheet in book.worksheets:
            for number, cells in enumerate(sheet_text(sheet), start=1):
                cells = [c.replace("\r", "").replace("\n", "\\n") for c in cells]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    print(f"{sheet.title}!{number}: {' | '.join(cells)}")
    finally:
        book.close()
    return 0


def citation(check: bool) -> int:
    """Write ``.zenodo.json`` from CITATION.cff, or (``check``) say whether it is up to date."""
    from helpers.data import citation
    from helpers.release import citation as zenodo

    base = root()
    problems = citation.citation_problems(base)
    if problems:
        print("CITATION.cff is invalid:", *problems, sep="\n  - ", file=sys.stderr)
        return 1
    path = base / zenodo.ZENODO_FILE
    expected = zenodo.zenodo_text(base)
    if check:
        if not path.is_file() or path.read_text(encoding="utf-8") != expected:
            print(f"{zenodo.ZENODO_FILE} is out of date; run `python -m helpers citation`", file=sys.stderr)
            return 1
        print(f"{zenodo.ZENODO_FILE} agrees with {citation.CITATION_FILE}.")
        return 0
    path.write_text(expected, encoding="utf-8")
    print(f"Wrote {zenodo.ZENODO_FILE} from {citation.CITATION_FILE}.")
    return 0


def surveil(until: str | None, dry_run: bool) -> int:
    """Run the declared search (helpers.search.surveil); an interruption changes nothing."""
    from datetime import date

    from helpers.search.surveil import NOTHING_CHANGED
    from helpers.search.surveil import surveil as search

    try:
        end = date.fromisoformat(until) if until else None
    except ValueError:
        print(f"--until {until!r} is not a date YYYY-MM-DD", file=sys.stderr)
        return 2
    try:
        return search(root(), until=end, dry_run=dry_run)
    except KeyboardInterrupt:
        print(f"Search interrupted. {NOTHING_CHANGED}", file=sys.stderr)
        return 130


def datapackage(out: str | None) -> int:
    """Write the data package of the report at the root (``helpers.release.datapackage``)."""
    from helpers.release.datapackage import command

    return command(out, root())


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m helpers", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("validate", help="check every dataset; print each problem with file, row and column")
    make = commands.add_parser("build", help="validate, build strictly, publish _build/html only if all went well")
    make.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="runner",
        help="runner: the fast chapter runner executes the chapters (default); "
        "kernel: myst-nb executes each chapter in a Jupyter kernel of its own",
    )
    commands.add_parser("audit", help="print every audit check")
    look = commands.add_parser("preview", help="build, serve on 127.0.0.1 and rebuild on every change (live reload)")
    look.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0 picks a free one)")
    printed = commands.add_parser("pdf", help="print the built site as one PDF (title page, contents, outline, page numbers)")
    printed.add_argument("--site", type=Path, default=None, help="the built site (default: _build/html)")
    printed.add_argument(
        "--out", type=Path, default=None, help="the PDF to write (default: _build/downloads/living-evidence-report-<edition>.pdf)"
    )
    measure = commands.add_parser("bench", help="measure builds and pages; write BENCHMARKS.md/.json")
    measure.add_argument("--repeat", type=int, default=3, help="runs of each build measurement (default 3)")
    measure.add_argument("--pages-runs", type=int, default=3, help="fresh loads of each page (default 3)")
    measure.add_argument(
        "--scales", default="1,10,100", help="evidence-base sizes as multiples of the real one (default 1,10,100)"
    )
    measure.add_argument("--output", type=Path, default=None, help="folder for BENCHMARKS.md/.json (default: root)")
    measure.add_argument("--render", type=Path, default=None, help="write BENCHMARKS.md from this JSON; measure nothing")
    measure.add_argument("--site", type=Path, default=None, help="only measure what each page of this built site costs a reader")
    measure.add_argument("--page", action="append", help="with --site: only this page (repeatable)")
    measure.add_argument(
        "--plotly-bundles", action="store_true", help="with --site: its plotly.js and the full one side by side, cold"
    )
    measure.add_argument("--json", type=Path, default=None, help="with --site, --preview or --pdf: also write the results here")
    measure.add_argument(
        "--preview",
        action="store_true",
        help="only measure python -m helpers preview: start-up, and edits until the open page shows them",
    )
    measure.add_argument(
        "--pdf",
        action="store_true",
        help="only measure python -m helpers pdf on a built copy: time, size and pages against their budgets",
    )
    measure.add_argument("--pdf-runs", type=int, default=3, help="prints of the PDF measured (default 3)")
    measure.add_argument(
        "--preview-runs", type=int, default=5, help="preview start-ups and edits of each kind measured (default 5)"
    )
    measure.add_argument(
        "--synthetic", type=int, default=None, metavar="FACTOR", help="only make a copy with FACTOR x the sources"
    )
    measure.add_argument("--to", type=Path, default=None, metavar="DEST", help="with --synthetic: the folder for the copy")
    cut = commands.add_parser("release", help="check the data, bump the version, record the changes, commit and tag")
    cut.add_argument("version", help="the new version X.Y.Z")
    cut.add_argument("--date", help="release date YYYY-MM-DD (default: today)")
    cut.add_argument("--dry-run", action="store_true", help="show exactly what would be written; works on a dirty tree")
    fill = commands.add_parser("record", help="complete a release record (commit, fingerprint, rows) from its commit")
    fill.add_argument("version", help="the release X.Y.Z whose record releases/vX.Y.Z.json to complete")
    fill.add_argument("--at", help="the edition's commit (default: its tag, its record's commit, or the one that added it)")
    log = commands.add_parser("changelog", help="what changed since the newest release, or between two releases or refs")
    log.add_argument("old", nargs="?", help="older release (X.Y.Z or vX.Y.Z, read from its record) or git ref (default: newest)")
    log.add_argument("new", nargs="?", help="newer release or git ref (default: the working tree)")
    log.add_argument("--markdown", action="store_true", help="print Markdown (a CI job summary)")
    rows = commands.add_parser("diff", help="print a spreadsheet as rows of text (git's textconv for .xlsx)")
    rows.add_argument("file", type=Path, help="an .xlsx file")
    site = commands.add_parser(
        "publish", help="build every release into _build/site/vX.Y.Z/ (with its downloads/), latest/ and a switcher"
    )
    site.add_argument("--out", help="output folder (default: _build/site)")
    site.add_argument("--rebuild", action="store_true", help="build editions again even if already published")
    take = commands.add_parser(
        "include", help="turn a record screened 'include' into a source row and a BibTeX entry for a curator to complete"
    )
    take.add_argument("candidate", help="the record's candidate_id in data/screening/candidates.csv, e.g. C-0001")
    take.add_argument("--id", dest="source_id", help="the new source_id (default: the next free SRC-N number)")
    cff = commands.add_parser("citation", help="write .zenodo.json from CITATION.cff")
    cff.add_argument("--check", action="store_true", help="only check that .zenodo.json agrees with CITATION.cff")
    look_up = commands.add_parser("surveil", help="search for records published since the last search; add them to screen")
    look_up.add_argument("--until", help="end of the publication-date window, YYYY-MM-DD (default: today)")
    look_up.add_argument("--dry-run", action="store_true", help="print what would be added; write nothing")
    package = commands.add_parser("datapackage", help="write the edition's data as a Frictionless data package (zip)")
    package.add_argument(
        "--out", help="the zip to write (default: _build/downloads/living-evidence-report-<vX.Y.Z|unreleased>-data.zip)"
    )
    return top


def main(argv: list[str] | None = None) -> int:
    top = parser()
    args = top.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "bench":
        return bench(args, top)
    if args.command == "release":
        return release(args)
    if args.command == "changelog":
        return changelog(args.old, args.new, args.markdown)
    if args.command == "record":
        return record(args)
    if args.command == "diff":
        return diff(args.file)
    if args.command == "publish":
        return publish(args)
    if args.command == "pdf":
        return pdf(args)
    if args.command == "preview":
        from helpers.build.preview import run as preview

        return preview(args.port)
    if args.command == "include":
        from helpers.search.include import main as include

        return include(args.candidate, args.source_id)
    if args.command == "citation":
        return citation(args.check)
    if args.command == "surveil":
        return surveil(args.until, args.dry_run)
    if args.command == "build":
        return build(args.executor)
    if args.command == "datapackage":
        return datapackage(args.out)
    return {"validate": validate, "audit": audit}[args.command]()
