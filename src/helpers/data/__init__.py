"""The data layer: read, check and type the report's inputs; no IPython, plotly or Sphinx here.

``paths`` (where files are), ``errors`` (problems naming file, row, column), ``schema`` (declared columns),
``readers`` (CSV and xlsx cells as text), ``privacy`` (nothing that identifies a forum user), ``loaders``
(typed DataFrames), ``appendix`` (a journal appendix sheet), ``bib`` (BibTeX), ``citation`` (CITATION.cff)
and ``validate`` (every dataset against the others).

``helpers.data.load_cmos()`` and the other public names of :mod:`helpers.data.loaders` are reachable here too,
loaded on first use.
"""

from __future__ import annotations

import importlib


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    loaders = importlib.import_module("helpers.data.loaders")
    try:
        return getattr(loaders, name)
    except AttributeError:
        raise AttributeError(f"module 'helpers.data' has no attribute {name!r}") from None
