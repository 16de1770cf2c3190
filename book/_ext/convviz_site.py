"""Sphinx extension that keeps the built site self-contained.

* MathJax is copied from ``node_modules/mathjax`` (installed by ``npm ci`` from
  the pinned ``package.json``) into ``_mathjax/`` of the output, outside
  ``_static/`` so Jupyter Book does not add its many scripts to every page. The
  pages load its ``startup.js`` and only the components ``_config.yml`` names
  (TeX input, CommonHTML output, assistive MathML for screen readers), not the
  ``tex-chtml.js`` bundle, whose context menu alone weighs 108 KB gzipped.
* The theme's icons are drawn with Font Awesome's web fonts cut down to the
  glyphs the site uses (a few KB), not with ``fontawesome.js`` (543 KB gzipped,
  every icon of Font Awesome as JavaScript) and the full fonts (270 KB): the
  script tag is removed from every page, and the fonts' ``@font-face`` rules point
  at the subsets. The icons used are read from the built pages, the theme's
  scripts and the style sheets, so a new button brings its glyph along.
* The theme's colour mode defaults to ``auto``: sphinx-book-theme leaves it
  empty, and pydata-sphinx-theme then logs "Got invalid theme mode" as a
  console error on every page.
* The Binder and Colab buttons of a chapter open the chapter's notebook
  (``notebooks/<chapter>.ipynb``, generated from the chapter by
  ``tools/make_notebooks.py``; it installs convviz first where it is missing and its
  figures are live widgets) rather than the Markdown source, which Colab cannot
  open; pages without a notebook get no Colab button.
* The kernels that execute the chapters get ``CONVVIZ_STATIC=1``, so a figure
  displays as static HTML drawn by the page's ``convviz.js`` rather than as a live
  widget (see ``convviz.figures.live.mimebundle``).
* The Thebe launch script that sphinx-thebe adds (Thebe is off here, and Jupyter
  Book adds the script twice) is removed from every page.
* The root ``index.html`` that forwards to the first chapter page is a small HTML
  page with a title, the site's icon and a plain link, rather than the bare
  ``<meta>`` line sphinx-external-toc writes (no icon: browsers then ask the host
  for ``/favicon.ico``).
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
MATHJAX = ROOT / "node_modules" / "mathjax" / "es5"
THEME_MODE = (
    "if (!document.documentElement.dataset.mode) document.documentElement.dataset.mode = 'auto';"
)
# startup.js loads the components that _config.yml's mathjax3_config.loader.load names,
# and their dependencies; input/tex/extensions are fetched only by a page whose math
# needs a package that input/tex leaves to autoload.
MATHJAX_FILES = [
    "startup.js",
    "core.js",
    "input/tex.js",
    "input/tex/extensions",
    "output/chtml.js",
    "output/chtml/fonts/tex.js",
    "output/chtml/fonts/woff-v2",
    "a11y/assistive-mml.js",
]


def _check_mathjax(app: Sphinx) -> None:
    if not (MATHJAX / "startup.js").is_file():
        raise ConfigError(
            f"MathJax is missing at {MATHJAX}: run `npm ci` in {ROOT} (make book does it)"
        )


def _drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    context["script_files"] = [
        s
        for s in scripts
        if "THEBE_JS_URL" not in (s.attributes.get("body") or "")
        and "sphinx-thebe.js" not in str(getattr(s, "filename", s))
    ]


def _launch_labs(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    stem = pagename.rsplit("/", 1)[-1]
    lab = ROOT / "notebooks" / f"{stem}.ipynb"
    source = f"{pagename}{context.get('page_source_suffix', '.md')}"
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        kept = []
        for button in group["buttons"]:
            if button.get("text") in ("Binder", "Colab"):
                if lab.is_file():
                    button["url"] = button["url"].replace(source, f"notebooks/{lab.name}")
                elif button["text"] == "Colab":
                    continue
            kept.append(button)
        group["buttons"] = kept


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_mathjax"
    for rel in MATHJAX_FILES:
        src, dst = MATHJAX / rel, target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)


# -- icons: Font Awesome's web fonts, cut down to the glyphs the site uses -----------

FA_SCRIPT = re.compile(
    r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>\n?'
)
FA_FONTS = ("fa-solid-900", "fa-regular-400", "fa-brands-400")  # the theme's webfonts
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_STRING = re.compile(r'"([^"]*)"')  # a CSS string: escaped (\\f071) or literal characters
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}) ?")


def _private_use(body: str) -> set[int]:
    """Code points of Unicode's private use area in the CSS strings of a rule's body."""
    text = "".join(
        _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), s) for s in _STRING.findall(body)
    )
    return {ord(c) for c in text if 0xE000 <= ord(c) <= 0xF8FF}


_ICON_SELECTOR = re.compile(r"^\.fa-([a-z0-9-]+):{1,2}(?:before|after)$")
_FA_CLASS = re.compile(r"\bfa-([a-z0-9][a-z0-9-]*)")


def _icon_codepoints(css_files: list[Path], used_names: set[str]) -> set[int]:
    """Code points the site can show with Font Awesome's fonts.

    A rule whose selectors are all ``.fa-NAME:before`` belongs to the icon catalogue
    and counts only if a page or script uses ``fa-NAME``; any other rule holding a
    private-use character (an admonition's icon, in ``content`` or in a custom
    property such as ``--pst-icon-admonition-warning``) always counts.
    """
    points: set[int] = set()
    for css in css_files:
        for selectors, body in _RULE.findall(css.read_text(encoding="utf-8")):
            found = _private_use(body)
            if not found:
                continue
            names = [_ICON_SELECTOR.match(sel.strip()) for sel in selectors.split(",")]
            if not all(names) or used_names & {m.group(1) for m in names}:
                points |= found
    return points


def _subset_font(source: Path, points: set[int], target_dir: Path) -> str:
    """Write the glyphs of ``points`` that ``source`` has as a WOFF file; return its name."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, recalcTimestamp=False)  # the same subset, byte for byte, each build
    options = subset.Options()
    options.flavor = "woff"  # zlib: WOFF2 would need the brotli module
    options.layout_features = []
    options.name_IDs = [1, 2]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(points))
    subsetter.subset(font)
    font.flavor = "woff"
    tag = hashlib.sha256(",".join(map(str, sorted(points))).encode()).hexdigest()[:10]
    name = f"{source.stem}.{tag}.woff"
    for old in target_dir.glob(f"{source.stem}.*.woff"):  # subsets of earlier builds
        old.unlink()
    font.save(target_dir / name, reorderTables=False)
    return name


