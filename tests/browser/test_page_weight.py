"""A chapter page's first visit stays within 700 KB gzipped, its own weight within 400 KB,
with every feature kept.

Each chapter page is opened in a fresh browser context (an empty cache), and every
request it makes until MathJax has typeset the page and the fonts have loaded is
counted at the size a static host serves it gzipped (level 6); the page's own weight
is the part of it the book's landing page does not load (its HTML, its figures' data,
its images: what a reader who has the theme cached still fetches). The same load then
checks what the weight must not cost: the theme's icons are drawn from the subset
Font Awesome fonts (every icon's glyph is in the font the page loaded), and every
formula is typeset by MathJax with its hidden MathML for screen readers. Search and
the colour modes are checked on one page.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

from tests.browser.conftest import ROOT, SITE

BUDGET_KB = 700
OWN_BUDGET_KB = 400  # issue 11: at most 400 KB of a page's own weight, gzipped
CHAPTERS = [
    entry["file"].rsplit("/", 1)[-1]
    for part in yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]
    if part.get("caption") == "Chapters"
    for entry in part["chapters"]
]

# every element or pseudo-element drawn with a Font Awesome font: family, weight, glyph
_ICONS_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    for (const pseudo of ['::before', '::after']) {
      const cs = getComputedStyle(el, pseudo);
      if (!/Awesome/.test(cs.fontFamily) || !/^".*"$/.test(cs.content)) continue;
      if (cs.display === 'none' || !el.getClientRects().length) continue;
      if (getComputedStyle(el).visibility === 'hidden') continue;
      const text = JSON.parse(cs.content);
      if (!text) continue;
      const box = el.getBoundingClientRect();
      out.push({family: cs.fontFamily.replace(/"/g, ''), weight: cs.fontWeight,
                point: text.codePointAt(0), where: el.className + pseudo,
                width: box.width});
    }
  }
  return out;
}"""

_FONTS_JS = """() => [...document.fonts].map(f => ({
  family: f.family.replace(/"/g, ''), weight: f.weight, status: f.status}))"""

_MATH_JS = """() => ({
  source: document.querySelectorAll('.math').length,
  typeset: document.querySelectorAll('mjx-container').length,
  assistive: document.querySelectorAll('mjx-container mjx-assistive-mml').length,
  errors: document.querySelectorAll('mjx-merror').length,
})"""


def _gz_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def _local(url: str) -> Path:
    path = SITE / unquote(urlparse(url).path).lstrip("/")
    return path / "index.html" if path.is_dir() else path


def _font_faces() -> dict[tuple[str, str], Path]:
    """(family, weight) -> the font file the theme's @font-face rules point at."""
    css_path = SITE / "_static" / "styles" / "pydata-sphinx-theme.css"
    faces = {}
    for rule in re.findall(r"@font-face\{([^}]*)\}", css_path.read_text(encoding="utf-8")):
        family = re.search(r"font-family:([^;]+)", rule).group(1).replace("\\", "").strip('" ')
        weight = re.search(r"font-weight:(\d+)", rule).group(1)
        src = re.search(r"url\(([^)]+)\)", rule).group(1)
        faces[(family, weight)] = (css_path.parent / src).resolve()
    return faces


def _load(visit, url: str) -> list[str]:
    """Open ``url`` and wait until MathJax and the fonts are done; return every request."""
    urls: list[str] = []
    visit.page.on("request", lambda r: urls.append(r.url))
    visit.page.goto(url, wait_until="load")
    visit.page.evaluate(
        """async () => {
        if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
        await document.fonts.ready;
    }"""
    )
    visit.page.wait_for_load_state("networkidle")
    return urls


@pytest.fixture(scope="module")
def landing(browser, base_url) -> set[str]:
    """Paths the book's landing page loads (the theme, fonts, MathJax, the renderer)."""
    from tests.browser.conftest import Visit

    v = Visit(browser)
    try:
        return {urlparse(u).path for u in _load(v, f"{base_url}/book/index.html")}
    finally:
        v.close()


