"""Chapter 2, convolution in deep learning (one channel, many): every number it states."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from frame_checks import as_tensor as _t
from frame_checks import check_steps
from hypothesis import given, settings
from hypothesis import strategies as st

import convviz as cv
from convviz.figures.channels import (
    MULTI_BIAS,
    MULTI_IMAGE,
    MULTI_WEIGHT,
    ONE_IMAGE,
    ONE_KERNELS,
    ONE_PADDINGS,
    ONE_STRIDES,
    multi_channel_figure,
    one_channel_figure,
)

STEM = "02-convolution-in-deep-learning"
BOOK = Path(__file__).resolve().parents[2] / "book"


def _torch_conv(x, w, b=None, stride=1, padding=0):
    return F.conv2d(
        _t(x), _t(w), None if b is None else _t(b), stride=stride, padding=padding
    ).numpy()


def _brute(x: np.ndarray, w: np.ndarray, s: int, p: int) -> np.ndarray:
    """Single-channel cross-correlation by the chapter's formula, with explicit bounds."""
    h, wd = x.shape
    k = w.shape[0]
    rows = (h + 2 * p - k) // s + 1
    cols = (wd + 2 * p - k) // s + 1
    out = np.zeros((rows, cols))
    for r in range(rows):
        for c in range(cols):
            for u in range(k):
                for v in range(k):
                    i, j = s * r - p + u, s * c - p + v
                    if 0 <= i < h and 0 <= j < wd:
                        out[r, c] += x[i, j] * w[u, v]
    return out


def test_glued_numbers_one_channel(chapter):
    _ns, glued = chapter(STEM)
    w = ONE_KERNELS["vertical edge (Sobel) 3×3"]
    y = _torch_conv(ONE_IMAGE[None, None], w[None, None], stride=2, padding=1)[0, 0]
    assert np.allclose(y, _brute(ONE_IMAGE, w, 2, 1))
    assert (glued["edge_out_h"], glued["edge_out_w"]) == y.shape == (3, 3)
    # the blur kernel's weights sum to 16: its response to a constant image of ones
    blur = ONE_KERNELS["blur (binomial, ×16) 3×3"]
    ones = _torch_conv(np.ones((1, 1, 3, 3)), blur[None, None])
    assert glued["blur_sum"] == ones.item() == 16 and isinstance(glued["blur_sum"], int)
    assert glued["edge_agree"] is True
    assert glued["edge_max"] == y.max()
    assert glued["edge_min"] == y.min()
    # the prose: middle column negative, right column (bright half against the padding) positive
    assert (y[:, 1] < 0).all() and (y[:, 2] > 0).all()
    assert glued["edge_mid_max"] == y[:, 1].max() < 0
    assert glued["edge_right_min"] == y[:, 2].min() > 0
    valid = _torch_conv(ONE_IMAGE[None, None], w[None, None])[0, 0]
    assert glued["edge_valid_left"] == np.abs(valid[:, 0]).max() == 0


def test_glued_output_sizes(chapter):
    _ns, glued = chapter(STEM)

    def size(k, s, p):
        return _torch_conv(
            np.zeros((1, 1, 5, 5)), np.zeros((1, 1, k, k)), stride=s, padding=p
        ).shape[-1]

    assert glued["same_k3"] == size(3, 1, 1) == 5
    assert glued["valid_k3"] == size(3, 1, 0) == 3
    assert glued["s2p1_k3"] == size(3, 2, 1) == 3
    assert glued["s2p0_k2"] == size(2, 2, 0) == 2
    # which pixels influence the output: autograd says the last row and column never do
    x = torch.ones(1, 1, 5, 5, requires_grad=True)
    F.conv2d(x, torch.ones(1, 1, 2, 2), stride=2).sum().backward()
    assert glued["s2p0_k2_dropped"] == int((x.grad == 0).sum()) == 9


def test_glued_numbers_many_channels(chapter):
    _ns, glued = chapter(STEM)
    layer = torch.nn.Conv2d(3, 2, 3)
    assert (glued["fig_cout"], glued["fig_cin"], glued["fig_k"], glued["fig_k"]) == tuple(
        layer.weight.shape
    )
    assert MULTI_WEIGHT.shape == tuple(layer.weight.shape)
    assert glued["fig_products"] == 3 * 3 * 3 == 27
    assert glued["fig_params"] == sum(t.numel() for t in layer.parameters()) == 56
    y = _torch_conv(MULTI_IMAGE[None], MULTI_WEIGHT, MULTI_BIAS)[0]
    assert glued["fig_out_h"] == y.shape[1] == 2
    assert glued["fig_agree"] is True
    # the exercise by hand: 0 + 7 + 2 + bias 1
    assert glued["fig_y000"] == y[0, 0, 0] == 10


