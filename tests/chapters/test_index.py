"""The front page: what a learner reads first, and its moving figure.

The index names what the reader will be able to do and what they need first,
lists every page of the table of contents with one line each, keeps developer
instructions out (they live in README.md and CONTRIBUTING.md), and opens with a
figure that plays by itself and whose numbers are torch's.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import yaml
from frame_checks import check_steps

import convviz as cv
from convviz.figures.engine import Figure
from convviz.figures.front import FRONT_IMAGE, FRONT_KERNEL, sliding_figure

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "book" / "index.md").read_text()


def _section(title: str) -> str:
    start = TEXT.index(f"\n## {title}\n")
    end = TEXT.find("\n## ", start + 1)
    return TEXT[start : end if end > 0 else len(TEXT)]


def _toc_stems() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [e["file"].rsplit("/", 1)[-1] for part in toc["parts"] for e in part["chapters"]]


def test_the_chapter_list_has_every_page_of_the_toc_in_order_with_one_line_each():
    chapters = _section("Chapters")
    linked = re.findall(r"\{doc\}`([\w-]+)`", chapters)
    assert linked == _toc_stems(), linked
    # one numbered item per chapter, each the link followed by a description
    items = re.findall(
        r"^(\d+)\. \{doc\}`([\w-]+)`: (.+?)(?=^\d+\. |^\n|\Z)", chapters, re.M | re.S
    )
    toc_chapters = [s for s in _toc_stems() if re.match(r"\d\d-", s)]
    assert [stem for _n, stem, _d in items] == toc_chapters
    for number, stem, description in items:
        assert int(number) == int(stem[:2]), (number, stem)
        words = description.split()
        assert 8 <= len(words) <= 40, (stem, description)  # a line, not a paragraph


def test_learning_goals_are_concrete_and_point_to_chapters():
    goals = re.findall(r"^- (.+?)(?=^- |^\n)", _section("What you will be able to do"), re.M | re.S)
    assert len(goals) >= 6, goals
    assert any("output size" in g and "transposed" in g for g in goals), goals
    verbs = ("compute", "say", "write", "explain", "work out", "count", "check")
    for goal in goals:
        assert goal.startswith(verbs), goal  # something a reader can do and check
        assert "{doc}`" in goal or re.search(r"chapters? \d", goal), goal


def test_prerequisites_say_what_is_needed_and_what_is_not():
    needs = _section("What you need first")
    for topic in ("Python", "NumPy", "matrix product", "chain rule"):
        assert topic in needs, topic
    assert "No deep-learning background is needed" in needs


def test_no_developer_instructions_on_the_front_page():
    for dev in ("make ", "tests/", "pytest", "pip install", ".venv"):
        assert dev not in TEXT, dev
    readme = (ROOT / "README.md").read_text()
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    # what the index used to say lives there now
    assert "`make lab`" in readme and "tests/chapters/" in readme
    assert "tests/chapters/" in contributing


def test_the_figure_opens_the_page_and_plays_by_itself():
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", TEXT, re.S)
    shown = [c for c in cells if "remove-cell" not in c]
    assert shown and "front.sliding_figure()" in shown[0] and "remove-input" in shown[0]
    # the figure comes before the first section of the page
    assert TEXT.index("front.sliding_figure()") < TEXT.index("\n## ")
    fig = sliding_figure()
    assert fig.autoplay and fig.spec()["autoplay"] is True
    assert sliding_figure in cv.figures.REGISTRY["index"][1]
    # only figures that ask for it play by themselves
    still = Figure("still", "t", "d", [], lambda: {"views": [], "formula": [], "code": ""})
    assert "autoplay" not in still.spec() and '"autoplay"' not in still.to_html()


@pytest.mark.parametrize("key", list(sliding_figure().keys()))
def test_every_frame_of_the_figure_is_torchs_convolution(key):
    fig = sliding_figure()
    s, p = fig.setting(key).values()
    frame = fig.frame(key)
    (v,) = frame["views"]
    x_panel, w_panel, y_panel = v["panels"]
    ref = F.conv2d(
        torch.tensor(FRONT_IMAGE)[None, None],
        torch.tensor(FRONT_KERNEL)[None, None],
        stride=s,
        padding=p,
    )[0, 0].numpy()
    np.testing.assert_allclose(np.reshape(y_panel["values"], ref.shape), ref)
    np.testing.assert_allclose(
        np.reshape(x_panel["values"], (5 + 2 * p,) * 2), np.pad(FRONT_IMAGE, p)
    )
    np.testing.assert_allclose(np.reshape(w_panel["values"], (3, 3)), FRONT_KERNEL)
    assert len(x_panel["marks"].get("pad", [])) == (5 + 2 * p) ** 2 - 25
    # every output cell is one step's sum, and the steps add up
    assert len(check_steps(v)) == ref.size
    # the formula's output size is torch's
    assert frame["formula"][1].split(" on each axis")[0].endswith(f"= {ref.shape[0]}")
    assert f"stride={s}, padding={p}" in frame["code"]
    # cells no window reads are struck through: brute force over the windows
    side = 5 + 2 * p
    read = {
        (s * r + u) * side + s * q + v
        for r in range(ref.shape[0])
        for q in range(ref.shape[1])
        for u in range(3)
        for v in range(3)
    }
    image = {(r + p) * side + c + p for r in range(5) for c in range(5)}
    assert set(x_panel["marks"].get("drop", [])) == image - read
