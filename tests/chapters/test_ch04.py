"""Chapter 4, 1x1 convolution: every number and claim it states."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from frame_checks import check_steps
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.flop_counter import FlopCounterMode

import convviz as cv
from convviz.figures.pointwise import PW_BIASES, PW_IMAGE, PW_WEIGHTS, pointwise_figure

STEM = "04-1x1-convolution"
BOOK = Path(__file__).resolve().parents[2] / "book"


def _torch_conv(x, w, b=None, **kw):
    bt = None if b is None else torch.from_numpy(np.asarray(b, dtype=float))
    return F.conv2d(torch.from_numpy(x), torch.from_numpy(w), bt, **kw).numpy()


def _macs(module, shape):
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(torch.zeros(shape))
    return counter.get_total_flops() // 2


def test_figure_sizes_glued(chapter):
    _ns, glued = chapter(STEM)
    assert (glued["pw_cin"], glued["pw_h"], glued["pw_w"]) == PW_IMAGE.shape == (3, 3, 4)
    assert glued["pw_cout"] == PW_WEIGHTS.shape[0] == 3
    assert glued["pw_pixels"] == 12


def test_four_ways_agree(chapter):
    ns, glued = chapter(STEM)
    reference = _torch_conv(PW_IMAGE[None], PW_WEIGHTS, ns["b"])
    for name in ("y_conv", "y_einsum", "y_matmul", "y_linear", "y_torch"):
        np.testing.assert_allclose(ns[name], reference, atol=1e-12, err_msg=name)
    assert glued["pw_all_equal"] is True
    assert glued["pw_max_diff"] < 1e-12


def test_pointwise_versus_3x3_costs(chapter):
    _ns, glued = chapter(STEM)
    shape = (1, 256, 28, 28)
    one = _macs(torch.nn.Conv2d(256, 64, 1, bias=False), shape)
    three = _macs(torch.nn.Conv2d(256, 64, 3, padding=1, bias=False), shape)
    assert one == 28 * 28 * 256 * 64
    assert glued["pw_one_macs"] == f"{one:,}"
    assert glued["pw_three_macs"] == f"{three:,}"
    assert glued["pw_three_over_one"] == three // one == 9


def test_bottleneck_numbers(chapter):
    _ns, glued = chapter(STEM)
    shape = (1, 256, 28, 28)
    direct = torch.nn.Conv2d(256, 256, 3, padding=1, bias=False)
    block = torch.nn.Sequential(
        torch.nn.Conv2d(256, 64, 1, bias=False),
        torch.nn.ReLU(),
        torch.nn.Conv2d(64, 64, 3, padding=1, bias=False),
        torch.nn.ReLU(),
        torch.nn.Conv2d(64, 256, 1, bias=False),
    )
    d_macs, b_macs = _macs(direct, shape), _macs(block, shape)
    # by hand: H W C_in C_out k^2 per layer
    assert d_macs == 28 * 28 * 256 * 256 * 9
    assert b_macs == 28 * 28 * (256 * 64 + 64 * 64 * 9 + 64 * 256)
    d_params = sum(p.numel() for p in direct.parameters())
    b_params = sum(p.numel() for p in block.parameters())
    assert glued["bn_direct_macs"] == f"{d_macs:,}"
    assert glued["bn_total_macs"] == f"{b_macs:,}"
    assert glued["bn_direct_params"] == f"{d_params:,}"
    assert glued["bn_total_params"] == f"{b_params:,}"
    assert np.isclose(glued["bn_ratio"], b_macs / d_macs)
    assert np.isclose(glued["bn_speedup"], d_macs / b_macs)
    assert round(glued["bn_speedup"], 1) == 8.5
    assert np.isclose(b_params / d_params, b_macs / d_macs)  # "by the same factor"
    assert glued["bn_count_agrees"] is True


def test_merge_without_relu_and_rank(chapter):
    ns, glued = chapter(STEM)
    A, B, image = ns["A"], ns["B"], ns["image"]
    two = _torch_conv(_torch_conv(image, A), B, padding=1)
    merged = _torch_conv(image, ns["merged"], padding=1)
    np.testing.assert_allclose(two, merged, rtol=1e-9, atol=1e-8)
    # the merged weight, as a (64*9, 256) matrix, factors through 64 channels
    mat = ns["merged"].transpose(0, 2, 3, 1).reshape(-1, 256)
    assert np.linalg.matrix_rank(mat) == glued["merged_rank"] == 64
    relu = _torch_conv(np.maximum(_torch_conv(image, A), 0), B, padding=1)
    assert not np.allclose(relu, merged)


def test_exercise_answers():
    shape = (1, 192, 28, 28)
    direct = _macs(torch.nn.Conv2d(192, 32, 5, padding=2, bias=False), shape)
    branch = _macs(
        torch.nn.Sequential(
            torch.nn.Conv2d(192, 16, 1, bias=False),
            torch.nn.Conv2d(16, 32, 5, padding=2, bias=False),
        ),
        shape,
    )
    assert (direct, branch) == (120_422_400, 12_443_648)
    assert round(direct / branch, 1) == 9.7
    conv = torch.nn.Conv2d(512, 128, 1)
    assert sum(p.numel() for p in conv.parameters()) == 65_664
    assert _macs(conv, (1, 512, 14, 14)) == 12_845_056
    c = cv.pointwise_cost((1, 512, 14, 14), 128)
    assert (c.params, c.macs) == (65_664, 12_845_056)
    rng = np.random.default_rng(1)
    W1, W2 = rng.normal(size=(4, 8, 1, 1)), rng.normal(size=(8, 4, 1, 1))
    img = rng.normal(size=(1, 8, 5, 5))
    merged = (W2[:, :, 0, 0] @ W1[:, :, 0, 0])[:, :, None, None]
    np.testing.assert_allclose(_torch_conv(_torch_conv(img, W1), W2), _torch_conv(img, merged))
    assert np.linalg.matrix_rank(merged[:, :, 0, 0]) == 4
    xt, wt = torch.randn(2, 3, 5, 6), torch.randn(4, 3, 1, 1)
    via_linear = F.linear(xt.permute(0, 2, 3, 1), wt[:, :, 0, 0]).permute(0, 3, 1, 2)
    assert torch.allclose(via_linear, F.conv2d(xt, wt), atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(
    c_in=st.integers(1, 6),
    c_out=st.integers(1, 6),
    h=st.integers(1, 5),
    w=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
)
def test_1x1_is_a_per_pixel_matrix_product(c_in, c_out, h, w, seed):
    rng = np.random.default_rng(seed)
    x, wt, b = (
        rng.normal(size=(2, c_in, h, w)),
        rng.normal(size=(c_out, c_in, 1, 1)),
        rng.normal(size=c_out),
    )
    expected = _torch_conv(x, wt, b)
    for n in range(2):
        for i in range(h):
            for j in range(w):
                np.testing.assert_allclose(expected[n, :, i, j], wt[:, :, 0, 0] @ x[n, :, i, j] + b)
    np.testing.assert_allclose(cv.conv2d(x, wt, b), expected, atol=1e-12)


def test_pointwise_figure_frames():
    fig = pointwise_figure()
    reference = {
        bias: _torch_conv(PW_IMAGE[None], PW_WEIGHTS, np.full(3, bias))[0] for bias in PW_BIASES
    }
    for key in fig.keys():
        setting = fig.setting(key)
        frame = fig.frame(key)
        o, bias = setting["out_channel"], setting["bias"]
        y = reference[bias][o]
        top, bottom = frame["views"]
        c_in, c_out = PW_IMAGE.shape[0], PW_WEIGHTS.shape[0]
        for j in range(c_out):  # every output channel, the followed one being computed
            out = top["panels"][c_in + 1 + j]
            assert out["role"] == ("output" if j == o else "other")
            np.testing.assert_allclose(out["values"], reference[bias][j].ravel(), atol=1e-4)
        np.testing.assert_allclose(bottom["panels"][-1]["values"], y.ravel(), atol=1e-4)
        np.testing.assert_allclose(top["panels"][c_in]["values"], PW_WEIGHTS[:, :, 0, 0].ravel())
        assert {t[5] // c_in for terms in top["steps"] for t in terms} == {o}  # row o of W
        # the 3D view: the input block, C_out kernels of 1×1×C_in along depth, the output block
        blocks = [(b["panels"], b.get("along")) for b in top["volumes"]]
        assert blocks == [
            (list(range(c_in)), None),
            ([c_in], "depth"),
            (list(range(c_in + 1, c_in + 1 + c_out)), None),
        ]
        for v in (top, bottom):
            assert len(v["steps"]) == PW_IMAGE.shape[1] * PW_IMAGE.shape[2]  # one step per pixel
            for pixel, terms in enumerate(v["steps"]):
                assert len(terms) == PW_IMAGE.shape[0]  # one term per input channel
                assert {t[1] for t in terms} == {pixel}
            assert len(check_steps(v)) == len(v["steps"])  # each step sums (plus bias)
        assert "1, 1)" in frame["code"] or "1, 1" in frame["code"]


def test_implement_it_solutions_pass_their_checks(chapter):
    from exercise_checks import check_implement_it

    check_implement_it(chapter, "04-1x1-convolution")


def test_one_by_one_convolutions_do_use_strides(chapter):
    """Finding: ResNet's projection shortcuts are 1x1 convolutions with stride 2."""
    _ns, glued = chapter(STEM)
    text = (BOOK / f"{STEM}.md").read_text()
    assert "which is all a 1x1\nkernel ever needs" not in text
    assert "stride of 2" in text and "projection" in text
    shortcut = torch.nn.Conv2d(64, 128, kernel_size=1, stride=2, bias=False)
    x = torch.randn(1, 64, 8, 8)
    y = shortcut(x)
    assert glued["proj_h"] == y.shape[-1] == 4
    ref = torch.einsum("oc,nchw->nohw", shortcut.weight[:, :, 0, 0], x[:, :, ::2, ::2])
    assert torch.allclose(y, ref, atol=1e-5)
    assert glued["proj_equal"] is True