def test_glued_real_layer(chapter):
    _ns, glued = chapter(STEM)
    ref = torch.nn.Conv2d(64, 128, 3, padding=1)
    assert glued["big_params"] == sum(t.numel() for t in ref.parameters()) == 73856
    assert glued["big_weights_per_filter"] == ref.weight[0].numel() == 576
    # VGG's 64 -> 128 layer (conv2_1) runs at 112x112: 224 after one 2x2 max pooling
    vgg_start = torch.nn.Sequential(
        torch.nn.Conv2d(3, 64, 3, padding=1),
        torch.nn.Conv2d(64, 64, 3, padding=1),
        torch.nn.MaxPool2d(2),
    )
    side = vgg_start(torch.zeros(1, 3, 224, 224)).shape[-1]
    assert side == 112
    assert np.isclose(glued["big_macs_m"] * 1e6, side * side * 128 * 64 * 9)


def test_glued_im2col(chapter):
    _ns, glued = chapter(STEM)
    x = torch.from_numpy(MULTI_IMAGE)[None]
    cols = F.unfold(x, 3)[0]  # torch's im2col, independent of convviz
    assert (glued["im2col_rows"], glued["im2col_cols"]) == tuple(cols.shape) == (27, 4)
    w = torch.from_numpy(MULTI_WEIGHT).reshape(2, -1)
    flat = (w @ cols + torch.from_numpy(MULTI_BIAS)[:, None]).reshape(2, 2, 2)
    assert glued["im2col_equal"] is True
    assert np.allclose(flat.numpy(), _torch_conv(MULTI_IMAGE[None], MULTI_WEIGHT, MULTI_BIAS)[0])
    big = F.unfold(torch.zeros(1, 64, 112, 112), 3, padding=1)
    assert (glued["big_col_rows"], glued["big_col_cols"]) == tuple(big.shape[1:])
    assert np.isclose(glued["big_col_blowup"], big.numel() / (64 * 112 * 112))
    assert round(glued["big_col_blowup"]) == 9  # the text says "9 times"


def test_exercise_answers():
    assert F.conv2d(torch.zeros(1, 1, 7, 7), torch.zeros(1, 1, 3, 3), stride=2, padding=1).shape[
        -2:
    ] == (4, 4)
    assert cv.conv_output_shape((7, 7), 3, stride=2, padding=1) == (4, 4)
    assert cv.conv_output_shape((7, 7), 3, stride=1, padding=1) == (7, 7)
    layer = torch.nn.Conv2d(16, 32, 5)
    assert tuple(layer.weight.shape) == (32, 16, 5, 5)
    assert sum(t.numel() for t in layer.parameters()) == 12832
    assert layer.weight[0].numel() == 400
    parts = [float((MULTI_IMAGE[j, :3, :3] * MULTI_WEIGHT[0, j]).sum()) for j in range(3)]
    assert parts == [0.0, 7.0, 2.0]
    y = _torch_conv(MULTI_IMAGE[None], MULTI_WEIGHT, MULTI_BIAS)[0]
    assert y[0, 0, 0] == sum(parts) + MULTI_BIAS[0]
    swapped = _torch_conv(MULTI_IMAGE[None], MULTI_WEIGHT[::-1], MULTI_BIAS[::-1])[0]
    assert np.allclose(swapped, y[::-1])
    perm = [1, 0, 2]
    assert not np.allclose(_torch_conv(MULTI_IMAGE[None][:, perm], MULTI_WEIGHT, MULTI_BIAS)[0], y)
    assert np.allclose(
        _torch_conv(MULTI_IMAGE[None][:, perm], MULTI_WEIGHT[:, perm], MULTI_BIAS)[0], y
    )
    # ch02-ex-im2col
    assert tuple(F.unfold(torch.zeros(8, 16, 32, 32), 3, padding=1).shape) == (8, 144, 1024)
    assert cv.unfold(np.zeros((8, 16, 32, 32)), 3, padding=1).shape == (8, 144, 1024)


def test_one_channel_controls_reach_only_valid_settings():
    fig = one_channel_figure()
    assert ONE_STRIDES and ONE_PADDINGS
    for key in fig.keys():
        st_ = fig.setting(key)
        k = ONE_KERNELS[st_["kernel"]].shape[0]
        # torch accepts every reachable setting
        _torch_conv(
            ONE_IMAGE[None, None], np.zeros((1, 1, k, k)), stride=st_["stride"], padding=st_["pad"]
        )


def test_one_channel_frames_hold_torch_outputs_and_true_steps():
    fig = one_channel_figure()
    for key in fig.keys():
        st_ = fig.setting(key)
        w = ONE_KERNELS[st_["kernel"]]
        frame = fig.frame(key)
        (v,) = frame["views"]
        x_panel, _w_panel, y_panel = v["panels"]
        ref = _brute(ONE_IMAGE, w, st_["stride"], st_["pad"])
        np.testing.assert_allclose(np.reshape(y_panel["values"], ref.shape), ref)
        p = st_["pad"]
        np.testing.assert_allclose(
            np.reshape(x_panel["values"], (5 + 2 * p, 5 + 2 * p)), np.pad(ONE_IMAGE, p)
        )
        assert len(x_panel["marks"]["pad"]) == (5 + 2 * p) ** 2 - 25
        seen = check_steps(v)
        assert len(seen) == ref.size
        assert f"stride={st_['stride']}, padding={p}" in frame["code"]
        assert frame["formula"][1].split(" per axis")[0].endswith(f"= {ref.shape[0]}")