@pytest.mark.parametrize("stem", CHAPTERS)
def test_first_visit_within_budget_with_icons_and_math(visit, base_url, stem, landing):
    urls = _load(visit, f"{base_url}/book/{stem}.html")
    page = visit.page

    # -- weight: every request, gzipped as a static host serves it
    sizes: dict[str, int] = {}
    for url in urls:
        if urlparse(url).scheme == "data":
            continue
        local = _local(url)
        assert local.is_file(), f"requested but not in the site: {url}"
        sizes[urlparse(url).path] = _gz_size(local)
    total_kb = sum(sizes.values()) / 1024
    heaviest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
    assert total_kb <= BUDGET_KB, (
        f"{stem}: first visit {total_kb:.1f} KB gzipped over {len(sizes)} requests, budget "
        f"{BUDGET_KB} KB; heaviest: {[(p, round(n / 1024, 1)) for p, n in heaviest]}"
    )
    own = {p: n for p, n in sizes.items() if p not in landing or p.endswith(f"/{stem}.html")}
    own_kb = sum(own.values()) / 1024
    assert own_kb <= OWN_BUDGET_KB, (
        f"{stem}: own weight {own_kb:.1f} KB gzipped, budget {OWN_BUDGET_KB} KB; heaviest: "
        f"{sorted(((p, round(n / 1024, 1)) for p, n in own.items()), key=lambda x: -x[1])[:5]}"
    )
    assert any(p.endswith(f"/{stem}.html") for p in own), sorted(own)
    assert not any(p.endswith("fontawesome.js") for p in sizes), sorted(sizes)
    assert not visit.errors and not visit.failed and not visit.outside, (
        visit.errors,
        visit.failed,
        visit.outside,
    )

    # -- icons: every Font Awesome glyph drawn is in the font the page loaded
    icons = page.evaluate(_ICONS_JS)
    assert len({i["where"] for i in icons}) >= 10, icons  # the header buttons and more
    loaded = {
        (f["family"], f["weight"]) for f in page.evaluate(_FONTS_JS) if f["status"] == "loaded"
    }
    faces = _font_faces()
    from fontTools.ttLib import TTFont

    cmaps = {key: set(TTFont(path).getBestCmap()) for key, path in faces.items()}
    for icon in icons:
        key = (icon["family"], icon["weight"])
        assert key in loaded, f"{icon['where']}: font {key} not loaded ({sorted(loaded)})"
        assert icon["point"] in cmaps[key], (
            f"{icon['where']}: glyph U+{icon['point']:04X} missing from {faces[key].name}"
        )
        assert icon["width"] > 0, icon

    # -- math: every formula typeset, with MathML for screen readers, and no error
    math = page.evaluate(_MATH_JS)
    assert math["typeset"] == math["source"], math
    assert math["assistive"] == math["typeset"] and math["errors"] == 0, math


def test_search_and_colour_modes_still_work(visit, base_url):
    page = visit.page
    _load(visit, f"{base_url}/book/{CHAPTERS[0]}.html")
    # colour modes: the switch cycles auto -> light -> dark (theme's order) and the page follows
    modes = []
    for _ in range(3):
        page.click("button.theme-switch-button")
        modes.append(page.evaluate("document.documentElement.dataset.mode"))
    assert set(modes) == {"light", "dark", "auto"}, modes
    page.evaluate("document.documentElement.dataset.mode = 'dark'")
    page.click("button.theme-switch-button")  # -> 'auto' or 'light': the theme reacts
    assert page.evaluate("document.documentElement.dataset.theme") in ("light", "dark")
    # search: the header button opens the search box; the search page finds a chapter
    page.click("button.search-button__button >> nth=0")
    page.wait_for_selector("#pst-search-dialog[open], .search-button__wrapper.show", timeout=5000)
    page.goto(f"{base_url}/search.html?q=convolution", wait_until="load")
    page.wait_for_selector("#search-results li", timeout=10000)
    assert page.locator("#search-results li").count() >= 5
    assert not visit.errors and not visit.failed and not visit.outside, visit.errors
