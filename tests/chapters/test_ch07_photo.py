"""Chapter 7, "On a photograph": dilated 3x3 kernels on the photo against torch."""

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
    DILATED_KERNELS,
    DILATIONS,
    photo_dilated,
    photo_dilated_figure,
)

STEM = "07-dilated-convolution"


def test_glued_numbers(chapter):
    _ns, glued = chapter(STEM)
    assert (
        glued["photo_side_7"] == 64 == photo_dilated("mean of the 9 taps (blur)", 1)["x"].shape[0]
    )
    assert glued["photo_d_max"] == 8 == max(DILATIONS)
    assert glued["photo_dilations"] == "1, 2, 4, 8"
    # span of a 3-tap kernel with gaps of d - 1: the distance from first to last tap, plus one
    spans = [len(range(0, 2 * d + 1)) for d in (1, 2, 4, 8)]
    assert glued["photo_spans"] == ", ".join(map(str, spans)) == "3, 5, 9, 17"


@pytest.mark.parametrize("d", DILATIONS)
@pytest.mark.parametrize("name", list(DILATED_KERNELS))
def test_photo_dilated_matches_torch(name, d):
    r = photo_dilated(name, d)
    t = torch.tensor(r["x"])[None, None]
    want = F.conv2d(t, torch.tensor(r["w"])[None, None], padding=d, dilation=d)[0, 0].numpy()
    np.testing.assert_allclose(r["y"], want, atol=1e-12)


def test_dilated_blur_overlays_shifted_copies():
    # at d = 8, the blur of an impulse is nine dots 8 pixels apart, not a smooth blob
    r = photo_dilated("mean of the 9 taps (blur)", 8)
    impulse = np.zeros((33, 33))
    impulse[16, 16] = 1.0
    t = torch.tensor(impulse)[None, None]
    y = F.conv2d(t, torch.tensor(r["w"])[None, None], padding=8, dilation=8)[0, 0].numpy()
    rows, cols = np.nonzero(y)
    assert sorted(set(rows.tolist())) == [8, 16, 24] and sorted(set(cols.tolist())) == [8, 16, 24]


def test_the_figure_shows_what_convviz_computes():
    fig = photo_dilated_figure()
    assert photo_dilated_figure in cv.figures.REGISTRY[STEM][1]
    assert len(gzip.compress(fig.to_html().encode())) <= 150_000
    for key in fig.keys():
        setting = fig.setting(key)
        frame = fig.frame(key)
        check_frame(frame)
        check_image_frame(frame)
        r = photo_dilated(setting["kernel"], setting["dilation"])
        t = torch.tensor(r["x"])[None, None]
        d = setting["dilation"]
        want = F.conv2d(t, torch.tensor(r["w"])[None, None], padding=d, dilation=d)[0, 0].numpy()
        out = frame["views"][0]["panels"][2]
        lo, hi = out["image"]["lo"], out["image"]["hi"]
        # signed: the scale fits the inside; only the zero-padded frame is clipped
        if out["scale"] == "diverging":
            assert np.abs(want[d:-d, d:-d]).max() == pytest.approx(hi, abs=1e-4), key
        half = (hi - lo) / 510
        assert np.abs(decode(out) - np.clip(want, lo, hi)).max() <= half + 1e-4, key
