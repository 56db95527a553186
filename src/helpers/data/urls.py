"""The one rule for links that come from data or BibTeX: which schemes may become a link.

Only ``http``, ``https`` and ``doi`` are published as links (``doi:10.2196/79289`` is published as
``https://doi.org/10.2196/79289``). Anything else (``javascript:``, ``data:``, ``vbscript:``, ``file:``, a
protocol-relative ``//host``, a relative path) is refused by validation and, should it reach a page anyway,
shown as text, never as a link: :func:`link_target` is what both validation (:func:`url_problem`) and every
renderer (``helpers.views.html.link``, the bibliography's pybtex style) ask.

The scheme is read as a browser reads it: control characters and whitespace that browsers strip or ignore
(``java\\tscript:``, a leading space) are removed first, and the comparison ignores case.
"""

from __future__ import annotations

import re
import unicodedata

ALLOWED_SCHEMES = ("http", "https", "doi")
DOI_RESOLVER = "https://doi.org/"

# What browsers drop from a URL before reading its scheme (WHATWG URL: C0 controls and space at the
# ends, tab and newlines anywhere); other invisible characters are refused by text hygiene anyway.
_IGNORED = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")


def _cleaned(url: str) -> str:
    return _IGNORED.sub("", unicodedata.normalize("NFKC", str(url)))


def url_scheme(url: str) -> str | None:
    """The scheme of ``url`` as a browser reads it ('javascript' for ' Java\tScript:x'), or None if it has none."""
    scheme = _SCHEME.match(_cleaned(url))
    return scheme.group(1).lower() if scheme else None


def link_target(url: str) -> str | None:
    """The address a link to ``url`` may point at, or None when ``url`` must be shown as text only.

    ``http(s)://host/...`` as written (spaces and controls removed); ``doi:10.x/y`` -> ``https://doi.org/10.x/y``.
    """
    cleaned = _cleaned(url)
    name = url_scheme(cleaned)
    if name is None:
        return None
    rest = cleaned[len(name) + 1 :]
    if name in ("http", "https"):
        # A host is required: 'https:/x' or 'https:' alone is not a link to anywhere.
        return cleaned if re.match(r"^//[^/\\\s]", rest) else None
    if name == "doi":
        doi = rest.removeprefix("//")
        return DOI_RESOLVER + doi if _DOI.match(doi) else None
    return None


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be published as a link (for a validation message), or None when it can."""
    if link_target(url) is not None:
        return None
    scheme = url_scheme(url)
    what = f"its scheme is '{scheme}:'" if scheme else "it has no scheme"
    return (
        f"is not a link the report publishes ({what}); only {', '.join(s + ':' for s in ALLOWED_SCHEMES)} "
        "addresses with a host (or a DOI) become links: write the full https:// address"
    )
