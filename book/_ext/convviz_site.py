"""Sphinx extension that keeps the built site self-contained.

* MathJax is copied from ``node_modules/mathjax`` (installed by ``npm ci`` from
  the pinned ``package.json``) into ``_mathjax/`` of the output, outside
  ``_static/`` so Jupyter Book does not add its many scripts to every page.
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

import html
import os
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
MATHJAX = ROOT / "node_modules" / "mathjax" / "es5"
THEME_MODE = (
    "if (!document.documentElement.dataset.mode) document.documentElement.dataset.mode = 'auto';"
)
MATHJAX_FILES = ["tex-chtml.js", "output/chtml/fonts/woff-v2"]


def _check_mathjax(app: Sphinx) -> None:
    if not (MATHJAX / "tex-chtml.js").is_file():
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
    app.connect("build-finished", _write_root_index, priority=400)  # before etoc's redirect
    return {"parallel_read_safe": True, "parallel_write_safe": True}
