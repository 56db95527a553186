"""The bibliography: author-year labels and pybtex style, entries formatted once and kept between builds.

Links: a BibTeX ``url`` becomes a link only when its scheme is allowed (``helpers.data.urls``: http, https,
doi); any other is shown as text. Validation refuses such a URL first; this is the second line. A third,
:func:`_unlink_disallowed_schemes`, turns every link of every page whose address has another scheme
(``javascript:``, ``data:``...) into its text, whatever made it.
"""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path

import pybtex.plugin
from docutils import nodes
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.template import field, href, words

from helpers.data import bib
from helpers.data.urls import link_target, url_scheme


def _author_year_label(entry) -> str:
    """The label of a pybtex entry, by the rule of the in-text citations (``helpers.data.bib.author_year``)."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    families = [bib.family_name(person.prelast_names, person.last_names) for person in people]
    no_author = bib.no_author(entry.fields.get("organization"), entry.fields.get("title", "Anonymous"))
    return bib.author_year(families, entry.fields.get("year"), no_author)


class AuthorYearLabels(BaseLabelStyle):
    """Labels like the in-text citations; works sharing a label get a, b, ... after the year."""

    def format_labels(self, sorted_entries):
        labels = [_author_year_label(entry) for entry in sorted_entries]
        total, seen = Counter(labels), Counter()
        for label in labels:
            if total[label] == 1:
                yield label
            else:
                yield label + chr(ord("a") + seen[label])
                seen[label] += 1


_FORMATTED: dict[tuple, object] = {}
_FORMATTED_USED: set[tuple] = set()
FORMATTED_CACHE = "report-bibtex-formatted.pickle"


def _entry_identity(label: str, entry) -> tuple:
    def parts(person) -> tuple:
        names = (person.first_names, person.middle_names, person.prelast_names, person.last_names, person.lineage_names)
        return tuple(tuple(n) for n in names)

    persons = tuple((role, tuple(parts(p) for p in people)) for role, people in sorted(entry.persons.items()))
    fields = tuple(sorted((name.lower(), str(value)) for name, value in entry.fields.items()))
    return (STYLE_VERSION, label, entry.key, entry.type, fields, persons)


# Part of every cached entry's identity: raise it when the style formats differently, so entries formatted
# by an older style (kept between builds) are formatted again. 2: URL scheme allow-list.
STYLE_VERSION = 2


class AuthorYearStyle(PlainStyle):
    default_label_style = AuthorYearLabels

    def format_url(self, e):
        """'URL: address', a link only when the scheme is allowed (http, https, doi); otherwise text."""
        target = link_target(e.fields.get("url", ""))
        text = field("url", raw=True)
        return words["URL:", href(target)[text] if target else text]

    def format_entry(self, label, entry, bib_format=None):
        identity = (type(self).__name__, _entry_identity(label, entry))
        _FORMATTED_USED.add(identity)
        formatted = _FORMATTED.get(identity)
        if formatted is None:
            formatted = _FORMATTED[identity] = super().format_entry(label, entry, bib_format)
        return formatted


def _preformat_bibliography(app, env) -> None:
    """Format every BibTeX entry now, as the bibliography will, so that step finds them formatted.

    Sphinx formats the bibliography only after it has read every page, and it can read them only once the
    runner has executed the chapters; until then this process waits. Entries are formatted here in the
    order and with the labels the bibliography uses; an entry that ends up with another label is simply
    formatted again when the bibliography asks for it.
    """
    try:
        entries = env.get_domain("cite").bibdata.data.entries
        style = pybtex.plugin.find_plugin("pybtex.style.formatting", app.config.bibtex_default_style)()
        ordered = list(style.sort(entries.values()))
        for label, entry in zip(style.format_labels(ordered), ordered, strict=True):
            style.format_entry(label, entry)
    except Exception:  # noqa: BLE001 - an optimisation: whatever fails here is done (and reported) later
        pass


def _load_formatted_entries(app):
    path = Path(app.doctreedir) / FORMATTED_CACHE
    try:
        with path.open("rb") as handle:
            _FORMATTED.update(pickle.load(handle))
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        pass


def _save_formatted_entries(app, exception):
    if exception is None:
        path = Path(app.doctreedir) / FORMATTED_CACHE
        kept = {identity: _FORMATTED[identity] for identity in _FORMATTED_USED if identity in _FORMATTED}
        with path.open("wb") as handle:
            pickle.dump(kept, handle)


def _bibliography_entries_as_list_items(app, pagename, templatename, context, doctree):
    if 'role="doc-biblioentry"' in context.get("body", ""):
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def _unlink_disallowed_schemes(app, doctree, docname) -> None:
    """Every link of the page to an address with a scheme other than http, https or doi (``javascript:``,
    ``data:``, ``vbscript:``...) becomes its text. Links within the site have no scheme and stay."""
    for reference in list(doctree.findall(nodes.reference)):
        uri = reference.get("refuri")
        if uri and url_scheme(uri) is not None and link_target(uri) is None and not uri.startswith("mailto:"):
            reference.replace_self(nodes.inline("", "", *reference.children, classes=["report-unlinked-url"]))


def register_style(app) -> None:
    """Make the author-year style known to pybtex (as ``bibtex_default_style = report-author-year``) for this build."""
    pybtex.plugin.register_plugin("pybtex.style.formatting", "report-author-year", AuthorYearStyle)
