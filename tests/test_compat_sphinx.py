"""Each private use of Sphinx, myst-nb and the theme in ``helpers.compat`` checked against the installed upstream.

Fast (a second or two): a failure names the upstream package and what changed, so an upgrade is caught here,
by name, before a build goes quietly wrong. ``helpers.compat`` says which version each use mirrors.
"""

from __future__ import annotations

import configparser
import importlib.metadata
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import compat

REPO = Path(__file__).resolve().parents[1]


def _version(package: str) -> str:
    return importlib.metadata.version(package)


# ---------------------------------------------------------------- Sphinx: the asset objects of a page's context

TINY_EXTENSION = """
import json
from pathlib import Path

from helpers import compat

SEEN = []


def _inline_after_init(app):
    # As sphinx-togglebutton and sphinx-thebe do: an inline script added once the builder has started.
    app.add_js_file(None, body="var addedLate = 1;")
    app.add_css_file("late.css")


def _record(app, pagename, templatename, context, doctree):
    for key in ("script_files", "css_files"):
        for asset in context[key]:
            SEEN.append([pagename, key, type(asset).__module__ + "." + type(asset).__qualname__, *compat.asset_identity(asset)])


def _dump(app, exception):
    (Path(app.outdir) / "assets.json").write_text(json.dumps(SEEN), encoding="utf-8")


def setup(app):
    app.connect("builder-inited", _inline_after_init)
    app.connect("html-page-context", _record)
    app.connect("build-finished", _dump)
    return {"parallel_read_safe": True}
"""


