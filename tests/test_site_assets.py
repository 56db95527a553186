"""The site's scripts and style sheets, as the built pages link them: from ``_static``, each with a checksum."""

from __future__ import annotations

import re

from helpers.sphinxext import assets

ASSET_LINK = re.compile(r'<(?:script|link)\b[^>]*?\b(?:src|href)="((?:\.\./)*_static/[^"]+)"')


def test_every_static_asset_is_linked_with_a_checksum(built_site):
    """One address per file on every page, first build or later: Sphinx's ``?v=`` (or the theme's ``?digest=``)."""
    unversioned = {}
    for page in sorted(built_site.rglob("*.html")):
        for link in ASSET_LINK.findall(page.read_text(encoding="utf-8")):
            if "?v=" not in link and "?digest=" not in link:
                unversioned.setdefault(link.lstrip("./"), []).append(str(page.relative_to(built_site)))
    assert not unversioned, {name: pages[:3] for name, pages in unversioned.items()}


def test_one_address_per_asset_across_pages(built_site):
    addresses: dict[str, set[str]] = {}
    for page in built_site.rglob("*.html"):
        for link in ASSET_LINK.findall(page.read_text(encoding="utf-8")):
            name = re.sub(r"^(\.\./)*", "", link)
            addresses.setdefault(name.split("?")[0], set()).add(name)
    several = {name: sorted(found) for name, found in addresses.items() if len(found) > 1}
    assert not several, several


def test_plotly_js_is_the_installed_plotly_and_served_once(built_site):
    from plotly.offline import get_plotlyjs

    served = built_site / "_static" / assets.PLOTLY_STATIC_NAME
    assert served.read_bytes() == get_plotlyjs().encode("utf-8")
    assert not list(built_site.rglob("plotly.min.js")), "plotly.js under its package name as well"
    assert (built_site / "_static" / assets.FINDABLE_JS).read_bytes() == assets.FINDABLE_JS_SOURCE.read_bytes()
