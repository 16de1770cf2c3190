"""The group figures of chapters 10, 11 and 12 (and the depthwise figure of chapter 8): what
their frames give the renderer to draw groups with (issue 10's learner pass).

Groups are drawn as outlines (a colour and a dash pattern per group, convviz.css), never as a
cell's fill, which says its value; the renderer draws those outlines on SVG grids only, so
every grid with group marks must be one. A traced wiring names one output in its last row,
which the renderer rings as the output, and rings every other traced dot as feeding it.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from convviz.figures.engine import check_frame
from convviz.figures.grouped import GROUP_IMAGE, grouped_figure
from convviz.figures.pointwise_grouped import pwg_figure
from convviz.figures.shuffle import connectivity_figure, permutation_figure

FIGURES = {f().id: f for f in (grouped_figure, pwg_figure, permutation_figure, connectivity_figure)}
GROUP = re.compile(r"^g([0-7])$")


def _frames(fig_id):
    fig = FIGURES[fig_id]()
    for key in fig.keys():
        frame = fig.frame(key)
        check_frame(frame)
        yield fig.setting(key), frame


def _canvas(p) -> bool:
    """convviz.js geometry(): a grid of over 400 cells, or over 150 and 16 columns, is a canvas."""
    n = p["rows"] * p["cols"]
    return n > 400 or (p["cols"] > 16 and n > 150)


@pytest.mark.parametrize("fig_id", sorted(FIGURES))
def test_every_group_is_named_in_the_key_and_drawn_on_svg(fig_id):
    for setting, frame in _frames(fig_id):
        used = set()
        for v in frame["views"]:
            for p in v["panels"]:
                groups = {k for k, cells in p["marks"].items() if GROUP.match(k) and cells}
                used |= groups
                if groups:
                    # the outline of a group is drawn on SVG grids; a canvas would lose it
                    assert p.get("kind") is None and not _canvas(p), (fig_id, setting, p["name"])
                if p.get("kind") == "wiring":
                    used |= {f"g{g}" for row in p["wiring"]["rows"] for g in row["groups"]}
        legend = frame.get("legend", {})
        for k in used:
            assert legend.get(k) == f"group {k[1:]}", (fig_id, setting, k, legend)


def test_grouped_marks_every_cell_of_a_group_zeros_included():
    """Membership is the outline around the whole channel: its zeros are in the group too (the
    fill says zero, convviz.css), so an input channel's region is its whole grid."""
    seen_zero = False
    for setting, frame in _frames("grouped"):
        g = setting["groups"]
        c_in = GROUP_IMAGE.shape[0]
        for c in range(c_in):
            p = frame["views"][0]["panels"][c]
            assert p["marks"] == {f"g{c // (c_in // g)}": list(range(16))}, (setting, c)
            seen_zero |= 0 in p["values"]
    assert seen_zero  # the figure does show zeros inside a group


def test_grouped_lays_out_four_input_channels_a_line_then_the_filter():
    for setting, frame in _frames("grouped"):
        v = frame["views"][0]
        c_in = GROUP_IMAGE.shape[0]
        assert v["breaks"] == [4, c_in], setting
        assert all(v["panels"][c]["cell"] == 30 for c in range(c_in))  # 30 px: numbers print
        assert [p["role"] for p in v["panels"][c_in:]] == ["kernel"] * (
            c_in // setting["groups"]
        ) + ["output"]


def test_connectivity_traces_one_output_in_the_last_row_and_its_feeders():
    for setting, frame in _frames("shuffle-connectivity"):
        wirings = [p for p in frame["views"][0]["panels"] if p.get("kind") == "wiring"]
        assert len(wirings) == 2
        for p in wirings:
            w = p["wiring"]
            last = len(w["rows"]) - 1
            dots = {tuple(d) for d in w["hot"]["dots"]}
            assert {d for d in dots if d[0] == last} == {(last, 0)}, setting  # the output
            # every other traced dot feeds it: a traced link leaves it
            hot_links = {tuple(k) for k in w["hot"]["links"]}
            for r, i in dots - {(last, 0)}:
                assert any(gap == r and w["links"][gap][li][0] == i for gap, li in hot_links), (
                    setting,
                    r,
                    i,
                )


def test_connectivity_feeders_are_the_inputs_torch_says_reach_output_0():
    """The traced dots of the input row are the input channels output 0 depends on, by the
    gradient of two grouped 1x1 layers (with and without the shuffle)."""
    import torch
    from torch import nn

    for setting, frame in _frames("shuffle-connectivity"):
        g = setting["groups"]
        for p, shuffle in zip(
            [q for q in frame["views"][0]["panels"] if q.get("kind") == "wiring"],
            (False, True),
            strict=True,
        ):
            torch.manual_seed(0)
            conv1 = nn.Conv2d(8, 8, 1, groups=g, bias=False)
            conv2 = nn.Conv2d(8, 8, 1, groups=g, bias=False)
            with torch.no_grad():  # positive weights: no path cancels another
                conv1.weight.uniform_(1, 2)
                conv2.weight.uniform_(1, 2)
            x = torch.ones(1, 8, 1, 1, requires_grad=True)
            mid = conv1(x)
            if shuffle:
                mid = nn.ChannelShuffle(g)(mid)
            conv2(mid)[0, 0].sum().backward()
            reach = set(np.flatnonzero(x.grad[0, :, 0, 0].numpy()).tolist())
            traced = {d[1] for d in p["wiring"]["hot"]["dots"] if d[0] == 0}
            assert traced == reach, (setting, shuffle, traced, reach)
