"""The figure engine: controls, keys, frames, HTML, and the invariants of every registered figure."""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pytest

import convviz as cv
from convviz.figures.engine import Control, Figure, grid, steps_from_triples, view

ALL = [f for _title, fs in cv.figures.REGISTRY.values() for f in fs]


def _tiny(**_):
    return {
        "views": [view("v", [grid("x", "x", np.array([1.0, 2.0]))], [])],
        "formula": [],
        "code": "",
    }


def test_control_validation():
    with pytest.raises(ValueError, match="needs at least one option"):
        Control("k", "k", [])
    with pytest.raises(ValueError, match="default=3 is not an index"):
        Control("k", "k", [1, 2], default=3)
    with pytest.raises(ValueError, match="1 labels for 2 options"):
        Control("k", "k", [1, 2], labels=["a"])
    assert Control("k", "k", [1, 2, 3]).spec()["kind"] == "range"
    assert Control("k", "k", ["a", "b", "c"]).spec()["kind"] == "select"


def test_keys_cover_the_product_and_bad_keys_are_refused():
    fig = Figure(
        "t", "t", "d", [Control("a", "a", [1, 2]), Control("b", "b", ["x", "y", "z"])], _tiny
    )
    assert sorted(fig.keys()) == sorted(f"{i},{j}" for i in range(2) for j in range(3))
    assert fig.setting("1,2") == {"a": 2, "b": "z"}
    with pytest.raises(ValueError, match="one option for each of 2 controls"):
        fig.setting("1")
    with pytest.raises(ValueError, match="option 5 out of range for control 'b'"):
        fig.setting("0,5")


def test_html_is_self_contained_and_escaped():
    def build(**_):
        return {"views": [], "formula": ["</script><b>"], "code": ""}

    html = Figure("t", "T <1>", "desc & more", [], build).to_html()
    assert "</script><b>" not in html
    assert "&lt;1&gt;" in html and "desc &amp; more" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    spec = json.loads(
        re.search(r'class="cv-spec">(.*?)</script>', html).group(1).replace("<\\/", "</")
    )
    assert spec["frames"][""]["formula"] == ["</script><b>"]


def test_steps_from_triples_splits_channels():
    triples = np.array([[0, 5, 1], [0, 0, 0], [1, 7, 3]])
    steps = steps_from_triples(triples, out=(4, 0), inp=(0, 4), ker=(2, 2))
    assert steps == [[(4, 0, 1, 1, 2, 1), (4, 0, 0, 0, 2, 0)], [(4, 1, 1, 3, 3, 1)]]
    by_in = steps_from_triples(triples, by="in")
    assert [s[0][3] for s in by_in] == [0, 5, 7]


def test_grid_shapes():
    g = grid("x", "x", np.arange(6).reshape(2, 3), origin=(-1, -1), marks={"pad": [0, 1]})
    assert (g["rows"], g["cols"], g["oneD"], g["origin"]) == (2, 3, False, [-1, -1])
    assert grid("y", "y", np.arange(4))["oneD"] is True
    with pytest.raises(ValueError, match="must be 1D or 2D"):
        grid("z", "z", np.zeros((2, 2, 2)))


@pytest.mark.parametrize("factory", ALL, ids=lambda f: f.__name__)
def test_every_figure_within_budget_and_steps_sum_to_outputs(factory):
    fig = factory()
    html = fig.to_html()
    assert len(gzip.compress(html.encode())) <= 150_000, "a figure may add at most 150 KB gzipped"
    assert fig.description and fig.title
    for key in fig.keys():
        frame = fig.frame(key)
        assert frame["code"], f"{fig.id} {key}: no PyTorch call shown"
        for v in frame["views"]:
            panels = v["panels"]
            for terms in v["steps"]:
                out_panel, out_cell = terms[0][0], terms[0][1]
                assert (
                    all((t[0], t[1]) == (out_panel, out_cell) for t in terms)
                    or len({(t[2], t[3]) for t in terms}) == 1
                ), "a step is one output's sum, or one input's scatter"
                if all((t[0], t[1]) == (out_panel, out_cell) for t in terms):
                    total = sum(
                        panels[t[2]]["values"][t[3]] * panels[t[4]]["values"][t[5]] for t in terms
                    )
                    total += v.get("bias", 0)
                    shown = panels[out_panel]["values"][out_cell]
                    assert abs(total - shown) <= 1e-3 * (1 + len(terms)), f"{fig.id} {key}"
