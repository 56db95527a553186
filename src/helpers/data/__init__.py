"""The data layer: read, check and type the report's inputs; no IPython, plotly or Sphinx here.

``paths`` (where files are), ``errors`` (problems naming file, row, column), ``schema`` (declared columns),
``readers`` (CSV and xlsx cells as text), ``privacy`` (nothing that identifies a forum user), ``loaders``
(typed DataFrames: ``helpers.data.loaders.load_cmos()`` and the others), ``appendix`` (a journal appendix
sheet), ``bib`` (BibTeX), ``citation`` (CITATION.cff), ``releases`` (release records, the edition state),
``places`` (chapters/places.yml), ``search`` (the declared search and its logs, checked against each other), ``provenance``
(where a row comes from), ``content`` and ``content_notes`` (what the data and the chapters say: theory
areas, sheet against BibTeX, content notes) and ``validate`` (every dataset against the others).
"""
