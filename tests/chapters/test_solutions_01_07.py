"""Every exercise solution of the index and chapters 1 to 7 runs, as a reader would paste
it under the chapter's cells (its own asserts check it); the implement-it solutions are
checked against their checkers by each chapter's test."""

from __future__ import annotations

import re

import pytest
from solutions import BOOK, run_solution

STEMS = [
    "01-convolution-vs-cross-correlation",
    "02-convolution-in-deep-learning",
    "03-3d-convolution",
    "04-1x1-convolution",
    "05-convolution-arithmetic",
    "06-transposed-convolution",
    "07-dilated-convolution",
]
CASES = [
    (stem, label)
    for stem in STEMS
    for label in re.findall(
        r"^`{3,}\{solution\} (\S+)\s*$", (BOOK / f"{stem}.md").read_text(encoding="utf-8"), re.M
    )
    if "-impl-" not in label
]


def test_every_chapter_has_exercises():
    assert {stem for stem, _ in CASES} == set(STEMS)


@pytest.mark.parametrize(("stem", "label"), CASES)
def test_solution_runs(chapter, stem, label):
    ns, _ = chapter(stem)
    run_solution(ns, stem, label)
