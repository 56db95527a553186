"""Helpers of the living evidence report: load and validate data, render tables and figures.

Chapters call these; nothing here knows which chapter calls it. Data flow one way:
data/ + bib/ -> helpers.data / helpers.bib -> helpers.tables / helpers.figures -> chapters -> HTML.
"""

__all__ = ["audit", "audit_report", "bib", "data", "display", "errors", "figures", "paths", "schema", "tables", "validate"]
