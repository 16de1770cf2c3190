"""CONTRIBUTING.md names what exists: its commands, paths and the chapter checklist.

A new contributor follows the checklist literally, so a command that names a removed
module (``python -m convviz.labs``) or a file that moved is a trap. These tests read
the file and check each name against the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "CONTRIBUTING.md").read_text()


def _checklist() -> str:
    start = TEXT.index("## Adding a chapter: the checklist")
    return TEXT[start : TEXT.index("\n## ", start + 1)]


def test_every_python_command_names_a_tool_or_module_that_exists():
    scripts = re.findall(r"python (tools/[\w/]+\.py)", TEXT)
    assert "tools/make_notebooks.py" in scripts, scripts
    for script in scripts:
        assert (ROOT / script).is_file(), f"CONTRIBUTING.md runs {script}, which does not exist"
    for module in re.findall(r"python -m ([\w.]+)", TEXT):
        path = ROOT / "src" / Path(*module.split("."))
        assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file(), (
            f"CONTRIBUTING.md runs `python -m {module}`, which does not exist"
        )


def test_every_concrete_path_exists():
    # `a/b.py`, `book/`, `_toc.yml` ...: paths without a placeholder (NN, <idea>, stem, DIR)
    paths = {
        p
        for p in re.findall(r"`([\w./-]+)`", TEXT)
        if ("/" in p or re.search(r"\.(py|md|yml|toml|txt|in|bib|json)$", p))
        and not re.search(r"NN|stem|<|DIR|\.venv|_build|^\.\./|^http", p)
    }
    assert len(paths) > 15, sorted(paths)
    # a name inside a table row may be relative to the folder the row is about
    bases = [ROOT, ROOT / "src" / "convviz", ROOT / "src" / "convviz" / "figures", ROOT / "tools"]
    missing = sorted(p for p in paths if not any((base / p).exists() for base in bases))
    assert not missing, f"CONTRIBUTING.md names paths that do not exist: {missing}"


def test_the_checklist_names_every_place_a_chapter_touches():
    checklist = _checklist()
    for place in (
        "_toc.yml",
        "src/convviz/figures/__init__.py",
        "tools/make_notebooks.py",
        "tests/chapters/test_chNN.py",
        "book/references.bib",
        "book/index.md",
        "src/convviz/exercises.py",
        "book/differences.md",
    ):
        assert place in checklist, f"the chapter checklist does not mention {place}"
    # the part of _toc.yml the checklist names is the one the page-weight test reads
    parts = [p.get("caption") for p in yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]]
    assert "Chapters" in parts and "the `Chapters` part" in checklist, parts
    # each make target the checklist asks for exists
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    for line in re.findall(r"`make ([\w ]+)`", checklist):
        assert set(line.split()) <= targets, (line, sorted(targets))
