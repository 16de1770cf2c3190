"""Generate ``notebooks/NN-stem.ipynb`` from the chapters ``book/NN-stem.md``.

The notebooks are the chapters themselves, for download, Binder and Colab: the
text, the code, the figures (live widgets in a kernel) and the exercises, with no
outputs. They are generated, never edited by hand::

    python tools/make_notebooks.py           # write notebooks/
    python tools/make_notebooks.py --check   # exit 1 if notebooks/ is out of date

Each notebook starts with one cell that installs convviz where it is missing
(Colab, a bare Jupyter); where convviz imports, as in the book's environment and
the tests, the cell does nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = ROOT / "notebooks"
REPOSITORY = "https://github.com/convviz/convviz"

INSTALL = f"""\
# Generated from book/{{stem}}.md by tools/make_notebooks.py: edit the chapter, not this file.
# Where convviz is missing (Colab, a fresh Jupyter), install it and what the chapter uses.
try:
    import convviz
    import myst_nb
except ImportError:
    %pip install -q "convviz @ git+{REPOSITORY}" anywidget myst-nb"""


def chapters() -> list[Path]:
    """The chapter sources, ``book/NN-*.md``, in order."""
    return sorted(p for p in BOOK.glob("[0-9][0-9]-*.md"))


def notebook(source: Path) -> nbformat.NotebookNode:
    """The notebook of one chapter: an install cell, then every cell of the chapter.

    Parameters
    ----------
    source : Path
        ``book/NN-stem.md``, a MyST Markdown notebook.

    Returns
    -------
    NotebookNode
        nbformat 4.5, no outputs, stable cell ids.
    """
    nb = jupytext.read(source)
    install = nbformat.v4.new_code_cell(INSTALL.format(stem=source.stem))
    install.metadata = {"tags": ["install"]}
    cells = [install, *nb.cells]
    for index, cell in enumerate(cells):
        cell.id = f"{source.stem[:2]}-{index:03d}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    out.nbformat, out.nbformat_minor = 4, 5
    return out


def text(nb: nbformat.NotebookNode) -> str:
    """The file contents (stable: sorted keys, one-space indent, final newline)."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(check: bool = False) -> list[str]:
    """Write every notebook, or with ``check`` only list the stale or extra ones."""
    stale = []
    expected = set()
    for source in chapters():
        path = NOTEBOOKS / f"{source.stem}.ipynb"
        expected.add(path.name)
        content = text(notebook(source))
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            stale.append(path.name)
            if not check:
                NOTEBOOKS.mkdir(exist_ok=True)
                path.write_text(content, encoding="utf-8")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if path.name not in expected:
            stale.append(f"{path.name} (no chapter)")
            if not check:
                path.unlink()
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if notebooks/ is out of date")
    args = parser.parse_args(argv)
    stale = write(check=args.check)
    if args.check:
        if stale:
            print(
                "notebooks/ is out of date; run `python tools/make_notebooks.py`:",
                ", ".join(stale),
            )
            return 1
        print("notebooks up to date")
        return 0
    print(f"wrote {len(stale)} notebook(s)" if stale else "notebooks up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
