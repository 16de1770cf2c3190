"""Code a learner can read: what the chapters show of the package's source."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "book").glob("[01][0-9]-*.md"))
INCLUDE = re.compile(r"```\{literalinclude\} (?P<path>\S+)\n(?P<opts>(?::[^\n]*\n)*)")
DROPDOWN = re.compile(r"````\{dropdown\}.*?````", re.S)
LONG = 25  # lines: longer than this, a function goes in a dropdown or is shown in part


def _length(path: Path, name: str) -> int:
    tree = ast.parse(path.read_text())
    parts = name.split(".")
    nodes = tree.body
    node = None
    for part in parts:
        node = next(
            n for n in nodes if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == part
        )
        nodes = node.body
    return node.end_lineno - node.lineno + 1


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_private_function_and_no_wall_shown_inline(chapter):
    text = chapter.read_text()
    collapsed = [m.span() for m in DROPDOWN.finditer(text)]
    for m in INCLUDE.finditer(text):
        opts = dict(
            line[1:].split(": ", 1) if ": " in line else (line[1:].rstrip(":"), "")
            for line in m["opts"].splitlines()
        )
        obj = opts.get("pyobject")
        if obj is None:
            continue
        assert not any(part.startswith("_") for part in obj.split(".")), (chapter.stem, obj)
        inside = any(a <= m.start() < b for a, b in collapsed)
        partial = "start-at" in opts or "start-after" in opts or "lines" in opts
        source = (chapter.parent / m["path"]).resolve()
        if not inside and not partial:
            assert _length(source, obj) <= LONG, (chapter.stem, obj, "shown in full inline")


def test_no_listing_is_shown_twice_inline():
    seen = {}
    for chapter in CHAPTERS:
        text = chapter.read_text()
        collapsed = [m.span() for m in DROPDOWN.finditer(text)]
        for m in INCLUDE.finditer(text):
            if any(a <= m.start() < b for a, b in collapsed):
                continue
            key = (m["path"], m["opts"])
            assert key not in seen, (chapter.stem, seen.get(key), key)
            seen[key] = chapter.stem


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_code_cell_is_a_cell(chapter):
    """A dropdown must not swallow the code cells after it (jupytext reads them all)."""
    import jupytext

    nb = jupytext.read(chapter)
    cells = sum(c.cell_type == "code" for c in nb.cells)
    assert cells == chapter.read_text().count("```{code-cell}")
