"""Run a chapter's code cells in-process and collect what it glues into the text.

`chapter("01-convolution-vs-cross-correlation")` returns the namespace the
chapter's cells leave behind and the dict of glued values, so a chapter test can
check every number the prose states against an independent computation.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jupytext
import matplotlib
import pytest

matplotlib.use("Agg")

BOOK = Path(__file__).resolve().parents[2] / "book"


@functools.cache
def _run(stem: str) -> tuple[dict[str, Any], dict[str, Any]]:
    nb = jupytext.read(BOOK / f"{stem}.md")
    glued: dict[str, Any] = {}

    def glue(name: str, value: Any, display: bool = True) -> None:
        glued[name] = value

    import myst_nb

    original = myst_nb.glue
    myst_nb.glue = glue
    try:
        namespace: dict[str, Any] = {"__name__": f"chapter_{stem.replace('-', '_')}"}
        for cell in nb.cells:
            if cell.cell_type == "code":
                source = "\n".join(
                    line
                    for line in cell.source.splitlines()
                    if not line.lstrip().startswith(("%", "!"))
                )
                exec(compile(source, f"{stem}.md", "exec"), namespace)
    finally:
        myst_nb.glue = original
    return namespace, glued


@pytest.fixture(scope="module")
def chapter():
    return _run