@pytest.fixture(scope="module")
def tiny_sphinx_build(tmp_path_factory) -> Path:
    """A one-page Sphinx project whose extension records what ``compat.asset_identity`` makes of the page's assets."""
    import json

    root = tmp_path_factory.mktemp("tiny-sphinx")
    (root / "src").mkdir()
    (root / "src" / "tinyext.py").write_text(TINY_EXTENSION, encoding="utf-8")
    (root / "src" / "conf.py").write_text(
        "import sys, pathlib\nsys.path.insert(0, str(pathlib.Path(__file__).parent))\n"
        "extensions = ['tinyext']\nhtml_theme = 'basic'\n",
        encoding="utf-8",
    )
    (root / "src" / "index.rst").write_text("Tiny\n====\n\nA page.\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(root / "src"), str(root / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads((root / "out" / "assets.json").read_text(encoding="utf-8"))


def test_sphinx_page_assets_are_the_objects_compat_reads(tiny_sphinx_build):
    sphinx = _version("sphinx")
    kinds = {kind for _page, _key, kind, _name, _body in tiny_sphinx_build}
    assert kinds == {"sphinx.builders.html._assets._JavaScript", "sphinx.builders.html._assets._CascadingStyleSheet"}, (
        f"Sphinx {sphinx}: a page's script_files/css_files now hold {sorted(kinds)}, not the _JavaScript and "
        "_CascadingStyleSheet of Sphinx 7.4; check compat.asset_identity (filename, attributes['body'])"
    )
    names = {name for _page, _key, _kind, name, _body in tiny_sphinx_build}
    assert {"_static/doctools.js", "_static/late.css"} <= names, (
        f"Sphinx {sphinx}: asset filename no longer reads as '_static/<name>' ({sorted(names)})"
    )
    inline = [body for _page, key, _kind, name, body in tiny_sphinx_build if key == "script_files" and not name]
    assert "var addedLate = 1;" in inline, f"Sphinx {sphinx}: an inline script's text is not attributes['body']"


def test_sphinx_still_lists_a_late_inline_script_twice(tiny_sphinx_build):
    """Why ``assets._drop_thebe_and_duplicates`` de-duplicates. When this fails, Sphinx fixed it: drop that step."""
    late = [row for row in tiny_sphinx_build if row[:2] == ["index", "script_files"] and row[4] == "var addedLate = 1;"]
    assert len(late) == 2, (
        f"Sphinx {_version('sphinx')} lists an inline script added after its builder started {len(late)} time(s) on a page "
        "(7.4 lists it twice: filename None and ''); the de-duplication in helpers.sphinxext.assets may go"
    )


def test_asset_identity_of_sphinx_asset_classes():
    from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript

    assert compat.asset_identity(_JavaScript(None, body="let a = 1;")) == ("", "let a = 1;")
    assert compat.asset_identity(_JavaScript("", body="let a = 1;")) == ("", "let a = 1;")
    assert compat.asset_identity(_JavaScript("_static/x.js", **{"async": "async"})) == ("_static/x.js", "")
    assert compat.asset_identity(_CascadingStyleSheet("_static/x.css")) == ("_static/x.css", "")


# ---------------------------------------------------------------- sphinx-book-theme: sidebar and footer


def _book_theme() -> Path:
    import sphinx_book_theme

    return Path(sphinx_book_theme.__file__).parent / "theme" / "sphinx_book_theme"


def test_book_theme_default_sidebar_is_the_one_compat_copies():
    theme_conf = _book_theme() / "theme.conf"
    assert theme_conf.is_file(), f"sphinx-book-theme {_version('sphinx-book-theme')} has no {theme_conf}"
    conf = configparser.ConfigParser()
    conf.read(theme_conf, encoding="utf-8")
    sidebar = tuple(name.strip() for name in conf["theme"]["sidebars"].split(",") if name.strip())
    assert sidebar == compat.BOOK_THEME_SIDEBAR, (
        f"sphinx-book-theme {_version('sphinx-book-theme')} changed its default sidebar to {sidebar}; "
        "update compat.BOOK_THEME_SIDEBAR (the published editions' sidebar with the version switcher is built from it)"
    )
    import pydata_sphinx_theme

    switcher = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "components"
    assert (switcher / "version-switcher.html").is_file(), (
        f"pydata-sphinx-theme {_version('pydata-sphinx-theme')} has no components/version-switcher.html"
    )


def test_book_theme_footer_renders_the_context_key_compat_names():
    conf = configparser.ConfigParser()
    conf.read(_book_theme() / "theme.conf", encoding="utf-8")
    theme = _version("sphinx-book-theme")
    assert "extra_footer" in conf["options"], f"sphinx-book-theme {theme} has no theme option extra_footer"
    items = [name.strip() for name in conf["options"]["footer_content_items"].split(",")]
    assert "extra-footer.html" in items, f"sphinx-book-theme {theme}: the footer no longer includes extra-footer.html"
    template = (_book_theme() / "components" / "extra-footer.html").read_text(encoding="utf-8")
    assert "{{ " + compat.BOOK_THEME_EXTRA_FOOTER + " }}" in template, (
        f"sphinx-book-theme {theme}: components/extra-footer.html no longer renders {compat.BOOK_THEME_EXTRA_FOOTER} "
        "unescaped; the edition footer (helpers.sphinxext.footer) would vanish or be escaped"
    )


def test_theme_links_by_hand_exactly_the_scripts_compat_names():
    """Templates that write ``pathto('_static/...', 1)`` with no checksum after it: Sphinx versions none of these."""
    import re

    import pydata_sphinx_theme

    hand_linked = re.compile(r"pathto\('(_static/[^']+)',\s*1\)\s*(?:\|\s*e\s*)?\}\}(?!\?digest)")
    found = set()
    for package in (pydata_sphinx_theme, __import__("sphinx_book_theme")):
        theme = Path(package.__file__).parent / "theme"
        for template in theme.rglob("*.html"):
            if "static" not in template.relative_to(theme).parts:  # files copied to _static, not page templates
                found |= set(hand_linked.findall(template.read_text(encoding="utf-8")))
    assert found == set(compat.THEME_HAND_LINKED), (
        f"pydata-sphinx-theme {_version('pydata-sphinx-theme')} / sphinx-book-theme {_version('sphinx-book-theme')} "
        f"link {sorted(found)} by hand; update compat.THEME_HAND_LINKED (pages would link them without ?v=)"
    )


# ---------------------------------------------------------------- myst-nb: its style sheet in place early


def test_mystnb_css_is_put_where_mystnb_links_it(tmp_path):
    import myst_nb.sphinx_ext

    registered = []
    app = SimpleNamespace(
        outdir=tmp_path,
        builder=SimpleNamespace(format="html", outdir=str(tmp_path)),
        add_css_file=lambda name, **kwargs: registered.append(name),
    )
    myst_nb.sphinx_ext.add_css(app)  # what myst-nb registers for every page
    assert len(registered) == 1, f"myst-nb {_version('myst-nb')}: add_css registered {registered}"
    compat.put_mystnb_css_in_place(app)
    copied = tmp_path / "_static" / registered[0]
    assert copied.is_file(), (
        f"myst-nb {_version('myst-nb')}: add_global_html_resources(app, None) did not write _static/{registered[0]}; "
        "check compat.put_mystnb_css_in_place"
    )
    assert copied.read_bytes() == (Path(myst_nb.__file__).parent / "static" / "mystnb.css").read_bytes()


# ---------------------------------------------------------------- importing changes nothing global


def test_importing_the_extension_and_figures_changes_nothing_global():
    """No renderer registered or made default, no pybtex style registered, until Sphinx calls ``setup``."""
    code = textwrap.dedent(
        """
        import pybtex.plugin, plotly.io as pio
        default, names = pio.renderers.default, sorted(pio.renderers)
        import helpers.sphinxext, helpers.views.figures, helpers.views.figures.output, helpers.views.tables
        assert pio.renderers.default == default, pio.renderers.default
        assert sorted(pio.renderers) == names, set(pio.renderers) ^ set(names)
        try:
            pybtex.plugin.find_plugin("pybtex.style.formatting", "report-author-year")
        except pybtex.plugin.PluginNotFound:
            pass
        else:
            raise AssertionError("importing helpers.sphinxext registered the pybtex style")
        from helpers.views.figures.output import RENDERER
        import plotly.graph_objects as go
        bundle = RENDERER.to_mimebundle(go.Figure(go.Bar(y=[1])).to_dict())
        assert list(bundle) == ["text/html"] and "plotly-graph-div" in bundle["text/html"], bundle.keys()
        assert pio.renderers.default == default
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
