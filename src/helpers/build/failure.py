"""What a build says when it fails or starts from nothing: the first error, once, at the end; the reason, named.

A failed build ends with two lines: ``Build failed: <the first error>`` and what happened to the published
site (data that validation refuses end the output instead with the list of their problems, file, row and
column, the first first: ``helpers.build.pipeline``). The first error is, in this order of precedence:

- how the build departed from its snapshot (a read refused, a file edited while it ran), or a timeout;
- the chapter, cell, line and exception of a cell that raised in the runner (``helpers.build.runner``),
  when its kernel failed on it too (myst-nb's own message says only "Executing notebook failed");
- the first warning or error Sphinx, myst-nb or Jupyter Book printed (file and line where they give one).

:class:`FirstError` holds the first one back from the log as it passes (and every crash report of Sphinx's,
which follows from it), so that it is printed once, at the end.

:func:`rebuild_reason` says why Sphinx starts from nothing ("first build", "configuration changed:
_config.yml", "helpers package changed: src/helpers/x.py", ...), from what the kept environment was built
from (``helpers.build.fingerprint.structure_parts``).
"""

from __future__ import annotations

import re
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# "path:line: WARNING: message [type]", "path: ERROR: message", as Sphinx and docutils print them.
DIAGNOSTIC = re.compile(r"^(?P<where>\S.*?)?:(?:(?P<line>\d+):)? ?(?P<level>WARNING|ERROR|SEVERE|CRITICAL): (?P<message>.*)$")
# Sphinx's own crash report ("Exception occurred:", "Extension error ...:") and the lines after it, to a blank line.
BLOCK_START = re.compile(r"^(Exception occurred:|Extension error|Configuration error|Theme error|Sphinx error)")
# Lines of Sphinx's crash report addressed to Sphinx's developers, not to a writer of this book.
NOISE = ("Please also report this if it was a user error", "A bug report can be filed in the tracker")


def plain(line: str) -> str:
    return ANSI.sub("", line).rstrip("\n")


class FirstError:
    """Watches a build's log line by line; keeps the first error and holds it back from the log.

    :meth:`passes` says whether a line goes on to the terminal: the first diagnostic (and a crash report's
    block) does not, it is printed by the build at its end; later ones do.
    """

    def __init__(self, root: Path) -> None:
        self.prefixes = [f"{root.resolve()}/", f"{root}/"]
        self.text = ""
        self.block: list[str] | None = None

    def _relative(self, where: str) -> str:
        for prefix in self.prefixes:
            where = where.replace(prefix, "")
        return where

    def passes(self, line: str) -> bool:
        text = plain(line)
        if any(text.startswith(noise) for noise in NOISE):
            return False
        if self.block is not None:  # inside the held-back crash report
            if text.strip():
                self.block.append(text)
                return False
            self._close_block()
            return True
        if BLOCK_START.match(text):  # a crash report: the first error's consequence, or the first error
            self.block = [text]
            return False
        if self.text:
            return True
        match = DIAGNOSTIC.match(text)
        if match:
            where = self._relative(match["where"] or "")
            if match["line"]:
                where = f"{where}, line {match['line']}"
            said = f"{match['level']}: {match['message']}"  # the level as Sphinx says it: WARNING, ERROR, ...
            self.text = f"{where}: {said}" if where else said
            return False
        return True

    def _close_block(self) -> None:
        lines, self.block = self.block or [], None
        if self.text:
            return
        body = [line.strip() for line in lines[1:] if line.strip() and not line.startswith("  File ")]
        shown = [self._relative(line) for line in body if not line.startswith("The full traceback has been saved")]
        saved = [line for line in body if line.startswith("The full traceback has been saved")]
        head = lines[0].rstrip(":") if lines else "Sphinx stopped"
        self.text = f"{head}: {shown[-1] if shown else 'no detail given'}" + (f" ({saved[0]})" if saved else "")

    def finish(self) -> str:
        """The first error seen ("" if none)."""
        if self.block is not None:
            self._close_block()
        return self.text


def page_of(docname: str, root: Path) -> str:
    """A docname as the file a writer edits (``chapters/methods`` -> ``chapters/methods.md``)."""
    for suffix in (".md", ".ipynb"):
        if (root / f"{docname}{suffix}").is_file():
            return f"{docname}{suffix}"
    return docname


def first_error(root: Path, problems: list[str], runner: dict, logged: str, returncode: int) -> tuple[str, str]:
    """(the first error of a failed build, a traceback to print above it or "").

    ``problems``: how the build departed from its snapshot (a refused read, a file edited meanwhile);
    ``runner``: the runner's report; ``logged``: the first error in Sphinx's log (:class:`FirstError`).
    A chapter whose cell raised in the runner failed in its kernel too when the log's first error is on its
    page: the runner's record (cell, line, exception) says it better than myst-nb's "Executing notebook failed".
    """
    if problems:
        return "; ".join(problems), ""
    if runner.get("timed_out"):
        hung = sorted(runner["timed_out"].items())
        return "; ".join(f"{docname}: {cell} (execute.timeout in _config.yml)" for docname, cell in hung), ""
    errors = runner.get("errors") or {}
    for docname in sorted(errors):
        page = page_of(docname, root)
        if not logged or logged.startswith((f"{page}:", f"{page},")):
            error = errors[docname]
            return f"{page}, {error['cell']}: {error['exception']}", error.get("traceback", "")
    if logged:
        return logged, ""
    if returncode != 0:
        return f"the strict build failed (exit status {returncode}; see the log above)", ""
    return "the build produced no index.html", ""


def _category(name: str, package: Path, root: Path) -> str:
    path = Path(name) if Path(name).is_absolute() else root / name
    if path.resolve().is_relative_to(package):
        return "helpers package changed"
    first = name.split("/", 1)[0]
    return {
        "_config.yml": "configuration changed",
        "_toc.yml": "table of contents changed",
        "bib": "bibliography changed",
        "_static": "static files changed",
        "chapters": "chapters changed",
        "data": "data files changed",
        "requirements.txt": "requirements changed",
        "pyproject.toml": "project configuration changed",
    }.get(first, "inputs changed")


def rebuild_reason(before: dict | None, now: dict, root: Path, package: Path, last_failed: bool) -> str:
    """Why Sphinx starts from nothing: what differs between the parts the kept environment was built from
    (``before``, None when there is none) and ``now`` (both from ``fingerprint.structure_parts``)."""
    if not before or "files" not in before:
        if last_failed:
            return "the last build failed, and a failed build's Sphinx environment is not kept"
        return "first build"
    reasons: dict[str, list[str]] = {}
    old, new = before["files"], now["files"]
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            reasons.setdefault("removed", []).append(name)
        elif name not in old:
            reasons.setdefault("added", []).append(name)
        elif old[name] != new[name]:
            reasons.setdefault(_category(name, package, root), []).append(name)
    from helpers.build.fingerprint import changed_packages

    upgraded = changed_packages(before.get("packages") or {}, now["packages"])
    if upgraded:
        reasons["installed packages changed"] = upgraded
    if before.get("environment") != now["environment"]:
        reasons["REPORT_* environment changed"] = sorted(set(before.get("environment") or []) ^ set(now["environment"]))
    if before.get("tags") != now["tags"]:
        reasons["release tags changed"] = []
    if not reasons:
        return "the kept environment was built from other inputs"
    parts = []
    for what, names in reasons.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        parts.append(f"{what}: {shown}" if shown else what)
    return "; ".join(parts)
