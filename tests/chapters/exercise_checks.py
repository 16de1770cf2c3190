"""The implement-it exercises of a chapter: scaffolds fail their check, solutions pass it.

An implement-it exercise is an ``{exercise}`` labelled ``chNN-impl-*`` followed by a
scaffold code cell that calls ``cv.exercises.check(name, my_fn)`` and a ``{solution}``
whose ``python`` blocks define ``my_fn`` and call the same check. The solution's
blocks run in a copy of the chapter's namespace; every ``cv.exercises.check(...)``
line must pass, and every line that ends in ``# <Python literal>`` (a prediction's
answer) must evaluate to that literal.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import convviz as cv

BOOK = Path(__file__).resolve().parents[2] / "book"
SOLUTION = re.compile(r"````\{solution\} (ch\d\d-impl-[\w-]+)\n(.*?)\n````\n", re.S)
PYTHON = re.compile(r"```python\n(.*?)\n```", re.S)
SCAFFOLD_CHECK = re.compile(r'^cv\.exercises\.check\("(\w+)", (\w+)\)$', re.M)


def implement_it_solutions(stem: str) -> dict[str, list[str]]:
    """``{label: [python block, ...]}`` of the chapter's implement-it solutions."""
    text = (BOOK / f"{stem}.md").read_text(encoding="utf-8")
    return {label: PYTHON.findall(body) for label, body in SOLUTION.findall(text)}


def _run_block(code: str, env: dict[str, Any], answers: list[str] | None = None) -> list[Any]:
    """Run a block line group by line group; return the reports of its check calls.

    Every line checked against its ``# <literal>`` comment is appended to ``answers``.
    """
    reports = []
    pending: list[str] = []
    for line in code.splitlines():
        stripped = line.strip()
        literal = None
        if "  # " in line and not line.startswith((" ", "\t")):
            expr, comment = line.split("  # ", 1)
            try:
                literal = ast.literal_eval(comment.strip())
            except (ValueError, SyntaxError):
                literal = None
            else:
                line = expr
        if stripped.startswith("cv.exercises.check(") or literal is not None:
            exec("\n".join(pending), env)
            pending = []
            value = eval(line, env)
            if stripped.startswith("cv.exercises.check("):
                reports.append(value)
            else:
                assert value == literal, f"{line} gives {value!r}, the text says {literal!r}"
                if answers is not None:
                    answers.append(line)
        else:
            pending.append(line)
    exec("\n".join(pending), env)
    return reports


def check_implement_it(chapter, stem: str, minimum: int = 2) -> None:
    """Every implement-it solution of a chapter passes its check; every scaffold fails it."""
    ns, _glued = chapter(stem)
    solutions = implement_it_solutions(stem)
    assert len(solutions) >= minimum, f"{stem}: {len(solutions)} implement-it exercises"
    text = (BOOK / f"{stem}.md").read_text(encoding="utf-8")
    scaffolds = dict(SCAFFOLD_CHECK.findall(text))
    bodies = dict(SOLUTION.findall(text))
    for label, blocks in solutions.items():
        env = dict(ns)
        answers: list[str] = []
        reports = [r for block in blocks for r in _run_block(block, env, answers)]
        assert reports, f"{label}: the solution never calls cv.exercises.check"
        if "The prediction" in bodies[label]:
            # the answer to a prediction is checked: its line ends in `# <Python literal>`
            assert answers, f"{label}: the prediction's answer is not a checked literal"
        for report in reports:
            assert report.passed, f"{label}:\n{report}"
            name, fn = report.name, scaffolds[report.name]
            # the scaffold the chapter ran is still unfinished: its check fails, quietly
            unfinished = cv.exercises.check(name, ns[fn])
            assert not unfinished.passed and "returned None" in unfinished.problem
