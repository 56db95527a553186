"""The chapter API of the living evidence report: what a chapter imports, and nothing else.

A chapter writes ``from helpers import tables, figures`` and calls one function per cell. Each name below
is a module of the layered package, imported only when a chapter first asks for it: importing
``helpers`` itself loads nothing and changes nothing global (no hooks, no renderers, no plugins).

The layers, one direction only (checked by import-linter, configured in pyproject.toml):

    helpers.data     read, check and type the report's inputs (data/, bib/, CITATION.cff)
    helpers.audit    recompute what the papers report (pure statistics) and cross-check it
    helpers.release  editions: git, what changed, cutting a release, the multi-edition site
    helpers.views    HTML and plotly figures for the pages (escaping, places, tables, figures)
    helpers.build    the build command: fingerprint, runner, pipeline (calls validation, never views)
    helpers.sphinxext  the Sphinx extension the build loads through _config.yml
    helpers.bench    benchmarks, driving the build only through its command line
    helpers.cli      ``python -m helpers ...``
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Chapter name -> module. A chapter that needs something else asks for it here first.
CHAPTER_API: dict[str, str] = {
    "tables": "helpers.views.tables",
    "figures": "helpers.views.figures",
    "survey_figures": "helpers.views.figures.survey",
    "audit_report": "helpers.views.audit_page",
    "changelog": "helpers.views.changelog_page",
    "edition": "helpers.views.cite",
    "evidence": "helpers.views.evidence",
    "searches": "helpers.views.searches",
}

__all__ = sorted(CHAPTER_API)


def __getattr__(name: str) -> ModuleType:
    try:
        module = CHAPTER_API[name]
    except KeyError:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}; the chapter API is {', '.join(__all__)}") from None
    return importlib.import_module(module)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
