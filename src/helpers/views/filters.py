"""Filters for long tables that stay whole in the HTML: a form that ``report-filters.js`` reveals and wires up.

The rows are all in the page (for readers without JavaScript and for search engines); the form is written
``hidden`` and shown by the script, so a reader without it never meets controls that do nothing. Each
select filters on a ``data-<key>`` attribute of the rows (:func:`row_attributes`); the search box matches
the words of a row's text; a live region says how many rows are shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from helpers.views.html import esc

# What the script looks for in a page (helpers.sphinxext.assets adds the script only where it is found).
SCOPE_ATTRIBUTE = "data-filter-for"


def row_attributes(values: dict[str, str]) -> str:
    """' data-filter-row data-verdict="inconsistent"': the attributes a filterable row carries."""
    return " data-filter-row" + "".join(f' data-{key}="{esc(value, quote=True)}"' for key, value in values.items())


def _select(scope: str, key: str, label: str, values: Iterable[str]) -> str:
    counts = Counter(values)
    options = "".join(
        f'<option value="{esc(value, quote=True)}">{esc(value)} ({count})</option>' for value, count in counts.items()
    )
    return (
        f'<span class="report-filter-field"><label for="{scope}-{key}">{esc(label)}</label>'
        f'<select id="{scope}-{key}" data-filter-key="{key}"><option value="">all ({sum(counts.values())})</option>'
        f"{options}</select></span>"
    )


def filter_form(scope: str, what: str, noun: str, selects: list[tuple[str, str, list[str]]]) -> str:
    """The hidden form that filters the rows inside the element ``id=scope``.

    ``what`` names the rows for assistive technology ('checks of the 2024 realist synthesis'), ``noun`` counts
    them ('checks'); each select is (key, label, every row's value in order), offered with how many rows have it.
    """
    fields = "".join(_select(scope, key, label, values) for key, label, values in selects)
    return (
        f'<form class="report-filter" {SCOPE_ATTRIBUTE}="{scope}" data-filter-noun="{esc(noun, quote=True)}" hidden '
        f'role="search" aria-label="Filter the {esc(what, quote=True)}">{fields}'
        f'<span class="report-filter-field"><label for="{scope}-search">Search</label>'
        f'<input type="search" id="{scope}-search" data-filter-text autocomplete="off"></span>'
        f'<button type="reset">Show all</button>'
        f'<p class="report-filter-status" role="status" aria-live="polite"></p></form>'
    )
