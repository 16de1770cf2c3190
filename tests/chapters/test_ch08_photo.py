"""Chapter 8, "On a photograph": one pass and two passes agree (SciPy, torch); the timing."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F

import convviz as cv
from convviz.figures.engine import check_frame
from convviz.figures.imageview import check_image_frame, decode
from convviz.figures.photos import SEPARABLE, photo_separable, photo_separable_figure

STEM = "08-separable-convolution"


def test_glued_numbers(chapter):
    ns, glued = chapter(STEM)
    camera = ns["camera"][0, 0]
    assert glued["camera_side"] == camera.shape[0] == camera.shape[1] == 512
    assert glued["sep_side"] == 64 == photo_separable("Sobel, vertical edges")["x"].shape[0]
    sobel = np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0])
    # scipy: zero-padded correlation, the 2D kernel and the two 1D kernels in turn
    one = ndi.correlate(camera, sobel, mode="constant")
    two = ndi.correlate1d(
        ndi.correlate1d(camera, [1.0, 2.0, 1.0], axis=0, mode="constant"),
        [1.0, 0.0, -1.0],
        axis=1,
        mode="constant",
    )
    np.testing.assert_allclose(ns["one_pass"]()[0, 0], one, atol=1e-12)
    np.testing.assert_allclose(ns["two_passes"]()[0, 0], two, atol=1e-12)
    assert glued["camera_sep_gap"] == pytest.approx(np.abs(one - two).max(), abs=1e-12)
    assert glued["camera_sep_gap"] < 1e-12
    # a measurement: positive, and the ratio is the ratio of the two glued times
    assert (glued["camera_rounds"], glued["camera_calls"]) == (ns["rounds"], ns["calls"])
    assert 0 < glued["camera_ms_one"] < 5000 and 0 < glued["camera_ms_two"] < 5000
    assert glued["camera_ms_ratio"] == pytest.approx(
        glued["camera_ms_two"] / glued["camera_ms_one"]
    )
    # the sentence after the numbers says which route won, as measured
    faster = glued["camera_ms_two"] < glued["camera_ms_one"]
    assert ("faster" in glued["camera_verdict"]) == faster
    assert ("slower" in glued["camera_verdict"]) == (not faster)
    # the memory the prose speaks of: a 512 x 512 float64 picture is 2 MiB
    assert glued["camera_mib"] == 512 * 512 * 8 / 2**20 == 2
    for key in ("camera_faults_one", "camera_faults_two"):  # counted with getrusage
        assert glued[key] == "not measured" or (isinstance(glued[key], int) and glued[key] >= 0)
    # the prose names the route conv2d takes for one channel in and out: shifted adds per tap
    assert cv.conv_method(camera[None, None].shape, (1, 1, 3, 3), padding=1) == "depthwise"
    assert cv.conv_method(camera[None, None].shape, (1, 1, 3, 1), padding=(1, 0)) == "depthwise"


@pytest.mark.parametrize("name", list(SEPARABLE))
def test_one_pass_and_two_passes_match_torch(name):
    r = photo_separable(name)
    a, b = SEPARABLE[name]
    k, p = len(a), len(a) // 2
    t = torch.tensor(r["x"])[None, None]
    w = torch.tensor(np.outer(a, b))[None, None]
    one = F.conv2d(t, w, padding=p)[0, 0].numpy()
    mid = F.conv2d(t, torch.tensor(a).view(1, 1, k, 1), padding=(p, 0))
    two = F.conv2d(mid, torch.tensor(b).view(1, 1, 1, k), padding=(0, p))[0, 0].numpy()
    np.testing.assert_allclose(r["one"], one, atol=1e-12)
    np.testing.assert_allclose(r["two"], two, atol=1e-12)
    np.testing.assert_allclose(one, two, atol=1e-12)


def test_the_figure_shows_what_convviz_computes():
    fig = photo_separable_figure()
    assert photo_separable_figure in cv.figures.REGISTRY[STEM][1]
    assert len(gzip.compress(fig.to_html().encode())) <= 150_000
    for key in fig.keys():
        name = fig.setting(key)["name"]
        frame = fig.frame(key)
        check_frame(frame)
        check_image_frame(frame)
        a, b = SEPARABLE[name]
        x = photo_separable(name)["x"]
        want = ndi.correlate(x, np.outer(a, b), mode="constant")
        p = len(a) // 2
        for v in frame["views"]:
            out = v["panels"][-1]
            lo, hi = out["image"]["lo"], out["image"]["hi"]
            # signed: the scale fits the inside; only the zero-padded frame is clipped
            if out["scale"] == "diverging":
                assert np.abs(want[p:-p, p:-p]).max() == pytest.approx(hi, abs=1e-4), name
            half = (hi - lo) / 510
            assert np.abs(decode(out) - np.clip(want, lo, hi)).max() <= half + 1e-4, name
