"""Chapter 3, "On a photograph": a panning video through 3D kernels, against torch."""

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
    VIDEO_KERNELS,
    photo_video,
    photo_video_figure,
    shifted_video,
)

STEM = "03-3d-convolution"


def test_glued_numbers(chapter):
    ns, glued = chapter(STEM)
    video = ns["video"]
    assert glued["video_frames"] == video.shape[0] == 6
    assert glued["video_side"] == video.shape[1] == video.shape[2] == 32
    # frame t + 1 is frame t moved left by the step: the same pixels, 2 columns on
    step = glued["video_step"]
    assert step == 2 and np.array_equal(video[1][:, :-step], video[0][:, step:])
    assert glued["video_still_max"] == 0.0
    change = torch.tensor(VIDEO_KERNELS["change: frame t+1 minus frame t"])[None, None]
    want = F.conv3d(torch.tensor(video)[None, None], change, padding=(0, 1, 1))[0, 0].numpy()
    np.testing.assert_allclose(ns["moving"], want, atol=1e-12)
    np.testing.assert_allclose(want, video[1:] - video[:-1], atol=1e-12)


@pytest.mark.parametrize("name", list(VIDEO_KERNELS))
def test_photo_video_matches_torch(name):
    r = photo_video(name)
    w = torch.tensor(VIDEO_KERNELS[name])[None, None]
    want = F.conv3d(torch.tensor(r["x"])[None, None], w, padding=(0, 1, 1))[0, 0].numpy()
    np.testing.assert_allclose(r["y"], want, atol=1e-12)
    assert len(r["y"]) == len(r["x"]) - w.shape[2] + 1


def test_crops_that_leave_the_photo_are_refused():
    with pytest.raises(ValueError, match="leave the photo of shape"):
        shifted_video(frames=40)


def test_the_figure_shows_what_convviz_computes():
    fig = photo_video_figure()
    assert photo_video_figure in cv.figures.REGISTRY[STEM][1]
    assert len(gzip.compress(fig.to_html().encode())) <= 150_000
    for key in fig.keys():
        setting = fig.setting(key)
        frame = fig.frame(key)
        check_frame(frame)
        check_image_frame(frame)
        r = photo_video(setting["kernel"])
        assert setting["t"] < len(r["y"])  # every output frame offered exists
        for f, panel in enumerate(frame["views"][2]["panels"]):
            half = (panel["image"]["hi"] - panel["image"]["lo"]) / 510
            assert np.abs(decode(panel) - r["y"][f]).max() <= half + 1e-4, key
