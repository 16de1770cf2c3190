"""Chapter 2, "On a photograph": the filter bank's numbers and maps against torch."""

from __future__ import annotations

import gzip

import numpy as np
import torch
import torch.nn.functional as F

import convviz as cv
from convviz.figures.engine import check_frame
from convviz.figures.imageview import check_image_frame, decode
from convviz.figures.photos import BANK, photo_bank, photo_bank_figure

STEM = "02-convolution-in-deep-learning"


def _torch_maps(x, w):
    xt = torch.tensor(x).permute(2, 0, 1)[None]
    return F.conv2d(xt, torch.tensor(w), padding=1)[0].numpy()


def test_glued_numbers(chapter):
    ns, glued = chapter(STEM)
    x, w = ns["bank"]["x"], ns["bank"]["w"]
    assert glued["bank_size"] == x.shape[0] == x.shape[1] == 48 and x.shape[2] == 3
    assert glued["bank_filters"] == len(BANK) == 4
    assert glued["bank_weights"] == 4 * 3 * 3 * 3
    want = _torch_maps(x, w)
    np.testing.assert_allclose(ns["maps"][0], want, atol=1e-12)


def test_each_map_is_the_sum_of_its_three_channel_shares():
    r = photo_bank()
    want = _torch_maps(r["x"], r["w"])
    for c in range(len(BANK)):
        shares = [
            F.conv2d(
                torch.tensor(r["x"][:, :, ch])[None, None],
                torch.tensor(r["w"][c, ch])[None, None],
                padding=1,
            )[0, 0].numpy()
            for ch in range(3)
        ]
        np.testing.assert_allclose(r["parts"][c], np.stack(shares), atol=1e-12)
        np.testing.assert_allclose(sum(shares), want[c], atol=1e-12)
    # colour filters see colour: red minus green is zero on a grey picture
    grey = np.repeat(r["x"].mean(axis=2, keepdims=True), 3, axis=2)
    assert np.abs(_torch_maps(grey, r["w"])[2]).max() < 1e-12


def test_the_figure_shows_what_convviz_computes():
    fig = photo_bank_figure()
    assert photo_bank_figure in cv.figures.REGISTRY[STEM][1]
    r = photo_bank()
    want = _torch_maps(r["x"], r["w"])
    html = fig.to_html()
    assert len(gzip.compress(html.encode())) <= 150_000
    for key in fig.keys():
        frame = fig.frame(key)
        check_frame(frame)
        check_image_frame(frame)
        bank = frame["views"][1]["panels"]
        for c, panel in enumerate(bank):
            shown = decode(panel)
            half_code = (panel["image"]["hi"] - panel["image"]["lo"]) / 510
            assert half_code <= np.abs(want[c]).max() / 255 + 1e-6  # a range that fits the map
            # nothing clipped (1e-4: the page keeps lo and hi to 4 decimals)
            assert np.abs(shown - want[c]).max() <= half_code + 1e-4


def test_the_prose_on_brightness_and_colour_filters():
    """Brightness filters: one kernel scaled per channel, mostly green, least blue (the
    order of scikit-image's rgb2gray weights); colour filters: channels of opposite sign."""
    from skimage.color import rgb2gray

    luma = rgb2gray(np.eye(3)[None])[0]  # rgb2gray of pure red, green, blue
    order = np.argsort(luma)
    for name in ("brightness, blurred", "vertical edges of brightness"):
        w = BANK[name]
        base = w[1] / np.abs(w[1]).max()
        scales = [np.abs(w[ch]).max() for ch in range(3)]
        for ch in range(3):
            np.testing.assert_allclose(w[ch], scales[ch] * base)
        assert list(np.argsort(scales)) == list(order), name  # blue < red < green
    for name in ("red minus green", "blue minus yellow"):
        sums = BANK[name].sum(axis=(1, 2))
        assert sums.max() > 0 > sums.min(), name
