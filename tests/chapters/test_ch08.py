"""Chapter 8, separable convolutions: every number and claim it states, against brute force and torch."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from frame_checks import check_steps

import convviz as cv
from convviz.figures.separable import (
    DW_IMAGE,
    DW_KERNELS,
    DW_POINTWISE,
    SEP_IMAGE,
    SEP_KERNELS,
    depthwise_separable_figure,
    spatially_separable_figure,
)

STEM = "08-separable-convolution"
BOOK = Path(__file__).resolve().parents[2] / "book"


def _count_conv(h, w, kh, kw, c_in=1, c_out=1, groups=1):
    """Multiplications of a valid, stride-1 convolution, counted by looping over outputs and taps."""
    n = 0
    for _o in range(c_out):
        for _i in range(h - kh + 1):
            for _j in range(w - kw + 1):
                n += (c_in // groups) * kh * kw
    return n


def _std(n, m):
    return _count_conv(n, n, m, m)


def _sep(n, m):
    return _count_conv(n, n, m, 1) + _count_conv(n - m + 1, n, 1, m)


def test_glued_numbers(chapter):
    _ns, g = chapter(STEM)
    assert g["sobel_two_pass"] is True
    assert (g["sobel_weights"], g["sobel_factor_weights"]) == (9, 6)
    assert (g["std_55"], g["sep_55"]) == (_std(5, 3), _sep(5, 3)) == (81, 72)
    assert (g["sep_55_first"], g["sep_55_second"]) == (45, 27)
    col = F.conv2d(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 1))
    full = F.conv2d(torch.zeros(1, 1, 5, 5), torch.zeros(1, 1, 3, 3))
    assert (g["mid_55_h"], g["mid_55_w"]) == tuple(col.shape[2:]) == (3, 5)
    assert g["out_55"] == full.shape[-1] == 3
    out = F.conv2d(torch.zeros(1, 3, 7, 7), torch.zeros(128, 3, 3, 3))
    assert g["dw_positions"] == out.shape[2] * out.shape[3] == 25
    assert isinstance(g["dw_positions"], int) and isinstance(g["out_55"], int)
    assert g["ratio_10_5"] == _sep(10, 5) / _std(10, 5)
    assert np.isclose(g["article_10_5"], 2 / 5 + 2 / (5 * 8))
    assert g["article_10_5"] != g["ratio_10_5"]
    assert np.isclose(g["limit_3"], 2 / 3) and np.isclose(g["limit_5"], 2 / 5)
    # the limit really is approached: a large image
    assert abs(_sep(200, 5) / _std(200, 5) - 0.4) < 0.01
    assert g["laplacian_rank"] == 2
    assert 0.1 < g["rank1_rel_error"] < 1
    # the article's depthwise example, counted by loops
    std = _count_conv(7, 7, 3, 3, c_in=3, c_out=128)
    dw = _count_conv(7, 7, 3, 3, c_in=3, c_out=3, groups=3)
    pw = _count_conv(5, 5, 1, 1, c_in=3, c_out=128)
    assert (
        (g["dw_std"], g["dw_depthwise"], g["dw_pointwise"]) == (std, dw, pw) == (86400, 675, 9600)
    )
    assert g["dw_total"] == dw + pw == 10275
    assert np.isclose(g["dw_percent"], 100 * 10275 / 86400)
    assert g["dw_std_params"] == 128 * 3 * 9
    assert g["dw_params"] == 3 * 9 + 3 * 128
    assert g["dw_equiv"] is True
    assert np.isclose(g["off_50"], (1 / 50) / (1 / 50 + 1 / 25))
    assert np.isclose(g["off_2500"], (1 / 2500) / (1 / 2500 + 1 / 25))
    assert np.isclose(g["ratio_128_3"], 10275 / 86400)
    assert np.isclose(g["nc_over_h2"], 128 / 9)
    assert np.isclose(g["nc_share"], (1 / 128) / (1 / 128 + 1 / 9))
    # the block: depthwise + pointwise + two batch norms (counted as one MAC per element)
    block = 56 * 56 * (32 * 9 + 32 * 64) + 56 * 56 * (32 + 64)
    assert np.isclose(g["block_fraction"], block / (56 * 56 * 64 * 32 * 9))


def test_depthwise_ratio_holds_for_every_h():
    for h in range(1, 8):
        for c_out in (1, 5, 32):
            std = _count_conv(9, 9, h, h, c_in=2, c_out=c_out)
            sep = _count_conv(9, 9, h, h, c_in=2, c_out=2, groups=2) + _count_conv(
                10 - h, 10 - h, 1, 1, c_in=2, c_out=c_out
            )
            assert Fraction(sep, std) == Fraction(1, c_out) + Fraction(1, h * h)


def test_exercise_answers():
    ranks = [
        np.linalg.matrix_rank(np.array(w, float))
        for w in (
            [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
            np.ones((3, 3)),
            [[0, 1, 0], [1, 1, 1], [0, 1, 0]],
        )
    ]
    assert ranks == [1, 1, 2]
    assert (_std(10, 5), _sep(10, 5)) == (900, 480)
    assert cv.conv_cost((1, 1, 10, 10), 1, 5, bias=False).macs == 900
    assert cv.spatially_separable_cost((1, 1, 10, 10), 1, 5, bias=False).macs == 480
    assert min(n for n in range(1, 1000) if 10 * 9 <= n) == 90
    assert cv.conv_cost((1, 256, 8, 8), 256, 3, bias=False).params == 256 * 256 * 9 == 589824
    params = cv.depthwise_separable_cost((1, 256, 8, 8), 256, 3, bias=False).params
    assert params == 256 * 9 + 256 * 256 == 67840


def _check_view(view):
    assert check_steps(view)  # the engine's one check: each step sums to its output


def test_spatial_figure_matches_torch_and_counts():
    fig = spatially_separable_figure()
    for key in fig.keys():
        s = fig.setting(key)
        a, b = SEP_KERNELS[s["kernel"]]
        n, m = s["n"], len(a)
        x = torch.from_numpy(SEP_IMAGE[:n, :n])[None, None]
        y = F.conv2d(x, torch.from_numpy(np.outer(a, b))[None, None])[0, 0].numpy()
        std_view, sep_view = fig.frame(key)["views"]
        np.testing.assert_allclose(std_view["panels"][2]["values"], y.ravel())
        np.testing.assert_allclose(sep_view["panels"][4]["values"], y.ravel())
        for v in (std_view, sep_view):
            _check_view(v)
        # the steps are the multiplications
        assert sum(len(t) for t in std_view["steps"]) == _std(n, m)
        assert sum(len(t) for t in sep_view["steps"]) == _sep(n, m)


def test_depthwise_figure_matches_torch_and_counts():
    fig = depthwise_separable_figure()
    x = torch.from_numpy(DW_IMAGE)[None]
    n = DW_IMAGE.shape[1]
    for key in fig.keys():
        s = fig.setting(key)
        h, c_out = s["k"], s["c_out"]  # h: the kernel size k (k names the kernels below)
        kernels = torch.from_numpy(DW_KERNELS[h])[:, None]
        d = F.conv2d(x, kernels, groups=3)
        z = F.conv2d(d, torch.from_numpy(DW_POINTWISE[:c_out])[:, :, None, None])
        (v,) = fig.frame(key)["views"]
        panels = v["panels"]
        # one line per channel: x_c, its kernel w_c beside it, its map d_c; then w_pw and z
        assert v["breaks"] == [3, 6, 9]
        assert [p["name"] for p in panels] == (
            ["x0", "w0", "d0", "x1", "w1", "d1", "x2", "w2", "d2", "w_pw"]
            + [f"z{j}" for j in range(c_out)]
        )
        for c in range(3):
            np.testing.assert_allclose(panels[3 * c]["values"], DW_IMAGE[c].ravel())
            np.testing.assert_allclose(panels[3 * c + 1]["values"], DW_KERNELS[h][c].ravel())
            np.testing.assert_allclose(panels[3 * c + 2]["values"], d[0, c].flatten())
        for j in range(c_out):
            np.testing.assert_allclose(panels[10 + j]["values"], z[0, j].flatten())
        _check_view(v)
        # the 3D view: input, one k×k×1 kernel per channel, maps, C_out 1×1×3 kernels, output
        assert [b["panels"] for b in v["volumes"]] == [
            [0, 3, 6],
            [1],
            [4],
            [7],
            [2, 5, 8],
            [9],
            list(range(10, 10 + c_out)),
        ]
        # groups = C_in: channel c, kernel c and map c share group c (one colour)
        assert [b.get("groups") for b in v["volumes"][:5]] == [[0, 1, 2], [0], [1], [2], [0, 1, 2]]
        assert v["volumes"][5].get("along") == "depth"
        o = n + 1 - h
        dw = [t for t in v["steps"] if t[0][0] in (2, 5, 8)]
        pw = [t for t in v["steps"] if t[0][0] >= 10]
        assert dw + pw == v["steps"]  # every depthwise step first, then the pointwise ones
        # every depthwise step stays on one line: x_c, w_c -> d_c
        for terms in dw:
            (c,) = {t[2] // 3 for t in terms}
            assert {(t[2], t[4], t[0]) for t in terms} == {(3 * c, 3 * c + 1, 3 * c + 2)}
        # a pointwise step reads only maps already computed: each d cell it reads was the
        # output of an earlier step, and the maps are drawn progressively (blank until then)
        made = {}
        for step, terms in enumerate(v["steps"]):
            for t in terms:
                if t[0] in (2, 5, 8):
                    made.setdefault((t[0], t[1]), step)
                else:
                    assert t[2] in (2, 5, 8) and t[4] == 9
                    assert made[(t[2], t[3])] < step, (key, step, t)
        assert all(panels[3 * c + 2]["progressive"] for c in range(3))
        assert sum(len(t) for t in dw) == o * o * 3 * h * h
        assert sum(len(t) for t in pw) == o * o * 3 * c_out
        # the article's 7×7×3 input and 128 outputs: counted by hand
        o7 = 8 - h
        std7, dw7, pw7 = o7 * o7 * 128 * 3 * h * h, o7 * o7 * 3 * h * h, o7 * o7 * 3 * 128
        assert f"{std7} vs {dw7} + {pw7} = {dw7 + pw7}" in fig.frame(key)["formula"][-1]
        assert std7 == (86400 if h == 3 else 3 * 3 * 128 * 75)


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "08-separable-convolution")


def test_mobilenet_width_multiplier_thins_the_network(chapter):
    """Finding: MobileNet does not add channels; its width multiplier alpha thins every layer."""
    _ns, glued = chapter(STEM)
    text = (BOOK / f"{STEM}.md").read_text()
    assert "compensates partly with more" not in text
    assert "width multiplier" in text

    def block_macs(c_in, c_out, hw=56):
        # depthwise 3x3 + BN (one MAC per element) + pointwise 1x1 + BN, counted by hand
        return hw * hw * (c_in * 9 + c_in + c_in * c_out + c_out)

    expected = block_macs(16, 32) / block_macs(32, 64)
    assert np.isclose(glued["alpha_half_fraction"], expected)
    assert 0.25 < glued["alpha_half_fraction"] < 0.5
