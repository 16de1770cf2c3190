"""Generate ``notebooks/NN-stem.ipynb`` from the chapters ``book/NN-stem.md``.

The notebooks are the chapters themselves, for download, Binder and Colab: the
text, the code, the figures (live widgets in a kernel) and the exercises, with no
outputs. They are generated, never edited by hand::

    python tools/make_notebooks.py           # write notebooks/
    python tools/make_notebooks.py --check   # exit 1 if notebooks/ is out of date

Each notebook starts with one cell that installs convviz where it is missing
(Colab, a bare Jupyter) and, in Colab, turns on the widget manager that live
figures need; where convviz imports, as in the book's environment and the tests,
the cell does nothing.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
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
    %pip install -q "convviz @ git+{REPOSITORY}" anywidget myst-nb
try:  # Colab draws third-party widgets (the live figures) only with its widget manager
    from google.colab import output

    output.enable_custom_widget_manager()
except ImportError:
    pass"""


# A MyST directive fence: ```{name} argument, then :option: lines, then the body.
DIRECTIVE = re.compile(r"^(?P<fence>`{3,})\{(?P<name>[\w-]+)\}[ \t]*(?P<arg>.*)$")
#: directives a plain Jupyter front end shows as code; the notebook rewrites them
ADMONITIONS = {"admonition", "note", "tip", "warning", "important", "seealso", "hint"}


def _blocks(lines: list[str]) -> tuple[list[str], dict[str, str], list[str], int]:
    """Split a directive at ``lines[0]``: (argument, options, body, index after it)."""
    opening = DIRECTIVE.match(lines[0])
    fence = opening["fence"]
    end = next((j for j in range(1, len(lines)) if lines[j].strip() == fence), len(lines))
    body = lines[1:end]
    options: dict[str, str] = {}
    while body and re.match(r"^:[\w-]+:", body[0]):
        key, _, value = body.pop(0)[1:].partition(":")
        options[key] = value.strip().strip('"')  # MyST reads option values as YAML
    while body and not body[0].strip():
        body.pop(0)
    return [opening["arg"].strip()], options, body, end + 1


def _include(argument: str, options: dict[str, str]) -> list[str]:
    """The lines a ``{literalinclude}`` shows, as a fenced code block."""
    path = (BOOK / argument).resolve()
    text = path.read_text(encoding="utf-8")
    if "pyobject" in options:
        node: ast.AST = ast.parse(text)
        for part in options["pyobject"].split("."):
            node = next(
                n
                for n in ast.iter_child_nodes(node)
                if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part
            )
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        lines = text.splitlines()[start - 1 : node.end_lineno]
        indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
        text = "\n".join(line[indent:] for line in lines)
    lines = text.splitlines()

    def find(pattern: str) -> int | None:  # Sphinx fails the build on a missing pattern
        return next((j for j, line in enumerate(lines) if pattern in line), None)

    for key, keep in (("start-at", True), ("start-after", False)):
        if key in options and (j := find(options[key])) is not None:
            lines = lines[j if keep else j + 1 :]
    if "end-before" in options and (j := find(options["end-before"])) is not None:
        lines = lines[:j]
    return [f"```{options.get('language', '')}", *lines, "```"]


def jupyter_markdown(text: str) -> str:
    """A chapter's Markdown cell as a plain Jupyter front end (Lab, Colab) can show it.

    Exercises become bold paragraphs; hints, solutions and dropdowns become closed
    ``<details>`` blocks (so a solution does not sit in plain sight under its
    exercise); admonitions become block quotes; ``{literalinclude}`` becomes the
    code it includes. Roles (``{glue:text}``, ``{cite:p}``) are left as they are.
    """
    lines = text.split("\n")
    out: list[str] = []
    j = 0
    while j < len(lines):
        opening = DIRECTIVE.match(lines[j])
        name = opening["name"] if opening else None
        if name not in {"exercise", "solution", "dropdown", "literalinclude", *ADMONITIONS}:
            out.append(lines[j])
            j += 1
            continue
        (argument,), options, body, step = _blocks(lines[j:])
        j += step
        inner = jupyter_markdown("\n".join(body)).split("\n")
        dropdown = "dropdown" in options.get("class", "") or name == "dropdown"
        if name == "literalinclude":
            out += _include(argument, options)
        elif name == "exercise":
            out += [f"**Exercise{' (' + argument + ')' if argument else ''}.**", "", *inner]
        elif name in {"solution", "dropdown"} or dropdown:
            title = {"solution": "Solution", "hint": "Hint"}.get(name) or argument or "Details"
            out += ["<details>", f"<summary>{title}</summary>", "", *inner, "", "</details>"]
        else:
            title = argument or name.capitalize()
            out += [f"> **{title}**", ">", *(f"> {line}" if line else ">" for line in inner)]
    return "\n".join(out)


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
        if cell.cell_type == "markdown":
            cell.source = jupyter_markdown(cell.source)
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
