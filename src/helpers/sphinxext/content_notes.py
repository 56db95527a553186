"""The content-note rule on every built page (``helpers.data.content_notes``): a page whose text, including what its
chapters drew from the data (tables, figure labels, hover text), mentions self-harm or suicide without a content
note is a warning naming the page and the sentence, and the strict build fails on it.
"""

from __future__ import annotations

from sphinx.util import logging

from helpers.data import content_notes

logger = logging.getLogger(__name__)


def _check_page(app, pagename, templatename, context, doctree):
    if doctree is None:  # generated pages (search, index) hold no chapter text
        return
    why = content_notes.rendered_page_problem(context.get("body", ""))
    if why:
        logger.warning(f"page {pagename} {why}", location=pagename, type="report", subtype="content_note")
