"""The site's scripts and style sheets, as the built pages link them: from ``_static``, each with a checksum."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

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


# plotly.js a reader downloads at most (bytes, 1.5 MiB): the full bundle the Python package ships is 4.8 MB.
PLOTLY_BUDGET = 1.5 * 1024 * 1024


def test_plotly_js_is_the_vendored_bundle_served_once_with_its_licence(built_site):
    from plotly.offline import get_plotlyjs_version

    served = built_site / "_static" / assets.PLOTLY_STATIC_NAME
    assert served.read_bytes() == assets.PLOTLY_SOURCE.read_bytes()
    assert hashlib.sha256(served.read_bytes()).hexdigest() == assets.PLOTLY_BUNDLE["sha256"]
    assert f"v{get_plotlyjs_version()}" in served.read_text(encoding="utf-8")[:200], "not the installed plotly's plotly.js"
    assert "MIT License" in (built_site / "_static" / assets.PLOTLY_LICENCE.name).read_text(encoding="utf-8")
    assert [p.name for p in built_site.rglob("*.js") if "plotly" in p.name] == [assets.PLOTLY_STATIC_NAME]
    assert (built_site / "_static" / assets.FINDABLE_JS).read_bytes() == assets.FINDABLE_JS_SOURCE.read_bytes()
    assert (built_site / "_static" / assets.FIGURES_JS).read_bytes() == assets.FIGURES_JS_SOURCE.read_bytes()


def test_plotly_js_is_within_its_budget():
    assert assets.PLOTLY_SOURCE.stat().st_size <= PLOTLY_BUDGET


def test_a_changed_plotly_bundle_fails_the_build(tmp_path, monkeypatch):
    from sphinx.errors import ExtensionError

    assert assets.plotly_bundle() == assets.PLOTLY_SOURCE.read_bytes()
    damaged = tmp_path / assets.PLOTLY_SOURCE.name
    damaged.write_bytes(assets.PLOTLY_SOURCE.read_bytes()[:-10])
    monkeypatch.setattr(assets, "PLOTLY_SOURCE", damaged)
    with pytest.raises(ExtensionError, match="sha256"):
        assets.plotly_bundle()


def test_a_bundle_of_another_plotly_js_version_fails_the_build(monkeypatch):
    from sphinx.errors import ExtensionError

    monkeypatch.setitem(assets.PLOTLY_BUNDLE, "version", "0.0.1")
    with pytest.raises(ExtensionError, match="plotly.js 0.0.1"):
        assets.plotly_bundle()


# ---------------------------------------------------------------- the theme's buttons, the report's copies


@pytest.mark.parametrize("name", sorted(assets.THEME_TEMPLATES_MIRRORED))
def test_overridden_theme_components_mirror_the_installed_theme(name):
    """Each copy in helpers/sphinxext/templates starts from the installed theme's file, as recorded: a theme upgrade
    that changes the original fails here, by name, before the old copy silently replaces the new template."""
    import pydata_sphinx_theme

    upstream = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "components" / name
    assert hashlib.sha256(upstream.read_bytes()).hexdigest() == assets.THEME_TEMPLATES_MIRRORED[name], (
        f"pydata-sphinx-theme's {name} changed: compare it with helpers/sphinxext/templates/{name}, then record its sha256"
    )
    assert (assets.TEMPLATES / name).is_file()


def test_pages_carry_the_report_copies_of_the_theme_buttons(built_site):
    page = (built_site / "chapters" / "survey.html").read_text(encoding="utf-8")
    search = re.findall(r'<button class="btn search-button-field[^>]*>', page)
    assert search and not any("aria-label" in button for button in search)
    switch = re.search(r"<button[^>]*theme-switch-button.*?</button>", page, re.S).group(0)
    assert 'aria-label="Color mode"' in switch and "title=" not in switch.split(">", 1)[1]


# A figure or table whose HTML could not be made shows IPython's traceback as the cell's output, and the build
# does not fail on it: no page may hold one.
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File [^ ]+\.py:\d+, in |<span class=\"ansi-red-fg\">")


def test_no_page_shows_a_python_traceback(built_site):
    shown = [
        str(p.relative_to(built_site)) for p in built_site.rglob("*.html") if TRACEBACK.search(p.read_text(encoding="utf-8"))
    ]
    assert not shown


def test_the_traceback_check_finds_one():
    assert TRACEBACK.search("File /x/src/helpers/views/figures/output.py:54, in SiteRenderer.div(self)")
