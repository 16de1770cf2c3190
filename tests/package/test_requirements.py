"""The dependency files and the stated Python range agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _names(path: Path) -> dict[str, str]:
    """Normalised package name -> the rest of its line, for every requirement line."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            name = re.match(r"[A-Za-z0-9_.-]+", line).group(0)
            out[re.sub(r"[-_.]+", "-", name).lower()] = line[len(name) :]
    return out


def test_every_direct_dependency_is_pinned_in_the_lock():
    direct = _names(ROOT / "requirements.in")
    lock = _names(ROOT / "requirements.txt")
    assert direct, "requirements.in lists nothing"
    missing = sorted(set(direct) - set(lock))
    assert not missing, f"in requirements.in but not in requirements.txt: {missing}"
    loose = sorted(n for n, rest in lock.items() if not rest.startswith("=="))
    assert not loose, f"not pinned with == in requirements.txt: {loose}"
    assert all(not rest for rest in direct.values()), direct  # requirements.in is unpinned


def test_the_package_dependencies_are_in_requirements_in():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = _names(ROOT / "requirements.in")
    wanted = list(project["dependencies"])
    for extra in ("live", "torch", "book"):
        wanted += project["optional-dependencies"][extra]
    for requirement in wanted:
        name = re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)).lower()
        assert name in direct, f"{requirement} (pyproject.toml) missing from requirements.in"


def test_one_python_range_in_pyproject_and_readme():
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    readme = (ROOT / "README.md").read_text()
    assert f"Python {requires}" in readme, f"README must state 'Python {requires}'"
    stated = set(re.findall(r"\bPython (?:>=|>|<|<=|==|~=)?\s?3\.\d+[^\s,.)]*", readme))
    assert stated == {f"Python {requires}"}, stated
