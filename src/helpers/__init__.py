"""Helpers of the living evidence report: load and validate data, render tables and figures.

Chapters call these; nothing here knows which chapter calls it. Data flow one way:
data/ + bib/ -> helpers.data / helpers.bib -> helpers.tables / helpers.figures -> chapters -> HTML.
"""

__all__ = [
    "audit",
    "audit_report",
    "bib",
    "data",
    "display",
    "errors",
    "figures",
    "paths",
    "schema",
    "survey_figures",
    "tables",
    "validate",
]

# Inside a chapter's kernel during `python -m helpers build`, record which files the chapter reads
# (see helpers.tracking); anywhere else this does nothing.
from .tracking import start_recording as _start_recording  # noqa: E402

_start_recording()
