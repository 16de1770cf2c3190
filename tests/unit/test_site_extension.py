"""book/_ext/convviz_site.py: the icon fonts cut down to the glyphs the site uses.

The browser tests check the built site (tests/browser/test_page_weight.py); these
check the pieces on a small fake site built from the theme's real files.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "convviz_site", ROOT / "book" / "_ext" / "convviz_site.py"
)
site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site)

THEME = Path(pytest.importorskip("pydata_sphinx_theme").__file__).parent
THEME_STATIC = THEME / "theme" / "pydata_sphinx_theme" / "static"


def test_private_use_characters_escaped_or_literal():
    assert site._private_use('content:"\\f303"') == {0xF303}
    assert site._private_use('--pst-icon-bell:"\uf0f3";color:red') == {0xF0F3}
    assert site._private_use('content:"\\2014 "') == set()  # an em dash: not an icon
    assert site._private_use("content:var(--x)") == set()


def test_catalogue_rules_count_only_when_used(tmp_path):
    css = tmp_path / "a.css"
    css.write_text(
        '.fa-github:before{content:"\\f09b"}'
        '.fa-search:before,.fa-magnifying-glass:before{content:"\\f002"}'
        '.fa-gitlab:before{content:"\\f296"}'
        '.admonition-title:after{content:"\\f303"}'
        'html{--pst-icon-warning:"\uf071"}'
    )
    points = site._icon_codepoints([css], {"github", "magnifying-glass", "solid"})
    assert points == {0xF09B, 0xF002, 0xF303, 0xF071}


def test_slim_icons_on_a_small_site(tmp_path):
    static = tmp_path / "_static"
    shutil.copytree(THEME_STATIC / "styles", static / "styles")
    shutil.copytree(THEME_STATIC / "vendor", static / "vendor")
    (static / "scripts").mkdir()
    shutil.copy2(THEME_STATIC / "scripts" / "fontawesome.js", static / "scripts")
    page = tmp_path / "page.html"
    page.write_text(
        "<head>\n"
        '  <script defer src="_static/scripts/fontawesome.js?digest=1"></script>\n'
        '</head><body><i class="fab fa-github"></i><i class="fa-solid fa-bars"></i></body>\n'
    )
    sizes = site.slim_icons(tmp_path)
    assert "fontawesome.js" not in page.read_text()
    assert not (static / "scripts" / "fontawesome.js").exists()
    assert sum(sizes.values()) < 20_000, sizes  # the full fonts are about 300 KB
    css = (static / "styles" / "pydata-sphinx-theme.css").read_text()
    fonts = static / "vendor" / "fontawesome" / "webfonts"
    for name in sizes:
        assert f"webfonts/{name})" in css
    brands = TTFont(next(fonts.glob("fa-brands-400.*.woff"))).getBestCmap()
    solid = TTFont(next(fonts.glob("fa-solid-900.*.woff"))).getBestCmap()
    assert 0xF09B in brands  # github
    assert 0xF0C9 in solid  # bars
    assert 0xF071 in solid  # the warning admonition's triangle (a CSS custom property)
    assert 0xF135 not in solid  # the rocket: no page here uses it, so it is left out
    # a second run (an incremental build) finds its own subsets and replaces them
    again = site.slim_icons(tmp_path)
    assert again == sizes
    assert len(list(fonts.glob("*.woff"))) == 3
