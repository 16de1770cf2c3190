"""Chapter 6, "On a photograph": the upsamplers against torch, and the checkerboard levels."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convviz as cv
from convviz.figures.engine import check_frame
from convviz.figures.imageview import check_image_frame, decode
from convviz.figures.photos import (
    UPSAMPLERS,
    photo_upsample,
    photo_upsample_figure,
)

STEM = "06-transposed-convolution"


def _torch_upsample(x, name):
    t = torch.tensor(x)[None, None]
    if name.startswith("transposed"):
        k = 3 if "k = 3" in name else 4
        if "tent" in name:
            tent = torch.tensor([0.5, 1.0, 0.5], dtype=torch.float64)
            w = torch.outer(tent, tent)
        else:
            w = torch.full((k, k), 4.0 / k**2, dtype=torch.float64)
        a = 1 if k == 3 else 0
        return F.conv_transpose2d(t, w[None, None], stride=2, padding=1, output_padding=a)[0, 0]
    w = torch.full((1, 1, 3, 3), 1 / 9, dtype=torch.float64)
    if name.startswith("nearest"):
        return F.conv2d(F.interpolate(t, scale_factor=2, mode="nearest"), w, padding=1)[0, 0]
    return F.pixel_shuffle(F.conv2d(t, w.repeat(4, 1, 1, 1), padding=1), 2)[0, 0]


def test_glued_numbers(chapter):
    ns, glued = chapter(STEM)
    # the overlap of a 3x3, stride-2 scatter inside: 1, 2 or 4 taps, times 4/9
    ones = torch.ones(1, 1, 32, 32, dtype=torch.float64)
    w = torch.full((1, 1, 3, 3), 4 / 9, dtype=torch.float64)
    flat = F.conv_transpose2d(ones, w, stride=2, padding=1, output_padding=1)[0, 0, 2:-2, 2:-2]
    levels = np.unique(flat.numpy().round(6))
    np.testing.assert_allclose(levels, np.array([1, 2, 4]) * 4 / 9, atol=1e-6)
    assert glued["up_levels_k3"] == ", ".join(f"{v:.3f}" for v in levels) == "0.444, 0.889, 1.778"
    assert glued["up_ratio_k3"] == pytest.approx(4.0, rel=1e-5)  # levels kept to 6 decimals
    assert glued["up_flat_methods"] == 4 == len(UPSAMPLERS) - 1
    assert (
        glued["up_side"]
        == 32
        == ns["small"].shape[0]
        == photo_upsample(next(iter(UPSAMPLERS)))["x"].shape[0]
    )
    np.testing.assert_allclose(
        ns["doubled"][0, 0],
        _torch_upsample(ns["small"], next(iter(UPSAMPLERS))).numpy(),
        atol=1e-12,
    )


def test_flat_only_by_the_choice_of_weights_except_resize_conv():
    """The prose: resize-conv is flat whatever its weights; k = 4 and the pixel shuffle only
    when the sums of the weights each phase uses agree (else they stamp a pattern)."""
    g = torch.Generator().manual_seed(0)
    ones = torch.ones(1, 1, 16, 16, dtype=torch.float64)

    def levels(y):
        return np.unique(y[0, 0, 2:-2, 2:-2].numpy().round(9)).size

    for _ in range(3):
        w3 = torch.randn(1, 1, 3, 3, generator=g, dtype=torch.float64)
        w4 = torch.randn(1, 1, 4, 4, generator=g, dtype=torch.float64)
        w_sub = torch.randn(4, 1, 3, 3, generator=g, dtype=torch.float64)
        resized = F.interpolate(ones, scale_factor=2, mode="nearest")
        assert levels(F.conv2d(resized, w3, padding=1)) == 1
        up4 = F.conv_transpose2d(ones, w4, stride=2, padding=1)
        assert levels(up4) > 1
        # on a flat image each output phase is the sum of the weights it uses
        sums = sorted(float(w4[0, 0, i::2, j::2].sum()) for i in range(2) for j in range(2))
        inside = sorted(set(up4[0, 0, 2:-2, 2:-2].numpy().round(9).ravel().tolist()))
        np.testing.assert_allclose(inside, sums, atol=1e-8)
        assert levels(F.pixel_shuffle(F.conv2d(ones, w_sub, padding=1), 2)) > 1
        # one kernel shared by the four maps (the figure's choice): flat
        shared = F.pixel_shuffle(F.conv2d(ones, w3.repeat(4, 1, 1, 1), padding=1), 2)
        assert levels(shared) == 1


@pytest.mark.parametrize("name", list(UPSAMPLERS))
def test_each_upsampler_matches_torch_on_the_photo_and_on_ones(name):
    r = photo_upsample(name)
    np.testing.assert_allclose(r["y"], _torch_upsample(r["x"], name).numpy(), atol=1e-12)
    flat = _torch_upsample(np.ones_like(r["x"]), name).numpy()
    np.testing.assert_allclose(r["flat"], flat, atol=1e-12)
    inside = np.unique(flat[2:-2, 2:-2].round(6))
    assert len(inside) == (3 if name == next(iter(UPSAMPLERS)) else 1)


def test_the_figure_shows_what_convviz_computes():
    fig = photo_upsample_figure()
    assert photo_upsample_figure in cv.figures.REGISTRY[STEM][1]
    assert len(gzip.compress(fig.to_html().encode())) <= 150_000
    for key in fig.keys():
        name = fig.setting(key)["method"]
        frame = fig.frame(key)
        check_frame(frame)
        check_image_frame(frame)
        want = _torch_upsample(photo_upsample(name)["x"], name).numpy()
        out = next(p for p in frame["views"][0]["panels"] if p["name"] == "y")
        half = (out["image"]["hi"] - out["image"]["lo"]) / 510
        assert np.abs(decode(out) - want).max() <= half + 1e-4, name
