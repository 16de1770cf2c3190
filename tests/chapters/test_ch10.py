"""Chapter 10, grouped convolution: every number and claim it states."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import convviz as cv
from convviz.figures.engine import check_frame
from convviz.figures.grouped import (
    GROUP_C_OUT,
    GROUP_CHOICES,
    GROUP_IMAGE,
    group_weights,
    grouped_figure,
)

STEM = "10-grouped-convolution"
BOOK = Path(__file__).resolve().parents[2] / "book"


def _torch_macs(module, shape):
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(torch.zeros(shape))
    return counter.get_total_flops() // 2


def _alexnet(g):
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, stride=4),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 256, 5, padding=2, groups=g),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(256, 384, 3, padding=1),
        nn.Conv2d(384, 384, 3, padding=1, groups=g),
        nn.Conv2d(384, 256, 3, padding=1, groups=g),
    )


def test_alexnet_numbers(chapter):
    _ns, glued = chapter(STEM)
    for g, suffix in ((2, "split"), (1, "dense")):
        model = _alexnet(g)
        assert glued[f"alex_params_{suffix}"] == sum(p.numel() for p in model.parameters())
        assert glued[f"alex_macs_{suffix}"] == _torch_macs(model, (1, 3, 227, 227))
    # by hand: weights + biases of the five layers
    by_hand = (
        96 * 3 * 121 + 96 + 256 * 48 * 25 + 256 + 384 * 256 * 9 + 384
        + 384 * 192 * 9 + 384 + 256 * 192 * 9 + 256
    )  # fmt: skip
    assert glued["alex_params_split"] == by_hand
    assert np.isclose(
        glued["alex_param_saving"], 1 - glued["alex_params_split"] / glued["alex_params_dense"]
    )
    assert 0.3 < glued["alex_param_saving"] < 0.5


def test_grouped_equals_separate_convolutions(chapter):
    _ns, glued = chapter(STEM)
    assert glued["split_equal"] is True
    assert glued["dw_is_per_channel"] is True
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(1, 6, 5, 5)), rng.normal(size=(4, 3, 3, 3))
    t = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), groups=2).numpy()
    halves = [
        F.conv2d(torch.from_numpy(x[:, 3 * j : 3 * j + 3]), torch.from_numpy(w[2 * j : 2 * j + 2]))
        for j in range(2)
    ]
    assert np.allclose(t, torch.cat(halves, 1).numpy())


def test_parameter_table(chapter):
    _ns, glued = chapter(STEM)
    assert glued["params_match_torch"] is True
    for name, g in (("p256_dense", 1), ("p256_g2", 2), ("p256_g32", 32), ("p256_dw", 256)):
        layer = nn.Conv2d(256, 256, 3, padding=1, groups=g, bias=False)
        assert glued[name] == layer.weight.numel() == 256 * (256 // g) * 9


def test_block_diagonal_matrix(chapter):
    ns, glued = chapter(STEM)
    assert (glued["C_rows"], glued["C_cols"]) == (4 * 2 * 2, 4 * 3 * 3)
    assert glued["C_blocks_total"] == 16
    assert glued["C_nonzero_blocks"] == 2 * 2 * 2  # g blocks of (C_out/g) x (C_in/g)
    expected = np.kron(np.eye(2), np.ones((2, 2))).astype(bool)
    assert np.array_equal(ns["blocks"], expected)


def test_resnext_block(chapter):
    _ns, glued = chapter(STEM)
    # by hand: 1x1 reduce, grouped 3x3, 1x1 expand
    assert glued["rx_params"] == 256 * 128 + 128 * 4 * 9 + 128 * 256 == 70144
    assert glued["rn_params"] == 256 * 64 + 64 * 64 * 9 + 64 * 256 == 69632
    assert glued["rx_width"] == 128
    block = cv.models.ResNeXtBlock(256, 32, 4)
    assert block.grouped.weight.numel() == 4608


def test_exercise_answers():
    assert nn.Conv2d(64, 128, 3, groups=4, bias=False).weight.numel() == 18432
    assert cv.grouped_conv_cost((1, 64, 8, 8), 128, 3, groups=4, bias=False).params == 18432
    valid = []
    for g in range(1, 10):
        try:
            nn.Conv2d(6, 9, 3, groups=g)
            valid.append(g)
        except ValueError:
            pass
    assert valid == [1, 3]
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=(6, 2, 3, 3)), rng.normal(size=(1, 6, 5, 5))
    x2 = x.copy()
    x2[:, 0] += 1.0
    tw = torch.from_numpy(w)
    diff = F.conv2d(torch.from_numpy(x2), tw, groups=3) - F.conv2d(
        torch.from_numpy(x), tw, groups=3
    )
    assert np.flatnonzero(diff.abs().sum((0, 2, 3)).numpy() > 1e-12).tolist() == [0, 1]
    assert nn.Conv2d(8, 24, 3, groups=8, bias=False).weight.numel() == 216
    assert cv.depthwise_cost((1, 8, 10, 10), 3, depth_multiplier=3, bias=False).params == 216


@settings(max_examples=30, deadline=None)
@given(
    g=st.sampled_from([1, 2, 3, 6]),
    k=st.integers(1, 3),
    mult=st.integers(1, 2),
    seed=st.integers(0, 2**31 - 1),
)
def test_grouped_cost_matches_torch(g, k, mult, seed):
    c_in, c_out = 6, 6 * mult
    layer = nn.Conv2d(c_in, c_out, k, groups=g, bias=False)
    c = cv.grouped_conv_cost((1, c_in, 7, 7), c_out, k, groups=g, bias=False)
    assert c.params == layer.weight.numel()
    assert c.macs == _torch_macs(layer, (1, c_in, 7, 7))
    dense = cv.conv_cost((1, c_in, 7, 7), c_out, k, bias=False)
    assert dense.params == g * c.params
    assert seed >= 0


def test_figure_frames_match_torch():
    fig = grouped_figure()
    assert [c.name for c in fig.controls] == ["groups", "out_channel"]
    for key in fig.keys():
        s = fig.setting(key)
        g, o = s["groups"], s["out_channel"]
        frame = fig.frame(key)
        check_frame(frame)
        view, conn = frame["views"]
        panels = view["panels"]
        c_in_g = 8 // g
        y = F.conv2d(
            torch.from_numpy(GROUP_IMAGE[None]), torch.from_numpy(group_weights(g)), groups=g
        )[0, o].numpy()
        assert np.allclose(panels[-1]["values"], y.ravel())
        first = (o // (GROUP_C_OUT // g)) * c_in_g
        for terms in view["steps"]:
            # only the group's channels contribute, each as an input panel
            assert {t[2] for t in terms} == set(range(first, first + c_in_g))
        assert len(check_frame({"views": [view], "formula": [], "code": ""})) == 9
        assert len(view["steps"]) == 9
        m = np.array(conn["panels"][0]["values"]).reshape(8, 8)
        expected = np.kron(np.eye(g), np.ones((8 // g, 8 // g)))
        assert np.array_equal(m, expected)
        # one colour per group: each 1 of row o in the colour of o's group
        marks = conn["panels"][0]["marks"]
        row_group = np.repeat(np.arange(8) // (8 // g), 8)  # group of filter o, per cell
        for k in range(g):
            ones_of_k = [i for i in range(64) if expected.flat[i] == 1 and row_group[i] == k]
            assert marks[f"g{k}"] == ones_of_k
        params = 8 * c_in_g * 4
        assert f"= {params}" in frame["formula"][2]
        assert params == nn.Conv2d(8, 8, 2, groups=g, bias=False).weight.numel()
    assert GROUP_CHOICES == (1, 2, 4, 8)


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "10-grouped-convolution")


def test_ioannou_result_is_not_overstated():
    """Finding: the filter-group tutorial reports one AlexNet experiment, no general law."""
    text = (BOOK / f"{STEM}.md").read_text()
    assert "tend\nto concentrate in blocks anyway" not in text
    assert "one experiment" in text and "a hint, not a law" in text
    # what the tutorial concludes, reported as its author's reading, not softened or adopted
    assert "He reads this as a sign that\nfilter groups learn better representations" in text


def test_no_private_function_is_shown():
    text = (BOOK / f"{STEM}.md").read_text()
    assert ":pyobject: _" not in text


def test_grouped_plain_loop_matches_torch():
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(2, 6, 5, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    ref = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b), groups=2)
    np.testing.assert_allclose(cv.conv2d_plain(x, w, b, groups=2), ref.numpy(), atol=1e-12)
