"""Run the code of an exercise's solution dropdown, as a reader would paste it.

`run_solution(ns, stem, label)` finds the ``{solution} label`` block of
``book/<stem>.md``, takes its ```` ```python ```` code and executes it in a copy
of the chapter's namespace ``ns`` (so it sees what the chapter defined:
``np``, ``cv``, ``torch``, page helpers). The code's own ``assert`` statements
then check it; the returned namespace lets a test check its results further.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

BOOK = Path(__file__).resolve().parents[2] / "book"


def solution_code(stem: str, label: str) -> str:
    """The python code blocks of the solution of exercise ``label``, joined."""
    text = (BOOK / f"{stem}.md").read_text(encoding="utf-8")
    start = re.search(r"^`{3,}\{solution\} " + re.escape(label) + r"\s*$", text, re.M)
    if start is None:
        raise LookupError(f"no solution {label!r} in {stem}.md")
    fence = re.match(r"`+", start.group(0)).group(0)
    end = text.index("\n" + fence + "\n", start.end())
    body = text[start.end() : end]
    blocks = re.findall(r"^```python\n(.*?)^```$", body, re.M | re.S)
    if not blocks:
        raise LookupError(f"solution {label!r} in {stem}.md has no python block")
    return "\n".join(blocks)


def run_solution(ns: dict[str, Any], stem: str, label: str) -> dict[str, Any]:
    """Execute the solution of ``label`` in a copy of the chapter namespace ``ns``."""
    scope = dict(ns)
    exec(compile(solution_code(stem, label), f"{stem}.md:{label}", "exec"), scope)
    return scope