def slim_icons(outdir: Path) -> dict[str, int]:
    """Drop ``fontawesome.js`` from every page and serve subset fonts instead.

    Returns the size in bytes of each subset font written (for the build log).
    """
    pages = sorted(outdir.rglob("*.html"))
    used: set[str] = set()
    for page in pages:
        text = page.read_text(encoding="utf-8")
        used.update(_FA_CLASS.findall(text))
        if "scripts/fontawesome.js" in text:
            page.write_text(FA_SCRIPT.sub("", text), encoding="utf-8")
    static = outdir / "_static"
    for script in static.rglob("*.js"):
        if script.name != "fontawesome.js":
            used.update(_FA_CLASS.findall(script.read_text(encoding="utf-8", errors="ignore")))
    theme_css = static / "styles" / "pydata-sphinx-theme.css"
    css_files = [c for c in static.rglob("*.css")]
    points = _icon_codepoints(css_files, used)
    webfonts = static / "vendor" / "fontawesome" / "webfonts"
    css = theme_css.read_text(encoding="utf-8")
    sizes = {}
    for stem in FA_FONTS:
        name = _subset_font(webfonts / f"{stem}.ttf", points, webfonts)
        sizes[name] = (webfonts / name).stat().st_size
        # the theme's src, or the subset of an earlier build into the same folder
        src = (
            rf"url\(\.\./vendor/fontawesome/webfonts/{stem}(?:\.woff2\) format\(\"woff2\"\),"
            rf"url\(\.\./vendor/fontawesome/webfonts/{stem}\.ttf\) format\(\"truetype\"\)"
            rf"|\.[0-9a-f]{{10}}\.woff\) format\(\"woff\"\))"
        )
        css, count = re.subn(src, f'url(../vendor/fontawesome/webfonts/{name}) format("woff")', css)
        if count != 1:
            raise RuntimeError(
                f"convviz_site: found {count} @font-face src for {stem} in {theme_css}"
            )
    theme_css.write_text(css, encoding="utf-8")
    (static / "scripts" / "fontawesome.js").unlink(missing_ok=True)
    return sizes


def _slim_icons(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    sizes = slim_icons(Path(app.outdir))
    total = sum(sizes.values())
    logger.info(f"convviz_site: icon fonts cut to {total / 1024:.1f} KB")


ROOT_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
{icon}<meta http-equiv="Refresh" content="0; url={target}">
</head>
<body><p><a href="{target}">{title}</a></p></body>
</html>
"""


def _write_root_index(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index":
        return
    favicon = app.config.html_favicon
    icon = f'<link rel="icon" href="_static/{Path(favicon).name}">\n' if favicon else ""
    target = f"{app.config.root_doc}.html"
    text = ROOT_INDEX.format(title=html.escape(app.config.html_title), icon=icon, target=target)
    (Path(app.outdir) / "index.html").write_text(text, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    os.environ["CONVVIZ_STATIC"] = "1"  # inherited by the kernels myst-nb starts
    app.connect("builder-inited", _check_mathjax)
    app.add_js_file(None, body=THEME_MODE, priority=100)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("html-page-context", _launch_labs, priority=900)
    app.connect("build-finished", _copy_mathjax)
    app.connect("build-finished", _slim_icons)
    app.connect("build-finished", _write_root_index, priority=400)  # before etoc's redirect
    return {"parallel_read_safe": True, "parallel_write_safe": True}
