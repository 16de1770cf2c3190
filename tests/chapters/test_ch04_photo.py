"""Chapter 4, "On a photograph": colour mixing and grey conversion as 1x1 convolutions."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage.color import rgb2gray

import convviz as cv
from convviz.figures.engine import check_frame
from convviz.figures.imageview import check_image_frame, decode
from convviz.figures.photos import MIXES, photo_mix, photo_mix_figure

STEM = "04-1x1-convolution"


def test_glued_numbers(chapter):
    ns, glued = chapter(STEM)
    cat = ns["cat"]
    assert cat.shape == (64, 64, 3)
    # skimage's own conversion, independent of convviz
    assert glued["grey_gap"] < 1e-12
    assert np.abs(ns["grey_1x1"] - rgb2gray(cat)).max() < 1e-12
    assert glued["grey_weights"] == 3


@pytest.mark.parametrize("mix", list(MIXES))
def test_each_mix_is_a_torch_1x1_conv_and_a_per_pixel_matrix_product(mix):
    r = photo_mix(mix)
    w = MIXES[mix]
    xt = torch.tensor(r["x"]).permute(2, 0, 1)[None]
    want = F.conv2d(xt, torch.tensor(w)[:, :, None, None])[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(r["y"], want, atol=1e-12)
    np.testing.assert_allclose(r["y"], r["x"] @ w.T, atol=1e-12)


def test_the_rounded_grey_weights_stay_close_to_rgb2gray():
    r = photo_mix("grey (luminance)")
    assert MIXES["grey (luminance)"].sum() == pytest.approx(1.0)
    assert np.abs(r["y"][:, :, 0] - rgb2gray(r["x"])).max() < 2e-3


def test_the_figure_shows_what_convviz_computes():
    fig = photo_mix_figure()
    assert photo_mix_figure in cv.figures.REGISTRY[STEM][1]
    assert len(gzip.compress(fig.to_html().encode())) <= 150_000
    for key in fig.keys():
        mix = fig.setting(key)["mix"]
        frame = fig.frame(key)
        check_frame(frame)
        check_image_frame(frame)
        r = photo_mix(mix)
        want = r["x"] @ MIXES[mix].T
        want = want[:, :, 0] if want.shape[2] == 1 else want
        out = frame["views"][0]["panels"][2]
        half = (out["image"]["hi"] - out["image"]["lo"]) / 510
        assert np.abs(decode(out) - want).max() <= half + 1e-4, mix
