"""Sphinx extension of the report: plotly.js served once from the site, the edition on every page.

- When the HTML builder starts, plotly.js (the vendored cartesian partial bundle, checked against its sha256 and
  the installed plotly's plotly.js version) and the report's scripts are written into a folder of the build that
  joins ``html_static_path``: Sphinx copies them to ``_static`` (plotly.js as ``plotly-cartesian-<version>.min.js``,
  a versioned name, so browsers may cache it) before it writes a page, and links them with its checksum.
- A page whose body holds a plotly figure gets plotly.js and the figures' script (colour modes, narrow layouts);
  other pages get neither.
- The theme's search and colour-mode buttons are the report's own copies (``templates/``, first on the template
  path): their accessible names hold their visible text (WCAG 2.5.3).
- Jupyter Book 1 registers sphinx-thebe even with launch buttons off; its inline script is added
  twice and would fetch thebe from a CDN on demand. The report runs no live kernels, so its
  scripts are dropped from every page (and other inline scripts registered twice are de-duplicated).
- Sphinx's private asset objects, the theme's sidebar and footer key, and the step that puts myst-nb's
  style sheet in place early are reached only through :mod:`helpers.compat`.
- The bibliography is labelled author-year ("Smith et al. 2021"), like the citations in the text,
  through the pybtex style ``report-author-year`` (``bibtex_default_style`` in ``_config.yml``).
- docutils marks each bibliography entry ``role="doc-biblioentry"``, a role ARIA deprecated, inside a
  ``role="list"``; assistive technology then sees a list without items. Entries become list items.
- A link whose address has a scheme other than http, https or doi (a ``javascript:`` URL in BibTeX) is
  shown as text on every page (``helpers.data.urls``, the one allow-list).
- During ``python -m helpers build`` (which sets ``REPORT_EXECUTION_DIR``), each chapter's kernel is
  told where to log the files it reads, and myst-nb's own execution data for every page are written
  to ``exec-data.json`` there (see ``helpers.build.cache``).
- A finding sentence of a chapter ends with the role ``{claim}`id```: the role numbers it and puts the
  verbatim passage it rests on (data/claims.csv) in a "Source passages" disclosure after its paragraph.
- The edition (version, release date, data fingerprint) is read once from ``CITATION.cff``
  (``helpers.data.citation``) and the release records (``helpers.data.releases``) and shown in the footer of
  every page: the released edition, or "unreleased changes since" it; each figure's "Cite this figure"
  gets the page it is on, and cite blocks keep the wording of the edition state.
- A page that mentions self-harm or suicide without its content note is a warning naming the page and the
  sentence (``helpers.data.content_notes``, the one rule; ``python -m helpers validate`` applies it to chapters).
- When ``REPORT_EDITIONS_JSON`` is set (``python -m helpers publish`` sets it to ``../switcher.json``),
  pages carry the version switcher of pydata-sphinx-theme, fed from that file at reading time.
"""

from helpers.sphinxext import assets, bibliography, claims, content_notes, footer, incremental


def setup(app):
    claims.register(app)
    bibliography.register_style(app)
    app.connect("config-inited", footer._configure_edition)
    app.connect("config-inited", assets._add_templates)
    app.connect("source-read", incremental._point_kernel_at_log)
    app.connect("env-get-outdated", incremental._note_changed_sources)
    app.connect("env-get-outdated", incremental._reread_executed_chapters)
    app.connect("env-updated", incremental._pages_to_write)
    app.connect("env-updated", footer._pages_for_edition_state)
    app.connect("builder-inited", bibliography._load_formatted_entries)
    app.connect("builder-inited", assets._register_static_files)
    app.connect("build-finished", bibliography._save_formatted_entries)
    app.connect("build-finished", footer._record_edition_state)
    # Last: after the handlers above and the extensions' own have copied their files into the output.
    app.connect("build-finished", incremental._finalise_pages, priority=900)
    app.connect("env-updated", incremental._write_exec_data)
    app.connect("html-page-context", assets._add_plotly_where_needed)
    app.connect("html-page-context", bibliography._bibliography_entries_as_list_items)
    app.connect("doctree-resolved", bibliography._unlink_disallowed_schemes)
    # After every other handler has added its files (Sphinx calls handlers by priority, then order).
    app.connect("html-page-context", assets._drop_thebe_and_duplicates, priority=900)
    app.connect("html-page-context", assets._add_scripts_where_needed)
    app.connect("html-page-context", footer._edition_on_page)
    app.connect("html-page-context", assets._version_template_links)
    app.connect("html-page-context", content_notes._check_page)
    # Not parallel-read safe: the kernel log is chosen per page through one process-wide variable.
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True}
