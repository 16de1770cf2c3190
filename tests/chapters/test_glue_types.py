"""Every number the prose formats (``{glue:text}`name:.1f```) is glued as a Python number.

myst-nb formats a glued value from its text representation: a NumPy scalar's is
``np.float64(0.73)``, which no format spec accepts, so the strict build fails on it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

BOOK = Path(__file__).resolve().parents[2] / "book"
CHAPTERS = sorted(BOOK.glob("[01][0-9]-*.md"))
FORMATTED = re.compile(r"\{glue:text\}`([A-Za-z_0-9]+):[^`]+`")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_formatted_glues_are_python_numbers(chapter, path):
    names = set(FORMATTED.findall(path.read_text()))
    if not names:
        return
    _ns, glued = chapter(path.stem)
    for name in sorted(names):
        value = glued[name]
        assert not isinstance(value, np.generic), (path.stem, name, repr(value))
        assert isinstance(value, int | float), (path.stem, name, type(value))
