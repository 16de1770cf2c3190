"""README.md as a new user reads it: its example runs and says what it prints, and every
command, tool and extra it names exists."""

from __future__ import annotations

import contextlib
import io
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "README.md").read_text()


def test_the_python_example_runs_and_its_comments_are_right():
    blocks = re.findall(r"```python\n(.*?)```", TEXT, re.S)
    assert len(blocks) == 2, blocks  # the package, then the exercise checker
    block = "\n".join(blocks)
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["y"].shape == (1, 4, 4, 4)
    # "# passed": the README's solution passes its check
    report = namespace["cv"].exercises.check("conv_output_size", namespace["my_conv_output_size"])
    assert report.passed, str(report)
    # each `expression  # value` comment that states a value is that expression's value
    stated = re.findall(r"^(cv\.[^#\n]+?)\s+#\s+(\([\d, ]+\))$", block, re.M)
    assert stated, block
    for expression, value in stated:
        assert repr(eval(expression, namespace)) == value, (expression, value)


def test_every_make_target_and_tool_named_exists():
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    named = {t for group in re.findall(r"`make ([\w ]+)`", TEXT) for t in group.split()}
    named |= {t for line in re.findall(r"^make (\w+)", TEXT, re.M) for t in line.split()}
    assert {"book", "test", "serve", "lab", "bench", "lint", "unit"} <= named, named
    assert named <= targets, sorted(named - targets)
    for tool in re.findall(r"python (tools/[\w/]+\.py)", TEXT):
        assert (ROOT / tool).is_file(), tool
    assert (ROOT / ".ci" / "run").is_file() and "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_extras_table_is_the_one_of_pyproject():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    in_readme = set(re.findall(r'`pip install "\.\[(\w+)\]"`', TEXT))
    assert in_readme == set(extras), (sorted(in_readme), sorted(extras))


def test_the_makefile_reuses_a_venv_made_by_hand_as_the_readme_says():
    makefile = (ROOT / "Makefile").read_text()
    assert "python3.12 -m venv .venv" in TEXT and "python3 -m venv .venv" in makefile
    # the venv is created only when .venv/bin/python is missing
    assert "test -x $(PY) || python3 -m venv .venv" in makefile
    assert "PY := .venv/bin/python" in makefile


def test_the_two_commands_come_first():
    # the first command block a reader meets is the two commands, and nothing else
    first = re.search(r"```bash\n(.*?)```", TEXT, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first.splitlines() if line.strip()]
    assert commands == ["make book", "make test"], commands
    assert TEXT.index("make book") < TEXT.index("```python")
    assert TEXT.index("## Two commands") == TEXT.index("\n## ") + 1


def test_the_developer_instructions_the_front_page_no_longer_gives_are_here():
    # book/index.md is for readers: running the chapters' tests and the notebooks is here
    assert "`make lab`" in TEXT and "notebooks/" in TEXT
    assert "tests/chapters/" in TEXT
    for path in re.findall(r"`(tests/chapters/[\w.]+)`", TEXT):
        assert (ROOT / path).exists(), path


def test_what_make_test_runs_is_said_in_its_order():
    """The README's paragraph on `make test` names each step of the Makefile's test recipe
    (lint, tests, the notebooks' check, the labs, the strict build, the browser tests), in the
    order the recipe runs them."""
    makefile = (ROOT / "Makefile").read_text()
    steps = re.search(r"^test: env (.*)$", makefile, re.M).group(1).split()
    recipe = "\n".join(
        re.search(rf"^{s}: env\n((?:\t.*\n)+)", makefile, re.M).group(1) for s in steps
    )
    said = TEXT[TEXT.index("`make test` runs, in order") :].split("\n\n")[0]
    # each step: how the recipe runs it, how the README names it
    named = [
        ("ruff check", "`ruff`"),
        ("tests/unit", "`tests/unit`"),
        ("make_notebooks.py --check", "`tools/make_notebooks.py --check`"),
        ("tests/labs", "`tests/labs`"),
        ("build_book.py --strict", "every warning an error"),
        ("tests/browser", "`tests/browser`"),
    ]
    for run, name in named:
        assert run in recipe and name in said, (run, name)
    assert [recipe.index(r) for r, _ in named] == sorted(recipe.index(r) for r, _ in named)
    assert [said.index(n) for _, n in named] == sorted(said.index(n) for _, n in named)
