"""Every Examples section in the package runs: the modules ``make unit`` does not pass
to ``--doctest-modules`` are run here, so an example added anywhere is checked."""

from __future__ import annotations

import doctest
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "convviz"


def _makefile_doctests() -> set[str]:
    line = next(
        ln for ln in (ROOT / "Makefile").read_text().splitlines() if "--doctest-modules" in ln
    )
    return set(re.findall(r"src/convviz/([\w/]+)\.py", line))


WITH_EXAMPLES = sorted(
    str(p.relative_to(PACKAGE).with_suffix(""))
    for p in PACKAGE.rglob("*.py")
    if ">>>" in p.read_text()
)
HERE = [m for m in WITH_EXAMPLES if m not in _makefile_doctests()]


def test_the_makefile_line_names_modules_with_examples():
    assert _makefile_doctests() <= set(WITH_EXAMPLES), _makefile_doctests()
    assert len(WITH_EXAMPLES) > len(HERE), (WITH_EXAMPLES, HERE)


@pytest.mark.parametrize("module", HERE)
def test_examples_run(module):
    mod = importlib.import_module("convviz." + module.replace("/", "."))
    result = doctest.testmod(mod)  # the flags of pytest --doctest-modules: none
    assert result.attempted > 0, module
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {module} fail"