def test_one_channel_picture_matches_its_words():
    """'A dark left half, a bright right half, one bright dot': drawn as grey from dark (low)
    to bright (high), the dot must be the brightest pixel, brighter than the bright half, and
    the rest of the left half darker than the right half, in every frame."""
    fig = one_channel_figure()
    for key in fig.keys():
        p = fig.setting(key)["pad"]
        x_panel = fig.frame(key)["views"][0]["panels"][0]
        assert x_panel["scale"] == "image"  # grey, monotone in the value
        x = np.reshape(x_panel["values"], (5 + 2 * p, 5 + 2 * p)).astype(float)[
            p : p + 5, p : p + 5
        ]
        left, right = x[:, :3].copy(), x[:, 3:]
        dot = left[1, 1]
        left[1, 1] = -np.inf
        assert dot > right.max() and dot == x.max(), key
        assert left.max() < right.min(), key


def test_many_channel_frames_hold_torch_outputs_and_true_steps():
    fig = multi_channel_figure()
    for key in fig.keys():
        st_ = fig.setting(key)
        o, p = st_["filt"], st_["pad"]
        y = _torch_conv(MULTI_IMAGE[None], MULTI_WEIGHT, MULTI_BIAS, padding=p)[0]
        frame = fig.frame(key)
        top, bottom = frame["views"]
        assert top["bias"] == MULTI_BIAS[o] == bottom["bias"]
        outs = [pn for pn in top["panels"] if pn["role"] in ("output", "other")]
        assert len(outs) == 2  # N filters give N maps
        for pn in outs:
            ch = int(pn["name"][1:])
            np.testing.assert_allclose(np.reshape(pn["values"], y[ch].shape), y[ch])
        # each step of the top view reads every input channel: 27 terms without padding;
        # input channel c (panel 2c) meets slice c (panel 2c + 1), on a line of their own
        assert top["breaks"] == [2, 4, 6]
        for c in range(3):
            assert top["panels"][2 * c]["name"] == f"x{c}"
            assert top["panels"][2 * c + 1]["name"] == f"w{o},{c}"
            np.testing.assert_array_equal(
                np.reshape(top["panels"][2 * c + 1]["values"], (3, 3)), MULTI_WEIGHT[o, c]
            )
        for terms in top["steps"]:
            assert {t[2] for t in terms} <= {0, 2, 4}
            assert {t[4] for t in terms} == {1, 3, 5}
            assert all(t[4] == t[2] + 1 for t in terms)
        if p == 0:
            assert all(len(terms) == 27 for terms in top["steps"])
        assert len(check_steps(top)) == y[o].size
        assert len(check_steps(bottom)) == y[o].size
        # the bottom view adds the per-channel maps as they are: plain terms (no weight 1)
        assert all((t[4], t[5]) == (-1, -1) for terms in bottom["steps"] for t in terms)
        assert [pn["role"] for pn in bottom["panels"]] == ["input"] * 3 + ["output"]
        assert "(2, 3, 3, 3)" in frame["formula"][0]
        assert frame["formula"][3].endswith("= 56")


@settings(max_examples=40, deadline=None)
@given(
    c_in=st.integers(1, 4),
    c_out=st.integers(1, 4),
    size=st.integers(3, 7),
    k=st.integers(1, 3),
    seed=st.integers(0, 2**31 - 1),
)
def test_multichannel_is_sum_of_single_channel_convs_plus_bias(c_in, c_out, size, k, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1, c_in, size, size))
    w = rng.normal(size=(c_out, c_in, k, k))
    b = rng.normal(size=c_out)
    y = _torch_conv(x, w, b)
    parts = sum(_torch_conv(x[:, j : j + 1], w[:, j : j + 1]) for j in range(c_in))
    np.testing.assert_allclose(y, parts + b[None, :, None, None], atol=1e-10)
    np.testing.assert_allclose(cv.conv2d(x, w, b), y, atol=1e-10)


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "02-convolution-in-deep-learning")


def test_library_algorithms_and_fold_claims():
    """Finding: im2col is one route among several; fold alone is not a transposed convolution."""
    text = (BOOK / f"{STEM}.md").read_text()
    assert "This is how most libraries compute convolutions" not in text
    for name in ("implicit", "FFT", "Winograd", "direct"):
        assert name in text
    assert "fold` alone\nis not a transposed convolution" in text
    # fold of the unfolded input is not the transposed convolution of the input
    x = torch.randn(1, 1, 4, 4)
    w = torch.randn(1, 1, 3, 3)
    folded = F.fold(F.unfold(x, 3), (4, 4), 3)
    assert not torch.allclose(folded[..., :2, :2], F.conv_transpose2d(x, w)[..., :2, :2])
    # ... W^T @ columns, then fold, is
    y = torch.randn(1, 1, 2, 2)
    stamps = w.reshape(1, -1).T @ y.reshape(1, -1)
    np.testing.assert_allclose(
        F.fold(stamps[None], (4, 4), 3).numpy(), F.conv_transpose2d(y, w).numpy(), atol=1e-6
    )
